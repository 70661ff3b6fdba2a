"""Trains the seeds' Fashion-MNIST MLP with PyTorch and checks ddp4j's safetensors files against torch.

  train_torch_mlp.py train OUT_DIR
      Trains nn.Sequential(Flatten, Linear(784, 512), ReLU, Linear(512, 512), ReLU, Linear(512, 10))
      for one epoch (seed 0, SGD lr 0.01 momentum 0.9, batches of 64 drawn by a seeded permutation),
      rounds its state dict to bfloat16 and writes it to OUT_DIR/mlp_torch.safetensors, then
      evaluates the rounded weights (widened back to float32, which is exact) on the 10,000 test
      images and writes OUT_DIR/mlp_torch.json: test accuracy, test loss (mean cross-entropy),
      correct predictions, the argmax of the first 100 test images, and the smallest gap between
      the two largest logits of any test image (how close the nearest prediction is to flipping).

  train_torch_mlp.py check WEIGHTS.safetensors N
      Reads a state dict written by ddp4j and prints as JSON, for each tensor, its dtype, shape and
      the SHA-256 of its elements' little-endian bytes as torch holds them, and the argmax
      predictions of the MLP with those weights for the first N test images.

BF16 keeps the checked-in file at half the size of float32 (1.3 MB instead of 2.7 MB) with the
real model; the accuracy in the JSON is that of the weights as stored, so a reader that widens
them to float32 must reproduce it. Files are written and read by safetensors_io.py, which follows
the safetensors specification with torch, struct and json only.

Fashion-MNIST is read from its IDX .gz files in $FMNIST_DIR (default /usr/share/datasets/fashion-mnist),
images scaled to [0, 1] as float32 (byte / 255), labels as int64.
"""
import gzip
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402  (the spec-following writer and reader beside this script)

DATA_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
SEED = 0
EPOCHS = 1
BATCH_SIZE = 64
LR = 0.01
MOMENTUM = 0.9
EVAL_BATCH_SIZE = 1000
STORED_DTYPE = torch.bfloat16
FIRST_PREDICTIONS = 100


def read_idx(name):
    """The unsigned bytes of an IDX file as a numpy array of its dimensions."""
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        raw = f.read()
    zero, kind, ndim = struct.unpack(">HBB", raw[:4])
    assert zero == 0 and kind == 0x08, "%s is not an unsigned-byte IDX file" % name
    dims = struct.unpack(">%dI" % ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_mnist(train):
    prefix = "train" if train else "t10k"
    images = read_idx(prefix + "-images-idx3-ubyte.gz")
    labels = read_idx(prefix + "-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.copy()).to(torch.float32).div_(255.0).reshape(-1, 1, 28, 28)
    return x, torch.from_numpy(labels.astype(np.int64))


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


def logits_of(model, x):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i:i + EVAL_BATCH_SIZE]) for i in range(0, x.shape[0], EVAL_BATCH_SIZE)])


def train(out_dir):
    torch.manual_seed(SEED)
    model = mlp()
    x_train, y_train = fashion_mnist(train=True)
    x_test, y_test = fashion_mnist(train=False)
    generator = torch.Generator().manual_seed(SEED)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(x_train.shape[0], generator=generator)
        for i in range(0, x_train.shape[0], BATCH_SIZE):
            idx = order[i:i + BATCH_SIZE]
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
            optimizer.step()
    float32_correct = int((logits_of(model, x_test).argmax(1) == y_test).sum())

    stored = {name: t.detach().to(STORED_DTYPE).contiguous() for name, t in model.state_dict().items()}
    metadata = {"format": "pt", "producer": "train_torch_mlp.py", "torch": torch.__version__}
    safetensors_io.save_file(os.path.join(out_dir, "mlp_torch.safetensors"), stored, metadata)

    # Evaluate exactly the weights in the file: bfloat16 widened to float32 loses nothing.
    model.load_state_dict({name: t.to(torch.float32) for name, t in stored.items()})
    logits = logits_of(model, x_test)
    predictions = logits.argmax(1)
    correct = int((predictions == y_test).sum())
    top2 = logits.topk(2, dim=1).values
    summary = {
        "torch": torch.__version__,
        "training": {"seed": SEED, "epochs": EPOCHS, "batch_size": BATCH_SIZE, "lr": LR, "momentum": MOMENTUM,
                     "train_samples": int(x_train.shape[0])},
        "stored_dtype": safetensors_io.CODES[STORED_DTYPE],
        "test_samples": int(x_test.shape[0]),
        "test_correct": correct,
        "test_accuracy": correct / x_test.shape[0],
        "test_loss": F.cross_entropy(logits.double(), y_test).item(),
        "min_top2_logit_gap": (top2[:, 0] - top2[:, 1]).min().item(),
        "first_predictions": predictions[:FIRST_PREDICTIONS].tolist(),
        "float32_test_correct": float32_correct,
    }
    with open(os.path.join(out_dir, "mlp_torch.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "first_predictions"}))


def check(path, n):
    _, tensors = safetensors_io.load_file(path)
    described = {name: {"dtype": safetensors_io.CODES[t.dtype], "shape": list(t.shape),
                        "sha256": hashlib.sha256(t.contiguous().numpy().tobytes()).hexdigest()}
                 for name, t in tensors.items()}
    model = mlp()
    model.load_state_dict(tensors, strict=True)
    x_test, _ = fashion_mnist(train=False)
    predictions = logits_of(model, x_test[:n]).argmax(1).tolist()
    print(json.dumps({"tensors": described, "predictions": predictions}))


if __name__ == "__main__":
    # torch.frombuffer, Tensor.view and numpy's tobytes use native byte order; the format is little-endian.
    assert sys.byteorder == "little", "this script assumes a little-endian machine"
    torch.set_num_threads(1)  # one summation order whatever the number of cores, and a light process
    if len(sys.argv) == 3 and sys.argv[1] == "train":
        train(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: train_torch_mlp.py train OUT_DIR | check WEIGHTS.safetensors N")
