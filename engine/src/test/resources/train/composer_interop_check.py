#!/usr/bin/env python3
"""Checks that a checkpoint written by finetune4j's Trainer has the structure Composer's resume reads.

Usage: composer_interop_check.py FILE.pt   (composer_checkpoint_facts.py must sit in the same folder)

Composer's Trainer resumes with torch.load, then State.load_state_dict(state['state']) and, when the top-level
'rng' is present, reproducibility.load_rng_state(rng). This script walks the same dispatch without Composer
installed (docs/formats.md "Composer checkpoints"):
- top level: only 'state' and optionally 'rng'; 'rng' must be a list with one dict per rank holding 'torch' (a uint8
  tensor), 'python' (random.getstate()) and 'numpy' (np.random.get_state()) states;
- every 'state' key that Composer serializes is checked for the shape its loader expects (the LambdaLR state is
  loaded into a real torch LambdaLR); other keys are skipped by Composer and listed as such;
- integrations.huggingface.model.config.class must be an importable transformers path of the config's family.
Prints one JSON object: {"problems": [...], "skipped": [...], "class": ...}.
"""
import json
import os
import re
import sys
from datetime import timedelta

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from composer_checkpoint_facts import load  # noqa: E402

# Composer's State.serialized_attributes (the keys State.load_state_dict acts on)
SERIALIZED = {"model", "optimizers", "schedulers", "algorithms", "callbacks", "scaler", "timestamp",
              "rank_zero_seed", "train_metrics", "eval_metrics", "run_name", "dataset_state"}
TIMESTAMP_INTS = ["epoch", "batch", "sample", "token", "batch_in_epoch", "sample_in_epoch", "token_in_epoch"]
TIMESTAMP_WCTS = ["total_wct", "epoch_wct", "batch_wct"]


def check_rng(rng, problems):
    if not isinstance(rng, list) or not rng:
        problems.append("rng must be a non-empty list with one dict per rank")
        return
    for i, r in enumerate(rng):
        if not isinstance(r, dict):
            problems.append(f"rng[{i}] is not a dict")
            continue
        for key in ("torch", "python", "numpy"):
            if key not in r:
                problems.append(f"rng[{i}] has no '{key}' state (load_rng_state reads it)")
        t = r.get("torch")
        if t is not None and not (isinstance(t, torch.Tensor) and t.dtype == torch.uint8):
            problems.append(f"rng[{i}]['torch'] is not a uint8 tensor (torch.set_rng_state needs one)")
        p = r.get("python")
        if p is not None and not (isinstance(p, tuple) and len(p) == 3 and isinstance(p[1], tuple)):
            problems.append(f"rng[{i}]['python'] is not a random.getstate() tuple")
        n = r.get("numpy")
        if n is not None and not (isinstance(n, tuple) and len(n) == 5 and n[0] == "MT19937"):
            problems.append(f"rng[{i}]['numpy'] is not an np.random.get_state() tuple")


