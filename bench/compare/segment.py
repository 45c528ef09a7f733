"""Python jieba against adlens's segmentation (jieba-rs) on the same strings (issue 17).

    python segment.py WORDS.jsonl DICT REPEAT ADLENS_TIMING.json

WORDS.jsonl is `adlens segment --output`: each note's normalised text and the
words adlens cut it into. jieba gets the same normalised strings and the same
marketing dictionary, cuts each with HMM on (as adlens does), drops whitespace
tokens (as adlens does), and is timed like adlens: dictionary loaded first, the
fastest of REPEAT passes. Prints one JSON object: both speeds, their ratio, and
how often the two cut a note into the same words. Harness only.
"""

import json
import sys
import time

import jieba


def main() -> None:
    words_path, dict_path, repeat, timing_path = sys.argv[1:5]
    notes = [json.loads(line) for line in open(words_path, encoding="utf-8")]
    texts = [n["normalized"] for n in notes]
    entries = [
        line
        for line in open(dict_path, encoding="utf-8")
        if line.strip() and not line.startswith("#")
    ]
    with open(timing_path + ".dict.txt", "w", encoding="utf-8") as f:
        f.writelines(entries)
    jieba.setLogLevel(60)
    jieba.initialize()
    jieba.load_userdict(timing_path + ".dict.txt")
    best = float("inf")
    cut = []
    for _ in range(int(repeat)):
        start = time.perf_counter()
        cut = [[w for w in jieba.lcut(t, HMM=True) if w.strip()] for t in texts]
        best = min(best, time.perf_counter() - start)
    ours = json.load(open(timing_path, encoding="utf-8"))
    same = sum(a == n["words"] for a, n in zip(cut, notes))
    words_py = sum(len(a) for a in cut)
    words_rs = sum(len(n["words"]) for n in notes)
    chars = sum(len(t) for t in texts)
    print(
        json.dumps(
            {
                "notes": len(texts),
                "chars": chars,
                "jieba_python_s": round(best, 4),
                "jieba_python_chars_per_s": round(chars / best),
                "adlens_s": round(ours["segment_s"], 4),
                "adlens_chars_per_s": round(ours["chars_per_s"]),
                "adlens_over_python": round(best / ours["segment_s"], 2),
                "notes_cut_identically": round(same / len(texts), 4),
                "words_python": words_py,
                "words_adlens": words_rs,
                "jieba_version": jieba.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
