"""Event matching at scale: per-article cost and total time to match 10k, 100k and 1M incidents incrementally.

The reports are synthetic, made with a fixed seed the way real ones look to matching: 33 boroughs of 150 streets
each, ten years of offence dates, 1.6 reports per incident on average (outlets, copies, follow-ups), a shared pool
of first names and surnames, ages, and wording signatures shared by copies. Text reading is left out (it is timed
by benchmarks/ingest.py); this is matching alone, one article of one incident at a time, as ingest does it.

The in-memory index runs every size up to --full-max incrementally from empty; the store (SQLite, the index ingest
uses) runs the sizes up to --store-max. For each: the total, the mean per article over the whole run, and the mean
and 99th percentile over the last 1,000 articles, when the index is fullest. Times are this process's CPU time, so
that a busy machine does not inflate them. A size above --full-max is prebuilt in
the store: each synthetic incident's reports filed as one event without matching (timed apart), then the last 1,000
articles matched one at a time as ingest would.

Floods (run first, unless --no-floods): copies of one story under different ids, as when many outlets reprint one press
release, matched into the store one at a time: FLOOD copies of one story, then a feed round of FEED_STORIES stories
with FEED_COPIES copies each, arriving interleaved. Every copy is kept as a report of the story's one event.

Example:
    .venv/bin/python benchmarks/events.py
    .venv/bin/python benchmarks/events.py --sizes 10000 100000 --store-max 100000
    .venv/bin/python benchmarks/events.py --sizes  # the floods alone
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import statistics
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from extract import store
from extract.events import Change, EventIndex, EventMatcher, MemoryIndex, Placement, StoreIndex
from extract.matching import CrimeFamilies, Report, load_families, merge_event, new_event_id
from extract.records import Place

BOROUGHS = 33
STREETS = 150  # per borough
DAYS = 3650
REPORTS_PER_EVENT = (1, 1, 1, 2, 2, 3, 4)  # drawn uniformly: 2 on average, 1.6 for the incidents' events
TYPES = (("stabbing", "violence"), ("shooting", "violence"), ("homicide", "violence"), ("robbery", "theft violence"))
TAIL = 1000  # the last articles, timed one by one
FLOOD = 200  # copies of one story (issue 10 measured 44 s of CPU for these)
FEED_STORIES, FEED_COPIES = 50, 50  # a feed round of 50 stories, each carried by 50 items (issue 10: 10.6 s)


def synthetic_reports(n: int, *, seed: int = 1) -> Iterator[Report]:
    """Yield `n` reports of made-up incidents, the reports of one incident together."""
    rng = random.Random(seed)
    streets = [
        (f"Borough {b}", f"street {b} {s}", 51.3 + 0.35 * rng.random(), -0.45 + 0.7 * rng.random())
        for b in range(BOROUGHS)
        for s in range(STREETS)
    ]
    surnames = [f"surname{k}" for k in range(20000)]
    start = date(2015, 1, 1)
    made = 0
    event = 0
    while made < n:
        event += 1
        borough, street, lat, lon = rng.choice(streets)
        kind, families = rng.choice(TYPES)
        day = start + timedelta(days=rng.randrange(DAYS))
        surname = rng.choice(surnames)
        names = (f"first{rng.randrange(500)} {surname}", surname) if rng.random() < 0.5 else ()
        ages = (rng.randrange(14, 60),) if rng.random() < 0.6 else ()
        wording = np.array([rng.getrandbits(32) for _ in range(32)], dtype=np.uint32)
        for k in range(rng.choice(REPORTS_PER_EVENT)):
            if made >= n:
                return
            copy = wording.copy()  # a rewrite of the same release: a quarter of its hash values differ
            for slot in rng.sample(range(32), 8):
                copy[slot] = rng.getrandbits(32)
            place = Place(street, lat, lon, "street", "street", borough, None, "synthetic")
            follow_up = k == 3
            yield Report(
                incident_id=f"i{made:08d}",
                article_id=f"e{event:07d}-{k}",  # the made-up incident, then the report
                type=kind,
                category="violence and sexual offences",
                families=tuple(families.split()),
                place=place if k < 2 else Place(borough, lat, lon, "area", "area", borough, None, "synthetic"),
                date=None if follow_up else (day + timedelta(days=rng.choice((0, 0, 1)))).isoformat(),
                published=(day + timedelta(days=200 if follow_up else 1)).isoformat(),
                follow_up=follow_up,
                fatal=kind == "homicide",
                weapon="knife" if kind == "stabbing" else None,
                ages=ages,
                streets=(street.lower(),),
                areas=(borough.lower(),),
                names=names,
                signature=wording.tobytes() if k < 2 else copy.tobytes(),
            )
            made += 1


def run(matcher: EventMatcher, reports: list[Report]) -> tuple[float, list[float]]:
    """Match the reports one article at a time; return the total seconds and the seconds of each of the last TAIL."""
    tail: list[float] = []
    start = time.process_time()
    for k, r in enumerate(reports):
        t = time.process_time()
        matcher.match_article(r.article_id, [r])
        if k >= len(reports) - TAIL:
            tail.append(time.process_time() - t)
    return time.process_time() - start, tail


def prebuilt(index: EventIndex, reports: Iterable[Report]) -> float:
    """File the reports into `index`, each synthetic incident's as one event without matching; the seconds taken."""
    start = time.process_time()
    families = load_families()
    for _, group in itertools.groupby(reports, key=lambda r: r.article_id.split("-")[0]):
        batch = tuple(group)
        event = merge_event(new_event_id(batch), batch, families=families)
        placed = {r.incident_id: Placement(event.event_id, batch[0].incident_id, "") for r in batch}
        index.apply(Change(batch, (), placed, (event,), ()))
    return time.process_time() - start


