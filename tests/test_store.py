"""The SQLite store on real database files in tmp_path."""

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import json
import sqlite3
import time
from pathlib import Path

import pytest
from postgres_server import BACKENDS, new_store

from extract import store
from extract.postgres import numbered_placeholders, open_postgres
from extract.records import Article, ExtractError, Incident, Place
from extract.text.screening import load_name_vocabulary, may_name, screen_key

PECKHAM = Place("Rye Lane", 51.4695, -0.0691, "street", "street", "Southwark", "E09000028", "ppd", 2)
ARTICLE = Article(
    "a1",
    "A man was stabbed on Rye Lane on Monday.",
    headline="Stabbing in Peckham",
    url="https://news.example/a1",
    published="2024-03-06",
    source="news.jsonl:1",
)


def article(article_id: str, **fields) -> Article:
    return Article(article_id, f"Text of {article_id}.", source=f"{article_id}.txt", **fields)


def incident(incident_id: str, article_id: str = "a1", **fields) -> Incident:
    values = dict(
        type="stabbing",
        category="violence and sexual offences",
        location_text="Rye Lane",
        place=PECKHAM,
        date="2024-03-04",
        fatal=False,
        weapon="knife",
    )
    values.update(fields)
    return Incident(incident_id, article_id, **values)


def stored(conn) -> dict:
    """The whole content of the database: articles (without the ingest time) and incident ids by article."""
    articles = conn.execute(
        "SELECT article_id, headline, url, published, source, n_incidents FROM articles ORDER BY article_id"
    ).fetchall()
    incidents = conn.execute("SELECT article_id, incident_id FROM incidents ORDER BY article_id, incident_id")
    return {"articles": articles, "incidents": incidents.fetchall()}


@pytest.fixture(params=BACKENDS)
def conn(request, tmp_path):
    """An empty store on each backend: a SQLite file, and a new PostgreSQL database on the test server."""
    connection = store.connect(new_store(request, tmp_path))
    yield connection
    connection.close()


def backend(conn) -> str:
    return "sqlite" if isinstance(conn, sqlite3.Connection) else "postgresql"


def test_connect_turns_on_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "new" / "folder" / "incidents.db"
    store.connect(path).close()
    other = sqlite3.connect(path)  # WAL is a property of the file, seen by any later connection
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    other.close()
    conn = store.connect(path)
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    conn.close()


def test_reader_sees_the_last_commit_while_a_write_is_open(tmp_path):
    path = tmp_path / "incidents.db"
    writer = store.connect(path)
    store.save_article(writer, article("a1"), [incident("i1")])
    writer.execute("DELETE FROM incidents")  # opens a write transaction that is not committed
    reader = store.connect_readonly(path)
    assert store.count_incidents(reader) == 1
    writer.rollback()
    reader.close()
    writer.close()


@pytest.mark.parametrize(
    "saves, expected",
    [
        ([], {"articles": [], "incidents": []}),
        (
            [("a1", ["i1", "i2"])],
            {"articles": [("a1", None, None, None, "a1.txt", 2)], "incidents": [("a1", "i1"), ("a1", "i2")]},
        ),
        (
            [("a1", ["i1", "i2"]), ("a1", ["i1", "i2"])],
            {"articles": [("a1", None, None, None, "a1.txt", 2)], "incidents": [("a1", "i1"), ("a1", "i2")]},
        ),
        (
            [("a1", ["i1", "i2"]), ("a1", ["i3"])],
            {"articles": [("a1", None, None, None, "a1.txt", 1)], "incidents": [("a1", "i3")]},
        ),
        ([("a1", ["i1"]), ("a1", [])], {"articles": [("a1", None, None, None, "a1.txt", 0)], "incidents": []}),
        (
            [("a1", ["i1"]), ("a2", ["i2"]), ("a1", ["i3"])],
            {
                "articles": [("a1", None, None, None, "a1.txt", 1), ("a2", None, None, None, "a2.txt", 1)],
                "incidents": [("a1", "i3"), ("a2", "i2")],
            },
        ),
    ],
)
def test_save_article_replaces_the_article(conn, saves, expected):
    counts = [store.save_article(conn, article(a), [incident(i, a) for i in ids]) for a, ids in saves]
    assert counts == [len(ids) for _, ids in saves]
    assert stored(conn) == expected


def test_an_article_deadlocked_by_another_writer_is_stored_again(postgres_server):
    # The other writer holds the article's incidents and then asks for its row, which the save holds while it waits
    # for the incidents: PostgreSQL ends the save's transaction, the first to wait, and the save runs again.
    url = postgres_server.new_database("deadlocked")
    conn = store.connect(url)
    store.save_article(conn, article("a1"), [incident("i1", "a1")])
    other = open_postgres(url)
    other.__enter__()
    other.execute("SELECT 1 FROM incidents WHERE article_id = 'a1' FOR UPDATE").fetchall()
    saved = concurrent.futures.ThreadPoolExecutor(1).submit(store.save_article, conn, article("a1"), [incident("i2")])
    time.sleep(0.3)  # the save holds the article's row and waits for its incidents
    other.execute("SELECT 1 FROM articles WHERE article_id = 'a1' FOR UPDATE").fetchall()  # the deadlock, then ends
    other.__exit__(None, None, None)
    assert saved.result(timeout=30) == 1
    assert stored(conn)["incidents"] == [("a1", "i2")]
    conn.close()
    other.close()


def test_save_article_keeps_article_fields(conn):
    store.save_article(conn, ARTICLE, [])
    assert stored(conn)["articles"] == [
        ("a1", "Stabbing in Peckham", "https://news.example/a1", "2024-03-06", "news.jsonl:1", 0)
    ]


@pytest.mark.parametrize(
    "bad, messages",
    [
        (
            incident("i9", type=None),
            {
                "sqlite": "NOT NULL constraint failed: incidents.type",
                "postgresql": 'null value in column "type" of relation "incidents" violates not-null constraint',
            },
        ),
        (
            incident("i9", category=None),
            {
                "sqlite": "NOT NULL constraint failed: incidents.category",
                "postgresql": 'null value in column "category" of relation "incidents" violates not-null constraint',
            },
        ),
        (
            incident("i9", article_id="never-saved"),
            {
                "sqlite": "FOREIGN KEY constraint failed",
                "postgresql": 'insert or update on table "incidents" violates foreign key constraint '
                '"incidents_article_id_fkey"',
            },
        ),
    ],
)
def test_save_article_fail_leaves_the_previous_state(conn, bad, messages):
    message = messages[backend(conn)]
    store.save_article(conn, article("a1"), [incident("i1"), incident("i2")])
    store.save_article(conn, article("a2"), [incident("i3", "a2")])
    before = stored(conn)
    with pytest.raises(ExtractError) as e:
        store.save_article(conn, article("a1", headline="changed"), [incident("i4"), bad])
    assert str(e.value) == f"{article('a1').source}: cannot store the article ({message})"
    assert stored(conn) == before
    assert store.save_article(conn, article("a1"), [incident("i5")]) == 1  # the connection is still usable


def test_iter_incident_rows_in_column_order(conn):
    store.save_article(
        conn,
        ARTICLE,
        [
            incident(
                "i1",
                date_basis="relative",
                victim_ages=(19, 20),
                arrests=2,
                evidence="A man was stabbed on Rye Lane on Monday.",
                evidence_start=0,
                type_span=(10, 17),
                place_span=(21, 29),
            ),
        ],
    )
    rows = list(store.iter_incident_rows(conn))
    assert rows == [
        (
            "i1",
            "a1",
            "Stabbing in Peckham",
            "https://news.example/a1",
            "2024-03-06",
            "stabbing",
            "violence and sexual offences",
            "Rye Lane",
            "Rye Lane",
            "street",
            51.4695,
            -0.0691,
            "street",
            "Southwark",
            "E09000028",
            "ppd",
            2,
            "2024-03-04",
            "relative",
            0,
            "knife",
            "[19, 20]",
            2,
            "A man was stabbed on Rye Lane on Monday.",
            0,
            10,
            17,
            21,
            29,
        )
    ]
    assert len(store.INCIDENT_COLUMNS) == len(rows[0])


