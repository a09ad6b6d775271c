"""Parallel ingest (--workers) and Dask ingest (--dask) store exactly what one process stores: the same rows, events,
--out order and report, also when a Dask worker is killed mid-way and when the run is repeated."""

import json
import os
import signal
import sqlite3

import pytest

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
ARTICLES = 70  # enough for several chunks per worker, so that results come back out of order


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
    """Every row of the extracted and matched tables, without the columns that hold when a row was written."""
    conn = sqlite3.connect(db)
    try:
        found = {}
        for table in ("articles", "incidents", "events", "incident_events", "event_keys"):
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})") if not row[1].endswith("_at")]
            found[table] = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1, 2").fetchall()
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


def test_two_workers_store_what_one_process_stores(news, extractor, tmp_path, one_process):
    assert run(news, tmp_path / "incidents.db", extractor, workers=2) == one_process


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def test_dask_cluster_stores_what_one_process_stores_and_again_without_duplicates(
    news, extractor, tmp_path, one_process, cluster
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


def test_dask_worker_killed_mid_way_is_retried_elsewhere(news, extractor, tmp_path, one_process, cluster):
    from distributed import Client

    with Client(cluster.scheduler_address) as client:
        client.wait_for_workers(2)
        victim = sorted(client.run(os.getpid).values())[0]
    killed = []

    def kill_once(article, incidents):
        if not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(article.article_id)

    report = ingest_paths(
        [news],
        db_path=tmp_path / "incidents.db",
        extractor=extractor,
        dask=cluster.scheduler_address,
        on_article=kill_once,
        progress=False,
    )
    assert killed and (report.articles, report.incidents) == (one_process[0].articles, one_process[0].incidents)
    assert tables(tmp_path / "incidents.db") == one_process[2]
