"""Ingest commits articles in batches (pipeline.BATCH_ARTICLES), on real SQLite files and the test PostgreSQL server:
an article the store refuses is left out alone with one error naming it, a failing database is reported once and
loses nothing committed, a re-run duplicates nothing, and the batch size never changes what is stored."""

import concurrent.futures
import json
import sqlite3
import time

import pytest
from postgres_server import BACKENDS

from extract import pipeline, store
from extract.articles import read_articles
from extract.pipeline import ingest_paths
from extract.postgres import open_postgres, redacted
from extract.records import Article
from extract.text.screening import data_screen, may_name, stored_screens

STORIES = (  # (id, text): two outlets' copies of one stabbing, a robbery, council news, a shooting
    ("a", "A 19-year-old man was stabbed on Rye Lane in Peckham on Monday 4 March 2024, police said."),
    ("b", "A 19-year-old man was stabbed on Rye Lane in Peckham on Monday 4 March 2024, police said."),
    ("c", "A woman was robbed at knifepoint on Mare Street in Hackney on Tuesday 5 March 2024, officers said."),
    ("d", "The council approved a new library for Brixton on Wednesday."),
    ("e", "A man was shot on Coldharbour Lane in Brixton on Friday 8 March 2024, the Metropolitan Police said."),
)
REFUSED = "refused in a test"


def write_news(path, stories=STORIES, *, bad_line_after: str | None = None):
    lines = []
    for article_id, text in stories:
        lines.append(json.dumps({"id": article_id, "text": text, "published": "2024-03-09"}))
        if article_id == bad_line_after:
            lines.append("{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(params=BACKENDS)
def target(request, tmp_path):
    """Where to ingest on each backend: a SQLite file path, or the URL of a new database on the test server; and a
    maker of further targets on the same backend (for reference runs)."""
    if request.param == "sqlite":
        paths = iter(tmp_path / f"incidents{n}.db" for n in range(100))
        return request.param, lambda: next(paths)
    server = request.getfixturevalue("postgres_server")
    return request.param, server.new_database


def contents(db) -> dict:
    """Everything stored but ingest times and sources: articles, incidents, events with their reports, and on
    SQLite the rows of the search indexes (one per incident and article, none left behind)."""
    conn = store.connect(db)
    try:
        found = {
            "articles": conn.execute("SELECT article_id, n_incidents, reason FROM articles ORDER BY 1").fetchall(),
            "incidents": [row[:2] + row[5:] for row in store.iter_incident_rows(conn)],
            "events": sorted(store.iter_event_rows(conn), key=str),
            "reports": sorted(store.incident_event_ids(conn).items()),
            "keys": conn.execute("SELECT count(*) FROM event_keys").fetchone()[0],
        }
        if isinstance(conn, sqlite3.Connection):
            found["search rows"] = [
                conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("incident_text", "article_text")
            ]
        return found
    finally:
        conn.close()


def refuse(db, table: str, *article_ids: str) -> None:
    """Make the database refuse, with REFUSED, any row of `table` for `article_ids` (as a bug or a constraint would)."""
    ids = ", ".join(f"'{a}'" for a in article_ids)
    conn = store.connect(db)
    try:
        if isinstance(conn, sqlite3.Connection):
            conn.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table} WHEN new.article_id IN ({ids}) "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
            )
            conn.commit()
        else:
            conn.execute(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.article_id IN ({ids}) THEN RAISE EXCEPTION '{REFUSED}'; END IF; RETURN NEW; END $$"
            )
            conn.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION refuse()")
    finally:
        conn.close()


def ingest(news, db, extractor, *, batch: int | None = None, monkeypatch=None):
    """Ingest `news` into `db`; returns the report and the article ids on_article saw, in order."""
    if batch is not None:
        monkeypatch.setattr(pipeline, "BATCH_ARTICLES", batch)
    seen = []
    report = ingest_paths([news], db_path=db, extractor=extractor, on_article=lambda a, _: seen.append(a.article_id))
    return report, seen


@pytest.mark.parametrize(
    "table, refused, message",
    [
        ("articles", "a", "{news}:1: cannot store the article ({refused})"),
        ("incidents", "b", "{news}:2: cannot store the article ({refused})"),
        ("incidents", "c", "{news}:3: cannot store the article ({refused})"),
        ("incident_events", "e", "{news}:5: cannot store the events ({refused})"),
    ],
)
def test_an_article_the_store_refuses_is_left_out_alone(
    target, tmp_path, small_extractor, monkeypatch, table, refused, message
):
    _, new_db = target
    others = [s for s in STORIES if s[0] != refused]
    reference = new_db()
    ingest(write_news(tmp_path / "others.jsonl", others), reference, small_extractor)
    db = new_db()
    store.connect(db).close()
    refuse(db, table, refused)
    news = write_news(tmp_path / "news.jsonl")
    report, seen = ingest(news, db, small_extractor, batch=4, monkeypatch=monkeypatch)  # first batch: a to d
    assert (report.articles, report.errors, seen) == (
        4,
        [message.format(news=news, refused=REFUSED)],
        [a for a, _ in others],
    )
    assert contents(db) == contents(reference)