def test_iter_incident_rows_without_place_or_spans(conn):
    store.save_article(
        conn, article("a1"), [incident("i1", place=None, location_text=None, date=None, fatal=None, weapon=None)]
    )
    row = dict(zip(store.INCIDENT_COLUMNS, next(store.iter_incident_rows(conn))))
    assert row == {
        "incident_id": "i1",
        "article_id": "a1",
        "headline": None,
        "url": None,
        "published": None,
        "type": "stabbing",
        "category": "violence and sexual offences",
        "location_text": None,
        "place_name": None,
        "place_kind": None,
        "lat": None,
        "lon": None,
        "precision": None,
        "borough": None,
        "borough_code": None,
        "geocode_source": None,
        "candidates": None,
        "date": None,
        "date_basis": "none",
        "fatal": None,
        "weapon": None,
        "victim_ages": "[]",
        "arrests": None,
        "evidence": "",
        "evidence_start": 0,
        "type_start": None,
        "type_end": None,
        "place_start": None,
        "place_end": None,
    }
    assert json.loads(row["victim_ages"]) == []


def test_iter_incident_rows_newest_date_first_unknown_last(conn):
    store.save_article(
        conn,
        article("a1"),
        [
            incident("i1", date="2024-01-02"),
            incident("i2", date=None),
            incident("i3", date="2024-03-01"),
            incident("i4", date="2024-01-02"),
        ],
    )
    assert [(r[0], r[17]) for r in store.iter_incident_rows(conn)] == [
        ("i3", "2024-03-01"),
        ("i1", "2024-01-02"),
        ("i4", "2024-01-02"),
        ("i2", None),
    ]


def test_count_incidents(conn):
    store.save_article(conn, article("a1"), [incident("i1"), incident("i2")])
    store.save_article(conn, article("a2"), [incident("i3", "a2")])
    assert store.count_incidents(conn) == 3


def test_connect_readonly_cannot_write(tmp_path):
    path = tmp_path / "incidents.db"
    store.connect(path).close()
    reader = store.connect_readonly(path)
    with pytest.raises(sqlite3.OperationalError) as e:
        reader.execute("DELETE FROM incidents")
    reader.close()
    assert str(e.value) == "attempt to write a readonly database"


def test_connect_readonly_fail_when_missing(tmp_path):
    with pytest.raises(sqlite3.OperationalError) as e:
        store.connect_readonly(tmp_path / "missing.db")
    assert str(e.value) == "unable to open database file"


FIXTURES = Path(__file__).parent / "fixtures"
LATEST = store.SCHEMA_VERSION


def schema(conn) -> list[tuple]:
    return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()


def user_version(path) -> int:
    conn = sqlite3.connect(path)
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    conn.close()
    return version


def test_migrations_are_numbered_one_by_one():
    assert [m.version for m in store.MIGRATIONS] == list(range(1, len(store.MIGRATIONS) + 1))
    assert LATEST == store.MIGRATIONS[-1].version


def test_date_basis_of_incidents_stored_before_it(tmp_path):
    conn = sqlite3.connect(tmp_path / "incidents.db")
    store.migrate(conn, store.MIGRATIONS[:5])
    conn.executescript(
        """
        INSERT INTO articles VALUES ('a1', NULL, NULL, '2024-03-06', 'a1.txt', 2, '2024-03-07', NULL);
        INSERT INTO incidents (incident_id, article_id, type, category, date)
        VALUES ('dated', 'a1', 'stabbing', 'violence and sexual offences', '2024-03-04'),
               ('undated', 'a1', 'robbery', 'robbery', NULL);
        """
    )
    conn.close()
    readonly = store.connect_readonly(tmp_path / "incidents.db")  # not migrated: read as having no date bases
    rows = [dict(zip(store.INCIDENT_COLUMNS, r)) for r in store.iter_incident_rows(readonly)]
    readonly.close()
    assert [(r["incident_id"], r["date"], r["date_basis"]) for r in rows] == [
        ("dated", "2024-03-04", None),
        ("undated", None, None),
    ]
    upgraded = store.connect(tmp_path / "incidents.db")
    bases = upgraded.execute("SELECT incident_id, date_basis FROM incidents ORDER BY incident_id").fetchall()
    upgraded.close()
    assert bases == [("dated", None), ("undated", "none")]


def test_connect_gives_a_fresh_database_the_current_version(tmp_path):
    store.connect(tmp_path / "incidents.db").close()
    assert user_version(tmp_path / "incidents.db") == LATEST


def test_connect_upgrades_a_database_of_the_previous_release(tmp_path):
    old, fresh = tmp_path / "old.db", tmp_path / "fresh.db"
    conn = sqlite3.connect(old)
    conn.executescript((FIXTURES / "schema_v1.sql").read_text(encoding="utf-8"))
    conn.executescript(
        """
        INSERT INTO articles VALUES ('a1', 'Stabbing in Peckham', NULL, '2024-03-06', 'a1.txt', 1, '2024-03-07');
        INSERT INTO incidents (incident_id, article_id, type, category, place_name, lat, lon, date, fatal, victim_ages)
        VALUES ('i1', 'a1', 'stabbing', 'violence and sexual offences', 'Rye Lane', 51.4695, -0.0691, '2024-03-04',
                1, '[19]');
        """
    )
    conn.close()
    assert user_version(old) == 0

    upgraded = store.connect(old)
    rows = [dict(zip(store.INCIDENT_COLUMNS, r)) for r in store.iter_incident_rows(upgraded)]
    assert rows == [
        {
            "incident_id": "i1",
            "article_id": "a1",
            "headline": "Stabbing in Peckham",
            "url": None,
            "published": "2024-03-06",
            "type": "stabbing",
            "category": "violence and sexual offences",
            "location_text": None,
            "place_name": "Rye Lane",
            "place_kind": None,
            "lat": 51.4695,
            "lon": -0.0691,
            "precision": None,
            "borough": None,
            "borough_code": None,
            "geocode_source": None,
            "candidates": None,
            "date": "2024-03-04",
            "date_basis": None,  # stored before date bases: not known until ingested again
            "fatal": 1,
            "weapon": None,
            "victim_ages": "[19]",
            "arrests": None,
            "evidence": "",
            "evidence_start": 0,
            "type_start": None,
            "type_end": None,
            "place_start": None,
            "place_end": None,
        }
    ]
    assert store.save_article(upgraded, article("a2"), [incident("i2", "a2")]) == 1
    assert store.count_incidents(upgraded) == 2
    built = store.connect(fresh)
    assert schema(upgraded) == schema(built)
    upgraded.close()
    built.close()
    assert user_version(old) == LATEST


def test_connect_twice_changes_nothing(tmp_path):
    path = tmp_path / "incidents.db"
    conn = store.connect(path)
    store.save_article(conn, ARTICLE, [incident("i1")])
    before = (schema(conn), stored(conn), list(store.iter_incident_rows(conn)))
    conn.close()
    conn = store.connect(path)
    assert (schema(conn), stored(conn), list(store.iter_incident_rows(conn))) == before
    conn.close()
    assert user_version(path) == LATEST


def test_connect_fail_on_a_database_newer_than_the_code(tmp_path):
    path = tmp_path / "incidents.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(ExtractError) as e:
        store.connect(path)
    assert str(e.value) == f"{path}: schema version {LATEST + 1} is newer than this code's {LATEST}; update the code"
    assert user_version(path) == LATEST + 1


@pytest.mark.parametrize(
    "sql, expected",
    [
        pytest.param(
            "CREATE TABLE scratch (url TEXT PRIMARY KEY, note TEXT DEFAULT 'a;b');\nCREATE INDEX scratch_note ON scratch(note)",
            {"scratch": [], "incidents": [("a1", "i1")]},
            id="a semicolon in a string and no final semicolon",
        ),
        pytest.param(
            """
            CREATE TABLE articles_new AS SELECT * FROM articles;
            DROP TABLE articles;
            ALTER TABLE articles_new RENAME TO articles;
            CREATE UNIQUE INDEX articles_id ON articles(article_id);
            """,
            {"incidents": [("a1", "i1")]},
            id="a parent table rebuilt keeps the rows that reference it",
        ),
    ],
)
def test_migrate_appended(tmp_path, sql, expected):
    conn = store.connect(tmp_path / "incidents.db")
    store.save_article(conn, article("a1"), [incident("i1")])
    migrations = (*store.MIGRATIONS, store.Migration(LATEST + 1, "added by a test", sql))
    assert store.migrate(conn, migrations) == LATEST + 1
    assert store.migrate(conn, migrations) == LATEST + 1
    found = {"incidents": conn.execute("SELECT article_id, incident_id FROM incidents").fetchall()}
    if "scratch" in expected:
        found["scratch"] = conn.execute("SELECT * FROM scratch").fetchall()
    assert found == expected
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    conn.close()


