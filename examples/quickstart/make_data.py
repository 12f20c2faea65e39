#!/usr/bin/env python3
"""Writes the quickstart's synthetic chat data: arithmetic questions answered by the assistant.

train.jsonl and eval.jsonl are chat JSONL (CHAT_COMPLETION): {"messages": [{"role": "user", ...},
{"role": "assistant", ...}]}. Deterministic (seeded); stdlib only; the output is committed.
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(1234)
QUESTIONS = ["What is {a} + {b}?", "Compute {a} + {b}.", "{a} + {b} = ?", "Add {a} and {b}."]


def example(a, b):
    q = rng.choice(QUESTIONS).format(a=a, b=b)
    return {"messages": [{"role": "user", "content": q},
                         {"role": "assistant", "content": f"{a} + {b} = {a + b}"}]}


pairs = [(a, b) for a in range(50) for b in range(50)]
rng.shuffle(pairs)
held_out, train = pairs[:100], pairs[100:]
os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
with open(os.path.join(HERE, "data", "train.jsonl"), "w") as f:
    for a, b in train:
        f.write(json.dumps(example(a, b)) + "\n")
with open(os.path.join(HERE, "data", "eval.jsonl"), "w") as f:
    for a, b in held_out:
        f.write(json.dumps(example(a, b)) + "\n")
print(len(train), "train,", len(held_out), "eval")
