#!/usr/bin/env python3
"""Loads a file written by finetune4j with a real torch.load and prints a canonical JSON description of it.

Usage: torch_load_check.py FILE.pt      -> torch.load(FILE, weights_only=True)
       torch_load_check.py --safetensors FILE.safetensors

The description (one JSON document on stdout) is compared by the Java interop tests with the same description of
the value Java wrote. Tensors become {"tensor": dtype, "shape": [...], "sha256": hex of contiguous LE bytes}.

torch < 2.0 (Debian's python3-torch 1.13) has a weights_only unpickler without BINFLOAT, timedelta, bytes or numpy;
Composer itself requires torch >= 2.x and adds timedelta/numpy/TorchVersion via add_safe_globals. On such a torch
the loader falls back to torch.load with a restricted unpickler that allows exactly the globals of torch >= 2.4's
weights_only plus Composer's safe globals; the "mode" field says which loader was used.
"""
import collections
import datetime
import hashlib
import json
import pickle
import struct
import sys
import types

import torch

ALLOWED = {
    ("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_parameter"),
    ("datetime", "timedelta"), ("_codecs", "encode"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype"),
    ("torch.torch_version", "TorchVersion"),
}


class _Restricted(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in ALLOWED or (module == "torch" and name.endswith("Storage")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")


restricted = types.ModuleType("restricted_pickle")
restricted.Unpickler = _Restricted
restricted.load = pickle.load
restricted.__name__ = "restricted_pickle"


def load(path):
    try:
        return torch.load(path, weights_only=True), "weights_only"
    except Exception as e:  # noqa: BLE001
        major = int(torch.__version__.split(".")[0])
        if major >= 2:
            raise
        first_error = str(e)
    return torch.load(path, pickle_module=restricted), "restricted-fallback (" + first_error[:80] + ")"


def sha(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        raw = t.view(torch.int16).numpy().tobytes()
    else:
        raw = t.numpy().tobytes()
    return hashlib.sha256(raw).hexdigest()


def describe(o):
    import numpy as np
    if isinstance(o, torch.Tensor):
        return {"tensor": str(o.dtype).replace("torch.", ""), "shape": list(o.shape), "sha256": sha(o)}
    if isinstance(o, collections.OrderedDict):
        return {"OrderedDict": [[describe(k), describe(v)] for k, v in o.items()]}
    if isinstance(o, dict):
        return {"dict": [[describe(k), describe(v)] for k, v in o.items()]}
    if isinstance(o, tuple):
        return {"tuple": [describe(x) for x in o]}
    if isinstance(o, list):
        return {"list": [describe(x) for x in o]}
    if isinstance(o, datetime.timedelta):
        return {"timedelta_us": (o.days * 86400 + o.seconds) * 1000000 + o.microseconds}
    if isinstance(o, bytes):
        return {"bytes": o.hex()}
    if isinstance(o, np.ndarray):
        return {"ndarray": o.dtype.str, "shape": list(o.shape), "sha256": hashlib.sha256(o.tobytes()).hexdigest()}
    if isinstance(o, bool) or o is None:
        return o
    if isinstance(o, int):
        return {"int": str(o)}
    if isinstance(o, float):
        return {"float": struct.pack(">d", o).hex()}
    if isinstance(o, str):
        return o
    raise TypeError(f"unexpected {type(o)}")


ST_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
             "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
             "BOOL": torch.bool}


def read_safetensors(path):
    """An independent safetensors reader (the safetensors package is not installed): validates the layout and
    returns {name: torch tensor} in header order plus the metadata."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    assert (8 + n) % 8 == 0, "data not 8-byte aligned"
    data = raw[8 + n:]
    meta = header.pop("__metadata__", None)
    spans = sorted((v["data_offsets"][0], v["data_offsets"][1]) for v in header.values())
    pos = 0
    for b, e in spans:
        assert b == pos, "hole or overlap"
        pos = e
    assert pos == len(data), "buffer not covered"
    out = {}
    for k, v in header.items():
        b, e = v["data_offsets"]
        dt = ST_DTYPES[v["dtype"]]
        buf = bytearray(data[b:e])
        t = torch.frombuffer(buf, dtype=dt) if len(buf) else torch.empty(0, dtype=dt)
        out[k] = t.reshape(v["shape"])
    return out, meta


def read_hf_folder(d):
    import os
    cfg = json.load(open(os.path.join(d, "config.json")))
    idx = os.path.join(d, "model.safetensors.index.json")
    tensors = collections.OrderedDict()
    if os.path.exists(idx):
        index = json.load(open(idx))
        total = 0
        for shard in sorted(set(index["weight_map"].values())):
            ts, meta = read_safetensors(os.path.join(d, shard))
            assert meta == {"format": "pt"}, meta
            for k, t in ts.items():
                assert index["weight_map"][k] == shard
                total += t.numel() * t.element_size()
                tensors[k] = t
        assert total == index["metadata"]["total_size"], "total_size"
        assert set(index["weight_map"]) == set(tensors)
    else:
        tensors, meta = read_safetensors(os.path.join(d, "model.safetensors"))
        assert meta == {"format": "pt"}, meta
    return {"config": cfg, "tensors": describe(dict(sorted(tensors.items())))}


def main():
    if sys.argv[1] == "--hf-folder":
        print(json.dumps({"mode": "safetensors-by-hand", "value": read_hf_folder(sys.argv[2])}))
        return
    if sys.argv[1] == "--safetensors":
        import numpy as np
        with open(sys.argv[2], "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
            data = f.read()
        out = {}
        for k, v in header.items():
            if k == "__metadata__":
                out[k] = v
                continue
            b, e = v["data_offsets"]
            out[k] = {"dtype": v["dtype"], "shape": v["shape"], "sha256": hashlib.sha256(data[b:e]).hexdigest()}
        print(json.dumps({"mode": "manual", "value": out}))
        return
    value, mode = load(sys.argv[1])
    print(json.dumps({"mode": mode, "torch": torch.__version__, "value": describe(value)}))


if __name__ == "__main__":
    main()