@pytest.mark.parametrize(
    "sql, message",
    [
        ("CREATE TABLE scratch (url TEXT);\nINSERT INTO nowhere VALUES (1);", "no such table: nowhere"),
        ("CREATE TABLE scratch (url TEXT);\nDELETE FROM articles;", "foreign key check failed"),
        ("CREATE TABLE scratch (url TEXT", "incomplete input"),
    ],
)
def test_migrate_fail_leaves_the_previous_version(tmp_path, sql, message):
    conn = store.connect(tmp_path / "incidents.db")
    store.save_article(conn, article("a1"), [incident("i1")])
    before = (schema(conn), stored(conn))
    migrations = (*store.MIGRATIONS, store.Migration(LATEST + 1, "broken", sql))
    with pytest.raises(ExtractError) as e:
        store.migrate(conn, migrations)
    assert str(e.value) == f"schema migration {LATEST + 1} (broken) failed: {message}"
    assert (schema(conn), stored(conn)) == before
    assert conn.execute("PRAGMA user_version").fetchone() == (LATEST,)
    conn.close()


@pytest.mark.parametrize("make", [lambda: incident("i1"), lambda: incident("i2", place=None, fatal=None)])
def test_incident_row_is_what_the_store_returns(conn, make):
    row = store.incident_row(make())
    store.save_article(conn, article("a1"), [make()])
    assert tuple(row) == store.INCIDENT_COLUMNS
    assert dict(zip(store.INCIDENT_COLUMNS, next(store.iter_incident_rows(conn)))) == row


SEARCHED = (  # (article, its incidents' evidence): my own sentences, with the characters a search quotes
    (article("s1", headline="Man stabbed on RYE LANE"), ("A man, 19, was stabbed near the Café Rouge.",)),
    (article("s2", headline=None), ('Police said "50% of the shop" was damaged in the raid_2 on Mare Street.',)),
    (article("s3", headline="Robbery in Brixton"), ("Two phones were snatched.", "A second robbery: rye bread.")),
)


def searched(conn, query) -> list[str] | None:
    found = store.search_incidents(conn, query)
    return None if found is None else sorted(found)


def save_searched(conn) -> None:
    for stored_article, evidence in SEARCHED:
        incidents = [
            incident(f"{stored_article.article_id}:{n}", stored_article.article_id, evidence=text)
            for n, text in enumerate(evidence)
        ]
        store.save_article(conn, stored_article, incidents)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("rye lane", ["s1:0"]),  # the headline, in another case
        ("RYE", ["s1:0", "s3:1"]),  # the headline or the evidence
        ("stabbed near", ["s1:0"]),
        ("café rouge", ["s1:0"]),
        ("CAFÉ", ["s1:0"]),
        ('"50% of', ["s2:0"]),  # quotes and % are plain characters
        ("raid_2", ["s2:0"]),
        ("raid%2", []),
        ("robbery", ["s3:0", "s3:1"]),  # a headline is every incident's of its article
        ("stolen", []),
        ("ry", None),  # under three characters: the caller looks at every row
        ("", None),
    ],
)
def test_search_incidents_finds_any_substring_in_any_case(conn, query, expected):
    save_searched(conn)
    assert searched(conn, query) == expected


def test_search_index_follows_saves_replacements_and_takedowns(conn):
    save_searched(conn)
    store.save_article(
        conn, article("s1", headline="Knife attack"), [incident("s1:0", "s1", evidence="On Peckham Hill.")]
    )
    assert (searched(conn, "rye lane"), searched(conn, "knife attack"), searched(conn, "peckham hill")) == (
        [],
        ["s1:0"],
        ["s1:0"],
    )
    take = store.Correction("article", "s3", store.TAKEDOWN, json.dumps({"mode": "text"}), "editor", "2024-03-08")
    store.save_correction(conn, take, store.LogEntry("2024-03-08", "editor", "take_down_text", "s3"))
    assert (searched(conn, "robbery"), searched(conn, "phones")) == ([], [])
    delete = store.Correction("article", "s2", store.TAKEDOWN, json.dumps({"mode": "delete"}), "editor", "2024-03-09")
    store.save_correction(conn, delete, store.LogEntry("2024-03-09", "editor", "delete", "s2"))
    assert searched(conn, "mare street") == []
    store.save_article(conn, article("s2", headline="Raid on Mare Street"), [incident("s2:0", "s2")])
    assert searched(conn, "mare street") == []  # deleted stays deleted when the article comes again


def test_search_index_of_an_incident_replaced_in_place(tmp_path):
    conn = store.connect(tmp_path / "incidents.db")
    save_searched(conn)
    with conn:  # INSERT OR REPLACE fires no delete trigger: the insert trigger replaces the indexed row
        conn.execute(
            "INSERT OR REPLACE INTO incidents (incident_id, article_id, type, category, evidence) "
            "VALUES ('s1:0', 's1', 'robbery', 'robbery', 'A bag was taken.')"
        )
        conn.execute("DELETE FROM incidents WHERE incident_id = 's3:1'")
        conn.execute(
            "INSERT INTO incidents (incident_id, article_id, type, category, evidence) "
            "VALUES ('s3:9', 's3', 'robbery', 'robbery', 'A bike was taken.')"
        )
    assert (searched(conn, "was taken"), searched(conn, "stabbed near"), searched(conn, "rye bread")) == (
        ["s1:0", "s3:9"],
        [],
        [],
    )
    live = conn.execute("SELECT count(*) FROM incident_text JOIN incidents i ON i.rowid = incident_text.rowid")
    assert live.fetchone()[0] == store.count_incidents(conn)
    conn.close()


def database_at(path, version: int) -> sqlite3.Connection:
    """Return a plain connection to a new SQLite database at `path` with the schema migration `version` left."""
    conn = sqlite3.connect(path)
    conn.create_function("h3_cell", 2, store.h3_cell, deterministic=True)
    store.migrate(conn, store.MIGRATIONS[:version])
    return conn


def saved_by_an_older_release(conn, monkeypatch) -> None:
    """save_searched into a database of an older schema, as a release before the name screen (migration 12) and the
    events' roles (14) wrote."""
    with monkeypatch.context() as patched:
        patched.setattr(store, "_screen", lambda conn, article_ids: None)
        patched.setattr(store, "_set_event_roles", lambda conn, events, articles, removed: None)
        patched.setattr(
            store, "_INSERT_INCIDENT", store._insert("incidents", (*store._INCIDENT_TABLE_COLUMNS, "h3_r8"))
        )
        save_searched(conn)


def test_search_index_holds_the_incidents_stored_before_it(tmp_path, monkeypatch):
    path = tmp_path / "incidents.db"
    conn = database_at(path, 7)
    conn.execute("PRAGMA foreign_keys=ON")
    saved_by_an_older_release(conn, monkeypatch)
    conn.close()
    conn = store.connect(path)
    assert (searched(conn, "rye"), searched(conn, "snatched")) == (["s1:0", "s3:1"], ["s3:0"])
    conn.close()


def search_rows(conn) -> tuple[list, list]:
    """The rows of the two search indexes, each with its rowid, as (incidents', articles')."""
    return (
        conn.execute("SELECT rowid, evidence FROM incident_text ORDER BY rowid").fetchall(),
        conn.execute("SELECT rowid, headline FROM article_text ORDER BY rowid").fetchall(),
    )


def table_rows(conn) -> tuple[list, list]:
    """What the search indexes must hold: each incident's evidence and each article's headline, under its rowid."""
    return (
        conn.execute("SELECT rowid, evidence FROM incidents ORDER BY rowid").fetchall(),
        conn.execute("SELECT rowid, headline FROM articles ORDER BY rowid").fetchall(),
    )


def indexed(conn, *queries: str) -> tuple:
    """Whether the search indexes hold exactly the tables' texts (table_rows), then what each of `queries` finds."""
    return (search_rows(conn) == table_rows(conn), *(searched(conn, query) for query in queries))


def take_down(conn, article_id: str, mode: str) -> None:
    takedown = store.Correction("article", article_id, store.TAKEDOWN, json.dumps({"mode": mode}), "ed", "2024-03-08")
    store.save_correction(conn, takedown, store.LogEntry("2024-03-08", "ed", f"take_down_{mode}", article_id))


# Each batch's saves: (article id, headline, evidence of its incidents), or a takedown ("text"/"delete", article id).
BATCHES = [
    [("b1", "Robbery in Brixton", ["A phone was snatched."]), ("b2", None, [])],
    [("s1", "Knife attack on Rye Lane", ["On Peckham Hill.", "A second man was hurt."])],  # saved before the batch
    [("b3", "Fire in Deptford", ["A car was set alight."]), ("b3", "Arson in Deptford", ["A van burned."])],
    [("text", "s3"), ("s3", "Robbery again", ["Phones were taken."]), ("b4", "Raid in Hackney", ["Doors broken."])],
    [("delete", "s2"), ("s2", "Raid on Mare Street", ["Drugs seized."]), ("b1", "Robbery in Brixton", [])],
]


