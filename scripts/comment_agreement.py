"""Agreement between two independent label passes over data/comments/comments.jsonl.

    python3 scripts/comment_agreement.py [A.jsonl B.jsonl]

Prints the count, raw agreement, Cohen's kappa (Cohen 1960) and the ids the passes
disagree on. Each file holds {"id", "call_out": bool} per line.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def read(path):
    with open(path, encoding="utf-8") as f:
        return {r["id"]: bool(r["call_out"]) for r in map(json.loads, filter(str.strip, f))}


def main(a_path, b_path):
    a, b = read(a_path), read(b_path)
    if set(a) != set(b):
        raise SystemExit(f"the passes cover different ids: {sorted(set(a) ^ set(b))[:10]}")
    ids = sorted(a)
    n = len(ids)
    agree = sum(a[i] == b[i] for i in ids) / n
    pa, pb = sum(a.values()) / n, sum(b.values()) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    kappa = (agree - chance) / (1 - chance)
    print(f"comments {n}  call-outs: A {sum(a.values())}, B {sum(b.values())}")
    print(f"raw agreement {agree:.3f}  Cohen's kappa {kappa:.3f}")
    print("disagreements:", " ".join(i for i in ids if a[i] != b[i]))


if __name__ == "__main__":
    args = sys.argv[1:] or [
        ROOT / "data/comments/labels.a.jsonl",
        ROOT / "data/comments/labels.b.jsonl",
    ]
    main(*args)