def test_each_article_is_stored_at_most_twice_however_many_are_refused(target, tmp_path, small_extractor, monkeypatch):
    _, new_db = target
    others = [s for s in STORIES if s[0] not in {"b", "d"}]
    reference = new_db()
    ingest(write_news(tmp_path / "others.jsonl", others), reference, small_extractor)
    db = new_db()
    store.connect(db).close()
    refuse(db, "articles", "b", "d")
    saves = []
    save_article = store.save_article

    def counted(conn, article, *args, **kwargs):
        saves.append(article.article_id)
        return save_article(conn, article, *args, **kwargs)

    monkeypatch.setattr(store, "save_article", counted)
    news = write_news(tmp_path / "news.jsonl")
    report, seen = ingest(news, db, small_extractor, batch=5, monkeypatch=monkeypatch)
    assert (report.articles, len(report.errors), seen) == (3, 2, [a for a, _ in others])
    assert max(saves.count(a) for a, _ in STORIES) == 2  # rolled back once with the batch, then committed
    assert contents(db) == contents(reference)


def test_messages_keep_the_input_order_within_a_batch(tmp_path, small_extractor, monkeypatch):
    db = tmp_path / "incidents.db"
    store.connect(db).close()
    refuse(db, "incidents", "c")
    news = write_news(tmp_path / "news.jsonl", bad_line_after="a")
    read_errors = []
    list(read_articles([news], errors=read_errors))
    report, _ = ingest(news, db, small_extractor, batch=200, monkeypatch=monkeypatch)
    assert report.errors == [str(read_errors[0]), f"{news}:4: cannot store the article ({REFUSED})"]
    assert read_errors[0].args[0].startswith(f"{news}:2: ")


MAX_PAGES_MORE = 40  # pages a SQLite file may grow by in the test: the short articles fit, the ballast not
BALLAST_BYTES = 1 << 20


def break_database(db, how: str, monkeypatch) -> None:
    """Make the database fail when article "d0" is stored: SQLite's file may grow by only MAX_PAGES_MORE pages, and
    storing "d0" also writes BALLAST_BYTES ("full"); PostgreSQL reports its disk full ("full", the connection stays
    usable) or ends the connection ("killed")."""
    action = {
        "full": "RAISE EXCEPTION 'no space left on device' USING ERRCODE = 'disk_full'",
        "killed": "PERFORM pg_terminate_backend(pg_backend_pid())",
    }[how]
    conn = store.connect(db)
    if isinstance(conn, sqlite3.Connection):
        conn.execute("CREATE TABLE ballast (data BLOB)")
        conn.execute(
            "CREATE TRIGGER fail BEFORE INSERT ON articles WHEN new.article_id = 'd0' "
            f"BEGIN INSERT INTO ballast VALUES (zeroblob({BALLAST_BYTES})); END"
        )
        conn.commit()
        connect = store.connect

        def limited(path):
            conn = connect(path)
            conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0] + MAX_PAGES_MORE}")
            return conn

        monkeypatch.setattr(store, "connect", limited)
    else:
        conn.execute(
            "CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.article_id = 'd0' THEN {action}; END IF; RETURN NEW; END $$"
        )
        conn.execute("CREATE TRIGGER fail BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION fail()")
    conn.close()


def mend_database(db) -> None:
    conn = store.connect(db)
    conn.execute("DROP TRIGGER fail" + ("" if isinstance(conn, sqlite3.Connection) else " ON articles"))
    if isinstance(conn, sqlite3.Connection):
        conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "backend, how, stop",
    [
        # "d0" fails in the second batch, [c0, d0]: c0 is stored again alone, and kept
        ("sqlite", "full", 4),
        ("postgresql", "full", 4),
        # the connection is gone: nothing of the second batch can be kept
        ("postgresql", "killed", 3),
    ],
)
def test_a_failing_database_is_reported_once_and_loses_nothing_committed(
    request, tmp_path, small_extractor, monkeypatch, backend, how, stop
):
    def new_db():
        return tmp_path / f"{len(list(tmp_path.iterdir()))}.db" if backend == "sqlite" else server.new_database()

    server = request.getfixturevalue("postgres_server") if backend == "postgresql" else None
    stories = [(f"{a}{n}", t) for n in range(3) for a, t in STORIES]
    news = write_news(tmp_path / "news.jsonl", stories)
    reference = new_db()
    ingest(news, reference, small_extractor)
    db = new_db()
    store.connect(db).close()
    break_database(db, how, monkeypatch)
    report, seen = ingest(news, db, small_extractor, batch=2, monkeypatch=monkeypatch)
    monkeypatch.undo()
    committed = [a for a, _ in stories[: stop - 1]]
    (error,) = report.errors
    assert error.startswith(f"{redacted(str(db))}: database error: ")
    assert error.endswith(f"; the batch stopped at {news}:{stop}")
    # Everything before it is committed, and seen by on_article; nothing after it.
    assert (report.articles, seen, [a for a, *_ in contents(db)["articles"]]) == (
        len(committed),
        committed,
        sorted(committed),
    )
    mend_database(db)
    again, _ = ingest(news, db, small_extractor)
    assert (again.articles, again.errors, contents(db)) == (len(stories), [], contents(reference))


