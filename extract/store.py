"""The SQLite store of articles and incidents: the schema, its migrations, and the only read/write functions.

This module is the one contract between the extractor and the dashboard.

The schema is MIGRATIONS, an ordered tuple of Migration(version, description, sql). The database records the last
version applied in `PRAGMA user_version`; `connect` runs every later migration, each in one transaction with its
version bump, so an interrupted upgrade leaves the database at the last complete version. To change the schema,
append one entry numbered one higher than the last, and never edit, reorder or remove an entry once committed
(databases already carry its changes). For example:

    Migration(2, "feeds polled for articles", "CREATE TABLE feeds (url TEXT PRIMARY KEY, title TEXT);"),

A migration's SQL may hold several statements; it runs with foreign keys off, so a table can be rebuilt the way
https://www.sqlite.org/lang_altertable.html#otheralter describes, and `PRAGMA foreign_key_check` must pass before
it commits. A new incident column also goes into INCIDENT_COLUMNS and `incident_row`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from extract.records import Article, ExtractError, Incident


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema: the version it brings a database to, what it adds, and its SQL script."""

    version: int
    description: str
    sql: str


MIGRATIONS = (
    # IF NOT EXISTS: version 1 also adopts the databases made before versions were recorded (user_version 0, the
    # same tables already there). Later migrations run only on a database at the version before them.
    Migration(
        1,
        "articles and their incidents, indexed by article, date and borough",
        """
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
""",
    ),
    Migration(
        2,
        "police.uk recorded crime: counts per force, month, borough and category, and the force months imported",
        """
CREATE TABLE recorded_crime (
    force     TEXT NOT NULL,
    month     TEXT NOT NULL,
    borough   TEXT NOT NULL,
    category  TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (force, month, borough, category)
);
CREATE TABLE recorded_months (
    force        TEXT NOT NULL,
    month        TEXT NOT NULL,
    source       TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    PRIMARY KEY (force, month)
);
""",
    ),
    Migration(
        3,
        "news feeds watched: their polling state, the items seen with the article each gave, and the rounds",
        """
CREATE TABLE feeds (
    url            TEXT PRIMARY KEY,
    outlet         TEXT NOT NULL,
    last_status    INTEGER,
    etag           TEXT,
    last_modified  TEXT,
    last_polled    TEXT,
    last_success   TEXT,
    failures       INTEGER NOT NULL DEFAULT 0,
    next_poll      TEXT,
    last_error     TEXT
);
CREATE TABLE feed_items (
    item_key      TEXT PRIMARY KEY,
    feed_url      TEXT NOT NULL REFERENCES feeds(url),
    guid          TEXT,
    link          TEXT,
    content_hash  TEXT NOT NULL,
    status        TEXT NOT NULL,
    article_id    TEXT,
    attempts      INTEGER NOT NULL,
    error         TEXT,
    first_seen    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX feed_items_guid ON feed_items(guid);
CREATE INDEX feed_items_link ON feed_items(link);
CREATE INDEX feed_items_hash ON feed_items(content_hash);
CREATE INDEX feed_items_feed ON feed_items(feed_url);
CREATE TABLE watch_rounds (
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL,
    feeds_polled  INTEGER NOT NULL,
    feeds_failed  INTEGER NOT NULL,
    new_items     INTEGER NOT NULL,
    articles      INTEGER NOT NULL,
    incidents     INTEGER NOT NULL
);
""",
    ),
    Migration(
        4,
        "events: one row per real incident with its merged attributes, each incident's event, the matching keys",
        """
CREATE TABLE events (
    event_id      TEXT PRIMARY KEY,
    type          TEXT NOT NULL,
    category      TEXT NOT NULL,
    place_name    TEXT,
    place_kind    TEXT,
    lat           REAL,
    lon           REAL,
    precision     TEXT,
    borough       TEXT,
    borough_code  TEXT,
    date          TEXT,
    date_basis    TEXT,
    fatal         INTEGER,
    weapon        TEXT,
    n_reports     INTEGER NOT NULL,
    first_seen    TEXT,
    last_seen     TEXT
);
CREATE INDEX events_date ON events(date);
CREATE TABLE incident_events (
    report_id     INTEGER PRIMARY KEY,
    incident_id   TEXT NOT NULL UNIQUE,
    article_id    TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    component_id  TEXT NOT NULL,
    reason        TEXT NOT NULL,
    report        TEXT NOT NULL,
    signature     BLOB NOT NULL
);
CREATE INDEX incident_events_article ON incident_events(article_id);
CREATE INDEX incident_events_event ON incident_events(event_id);
CREATE INDEX incident_events_component ON incident_events(component_id);
CREATE TABLE event_keys (
    key        INTEGER NOT NULL,
    report_id  INTEGER NOT NULL,
    PRIMARY KEY (key, report_id)
) WITHOUT ROWID;
""",
    ),
    Migration(
        5,
        "editors: corrections kept apart from the extracted rows, the append-only audit log, readers' problem "
        "reports, and why an article gave no incident",
        """
ALTER TABLE articles ADD COLUMN reason TEXT;
CREATE TABLE corrections (
    kind        TEXT NOT NULL,
    target      TEXT NOT NULL,
    field       TEXT NOT NULL,
    value       TEXT NOT NULL,
    editor      TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    PRIMARY KEY (kind, target, field)
);
CREATE TABLE audit_log (
    entry_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    editor    TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    reason    TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE problem_reports (
    report_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    reported_at  TEXT NOT NULL,
    closed_at    TEXT
);
CREATE INDEX problem_reports_incident ON problem_reports(incident_id);
""",
    ),
    # An incident stored before date bases has NULL when it has a date (how it was known is not recorded until it
    # is ingested again) and 'none' when it has none.
    Migration(
        6,
        "each incident's date basis: stated, relative (resolved against the publication date) or none",
        """
ALTER TABLE incidents ADD COLUMN date_basis TEXT;
UPDATE incidents SET date_basis = 'none' WHERE date IS NULL;
""",
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1].version
"""The schema version this code writes and reads: the last migration's."""

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
    "date_basis",
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
"""The columns of an incident row (`incident_row`, `iter_incident_rows`), in order."""
ARTICLE_COLUMNS = ("headline", "url", "published")
"""The INCIDENT_COLUMNS read from the articles table; the others are the incidents table's."""

_INCIDENT_TABLE_COLUMNS = tuple(c for c in INCIDENT_COLUMNS if c not in ARTICLE_COLUMNS)
_ARTICLE_TABLE_COLUMNS = (
    "article_id",
    "headline",
    "url",
    "published",
    "source",
    "n_incidents",
    "ingested_at",
    "reason",
)


LOCK_TIMEOUT = 30.0
"""Seconds a statement waits for another process's lock, SQLite retrying with growing pauses
(https://www.sqlite.org/c3ref/busy_timeout.html); after that the database is reported locked."""
_DATABASE_FAILURES = frozenset(
    {
        "SQLITE_BUSY",
        "SQLITE_LOCKED",
        "SQLITE_READONLY",
        "SQLITE_CORRUPT",
        "SQLITE_NOTADB",
        "SQLITE_FULL",
        "SQLITE_IOERR",
        "SQLITE_CANTOPEN",
        "SQLITE_PERM",
        "SQLITE_PROTOCOL",
    }
)
"""SQLite's primary result codes (https://www.sqlite.org/rescode.html) that are the database's failure, not one
statement's: no later write can be expected to succeed."""
_OUR_TABLES = {"articles": {"article_id", "source", "n_incidents"}, "incidents": {"incident_id", "article_id", "type"}}
"""Tables, with some of their columns, that make a database with tables an incidents database."""


class DatabaseError(ExtractError):
    """The database itself failed (locked for over LOCK_TIMEOUT, read-only, malformed, full): the message names
    the database, not an article."""


def database_error(conn: sqlite3.Connection, error: sqlite3.Error) -> DatabaseError | None:
    """Return `error` as a DatabaseError naming the database when the database itself failed; None when only the
    statement did."""
    code = "_".join((getattr(error, "sqlite_errorname", None) or "").split("_")[:2])  # SQLITE_IOERR_WRITE: IOERR
    if code not in _DATABASE_FAILURES:
        return None
    try:
        name = conn.execute("PRAGMA database_list").fetchone()[2] or "the incidents database"
    except sqlite3.Error:
        name = "the incidents database"
    waited = f" (waited {LOCK_TIMEOUT:g} s for another process)" if code in ("SQLITE_BUSY", "SQLITE_LOCKED") else ""
    return DatabaseError(f"{name}: database error: {error}{waited}")


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) the incidents database at `path` in WAL mode, upgraded to SCHEMA_VERSION; an
    unusable path, a file that is not a regular one, another application's database (left unchanged), a failed
    migration or a database newer than this code raises ExtractError."""
    conn = None
    try:
        # SQLite would open /dev/null or a FIFO, and write its journal next to it (/dev/null-journal).
        if Path(path).exists() and not Path(path).is_file():
            raise ExtractError("not a regular file; the incidents database must be one")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=LOCK_TIMEOUT)
        _refuse_foreign(conn)
        # WAL lets the dashboard read while an ingest writes: https://www.sqlite.org/wal.html
        conn.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses no committed transaction on a crash, only on power loss, and syncs far less.
        conn.execute("PRAGMA synchronous=NORMAL")
        migrate(conn)
        conn.execute("PRAGMA foreign_keys=ON")
    except (sqlite3.Error, OSError) as e:
        if conn is not None:
            conn.close()
        raise ExtractError(f"{path}: cannot open the incidents database ({e})") from None
    except ExtractError as e:
        if conn is not None:
            conn.close()
        raise ExtractError(f"{path}: {e}") from None
    return conn


def _refuse_foreign(conn: sqlite3.Connection) -> None:
    """Raise ExtractError when the database holds tables but not ours, or none with a schema version of ours:
    another application's file, left unchanged (before WAL mode or a migration alters it). An empty database is
    ours to set up; one newer than this code is left for `migrate` to refuse."""
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables = {t for t in tables if not t.startswith("sqlite_")}
    version = _user_version(conn)
    if not tables and 0 < version <= SCHEMA_VERSION:
        raise ExtractError(f"not an incidents database (schema version {version}, without our tables); left unchanged")
    if not tables:
        return
    for table, columns in _OUR_TABLES.items():
        if table not in tables or not columns <= {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
            raise ExtractError(f"not an incidents database (it has tables, but not our {table} table); left unchanged")


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the `migrations` above the database's version, each in its own transaction, and return the version
    reached; a database newer than the last migration, or a migration that fails, raises ExtractError."""
    latest = migrations[-1].version
    version = _user_version(conn)
    if version > latest:
        raise ExtractError(f"schema version {version} is newer than this code's {latest}; update the code")
    pending = [m for m in migrations if m.version > version]
    if not pending:
        return version
    # A table rebuild would otherwise cascade its deletes; the pragma is a no-op inside a transaction.
    foreign_keys = _pragma(conn, "foreign_keys")
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for migration in pending:
            _apply(conn, migration)
    finally:
        conn.execute(f"PRAGMA foreign_keys={foreign_keys}")
    return _user_version(conn)


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    # BEGIN IMMEDIATE takes the write lock before the version is read again, so two processes opening the same old
    # database apply each migration once.
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _user_version(conn) < migration.version:
            for statement in _statements(migration.sql):
                conn.execute(statement)
            if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise sqlite3.IntegrityError("foreign key check failed")
            conn.execute(f"PRAGMA user_version = {migration.version:d}")
    except sqlite3.Error as e:
        conn.rollback()
        raise ExtractError(f"schema migration {migration.version} ({migration.description}) failed: {e}") from None
    conn.commit()


