#!/usr/bin/env python3
"""PyTorch's figures on the same GPU, for the tables of dev.ddp4j.gpu.CudaGemmCheck and CudaCheck:
torch.mm TFLOP/s at 4096^3 in float32 (TF32 off), TF32 and bfloat16, and training samples/s of the
seeds' MLP and LeNet on synthetic Fashion-MNIST-shaped batches at batch 64 and 512 with the same
protocol as CudaCheck (SGD lr 0.01 momentum 0.9, 30 warm-up steps, 200 timed, loss.item() each step,
batches copied from the host each step)."""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

dev = torch.device("cuda:0")


def mm_tflops(dtype, tf32, n=4096, repeats=10):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    a = torch.rand(n, n, device=dev, dtype=dtype) * 2 - 1
    b = torch.rand(n, n, device=dev, dtype=dtype) * 2 - 1
    torch.mm(a, b)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(repeats):
        torch.mm(a, b)
    torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) / repeats * 1e3
    return ms, 2.0 * n ** 3 / (ms * 1e-3) / 1e12


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def samples_per_sec(factory, batch, warmup=30, timed=200, pool=8):
    torch.manual_seed(0)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model = factory().to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    xs = [torch.randn(batch, 1, 28, 28) for _ in range(pool)]
    ys = [torch.randint(0, 10, (batch,)) for _ in range(pool)]
    start = None
    for step in range(warmup + timed):
        if step == warmup:
            start = time.perf_counter()
        x = xs[step % pool].to(dev)
        y = ys[step % pool].to(dev)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
    return timed * batch / (time.perf_counter() - start)


if __name__ == "__main__":
    print("torch", torch.__version__, "on", torch.cuda.get_device_name(0))
    print("| GEMM 4096^3 | torch.mm ms | TFLOP/s |")
    print("|---|---|---|")
    for label, dtype, tf32 in (("fp32", torch.float32, False), ("tf32", torch.float32, True),
                               ("bf16", torch.bfloat16, False)):
        ms, tf = mm_tflops(dtype, tf32)
        print(f"| {label} | {ms:.3f} | {tf:.1f} |")
    print("| model | batch | torch samples/s (fp32, TF32 off) |")
    print("|---|---|---|")
    for name, factory in (("mlp", mlp), ("cnn", lenet)):
        for batch in (64, 512):
            print(f"| {name} | {batch} | {samples_per_sec(factory, batch):.0f} |")
