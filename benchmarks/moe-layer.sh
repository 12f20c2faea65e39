#!/usr/bin/env bash
# Sparse MoE block (Mixtral layer's feed-forward) forward+backward time vs the same experts run densely on every
# token, and vs a dense gated MLP k × an expert's width (README "Mixtral"). Ratios are within one run.
#   benchmarks/moe-layer.sh [tokens hidden inter experts k iterations]   (default 512 256 512 8 2 20)
# The variants run in turns; on a machine shared with other jobs, OMP_NUM_THREADS=1 keeps libtorch's thread pool from
# oversubscribing the cores (which swamps the timings).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$ROOT" && OPT_OUT_TRACKING=true DJL_OFFLINE=true mvn -o -B -q -pl benchmarks -am package -DskipTests) >&2
export OPT_OUT_TRACKING=true DJL_OFFLINE=true
java -Dai.djl.offline=true -Xmx2g -cp "$ROOT/benchmarks/target/benchmarks.jar" dev.finetune4j.bench.MoeLayerBench "$@" 2>/dev/null