@pytest.mark.parametrize("batches", [BATCHES[:n] for n in range(1, len(BATCHES) + 1)])
def test_search_index_of_write_batches_holds_every_row_once(tmp_path, batches):
    """A write batch indexes its articles' rows at its end (migration 9): the indexes then hold what the insert
    triggers would have, and the triggers index any other write again."""
    conn = store.connect(tmp_path / "incidents.db")
    save_searched(conn)
    for batch in batches:
        with store.write_batch(conn):
            for article_id, *save in batch:
                if article_id in ("text", "delete"):
                    take_down(conn, save[0], article_id)
                    continue
                headline, evidence = save
                incidents = [incident(f"{article_id}:{n}", article_id, evidence=e) for n, e in enumerate(evidence)]
                store.save_article(conn, article(article_id, headline=headline), incidents)
    assert search_rows(conn) == table_rows(conn)
    conn.execute(
        "INSERT INTO incidents (incident_id, article_id, type, category, evidence) VALUES (?, ?, ?, ?, ?)",
        ("s1:9", "s1", "robbery", "robbery", "Taken outside the station."),
    )
    conn.commit()
    assert (search_rows(conn), conn.execute("SELECT count(*) FROM search_deferred").fetchone()) == (
        table_rows(conn),
        (0,),
    )
    assert searched(conn, "outside the station") == ["s1:9"]
    conn.close()


def test_search_index_of_a_batch_rolled_back(tmp_path):
    conn = store.connect(tmp_path / "incidents.db")
    save_searched(conn)
    with pytest.raises(ExtractError), store.write_batch(conn):
        store.save_article(conn, article("b1", headline="Robbery in Walthamstow"), [incident("b1:0", "b1")])
        with pytest.raises(ExtractError):
            store.save_article(conn, article("b2"), [incident("b2:0", "b2", type=None)])
    store.save_article(conn, article("b3", headline="Fire in Deptford"), [incident("b3:0", "b3")])
    assert indexed(conn, "walthamstow", "deptford") == (True, [], ["b3:0"])
    conn.close()


def test_search_index_of_a_database_from_before_batches_indexed_it(tmp_path, monkeypatch):
    path = tmp_path / "incidents.db"
    conn = database_at(path, 8)
    conn.execute("PRAGMA foreign_keys=ON")
    saved_by_an_older_release(conn, monkeypatch)
    conn.close()
    conn = store.connect(path)
    with store.write_batch(conn):
        store.save_article(conn, article("s1", headline="Knife attack"), [incident("s1:0", "s1", evidence="Hurt.")])
        store.save_article(conn, article("b1", headline="Robbery in Walthamstow"), [incident("b1:0", "b1")])
    assert indexed(conn, "rye lane", "walthamstow") == (True, [], ["b1:0"])
    conn.close()


@pytest.fixture(params=BACKENDS)
def store_before_the_screen(request, tmp_path, monkeypatch):
    """A store on each backend at migration 11, holding SEARCHED as a release before the name screen saved them."""
    where = new_store(request, tmp_path)
    if isinstance(where, Path):
        conn = database_at(where, 11)
    else:
        conn = open_postgres(where)
        store.migrate(conn, store.MIGRATIONS[:11])
    saved_by_an_older_release(conn, monkeypatch)  # each save commits on PostgreSQL
    if isinstance(conn, sqlite3.Connection):
        conn.commit()
    conn.close()
    return where


def test_map_rows_of_a_database_opened_read_only_before_the_screen_have_none(store_before_the_screen):
    """A dashboard's role may not migrate the database: its map rows have no screen (None), where the statement
    would fail."""
    reader = store.connect_readonly(store_before_the_screen)
    rows = [dict(zip((*store.MAP_COLUMNS, *store.MAP_EXTRAS), row)) for row in store.iter_map_rows(reader)]
    reader.close()
    assert sorted(r["incident_id"] for r in rows) == ["s1:0", "s2:0", "s3:0", "s3:1"]
    assert {r[store.SCREEN] for r in rows} == {None}


def test_postgresql_rows_are_numbered_from_migration_13(store_before_the_screen):
    """Opened read-only before migration 13, a PostgreSQL store's map rows have no numbers (None) and search_rowids
    cannot tell; migrated, each row has a number of its own, as SQLite's rowid, which search_rowids reads."""
    reader = store.connect_readonly(store_before_the_screen)
    postgresql = not isinstance(reader, sqlite3.Connection)
    rows = [dict(zip((*store.MAP_COLUMNS, *store.MAP_EXTRAS), row)) for row in store.iter_map_rows(reader)]
    assert ({(r["row"], r["article_row"]) for r in rows} == {(None, None)}) == postgresql
    assert (store.search_rowids(reader, "rye") is None) == postgresql
    reader.close()
    conn = store.connect(store_before_the_screen)
    rows = [dict(zip((*store.MAP_COLUMNS, *store.MAP_EXTRAS), row)) for row in store.iter_map_rows(conn)]
    assert sorted(r["row"] for r in rows) == sorted(rowid_of(conn, r["incident_id"]) for r in rows)
    assert len({r["row"] for r in rows}) == len(rows) == 4
    assert {r["article_row"] for r in rows} == {rowid_of(conn, a, "articles", "article_id") for a in ("s1", "s2", "s3")}
    statements = store.search_rowids(conn, "rye")
    assert statements is not None
    evidence, headlines = ([row[0] for row in conn.execute(sql, parameters)] for sql, parameters in statements)
    assert (evidence, headlines) == ([rowid_of(conn, "s3:1")], [rowid_of(conn, "s1", "articles", "article_id")])
    conn.close()


def test_search_incidents_of_a_database_opened_read_only_before_the_index(tmp_path):
    database_at(tmp_path / "incidents.db", 7).close()
    reader = store.connect_readonly(tmp_path / "incidents.db")
    assert store.search_incidents(reader, "rye lane") is None
    reader.close()


def version_of(url: str, version=store.data_version) -> int | None:
    reader = store.connect_readonly(url)
    try:
        return version(reader)
    finally:
        reader.close()


def version_after(url: str, before: int | None, *, seconds: float = 10.0, version=store.data_version) -> int | None:
    """The `version` (store.data_version or store.map_version) once the server has counted what was written: the
    first that differs from `before`, or when `before` is None the one that holds for a second."""
    deadline, last = time.monotonic() + seconds, version_of(url, version)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = version_of(url, version)
        if (before is not None and now != before) or (before is None and now == last):
            return now
        last = now
    return last


@pytest.mark.slow
def test_postgresql_data_version_moves_with_this_databases_writes_only(postgres_server):
    url, other = postgres_server.new_database(), postgres_server.new_database()
    store.connect(url).close()
    before = version_after(url, None)
    writer = store.connect(other)
    store.save_article(writer, ARTICLE, [incident("i1")])
    writer.close()
    postgres_server.sql("VACUUM ANALYZE", database=url.rsplit("/", 1)[1])
    postgres_server.sql("CHECKPOINT")
    assert version_after(url, None) == before
    writer = store.connect(url)
    store.save_article(writer, ARTICLE, [incident("i1")])
    writer.close()
    assert version_after(url, before) != before


TEXT_ARRAYS = [
    [],
    [""],
    ["", ""],
    ["dv001:0", "dv001:1"],
    ['say "no"', "back\\slash", 'both \\"', "\\", '"'],
    ["a,b", "{c}", "d e", " padded ", "NULL", "null"],
    ["Café", "€", "\U0001f600", "line\nbreak", "tab\there"],
]


@pytest.mark.parametrize("values", TEXT_ARRAYS)
def test_a_text_array_reaches_postgresql_as_its_values(postgres_server, values):
    conn = store.connect(postgres_server.new_database())
    try:
        found = conn.execute("SELECT ?::text[]", (store.text_array(values),)).fetchone()[0]
    finally:
        conn.close()
    assert found == values


