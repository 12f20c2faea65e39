#!/usr/bin/env bash
# Gemma 2's soft-capped attention (docs/models.md §9) materialises batch × heads × seq² scores per layer, which `plan`
# counts at 8 bytes each. Three JVMs train the same Gemma 2-shaped model a few steps: attention soft-capping on, off
# (fused SDPA), and a Llama of the same sizes; compare (peak RSS on - off) with (plan on - off) within one run.
#   benchmarks/gemma2-softcap.sh [steps]    (default 3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STEPS="${1:-3}"
(cd "$ROOT" && OPT_OUT_TRACKING=true DJL_OFFLINE=true mvn -o -B -q -pl benchmarks -am package -DskipTests) >&2
export OPT_OUT_TRACKING=true DJL_OFFLINE=true
export MALLOC_MMAP_THRESHOLD_=65536
OUT="${OUT:-$ROOT/benchmarks/target/gemma2-softcap-results.jsonl}"
: > "$OUT"
run() { java -Dai.djl.offline=true -Xmx1g -cp "$ROOT/benchmarks/target/benchmarks.jar" dev.finetune4j.bench.MemoryReport "$@" 2>/dev/null | tee -a "$OUT"; }
# hidden 256, 4 layers, 8 heads, context 512, micro-batch 4, fp32: 4·8·512² scores per layer
run gemma2-capped   256 4 704 8 4 8000 512 4 false false false "$STEPS" gemma2 50
run gemma2-uncapped 256 4 704 8 4 8000 512 4 false false false "$STEPS" gemma2 none
run llama-same      256 4 704 8 4 8000 512 4 false false false "$STEPS" llama
