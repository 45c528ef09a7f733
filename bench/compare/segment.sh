#!/usr/bin/env bash
# Segmentation speed: adlens (jieba-rs + data/dict/marketing.txt) against Python
# jieba with the same dictionary, on the same normalised strings (issue 17).
#
#   bench/compare/segment.sh           # 20,000 notes from the three train splits
#   N=5000 bench/compare/segment.sh
#
# A small venv (bench/compare/.venv-segment) with jieba only; run.sh calls this too.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=bench/compare
N=${N:-20000}
REPEAT=${REPEAT:-3}
OUT=target/bench-compare/segment
VENV=$HERE/.venv-segment
mkdir -p "$OUT"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q "$(grep '^jieba==' "$HERE/requirements.txt")"
cargo build --release --locked -q
bash bench/notes.sh "$N" "$OUT"
./target/release/adlens segment "$OUT/input.jsonl" -o "$OUT/words.jsonl" --repeat "$REPEAT" \
  2> "$OUT/adlens.json"
"$VENV/bin/python" "$HERE/segment.py" "$OUT/words.jsonl" data/dict/marketing.txt "$REPEAT" \
  "$OUT/adlens.json" | tee "$OUT/result.json"