HIDE = store.Correction("incident", "i1", "hidden", "true", "ed", "2024-03-08")
# Writes of the map's rows and writes of other tables: (what is written, whether (the map's version, the stored
# rows' version) move).
BOTH, MAP_ONLY, NEITHER = (True, True), (True, False), (False, False)
MAP_WRITES = [
    ("an article saved again", lambda c: store.save_article(c, ARTICLE, [incident("i1"), incident("i2")]), BOTH),
    ("an article with no incident", lambda c: store.save_article(c, article("a2"), []), BOTH),
    (
        "a correction",
        lambda c: store.save_correction(c, HIDE, store.LogEntry("2024-03-08", "ed", "hide", "i1")),
        MAP_ONLY,
    ),
    ("a takedown", lambda c: take_down(c, "a1", "text"), BOTH),
    (
        "an event change",
        lambda c: store.save_event_change(
            c, removed=[], added=[filed("i1", "a1", "e1", (1,))], placed=[], events=[event("e1", 1)], dropped=[]
        ),
        BOTH,
    ),
    (
        "a reader's problem report",
        lambda c: store.save_problem_report(c, store.ProblemReport("i1", "wrong_place", "", "2024-03-08")),
        NEITHER,
    ),
    (
        "a feed polled",
        lambda c: store.save_feed_state(c, store.FeedState("https://news.example/rss", "N", 304)),
        NEITHER,
    ),
    (
        "a watch round",
        lambda c: store.save_watch_round(c, store.WatchRound("2024-03-08", "2024-03-08", 1, 0, 0, 0, 0)),
        NEITHER,
    ),
    (
        "recorded crime imported",
        lambda c: store.replace_recorded_crime(c, "metropolitan", "2024-01", [("Hackney", "burglary", 3)], source="t"),
        NEITHER,
    ),
]


@pytest.mark.parametrize("write, moves", [(w, m) for _, w, m in MAP_WRITES], ids=[n for n, _, _ in MAP_WRITES])
def test_map_version_moves_with_the_maps_rows_only(tmp_path, write, moves):
    path = tmp_path / "incidents.db"
    conn = store.connect(path)
    store.save_article(conn, ARTICLE, [incident("i1")])
    reader = store.connect_readonly(path)
    before = store.map_version(reader), store.rows_version(reader)
    write(conn)
    assert (store.map_version(reader) != before[0], store.rows_version(reader) != before[1]) == moves
    conn.close()
    reader.close()


@pytest.mark.parametrize("version, known", [(9, (False, False)), (10, (True, False)), (11, (True, True))])
def test_map_and_rows_versions_of_a_database_opened_read_only_before_them(tmp_path, version, known):
    database_at(tmp_path / "incidents.db", version).close()
    reader = store.connect_readonly(tmp_path / "incidents.db")
    assert (store.map_version(reader) is not None, store.rows_version(reader) is not None) == known
    reader.close()


@pytest.mark.slow
def test_postgresql_map_version_moves_with_the_maps_rows_only(postgres_server):
    url = postgres_server.new_database()
    # Each writer disconnects: an idle backend's counts reach the server up to 10 s later, a closed one's at once.
    for writes in ([MAP_WRITES[0]], [w for w in MAP_WRITES if w[2] == NEITHER], [MAP_WRITES[0]]):
        before = version_after(url, None, version=store.map_version)
        conn = store.connect(url)
        for _, write, _ in writes:
            write(conn)
        conn.close()
        if writes[0][2] != NEITHER:
            assert version_after(url, before, version=store.map_version) != before
        else:
            assert version_after(url, None, version=store.map_version) == before
            assert data_version_moved(url)


def data_version_moved(url: str) -> bool:
    """Whether the server counted the other tables' writes (so that the test above tells something)."""
    reader = store.connect_readonly(url)
    try:
        rows = reader.execute(
            "SELECT sum(n_tup_ins + n_tup_upd) FROM pg_stat_user_tables WHERE relname = 'problem_reports'"
        ).fetchone()[0]
    finally:
        reader.close()
    return bool(rows)


# "robbery" is in s3's headline (its two incidents') and in s3:1's evidence: three texts match.
@pytest.mark.parametrize("limit, expected", [(None, ["s3:0", "s3:1"]), (3, ["s3:0", "s3:1"]), (2, None)])
def test_search_incidents_above_its_limit_leaves_the_scan_to_the_caller(conn, limit, expected):
    save_searched(conn)
    found = store.search_incidents(conn, "robbery", limit=limit)
    assert (None if found is None else sorted(found)) == expected


S1 = ("s1:0", "Man stabbed on RYE LANE", "A man, 19, was stabbed near the Café Rouge.")
S3 = (
    ("s3:0", "Robbery in Brixton", "Two phones were snatched."),
    ("s3:1", "Robbery in Brixton", "A second robbery: rye bread."),
)


def read_side(conn, statement) -> tuple[set[int | None], list[tuple], int]:
    """What one of search_selects' statements reads: the numbers found, the rows of incidents (without their `row`,
    checked here: SQLite's rowid of the incident, else None), and how many not."""
    rows = conn.execute(*statement).fetchall()
    assert [row[2] for row in rows if row[1] is not None] == [
        rowid_of(conn, row[1]) for row in rows if row[1] is not None
    ]
    incidents = sorted((row[1], *row[3:]) for row in rows if row[1] is not None)
    return {row[0] for row in rows}, incidents, len(rows) - len(incidents)


def rowid_of(conn, incident_id: str, table: str = "incidents", key: str = "incident_id") -> int:
    """The number of the incident's row (or of another `table`'s by its `key`): SQLite's rowid, PostgreSQL's
    row_id."""
    number = "rowid" if isinstance(conn, sqlite3.Connection) else "row_id"
    return conn.execute(f"SELECT {number} FROM {table} WHERE {key} = ?", (incident_id,)).fetchone()[0]


@pytest.mark.parametrize(
    "query, limit, by_evidence, by_headline",
    [
        ("rye", None, [S3[1]], [S1]),  # one statement a text: the evidence's, then the headline's
        ("ROBBERY", None, [S3[1]], list(S3)),  # an incident both texts hold is read by both
        ("ROBBERY", 3, [S3[1]], list(S3)),
        ("ROBBERY", 2, [S3[1]], list(S3)),  # each no more than the limit, but three together: search_incidents scans
        ("ROBBERY", 1, [S3[1]], 2),  # the headline finds more than the limit: it reads no text, only their number
        ("café rouge", None, [S1], []),
        (
            "50% of",
            None,
            [("s2:0", None, 'Police said "50% of the shop" was damaged in the raid_2 on Mare Street.')],
            [],
        ),
        ("stolen", 0, [], []),
    ],
)
def test_search_selects_read_the_texts_of_what_the_index_finds(conn, query, limit, by_evidence, by_headline):
    save_searched(conn)
    statements = store.search_selects(conn, query, columns=("headline", "evidence"), limit=limit)
    expected = [
        ({found}, [], 1) if isinstance(found, int) else ({len(found)}, found, 1) for found in (by_evidence, by_headline)
    ]
    assert [read_side(conn, statement) for statement in statements] == expected
    found = sum(n for numbers, _, _ in expected for n in numbers)
    ids = None if limit is not None and found > limit else {i for _, rows, _ in expected for i, *_ in rows}
    assert store.search_incidents(conn, query, limit=limit) == ids


@pytest.mark.parametrize(
    "query, by_evidence, by_headline",
    [
        ("rye", ["s3:1"], ["s1"]),  # in any case
        ('"50% of', ["s2:0"], []),  # quotes and % are plain characters
        ("robbery", ["s3:1"], ["s3"]),  # an article's rowid, not its incidents'
        ("stolen", [], []),
        ("CAF\u00c9 ROUGE", ["s1:0"], []),  # outside ASCII: SQLite's index folds it, PostgreSQL cannot tell
    ],
)
def test_search_rowids_read_the_rowids_the_index_finds(conn, query, by_evidence, by_headline):
    save_searched(conn)
    statements = store.search_rowids(conn, query)
    if backend(conn) == "postgresql" and not query.isascii():
        assert statements is None
        return
    assert statements is not None
    evidence, headlines = ([row[0] for row in conn.execute(sql, parameters)] for sql, parameters in statements)
    assert sorted(evidence) == sorted(rowid_of(conn, i) for i in by_evidence)
    assert sorted(headlines) == sorted(rowid_of(conn, a, "articles", "article_id") for a in by_headline)


def test_search_rowids_cannot_tell_under_a_trigram_nor_before_the_index(conn, tmp_path):
    assert store.search_rowids(conn, "ry") is None
    database_at(tmp_path / "before.db", 7).close()
    reader = store.connect_readonly(tmp_path / "before.db")
    assert store.search_rowids(reader, "rye lane") is None
    reader.close()