@pytest.mark.parametrize("batch", [1, 2, 3, 200])
def test_batch_size_changes_nothing_stored_and_a_rerun_duplicates_nothing(
    target, tmp_path, small_extractor, monkeypatch, batch
):
    _, new_db = target
    stories = [*STORIES, *((f"{a}2", t) for a, t in STORIES), ("a", "Police said a man was stabbed in Brixton.")]
    news = write_news(tmp_path / "news.jsonl", stories)
    reference, db = new_db(), new_db()
    one = ingest_paths([news], db_path=reference, extractor=small_extractor)
    report, seen = ingest(news, db, small_extractor, batch=batch, monkeypatch=monkeypatch)
    assert (report, seen) == (one, [a for a, _ in stories])
    assert report.warnings == [
        f"{news}:11: article id 'a' was also read from {news}:1 in this run; this one replaces it"
    ]
    first = contents(db)
    ingest(news, db, small_extractor, batch=batch, monkeypatch=monkeypatch)
    assert contents(db) == first == contents(reference)


def test_on_article_sees_only_committed_articles(tmp_path, small_extractor, monkeypatch):
    db = tmp_path / "incidents.db"
    news = write_news(tmp_path / "news.jsonl")
    monkeypatch.setattr(pipeline, "BATCH_ARTICLES", 2)
    committed = []

    def look(article, _):
        reader = sqlite3.connect(db)  # another connection: it sees committed rows only (WAL)
        committed.append(reader.execute("SELECT count(*) FROM articles").fetchone()[0])
        reader.close()

    ingest_paths([news], db_path=db, extractor=small_extractor, on_article=look)
    assert committed == [2, 2, 4, 4, 5]


@pytest.mark.parametrize(
    "size, seconds, expected",
    [
        (2, 60.0, [2, 2, 1]),
        (5, 60.0, [5]),
        (200, 60.0, [5]),
        (200, 0.0, [1, 1, 1, 1, 1]),  # every article past BATCH_SECONDS: a slow stream commits each
    ],
)
def test_batches_end_at_their_size_or_time(monkeypatch, size, seconds, expected):
    monkeypatch.setattr(pipeline, "BATCH_ARTICLES", size)
    monkeypatch.setattr(pipeline, "BATCH_SECONDS", seconds)
    assert [len(b) for b in pipeline._batches(iter("abcde"), [])] == expected


def test_an_ingest_stores_each_incident_with_its_name_screen_screened_ahead(
    target, tmp_path, small_extractor, monkeypatch
):
    """Each batch screens its articles' texts before storing them (store.screen_ahead): no row is screened again at
    the batch's end (an update of each row), and each holds the screen of its texts."""
    _, new_db = target
    db = new_db()
    named = [*STORIES, ("f", "Tom Hart, 34, was stabbed on Rye Lane in Peckham on Monday 4 March 2024, police said.")]
    screened_again = []
    monkeypatch.setattr(store, "_screen", lambda conn, article_ids: screened_again.extend(article_ids))
    ingest_paths([write_news(tmp_path / "news.jsonl", named)], db_path=db, extractor=small_extractor)
    conn = store.connect(db)
    rows = conn.execute(
        "SELECT i.incident_id, a.headline, i.evidence, i.name_screen FROM incidents i JOIN articles a "
        "USING (article_id) ORDER BY i.incident_id"
    ).fetchall()
    conn.close()
    vocabulary, key = data_screen()
    found = may_name([[r[1] for r in rows], [r[2] for r in rows]], vocabulary)
    assert screened_again == []
    assert [r[3] for r in rows] == stored_screens(found, key).tolist()
    assert found.any() and not found.all()


