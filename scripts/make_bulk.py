#!/usr/bin/env python3
"""Write N JSONL rows cycling through the corpus notes (unique ids, a has_link flag),
for batch-throughput and memory checks only. Usage:
python3 scripts/make_bulk.py 100000 > /tmp/bulk.jsonl"""
import json
import sys

n = int(sys.argv[1])
notes = [json.loads(l) for s in ["train", "dev", "test"] for l in open(f"data/notes/{s}.jsonl", encoding="utf-8")]
out = sys.stdout
for i in range(n):
    src = notes[i % len(notes)]
    out.write(json.dumps({"id": f"b{i:06d}", "text": src["text"], "has_link": i % 3 == 0, "source": src["id"]},
                         ensure_ascii=False) + "\n")
