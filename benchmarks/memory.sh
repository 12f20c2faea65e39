#!/usr/bin/env bash
# Memory benchmarks of issue "fit real model sizes" (README "Memory"): each configuration runs in its own JVM and
# prints one JSON line (peak RSS, step time, bytes/parameter, plan estimate); compare lines of one run as ratios.
#   benchmarks/memory.sh [steps]        (default 3 steps per configuration; the first step includes warm-up)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STEPS="${1:-3}"
(cd "$ROOT" && OPT_OUT_TRACKING=true DJL_OFFLINE=true mvn -o -B -q -pl benchmarks -am package -DskipTests) >&2
export OPT_OUT_TRACKING=true DJL_OFFLINE=true
# glibc keeps freed heap chunks and raises its mmap threshold as it goes, so peak RSS would count freed kernel
# temporaries; a fixed threshold returns large freed blocks to the OS and RSS tracks live tensors.
export MALLOC_MMAP_THRESHOLD_=65536
OUT="${OUT:-$ROOT/benchmarks/target/memory-results.jsonl}"
: > "$OUT"
run() { java -Dai.djl.offline=true -Xmx2g -cp "$ROOT/benchmarks/target/benchmarks.jar" dev.finetune4j.bench.MemoryReport "$@" 2>/dev/null | tee -a "$OUT"; }
# activation-dominated: hidden 512, 8 layers, context 1024, micro-batch 4, fp32
run act-plain        512  8 1408  8 8 32000 1024 4 false false false "$STEPS"
run act-checkpointed 512  8 1408  8 8 32000 1024 4 true  false false "$STEPS"
# the same model, steps with and without checkpointing in turns (step-time ratio robust to a busy machine)
run act-alternating  512  8 1408  8 8 32000 1024 4 alternate false false $((2 * STEPS + 1))
# weight-dominated: ~218M parameters, short rows (1 x 64 tokens)
run weights-fp32     1024 12 2816 16 16 32000 64 1 false false false "$STEPS"
run weights-bf16-inbw 1024 12 2816 16 16 32000 64 1 false true true "$STEPS"