def test_a_workers_article_stored_over_by_another_ingest_is_stored_again_before_its_events(
    target, tmp_path, small_extractor
):
    """A worker stores its articles outside the matcher's lock: another ingest may store another reading of the id
    before this one matches its events. The batch stores the worker's reading again, so that the events fit it."""
    from extract import events
    from extract.parallel import Extracted, extract_article

    _, new_target = target
    db = new_target()
    reader = events.load_report_reader(matcher=small_extractor.matcher)
    mine = Article("one", "A man was stabbed on Rye Lane in Peckham on Monday night.", published="2024-03-09")
    other = Article("one", "A woman was robbed on Mare Street in Hackney on Friday.", published="2024-03-09")
    worker = extract_article(mine, extractor=small_extractor, reader=reader)
    conn = store.connect(db)
    try:
        with store.write_batch(conn, matching=False):  # the worker's store...
            store.save_article(conn, mine, worker.incidents)
        with store.write_batch(conn, matching=False):  # ...then another ingest's worker's, of the same id
            store.save_article(conn, other, extract_article(other, extractor=small_extractor, reader=reader).incidents)
        kept, failed = pipeline._store_batch(
            conn, [(0, Extracted(mine, worker.incidents, worker.reports, stored=True))], reader, stored={}, errors=[]
        )
        assert (len(kept), failed) == (1, False)
        incidents = {row[0]: row for row in store.iter_incident_rows(conn)}
        assert {i.incident_id for i in worker.incidents} == set(incidents)
        assert [r[store.INCIDENT_COLUMNS.index("evidence")] for r in incidents.values()] == [
            i.evidence for i in worker.incidents
        ]
        assert set(store.incident_event_ids(conn)) == set(incidents)  # every incident in an event, and no other
    finally:
        conn.close()


def test_an_ingest_screens_again_the_rows_another_releases_name_lists_screened(target, tmp_path, small_extractor):
    _, new_target = target
    db = new_target()
    ingest_paths([write_news(tmp_path / "news.jsonl")], db_path=db, extractor=small_extractor)
    conn = store.connect(db)
    screens = "SELECT incident_id, name_screen FROM incidents ORDER BY incident_id"
    current = conn.execute(screens).fetchall()
    with conn:
        conn.execute("UPDATE incidents SET name_screen = name_screen + 2")  # the key of other word lists
    conn.close()
    ingest_paths([write_news(tmp_path / "none.jsonl", stories=())], db_path=db, extractor=small_extractor)
    conn = store.connect(db)
    assert conn.execute(screens).fetchall() == current
    conn.close()


@pytest.mark.parametrize(
    "first, again, held, then",
    [
        # the batch stores c again: it holds c's row, waiting to delete c's incidents
        ("c", True, "incidents WHERE article_id = 'c'", "articles WHERE article_id = 'c'"),
        # b (a's copy) joins a's event: the batch holds the event's row, and at its end sets the roles of its reports
        (
            "a",
            False,
            "incidents WHERE article_id = 'a'",
            "events WHERE event_id IN (SELECT event_id FROM incident_events WHERE article_id = 'a')",
        ),
    ],
)
def test_a_batch_deadlocked_by_another_writer_is_stored_again_whole(
    postgres_server, tmp_path, small_extractor, first, again, held, then
):
    # Another writer (a Dask worker re-saving an article) holds rows the batch asks for, and then asks for one the
    # batch holds: PostgreSQL ends the batch's transaction, the first to wait, and the batch runs again whole.
    before = write_news(tmp_path / "first.jsonl", [s for s in STORIES if s[0] == first])
    stories = [s for s in STORIES if again or s[0] != first]
    news = write_news(tmp_path / "news.jsonl", stories)
    reference, db = postgres_server.new_database(), postgres_server.new_database()
    for target in (reference, db):
        ingest_paths([before], db_path=target, extractor=small_extractor)
    ingest(news, reference, small_extractor)
    other = open_postgres(db)
    other.__enter__()
    other.execute(f"SELECT 1 FROM {held} FOR UPDATE").fetchall()
    stored = concurrent.futures.ThreadPoolExecutor(1).submit(ingest, news, db, small_extractor)
    deadline = time.monotonic() + 30
    while not other_waits(other) and time.monotonic() < deadline:
        time.sleep(0.05)
    waited = other_waits(other)  # else no deadlock follows, and the test would show nothing
    other.execute(f"SELECT 1 FROM {then} FOR UPDATE").fetchall()  # the deadlock, then ends
    other.__exit__(None, None, None)
    other.close()
    report, seen = stored.result(timeout=60)
    assert waited
    assert (report.articles, report.errors, seen) == (len(stories), [], [a for a, _ in stories])
    assert contents(db) == contents(reference)


def other_waits(conn) -> bool:
    """Whether another backend waits for a lock (the batch, for the rows `conn` holds)."""
    return conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0] > 0
