"""Writes the benchmark's text sets from the repository's data (deterministic).

- notes.jsonl: the first 1,000 written notes of data/notes/train.jsonl, as they are.
- n300.jsonl: 1,000 texts of exactly 300 characters: real Xiaohongshu notes
  (data/real/xhs, train split first) joined in file order and cut every 300 chars.
- long.jsonl: 60 texts of exactly 3,000 characters, cut the same way.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def texts(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)["text"]


def cut(stream, size, count):
    """Joins texts with a newline and cuts the stream into `count` pieces of `size` chars."""
    buf, out = "", []
    for t in stream:
        buf += t + "\n"
        while len(buf) >= size and len(out) < count:
            out.append(buf[:size])
            buf = buf[size:]
        if len(out) == count:
            return out
    raise SystemExit(f"not enough text for {count} pieces of {size} chars")


def real_xhs():
    for split in ("train", "dev", "test"):
        yield from texts(ROOT / "data/real/xhs" / f"{split}.jsonl")


def write(path, items):
    with open(path, "w", encoding="utf-8") as f:
        for t in items:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")


def main(out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    notes = list(texts(ROOT / "data/notes/train.jsonl"))[:1000]
    write(out / "notes.jsonl", notes)
    write(out / "n300.jsonl", cut(real_xhs(), 300, 1000))
    write(out / "long.jsonl", cut(real_xhs(), 3000, 60))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/bench-compare")
