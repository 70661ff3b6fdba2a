# Reference values for dev.ddp4j.tensor.nn.LossTest (PyTorch 1.13, float32).
# Run: /usr/bin/python3 loss_reference.py
import torch
import torch.nn.functional as F


def show(name, t):
    print("  %s = {%s}" % (name, ", ".join("%.9gf" % v for v in t.detach().flatten().tolist())))


def run(title, fn, x, t, upstream=None):
    x = x.clone().requires_grad_(True)
    out = fn(x, t)
    out.backward(upstream if upstream is not None else torch.ones_like(out))
    print(title)
    show("value", out)
    show("grad", x.grad)


f32 = torch.float32
mse_x = torch.tensor([[0.5, -1.0, 2.0], [0.0, 1.5, -0.5]], dtype=f32)
mse_t = torch.tensor([[1.0, 0.0, 2.0], [-1.0, 1.0, 0.5]], dtype=f32)
mse_up = torch.tensor([[1.0, -1.0, 0.5], [2.0, 0.0, -3.0]], dtype=f32)
for red in ["mean", "sum"]:
    run("mse " + red, lambda x, t: F.mse_loss(x, t, reduction=red), mse_x, mse_t)
run("mse none (upstream mse_up)", lambda x, t: F.mse_loss(x, t, reduction="none"), mse_x, mse_t, mse_up)

bce_x = torch.tensor([0.2, 0.9, 0.0, 1.0, 0.5, 0.7, 0.0, 1.0], dtype=f32)
bce_t = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 0.3, 0.0, 1.0], dtype=f32)
for red in ["mean", "sum", "none"]:
    run("bce " + red, lambda x, t: F.binary_cross_entropy(x, t, reduction=red), bce_x, bce_t)

bcel_x = torch.tensor([-200.0, -1.0, 0.0, 2.0, 150.0, 30.0], dtype=f32)
bcel_t = torch.tensor([0.0, 1.0, 0.5, 1.0, 0.0, 1.0], dtype=f32)
for red in ["mean", "sum", "none"]:
    run("bce_with_logits " + red, lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=red),
        bcel_x, bcel_t)

ce_x = torch.tensor([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0], [0.3, -0.2, 0.1], [2.0, 2.0, -1.0]], dtype=f32)
ce_t = torch.tensor([1, 2, 0, 0])
ce_up = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=f32)
for ls in [0.0, 0.1]:
    for red in ["mean", "sum"]:
        run("cross_entropy %s label_smoothing %s" % (red, ls),
            lambda x, t: F.cross_entropy(x, t, reduction=red, label_smoothing=ls), ce_x, ce_t)
    run("cross_entropy none label_smoothing %s (upstream ce_up)" % ls,
        lambda x, t: F.cross_entropy(x, t, reduction="none", label_smoothing=ls), ce_x, ce_t, ce_up)

nll_x = torch.tensor([[-0.5, -1.5, -2.0], [-3.0, -0.1, -2.5], [-1.0, -1.0, -1.2]], dtype=f32)
nll_t = torch.tensor([2, 1, 0])
for red in ["mean", "sum"]:
    run("nll " + red, lambda x, t: F.nll_loss(x, t, reduction=red), nll_x, nll_t)
run("nll none (upstream [2, -1, 0.5])", lambda x, t: F.nll_loss(x, t, reduction="none"), nll_x, nll_t,
    torch.tensor([2.0, -1.0, 0.5]))
run("nll 1-D input, 0-dim target", lambda x, t: F.nll_loss(x, t), nll_x[1], torch.tensor(2))

# Target gradients (LossTest.bceTargetGradientsMatchTorch).
t = torch.tensor([0.0, 1.0, 0.3], requires_grad=True)
F.binary_cross_entropy(torch.tensor([0.2, 0.9, 0.5]), t, reduction="sum").backward()
print("bce target grad", ["%.9g" % v for v in t.grad.tolist()])
t = torch.tensor([0.0, 1.0, 0.3], requires_grad=True)
F.binary_cross_entropy_with_logits(torch.tensor([-2.0, 0.0, 3.0]), t, reduction="sum").backward()
print("bce_with_logits target grad", ["%.9g" % v for v in t.grad.tolist()])
