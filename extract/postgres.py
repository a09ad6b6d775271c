"""The PostgreSQL side of the store: a connection that runs the store's SQL (SQLite's dialect) on PostgreSQL.

extract/store.py writes its statements once, in SQLite's dialect; `PostgresConnection` translates the few
differences on the way (`?` and `:name` placeholders, INSERT OR REPLACE and INSERT OR IGNORE become upserts on the
table's key) and behaves like sqlite3.Connection where the store relies on it: `execute`, `executemany`, `with conn:`
as one transaction, `close`. psycopg is imported only when a PostgreSQL URL is opened (it takes 0.4 s to import).

Example:
    conn = open_postgres("postgresql://crimemap@db.example/incidents")
    with conn:
        conn.execute("DELETE FROM incidents WHERE article_id = ?", ("a1",))
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from extract.records import ExtractError

SCHEMES = ("postgresql", "postgres")
"""URL schemes of a PostgreSQL database (libpq accepts both)."""
CONNECT_TIMEOUT = 10  # seconds to reach the server: a wrong host fails the command instead of hanging it
TABLE_KEYS = {
    "articles": "article_id",
    "incidents": "incident_id",
    "recorded_crime": "force, month, borough, category",
    "recorded_months": "force, month",
    "events": "event_id",
    "corrections": "kind, target, field",
    "event_keys": "key, report_id",
}
"""The key an INSERT OR REPLACE into each table upserts on; a table without one (watch_rounds) is appended to."""
DATA_EXCEPTION = "22000"  # SQLSTATE class 22, data exception: a value the statement cannot store
_DATABASE_STATES = ("08", "53", "57", "58", "25006", "3D", "28")
"""SQLSTATE classes and codes (https://www.postgresql.org/docs/15/errcodes-appendix.html) that are the database's
failure, not one statement's: connection, resources, operator intervention, system, read-only, no database, auth."""


class PostgresError(ExtractError):
    """A statement failed on PostgreSQL: its message, its SQLSTATE, and whether the database itself failed."""

    def __init__(self, message: str, *, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate

    @property
    def database_failure(self) -> bool:
        """Whether no later statement can be expected to succeed (the server is gone, full, read-only...)."""
        return self.sqlstate is None or self.sqlstate.startswith(_DATABASE_STATES)


def is_url(target: object) -> bool:
    """Return whether `target` is written as a URL (`scheme://...`) rather than a file path."""
    return isinstance(target, str) and re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", target) is not None


def is_postgres_url(target: object) -> bool:
    """Return whether `target` is a PostgreSQL URL (postgresql:// or postgres://)."""
    return is_url(target) and str(target).split("://", 1)[0].lower() in SCHEMES


def libpq_url(url: str) -> str:
    """Return a PostgreSQL URL as libpq reads it: its scheme in lower case. libpq knows postgresql:// and
    postgres:// only so spelled, and reads "POSTGRESQL://..." as key=value pairs, echoing it whole in its error."""
    scheme, mark, rest = url.partition("://")
    return scheme.lower() + mark + rest


def _userinfo(url: str) -> tuple[int, int] | None:
    """The span of a URL's user and password, as libpq finds them: from the scheme's "//" to the first "@" before
    any "/" (a password may hold "?" or "#", which urlsplit would take for the query's start); None without one."""
    start = url.find("://") + 3
    end = min((at for at in (url.find("@", start), url.find("/", start)) if at >= 0), default=-1)
    return (start, end) if end >= 0 and url[end] == "@" else None


def _misread(url: str) -> tuple[int, int] | None:
    """The span from the scheme's "//" to the last "@" before any query, when libpq would not read it as the user
    and password: an unencoded "@" or "/" in them (a base64 password holds "/"), which libpq takes for the host or
    the path, and names in its messages. None when the URL is read as written."""
    start = url.find("://") + 3
    query = url.find("?", start)
    last = url.rfind("@", start, len(url) if query < 0 else query)
    if last < 0 or (found := _userinfo(url)) is not None and found[1] == last:
        return None
    return start, last


def redacted(url: str) -> str:
    """Return the URL without its password, to name the database in messages: the one before the host, and a
    `password` parameter (libpq reads both); user and password both, when libpq would misread them (`_misread`)."""
    head, rest = "", url
    if (misread := _misread(url)) is not None:
        head, rest = url[: misread[0]] + "***", url[misread[1] :]
    elif (found := _userinfo(url)) is not None:
        user, mark, _ = url[found[0] : found[1]].partition(":")
        head, rest = url[: found[0]] + user + (":***" if mark else ""), url[found[1] :]
    before, mark, query = rest.partition("?")  # after the user and password: a "?" in a password starts no query
    return head + before + mark + _PASSWORD_PARAMETER.sub(r"\1***", query)


def _secrets(url: str) -> set[str]:
    """The passwords a URL gives libpq (before the host, and as parameters), as written and percent-decoded."""
    found = _userinfo(url)
    written = []
    if found is not None and ":" in url[found[0] : found[1]]:
        written.append(url[found[0] : found[1]].partition(":")[2])
    query = (url[found[1] :] if found is not None else url).partition("?")[2]
    written += [m[2] for m in _PASSWORD_PARAMETER.finditer(query)]
    return {w for secret in written for w in (secret, unquote(secret)) if len(w) >= MIN_SCRUBBED}


# A password shorter than this is not looked for in a driver's message, which every one of its letters would garble
# (the URL itself is named without it all the same).
MIN_SCRUBBED = 4


def scrubbed(message: str, url: str) -> str:
    """Return a driver's message about `url` with the URL named without its password, and the password nowhere."""
    for spelling in (url, libpq_url(url)):
        message = message.replace(spelling, redacted(url))
    for secret in sorted(_secrets(url), key=len, reverse=True):
        message = message.replace(secret, "***")
    return message


_PASSWORD_PARAMETER = re.compile(r"((?:^|&)(?:ssl)?password=)([^&]*)", re.IGNORECASE)


@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """Return the store's SQLite statement in PostgreSQL's dialect (psycopg's placeholders, upserts on the table's
    key); a statement without those differences comes back with only `%` doubled."""
    sql = sql.replace("%", "%%")
    sql = re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", sql)
    sql = sql.replace("?", "%s")
    replace = re.match(r"\s*INSERT OR (REPLACE|IGNORE) INTO (\w+) \(([^)]*)\)", sql)
    if replace is None:
        return sql
    verb, table, columns = replace.groups()
    sql = "INSERT INTO" + sql[replace.end(1) + len(" INTO") :]
    key = TABLE_KEYS.get(table)
    if verb == "IGNORE":
        return f"{sql} ON CONFLICT DO NOTHING"
    if key is None:
        return sql
    keys = {k.strip() for k in key.split(",")}
    updates = ", ".join(f"{c} = excluded.{c}" for c in (c.strip() for c in columns.split(",")) if c not in keys)
    return f"{sql} ON CONFLICT ({key}) DO " + (f"UPDATE SET {updates}" if updates else "NOTHING")


def numbered_placeholders(sql: str) -> str:
    """Return the store's statement with its ? placeholders numbered as libpq's own ($1, $2, ...), which ADBC's
    driver takes; no ? may be in a literal of it."""
    numbers = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(numbers)}", sql)


class PostgresConnection:
    """A psycopg connection in autocommit mode behind sqlite3.Connection's shape: each statement commits on its own,
    and `with conn:` makes one transaction (nested, a savepoint) that commits, or rolls back on an exception."""

    dialect = "postgresql"

    def __init__(self, raw: Any, name: str, *, read_only: bool = False) -> None:
        self.raw = raw
        self.name = name  # the URL without its password
        self.read_only = read_only  # every transaction read-only: nothing for the server to count
        self._transactions: list[Any] = []

    def execute(self, sql: str, parameters: Any = None) -> Any:
        """Run one statement and return its cursor (rows iterate as tuples)."""
        try:
            return self.raw.execute(translate(sql), parameters)
        except _psycopg().Error as e:
            raise self.error(e) from None

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        """Run one statement for each row of parameters (psycopg pipelines them)."""
        rows = list(rows)
        if not rows:
            return
        try:
            with self.raw.cursor() as cursor:
                cursor.executemany(translate(sql), rows)
        except _psycopg().Error as e:
            raise self.error(e) from None

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        """Send the block's statements without waiting for each one's result, in one round trip to the server
        (https://www.psycopg.org/psycopg3/docs/advanced/pipeline.html): a cursor's rows can be read once the block
        ends, and a statement's error is raised there."""
        try:
            with self.raw.pipeline():
                yield
        except _psycopg().Error as e:
            raise self.error(e) from None

    def copy_rows(self, table: str, columns: Iterable[str], rows: Iterable[tuple]) -> None:
        """Write rows into `table` with COPY, the fastest way in (no conflict handling: a staging table's)."""
        try:
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except _psycopg().Error as e:
            raise self.error(e) from None

    @property
    def in_transaction(self) -> bool:
        """Whether a `with conn:` transaction is open, as sqlite3.Connection.in_transaction tells."""
        return bool(self._transactions)

    def __enter__(self) -> PostgresConnection:
        transaction = self.raw.transaction()
        try:
            transaction.__enter__()
        except _psycopg().Error as e:
            raise self.error(e) from None
        self._transactions.append(transaction)
        return self

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        transaction = self._transactions.pop()
        try:
            transaction.__exit__(kind, value, traceback)
        except _psycopg().Error as e:
            raise self.error(e) from None
        if kind is None and not self._transactions and not self.read_only:
            self._flush_statistics()

    def _flush_statistics(self) -> None:
        """Have the server count this transaction's writes at once (store.map_version reads the counts): a backend
        that reported under a second ago holds them back for 10 s, and an editor's correction, or `watch`, which
        stays connected, would reach the dashboards that late. PostgreSQL 15's function; without it, as before."""
        try:
            self.raw.execute("SELECT pg_stat_force_next_flush()")
        except _psycopg().Error:
            pass

    def close(self) -> None:
        """Close the connection; a transaction still open is rolled back by the server."""
        self.raw.close()

    def error(self, e: Exception) -> PostgresError:
        """Return psycopg's error as a PostgresError: the first line of the server's message (store.database_error
        names the database when the database itself failed)."""
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        sqlstate = getattr(e, "sqlstate", None)
        if sqlstate is None and isinstance(e, _psycopg().DataError):
            # A value psycopg could not send (a NUL in a text): the statement's data, as the server's class 22 is,
            # not the database's failure, which stopped the whole batch.
            sqlstate = DATA_EXCEPTION
        return PostgresError(message, sqlstate=sqlstate)


def open_postgres(url: str, *, read_only: bool = False) -> PostgresConnection:
    """Connect to the PostgreSQL database at `url` (autocommit; every transaction read-only when `read_only`);
    psycopg missing or the server unreachable raises ExtractError naming the database without its password."""
    name = redacted(url)
    if _misread(url) is not None:  # libpq would take part of the password for the host, and name it in messages
        raise ExtractError(f"{name}: an @ or / in the user or password must be written %40 or %2F")
    try:
        psycopg = _psycopg()
    except ImportError:
        raise ExtractError(
            f"{name}: PostgreSQL needs psycopg: pip install 'crimemap[postgres]' (or psycopg[binary])"
        ) from None
    options = "-c default_transaction_read_only=on" if read_only else None
    try:
        raw = psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=CONNECT_TIMEOUT, options=options)
    except psycopg.Error as e:
        # libpq's message is lines, the hint after a tab: "... port 1 failed: Connection refused\n\tIs the server ..."
        reason = ". ".join(line.strip() for line in str(e).splitlines() if line.strip()) or type(e).__name__
        raise ExtractError(f"{name}: cannot open the incidents database ({scrubbed(reason, url)})") from None
    return PostgresConnection(raw, name, read_only=read_only)


def _psycopg() -> Any:
    import psycopg

    return psycopg
