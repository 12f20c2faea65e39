#!/usr/bin/env bash
# Data-parallel measurements (docs/distributed.md): the c10d bridge's 64 MB all-reduce against a memcpy, and the
# quickstart's optimizer-step time with 2 CPU ranks against 1 process at the same global batch.
# Usage: benchmarks/dist-bench.sh [steps]   (builds the jars with `mvn package`, never installs)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STEPS="${1:-12}"
export OPT_OUT_TRACKING=true DJL_OFFLINE=true
(cd "$ROOT" && mvn -o -B -q -DskipTests package -pl src,benchmarks -am) >&2
java -Dai.djl.offline=true -cp "$ROOT/benchmarks/target/benchmarks.jar" dev.finetune4j.bench.AllReduceBench 2 10

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
common=(--set "training_duration=${STEPS}ba" --set "experiment_path=$OUT" --set log_interval=1ba
        --set eval_interval=1000ba --set save_interval=1000ba --set progress=none)
CORES="$(nproc)"
# one process on all cores, and on one core (each of the 2 ranks gets half the cores)
OMP_NUM_THREADS="$CORES" java -Dai.djl.offline=true -jar "$ROOT/src/target/finetune4j.jar" train \
  "$ROOT/examples/quickstart/config.yaml" "${common[@]}" --set run_name=one >/dev/null 2>&1
OMP_NUM_THREADS=1 java -Dai.djl.offline=true -jar "$ROOT/src/target/finetune4j.jar" train \
  "$ROOT/examples/quickstart/config.yaml" "${common[@]}" --set run_name=one-1t >/dev/null 2>&1
java -Dai.djl.offline=true -jar "$ROOT/src/target/finetune4j.jar" train "$ROOT/examples/quickstart/config.yaml" \
  --nproc-per-node 2 --master-port 29641 "${common[@]}" --set run_name=two >/dev/null 2>&1
# ZeRO-1 (fsdp.sharding: optimizer) with AdamW against one process with AdamW; state bytes from the ranks' log lines
# (their sum is the whole state, DataParallelTrainingTest checks that)
adamw=(--set optimizer.name=adamw)
OMP_NUM_THREADS="$CORES" java -Dai.djl.offline=true -jar "$ROOT/src/target/finetune4j.jar" train \
  "$ROOT/examples/quickstart/config.yaml" "${common[@]}" "${adamw[@]}" --set run_name=one-adamw >/dev/null 2>&1
OMP_NUM_THREADS=1 java -Dai.djl.offline=true -jar "$ROOT/src/target/finetune4j.jar" train \
  "$ROOT/examples/quickstart/config.yaml" "${common[@]}" "${adamw[@]}" --set run_name=one-adamw-1t >/dev/null 2>&1
java -Dai.djl.offline=true -jar "$ROOT/src/target/finetune4j.jar" train "$ROOT/examples/quickstart/config.yaml" \
  --nproc-per-node 2 --master-port 29643 "${common[@]}" "${adamw[@]}" --set run_name=two-zero \
  --set fsdp.sharding=optimizer >"$OUT/zero.log" 2>&1
python3 - "$OUT" <<'PY'
import json, sys, statistics
from datetime import datetime
def step_times(run):
    t = [datetime.fromisoformat(json.loads(l)["time"][:26]) for l in open(f"{sys.argv[1]}/{run}/metrics.jsonl")
         if '"loss"' in l]
    d = [(b - a).total_seconds() for a, b in zip(t, t[1:])][2:]   # skip warm-up steps
    return statistics.median(d)
one, one1, two = step_times("one"), step_times("one-1t"), step_times("two")
print(f"quickstart step (global batch 16), median: 1 process on all cores {one*1000:.0f} ms, 1 process on 1 thread "
      f"{one1*1000:.0f} ms, 2 CPU ranks (1 thread each) {two*1000:.0f} ms: 2 ranks / 1 process = {two/one:.2f}")
a, a1, z = step_times("one-adamw"), step_times("one-adamw-1t"), step_times("two-zero")
print(f"quickstart step with adamw, median: 1 process on all cores {a*1000:.0f} ms, on 1 thread {a1*1000:.0f} ms, "
      f"2 CPU ranks with ZeRO-1 {z*1000:.0f} ms: ZeRO-1 2 ranks / 1 process = {z/min(a, a1):.2f}")
PY
python3 - "$OUT/zero.log" <<'PY'
import re, sys
ranks = {int(m.group(1)): int(m.group(2)) for m in
         re.finditer(r"ZeRO-1: rank (\d+) holds (\d+) bytes of optimizer state", open(sys.argv[1]).read())}
n = sum(ranks.values())
print("ZeRO-1 optimizer state per rank: " + ", ".join(f"rank {r} {b:,} B ({b / n:.3f})" for r, b in sorted(ranks.items()))
      + f"; the whole AdamW state {n:,} B")
PY
