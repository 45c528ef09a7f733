#!/usr/bin/env bash
# Linear-only throughput of `adlens score` end to end (reading, normalising,
# segmentation, signals, features, the linear model, trust, writing), issue 17.
#
#   bench/linear.sh            # 20,000 notes
#   N=100000 bench/linear.sh   # more
#
# The notes are the train splits of the three sources (written, real
# Xiaohongshu, reviews) repeated in file order up to N rows, so the mix of
# lengths is the corpus's. Prints rows, wall seconds and notes/s; run it on a
# quiet machine and compare runs made back to back.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000}
OUT=target/bench-linear
mkdir -p "$OUT"
cargo build --release --locked -q
bash bench/notes.sh "$N" "$OUT"
chars=$(python3 -c 'import json,sys; r=[len(json.loads(l)["text"]) for l in open(sys.argv[1])]; print(sum(r)//len(r))' "$OUT/input.jsonl")
start=$(date +%s.%N)
./target/release/adlens score --linear-only --quiet "$OUT/input.jsonl" -o "$OUT/scored.jsonl" 2> "$OUT/summary.txt"
end=$(date +%s.%N)
python3 - "$N" "$start" "$end" "$chars" "$(nproc)" <<'PY'
import sys
n, start, end, chars, cores = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
wall = end - start
print(f"{n} notes (mean {chars} chars) in {wall:.2f} s on {cores} cores: {n / wall:,.0f} notes/s")
PY
