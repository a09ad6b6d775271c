"""The Map page's events at scale: how long dashboard.events_view.event_frame takes to build the events of 10k, 100k
and 1M reports from the merges ingest stored (the events table), and (--merge-all) merging every event itself, the
first time and for the next version of the database (its memo holding the merges made).

The reports are a synthetic incidents frame made with a fixed seed, 1.65 reports per event on average as in
benchmarks/events.py (1 report for 60% of events, 2 for 25%, 3 for 10%, 5 for 5%): the reports of one event share
its type and weapon and each gives its street or its area, and its date or the day before, so some agree and some
need merge_event. Times are this process's CPU time (pyarrow's threads included), so that a busy machine does not
inflate them, with the wall-clock time beside. The stored merges are made as ingest makes them (merge_event over each
event's reports), a thousandth of the reports touched by an editor's correction, so that their events merge again.

Example:
    .venv/bin/python benchmarks/events_view.py
    .venv/bin/python benchmarks/events_view.py --sizes 10000 100000 --merge-all
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta

import pandas as pd

from dashboard.events_view import StoredMerges, event_frame, stored_merges
from extract import store
from extract.events import event_row
from extract.matching import CrimeFamilies, Report, load_families, merge_event
from extract.records import PRECISION_ORDER, Place

SIZES = (10_000, 100_000, 1_000_000)
REPORTS_PER_EVENT = ((1, 0.60), (2, 0.25), (3, 0.10), (5, 0.05))  # 1.65 on average
TYPES = (("stabbing", "knife"), ("shooting", "gun"), ("robbery", None), ("assault", None), ("burglary", None))
FIRST_DAY = date(2015, 1, 1)
DAYS = 3650
CORRECTED = 1_000  # one report in this many is touched by an editor's correction: a thousand at a million


def synthetic_reports(n: int, *, seed: int = 1) -> pd.DataFrame:
    """Return `n` reports as the dashboard's incidents frame holds them, grouped into events by `event_id`."""
    rng = random.Random(seed)
    rows: list[dict] = []
    event = 0
    sizes, weights = zip(*REPORTS_PER_EVENT)
    while len(rows) < n:
        event += 1
        kind, weapon = rng.choice(TYPES)
        lat, lon = 51.3 + rng.random() * 0.4, -0.5 + rng.random() * 0.8
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        for k in range(min(rng.choices(sizes, weights)[0], n - len(rows))):
            street = rng.random() < 0.5
            offence = day - timedelta(days=rng.randrange(2))
            incident_id = f"{event:08x}{k:08x}"
            rows.append(
                {c: None for c in store.INCIDENT_COLUMNS}
                | {
                    "incident_id": incident_id,
                    "article_id": incident_id,
                    "headline": f"Headline {incident_id}",
                    "url": f"https://news.example/{incident_id}",
                    "published": (day + timedelta(days=k)).isoformat(),
                    "type": kind,
                    "category": "violence and sexual offences",
                    "place_name": f"Street {event}" if street else f"Area {event % 500}",
                    "place_kind": "street" if street else "area",
                    "lat": lat if street else round(lat, 2),
                    "lon": lon if street else round(lon, 2),
                    "precision": "street" if street else "area",
                    "borough": "Hackney",
                    "date": offence.isoformat(),
                    "date_basis": "relative",
                    "fatal": 0,
                    "weapon": weapon,
                    "evidence": f"Evidence of {incident_id}.",
                    "evidence_start": 0,
                    "event_id": f"ev{event:014x}",
                }
            )
    frame = pd.DataFrame.from_records(rows)
    frame["precision_rank"] = frame["precision"].map(PRECISION_ORDER).astype(int)
    frame["verified"] = False
    frame["cell"] = None
    frame = frame.sort_values(["date", "incident_id"], ascending=[False, True])  # as the page's frame is
    return frame.set_axis(frame["incident_id"].to_numpy(), axis=0)


def stored_events(reports: pd.DataFrame, *, families: CrimeFamilies) -> StoredMerges:
    """Return the merges ingest would have stored for `reports` (merge_event over each event's reports, in incident
    id order), with every CORRECTED-th report touched by a correction."""
    groups: dict[str, list[Report]] = {}
    for row in reports.sort_values("incident_id").itertuples(index=False):
        place = Place(row.place_name, row.lat, row.lon, row.place_kind, row.precision, row.borough, None, "")
        groups.setdefault(row.event_id, []).append(
            Report(
                row.incident_id,
                row.article_id,
                row.type,
                row.category,
                (),
                place,
                row.date,
                row.published,
                False,
                bool(row.fatal),
                row.weapon,
            )
        )
    rows = (
        tuple(event_row(merge_event(event_id, group, families=families)).values()) for event_id, group in groups.items()
    )
    touched = [
        store.Correction("incident", i, "verified", "{}", "benchmark", "2024-01-01")
        for i in reports["incident_id"].iloc[::CORRECTED]
    ]
    return stored_merges(rows, touched)


def timed(function, *args, **kwargs):
    """Return (result, CPU seconds, wall seconds)."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.process_time() - cpu, time.perf_counter() - wall


def main(sizes: tuple[int, ...], *, merge_all: bool = False) -> None:
    families = load_families()
    for n in sizes:
        reports = synthetic_reports(n)
        stored = stored_events(reports, families=families)
        memo: dict = {}
        events, cpu, wall = timed(event_frame, reports, families=families, memo=memo, stored=stored)
        shared = int((events["reports"] > 1).sum())
        print(f"{n:>9,} reports -> {len(events):,} events ({shared:,} of several reports)")
        print(f"{'':>9}   stored merges, first build:  {cpu:6.2f} s CPU  {wall:6.2f} s wall")
        _, cpu, wall = timed(event_frame, reports, families=families, memo=memo, stored=stored)
        print(f"{'':>9}   stored merges, next version: {cpu:6.2f} s CPU  {wall:6.2f} s wall")
        if merge_all:
            memo = {}
            merged, cpu, wall = timed(event_frame, reports, families=families, memo=memo)
            pd.testing.assert_frame_equal(merged, events)
            print(f"{'':>9}   merging every event, first:  {cpu:6.2f} s CPU  {wall:6.2f} s wall (the same frame)")
            _, cpu, wall = timed(event_frame, reports, families=families, memo=memo)
            print(
                f"{'':>9}   merging every event, next:   {cpu:6.2f} s CPU  {wall:6.2f} s wall (every merge in the memo)"
            )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="numbers of reports")
    parser.add_argument("--merge-all", action="store_true", help="also merge every event without the stored merges")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    main(tuple(args.sizes), merge_all=args.merge_all)
