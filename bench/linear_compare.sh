#!/usr/bin/env bash
# Two builds of adlens on bench/linear.sh's notes, run alternately so that both
# see the same host load (issue 17): each run's wall time, each build's mean,
# the ratio, and whether the two wrote the same rows.
#
#   bench/linear_compare.sh OLD_BINARY NEW_BINARY [ROUNDS]   # 20,000 notes, 3 rounds
#   N=100000 bench/linear_compare.sh OLD NEW 3
#
# Build the old one from a worktree of the older commit (cargo build --release)
# and copy both binaries out of target/ first.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY [ROUNDS]" >&2; exit 2; }
OLD=$(realpath "$1")
NEW=$(realpath "$2")
ROUNDS=${3:-3}
cd "$(dirname "$0")/.."
N=${N:-20000}
OUT=target/bench-linear-compare
bash bench/notes.sh "$N" "$OUT"
python3 - "$OLD" "$NEW" "$ROUNDS" "$OUT" "$N" <<'PY'
import filecmp, statistics, subprocess, sys, time
old, new, rounds, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
walls = {"old": [], "new": []}
for _ in range(rounds):
    for name, exe in (("old", old), ("new", new)):
        start = time.perf_counter()
        subprocess.run(
            [exe, "score", "--linear-only", "--quiet", f"{out}/input.jsonl", "-o", f"{out}/{name}.jsonl"],
            check=True, stderr=subprocess.DEVNULL,
        )
        walls[name].append(time.perf_counter() - start)
        print(f"{name} {walls[name][-1]:.3f} s", flush=True)
mo, mn = statistics.mean(walls["old"]), statistics.mean(walls["new"])
print(f"{n} notes: old {mo:.3f} s ({n / mo:,.0f} notes/s), new {mn:.3f} s ({n / mn:,.0f} notes/s), "
      f"new is {mo / mn:.2f}x")
same = filecmp.cmp(f"{out}/old.jsonl", f"{out}/new.jsonl", shallow=False)
print("output rows identical" if same else "OUTPUT ROWS DIFFER")
PY
