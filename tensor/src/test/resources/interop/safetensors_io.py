"""Writes and reads safetensors files with PyTorch alone, following the format specification by hand.

The file: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON mapping each
tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data section)
plus an optional "__metadata__" object of strings, padded with spaces so that 8 + N is a multiple
of 8, then the tensors' little-endian row-major bytes.

  safetensors_io.py write OUT.safetensors   writes a few tensors of every dtype; prints them as JSON
  safetensors_io.py read IN.safetensors     prints the metadata and tensors of a file as JSON

Other scripts import it for save_file(path, tensors, metadata) and load_file(path).

Tensors are printed as {"dtype", "shape", "bits"}, where bits are the elements' raw bit patterns as
unsigned integers (I64: its signed values, BOOL: 0 or 1), so that comparisons are exact.
"""
import json
import struct
import sys

import torch

# safetensors code -> (torch dtype, integer dtype of the same width or None, struct code of the bits)
DTYPES = {
    "F32": (torch.float32, torch.int32, "I"),
    "F64": (torch.float64, torch.int64, "Q"),
    "I64": (torch.int64, None, "q"),
    "BF16": (torch.bfloat16, torch.int16, "H"),
    "F16": (torch.float16, torch.int16, "H"),
    "BOOL": (torch.bool, None, "B"),
}
CODES = {torch_dtype: code for code, (torch_dtype, _, _) in DTYPES.items()}


def bits(t):
    """The elements of t in row-major order as raw bit patterns (see the module docstring)."""
    code = CODES[t.dtype]
    _, int_view, fmt = DTYPES[code]
    flat = t.contiguous().reshape(-1)
    if int_view is None:
        return [int(v) for v in flat.tolist()]
    mask = (1 << (8 * struct.calcsize(fmt))) - 1
    return [v & mask for v in flat.view(int_view).tolist()]


def describe(t):
    return {"dtype": CODES[t.dtype], "shape": list(t.shape), "bits": bits(t)}


def save_file(path, tensors, metadata=None):
    """Writes the named tensors (and a dict of string metadata) to path; returns the names in file order."""
    # The reference implementation lays tensors out by descending alignment, then by name.
    names = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    header = {"__metadata__": metadata} if metadata else {}
    data = bytearray()
    for name in names:
        t = tensors[name]
        _, _, fmt = DTYPES[CODES[t.dtype]]
        b = bits(t)
        chunk = struct.pack("<%d%s" % (len(b), fmt), *b)
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(chunk)]}
        data += chunk
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-(8 + len(head)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + data)
    return names


def write(path):
    nan, inf = float("nan"), float("inf")
    tensors = {
        "weight": torch.tensor([[1.5, -0.0, inf], [nan, 1e-40, 3.4e38]], dtype=torch.float32),
        "bias": torch.tensor([0.1, -2.5, 1e300], dtype=torch.float64),
        "step": torch.tensor(2**40 + 7, dtype=torch.int64),
        "ids": torch.tensor([-1, 2**62, -(2**63), 0], dtype=torch.int64),
        "bf16": torch.tensor([1.0, -3.140625, 65280.0, -inf], dtype=torch.bfloat16),
        "f16": torch.tensor([[0.5, -65504.0], [6e-8, inf]], dtype=torch.float16),
        "mask": torch.tensor([True, False, True], dtype=torch.bool),
        "empty": torch.zeros((0, 3), dtype=torch.float32),
    }
    metadata = {"format": "pt", "producer": "safetensors_io.py"}
    names = save_file(path, tensors, metadata)
    print(json.dumps({"metadata": metadata, "tensors": {n: describe(tensors[n]) for n in names}}, indent=1))


def load_file(path):
    """The (metadata, {name: tensor}) of the file at path, tensors in header order, after checking the layout."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert (8 + n) % 8 == 0, "header of %d bytes is not padded to a multiple of 8" % n
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    expected_begin = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, end = info["data_offsets"]
        assert begin == expected_begin, "%s: data_offsets %s leave a hole or overlap" % (name, info["data_offsets"])
        expected_begin = end
    assert expected_begin == len(data), "data section is %d bytes, header says %d" % (len(data), expected_begin)
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]][0]
        if end == begin:  # frombuffer refuses an empty buffer
            t = torch.empty(info["shape"], dtype=dtype)
        else:
            t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(info["shape"])
        tensors[name] = t
    return metadata, tensors


def read(path):
    metadata, tensors = load_file(path)
    print(json.dumps({"metadata": metadata, "tensors": {n: describe(t) for n, t in tensors.items()}}, indent=1))


if __name__ == "__main__":
    # torch.frombuffer and Tensor.view read native byte order; the format is little-endian.
    assert sys.byteorder == "little", "this script assumes a little-endian machine"
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "read"):
        sys.exit("usage: safetensors_io.py write|read FILE")
    {"write": write, "read": read}[sys.argv[1]](sys.argv[2])
