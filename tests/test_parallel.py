"""Parallel ingest (--workers) and Dask ingest (--dask) store exactly what one process stores: the same rows, events,
--out order and report, also when a Dask worker is killed mid-way and when the run is repeated; on SQLite the Dask
workers' rows come back to be stored, on PostgreSQL the workers store them."""

import functools
import json
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from extract import parallel, store
from extract.pipeline import ingest_paths, load_extractor

pytestmark = pytest.mark.slow  # worker processes and a Dask cluster: `make test` runs it, `make check` leaves it out

STORIES = (
    (
        "A 19-year-old man was stabbed on Rye Lane in Peckham on {day} night, police said. Paramedics took him to "
        "hospital, where his injuries were said not to be life-threatening."
    ),
    (
        "Burglars broke into a jeweller's on Mare Street in Hackney on {day} and took watches worth thousands of "
        "pounds, the Metropolitan Police said."
    ),
    (
        "A woman was robbed of her phone at knifepoint on Brixton Road in Lambeth on {day} evening. Officers are "
        "appealing for witnesses."
    ),
    "The council has approved plans for a new library on Holloway Road in Islington, to open on {day}.",
    (
        "A man was shot in the leg outside a shop on Kilburn High Road on {day}. A 17-year-old boy has been arrested "
        "on suspicion of attempted murder."
    ),
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ARTICLES = 70  # enough for several partitions per worker, so that results come back out of order
PARTITION_BYTES = 2_000  # the news file's byte ranges: about ten lines each, seven tasks


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    """A JSON Lines file of made-up stories, with one bad line and one id read twice."""
    path = tmp_path_factory.mktemp("news") / "news.jsonl"
    lines = [
        json.dumps({"id": f"n{n}", "text": STORIES[n % len(STORIES)].format(day=DAYS[n % len(DAYS)])})
        for n in range(ARTICLES)
    ]
    lines[20] = "{not json"
    lines[41] = json.dumps({"id": "n3", "text": STORIES[1].format(day="Sunday")})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def extractor():
    return load_extractor()


def run(news, db, extractor, **options):
    """Ingest `news` into `db`; return the report, what on_article saw, in order, and the stored tables."""
    seen = []
    report = ingest_paths(
        [news],
        db_path=db,
        extractor=extractor,
        on_article=lambda a, incidents: seen.append((a.article_id, [i.incident_id for i in incidents])),
        **options,
    )
    return report, seen, tables(db)


def tables(db):
    """Every row of the extracted and matched tables, without the columns that hold when a row was written, nor its
    number (PostgreSQL's row_id, as SQLite's rowid: the order the rows were written in)."""
    postgres = str(db).startswith("postgresql://")
    conn = store.connect(db) if postgres else sqlite3.connect(db)
    try:
        found = {}
        for table in ("articles", "incidents", "events", "incident_events", "event_keys"):
            if postgres:
                names = conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    (table,),
                ).fetchall()
            else:
                names = [(row[1],) for row in conn.execute(f"PRAGMA table_info({table})")]
            columns = [name for (name,) in names if not name.endswith("_at") and name != "row_id"]
            found[table] = [
                tuple(row) for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1, 2")
            ]
        return found
    finally:
        conn.close()


@pytest.fixture(scope="module")
def one_process(news, extractor, tmp_path_factory):
    return run(news, tmp_path_factory.mktemp("one") / "incidents.db", extractor)


def test_one_process_run_has_incidents_errors_and_warnings(one_process):
    report, seen, stored = one_process
    assert report.articles == ARTICLES - 2  # one bad line, one id read twice
    assert len(report.errors) == 1 and report.warnings and stored["incidents"] and stored["events"]


def test_two_workers_store_what_one_process_stores(news, extractor, tmp_path, one_process, byte_ranges):
    assert run(news, tmp_path / "incidents.db", extractor, workers=2) == one_process


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


@pytest.fixture
def byte_ranges(monkeypatch):
    monkeypatch.setattr(parallel, "PARTITION_BYTES", PARTITION_BYTES)
    return PARTITION_BYTES


def test_news_file_is_cut_into_byte_ranges(news, byte_ranges):
    parts = list(parallel.partitions([news]))
    assert len(parts) > 4 and all(len(p) == 1 and p[0].end is not None for p in parts)


def test_dask_cluster_stores_what_one_process_stores_and_again_without_duplicates(
    news, extractor, tmp_path, one_process, cluster, byte_ranges
):
    db = tmp_path / "incidents.db"
    assert run(news, db, extractor, dask=cluster.scheduler_address) == one_process
    report, seen, again = run(news, db, extractor, dask=cluster.scheduler_address)
    # Re-matching renumbers the event rows; the articles and incidents stay, and nothing is stored twice.
    assert (report, seen) == one_process[:2]
    assert {name: len(rows) for name, rows in again.items()} == {
        name: len(rows) for name, rows in one_process[2].items()
    }
    assert (again["articles"], again["incidents"]) == (one_process[2]["articles"], one_process[2]["incidents"])


DYING_AT = 40  # the geocoder query at which a worker kills itself: a few articles into its first partition