def copies(stories: list[Report], n: int) -> list[Report]:
    """`n` copies of each story under their own incident and article ids, the stories interleaved."""
    return [
        dataclasses.replace(r, incident_id=f"{r.incident_id}-c{k:04d}", article_id=f"{r.article_id}-c{k:04d}")
        for k in range(n)
        for r in stories
    ]


def run_in_store(reports: list[Report], families: CrimeFamilies) -> tuple[float, list[float], int]:
    """Match `reports` into a fresh SQLite store: `run`'s CPU total and tail, and the number of events made."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = store.connect(Path(tmp) / "events.db")
        try:
            total, tail = run(EventMatcher(StoreIndex(conn), families=families), reports)
            return total, tail, conn.execute("SELECT count(*) FROM events").fetchone()[0]
        finally:
            conn.close()


def flood(label: str, reports: list[Report], families: CrimeFamilies) -> None:
    """Match `reports` into a fresh store one article at a time and print the CPU time and the events made."""
    total, tail, events = run_in_store(reports, families)
    print(
        f"{label}: {len(reports):,} articles in {total:.2f} s of CPU, {1000 * total / len(reports):.2f} ms/article, "
        f"the last {len(tail)} {1000 * statistics.mean(tail):.2f} ms mean; {events:,} events",
        flush=True,
    )


def line(label: str, n: int, total: float, tail: list[float]) -> str:
    tail_ms = sorted(t * 1000 for t in tail)
    p99 = tail_ms[int(0.99 * (len(tail_ms) - 1))]
    return (
        f"{label:7} {n:>9,} incidents  total {total:8.1f} s  {1000 * total / n:6.2f} ms/article overall  "
        f"last {len(tail)}: {statistics.mean(tail_ms):6.2f} ms mean, {p99:6.2f} ms p99"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--store-max", type=int, default=100_000, help="largest size run over the SQLite store")
    parser.add_argument("--full-max", type=int, default=100_000, help="largest size matched from empty in memory")
    parser.add_argument("--no-floods", action="store_true", help="leave out the floods of copies of one story")
    args = parser.parse_args()
    families = load_families()
    if not args.no_floods:
        stories = [r for r in synthetic_reports(4 * FEED_STORIES, seed=2) if r.article_id.endswith("-0")]
        flood(f"{FLOOD} copies of one story", copies(stories[:1], FLOOD), families)
        flood(
            f"a feed round, {FEED_STORIES} stories x {FEED_COPIES} copies",
            copies(stories[:FEED_STORIES], FEED_COPIES),
            families,
        )
    for n in args.sizes:
        # The last TAIL reports only, when the rest is filled without matching: a million reports do not fit in memory.
        reports = list(synthetic_reports(n)) if n <= args.full_max else list(deque(synthetic_reports(n), maxlen=TAIL))
        if n > args.full_max:
            # Too many to match one by one from empty here: the store is filled first, then the last TAIL matched.
            with tempfile.TemporaryDirectory() as tmp:
                conn = store.connect(Path(tmp) / "events.db")
                try:
                    conn.execute("PRAGMA synchronous=OFF")  # a throwaway database: no need to survive a crash
                    build = prebuilt(StoreIndex(conn), itertools.islice(synthetic_reports(n), n - TAIL))
                    total, tail = run(EventMatcher(StoreIndex(conn), families=families), reports)
                    events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
                finally:
                    conn.close()
            p99 = sorted(tail)[int(0.99 * (len(tail) - 1))] * 1000
            print(
                f"sqlite  {n:>9,} incidents  filled in {build:.1f} s without matching, then the last {TAIL} matched: "
                f"{1000 * total / TAIL:.2f} ms/article mean, {p99:.2f} ms p99  ({events:,} events)",
                flush=True,
            )
            continue
        matcher = EventMatcher(MemoryIndex(), families=families)
        total, tail = run(matcher, reports)
        events = len(matcher.index.events)  # type: ignore[attr-defined]
        print(line("memory", n, total, tail) + f"  ({events:,} events)", flush=True)
        if n > args.store_max:
            continue
        total, tail, events = run_in_store(reports, families)
        print(line("sqlite", n, total, tail) + f"  ({events:,} events)", flush=True)


if __name__ == "__main__":
    main()
