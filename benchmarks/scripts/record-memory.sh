#!/usr/bin/env bash
# Memory of one long chat record in `finetune4j validate` (quickstart model: a character-level tokenizer, so every byte
# of the record is one token — the worst case for ids and labels). For each record size it prints the smallest
# heap (-Xmx, from a fixed ladder) with which validate succeeds, and the process's peak RSS at that heap.
# Usage: benchmarks/scripts/record-memory.sh [MiB ...]   (default: 1 4 16); needs src/target/finetune4j.jar.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="$ROOT/src/target/finetune4j.jar"
[ -f "$JAR" ] || { echo "build the jar first: mvn -B -q -pl src -am package -DskipTests" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export OPT_OUT_TRACKING=true
for mb in "${@:-1 4 16}"; do
  python3 - "$WORK" "$mb" "$ROOT" <<'PY'
import json, sys
work, mb, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n = mb * 1024 * 1024
text = ("Hello world, this is a long record. " * (n // 36 + 1))[:n]
with open(f"{work}/big{mb}.jsonl", "w") as f:
    for content in (text, "ok"):
        f.write(json.dumps({"messages": [{"role": "user", "content": "hi"},
                                         {"role": "assistant", "content": content}]}) + "\n")
with open(f"{work}/c{mb}.yaml", "w") as f:
    f.write(f"model: {root}/examples/quickstart/model\ntrain_data_path: big{mb}.jsonl\nrun_name: m{mb}\n"
            "context_length: 128\npreprocessing_num_workers: 1\n")
PY
  for heap in 64 96 128 160 192 256 320 384 512 768 1024 2048 4096; do
    if /usr/bin/time -f "%M" -o "$WORK/rss" java -Xmx${heap}m -Dai.djl.offline=true -jar "$JAR" validate \
        "$WORK/c$mb.yaml" > "$WORK/out" 2>&1; then
      echo "record ${mb} MiB: validate succeeds with -Xmx${heap}m (heap/record = $((heap / mb))x), peak RSS $(( $(cat "$WORK/rss") / 1024 )) MiB"
      break
    fi
  done
done