def _statements(script: str) -> Iterator[str]:
    """Yield the statements of an SQL script; a semicolon inside a string or a trigger body ends none."""
    statement = ""
    for piece in re.split(r"(?<=;)", script):
        statement += piece
        if sqlite3.complete_statement(statement):
            yield statement.strip()
            statement = ""
    if statement.strip():
        yield statement.strip()  # a last statement without its semicolon; sqlite reports it if it is incomplete


def _user_version(conn: sqlite3.Connection) -> int:
    return _pragma(conn, "user_version")


def _pragma(conn: sqlite3.Connection, name: str) -> int:
    return conn.execute(f"PRAGMA {name}").fetchone()[0]


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """Open an existing incidents database for reading only; raises sqlite3.OperationalError if it is missing."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    return conn


def incident_row(incident: Incident) -> dict:
    """Return the incident as the store row it becomes: a dict keyed by INCIDENT_COLUMNS in order, the article
    fields taken from the incident."""
    i, p = incident, incident.place
    type_start, type_end = i.type_span or (None, None)
    place_start, place_end = i.place_span or (None, None)
    return {
        "incident_id": i.incident_id,
        "article_id": i.article_id,
        "headline": i.headline,
        "url": i.url,
        "published": i.published,
        "type": i.type,
        "category": i.category,
        "location_text": i.location_text,
        "place_name": p.name if p else None,
        "place_kind": p.kind if p else None,
        "lat": p.lat if p else None,
        "lon": p.lon if p else None,
        "precision": p.precision if p else None,
        "borough": p.borough if p else None,
        "borough_code": p.borough_code if p else None,
        "geocode_source": p.source if p else None,
        "candidates": p.candidates if p else None,
        "date": i.date,
        "date_basis": i.date_basis,
        "fatal": None if i.fatal is None else int(i.fatal),
        "weapon": i.weapon,
        "victim_ages": json.dumps(list(i.victim_ages)),
        "arrests": i.arrests,
        "evidence": i.evidence,
        "evidence_start": i.evidence_start,
        "type_start": type_start,
        "type_end": type_end,
        "place_start": place_start,
        "place_end": place_end,
    }


def save_article(
    conn: sqlite3.Connection, article: Article, incidents: Iterable[Incident], *, reason: str | None = None
) -> int:
    """Replace the article and all its incidents in one transaction; returns the number of incidents stored.

    Re-saving an article deletes its earlier incidents first, so re-ingesting never duplicates. `reason` is the
    extractor's code for an article that gives no incident (records.Reason). An editor's takedown of the article
    still holds: its text is erased again, or nothing of it is kept.
    """
    rows = [incident_row(i) for i in incidents]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with conn:
            _replace(conn, article, rows, now, reason=reason)
    except sqlite3.Error as e:  # the database's failure (locked, read-only, full) names it; any other, the article
        where = article.source or article.article_id
        raise database_error(conn, e) or ExtractError(f"{where}: cannot store the article ({e})") from None
    return len(rows)


def _insert(table: str, columns: Sequence[str]) -> str:
    # Named placeholders read each row dict by column name; its other keys (an incident's article fields) are unused.
    return f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"


_INSERT_ARTICLE = _insert("articles", _ARTICLE_TABLE_COLUMNS)
_INSERT_INCIDENT = _insert("incidents", _INCIDENT_TABLE_COLUMNS)


def _replace(
    conn: sqlite3.Connection, article: Article, rows: list[dict], now: str, *, reason: str | None = None
) -> None:
    values = {
        "article_id": article.article_id,
        "headline": article.headline,
        "url": article.url,
        "published": article.published,
        "source": article.source,
        "n_incidents": len(rows),
        "ingested_at": now,
        "reason": reason,
    }
    # No transaction of its own: the caller's `with conn:` holds it, with whatever else belongs to the article.
    conn.execute("DELETE FROM incidents WHERE article_id = ?", (article.article_id,))
    conn.execute(_INSERT_ARTICLE, values)
    conn.executemany(_INSERT_INCIDENT, rows)
    _take_down(conn, article.article_id)


_SELECT = f"""
SELECT {", ".join(("a." if c in ARTICLE_COLUMNS else "i.") + c for c in INCIDENT_COLUMNS)}
FROM incidents i JOIN articles a USING (article_id)
"""


# A database opened read-only is not migrated: one from before migration 6 has no date bases to read.
_SELECT_WITHOUT_DATE_BASIS = _SELECT.replace("i.date_basis", "NULL")


def iter_incident_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    """Yield every stored incident as a tuple in INCIDENT_COLUMNS order, newest incident date first (date_basis
    None from a database opened read-only before migration 6)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(incidents)")}
    select = _SELECT if "date_basis" in columns else _SELECT_WITHOUT_DATE_BASIS
    yield from conn.execute(select + " ORDER BY i.date DESC, i.incident_id")


