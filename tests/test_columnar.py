"""The map's columnar copy kept by writers: `ingest` and `watch` keep it for the database's new version, and the
dashboard's first load reads it instead of the rows; nothing is kept where it would not help."""

import dataclasses
import gc
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from dashboard_fixtures import CASES, build_incidents_db
from events_fixtures import build_events_db
from feed_fixtures import STORIES, Route, item, page, rss, serve
from postgres_server import TEMPLATE
from streamlit.testing.v1 import AppTest

from dashboard import data
from extract import columnar, corrections, store
from extract.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
AGENT = "crimemap-test (tests@example.org)"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(columnar, "SNAPSHOT_ROWS", 1)  # every database is large enough to keep
    folder = tmp_path / "cache"
    monkeypatch.setenv("CRIMEMAP_CACHE_DIR", str(folder))
    return folder


def kept(cache: Path) -> list[Path]:
    columnar.copies_written()  # a dashboard's copy is written in a thread of its own
    return sorted((cache / "frames").glob("*.arrow"))


def read_without_rows(db: Path, monkeypatch) -> pd.DataFrame:
    """The dashboard's frame of `db`, failing if it reads the database's rows rather than a kept copy."""

    def no_rows(*args, **kwargs):
        raise AssertionError("the rows were read")

    with monkeypatch.context() as patched:
        patched.setattr(columnar, "_arrow_rows", no_rows)
        patched.setattr(store, "iter_map_rows", no_rows)
        return data.read_incidents(db)


def read_cold(db: Path, tmp_path: Path, monkeypatch) -> pd.DataFrame:
    """The dashboard's frame of a copy of `db` read from its rows, with no copy kept."""
    other = tmp_path / "cold" / db.name
    other.parent.mkdir()
    shutil.copy(db, other)
    with monkeypatch.context() as patched:
        patched.setenv("CRIMEMAP_CACHE_DIR", "")
        return data.read_incidents(other)


def test_ingest_keeps_the_copy_the_dashboard_reads(cache, tmp_path, monkeypatch, capsys):
    db = tmp_path / "incidents.db"
    assert main(["ingest", str(ROOT / "seeds"), "--db", str(db), "--no-progress"]) == 0
    assert len(kept(cache)) == 1
    assert "kept the map's copy of 2 incidents for the dashboard" in capsys.readouterr().err
    pd.testing.assert_frame_equal(read_without_rows(db, monkeypatch), read_cold(db, tmp_path, monkeypatch))


def test_a_write_after_the_copy_makes_the_dashboard_read_the_rows(cache, tmp_path, monkeypatch):
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    assert columnar.refresh(db) == len(CASES)
    conn = store.connect(db)
    corrections.hide(conn, CASES[0].article_id + ":0", "not_london", editor="t")
    conn.close()
    frame = data.read_incidents(db)  # read from the rows of the new version, and kept for it
    assert CASES[0].article_id + ":0" not in frame.index
    assert len(kept(cache)) == 1  # the old version's copy is gone
    pd.testing.assert_frame_equal(read_without_rows(db, monkeypatch), frame)
    # Hidden rows are left out of what refresh keeps, as out of what the dashboard keeps.
    shutil.rmtree(cache)
    assert columnar.refresh(db) == len(CASES) - 1
    pd.testing.assert_frame_equal(read_without_rows(db, monkeypatch), frame)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("kept already", 0),
        ("below the bound", 0),
        ("no cache directory", 0),
        ("postgresql", 0),
        ("new version", len(CASES)),
    ],
)
def test_refresh_keeps_a_copy_only_where_it_helps(cache, tmp_path, monkeypatch, case, expected):
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    target: str | Path = db
    if case == "kept already":
        assert columnar.refresh(db) == len(CASES)
    elif case == "below the bound":
        monkeypatch.setattr(columnar, "SNAPSHOT_ROWS", len(CASES) + 1)
    elif case == "no cache directory":
        monkeypatch.setenv("CRIMEMAP_CACHE_DIR", "")
    elif case == "postgresql":  # no file to keep a copy beside: the URL is never connected to
        target = "postgresql://nobody@127.0.0.1:1/nothing"
    assert columnar.refresh(target) == expected
    assert len(kept(cache)) == (0 if case in ("below the bound", "no cache directory", "postgresql") else 1)


def test_watch_keeps_the_copy_after_a_round_that_stored_articles(cache, tmp_path, monkeypatch):
    db = tmp_path / "watch.db"
    with serve() as server:
        for story in STORIES:
            server.routes[f"/news/{story.slug}"] = Route(page(story), content_type="text/html")
        server.routes["/feed"] = Route(rss([item(story, server.url(f"/news/{story.slug}")) for story in STORIES]))
        argv = ["watch", server.url("/feed"), "--once", "--db", str(db), "--delay", "0", "--user-agent", AGENT]
        assert main(argv) == 0
    assert len(kept(cache)) == 1
    pd.testing.assert_frame_equal(read_without_rows(db, monkeypatch), read_cold(db, tmp_path, monkeypatch))


