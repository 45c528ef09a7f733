#!/usr/bin/env bash
# The benchmark note set: the train splits of the three sources (written, real
# Xiaohongshu, reviews) repeated in file order up to N rows, so the mix of lengths
# is the corpus's. Usage: bench/notes.sh N OUT_DIR  → OUT_DIR/input.jsonl
set -euo pipefail
N=$1
OUT=$2
SRC=(data/notes/train.jsonl data/real/xhs/train.jsonl data/real/reviews/train.jsonl)
mkdir -p "$OUT"
: > "$OUT/notes.jsonl"
while [ "$(wc -l < "$OUT/notes.jsonl")" -lt "$N" ]; do
  cat "${SRC[@]}" >> "$OUT/notes.jsonl"
done
head -n "$N" "$OUT/notes.jsonl" > "$OUT/input.jsonl"
