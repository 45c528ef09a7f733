#!/usr/bin/env python3
"""Print the distribution tables of data/notes/{train,dev,test}.jsonl as Markdown
(used for data/README.md). Usage: python3 scripts/corpus_stats.py"""
import collections
import json

SPLITS = ["train", "dev", "test"]
SUBTYPES = ["undisclosed_soft", "disclosed_sponsored", "claims_no_ad", "absolute_terms", "affiliate_link",
            "genuine_positive", "genuine_negative", "balanced_review", "hard_negative", "non_review"]
CATS = ["美妆护肤", "母婴", "数码3C", "食品饮料", "家居家电", "服饰穿搭", "旅行酒店", "宠物", "健身运动", "图书教育", "餐厅探店", "汽车"]

rows = {s: [json.loads(l) for l in open(f"data/notes/{s}.jsonl", encoding="utf-8")] for s in SPLITS}
allrows = [r for s in SPLITS for r in rows[s]]

print("| split | notes | ad | organic |\n|---|---|---|---|")
for s in SPLITS:
    c = collections.Counter(r["label"] for r in rows[s])
    print(f"| {s} | {len(rows[s])} | {c['ad']} | {c['organic']} |")
c = collections.Counter(r["label"] for r in allrows)
print(f"| all | {len(allrows)} | {c['ad']} | {c['organic']} |\n")

print("| subtype | label | train | dev | test | all |\n|---|---|---|---|---|---|")
for st in SUBTYPES:
    label = "ad" if SUBTYPES.index(st) < 5 else "organic"
    n = [sum(r["subtype"] == st for r in rows[s]) for s in SPLITS]
    print(f"| {st} | {label} | {n[0]} | {n[1]} | {n[2]} | {sum(n)} |")
print()

print("| category | ad | organic | all |\n|---|---|---|---|")
for cat in CATS:
    a = sum(r["category"] == cat and r["label"] == "ad" for r in allrows)
    o = sum(r["category"] == cat and r["label"] == "organic" for r in allrows)
    print(f"| {cat} | {a} | {o} | {a + o} |")
print()

def bucket(n):
    return "10–30" if n <= 30 else "31–150" if n <= 150 else "151–400" if n <= 400 else "401+"
print("| length (chars) | ad | organic | all |\n|---|---|---|---|")
for b in ["10–30", "31–150", "151–400", "401+"]:
    a = sum(bucket(len(r["text"])) == b and r["label"] == "ad" for r in allrows)
    o = sum(bucket(len(r["text"])) == b and r["label"] == "organic" for r in allrows)
    print(f"| {b} | {a} | {o} | {a + o} |")
print()
links = sum(r["has_link"] for r in allrows)
disc = sum(r["disclosed"] for r in allrows)
hard = sum(r["subtype"] == "hard_negative" for r in allrows)
org = sum(r["label"] == "organic" for r in allrows)
soft = sum(r["subtype"] == "undisclosed_soft" for r in allrows)
ads = sum(r["label"] == "ad" for r in allrows)
print(f"- has_link: {links} notes; disclosed: {disc} notes")
print(f"- hard_negative: {hard} of {org} organic notes ({100 * hard / org:.1f} %)")
print(f"- undisclosed_soft: {soft} of {ads} ads ({100 * soft / ads:.1f} %)")