def count_incidents(conn: sqlite3.Connection) -> int:
    """Return the number of stored incidents."""
    return conn.execute("SELECT count(*) FROM incidents").fetchone()[0]


RECORDED_COLUMNS = ("force", "month", "borough", "category", "count")
"""The columns of a recorded-crime row (`iter_recorded_crime`), in order."""


def replace_recorded_crime(
    conn: sqlite3.Connection, force: str, month: str, counts: Iterable[tuple[str, str, int]], *, source: str
) -> int:
    """Replace what `force` recorded in `month` by (borough, category, count) rows in one transaction, and mark the
    month imported; returns the number of crimes stored."""
    counts = list(counts)
    rows = [{"force": force, "month": month, "borough": b, "category": c, "count": n} for b, c, n in counts]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with conn:
            conn.execute("DELETE FROM recorded_crime WHERE force = ? AND month = ?", (force, month))
            conn.execute(
                "INSERT OR REPLACE INTO recorded_months (force, month, source, imported_at) VALUES (?, ?, ?, ?)",
                (force, month, source, now),
            )
            conn.executemany(_insert("recorded_crime", RECORDED_COLUMNS), rows)
    except sqlite3.Error as e:
        raise ExtractError(f"{source}: cannot store {force} {month} ({e})") from None
    return sum(n for _, _, n in counts)


