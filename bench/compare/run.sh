#!/usr/bin/env bash
# The encoder against the Python stack on the same weights and texts (issue 17).
#
#   bench/compare/run.sh            # everything (a quiet 2-core machine: about 30 min)
#   LIMIT=200 bench/compare/run.sh  # at most 200 texts per run
#
# 1. a venv in bench/compare/.venv with pinned torch (CPU use only), transformers,
#    onnxruntime and onnx from PyPI (once; torch pulls ~4 GB of wheels);
# 2. a release build of adlens and its encoder (fetched if missing);
# 3. the text sets from data/ (prepare.py) and the Python engines' weights
#    exported from adlens's converted safetensors (engines.py export);
# 4. each engine on each set and batch size, one process per run, in turn;
# 5. the table (compare.py): notes/s, p50/p95 request latency and peak RSS, each as
#    a ratio to adlens, and each engine's cosine against adlens's embeddings.
# Python is used here only; the product never runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=bench/compare
OUT=target/bench-compare
RES=$OUT/results
VENV=$HERE/.venv
LIMIT=${LIMIT:-1000}
LONG_LIMIT=${LONG_LIMIT:-60}

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q -r "$HERE/requirements.txt"

cargo build --release --locked
ADLENS=target/release/adlens
$ADLENS model fetch >/dev/null

python3 "$HERE/prepare.py" "$OUT"
if [ ! -f "$OUT/py/model.onnx" ] || [ models/e5-small/model.safetensors -nt "$OUT/py/model.onnx" ]; then
  "$VENV/bin/python" "$HERE/engines.py" export models/e5-small "$OUT/py"
fi

rm -rf "$RES"
mkdir -p "$RES"
run() { # set batch limit engine...
  local set=$1 batch=$2 limit=$3
  shift 3
  for engine in "$@"; do
    local stem="$RES/$set-b$batch-$engine"
    echo "== $set batch $batch $engine" >&2
    if [ "$engine" = adlens ] || [ "$engine" = adlens-f32 ]; then
      local windows=() precision=auto
      [ "$set" = long ] && windows=(--windows)
      [ "$engine" = adlens-f32 ] && precision=f32
      $ADLENS model bench "$OUT/$set.jsonl" --batch "$batch" --limit "$limit" \
        --precision "$precision" "${windows[@]}" --embeddings "$stem.bin" >"$stem.json"
    else
      "$VENV/bin/python" "$HERE/engines.py" run "$engine" models/e5-small "$OUT/py" \
        "$OUT/$set.jsonl" "$batch" "$stem.bin" "$limit" >"$stem.json"
    fi
    cat "$stem.json" >&2
  done
}

run n300 16 "$LIMIT" adlens adlens-f32 torch ort ort-int8
run n300 1 "$((LIMIT / 4))" adlens adlens-f32 torch ort ort-int8
run notes 16 "$LIMIT" adlens adlens-f32 ort
# Long notes: adlens reads every window; the Python engines only the first 512
# tokens, so their row shows what truncation costs, not a like-for-like speed.
run long 4 "$LONG_LIMIT" adlens adlens-f32 ort

"$VENV/bin/python" "$HERE/compare.py" "$RES"

# Segmentation: adlens (jieba-rs) against Python jieba on the same strings.
bash "$HERE/segment.sh"
