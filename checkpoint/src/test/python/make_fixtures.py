#!/usr/bin/env python3
"""Generates the checkpoint-module test fixtures under ../resources/fixtures with a real torch (tested with Debian's
python3-torch 1.13 and numpy 1.24). Run from anywhere: python3 make_fixtures.py

- composer_like.pt (+ .expected.json): a Composer-layout checkpoint as Composer's State.state_dict() builds it:
  model weights under 'model.<hf name>', DecoupledLionW state keyed by FQN, LambdaLR state, Timestamp with
  timedeltas, TorchVersion, integrations with a tokenizer .model as bytes, and a real 'rng' entry
  (random.getstate(), np.random.get_state(), torch.random.get_rng_state()). Saved with torch.save to an open file
  (archive/ prefix), pickle protocol 2, as Composer does.
- dcp_sharded/ (+ dcp_sharded.expected.json): a torch.distributed.checkpoint folder (.metadata + two __N_0.distcp
  files, one tensor split in two row chunks across them). This torch build has no torch.distributed.checkpoint, so
  the metadata dataclasses are declared here under their real module names, field for field as in
  torch/distributed/checkpoint/metadata.py and filesystem.py (torch 2.x), and pickled with the default protocol
  the way FileSystemWriter does; every item is a torch.save archive at (offset, length) as _write_item writes it.
- hf_bin/ : an HF folder with config.json and pytorch_model.bin (torch.save to a path: prefix 'pytorch_model/').
"""
import collections
import datetime
import enum
import io
import json
import os
import pickle
import random
import sys
import types
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_load_check import describe  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures")