def iter_recorded_crime(conn: sqlite3.Connection) -> Iterator[tuple]:
    """Yield every stored recorded-crime count as a tuple in RECORDED_COLUMNS order, sorted."""
    yield from conn.execute(f"SELECT {', '.join(RECORDED_COLUMNS)} FROM recorded_crime ORDER BY 1, 2, 3, 4")


def recorded_months(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Return the (force, month) pairs whose recorded crime has been imported, sorted."""
    return conn.execute("SELECT force, month FROM recorded_months ORDER BY force, month").fetchall()


ITEM_STATUSES = ("stored", "duplicate", "summary", "disallowed", "empty", "failed", "matching")
"""What became of a feed item: its article stored, already stored from another item, stored from the feed's summary
when its page could not be fetched, disallowed by robots.txt, without text, failed (tried again later), or stored
with its events still to match (matched again after a kill)."""
SOURCE_COLUMNS = ("outlet", "url", "last_success", "items", "incidents", "last_error")
"""The columns of a feed row (`iter_feed_sources`), in order."""


@dataclass(frozen=True, slots=True)
class FeedState:
    """A watched feed as last polled: HTTP status, validators for a conditional GET, successes and failures."""

    url: str
    outlet: str
    last_status: int | None = None  # the HTTP status of the last poll; None when no answer came
    etag: str | None = None
    last_modified: str | None = None
    last_polled: str | None = None  # UTC ISO timestamps
    last_success: str | None = None
    failures: int = 0  # consecutive
    next_poll: str | None = None  # not polled before this time (backing off); None when due
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One feed entry seen: its keys (guid, link, content hash), the article it gave and its status."""

    item_key: str  # the guid, else the link, else the content hash
    feed_url: str
    guid: str | None
    link: str | None
    content_hash: str
    status: str  # one of ITEM_STATUSES
    article_id: str | None = None
    attempts: int = 1
    error: str | None = None


@dataclass(frozen=True, slots=True)
class WatchRound:
    """One round of `watch`: when it ran and what it found."""

    started_at: str
    finished_at: str
    feeds_polled: int
    feeds_failed: int
    new_items: int
    articles: int
    incidents: int


_FEED_COLUMNS = tuple(FeedState.__slots__)
_ITEM_COLUMNS = (*FeedItem.__slots__, "first_seen", "updated_at")


def _upsert(table: str, columns: Sequence[str], key: str, *, keep: Sequence[str] = ()) -> str:
    # An upsert updates the row in place; INSERT OR REPLACE would delete it first, losing the `keep` columns.
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key and c not in keep)
    return f"{_insert(table, columns).replace(' OR REPLACE', '')} ON CONFLICT ({key}) DO UPDATE SET {updates}"