def test_search_selects_of_every_incident_or_of_none(conn):
    save_searched(conn)
    ((sql, parameters),) = store.search_selects(conn, None, columns=("url", "evidence_start"))
    assert sorted(conn.execute(sql, parameters).fetchall()) == [
        (None, i, rowid_of(conn, i), None, 0) for i in ("s1:0", "s2:0", "s3:0", "s3:1")
    ]
    assert store.search_selects(conn, "ry") is None  # under three characters: the caller reads every row
    with pytest.raises(ValueError) as e:
        store.search_selects(conn, "rye", columns=("headline", "type"))
    assert str(e.value) == "not texts of the map: ['type']"


def test_write_batch_commits_every_article_at_its_end(conn):
    with store.write_batch(conn):
        store.save_article(conn, article("a1"), [incident("i1")])
        store.save_article(conn, article("a2"), [incident("i2", "a2")])
        with store.matcher_lock(conn):  # the batch holds it already: it takes none
            store.save_article(conn, article("a1"), [incident("i3")])
    assert stored(conn) == {
        "articles": [("a1", None, None, None, "a1.txt", 1), ("a2", None, None, None, "a2.txt", 1)],
        "incidents": [("a1", "i3"), ("a2", "i2")],
    }


def test_write_batch_is_kept_whole_or_not_at_all(conn):
    """An article failing in a batch spoils it even when the caller goes on: its partial writes are never kept."""
    store.save_article(conn, article("a1"), [incident("i1")])
    before = stored(conn)
    with pytest.raises(ExtractError) as e, store.write_batch(conn):
        store.save_article(conn, article("a2"), [incident("i2", "a2")])
        with pytest.raises(ExtractError):
            store.save_article(conn, article("a1"), [incident("i4"), incident("i5", type=None)])
        store.save_article(conn, article("a3"), [incident("i6", "a3")])
    assert str(e.value) == "an article of the batch failed: the batch is rolled back, to be stored again without it"
    assert stored(conn) == before
    with store.write_batch(conn):  # the connection goes on
        store.save_article(conn, article("a2"), [])
    assert stored(conn)["articles"][1] == ("a2", None, None, None, "a2.txt", 0)


def test_reader_sees_a_batch_only_once_committed(tmp_path):
    path = tmp_path / "incidents.db"
    writer, reader = store.connect(path), store.connect_readonly(path)
    with store.write_batch(writer):
        store.save_article(writer, article("a1"), [incident("i1")])
        assert store.count_incidents(reader) == 0
    assert store.count_incidents(reader) == 1
    reader.close()
    writer.close()


def test_resaved_article_leaves_one_row_in_the_search_index(tmp_path):
    """SQLite's INSERT OR REPLACE gave a re-saved article a new rowid, and left its old headline in article_text."""
    conn = store.connect(tmp_path / "incidents.db")
    for headline in ("Stabbing in Peckham", "Stabbing on Rye Lane", "Stabbing on Rye Lane"):
        store.save_article(conn, article("a1", headline=headline), [incident("i1")])
    rows = conn.execute("SELECT rowid, headline FROM article_text").fetchall()
    articles = conn.execute("SELECT rowid, headline FROM articles").fetchall()
    assert (rows, articles, store.search_incidents(conn, "Peckham")) == (
        [(1, "Stabbing on Rye Lane")],
        [(1, "Stabbing on Rye Lane")],
        set(),
    )
    conn.close()


@pytest.mark.parametrize(
    "mode, batched, expected",
    [
        ("text", False, {"articles": [("a1", None, None, None, "a1.txt", 1)], "incidents": [("a1", "i2")]}),
        ("text", True, {"articles": [("a1", None, None, None, "a1.txt", 1)], "incidents": [("a1", "i2")]}),
        ("delete", False, {"articles": [], "incidents": []}),
        ("delete", True, {"articles": [], "incidents": []}),
    ],
)
def test_takedown_holds_when_the_article_is_saved_again(conn, mode, batched, expected):
    store.save_article(conn, article("a1", headline="Stabbing in Peckham"), [incident("i1")])
    takedown = store.Correction("article", "a1", store.TAKEDOWN, json.dumps({"mode": mode}), "editor", "2024-03-08")
    store.save_correction(conn, takedown, store.LogEntry("2024-03-08", "editor", "take_down", "a1"))
    again = article("a1", headline="Stabbing in Peckham"), [incident("i2", evidence="Evidence.")]
    if batched:
        with store.write_batch(conn):
            store.save_article(conn, *again)
    else:
        store.save_article(conn, *again)
    evidence = conn.execute("SELECT evidence FROM incidents").fetchall()
    assert (stored(conn), evidence) == (expected, [("",)] if mode == "text" else [])


def filed(incident_id: str, article_id: str, event_id: str, keys: tuple[int, ...]) -> store.StoredReport:
    return store.StoredReport(incident_id, article_id, event_id, "c1", "why", "{}", b"\x01\x02", keys)


def read_back(r: store.StoredReport) -> tuple:
    """A filed report as the store reads it back: a tuple in REPORT_COLUMNS order."""
    return tuple(getattr(r, column) for column in store.REPORT_COLUMNS)


def event(event_id: str, n_reports: int) -> dict:
    return dict.fromkeys(store.EVENT_COLUMNS) | {
        "event_id": event_id,
        "type": "stabbing",
        "category": "violence",
        "n_reports": n_reports,
    }


def test_event_reports_are_found_under_their_keys_moved_and_forgotten(conn):
    """Filing, finding by key, moving and forgetting reports; each backend writes a change's keys its own way (on
    PostgreSQL all in one statement), with the same result."""
    i1, i2, i3 = filed("i1", "a1", "e1", (-(2**63), 2)), filed("i2", "a2", "e1", (2, 3)), filed("i3", "a3", "e2", (9,))
    store.save_event_change(
        conn, removed=[], added=[i1, i2, i3], placed=[], events=[event("e1", 2), event("e2", 1)], dropped=[]
    )
    unkeyed = {r.incident_id: read_back(r) for r in (i1, i2, i3)}
    assert store.event_reports_around(conn, "a1", ["i3", "i9"], [2, 5]) == (
        [unkeyed["i1"], unkeyed["i3"]],
        [unkeyed["i1"], unkeyed["i2"]],
    )
    assert store.event_reports_around(conn, "a4", [], [-(2**63), 9]) == ([], [unkeyed["i1"], unkeyed["i3"]])
    store.save_event_change(
        conn, removed=[i2], added=[], placed=[("i1", "e2", "c2", "moved")], events=[event("e2", 2)], dropped=["e1"]
    )
    moved = read_back(dataclasses.replace(i1, event_id="e2", component_id="c2", reason="moved"))
    assert store.event_reports_around(conn, "a2", [], [2, 3]) == ([], [moved])
    assert store.event_reports_by_ids(conn, ["i1", "i2"]) == [moved]
    assert store.event_reports_of_components(conn, ["c1", "c2"]) == [moved, unkeyed["i3"]]
    assert sorted(conn.execute("SELECT key FROM event_keys")) == [(-(2**63),), (2,), (9,)]
    assert [(row[0], row[14]) for row in store.iter_event_rows(conn)] == [("e2", 2)]
    unfiled = filed("i4", "a4", "e3", ())  # under no key: found only by its id
    store.save_event_change(conn, removed=[], added=[unfiled], placed=[], events=[], dropped=[])
    assert store.event_reports_by_ids(conn, ["i4"]) == [read_back(unfiled)]


def test_postgresql_matching_tables_are_analyzed_each_time_they_double(postgres_url, monkeypatch):
    """Without statistics the planner scanned all of incident_events at every article; the store analyzes the tables
    matching reads after a batch once as many rows changed as they held (ANALYZE_ROWS at first)."""
    monkeypatch.setattr(store, "ANALYZE_ROWS", 3)
    conn = store.connect(postgres_url)
    numbers = iter(range(100))

    def rows_analyzed_after(reports: int) -> list[float]:
        added = [filed(f"i{n}", f"a{n}", "e1", (n,)) for n in (next(numbers) for _ in range(reports))]
        with store.write_batch(conn):
            store.save_event_change(conn, removed=[], added=added, placed=[], events=[], dropped=[])
        conn.execute("SELECT pg_stat_force_next_flush()")  # the server counts the batch's rows at once, not in 1 s
        with store.write_batch(conn):  # the next batch sees them counted
            pass
        sql = "SELECT reltuples FROM pg_class WHERE relname IN ('incident_events', 'event_keys') ORDER BY relname"
        return [row[0] for row in conn.execute(sql)]

    # Never analyzed is -1; then event_keys and incident_events, one key per report, go alike.
    assert [rows_analyzed_after(n) for n in (2, 2, 3, 1)] == [[-1, -1], [4, 4], [4, 4], [8, 8]]
    conn.close()