def test_a_store_with_events_is_read_through_arrow(tmp_path, small_extractor, monkeypatch):
    db = build_events_db(tmp_path, small_extractor)
    conn = store.connect_readonly(db)
    try:
        assert conn.execute("SELECT count(*) FROM incident_events").fetchone()[0] > 0
        [table] = columnar._arrow_rows(db, conn, hidden=set(), deleted=set())  # event ids are text, as stored
        assert table.column("event_id").null_count < table.num_rows
    finally:
        conn.close()
    read = data.read_incidents(db)
    monkeypatch.setattr(columnar, "_arrow_rows", lambda *a, **k: [])  # as through sqlite3
    pd.testing.assert_frame_equal(data.read_incidents(db), read)


@pytest.mark.parametrize("gone", ["-wal", ""])
def test_the_version_of_a_database_whose_file_goes_meanwhile(tmp_path, monkeypatch, gone):
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    Path(f"{db}-wal").write_bytes(b"log")
    stat = os.stat

    def vanishing(name, *args, **kwargs):  # a log the last connection removes between listing and reading it
        if str(name) == f"{db}{gone}":
            raise FileNotFoundError(name)
        return stat(name, *args, **kwargs)

    monkeypatch.setattr(os, "stat", vanishing)
    kept = [s for s in (str(db), f"{db}-wal") if s != f"{db}{gone}"]
    assert columnar.file_version(db) == tuple(n for s in kept for n in (stat(s).st_mtime_ns, stat(s).st_size))


@pytest.mark.parametrize(
    "dates",
    [
        ["2024-03-01", "2023-12-31", None, "2024-03-01", "2024-03-02"],
        [None, None, None],  # Arrow's null type: no date at all
        ["2024-01-01"],
        [],
        ["2024-05-05", None, "2024-05-05", None],
    ],
)
def test_the_sort_orders_rows_as_comparing_their_texts_does(dates):
    """Newest date first, no date last, then by incident id: as sorting the texts themselves would, from pieces."""
    ids = [f"incident-{(7 * i) % 11:02d}" for i in range(len(dates))]
    half = len(dates) // 2
    pieces = [pa.table({"incident_id": ids[a:b], "date": dates[a:b]}) for a, b in ((0, half), (half, len(dates)))]
    table = pa.concat_tables(pieces, promote_options="permissive")
    text_order = pc.sort_indices(table, sort_keys=[("date", "descending", "at_end"), ("incident_id", "ascending")])
    assert columnar._sorted_table([table]).equals(table.take(text_order))


def test_the_sorted_rows_are_held_in_their_own_memory_pool():
    """The sorted copy, the frame's memory, comes from SORTED_MEMORY (the first-touch cost of Arrow's default pool
    was twice its), and is given back to it when the frame goes."""
    table = dated_rows(20_000, ["2024-03-01", "2023-12-31", None])
    columnar.copies_written()  # no earlier test's copy is let go of meanwhile
    gc.collect()
    before = columnar.SORTED_MEMORY.bytes_allocated()
    held = columnar._sorted_table([table.select(["incident_id", "date"])])
    assert columnar.SORTED_MEMORY.bytes_allocated() - before >= held.nbytes
    del held
    assert columnar.SORTED_MEMORY.bytes_allocated() <= before


def dated_rows(count: int, dates: list[str | None], *, seed: int = 5) -> pa.Table:
    """`count` rows of incident ids in no order, each with one of `dates`, the first of them most often."""
    draw = random.Random(seed)
    weights = [len(dates) - k for k in range(len(dates))]
    picked = draw.choices(dates, weights=weights, k=count) if dates else []
    ids = [f"a{draw.randrange(10**6):06d}:{draw.randrange(3)}" for _ in range(count)]
    return pa.table({"incident_id": pa.array(ids, pa.string()), "date": pa.array(picked, pa.string())})


