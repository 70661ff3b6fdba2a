# Reference values for dev.ddp4j.tensor.nn.ModuleTest (PyTorch 1.13, float32).
# Run: /usr/bin/python3 module_reference.py
import torch
import torch.nn as nn


def show(name, t):
    print("  %s %s = {%s}" % (name, list(t.shape), ", ".join("%.9gf" % v for v in t.detach().flatten().tolist())))


mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                    nn.Linear(512, 10))
lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                      nn.Linear(84, 10))
for name, m in [("mlp", mlp), ("lenet", lenet)]:
    print(name, [(k, list(v.shape)) for k, v in m.named_parameters()])
print("bn1d state_dict", [(k, list(v.shape), str(v.dtype)) for k, v in nn.BatchNorm1d(3).state_dict().items()])

# Linear(3, 2) with fixed weights: forward and backward of sum(out * up).
lin = nn.Linear(3, 2)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
    lin.bias.copy_(torch.tensor([0.01, -0.02]))
x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], requires_grad=True)
out = lin(x)
out.backward(torch.tensor([[1.0, -1.0], [0.5, 2.0]]))
print("linear")
show("out", out); show("x.grad", x.grad); show("weight.grad", lin.weight.grad); show("bias.grad", lin.bias.grad)

# Conv2d(1, 2, 3, stride 2, padding 1) then, in parallel, MaxPool2d(2, stride 1) and AvgPool2d(2, stride 1).
X = [0.3, -1.2, 0.8, 2.1, -0.3,
     1.5, 0.0, -0.7, 0.9, 1.1,
     -2.0, 0.6, 1.3, -0.2, 0.4,
     0.7, -1.1, 0.25, 1.8, -0.9,
     1.0, 0.45, -0.35, -1.6, 0.15]
W = [0.2, -0.1, 0.4, 0.3, 0.5, -0.6, -0.2, 0.1, 0.7,
     -0.3, 0.8, 0.05, 0.6, -0.4, 0.25, 0.1, -0.5, 0.3]
B = [0.1, -0.2]
conv = nn.Conv2d(1, 2, 3, stride=2, padding=1)
with torch.no_grad():
    conv.weight.copy_(torch.tensor(W).view(2, 1, 3, 3))
    conv.bias.copy_(torch.tensor(B))
x = torch.tensor(X).view(1, 1, 5, 5).requires_grad_(True)
y = conv(x)
mp = nn.MaxPool2d(2, stride=1)(y)
ap = nn.AvgPool2d(2, stride=1)(y)
up_mp = torch.tensor([1.0, -2.0, 0.5, 3.0, -1.0, 2.0, 0.25, 1.5]).view(1, 2, 2, 2)
up_ap = torch.tensor([0.75, -0.5, 1.25, 2.0, -1.5, 0.5, 1.0, -0.25]).view(1, 2, 2, 2)
((mp * up_mp).sum() + (ap * up_ap).sum()).backward()
print("conv/pool")
show("conv", y); show("maxpool", mp); show("avgpool", ap)
show("x.grad", x.grad); show("weight.grad", conv.weight.grad); show("bias.grad", conv.bias.grad)

# BatchNorm1d(3) with weight/bias loaded: one training step, running stats, eval on another input.
bn = nn.BatchNorm1d(3)
with torch.no_grad():
    bn.weight.copy_(torch.tensor([1.5, 0.5, -1.0])); bn.bias.copy_(torch.tensor([0.1, 0.2, 0.3]))
x = torch.tensor([[1.0, 2.0, -1.0], [0.5, -1.0, 3.0], [2.0, 0.0, 1.0], [-1.5, 4.0, 0.0]], requires_grad=True)
out = bn(x)
out.backward(torch.tensor([[1.0, 0.5, -1.0], [2.0, -0.5, 0.0], [0.0, 1.0, 1.0], [-1.0, 2.0, 0.5]]))
print("batchnorm1d")
show("train out", out); show("x.grad", x.grad); show("weight.grad", bn.weight.grad); show("bias.grad", bn.bias.grad)
show("running_mean", bn.running_mean); show("running_var", bn.running_var)
print("  num_batches_tracked", bn.num_batches_tracked.item())
bn.eval()
show("eval out", bn(torch.tensor([[0.0, 1.0, 2.0], [3.0, -2.0, 0.5]])))

# BatchNorm2d(2) without loaded weights (weight 1, bias 0): [2, 2, 2, 3] input.
bn2 = nn.BatchNorm2d(2)
x = torch.tensor([0.5, -1.0, 2.0, 1.5, 0.0, -0.5,
                  3.0, 1.0, -2.0, 0.25, 0.75, 1.25,
                  -1.5, 2.5, 0.1, 0.3, -0.7, 1.9,
                  0.6, -0.8, 2.2, -1.3, 0.45, 0.05]).view(2, 2, 2, 3).requires_grad_(True)
out = bn2(x)
(out * torch.arange(24.0).view(2, 2, 2, 3) / 10).sum().backward()
print("batchnorm2d")
show("train out", out); show("x.grad", x.grad); show("weight.grad", bn2.weight.grad); show("bias.grad", bn2.bias.grad)
show("running_mean", bn2.running_mean); show("running_var", bn2.running_var)
bn2.eval()
show("eval out", bn2(torch.tensor([1.0, 0.0, -1.0, 2.0, 0.5, 3.0, -2.0, 0.25, 1.5, 4.0, -0.5, 0.0]).view(1, 2, 2, 3)))