def check_state_key(key, value, state, problems):
    if key == "model":
        if not isinstance(value, dict) or not all(isinstance(v, torch.Tensor) for v in value.values()):
            problems.append("state.model must map parameter names to tensors")
    elif key == "optimizers":
        if not isinstance(value, dict) or len(value) != 1:
            problems.append("state.optimizers must hold one optimizer keyed by its class name")
            return
        name, osd = next(iter(value.items()))
        if not isinstance(osd, dict) or not isinstance(osd.get("state"), dict) \
                or not isinstance(osd.get("param_groups"), list):
            problems.append(f"state.optimizers.{name} must be an optimizer state_dict (state, param_groups)")
            return
        model_keys = set(state.get("model", {}).keys())
        params = [p for g in osd["param_groups"] for p in g.get("params", [])]
        if not all(isinstance(p, str) and p in model_keys for p in params):
            problems.append(f"state.optimizers.{name} param_groups name parameters not in state.model")
        if not set(osd["state"]).issubset(set(params)):
            problems.append(f"state.optimizers.{name}.state has keys outside its param_groups")
    elif key == "schedulers":
        sd = value.get("LambdaLR") if isinstance(value, dict) else None
        if not isinstance(sd, dict):
            problems.append("state.schedulers must hold 'LambdaLR' (Composer wraps its schedulers in LambdaLR)")
            return
        base = sd.get("base_lrs") or [1.0]
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1)) for _ in base], lr=1.0)
        for g, lr in zip(opt.param_groups, base):
            g["initial_lr"] = lr
        sched = torch.optim.lr_scheduler.LambdaLR(opt, [lambda s: 1.0] * len(base), last_epoch=0)
        try:
            sched.load_state_dict(dict(sd))
        except Exception as e:  # noqa: BLE001
            problems.append(f"torch LambdaLR.load_state_dict fails on state.schedulers.LambdaLR: {e!r}")
            return
        if sched.last_epoch != sd.get("last_epoch"):
            problems.append("LambdaLR.last_epoch was not restored")
    elif key == "timestamp":
        ts = value.get("Timestamp") if isinstance(value, dict) else None
        if not isinstance(ts, dict):
            problems.append("state.timestamp must hold 'Timestamp'")
            return
        for k in TIMESTAMP_INTS:
            if not isinstance(ts.get(k), int):
                problems.append(f"state.timestamp.Timestamp.{k} must be an int")
        for k in TIMESTAMP_WCTS:
            if not isinstance(ts.get(k), timedelta):
                problems.append(f"state.timestamp.Timestamp.{k} must be a timedelta")
    elif key == "rank_zero_seed":
        if not isinstance(value, int):
            problems.append("state.rank_zero_seed must be an int")
    elif key == "run_name":
        if not isinstance(value, str):
            problems.append("state.run_name must be a str")
    elif key == "dataset_state":
        # Composer writes {'train': None or the dataset's state_dict(), 'eval': {...}}; State._load_dataset_state
        # hands obj['train'] to the train dataset's load_state_dict (a StreamingDataset's keys) and reads obj['eval']
        train = value.get("train") if isinstance(value, dict) else None
        if not isinstance(value, dict) or "train" not in value or not isinstance(value.get("eval"), dict) \
                or not (train is None or isinstance(train, dict) and "sample_in_epoch" in train):
            problems.append("state.dataset_state must be {'train': None or a StreamingDataset state, 'eval': {...}}")
    elif key in ("callbacks", "algorithms", "scaler"):
        if not isinstance(value, (dict, list)):
            problems.append(f"state.{key} must be keyed by class qualname")


def check_class(state, problems):
    try:
        cfg = state["integrations"]["huggingface"]["model"]["config"]
    except (KeyError, TypeError):
        problems.append("state.integrations.huggingface.model.config is missing")
        return None
    cls = cfg.get("class")
    model_type = (cfg.get("content") or {}).get("model_type")
    m = re.fullmatch(r"transformers\.models\.(\w+)\.modeling_(\w+)\.(\w+ForCausalLM)", cls or "")
    if not m or m.group(1) != m.group(2) or m.group(1) != model_type:
        problems.append(f"config.class {cls!r} is not transformers.models.<model_type>.modeling_<model_type>."
                        f"<Class> for model_type {model_type!r}")
    try:
        import importlib
        module, name = cls.rsplit(".", 1)
        getattr(importlib.import_module(module), name)
    except ImportError:
        pass  # transformers not installed here: the path's shape was checked above
    except AttributeError:
        problems.append(f"config.class {cls!r} does not exist in transformers")
    return cls


def main():
    ck, _ = load(sys.argv[1])
    problems, skipped = [], []
    if not isinstance(ck, dict) or "state" not in ck:
        problems.append("the checkpoint root must be a dict with 'state'")
        print(json.dumps({"problems": problems, "skipped": skipped, "class": None}))
        return
    for k in ck:
        if k not in ("state", "rng"):
            problems.append(f"unexpected top-level key {k!r}")
    if "rng" in ck:
        check_rng(ck["rng"], problems)
    state = ck["state"]
    for key, value in state.items():
        if key in ("integrations", "metadata"):
            continue
        if key not in SERIALIZED:
            skipped.append(key)
            continue
        check_state_key(key, value, state, problems)
    cls = check_class(state, problems)
    print(json.dumps({"problems": problems, "skipped": skipped, "class": cls}))


if __name__ == "__main__":
    main()
