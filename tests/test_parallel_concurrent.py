"""Two ingest processes writing one SQLite file at once group the reports into the events one process makes: event
matching is serialised by the store's matcher lock, so neither splits an incident the other is matching."""

import datetime
import json
import multiprocessing
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict

import pytest

from extract import store

pytestmark = pytest.mark.slow  # spawned processes: `make test` runs it, `make check` leaves it out

STREETS = ("Rye Lane", "Mare Street", "Brixton Road", "Kilburn High Road", "Holloway Road", "Walworth Road")
CRIMES = (
    "A {age}-year-old man was stabbed on {street} on {date}, police said.",
    "A woman aged {age} was robbed of her phone at knifepoint on {street} on {date}, officers said.",
    "A {age}-year-old man was shot in the leg outside a shop on {street} on {date}, the Metropolitan Police said.",
)
PER_OUTLET = 100  # incidents, each reported once by each process: the two meet on many of them at once


def releases() -> list[str]:
    """One made-up police release per incident, each ten days after the last, so that no two are one incident."""
    start = datetime.date(2023, 1, 2)
    return [
        CRIMES[n % len(CRIMES)].format(
            age=18 + n % 40,
            street=STREETS[n % len(STREETS)],
            date=f"{start + datetime.timedelta(days=10 * n):%d %B %Y}",
        )
        + " Officers are appealing for witnesses."
        for n in range(PER_OUTLET)
    ]


def write_outlet(path, prefix: str) -> None:
    """Each outlet copies every release under its own article ids, in the same order."""
    path.write_text(
        "".join(json.dumps({"id": f"{prefix}{n}", "text": text}) + "\n" for n, text in enumerate(releases())),
        encoding="utf-8",
    )


def ingest_together(news, db, barrier) -> None:
    """Load the extractor, wait for the other process, then ingest: both start matching at the same moment."""
    from extract.pipeline import ingest_paths, load_extractor

    extractor = load_extractor()
    barrier.wait(timeout=300)
    ingest_paths([news], db_path=db, extractor=extractor)


def events(db) -> list[tuple[list[str], int]]:
    """The stored incidents grouped into events with each event's count of reports, event ids left out (they depend
    on which report came first)."""
    conn = store.connect(db)
    try:
        groups = defaultdict(set)
        for incident_id, event_id in store.incident_event_ids(conn).items():
            groups[event_id].add(incident_id)
        counted = dict(conn.execute("SELECT event_id, n_reports FROM events").fetchall())
        reports = conn.execute("SELECT count(*) FROM incident_events").fetchone()[0]
        incidents = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    finally:
        conn.close()
    assert reports == incidents
    return sorted((sorted(g), counted.get(e)) for e, g in groups.items())


def test_two_processes_ingesting_one_sqlite_file_never_split_an_event(tmp_path):
    from extract.pipeline import ingest_paths, load_extractor

    outlets = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for path, prefix in zip(outlets, ("a", "b")):
        write_outlet(path, prefix)
    ingest_paths(outlets, db_path=tmp_path / "one.db", extractor=load_extractor())
    expected = events(tmp_path / "one.db")
    # each release's two copies in one event (a few releases give no London incident)
    assert len(expected) > PER_OUTLET // 2 and all(n == 2 for _, n in expected)
    db = tmp_path / "two.db"
    store.connect(db).close()  # migrated before the race
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    processes = [context.Process(target=ingest_together, args=(path, db, barrier)) for path in outlets]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=600)
    assert [p.exitcode for p in processes] == [0, 0]
    assert events(db) == expected


HELD = 8.0  # seconds the test holds the lock: past an ingest's start-up, well under store.LOCK_TIMEOUT


def test_an_ingest_waits_while_another_process_holds_the_sqlite_matcher_lock(tmp_path):
    news, db = tmp_path / "a.jsonl", tmp_path / "incidents.db"
    write_outlet(news, "a")
    conn = store.connect(db)
    try:
        with store.matcher_lock(conn):
            ingest = subprocess.Popen(
                [sys.executable, "-m", "extract", "ingest", str(news), "--db", str(db), "--no-progress"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            time.sleep(HELD)
            waiting = ingest.poll() is None
            reader = sqlite3.connect(db)  # WAL: reading goes on while the lock is held
            stored = reader.execute("SELECT count(*) FROM articles").fetchone()[0]
            reader.close()
    finally:
        conn.close()
    _, err = ingest.communicate(timeout=600)
    assert (waiting, stored, ingest.returncode) == (True, 0, 0), err
    assert len(events(db)) == len(expected_events(news, tmp_path))


def expected_events(news, tmp_path) -> list[tuple[list[str], int]]:
    from extract.pipeline import ingest_paths, load_extractor

    ingest_paths([news], db_path=tmp_path / "alone.db", extractor=load_extractor())
    return events(tmp_path / "alone.db")