def composer_like():
    torch.manual_seed(0)
    random.seed(1)
    np.random.seed(2)
    emb = torch.randn(6, 4)
    model = {
        "model.model.embed_tokens.weight": emb,
        "model.model.norm.weight": torch.ones(4, dtype=torch.bfloat16),
        "model.lm_head.weight": torch.randn(6, 4).to(torch.bfloat16),
    }
    osd = {
        "state": {k: {"exp_avg": torch.zeros_like(v)} for k, v in model.items()},
        "param_groups": [{"lr": 0.0, "betas": (0.9, 0.95), "weight_decay": 0.0, "initial_lr": 1e-4,
                          "params": list(model.keys())}],
    }
    sched = {"base_lrs": [1e-4], "last_epoch": 3, "verbose": False, "_step_count": 4,
             "_get_lr_called_within_step": False, "_last_lr": [5e-5], "lr_lambdas": [None]}
    ts = collections.OrderedDict()
    for k, v in [("iteration", 0), ("epoch", 0), ("batch", 3), ("sample", 24), ("token", 3000),
                 ("epoch_in_iteration", 0), ("token_in_iteration", 3000), ("batch_in_epoch", 3),
                 ("sample_in_epoch", 24), ("token_in_epoch", 3000)]:
        ts[k] = v
    ts["total_wct"] = datetime.timedelta(seconds=12, microseconds=345678)
    ts["iteration_wct"] = datetime.timedelta(seconds=12, microseconds=345678)
    ts["epoch_wct"] = datetime.timedelta(seconds=12, microseconds=345678)
    ts["batch_wct"] = datetime.timedelta(seconds=4, microseconds=5)
    state = {
        "model": model,
        "optimizers": {"DecoupledLionW": osd},
        "schedulers": {"LambdaLR": sched},
        "algorithms": [("GradientClipping", {"repr": "GradientClipping(clipping_type=norm,clipping_threshold=1.0)"})],
        "callbacks": {},
        "scaler": {"GradScaler": {}},
        "timestamp": {"Timestamp": dict(ts)},
        "rank_zero_seed": 17,
        "run_name": "tiny-run",
        "dataset_state": {"train": None, "eval": {}},
        "integrations": {"huggingface": {"model": {"config": {"file_extension": ".json",
                                                             "content": {"model_type": "llama", "vocab_size": 6},
                                                             "class": "transformers.LlamaForCausalLM"}},
                                         "tokenizer": {"tokenizer": {"file_extension": ".model",
                                                                     "content": bytes(range(256))}}}},
        "metadata": {"composer_env_info": {"composer_version": "0.0"},
                     "torch_version": torch.torch_version.TorchVersion(torch.__version__),
                     "device": "cpu", "precision": "amp_bf16", "world_size": 1,
                     "device_train_microbatch_size": "auto", "train_dataloader_batch_size": 8},
    }
    rng = [{"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.random.get_rng_state()}]
    ckpt = {"state": state, "rng": rng}
    path = os.path.join(OUT, "composer_like.pt")
    with open(path, "wb") as f:  # an open file object -> archive/ prefix, as Composer writes
        torch.save(ckpt, f)
    with open(path + ".expected.json", "w") as f:
        json.dump(describe(ckpt), f)


# --- torch.distributed.checkpoint metadata classes (torch 2.x), declared under their real module names ---
def _module(name):
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        n = ".".join(parts[:i])
        if n not in sys.modules:
            sys.modules[n] = types.ModuleType(n)
    return sys.modules[name]


meta_mod = _module("torch.distributed.checkpoint.metadata")
fs_mod = _module("torch.distributed.checkpoint.filesystem")


@dataclass
class ChunkStorageMetadata:
    offsets: torch.Size
    sizes: torch.Size


class _MEM_FORMAT_ENCODING(enum.Enum):
    TORCH_CONTIGUOUS_FORMAT = 0
    TORCH_CHANNELS_LAST = 1
    TORCH_PRESERVE_FORMAT = 2


@dataclass
class TensorProperties:
    dtype: torch.dtype = field(default_factory=torch.get_default_dtype)
    layout: torch.layout = field(default=torch.strided)
    requires_grad: bool = False
    memory_format: torch.memory_format = field(default=torch.contiguous_format)
    pin_memory: bool = False

    def __getstate__(self):
        return (self.dtype, self.layout, self.requires_grad, _MEM_FORMAT_ENCODING.TORCH_CONTIGUOUS_FORMAT,
                self.pin_memory)


@dataclass
class TensorStorageMetadata:
    properties: TensorProperties
    size: torch.Size
    chunks: List[ChunkStorageMetadata]


@dataclass
class BytesStorageMetadata:
    pass


@dataclass(frozen=True)
class MetadataIndex:
    fqn: str
    offset: Optional[torch.Size] = None
    index: Optional[int] = field(hash=False, compare=False, default=None)


@dataclass
class Metadata:
    state_dict_metadata: Dict[str, Any]
    planner_data: Any = None
    storage_data: Any = None


@dataclass
class _StorageInfo:
    relative_path: str
    offset: int
    length: int


for cls in (ChunkStorageMetadata, _MEM_FORMAT_ENCODING, TensorProperties, TensorStorageMetadata,
            BytesStorageMetadata, MetadataIndex, Metadata):
    cls.__module__ = "torch.distributed.checkpoint.metadata"
    setattr(meta_mod, cls.__name__, cls)
_StorageInfo.__module__ = "torch.distributed.checkpoint.filesystem"
fs_mod._StorageInfo = _StorageInfo


def dcp_sharded():
    torch.manual_seed(3)
    d = os.path.join(OUT, "dcp_sharded")
    os.makedirs(d, exist_ok=True)
    w = torch.randn(4, 3)
    b = torch.arange(5, dtype=torch.int64)
    n = torch.randn(3).to(torch.bfloat16)
    full = {"model.model.layers.0.mlp.up_proj.weight": w, "model.model.layers.0.mlp.up_proj.bias": b,
            "model.model.norm.weight": n}
    # rank 0 writes rows 0-1 of w and b; rank 1 writes rows 2-3 of w and n
    items = {0: [("model.model.layers.0.mlp.up_proj.weight", (0, 0), w[0:2]),
                 ("model.model.layers.0.mlp.up_proj.bias", (0,), b)],
             1: [("model.model.layers.0.mlp.up_proj.weight", (2, 0), w[2:4]),
                 ("model.model.norm.weight", (0,), n)]}
    storage_data = {}
    for rank, its in items.items():
        name = f"__{rank}_0.distcp"
        with open(os.path.join(d, name), "wb") as f:
            for fqn, off, t in its:
                buf = io.BytesIO()
                torch.save(t.clone(), buf)
                data = buf.getvalue()
                start = f.tell()
                f.write(data)
                storage_data[MetadataIndex("state.model." + fqn, torch.Size(off), 0)] = \
                    _StorageInfo(name, start, len(data))
    sdm = {}
    planner = {}
    for fqn, t in full.items():
        chunks = [ChunkStorageMetadata(torch.Size(off), torch.Size(c.shape))
                  for its in items.values() for (k, off, c) in its if k == fqn]
        sdm["state.model." + fqn] = TensorStorageMetadata(TensorProperties(dtype=t.dtype), t.size(), chunks)
        planner["state.model." + fqn] = ("state", "model", fqn)
    sdm["state.run_name"] = BytesStorageMetadata()
    planner["state.run_name"] = ("state", "run_name")
    with open(os.path.join(d, ".metadata"), "wb") as f:
        pickle.dump(Metadata(sdm, planner, storage_data), f)
    with open(os.path.join(OUT, "dcp_sharded.expected.json"), "w") as f:
        json.dump(describe({k[len("model."):]: v for k, v in full.items()}), f)


def hf_bin():
    torch.manual_seed(4)
    d = os.path.join(OUT, "hf_bin")
    os.makedirs(d, exist_ok=True)
    sd = collections.OrderedDict()
    sd["model.embed_tokens.weight"] = torch.randn(6, 4).to(torch.float16)
    base = torch.randn(4, 4)
    sd["model.layers.0.self_attn.q_proj.weight"] = base.t()  # a non-contiguous view
    sd["lm_head.weight"] = sd["model.embed_tokens.weight"]  # tied: shared storage
    torch.save(sd, os.path.join(d, "pytorch_model.bin"))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"model_type": "llama", "torch_dtype": "float16", "rope_theta": 10000.0}, f)
    with open(os.path.join(OUT, "hf_bin.expected.json"), "w") as f:
        json.dump(describe(sd), f)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    composer_like()
    dcp_sharded()
    hf_bin()
    print("fixtures written to", os.path.normpath(OUT))