def feed_state(conn: sqlite3.Connection, url: str) -> FeedState | None:
    """Return the stored state of the feed at `url`; None when it was never polled."""
    row = conn.execute(f"SELECT {', '.join(_FEED_COLUMNS)} FROM feeds WHERE url = ?", (url,)).fetchone()
    return FeedState(*row) if row else None


def save_feed_state(conn: sqlite3.Connection, state: FeedState) -> None:
    """Insert or update the feed's state in one transaction."""
    try:
        with conn:
            conn.execute(_upsert("feeds", _FEED_COLUMNS, "url"), {c: getattr(state, c) for c in _FEED_COLUMNS})
    except sqlite3.Error as e:
        raise database_error(conn, e) or ExtractError(f"{state.url}: cannot store the feed's state ({e})") from None


def seen_item(conn: sqlite3.Connection, guid: str | None, link: str | None, content_hash: str) -> FeedItem | None:
    """Return the item seen before with this guid, else this link, else this content hash; None for a new item."""
    for column, value in (("guid", guid), ("link", link), ("content_hash", content_hash)):
        if value is not None:
            row = conn.execute(
                f"SELECT {', '.join(FeedItem.__slots__)} FROM feed_items WHERE {column} = ? LIMIT 1", (value,)
            ).fetchone()
            if row:
                return FeedItem(*row)
    return None


def has_article(conn: sqlite3.Connection, article_id: str) -> bool:
    """Return whether an article with this id is stored."""
    return conn.execute("SELECT 1 FROM articles WHERE article_id = ?", (article_id,)).fetchone() is not None


def save_feed_item(
    conn: sqlite3.Connection, item: FeedItem, article: Article | None = None, incidents: Iterable[Incident] = ()
) -> int:
    """Record the item, with its article and incidents (replacing earlier ones) when given, in one transaction;
    returns the number of incidents stored."""
    rows = [incident_row(i) for i in incidents]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    values = {c: getattr(item, c) for c in FeedItem.__slots__} | {"first_seen": now, "updated_at": now}
    try:
        with conn:
            if article is not None:
                _replace(conn, article, rows, now)
            conn.execute(_upsert("feed_items", _ITEM_COLUMNS, "item_key", keep=("first_seen",)), values)
    except sqlite3.Error as e:
        failure = ExtractError(f"{item.link or item.item_key}: cannot store the feed item ({e})")
        raise database_error(conn, e) or failure from None
    return len(rows)


def save_watch_round(conn: sqlite3.Connection, watch_round: WatchRound) -> None:
    """Record one round of `watch`."""
    columns = WatchRound.__slots__
    try:
        with conn:
            conn.execute(_insert("watch_rounds", columns), {c: getattr(watch_round, c) for c in columns})
    except sqlite3.Error as e:
        raise database_error(conn, e) or ExtractError(f"cannot store the watch round ({e})") from None


