#!/usr/bin/env python3
"""Generates python-semantics.json: CPython's own answers for the Python semantics the Jinja interpreter re-implements
(float repr, str repr, json.dumps with transformers' tojson options, str methods). Run from this folder:
    /usr/bin/python3 make_fixtures.py
Deterministic (fixed seed); the Java test ValueModelPythonReferenceTest reads the output."""
import json
import random
import struct
import sys

rng = random.Random(20251123)

def rand_double():
    kind = rng.random()
    if kind < 0.3:
        return struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0]
    if kind < 0.6:
        return rng.uniform(-1e6, 1e6)
    if kind < 0.8:
        return round(rng.uniform(-100, 100), rng.randint(0, 6))
    return rng.choice([0.1, 0.2, 0.3, 1/3, 2/3, 1e-4, 9.999e-5, 1e15, 1e16, 123456789012345678.0, 5e-324,
                       2.2250738585072014e-308, 1.7976931348623157e308, -0.0, 100.0, 1e22, 1e23])

floats = []
for _ in range(3000):
    d = rand_double()
    if d != d or d in (float('inf'), float('-inf')):
        continue
    floats.append({"bits": struct.unpack('<q', struct.pack('<d', d))[0], "repr": repr(d)})

ALPHABET = ['a', 'B', ' ', ' ', '\n', '\t', '\r', "'", '"', '\\', 'x', '1', '_', '-', 'é', 'ß', 'İ', '\u00a0', '\u2028',
            '\u200b', '\x00', '\x1f', '\x7f', '😀', '中', 'ǅ', ',', '.']

def rand_str(n=12):
    return ''.join(rng.choice(ALPHABET) for _ in range(rng.randint(0, n)))

strings = []
for _ in range(500):
    s = rand_str()
    sep = rng.choice([None, ' ', 'a', ',', 'xx'])
    maxsplit = rng.choice([-1, 0, 1, 2, 5])
    chars = rng.choice([None, ' ', 'a\n', 'xé'])
    strings.append({
        "s": s,
        "repr": repr(s),
        "title": s.title(),
        "capitalize": s.capitalize(),
        "upper": s.upper(),
        "lower": s.lower(),
        "sep": sep,
        "maxsplit": maxsplit,
        "split": s.split(sep, maxsplit),
        "rsplit": s.rsplit(sep, maxsplit),
        "chars": chars,
        "strip": s.strip(chars),
        "lstrip": s.lstrip(chars),
        "rstrip": s.rstrip(chars),
        "splitlines": s.splitlines(),
        "isspace": s.isspace(),
        "islower": s.islower(),
        "isupper": s.isupper(),
    })

def rand_value(depth=0):
    k = rng.random()
    if depth > 2 or k < 0.45:
        return rng.choice([None, True, False, rng.randint(-10**6, 10**6), rand_double(), rand_str(8)])
    if k < 0.7:
        return [rand_value(depth + 1) for _ in range(rng.randint(0, 4))]
    return {rand_str(5): rand_value(depth + 1) for _ in range(rng.randint(0, 4))}

dumps = []
for _ in range(400):
    v = rand_value()
    opts = {"ensure_ascii": rng.choice([False, True]), "indent": rng.choice([None, 0, 2, 4]),
            "separators": rng.choice([None, [",", ":"], [", ", ": "]]), "sort_keys": rng.choice([False, True])}
    try:
        out = json.dumps(v, ensure_ascii=opts["ensure_ascii"], indent=opts["indent"],
                         separators=tuple(opts["separators"]) if opts["separators"] else None,
                         sort_keys=opts["sort_keys"])
    except (TypeError, ValueError):
        continue
    dumps.append({"value": v, "options": opts, "expected": out, "repr": repr(v)})

with open("python-semantics.json", "w", encoding="utf-8") as f:
    json.dump({"python": sys.version.split()[0], "floats": floats, "strings": strings, "dumps": dumps}, f,
              ensure_ascii=True, indent=0)
print("wrote", len(floats), "floats,", len(strings), "strings,", len(dumps), "dumps")
