"""The SQLite store of articles and incidents: the schema, and the only read/write functions.

This module is the one contract between the extractor and the dashboard.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from extract.records import Article, ExtractError, Incident, Place

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    article_id   TEXT PRIMARY KEY,
    headline     TEXT,
    url          TEXT,
    published    TEXT,
    source       TEXT NOT NULL,
    n_incidents  INTEGER NOT NULL,
    ingested_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS incidents (
    incident_id     TEXT PRIMARY KEY,
    article_id      TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    category        TEXT NOT NULL,
    location_text   TEXT,
    place_name      TEXT,
    place_kind      TEXT,
    lat             REAL,
    lon             REAL,
    precision       TEXT,
    borough         TEXT,
    borough_code    TEXT,
    geocode_source  TEXT,
    candidates      INTEGER,
    date            TEXT,
    fatal           INTEGER,
    weapon          TEXT,
    victim_ages     TEXT NOT NULL DEFAULT '[]',
    arrests         INTEGER,
    evidence        TEXT NOT NULL DEFAULT '',
    evidence_start  INTEGER NOT NULL DEFAULT 0,
    type_start      INTEGER,
    type_end        INTEGER,
    place_start     INTEGER,
    place_end       INTEGER
);
CREATE INDEX IF NOT EXISTS incidents_article ON incidents(article_id);
CREATE INDEX IF NOT EXISTS incidents_date ON incidents(date);
CREATE INDEX IF NOT EXISTS incidents_borough ON incidents(borough);
"""

INCIDENT_COLUMNS = (
    "incident_id",
    "article_id",
    "headline",
    "url",
    "published",
    "type",
    "category",
    "location_text",
    "place_name",
    "place_kind",
    "lat",
    "lon",
    "precision",
    "borough",
    "borough_code",
    "geocode_source",
    "candidates",
    "date",
    "fatal",
    "weapon",
    "victim_ages",
    "arrests",
    "evidence",
    "evidence_start",
    "type_start",
    "type_end",
    "place_start",
    "place_end",
)
"""The columns `iter_incident_rows` yields, in order."""


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) the incidents database at `path` in WAL mode, with the schema in place; an
    unusable path raises ExtractError."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30)
        # WAL lets the dashboard read while an ingest writes: https://www.sqlite.org/wal.html
        conn.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses no committed transaction on a crash, only on power loss, and syncs far less.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(SCHEMA)
    except (sqlite3.Error, OSError) as e:
        raise ExtractError(f"{path}: cannot open the incidents database ({e})") from None
    return conn


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """Open an existing incidents database for reading only; raises sqlite3.OperationalError if it is missing."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    return conn


def save_article(conn: sqlite3.Connection, article: Article, incidents: Iterable[Incident]) -> int:
    """Replace the article and all its incidents in one transaction; returns the number of incidents stored.

    Re-saving an article deletes its earlier incidents first, so re-ingesting never duplicates.
    """
    rows = [_incident_row(i) for i in incidents]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        _replace(conn, article, rows, now)
    except sqlite3.Error as e:  # a locked database, a full disk: the article is not stored, the batch can go on
        raise ExtractError(f"{article.source or article.article_id}: cannot store the article ({e})") from None
    return len(rows)


def _replace(conn: sqlite3.Connection, article: Article, rows: list[tuple], now: str) -> None:
    with conn:
        conn.execute("DELETE FROM incidents WHERE article_id = ?", (article.article_id,))
        conn.execute(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
            (article.article_id, article.headline, article.url, article.published, article.source, len(rows), now),
        )
        conn.executemany(f"INSERT OR REPLACE INTO incidents VALUES ({', '.join('?' * 25)})", rows)


def _incident_row(i: Incident) -> tuple:
    p: Place | None = i.place
    type_start, type_end = i.type_span or (None, None)
    place_start, place_end = i.place_span or (None, None)
    return (
        i.incident_id,
        i.article_id,
        i.type,
        i.category,
        i.location_text,
        p.name if p else None,
        p.kind if p else None,
        p.lat if p else None,
        p.lon if p else None,
        p.precision if p else None,
        p.borough if p else None,
        p.borough_code if p else None,
        p.source if p else None,
        p.candidates if p else None,
        i.date,
        None if i.fatal is None else int(i.fatal),
        i.weapon,
        json.dumps(list(i.victim_ages)),
        i.arrests,
        i.evidence,
        i.evidence_start,
        type_start,
        type_end,
        place_start,
        place_end,
    )


_SELECT = f"""
SELECT {", ".join("a." + c if c in ("headline", "url", "published") else "i." + c for c in INCIDENT_COLUMNS)}
FROM incidents i JOIN articles a USING (article_id)
"""


def iter_incident_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    """Yield every stored incident as a tuple in INCIDENT_COLUMNS order, newest incident date first."""
    yield from conn.execute(_SELECT + " ORDER BY i.date DESC, i.incident_id")


def count_incidents(conn: sqlite3.Connection) -> int:
    """Return the number of stored incidents."""
    return conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