def last_update(conn: sqlite3.Connection) -> str | None:
    """Return when the latest round that read at least one feed finished (UTC ISO); None when none did."""
    row = conn.execute("SELECT max(finished_at) FROM watch_rounds WHERE feeds_polled > feeds_failed").fetchone()
    return row[0]


def iter_feed_sources(conn: sqlite3.Connection) -> Iterator[tuple]:
    """Yield one row per watched feed in SOURCE_COLUMNS order, by outlet: its items seen, and the incidents of the
    articles its items stored."""
    yield from conn.execute(
        """
        SELECT f.outlet, f.url, f.last_success,
               (SELECT count(*) FROM feed_items i WHERE i.feed_url = f.url),
               (SELECT coalesce(sum(a.n_incidents), 0) FROM feed_items i JOIN articles a USING (article_id)
                WHERE i.feed_url = f.url AND i.status IN ('stored', 'summary')),
               f.last_error
        FROM feeds f ORDER BY f.outlet, f.url
        """
    )


EVENT_COLUMNS = (
    "event_id",
    "type",
    "category",
    "place_name",
    "place_kind",
    "lat",
    "lon",
    "precision",
    "borough",
    "borough_code",
    "date",
    "date_basis",
    "fatal",
    "weapon",
    "n_reports",
    "first_seen",
    "last_seen",
)
"""The columns of an event row (`iter_event_rows`), in order."""


@dataclass(frozen=True, slots=True)
class StoredReport:
    """An incident as event matching filed it: its report (JSON), wording signature and place among events."""

    incident_id: str
    article_id: str
    event_id: str
    component_id: str
    reason: str
    report: str
    signature: bytes
    keys: tuple[int, ...] = ()  # the blocking keys it is filed under (written, not read back)


_REPORT_SELECT = (
    "SELECT incident_id, article_id, event_id, component_id, reason, report, signature FROM incident_events"
)


def event_reports_by_keys(conn: sqlite3.Connection, keys: Iterable[int]) -> list[StoredReport]:
    """Return the reports filed under any of the blocking `keys`."""
    keys = list(keys)
    if not keys:
        return []
    sql = (
        _REPORT_SELECT + " WHERE report_id IN (SELECT report_id FROM event_keys WHERE key IN "
        f"({', '.join('?' * len(keys))})) ORDER BY incident_id"
    )
    return [StoredReport(*row) for row in conn.execute(sql, keys)]


def event_reports_of_article(conn: sqlite3.Connection, article_id: str) -> list[StoredReport]:
    """Return the reports filed for one article."""
    sql = _REPORT_SELECT + " WHERE article_id = ? ORDER BY incident_id"
    return [StoredReport(*row) for row in conn.execute(sql, (article_id,))]


def event_reports_of_components(conn: sqlite3.Connection, component_ids: Iterable[str]) -> list[StoredReport]:
    """Return every report of the given components."""
    ids = list(component_ids)
    if not ids:
        return []
    sql = _REPORT_SELECT + f" WHERE component_id IN ({', '.join('?' * len(ids))}) ORDER BY incident_id"
    return [StoredReport(*row) for row in conn.execute(sql, ids)]


def event_reports_by_ids(conn: sqlite3.Connection, incident_ids: Iterable[str]) -> list[StoredReport]:
    """Return the reports of the given incidents that are filed."""
    ids = list(incident_ids)
    if not ids:
        return []
    sql = _REPORT_SELECT + f" WHERE incident_id IN ({', '.join('?' * len(ids))}) ORDER BY incident_id"
    return [StoredReport(*row) for row in conn.execute(sql, ids)]


def save_event_change(
    conn: sqlite3.Connection,
    *,
    removed: Iterable[StoredReport],
    added: Iterable[StoredReport],
    placed: Iterable[tuple[str, str, str, str]],
    events: Iterable[dict],
    dropped: Iterable[str],
) -> None:
    """In one transaction: forget the removed reports and their keys, file the added ones under theirs, move
    reports to their (incident id, event id, component id, reason) placements, replace the changed events (rows
    keyed by EVENT_COLUMNS) and delete the dropped ones."""
    try:
        with conn:
            for r in removed:
                row = conn.execute("SELECT report_id FROM incident_events WHERE incident_id = ?", (r.incident_id,))
                found = row.fetchone()
                if found:
                    conn.executemany(
                        "DELETE FROM event_keys WHERE key = ? AND report_id = ?", ((k, found[0]) for k in r.keys)
                    )
                    conn.execute("DELETE FROM incident_events WHERE report_id = ?", (found[0],))
            for r in added:
                cursor = conn.execute(
                    "INSERT INTO incident_events (incident_id, article_id, event_id, component_id, reason, report, "
                    "signature) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (r.incident_id, r.article_id, r.event_id, r.component_id, r.reason, r.report, r.signature),
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO event_keys (key, report_id) VALUES (?, ?)",
                    ((k, cursor.lastrowid) for k in r.keys),
                )
            conn.executemany(
                "UPDATE incident_events SET event_id = ?, component_id = ?, reason = ? WHERE incident_id = ?",
                ((event, component, reason, incident) for incident, event, component, reason in placed),
            )
            conn.executemany("DELETE FROM events WHERE event_id = ?", ((e,) for e in dropped))
            conn.executemany(_insert("events", EVENT_COLUMNS), events)
    except sqlite3.Error as e:
        raise ExtractError(f"cannot store the events ({e})") from None


