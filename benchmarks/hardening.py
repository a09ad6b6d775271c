"""Hostile-input costs: `python -m extract ingest` on a 200 MB plain text, on a JSON Lines file whose one line holds a
20 MB text, and on the 130 KB feed whose one entity, used 10,000 times, expands to 1 GB; wall time and peak memory
(the child's maximum resident set) of each run, gazetteer loading included, and what each run reports.

The limits that bound them (extract/articles.py): a text is read up to MAX_TEXT_BYTES and cut at a line break; an
article's text is cut at MAX_ARTICLE_CHARS; a feed declaring entities is refused before feedparser parses it. The
refusal alone is also timed in this process, without the gazetteer.

Example:
    .venv/bin/python benchmarks/hardening.py
    .venv/bin/python benchmarks/hardening.py --text-mb 50 --line-mb 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from extract.articles import MAX_ARTICLE_CHARS, MAX_TEXT_BYTES, read_articles

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPH = (  # made up for this benchmark; every one tells a London stabbing, the costliest kind of text to read
    "A man was stabbed on Rye Lane in Peckham, south London, on Monday evening, police said. Officers were called "
    "at 9pm and the 19-year-old was taken to hospital.\n\n"
)
ENTITY_FEED = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + "A" * 100_000 + '">\n]>\n<rss version="2.0"><channel>'
    "<item><title>t</title><description>" + "&a;" * 10_000 + "</description></item></channel></rss>"
)
REFUSALS = 100  # the in-process refusal is timed over this many reads


def write_text(path: Path, megabytes: int) -> None:
    """Numbered paragraphs (identical pieces would share one content-hash id) up to `megabytes`."""
    with open(path, "w", encoding="utf-8") as f:
        for n in range(megabytes * 1_000_000 // len(PARAGRAPH)):
            f.write(f"{n}. {PARAGRAPH}")


def write_line(path: Path, megabytes: int) -> None:
    text = PARAGRAPH.replace("\n", " ") * (megabytes * 1_000_000 // len(PARAGRAPH))
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "big", "text": text, "published": "2024-03-06"}) + "\n")
        f.write(json.dumps({"id": "next", "text": PARAGRAPH.strip(), "published": "2024-03-06"}) + "\n")


def ingest(path: Path, db: Path) -> tuple[float, float, float, list[str]]:
    """Run the CLI on `path`; return its wall and CPU seconds (CPU counts alone on a busy machine), its peak resident
    memory in MB and its report lines."""
    command = [sys.executable, "-m", "extract", "ingest", str(path), "--db", str(db), "--no-progress"]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = child.stderr.read() if child.stderr else ""
    _, _, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest of all children
    seconds = time.perf_counter() - started
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stderr.splitlines()


def refusal() -> tuple[float, float, list[str]]:
    """Time and Python memory of refusing the entity feed in this process: milliseconds per read, peak MB, errors."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "entities.xml")
        path.write_text(ENTITY_FEED, encoding="utf-8")
        errors: list = []
        tracemalloc.start()
        list(read_articles([path], errors=errors))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        started = time.perf_counter()
        for _ in range(REFUSALS):
            list(read_articles([path], errors=[]))
        per_read = (time.perf_counter() - started) / REFUSALS
    return per_read * 1000, peak / 1e6, [str(e) for e in errors]


def main(text_mb: int, line_mb: int) -> None:
    print(f"limits: text read up to {MAX_TEXT_BYTES:,} bytes; article text cut at {MAX_ARTICLE_CHARS:,} characters")
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            (f"{text_mb} MB plain text", Path(tmp, "big.txt"), lambda p: write_text(p, text_mb)),
            (f"{line_mb} MB JSON line", Path(tmp, "big.jsonl"), lambda p: write_line(p, line_mb)),
            ("130 KB entity feed", Path(tmp, "entities.xml"), lambda p: p.write_text(ENTITY_FEED, encoding="utf-8")),
        ]
        for label, path, make in cases:
            make(path)
            seconds, cpu, megabytes, lines = ingest(path, Path(tmp, f"{path.stem}.db"))
            size = path.stat().st_size / 1e6
            print(f"{label:<20} {size:7.1f} MB  {seconds:6.1f} s wall  {cpu:6.1f} s CPU  {megabytes:5.0f} MB peak")
            for line in lines:
                print(f"    {line.replace(tmp, '<tmp>')}")
            path.unlink()
    milliseconds, peak, errors = refusal()
    print(f"entity feed refused in {milliseconds:.2f} ms per read, {peak:.2f} MB peak Python memory: {errors[0]}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """--text-mb and --line-mb set the sizes of the big text and of the big JSON line."""
    parser = argparse.ArgumentParser(description="Time and memory of ingesting hostile inputs")
    parser.add_argument("--text-mb", type=int, default=200, help="size of the plain text (default 200)")
    parser.add_argument("--line-mb", type=int, default=20, help="size of the JSON line's text (default 20)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    main(args.text_mb, args.line_mb)