def around(conn, keys: list[int]) -> list[str]:
    """The incident ids event_reports_around finds under `keys` for a new article."""
    return [row[0] for row in store.event_reports_around(conn, "new", [], keys)[1]]


def change(conn, *, removed=(), added=(), placed=()) -> None:
    store.save_event_change(conn, removed=removed, added=added, placed=placed, events=[], dropped=[])


@pytest.fixture(params=BACKENDS)
def target(request, tmp_path):
    """Where an empty store is, on each backend, for tests that open several connections to it."""
    return new_store(request, tmp_path)


def test_reads_inside_a_batch_follow_its_writes(target):
    """Inside write_batch the reports read before come from the store's mirror of them: each read after a write
    is what the database holds then, and a fresh connection reads the same once the batch is committed."""
    conn = store.connect(target)
    i1, i2 = filed("i1", "a1", "e1", (1, 2)), filed("i2", "a2", "e1", (2,))
    i3 = dataclasses.replace(filed("i3", "a3", "e2", (3,)), component_id="c2")
    i4 = dataclasses.replace(filed("i4", "a4", "e3", (2,)), component_id="c2")
    change(conn, added=[dataclasses.replace(filed("i5", "a5", "e4", ()), component_id="c3")])  # before the batch

    def components(*component_ids: str) -> list[str]:
        return [row[0] for row in store.event_reports_of_components(conn, component_ids)]

    with store.write_batch(conn):
        change(conn, added=[i1, i2, i3])
        reads = [around(conn, [2]), components("c1", "c2", "c4")]
        change(conn, removed=[i1], added=[i4], placed=[("i3", "e1", "c1", "moved"), ("i5", "e3", "c4", "moved")])
        reads += [around(conn, [2, 3]), components("c1"), components("c2"), components("c4")]
        reads.append(store.event_reports_by_ids(conn, ["i1", "i3"]))
        change(conn, added=[filed("i1", "a1", "e1", (3,))])  # filed again under another key: no longer under 1 or 2
        reads += [around(conn, [1, 2]), around(conn, [3]), components("c1")]
    moved = read_back(dataclasses.replace(i3, event_id="e1", component_id="c1", reason="moved"))
    assert reads == [
        ["i1", "i2"],
        ["i1", "i2", "i3"],
        ["i2", "i3", "i4"],
        ["i2", "i3"],
        ["i4"],
        ["i5"],
        [moved],
        ["i2", "i4"],
        ["i1", "i3"],
        ["i1", "i2", "i3"],
    ]
    conn.close()
    fresh = store.connect(target)
    assert [
        around(fresh, [1, 2]),
        around(fresh, [3]),
        [r[0] for r in store.event_reports_of_components(fresh, ["c1"])],
    ] == reads[7:]
    fresh.close()


def test_a_batch_sees_what_was_written_since_the_last(target):
    """A report filed by another connection, by this one outside a batch, or by a batch rolled back: the next batch
    reads under the key what the database holds, not what an earlier batch read."""
    conn, other = store.connect(target), store.connect(target)
    seen = []
    for write in (
        lambda: change(conn, added=[filed("i1", "a1", "e1", (5,))]),
        lambda: change(other, added=[filed("i2", "a2", "e1", (5,))]),
        lambda: change(conn, added=[filed("i3", "a3", "e1", (5,))]),
    ):
        write()
        with store.write_batch(conn):
            seen.append(around(conn, [5]))
    with pytest.raises(KeyboardInterrupt), store.write_batch(conn):
        change(conn, added=[filed("i4", "a4", "e1", (5,))])
        seen.append(around(conn, [5]))
        raise KeyboardInterrupt
    with store.write_batch(conn):
        seen.append(around(conn, [5]))
    assert seen == [["i1"], ["i1", "i2"], ["i1", "i2", "i3"], ["i1", "i2", "i3", "i4"], ["i1", "i2", "i3"]]
    conn.close()
    other.close()


def test_keys_read_by_a_batch_are_not_read_again_by_the_next(tmp_path):
    """SQLite: with nothing written in between by another connection, the next batch reads the reports under the
    keys read before from its mirror, asking the database only for the article's own reports."""
    conn = store.connect(tmp_path / "incidents.db")
    with store.write_batch(conn):
        change(conn, added=[filed("i1", "a1", "e1", (5, 6))])
        around(conn, [5, 6])
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    with store.write_batch(conn):
        found = around(conn, [6, 5])
    conn.set_trace_callback(None)
    assert (found, [s for s in statements if "event_keys" in s]) == (["i1"], [])
    conn.close()


def test_a_value_postgresql_cannot_hold_fails_the_article_not_the_database(postgres_url):
    conn = store.connect(postgres_url)
    try:
        bad = Article("nul", "A man was stabbed.", headline="Knife\0attack", source="news.jsonl:3")  # readers: U+FFFD
        with pytest.raises(ExtractError) as failed:
            store.save_article(conn, bad, [])
        assert not isinstance(failed.value, store.DatabaseError)
        assert str(failed.value).startswith("news.jsonl:3: cannot store the article (PostgreSQL text fields cannot")
        store.save_article(conn, Article("good", "A man was stabbed.", source="test"), [])  # the connection goes on
        assert [row[0] for row in conn.execute("SELECT article_id FROM articles")] == ["good"]
    finally:
        conn.close()


# Saves of articles naming people or not, in order: (article id, headline, evidence of its incidents), or a
# takedown of an article's text ("text", article id), after which its saves keep no text.
SCREENED = [
    ("n1", "Ola Reyes, 34, stabbed in Peckham", ["Mrs Green was hurt too."]),
    ("n2", "Robbery in Brixton", ["A phone was snatched.", "A bag was taken."]),
    ("n3", None, ["The victim was named locally as Tom Hart."]),
    ("text", "n1"),
    ("n1", "Ola Reyes, 34, stabbed in Peckham", ["Mrs Green was hurt too."]),
    ("n4", "Fire in Deptford", ["A car was set alight on Deptford High Street."]),
]


def saving(article_id: str, headline: str | None, evidence: list[str]) -> tuple[Article, list[Incident]]:
    """The article and incidents of one save of SCREENED."""
    return article(article_id, headline=headline), [
        incident(f"{article_id}:{n}", article_id, evidence=e) for n, e in enumerate(evidence)
    ]


@pytest.mark.parametrize("batched", ["alone", "in a batch", "in a batch, screened ahead"])
def test_incidents_are_stored_with_the_name_screen_of_their_texts(conn, batched):
    """Every save writes the screen (extract/text/screening.py) of each incident's headline and evidence as stored,
    alone, at the end of a write batch, or as screen_ahead screened them (a takedown's erased texts as stored): 2 *
    its key + whether it finds something."""
    with store.write_batch(conn) if batched != "alone" else contextlib.nullcontext():
        if batched == "in a batch, screened ahead":
            store.screen_ahead(conn, [saving(*save) for save in SCREENED if save[0] != "text"])
        for article_id, *save in SCREENED:
            if article_id == "text":
                take_down(conn, save[0], article_id)
                continue
            store.save_article(conn, *saving(article_id, *save))
    rows = conn.execute(
        "SELECT i.incident_id, a.headline, i.evidence, i.name_screen FROM incidents i JOIN articles a "
        "USING (article_id) ORDER BY i.incident_id"
    ).fetchall()
    vocabulary = load_name_vocabulary()
    found = may_name([[r[1] for r in rows], [r[2] for r in rows]], vocabulary)
    assert [r[3] for r in rows] == [2 * screen_key(vocabulary) + int(f) for f in found]
    assert [r[0] for r, f in zip(rows, found) if f] == ["n3:0"]  # n1's text was taken down: nothing left to name


@pytest.mark.parametrize("failing", ["in its block", "at its screening"])
def test_a_failed_batch_stores_nothing_and_leaves_no_screening_pending(conn, monkeypatch, failing):
    """A batch that fails in its block, or at the screening at its end, keeps nothing, and the saves after it are
    screened as they are stored, not left to a batch that has ended."""

    def fail(*_):
        raise RuntimeError("failed")

    with monkeypatch.context() as patched:
        if failing == "at its screening":
            patched.setattr(store, "_screen", fail)
        with pytest.raises(RuntimeError, match="failed"), store.write_batch(conn):
            store.save_article(conn, article("n1", headline="Robbery in Brixton"), [incident("n1:0", "n1")])
            if failing == "in its block":
                fail()
    assert stored(conn)["incidents"] == []
    store.save_article(conn, article("n2", headline="Robbery in Brixton"), [incident("n2:0", "n2")])
    with store.write_batch(conn):
        store.save_article(conn, article("n3", headline="Tom Hart was robbed"), [incident("n3:0", "n3")])
    screens = conn.execute("SELECT incident_id, name_screen FROM incidents ORDER BY incident_id").fetchall()
    key = screen_key(load_name_vocabulary())
    assert screens == [("n2:0", 2 * key), ("n3:0", 2 * key + 1)]