def iter_event_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    """Yield every event as a tuple in EVENT_COLUMNS order, newest date first."""
    yield from conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY date DESC, event_id")


def incident_event_ids(conn: sqlite3.Connection, incident_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Return {incident id: event id} for the given incidents (all when None) that belong to an event."""
    if incident_ids is None:
        return dict(conn.execute("SELECT incident_id, event_id FROM incident_events"))
    ids = list(incident_ids)
    found: dict[str, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        sql = f"SELECT incident_id, event_id FROM incident_events WHERE incident_id IN ({', '.join('?' * len(chunk))})"
        found.update(conn.execute(sql, chunk))
    return found


_CHUNK = 900  # ids per query: under SQLite's historical limit of 999 bound parameters


CORRECTION_KINDS = ("incident", "article")
"""What a correction targets: an incident (by incident id), or an article (by article id, for a takedown)."""
TAKEDOWN = "takedown"
"""The field of an article's takedown correction; its value is {"mode": one of TAKEDOWN_MODES}."""
TAKEDOWN_MODES = ("text", "delete")
"""A takedown erases the article's stored text (headline, evidence) and keeps its incidents, or deletes it all."""


@dataclass(frozen=True, slots=True)
class Correction:
    """An editor's correction, kept apart from the extracted rows: its target, the field it changes, the new values
    (a JSON object of incident columns, or of the takedown's mode), who made it and when."""

    kind: str  # one of CORRECTION_KINDS
    target: str  # an incident id, or an article id
    field: str  # hidden, type, borough, date, place or verified; TAKEDOWN for an article
    value: str  # JSON
    editor: str
    changed_at: str  # UTC ISO


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the append-only audit log: who did what to which target and when, the values before and after
    (JSON) and the reason given."""

    at: str  # UTC ISO
    editor: str
    action: str
    target: str
    before: str | None = None
    after: str | None = None
    reason: str | None = None
    entry_id: int | None = None  # numbered by the store


@dataclass(frozen=True, slots=True)
class ProblemReport:
    """A reader's report of a problem with an incident: open until an editor closes it, never published."""

    incident_id: str
    reason: str
    note: str
    reported_at: str  # UTC ISO
    report_id: int | None = None  # numbered by the store
    closed_at: str | None = None


_LOG_COLUMNS = ("at", "editor", "action", "target", "before", "after", "reason")
_REPORT_COLUMNS = ("incident_id", "reason", "note", "reported_at")
NO_INCIDENT_COLUMNS = ("article_id", "headline", "url", "published", "source", "reason", "ingested_at")
"""The columns of an article without incidents (`iter_articles_without_incidents`), in order."""


def save_correction(conn: sqlite3.Connection, correction: Correction, entry: LogEntry) -> None:
    """Store the correction, replacing the target's earlier one of the same field, with its log entry in one
    transaction; a takedown erases the article's stored text, or deletes the article, at once."""
    columns = Correction.__slots__
    try:
        with conn:
            conn.execute(_insert("corrections", columns), {c: getattr(correction, c) for c in columns})
            _append_log(conn, entry)
            if correction.kind == "article":
                _take_down(conn, correction.target)
    except sqlite3.Error as e:
        raise ExtractError(f"{correction.target}: cannot store the correction ({e})") from None


def remove_correction(conn: sqlite3.Connection, kind: str, target: str, field: str, entry: LogEntry) -> None:
    """Forget the target's correction of `field` (the extracted value shows again), with its log entry, in one
    transaction."""
    try:
        with conn:
            conn.execute("DELETE FROM corrections WHERE kind = ? AND target = ? AND field = ?", (kind, target, field))
            _append_log(conn, entry)
    except sqlite3.Error as e:
        raise ExtractError(f"{target}: cannot remove the correction ({e})") from None


def iter_corrections(conn: sqlite3.Connection) -> Iterator[Correction]:
    """Yield every stored correction in the order they were made."""
    sql = f"SELECT {', '.join(Correction.__slots__)} FROM corrections ORDER BY changed_at, rowid"
    for row in conn.execute(sql):
        yield Correction(*row)


def _take_down(conn: sqlite3.Connection, article_id: str) -> None:
    # Runs inside the caller's transaction, after the article is stored or its takedown is.
    row = conn.execute(
        "SELECT value FROM corrections WHERE kind = 'article' AND target = ? AND field = ?", (article_id, TAKEDOWN)
    ).fetchone()
    if row is None:
        return
    if json.loads(row[0]).get("mode") == "delete":
        conn.execute("DELETE FROM incidents WHERE article_id = ?", (article_id,))
        conn.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))
        return
    conn.execute(
        "UPDATE incidents SET evidence = '', evidence_start = 0, type_start = NULL, type_end = NULL, "
        "place_start = NULL, place_end = NULL WHERE article_id = ?",
        (article_id,),
    )
    conn.execute("UPDATE articles SET headline = NULL WHERE article_id = ?", (article_id,))