@pytest.mark.parametrize("parts", [1, 2, 3, 4, 7])
@pytest.mark.parametrize(
    "count, dates",
    [
        (500, ["2024-03-01", "2023-12-31", None, "2024-03-02", "2019-01-01", "2024-02-29"]),  # few, skewed
        (500, [f"2023-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]),  # many
        (300, ["2024-01-01"]),  # one date: every row in one part
        (300, [None]),  # no date at all
        (0, []),
    ],
)
def test_the_sort_in_parts_orders_rows_as_one_sort(parts, count, dates):
    """The rows cut into parts by ranges of their dates' ranks, each sorted apart, come out as one sort of them all."""
    table = dated_rows(count, dates)
    ranks = columnar._date_ranks(table["date"]).to_numpy()
    whole = pc.sort_indices(pa.table({"date": ranks, "incident_id": table["incident_id"]}), sort_keys=SORT_KEYS)
    with ThreadPoolExecutor(parts) as pool:
        order = columnar._sort_order(ranks, table["incident_id"], pool, parts=parts)
    assert order.to_pylist() == whole.to_pylist()


SORT_KEYS = [("date", "ascending"), ("incident_id", "ascending")]


def test_the_dashboard_keeps_the_copy_of_a_postgresql_database_until_it_is_written(cache, postgres_url, monkeypatch):
    build_incidents_db(postgres_url, cases=CASES)
    first = data.read_incidents(postgres_url)  # read from the rows, and kept
    assert len(kept(cache)) == 1
    pd.testing.assert_frame_equal(read_without_rows(postgres_url, monkeypatch), first)
    conn = store.connect_readonly(postgres_url)
    before = columnar.postgres_version(conn)
    writer = store.connect(postgres_url)
    corrections.hide(writer, CASES[0].article_id + ":0", "not_london", editor="t")
    writer.close()
    deadline = time.monotonic() + 10  # the server counts the write once the writer's session has ended
    while columnar.postgres_version(conn) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    conn.close()
    again = data.read_incidents(postgres_url)  # the rows of the new version, kept for it
    assert CASES[0].article_id + ":0" in first.index and CASES[0].article_id + ":0" not in again.index
    assert len(kept(cache)) == 1  # the old version's copy is gone
    pd.testing.assert_frame_equal(read_without_rows(postgres_url, monkeypatch), again)


def test_a_correction_newer_than_the_ones_given_reads_the_rows_and_keeps_nothing(cache, tmp_path):
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    conn = store.connect(db)
    corrections.hide(conn, CASES[0].article_id + ":0", "not_london", editor="t")
    frame = columnar.stored_frame(db, conn, [])  # as if the correction came after the caller read the corrections
    conn.close()
    assert CASES[0].article_id + ":0" in set(frame["incident_id"])  # read with the corrections given
    assert kept(cache) == []


def wait_for_counts(url: str) -> tuple | None:
    """The version of the PostgreSQL database at `url` once the server has counted what its writers wrote."""
    last, settled = None, time.monotonic()
    while time.monotonic() - settled < 1.0:  # the counts land within about a second of a writer's session
        conn = store.connect_readonly(url)
        version = columnar.postgres_version(conn)
        conn.close()
        if version != last:
            last, settled = version, time.monotonic()
        time.sleep(0.1)
    return last


def test_an_empty_postgresql_database_reads_as_an_empty_sqlite_one(cache, postgres_server, tmp_path):
    # Arrow's driver reads no piece, which gives no types: the rows, none, are read through the store's connection.
    url = postgres_server.new_database("empty")
    empty = build_incidents_db(tmp_path / "empty.db", cases=())
    store.connect(url).close()
    frame = data.read_incidents(url)
    assert len(frame) == 0
    assert list(frame.columns) == list(data.read_incidents(empty).columns)


def test_a_postgresql_database_made_anew_with_as_many_rows_is_read_again(cache, postgres_server, monkeypatch):
    url = postgres_server.new_database("anew")
    name = url.rsplit("/", 1)[1]
    build_incidents_db(url, cases=CASES)
    before = wait_for_counts(url)
    assert data.read_incidents(url).loc[CASES[0].article_id + ":0", "type"] == CASES[0].type
    # Restored from another dump under its name: as many rows written, one incident of another type.
    postgres_server.sql(f"DROP DATABASE {name}")
    postgres_server.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    changed = dataclasses.replace(CASES[0], type="burglary", category="burglary")
    build_incidents_db(url, cases=(changed, *CASES[1:]))
    assert wait_for_counts(url) != before
    assert data.read_incidents(url).loc[CASES[0].article_id + ":0", "type"] == "burglary"


def test_a_postgresql_copy_is_named_by_the_database_not_the_urls_password(cache, postgres_url, monkeypatch):
    build_incidents_db(postgres_url, cases=CASES)
    wait_for_counts(postgres_url)
    old, new = (postgres_url.replace("postgres@", f"postgres:{secret}@", 1) for secret in ("old-secret", "new-secret"))
    data.read_incidents(old)  # the test server trusts any password: a rotated one reads the same database
    assert len(kept(cache)) == 1
    pd.testing.assert_frame_equal(read_without_rows(new, monkeypatch), read_without_rows(postgres_url, monkeypatch))
    assert all("secret" not in p.name for p in kept(cache))


def test_a_caller_waits_for_the_copies_another_caller_waits_for(cache, tmp_path, monkeypatch):
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    written, write = threading.Event(), columnar._write_snapshot
    monkeypatch.setattr(columnar, "_write_snapshot", lambda *a: (written.wait(10), write(*a)))
    data.read_incidents(db)  # its copy waits to be written: the first caller starts it
    waiting = [threading.Thread(target=columnar.copies_written) for _ in range(2)]
    for thread in waiting:
        thread.start()
        time.sleep(0.05)
    waiting[1].join(0.2)
    assert waiting[1].is_alive()  # the second caller waits too, not only the first
    written.set()
    for thread in waiting:
        thread.join(10)
    assert len(kept(cache)) == 1


@pytest.mark.parametrize("statements", [1, columnar.READ_PIECES])
def test_the_drivers_readers_wait_for_a_lock_another_process_holds(tmp_path, statements):
    """A reader that finds the database locked for a moment (another process's write, or its connection recovering
    the write-ahead log's index) waits as sqlite3's readers do, rather than failing and making the caller read every
    row again through sqlite3. The lock is another process's: SQLite's locks do not keep out its own process."""
    db = tmp_path / "locked.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (n INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(100)])
    conn.commit()
    conn.close()
    hold = (
        "import sqlite3, sys, time\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "conn.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(0.5)\n"
        "conn.execute('COMMIT')\n"
    )
    with subprocess.Popen([sys.executable, "-c", hold, str(db)], stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        read = columnar.sqlite_tables(db, [("SELECT n FROM t", (), 100)] * statements)
    assert holder.returncode == 0
    assert read is not None
    assert [t["n"].to_pylist() for t in read] == [list(range(100))] * statements


@pytest.mark.slow
def test_postgres_results_read_each_statement_with_its_parameters(postgres_url):
    statements = [
        ("SELECT n::bigint FROM generate_series(1, 5) n WHERE n > ? AND ? <> ''", (2, "%_")),
        ("SELECT n FROM generate_series(1, 5) n WHERE n > ?", (9,)),  # no rows
        ("SELECT 'a' || ?::text", ("?",)),
    ]
    first, nothing, text = columnar.postgres_results(postgres_url, statements)
    assert first.column(0).to_pylist() == [3, 4, 5] and nothing is None and text.column(0).to_pylist() == ["a?"]
    assert columnar.postgres_results(postgres_url, [("SELECT no_such_column", ())]) is None


def copies_on_disk(cache: Path, *, within: float) -> list[Path]:
    """The copies in `cache` once one is there, or after `within` seconds; without waiting for any being written."""
    deadline = time.monotonic() + within
    while not (found := sorted((cache / "frames").glob("*.arrow"))) and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


def test_a_copy_is_written_once_asked_not_while_its_reader_goes_on(cache, tmp_path, monkeypatch):
    """Written beside the dashboard building its frames, the copy slowed a cold first load by a third."""
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    started, write = [], columnar._write_snapshot
    monkeypatch.setattr(columnar, "_write_snapshot", lambda *a: (started.append(a[1]), write(*a)))
    data.read_incidents(db)
    assert copies_on_disk(cache, within=0.3) == [] and started == []
    columnar.write_copies()
    assert len(kept(cache)) == 1 and len(started) == 1
    columnar.write_copies()  # nothing is left to write
    assert len(started) == 1


def test_a_copy_no_caller_asks_for_is_written_after_a_wait(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "SNAPSHOT_WAIT_SECONDS", 0.2)
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    frame = data.read_incidents(db)
    assert len(copies_on_disk(cache, within=10)) == 1
    pd.testing.assert_frame_equal(read_without_rows(db, monkeypatch), frame)


def test_the_dashboard_writes_the_copy_its_run_read_once_the_page_is_drawn(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "SNAPSHOT_WAIT_SECONDS", 3600)  # only the page's own call writes it
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    monkeypatch.setattr(sys, "argv", ["app.py"])
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert len(copies_on_disk(cache, within=10)) == 1


def test_a_copy_asked_for_from_a_daemon_thread_is_written_before_the_process_ends(cache, tmp_path):
    """A dashboard's page runs in a daemon thread, whose threads are daemons unless said otherwise: a process that
    ended as its copy was being written killed the writer (and aborted, Arrow writing to a Python file)."""
    db = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    script = (
        "import sys, threading\n"
        "from dashboard import data\n"
        "from extract import columnar\n"
        "columnar.SNAPSHOT_ROWS = 1\n"
        "def page():\n"
        "    data.read_incidents(sys.argv[1])\n"
        "    columnar.write_copies()\n"
        "run = threading.Thread(target=page, daemon=True)\n"
        "run.start()\n"
        "run.join()\n"
    )
    environ = {**os.environ, "CRIMEMAP_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(db)], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert len(sorted((cache / "frames").glob("*.arrow"))) == 1