@pytest.mark.parametrize(
    "sql, numbered",
    [
        ("SELECT 1", "SELECT 1"),
        ("SELECT a FROM t WHERE b = ?", "SELECT a FROM t WHERE b = $1"),
        ("SELECT ? + ?, ?", "SELECT $1 + $2, $3"),
    ],
)
def test_numbered_placeholders(sql, numbered):
    assert numbered_placeholders(sql) == numbered


def corrected_evidence(conn) -> dict[str, str | None]:
    """{field: the evidence of the incident its correction is on}."""
    evidence = dict(conn.execute("SELECT incident_id, evidence FROM incidents").fetchall())
    return {c.field: evidence.get(c.target) for c in store.iter_corrections(conn) if c.kind == "incident"}


def test_corrections_follow_their_incidents_to_new_ids(conn):
    """An incident's id is its place among its article's: read again, an incident at another place takes its
    corrections with it (a privacy hide must not pass to the incident now in its place), by its evidence."""
    stabbed, shot, robbed = "A man was stabbed.", "A woman was shot.", "A boy was robbed."
    store.save_article(conn, article("a1"), [incident("i0", evidence=stabbed), incident("i1", evidence=shot)])
    for target, field, value in (
        ("i1", "hidden", {"hidden": "privacy_request"}),
        ("i0", "date", {"date": "2024-03-01"}),
    ):
        correction = store.Correction("incident", target, field, json.dumps(value), "ed", "2024-03-08")
        store.save_correction(conn, correction, store.LogEntry("2024-03-08", "ed", f"set_{field}", target))
    kept = {"hidden": shot, "date": stabbed}
    assert corrected_evidence(conn) == kept
    for order in (
        [shot, stabbed],  # the two trade places
        [robbed, stabbed, shot],  # another is told first
        [robbed, stabbed, shot],  # read again unchanged: nothing moves
    ):
        told = [incident(f"i{k}", evidence=evidence) for k, evidence in enumerate(order)]
        store.save_article(conn, article("a1"), told)
        assert corrected_evidence(conn) == kept
    moved = [e for e in store.iter_log(conn) if e.action == "follow_incident"]
    assert sorted((e.target, e.before) for e in moved) == [  # the swap's two; the shooting moved on past the robbery
        ("i0", json.dumps({"incident": "i1"})),
        ("i1", json.dumps({"incident": "i0"})),
        ("i2", json.dumps({"incident": "i0"})),
    ]

    store.save_article(conn, article("a1"), [incident("i0", evidence=stabbed), incident("i1", evidence=shot)])
    reworded = [incident("i0", evidence="A man was knifed."), incident("i1", evidence=shot)]
    store.save_article(conn, article("a1"), reworded)
    assert corrected_evidence(conn) == {"hidden": shot, "date": "A man was knifed."}  # reworded: left where it was


def test_screens_of_other_word_lists_are_screened_again(conn, monkeypatch):
    """A release whose name lists differ writes screens of another key: the rows of an older one, or of none, are
    screened again when a writer starts, in transactions of a few articles."""
    monkeypatch.setattr(store, "STALE_SCREEN_ARTICLES", 2)
    key = screen_key(load_name_vocabulary())
    headlines = {"s1": "Sabina Quillfeather was attacked", "s2": "Robbery in Brixton", "s3": "Tom Hart was robbed"}
    for article_id, headline in headlines.items():
        store.save_article(conn, article(article_id, headline=headline), [incident(f"{article_id}:0", article_id)])
    screens = "SELECT incident_id, name_screen FROM incidents ORDER BY incident_id"
    current = conn.execute(screens).fetchall()
    assert current == [("s1:0", 2 * key + 1), ("s2:0", 2 * key), ("s3:0", 2 * key + 1)]
    with conn:
        conn.execute("UPDATE incidents SET name_screen = NULL WHERE incident_id = 's1:0'")
        conn.execute("UPDATE incidents SET name_screen = ? WHERE incident_id <> 's1:0'", (2 * (key ^ 1),))
    assert store.refresh_screens(conn) == 3
    assert conn.execute(screens).fetchall() == current
    assert store.refresh_screens(conn) == 0


def test_a_correction_that_gives_way_and_an_incident_lost_are_logged_and_reports_follow(conn):
    stabbed, shot = "A man was stabbed.", "A woman was shot."
    store.save_article(conn, article("a1"), [incident("i0", evidence=stabbed), incident("i1", evidence=shot)])
    for target, value in (("i0", "not_london"), ("i1", "privacy_request")):
        correction = store.Correction("incident", target, "hidden", json.dumps({"hidden": value}), "ed", "2024-03-08")
        store.save_correction(conn, correction, store.LogEntry("2024-03-08", "ed", "hide", target))
    store.save_problem_report(conn, store.ProblemReport("i1", "privacy", "", "2024-03-09"))
    # The shooting told first; the stabbing reworded, so not found again.
    store.save_article(
        conn, article("a1"), [incident("i0", evidence=shot), incident("i1", evidence="A man was knifed.")]
    )
    assert corrected_evidence(conn) == {"hidden": shot}
    assert [c.value for c in store.iter_corrections(conn)] == [json.dumps({"hidden": "privacy_request"})]
    assert [r.incident_id for r in store.iter_problem_reports(conn)] == ["i0"]
    logged = [(e.action, e.target, e.before) for e in store.iter_log(conn) if e.editor == "ingest"]
    assert sorted(logged) == [
        ("drop_correction", "i0", json.dumps({"hidden": "not_london"})),
        ("follow_incident", "i0", json.dumps({"incident": "i1"})),
        ("lost_incident", "i0", None),
    ]


@pytest.mark.parametrize(
    "ids, types, expected",
    [
        (["s1:0", "r1:0"], [], ["r1:0", "s1:0"]),
        ([], ["robbery"], ["r1:0", "r2:0"]),
        (["s1:0"], ["robbery", "burglary"], ["b1:0", "r1:0", "r2:0", "s1:0"]),
        (["nowhere:0"], ["theft"], []),
    ],
)
def test_map_rows_of_ids_and_of_types(conn, ids, types, expected):
    with store.atomic(conn):
        for incident_id, crime_type in (
            ("s1:0", "stabbing"),
            ("r1:0", "robbery"),
            ("r2:0", "robbery"),
            ("b1:0", "burglary"),
        ):
            article_id = incident_id.split(":")[0]
            store.save_article(conn, article(article_id), [incident(incident_id, article_id, type=crime_type)])
    at = store.MAP_COLUMNS.index("incident_id")
    assert sorted(row[at] for row in store.iter_map_rows_of(conn, ids, types=types)) == expected


# The first 16 hex digits of each released migration's sha256 (its SQLite script, NUL, its PostgreSQL script). A
# database at a version ran these: a changed one leaves it unlike a new database, so a change is a new migration.
# Add the next migration's digest when it is released.
RELEASED_MIGRATIONS = {
    1: "0182c079e0f730c6",
    2: "e134bfb507f6a986",
    3: "43a4396dfa728eac",
    4: "c6f376985c3aad88",
    5: "ad569ce5aceb5edb",
    6: "9823319ebed29ac0",
    7: "cd7f710db57eaa6b",
    8: "14ae335ec6986ff3",
    9: "3a95a8bf5d76d201",
    10: "696d0f78e37ffff9",
    11: "f7ad3d9d326bd939",
    12: "0f0e11be67fbb15e",
    13: "f526c377729255ab",
    14: "564eb87b6445a41f",
    15: "6da04a80abebe4b1",
    16: "1c884f8e5a58ae92",
    17: "ca319ba73edc0a8b",
    18: "75057414396fb5e8",
    19: "0d418b8d87061b76",
}


def test_a_released_migration_never_changes():
    scripts = {m.version: m.sql + "\0" + (m.postgres or "") for m in store.MIGRATIONS}
    digests = {v: hashlib.sha256(sql.encode()).hexdigest()[:16] for v, sql in scripts.items()}
    assert digests == RELEASED_MIGRATIONS
