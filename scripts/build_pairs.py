#!/usr/bin/env python3
"""Builds data/pairs/{train,dev,test}.jsonl from the hand-written counterfactual twins.

Each twin differs from its original only in what makes an ad (Kaushik et al. 2020,
"Learning the Difference that Makes a Difference with Counterfactually-Augmented Data"):
  - real organic Xiaohongshu note (data/real/xhs) -> the same note with commercial content
    added (label ad), in the original's split;
  - written ad (data/notes) -> the same note with the commercial content removed (organic).
The twins were written note by note (data/pairs/raw/*.jsonl). This script checks them
against their originals (the original exists, is in the same split, has the other label;
the twin differs; an ad twin keeps the original's text) and writes the splits.

  python3 scripts/build_pairs.py          # writes the splits
  python3 scripts/build_pairs.py --check  # exit 1 if the committed splits differ
"""
import glob
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "pairs"


def read(p):
    return [json.loads(l) for l in open(p, encoding="utf-8") if l.strip()]


def main():
    originals = {}
    for split in ("train", "dev", "test"):
        for src in ("data/real/xhs", "data/notes"):
            for r in read(ROOT / src / f"{split}.jsonl"):
                originals[r["id"]] = (split, r)
    rows, bad = {"train": [], "dev": [], "test": []}, []
    for path in sorted(glob.glob(str(OUT / "raw" / "*.jsonl"))):
        for i, t in enumerate(read(path), 1):
            where = f"{Path(path).name}:{i}"
            orig = originals.get(t.get("pair_of"))
            if orig is None:
                bad.append(f"{where}: pair_of {t.get('pair_of')!r} is not a labelled note")
                continue
            split, o = orig
            if t["label"] == o["label"] or t["label"] not in ("ad", "organic"):
                bad.append(f"{where}: label {t['label']} vs original {o['label']}")
                continue
            if t["text"].strip() == o["text"].strip():
                bad.append(f"{where}: the twin is the original")
                continue
            row = {
                "id": t["id"], "text": t["text"], "label": t["label"],
                "category": o.get("category"), "source": "counterfactual",
                "pair_of": o["id"], "mechanics": t.get("mechanics", []),
                "edit": t.get("edit", ""),
            }
            rows[split].append(row)
    if bad:
        print("\n".join(bad))
        sys.exit(1)
    out = {s: "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in v) for s, v in rows.items()}
    if "--check" in sys.argv:
        diff = [s for s, t in out.items() if (OUT / f"{s}.jsonl").read_text(encoding="utf-8") != t]
        print("differs: " + ", ".join(diff) if diff else "splits match")
        sys.exit(1 if diff else 0)
    for s, t in out.items():
        (OUT / f"{s}.jsonl").write_text(t, encoding="utf-8")
        ads = sum(r["label"] == "ad" for r in rows[s])
        print(f"{s}: {len(rows[s])} twins ({ads} ad, {len(rows[s]) - ads} organic)")


if __name__ == "__main__":
    main()
