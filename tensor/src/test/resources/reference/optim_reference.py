# Reference values for dev.ddp4j.tensor.optim.OptimizerTest (PyTorch 1.13, float32).
# Run: /usr/bin/python3 optim_reference.py
import math
import torch

P0 = [[1.0, -2.0], [3.0, 0.5]]
GRADS = [
    [[0.1, -0.2], [0.3, 0.4]],
    [[-0.5, 0.25], [0.05, -0.1]],
    [[0.2, 0.2], [-0.3, 0.6]],
]

CONFIGS = [
    ("SGD plain", lambda p: torch.optim.SGD([p], lr=0.1)),
    ("SGD momentum 0.9 dampening 0.5", lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD nesterov 0.9 wd 0.01", lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True,
                                                           weight_decay=0.01)),
    ("RMSprop plain", lambda p: torch.optim.RMSprop([p], lr=0.01)),
    ("RMSprop centered momentum", lambda p: torch.optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-6,
                                                                weight_decay=0.1, momentum=0.5, centered=True)),
    ("Adam", lambda p: torch.optim.Adam([p], lr=0.1)),
    ("Adam wd", lambda p: torch.optim.Adam([p], lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("AdamW", lambda p: torch.optim.AdamW([p], lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
]

for name, make in CONFIGS:
    p = torch.tensor(P0, dtype=torch.float32, requires_grad=True)
    opt = make(p)
    print(name)
    for g in GRADS:
        p.grad = torch.tensor(g, dtype=torch.float32)
        opt.step()
        print("  {" + ", ".join("%.9gf" % v for v in p.detach().flatten().tolist()) + "},")

# Schedulers: lr after each scheduler.step() (epochs 1..12), base lr 0.1.
p = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([p], lr=0.1)
s = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
lrs = []
for _ in range(12):
    opt.step(); s.step(); lrs.append(opt.param_groups[0]["lr"])
print("StepLR(3, 0.5)", ", ".join(repr(v) for v in lrs))
p = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([p], lr=0.1)
s = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.01)
lrs = []
for _ in range(12):
    opt.step(); s.step(); lrs.append(opt.param_groups[0]["lr"])
print("CosineAnnealingLR(5, 0.01)", ", ".join(repr(v) for v in lrs))

# Invalid hyper-parameters (the messages PyTorch raises).
for ctor in [lambda p: torch.optim.SGD([p], lr=-0.1), lambda p: torch.optim.SGD([p], lr=0.1, momentum=-0.5),
             lambda p: torch.optim.SGD([p], lr=0.1, weight_decay=-1),
             lambda p: torch.optim.SGD([p], lr=0.1, nesterov=True),
             lambda p: torch.optim.RMSprop([p], lr=0.1, alpha=-0.1),
             lambda p: torch.optim.RMSprop([p], lr=0.1, eps=-1),
             lambda p: torch.optim.RMSprop([p], lr=0.1, momentum=-1),
             lambda p: torch.optim.RMSprop([p], lr=0.1, weight_decay=-1),
             lambda p: torch.optim.Adam([p], lr=0.1, betas=(1.0, 0.999)),
             lambda p: torch.optim.Adam([p], lr=0.1, betas=(0.9, -0.1)),
             lambda p: torch.optim.Adam([p], lr=0.1, eps=-1),
             lambda p: torch.optim.Adam([p], lr=0.1, weight_decay=-1),
             lambda p: torch.optim.AdamW([p], lr=0.1, weight_decay=-1)]:
    try:
        ctor(torch.zeros(1, requires_grad=True))
        print("accepted")
    except ValueError as e:
        print("ValueError:", e)