def append_log(conn: sqlite3.Connection, entry: LogEntry) -> None:
    """Add one entry to the audit log in its own transaction."""
    try:
        with conn:
            _append_log(conn, entry)
    except sqlite3.Error as e:
        raise ExtractError(f"cannot write the audit log ({e})") from None


def _append_log(conn: sqlite3.Connection, entry: LogEntry) -> None:
    values = {c: getattr(entry, c) for c in _LOG_COLUMNS}
    conn.execute(_insert("audit_log", _LOG_COLUMNS).replace(" OR REPLACE", ""), values)


def iter_log(conn: sqlite3.Connection) -> Iterator[LogEntry]:
    """Yield the audit log, newest entry first."""
    for row in conn.execute(f"SELECT {', '.join(_LOG_COLUMNS)}, entry_id FROM audit_log ORDER BY entry_id DESC"):
        yield LogEntry(*row)


def save_problem_report(conn: sqlite3.Connection, report: ProblemReport) -> int:
    """Store a reader's problem report, open; returns its number."""
    try:
        with conn:
            cursor = conn.execute(
                _insert("problem_reports", _REPORT_COLUMNS).replace(" OR REPLACE", ""),
                {c: getattr(report, c) for c in _REPORT_COLUMNS},
            )
    except sqlite3.Error as e:
        raise ExtractError(f"{report.incident_id}: cannot store the problem report ({e})") from None
    return int(cursor.lastrowid or 0)


def iter_problem_reports(conn: sqlite3.Connection, *, open_only: bool = True) -> Iterator[ProblemReport]:
    """Yield the problem reports (only the open ones unless `open_only` is False), oldest first."""
    where = " WHERE closed_at IS NULL" if open_only else ""
    columns = ", ".join((*_REPORT_COLUMNS, "report_id", "closed_at"))
    for row in conn.execute(f"SELECT {columns} FROM problem_reports{where} ORDER BY report_id"):
        yield ProblemReport(*row)


def close_problem_report(conn: sqlite3.Connection, report_id: int, entry: LogEntry) -> None:
    """Close an open problem report at the entry's time, with its log entry, in one transaction."""
    try:
        with conn:
            conn.execute(
                "UPDATE problem_reports SET closed_at = ? WHERE report_id = ? AND closed_at IS NULL",
                (entry.at, report_id),
            )
            _append_log(conn, entry)
    except sqlite3.Error as e:
        raise ExtractError(f"report {report_id}: cannot close the problem report ({e})") from None


def iter_articles_without_incidents(conn: sqlite3.Connection) -> Iterator[tuple]:
    """Yield every stored article that gave no incident, in NO_INCIDENT_COLUMNS order, newest ingest first."""
    sql = f"SELECT {', '.join(NO_INCIDENT_COLUMNS)} FROM articles WHERE n_incidents = 0 ORDER BY ingested_at DESC"
    yield from conn.execute(sql + ", article_id")


def article_by_id(conn: sqlite3.Connection, article_id: str) -> dict | None:
    """Return the stored article as a dict keyed by NO_INCIDENT_COLUMNS and n_incidents; None when there is none."""
    columns = (*NO_INCIDENT_COLUMNS, "n_incidents")
    row = conn.execute(f"SELECT {', '.join(columns)} FROM articles WHERE article_id = ?", (article_id,)).fetchone()
    return dict(zip(columns, row)) if row else None


def incident_by_id(conn: sqlite3.Connection, incident_id: str) -> dict | None:
    """Return the stored incident as a dict keyed by INCIDENT_COLUMNS, None when there is none with that id."""
    row = conn.execute(_SELECT + " WHERE i.incident_id = ?", (incident_id,)).fetchone()
    return dict(zip(INCIDENT_COLUMNS, row)) if row else None