class DyingGeocoder:
    """The gazetteer's geocoder, in a worker process that kills itself (SIGKILL) at its DYING_AT-th query, unless
    another worker did so before (the marker file tells): a worker dying in the middle of a partition."""

    def __init__(self, gazetteer, marker: str) -> None:
        self.gazetteer, self.marker, self.queries = gazetteer, Path(marker), 0

    def geocode(self, query, *, context=()):
        self.queries += 1
        if self.queries == DYING_AT and not self.marker.exists():
            self.marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return self.gazetteer.locate(query, context=context)


def load_dying(marker: str):
    from extract.geo.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    return load_extractor(gazetteer=gazetteer, geocoder=DyingGeocoder(gazetteer, marker))


@pytest.fixture
def fresh_cluster():
    """A cluster of its own: the WorkerPlugin loads the dying extractor in workers that have loaded none."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_dask_worker_killed_mid_partition_is_retried_elsewhere(
    news, extractor, tmp_path, one_process, fresh_cluster, byte_ranges, backend, request
):
    if backend == "sqlite":
        db, expected = tmp_path / "incidents.db", one_process
    else:
        db, expected = request.getfixturevalue("postgres_url"), request.getfixturevalue("one_process_postgres")
    marker = tmp_path / "killed"
    load = functools.partial(load_dying, str(marker))
    assert run(news, db, extractor, dask=fresh_cluster.scheduler_address, load=load) == expected
    assert marker.exists()


@pytest.fixture(scope="module")
def one_process_postgres(news, extractor, postgres_server):
    return run(news, postgres_server.new_database("one"), extractor)


def test_one_process_stores_in_postgresql_what_it_stores_in_sqlite(one_process, one_process_postgres):
    assert one_process_postgres[:2] == one_process[:2]
    assert {name: len(rows) for name, rows in one_process_postgres[2].items()} == {
        name: len(rows) for name, rows in one_process[2].items()
    }


def stored_again_here(saved: list[str], news) -> None:
    """The later reading of the id read twice (line 42) is stored again here, since another task may have
    overwritten it; the earlier one (line 4) too when its worker's store was overwritten by the later one's before
    this process matched it (store.stored_as); no other."""
    assert saved[-1:] == [f"{news}:42"] and set(saved) <= {f"{news}:4", f"{news}:42"}


@pytest.fixture
def saved_here(monkeypatch):
    """The sources of the articles this process stores (the workers' saves are their own), in order."""
    saved = []
    save_article = store.save_article

    def saving_here(conn, article, incidents, **options):
        saved.append(article.source)
        return save_article(conn, article, incidents, **options)

    monkeypatch.setattr(store, "save_article", saving_here)
    return saved


def test_two_workers_write_postgresql_directly_what_one_process_stores(
    news, extractor, postgres_url, one_process_postgres, byte_ranges, saved_here
):
    assert run(news, postgres_url, extractor, workers=2) == one_process_postgres
    stored_again_here(saved_here, news)


def test_dask_workers_write_postgresql_directly_what_one_process_stores_and_again_without_duplicates(
    news, extractor, postgres_url, one_process_postgres, cluster, byte_ranges, saved_here
):
    assert run(news, postgres_url, extractor, dask=cluster.scheduler_address) == one_process_postgres
    stored_again_here(saved_here, news)
    report, seen, again = run(news, postgres_url, extractor, dask=cluster.scheduler_address)
    assert (report, seen) == one_process_postgres[:2]
    assert (again["articles"], again["incidents"]) == (
        one_process_postgres[2]["articles"],
        one_process_postgres[2]["incidents"],
    )
    assert {name: len(rows) for name, rows in again.items()} == {
        name: len(rows) for name, rows in one_process_postgres[2].items()
    }


@pytest.fixture(scope="module")
def one_process_out(news, tmp_path_factory):
    """The command line's --out and summary for one process."""
    from extract.__main__ import main

    out = tmp_path_factory.mktemp("out") / "incidents.jsonl"
    assert main(["ingest", str(news), "--db", str(out.with_suffix(".db")), "--out", str(out), "--no-progress"]) == 1
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", ["workers", "dask-sqlite", "dask-postgresql"])
def test_command_line_out_lines_and_order_equal_one_process(
    news, tmp_path, one_process_out, cluster, byte_ranges, mode, request, capsys
):
    from extract.__main__ import main

    out = tmp_path / "incidents.jsonl"
    db = request.getfixturevalue("postgres_url") if mode == "dask-postgresql" else str(tmp_path / "incidents.db")
    fan = ["--workers", "2"] if mode == "workers" else ["--dask", cluster.scheduler_address]
    assert main(["ingest", str(news), "--db", db, "--out", str(out), "--no-progress", *fan]) == 1  # the bad line
    assert out.read_text(encoding="utf-8") == one_process_out
    assert f"{ARTICLES - 2} articles" in capsys.readouterr().err


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "nonsense"])  # port 1: nothing listens there
def test_a_dask_scheduler_that_cannot_be_reached_is_one_error_naming_it(news, tmp_path, address, capsys):
    import dask
    import distributed  # noqa: F401  (its config's defaults first: dask.config.set's end would drop those it added)

    from extract.__main__ import main

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code = main(["ingest", str(news), "--db", str(tmp_path / "incidents.db"), "--dask", address, "--no-progress"])
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {address}: cannot reach the Dask scheduler (")
    assert code != 0
