#!/usr/bin/env python3
"""Split the hand-written notes in data/notes/raw/*.jsonl into train/dev/test.

Stratified by (label, subtype, category), about 70/15/15. Near-duplicates
(character 5-gram Jaccard >= 0.5) are clustered first and a cluster always lands
in one split, so no cross-split pair reaches the 0.6 the corpus tests check.
Exact duplicate texts are dropped. Ids are renumbered n00001... Deterministic:
the same raw files give the same split.

Usage: python3 scripts/split_corpus.py [--raw data/notes/raw] [--out data/notes]
"""
import argparse
import collections
import glob
import hashlib
import json
import os
import random
import sys

LABELS = {"ad", "organic"}
SUBTYPES = {
    "ad": {"disclosed_sponsored", "undisclosed_soft", "claims_no_ad", "absolute_terms", "affiliate_link"},
    "organic": {"genuine_positive", "genuine_negative", "balanced_review", "hard_negative", "non_review"},
}
CATEGORIES = ["美妆护肤", "母婴", "数码3C", "食品饮料", "家居家电", "服饰穿搭",
              "旅行酒店", "宠物", "健身运动", "图书教育", "餐厅探店", "汽车"]


def grams(text, n=5):
    t = "".join(text.split())
    if len(t) < n:
        return {t}
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def load(raw_dir):
    notes, bad = [], 0
    for path in sorted(glob.glob(os.path.join(raw_dir, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    o = json.loads(line)
                    assert o["label"] in LABELS, "label"
                    assert o["subtype"] in SUBTYPES[o["label"]], "subtype"
                    assert o["category"] in CATEGORIES, "category"
                    assert isinstance(o["text"], str) and o["text"].strip(), "text"
                    o["has_link"] = bool(o.get("has_link", False))
                    o["disclosed"] = bool(o.get("disclosed", False))
                except Exception as e:  # noqa: BLE001 - report and skip
                    print(f"{path}:{lineno}: skipped ({e})", file=sys.stderr)
                    bad += 1
                    continue
                notes.append(o)
    return notes, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default="data/notes/raw")
    ap.add_argument("--out", default="data/notes")
    ap.add_argument("--seed", type=int, default=20261125)
    args = ap.parse_args()
    notes, bad = load(args.raw)
    seen, unique = set(), []
    for o in notes:
        key = o["text"].strip()
        if key in seen:
            print(f"duplicate dropped: {o.get('id')}", file=sys.stderr)
            continue
        seen.add(key)
        unique.append(o)
    notes = unique

    # Cluster near-duplicates (union-find over pairs with Jaccard >= 0.5).
    g = [grams(o["text"]) for o in notes]
    parent = list(range(len(notes)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(notes)):
        for j in range(i + 1, len(notes)):
            a, b = g[i], g[j]
            small, big = (len(a), len(b)) if len(a) < len(b) else (len(b), len(a))
            if small < 0.5 * big:
                continue
            inter = len(a & b)
            if inter and inter / (len(a) + len(b) - inter) >= 0.5:
                parent[find(i)] = find(j)
    clusters = collections.defaultdict(list)
    for i in range(len(notes)):
        clusters[find(i)].append(i)
    merged = sum(1 for c in clusters.values() if len(c) > 1)

    # Stratify by (label, subtype); inside a stratum, order clusters by category so a
    # repeating 20-slot pattern (14 train, 3 dev, 3 test) spreads every category
    # over the three splits.
    pattern = ["train", "test", "train", "dev", "train", "train", "test", "train", "dev", "train",
               "train", "train", "test", "train", "dev", "train", "train", "train", "train", "train"]
    strata = collections.defaultdict(list)
    for members in clusters.values():
        o = notes[members[0]]
        strata[(o["label"], o["subtype"])].append(members)
    rng = random.Random(args.seed)
    split_of = {}
    for key in sorted(strata):
        cl = sorted(strata[key], key=lambda m: hashlib.sha256(notes[m[0]]["text"].encode()).hexdigest())
        rng.shuffle(cl)
        cl.sort(key=lambda m: CATEGORIES.index(notes[m[0]]["category"]))
        offset = rng.randrange(len(pattern))
        for k, c in enumerate(cl):
            s = pattern[(k + offset) % len(pattern)]
            for i in c:
                split_of[i] = s

    out = {"train": [], "dev": [], "test": []}
    for i, o in enumerate(notes):
        out[split_of[i]].append(o)
    next_id = 1
    for s in ["train", "dev", "test"]:
        rows = sorted(out[s], key=lambda o: hashlib.sha256(o["text"].encode()).hexdigest())
        with open(os.path.join(args.out, f"{s}.jsonl"), "w", encoding="utf-8") as f:
            for o in rows:
                row = {"id": f"n{next_id:05d}", "text": o["text"], "label": o["label"],
                       "subtype": o["subtype"], "category": o["category"],
                       "has_link": o["has_link"], "disclosed": o["disclosed"], "source": "written"}
                next_id += 1
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{s}: {len(rows)}", file=sys.stderr)
    print(f"total {len(notes)} notes, {bad} bad lines, {merged} near-duplicate clusters", file=sys.stderr)


if __name__ == "__main__":
    main()
