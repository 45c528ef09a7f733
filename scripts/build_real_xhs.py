#!/usr/bin/env python3
"""Builds data/real/xhs/{train,dev,test}.jsonl from the real notes and their labels.

Inputs (all in data/real/xhs/):
  notes.jsonl                   2,500 real notes (PsyhookBench, CC BY 4.0; see README.md)
  annotations/first_pass.jsonl  every note labelled by reading (five annotators, 500 each)
  annotations/adjudicated.jsonl every first-pass `ad`/`unsure` re-read under the settled rules
  annotations/settled.jsonl     second-pass disagreements the lead settled
  annotations/second_pass.jsonl an independent pass over a random 300 (agreement only)
The final label is settled > adjudicated > first pass. The split is by note, stratified by
label x vertical with a seeded sha256 order (stable across Python versions):
test >= 500 notes (never used for fitting or threshold choice), dev 500, the rest train.
Once committed, a note's split is frozen: a later settled label changes the label only.

  python3 scripts/build_real_xhs.py            # writes the splits, prints tables + kappa
  python3 scripts/build_real_xhs.py --check    # exit 1 if the committed splits differ
"""
import collections
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIR = ROOT / "data" / "real" / "xhs"
SEED = "adlens-real-xhs-2026"
TEST_SHARE, DEV_SHARE = 0.24, 0.20


def read(p):
    return [json.loads(l) for l in open(p, encoding="utf-8") if l.strip()]


def vertical(v):
    v = (v or "").removesuffix("_v3")
    return v if v.isascii() and v else "other"


def kappa(pairs, cats):
    n = len(pairs)
    agree = sum(a == b for a, b in pairs) / n
    ca = collections.Counter(a for a, _ in pairs)
    cb = collections.Counter(b for _, b in pairs)
    pe = sum(ca[c] * cb[c] for c in cats) / n / n
    return agree, (agree - pe) / (1 - pe)


def stratified_split(rows):
    """The first split: stratified by label x vertical, seeded sha256 order."""
    strata = collections.defaultdict(list)
    for r in rows:
        strata[(r["label"], r["category"])].append(r)
    split = {}
    for key in sorted(strata):
        group = sorted(strata[key], key=lambda r: hashlib.sha256((SEED + r["id"]).encode()).hexdigest())
        k = len(group)
        n_test, n_dev = round(k * TEST_SHARE), round(k * DEV_SHARE)
        for i, r in enumerate(group):
            split[r["id"]] = "test" if i < n_test else "dev" if i < n_test + n_dev else "train"
    return split


def committed_split():
    """Each note's split as committed, or None before the first build. A note keeps
    its split for good: a label settled later changes the label, never moves the
    note between train, dev and test (re-stratifying would move test notes into
    training)."""
    paths = {s: DIR / f"{s}.jsonl" for s in ("train", "dev", "test")}
    if not all(p.exists() for p in paths.values()):
        return None
    return {r["id"]: s for s, p in paths.items() for r in read(p)}


def main():
    notes = read(DIR / "notes.jsonl")
    first = {r["id"]: r for r in read(DIR / "annotations" / "first_pass.jsonl")}
    final = dict(first)
    for name in ("adjudicated", "settled"):
        for r in read(DIR / "annotations" / f"{name}.jsonl"):
            final[r["id"]] = r
    assert len(first) == len(notes) == len(final), "every note is labelled once"
    rows = []
    for n in notes:
        lab = final[n["id"]]
        text = (n["title"].strip() + "\n" + n["content"].strip()).strip()
        rows.append({
            "id": n["id"],
            "text": text,
            "label": lab["label"],
            "category": vertical(n["vertical"]),
            "source": "real_xhs",
            "mechanics": lab.get("mechanics", []),
            "evidence": lab.get("evidence", ""),
        })
    split = committed_split() or stratified_split(rows)
    out = {s: "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if split[r["id"]] == s)
           for s in ("train", "dev", "test")}
    if "--check" in sys.argv:
        bad = [s for s, t in out.items() if (DIR / f"{s}.jsonl").read_text(encoding="utf-8") != t]
        if bad:
            print("differs:", ", ".join(bad))
            sys.exit(1)
        print("splits match")
        return
    for s, t in out.items():
        (DIR / f"{s}.jsonl").write_text(t, encoding="utf-8")
    # Tables for the datasheet.
    print("| split | notes | ad | organic | unsure |\n|---|---|---|---|---|")
    for s in ("train", "dev", "test"):
        c = collections.Counter(r["label"] for r in rows if split[r["id"]] == s)
        print(f"| {s} | {sum(c.values())} | {c['ad']} | {c['organic']} | {c['unsure']} |")
    print("\n| vertical | ad | organic | unsure |\n|---|---|---|---|")
    by = collections.defaultdict(collections.Counter)
    for r in rows:
        by[r["category"]][r["label"]] += 1
    for v in sorted(by, key=lambda v: -sum(by[v].values())):
        print(f"| {v} | {by[v]['ad']} | {by[v]['organic']} | {by[v]['unsure']} |")
    mech = collections.Counter(m for r in rows if r["label"] == "ad" for m in r["mechanics"])
    print("\nmechanics of final ads:", dict(mech.most_common()))
    second = read(DIR / "annotations" / "second_pass.jsonl")
    pairs = [(first[r["id"]]["label"], r["label"]) for r in second]
    a3, k3 = kappa(pairs, ["ad", "organic", "unsure"])
    bin_pairs = [(a, b) for a, b in pairs if "unsure" not in (a, b)]
    a2, k2 = kappa(bin_pairs, ["ad", "organic"])
    print(f"\nagreement, first vs second pass on {len(pairs)} notes: {a3:.3f} raw, Cohen's kappa {k3:.3f} "
          f"(three labels); ad vs organic on the {len(bin_pairs)} where neither said unsure: "
          f"{a2:.3f} raw, kappa {k2:.3f}")
    print("disagreements:", dict(collections.Counter((a, b) for a, b in pairs if a != b)))


if __name__ == "__main__":
    main()
