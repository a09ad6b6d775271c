"""The SQLite store on real database files in tmp_path."""

import json
import sqlite3

import pytest

from extract import store
from extract.records import Article, ExtractError, Incident, Place

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


@pytest.fixture
def conn(tmp_path):
    connection = store.connect(tmp_path / "incidents.db")
    yield connection
    connection.close()


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


def test_save_article_keeps_article_fields(conn):
    store.save_article(conn, ARTICLE, [])
    assert stored(conn)["articles"] == [
        ("a1", "Stabbing in Peckham", "https://news.example/a1", "2024-03-06", "news.jsonl:1", 0)
    ]


@pytest.mark.parametrize(
    "bad, message",
    [
        (incident("i9", type=None), "NOT NULL constraint failed: incidents.type"),
        (incident("i9", category=None), "NOT NULL constraint failed: incidents.category"),
        (incident("i9", article_id="never-saved"), "FOREIGN KEY constraint failed"),
    ],
)
def test_save_article_fail_leaves_the_previous_state(conn, bad, message):
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
