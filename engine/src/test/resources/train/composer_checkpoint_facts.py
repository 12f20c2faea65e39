#!/usr/bin/env python3
"""Loads a Composer checkpoint written by finetune4j's Trainer with a real torch.load and prints facts as JSON.

Usage: composer_checkpoint_facts.py FILE.pt PARAM_FQN

torch.load(weights_only=True) first; torch < 2.0 (Debian's 1.13) has a weights_only unpickler without timedelta,
so it falls back to torch.load with a restricted unpickler that allows exactly torch >= 2.4's weights_only globals
plus Composer's safe globals (the same approach as checkpoint/src/test/python/torch_load_check.py). Float values
are printed as hex so the Java side compares bits.
"""
import json
import pickle
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


def load(path):
    try:
        return torch.load(path, weights_only=True), "weights_only"
    except Exception:  # noqa: BLE001
        if int(torch.__version__.split(".")[0]) >= 2:
            raise
    return torch.load(path, pickle_module=restricted), "restricted-fallback"


def hexes(t):
    return [float(x).hex() for x in t.flatten()[:8].tolist()]


def main():
    ck, mode = load(sys.argv[1])
    fqn = sys.argv[2]
    st = ck["state"]
    opt_name, osd = next(iter(st["optimizers"].items()))
    pg = osd["param_groups"][0]
    out = {
        "mode": mode,
        "top": list(ck.keys()),
        "model_keys": list(st["model"].keys()),
        "optimizer": opt_name,
        "state_keys": list(osd["state"].keys()),
        "slots": sorted(osd["state"][fqn].keys()),
        "group_keys": list(pg.keys()),
        "group_lr": float(pg["lr"]).hex(),
        "group_initial_lr": float(pg["initial_lr"]).hex(),
        "group_params": list(pg["params"]),
        "scheduler_keys": sorted(st["schedulers"]["LambdaLR"].keys()),
        "last_epoch": st["schedulers"]["LambdaLR"]["last_epoch"],
        "batch": st["timestamp"]["Timestamp"]["batch"],
        "wct_type": type(st["timestamp"]["Timestamp"]["total_wct"]).__name__,
        "rank_zero_seed": st["rank_zero_seed"],
        "run_name": st["run_name"],
        "weight_dtype": str(st["model"][fqn].dtype),
        "weight": hexes(st["model"][fqn]),
        "exp_avg": hexes(osd["state"][fqn]["exp_avg"]),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
