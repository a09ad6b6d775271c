"""The map's columnar copy: every stored incident's map row (store.iter_map_rows: no texts) as one Arrow table,
newest first, read fast and kept on disk per version of the map's rows, so that a dashboard's first load reads one file
instead of a million rows; writers (ingest, watch) keep it current with `refresh`.

The rows are read by Apache Arrow's ADBC drivers: SQLite's in pieces at once, PostgreSQL's by COPY; without a driver, or
a column Arrow cannot type, through the store's own connection. The copy is an Arrow IPC file in extract.cache's
directory, named by the database's path (or URL), the version of its stored rows (store.rows_version,
`postgres_version`) and the incidents the editors' corrections leave out: a change of them is a new name, and a reader
finds a copy only of the version it reads (the other corrections are applied to the rows as they are read). Writers keep
SQLite's; a PostgreSQL database's is kept by the dashboard that read it (its writers may run on other machines, whose
copies no dashboard would read).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import itertools
import json
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from extract import postgres, store
from extract.cache import cache_dir

if TYPE_CHECKING:  # imported where a frame is made: an ingest of a small database (refresh keeps no copy) needs none
    import pandas as pd

WHOLE_NUMBERS = (
    *("candidates", "fatal", "arrests", "evidence_start"),
    *("type_start", "type_end", "place_start", "place_end", "row", "article_row", store.SCREEN),
)
"""The incident columns the store keeps as INTEGER, and the map rows' numbers and name screen (store.MAP_EXTRAS)."""
# Below this many incidents SQLite gives them in a second or so: no copy of them on disk (nor in tests' caches).
SNAPSHOT_ROWS = 100_000
SNAPSHOT_WAIT_SECONDS = 30.0  # a copy no caller asked to write (write_copies) is written this long after its read
SNAPSHOT_PARTIAL_SECONDS = 3600  # a copy is written in seconds: a partial file this old was left by a killed process
SNAPSHOT_FORMAT = 2  # bump when what _stored_frame makes changes in a way the store's column names do not show
LOAD_BATCH = 100_000  # rows fetched per piece of the frame: a million never sit in memory as Python tuples at once
# The SQLite rows are read in this many pieces at once, each by its own connection in a thread (the driver lets go of
# the GIL): at a million incidents on 2 cores, 2.2 s in one piece, 1.5 s in 2 and 1.1 s in 4. The sort takes the
# columns in as many threads.
READ_PIECES = 4
READ_PIECE_ROWS = 50_000  # fewer rows a piece than this are read in one: a thread and a connection cost more


def _sorted_memory() -> pa.MemoryPool:
    """Return where the stored rows' sorted copy is allocated (_sorted_table): the frame's memory, the first it
    touches. At a million rows on 2 cores jemalloc gave it in 0.20-0.28 s, the C library's allocator in 0.24-0.28 s
    and Arrow's default (mimalloc) in 0.46-0.47 s: the cold first load 2.5-2.7 s against 3.0-3.4 s."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without it
        return pa.system_memory_pool()


SORTED_MEMORY = _sorted_memory()


REFRESH_ERRORS = (OSError, *store.DB_ERRORS, pa.ArrowException)
"""What `refresh` raises when the copy cannot be made (a database or cache directory it cannot read or write)."""


def file_version(db_path: str | Path) -> tuple[int, ...]:
    """Return what changes when the SQLite database at `db_path` does: mtime and size of the file and of its
    write-ahead log (unless empty)."""
    stats = []
    for name in (str(db_path), f"{db_path}-wal"):
        with contextlib.suppress(FileNotFoundError):  # a log the last connection's close removes meanwhile
            stats.append(os.stat(name))
    # An empty log holds nothing: a writer that wrote nothing still makes it anew or removes it when it closes (every
    # server's upgrade_database does), which is no change of the data.
    return tuple(n for s in stats if s.st_size for n in (s.st_mtime_ns, s.st_size))


def map_version(db_path: str | Path) -> tuple:
    """Return what changes when the rows the map shows in the SQLite database at `db_path` do (store.map_version),
    not when only its other tables are written; the file's version (`file_version`) for a database from before
    migration 10, opened read-only."""
    conn = store.connect_readonly(db_path)
    try:
        token = store.map_version(conn)
    finally:
        conn.close()
    return file_version(db_path) if token is None else ("map", token)


def stored_corrections(conn: store.Connection) -> list[store.Correction]:
    """Return the corrections stored in the database open as `conn` (store.iter_corrections); none in a database
    opened read-only from before they were kept (migration 5)."""
    try:
        return list(store.iter_corrections(conn))
    except sqlite3.OperationalError:
        return []


def postgres_place(conn: store.Connection) -> tuple:
    """Return what names the PostgreSQL database open as `conn` whatever its URL's spelling or password: the server's
    address (None over a Unix socket) and port, and the database's name."""
    sql = "SELECT inet_server_addr()::text, current_setting('port'), current_database()"
    return tuple(conn.execute(sql).fetchone())


def postgres_version(conn: store.Connection) -> tuple | None:
    """Return what names the state of the PostgreSQL database open as `conn` for its copy; None when its server counts
    no writes (track_counts off), so that nothing names a change.

    The rows written to each table of the stored rows as the server counts them (store.rows_version: on a standby,
    its replay position; a correction, a problem report or a feed polled is no new version), which start again at a
    crash's recovery (the background writer's statistics reset then), a reset of the statistics, a server's restart,
    or a table or the database made anew (new oids). A count is made once a write is committed, so the rows read
    after it is asked hold at least what it counted: a copy named by it is never older than its name, and a write
    counted later names another. And the schema's version: a migration rewrites a table without counting its rows
    (migration 13 numbers them)."""
    *restarts, counting = conn.execute(
        "SELECT d.oid::bigint, extract(epoch FROM pg_postmaster_start_time()), extract(epoch FROM s.stats_reset), "
        "(SELECT extract(epoch FROM stats_reset) FROM pg_stat_bgwriter), (SELECT max(version) FROM schema_version), "
        "current_setting('track_counts') "
        "FROM pg_database d LEFT JOIN pg_stat_database s ON s.datid = d.oid WHERE d.datname = current_database()"
    ).fetchone()
    if counting != "on":
        return None
    tables = conn.execute(
        "SELECT relid::bigint, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
        "WHERE schemaname = current_schema() AND relname = ANY(?) ORDER BY relid",
        (list(store.ROW_TABLES),),
    ).fetchall()
    counts = hashlib.sha256(repr([tuple(t) for t in tables]).encode()).hexdigest()
    return (*(str(r) for r in restarts), counts, store.rows_version(conn))


def left_out(found: Sequence[store.Correction]) -> tuple[set[str], set[str]]:
    """Return the incidents the editors' corrections `found` hide, and the articles they took down to delete: their
    rows are left out of the copy as they are read, so that its columns are typed without them."""
    hidden = {c.target for c in found if c.field == "hidden"}
    deleted = {c.target for c in found if c.kind == "article" and json.loads(c.value).get("mode") == "delete"}
    return hidden, deleted


def stored_frame(db_path: str | Path, conn: store.Connection, found: Sequence[store.Correction]) -> pd.DataFrame:
    """Return the map rows stored at `db_path` (open as `conn`; `found` its corrections, whose hidden incidents and
    deleted articles are left out) as a frame of MAP_COLUMNS then MAP_EXTRAS, newest date first, no date last, then
    by incident id: the copy kept for this version when there is one, else read (and kept, for SNAPSHOT_ROWS and
    more, when the database did not change while it was read: written by `write_copies`, in a thread of its own once
    the caller's work is done; `copies_written` waits)."""
    copies_written()  # a copy of the last version still being written would land after this one's clean-up
    path = _snapshot_path(db_path, conn, found)
    # A correction made after `found` was read is in this version: no copy of it is read or kept with `found`.
    if path is not None and stored_corrections(conn) != list(found):
        path = None
    if path is not None and (kept := _read_snapshot(path)) is not None:
        return kept
    frame, table = _read(db_path, conn, found)
    if (
        path is not None
        and table is not None
        and table.num_rows >= SNAPSHOT_ROWS
        and path == _snapshot_path(db_path, conn, found)
    ):
        # The frame shares the table's buffers: holding it until written holds no more memory. Written beside the
        # dashboard building its frames, the copy slowed the cold first load at a million rows from 2.75-3.27 s to
        # 3.74-5.58 s (alternating runs): it waits for write_copies, or for SNAPSHOT_WAIT_SECONDS.
        with _WRITING_LOCK:
            _PENDING.append((table, path))
        due = threading.Timer(SNAPSHOT_WAIT_SECONDS, write_copies)
        due.daemon = True  # a process that ends first keeps no copy, rather than waiting to write it
        due.start()
    return frame


_PENDING: list[tuple[pa.Table, Path]] = []  # the copies stored_frame read, not yet being written
_WRITING: list[threading.Thread] = []  # the copies being written
_WRITING_LOCK = threading.Lock()  # sessions run in threads of their own


def write_copies() -> None:
    """Start writing the copies `stored_frame` read and kept back, each in a thread of its own. Call it once the work
    a write would slow is done (the dashboard does at the end of each page run); a copy nobody asks for is started
    SNAPSHOT_WAIT_SECONDS after its read. Once started, a process that ends meanwhile finishes the file first."""
    with _WRITING_LOCK:  # started and listed at once: copies_written joins only started threads
        for table, path in _PENDING:
            # Not a daemon, as a thread would be by default when started from one (a dashboard's page runs in one).
            writing = threading.Thread(target=_write_snapshot, args=(table, path), name="map copy", daemon=False)
            writing.start()
            _WRITING.append(writing)
        _PENDING.clear()


def copies_written() -> None:
    """Return once the copies this process's `stored_frame` calls kept back are written (started now if not yet)."""
    write_copies()
    with _WRITING_LOCK:
        pending = list(_WRITING)
    for writing in pending:
        writing.join()
    with _WRITING_LOCK:  # listed until written: a caller meanwhile waits for them too
        _WRITING[:] = [w for w in _WRITING if w.is_alive()]


def refresh(db_path: str | Path) -> int:
    """Keep the copy of the SQLite database at `db_path` at its current version, for the next dashboard's first load,
    when it holds SNAPSHOT_ROWS incidents or more and none is kept yet; return the rows kept (0 when none were: a
    PostgreSQL URL, no cache directory, a smaller database, a copy already kept, or a change while reading); raises
    REFRESH_ERRORS when it cannot read the database or write the copy. Call it once the writes are committed and the
    writer's connections closed: closing changes the file."""
    copies_written()
    if store.is_url(str(db_path)) or cache_dir() is None:
        return 0
    conn = store.connect_readonly(db_path)
    try:
        found = stored_corrections(conn)
        path = _snapshot_path(db_path, conn, found)
        try:
            if path is None or path.exists():
                return 0
        except OSError:  # a cache directory this user cannot read (ingest run as another user): none is kept there
            return 0
        if conn.execute("SELECT count(*) FROM incidents").fetchone()[0] < SNAPSHOT_ROWS:
            return 0
        _, table = _read(db_path, conn, found, frame=False)
        if table is None or path != _snapshot_path(db_path, conn, stored_corrections(conn)):
            return 0
    finally:
        conn.close()
    _stale_removed(path)
    _write_snapshot(table, path)
    rows = table.num_rows
    del table
    hand_back_memory()  # a watch runs on: what reading and sorting took is not kept (at 300k, 273 -> 133 MB)
    return rows


def hand_back_memory() -> None:
    """Hand back to the system the memory freed but kept by the allocators: Arrow's pools (the default and
    SORTED_MEMORY) keep it for Arrow's next allocations, and the C library's malloc (glibc's malloc_trim, where there
    is one) what the ADBC driver's threads freed, in arenas of their own; while the next frames are numpy's in part.
    At a million incidents, after the stored rows are read and sorted, 0.28 GB."""
    pa.default_memory_pool().release_unused()
    SORTED_MEMORY.release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


_MALLOC_TRIM: Callable[[int], int] | None
try:
    _MALLOC_TRIM = ctypes.CDLL(None).malloc_trim
except (AttributeError, OSError, TypeError):  # not glibc
    _MALLOC_TRIM = None


def _read(
    db_path: str | Path, conn: store.Connection, found: Sequence[store.Correction], *, frame: bool = True
) -> tuple[pd.DataFrame, pa.Table | None]:
    """Return the map rows read from the database, as a frame (unless not `frame`: an empty one) and as the sorted
    Arrow table it was made from (None when Arrow could not type a column)."""
    import pandas as pd

    hidden, deleted = left_out(found)
    read = _arrow_rows(db_path, conn, hidden=hidden, deleted=deleted)
    if read:
        table = _sorted_table(read)
        return (table.to_pandas() if frame else pd.DataFrame()), table
    rows = store.iter_map_rows(conn, ordered=False)
    if hidden or deleted:
        rows = (row for row in rows if row[0] not in hidden and row[1] not in deleted)
    return _stored_frame(rows)


def rows_frame(
    conn: store.Connection, incident_ids: Sequence[str], *, types: Sequence[str] = (), url: str | None = None
) -> pd.DataFrame:
    """Return the map rows of these incidents and of those of `types` (store.iter_map_rows_of, through `conn`) as
    stored_frame makes them a frame, in its order; given the PostgreSQL database's `url`, those of `types` read by
    Arrow's driver when it can: at ten million, the readers' 416,667 protected reports took 2.8 s in Python through
    psycopg."""
    read: list[pa.Table] = []
    if url is not None and types:
        select = store.map_rows_select(conn, ordered=False)
        marks = ", ".join("?" * len(types))
        pieces = _postgres_pieces(url, f"{select} WHERE i.type IN ({marks})", tuple(types))
        typed = None if pieces is None else _typed(pieces)
        if pieces == [] or typed is not None:  # read: none, or typed as the rest will be
            read, types = ([] if typed is None else [typed]), ()
    return _stored_frame(store.iter_map_rows_of(conn, incident_ids, types=types), read)[0]


def _stored_frame(rows: Iterator[tuple], typed: Sequence[pa.Table] = ()) -> tuple[pd.DataFrame, pa.Table | None]:
    """Return store.iter_map_rows as a frame (MAP_COLUMNS, then MAP_EXTRAS) in store.iter_incident_rows' order
    (newest date first, no date last, then by incident id), its columns typed as one DataFrame.from_records of all
    the rows would type them (a whole-number column with a gap as floats); and the Arrow table it was made from.
    `typed` are more of them, read into Arrow already (_typed), sorted with the rest.

    The rows go into Arrow a column at a time, LOAD_BATCH rows at a time (a million never sit in memory as Python
    tuples at once), and are sorted there: from_records and pandas' sort held the frame twice. A column Arrow cannot
    type (SQLite keeps text in an INTEGER column) makes the frame the old way, without a table.
    """
    import pandas as pd

    columns = [*store.MAP_COLUMNS, *store.MAP_EXTRAS]
    tables: list[pa.Table] = [*typed]
    batch: list[tuple] = []
    try:
        while batch := list(itertools.islice(rows, LOAD_BATCH)):
            tables.append(pa.table([pa.array(values) for values in zip(*batch)], names=columns))
        if not tables:
            return pd.DataFrame(columns=columns), None
        # A piece whose column is all None has no type: the others give it theirs.
        whole = [pa.concat_tables(tables, promote_options="permissive")]
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a piece, or pieces together, that Arrow cannot type
        read = (zip(*(column.to_pylist() for column in table.columns)) for table in tables)
        return _newest_first(_records_frame(itertools.chain(*read, batch, rows))), None
    del tables
    table = _sorted_table(whole)
    return table.to_pandas(), table


def _sorted_table(held: list[pa.Table]) -> pa.Table:
    """Return the stored rows, the one table `held` holds, sorted as _stored_frame sorts them. The table is taken out
    of `held`, so that nothing else keeps the columns the sort frees."""
    table = held.pop()
    names = table.column_names
    # A thread a core: on 2 cores, four took 0.53-0.79 s to take a million rows' columns, two 0.19 s.
    threads = min(READ_PIECES, os.cpu_count() or 1)
    with ThreadPoolExecutor(threads) as pool:
        order = _sort_order(_date_ranks(table["date"]).to_numpy(), table["incident_id"], pool, parts=threads)
        # Each column dropped once sorted (a few at a time, in threads): the frame is in memory once, not twice.
        # Taken from its pieces as read: joining them first copied each column once more.
        columns: list[pa.ChunkedArray | None] = list(table.columns)
        del table

        def sort(at: int) -> pa.ChunkedArray:
            column, columns[at] = columns[at], None
            assert column is not None
            return pc.take(column, order, memory_pool=SORTED_MEMORY)

        return pa.table(list(pool.map(sort, range(len(columns)))), names=names)


def _sort_order(ranks: np.ndarray, ids: pa.ChunkedArray, pool: ThreadPoolExecutor, *, parts: int) -> pa.Array:
    """Return the order of the rows by their dates' `ranks`, then by their incident `ids`: the rows cut into `parts`
    by ranges of ranks, each sorted apart by a thread of `pool`, one after the other; at a million rows on 2 cores,
    0.08-0.10 s in two parts against 0.18-0.28 s sorted whole."""
    counts = np.cumsum(np.bincount(ranks)) if len(ranks) else np.zeros(1, dtype=np.int64)
    # The first rank of each part but the first: a rank's rows all in one part, so parts in turn keep the order.
    cuts = np.searchsorted(counts, [len(ranks) * k // parts for k in range(1, parts)], side="right")
    part_of = np.searchsorted(cuts, ranks, side="right")

    def sorted_part(part: int) -> np.ndarray:
        rows = np.flatnonzero(part_of == part)
        held = pa.table({"date": pa.array(ranks[rows]), "incident_id": ids.take(pa.array(rows))})
        return rows[pc.sort_indices(held, sort_keys=[("date", "ascending"), ("incident_id", "ascending")]).to_numpy()]

    return pa.array(np.concatenate(list(pool.map(sorted_part, range(parts)))))


def _date_ranks(dates: pa.ChunkedArray) -> pa.Array:
    """Return each row's place among the distinct `dates` (ISO text), newest first, no date last: sorted by it, the
    rows are in the order of their dates descending, as comparing the texts orders them, at a fraction of the cost
    (a million rows hold a few thousand dates: 0.33 s with the incident ids, against 0.49 s for the texts)."""
    if pa.types.is_null(dates.type):  # no date at all (Arrow's type of a column of nothing but nulls)
        return pa.array(np.zeros(len(dates), dtype=np.int32))
    encoded = pc.dictionary_encode(dates).combine_chunks()
    newest_first = pc.array_sort_indices(encoded.dictionary, order="descending").to_numpy()
    ranks = np.empty(len(newest_first) + 1, dtype=np.int32)
    ranks[newest_first] = np.arange(len(newest_first), dtype=np.int32)
    ranks[-1] = len(newest_first)  # no date: after every date
    return pa.array(ranks[pc.fill_null(encoded.indices, -1).to_numpy()])


def _arrow_rows(db_path: str | Path, conn: store.Connection, *, hidden: set[str], deleted: set[str]) -> list[pa.Table]:
    """Return store.iter_map_rows of the database at `db_path` (open as `conn`) as one Arrow table typed as
    _stored_frame types them, but for the `hidden` incidents and those of `deleted` articles, read by Apache Arrow's
    ADBC drivers (no Python object per value): SQLite's in READ_PIECES pieces at once (a million incidents in
    1.1-1.5 s, against 7 s through sqlite3 into Arrow), PostgreSQL's by COPY. In a list for _sorted_table to take it
    from; an empty list when a driver cannot read them (not installed, a server it cannot reach) or types a column
    otherwise (SQLite keeps text in an INTEGER column): the caller reads them through `conn`."""
    select = store.map_rows_select(conn, ordered=False)
    url = store.is_url(str(db_path))
    read_pieces = _postgres_pieces(str(db_path), select) if url else _sqlite_pieces(db_path, conn, select)
    table = None if read_pieces is None else _typed(read_pieces)
    del read_pieces
    if table is None:
        return []
    if hidden or deleted:  # a filter copies every column, even of rows all kept
        left_out = pc.or_(
            pc.is_in(table["incident_id"], pa.array(sorted(hidden), pa.string())),
            pc.is_in(table["article_id"], pa.array(sorted(deleted), pa.string())),
        )
        table = table.filter(pc.invert(left_out))
    # A column of nothing but nulls has Arrow's null type, as pa.array types such values read through sqlite3.
    columns = [pa.nulls(len(c)) if c.null_count == len(c) else c for c in table.columns]
    return [pa.table(columns, names=table.column_names)]


def _typed(pieces: list[pa.Table]) -> pa.Table | None:
    """Return the pieces of map rows a driver read in one table, typed as _stored_frame types them; None when there are
    none (no piece gives their types) or a column is of another type (SQLite keeps text in an INTEGER column)."""
    names = [*store.MAP_COLUMNS, *store.MAP_EXTRAS]
    kinds = [pa.float64() if n in ("lat", "lon") else pa.int64() if n in WHOLE_NUMBERS else pa.string() for n in names]
    # The driver gives a piece's column of nothing but nulls a type of its own: made null, the other pieces type it.
    # PostgreSQL's INTEGER columns come as int32, its text maybe as large strings: widened as sqlite3 would read them.
    pieces = [
        pa.table(
            [widened(c, k) if c.null_count < len(c) else pa.nulls(len(c)) for c, k in zip(t.columns, kinds)], names
        )
        for t in pieces
    ]
    if not pieces or any(c.type not in (k, pa.null()) for t in pieces for c, k in zip(t.columns, kinds)):
        return None
    return pa.concat_tables(pieces, promote_options="permissive")


def widened(column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    """The column as `kind` when that only widens it (a smaller integer or float, large text as text), else as read."""
    same_family = (
        (pa.types.is_integer(column.type) and pa.types.is_integer(kind))
        or (pa.types.is_floating(column.type) and pa.types.is_floating(kind))
        or (pa.types.is_large_string(column.type) and pa.types.is_string(kind))
    )
    return column.cast(kind) if same_family and column.type != kind else column


def _sqlite_pieces(db_path: str | Path, conn: store.Connection, select: str) -> list[pa.Table] | None:
    """Return the rows `select` reads from the SQLite database at `db_path`, in READ_PIECES ranges of the incidents'
    rowids read at once (sqlite_tables), all of one version: after a write of the stored rows while they were read,
    read again in one piece; None when the driver cannot read them."""
    version = _rows_version(db_path, conn)
    rows, first, last = conn.execute("SELECT count(*), min(rowid), max(rowid) FROM incidents").fetchone()
    first, last = first or 0, last or 0
    pieces = max(1, min(READ_PIECES, rows // READ_PIECE_ROWS))
    bounds = [first + (last - first + 1) * k // pieces for k in range(pieces)] + [last + 1]
    read = sqlite_tables(db_path, rowid_ranges(select, bounds))
    if pieces > 1 and _rows_version(db_path, conn) != version:
        read = sqlite_tables(db_path, [(select, (), rows)])
    return read


def _rows_version(db_path: str | Path, conn: store.Connection) -> tuple:
    """Return what changes when the stored rows of the SQLite database at `db_path` (open as `conn`) do
    (store.rows_version), which names their kept copy and tells a read in pieces that a write came meanwhile: a write
    of another table (a reader's problem report, a feed polled) needs no second read, which took a million rows
    3.7-9.4 s in one piece (2 s in four); the file's version for a database from before migration 11, opened
    read-only."""
    token = store.rows_version(conn)
    return file_version(db_path) if token is None else ("rows", token)


def rowid_ranges(select: str, bounds: Sequence[int]) -> list[tuple[str, tuple, int]]:
    """Return `select` (of the incidents as `i`, without a WHERE) for each range of rowids between consecutive
    `bounds`, as sqlite_tables reads statements: with its parameters and the most rows it can read."""
    ranged = select + " WHERE i.rowid >= ? AND i.rowid < ?"
    return [(ranged, (a, b), b - a) for a, b in itertools.pairwise(bounds)]


def sqlite_tables(db_path: str | Path, statements: Sequence[tuple[str, tuple, int]]) -> list[pa.Table] | None:
    """Return what each (statement, parameters, most rows it reads) reads from the SQLite database at `db_path`,
    into Arrow by ADBC's SQLite driver (no Python object per value), each by a connection of its own in a thread of
    its own (the driver lets go of the GIL); None when the driver cannot read them."""
    # Imported here: 0.35 s (it imports pyarrow.dataset) that a kept copy's reader and a small store's writer skip.
    import adbc_driver_manager
    import adbc_driver_sqlite.dbapi as adbc_sqlite
    from adbc_driver_sqlite import StatementOptions

    def read(statement: tuple[str, tuple, int]) -> pa.Table:
        sql, parameters, rows = statement
        with adbc_sqlite.connect(store.readonly_uri(db_path)) as arrow, arrow.cursor() as cursor:
            # The driver sets no busy timeout: a reader opening beside another (this call's own threads, or a
            # process whose connection recovers the write-ahead log's index) failed at once with "database is
            # locked", and the caller read every row again through sqlite3 (a search at 1M: 0.8 s more).
            cursor.execute(f"PRAGMA busy_timeout = {int(store.LOCK_TIMEOUT * 1000)}")
            # The driver types each column by the rows of a batch, and fails on a later batch that disagrees: one
            # batch of all the rows types them as sqlite3's values are typed, or fails here.
            cursor.adbc_statement.set_options(**{StatementOptions.BATCH_ROWS.value: str(rows + 1)})
            cursor.execute(sql, parameters)
            return cursor.fetch_arrow_table()

    try:
        with ThreadPoolExecutor(len(statements)) as pool:
            return list(pool.map(read, statements))
    except (OSError, adbc_driver_manager.Error):
        return None


def _postgres_pieces(url: str, select: str, parameters: tuple = ()) -> list[pa.Table] | None:
    """Return the rows `select` (with its `parameters`) reads from the PostgreSQL database at `url` (postgres_tables),
    in one table; None when the driver is not installed or cannot read them, and none either when there are none (no
    batch gives their types): the caller reads them through psycopg."""
    tables = postgres_tables(url, select, parameters)
    return None if tables is None else [pa.concat_tables(read)] if (read := list(tables)) else []


def postgres_tables(url: str, select: str, parameters: tuple = ()) -> Generator[pa.Table, None, None] | None:
    """Return the rows `select` (a store's statement: its `parameters` at its ? placeholders) reads from the
    PostgreSQL database at `url` a batch at a time, by ADBC's PostgreSQL driver (COPY in binary, or the server's
    binary rows given parameters, into Arrow in C: no Python object per value); None when the driver is not installed
    or cannot run `select`. The connection stays open until the batches are all read."""
    import adbc_driver_manager

    try:
        import adbc_driver_postgresql.dbapi as adbc_postgresql

        arrow = adbc_postgresql.connect(postgres.libpq_url(url))
    except (OSError, ImportError, adbc_driver_manager.Error):
        return None
    try:
        cursor = arrow.cursor()
        if parameters:
            cursor.execute(postgres.numbered_placeholders(select), parameters)
        else:
            cursor.execute(select)
        reader = cursor.fetch_record_batch()
    except (OSError, adbc_driver_manager.Error):
        arrow.close()
        return None

    def tables() -> Generator[pa.Table, None, None]:
        try:
            for batch in reader:
                yield pa.Table.from_batches([batch])
        finally:
            cursor.close()
            arrow.close()

    return tables()


def postgres_results(url: str, statements: Sequence[tuple[str, tuple]]) -> list[pa.Table | None] | None:
    """Return what each (statement, parameters) of the store's reads from the PostgreSQL database at `url`, a table
    each (None when it read no rows: no batch gives their types), each on a connection of its own at once, by ADBC's
    driver (postgres_tables); None when the driver cannot read them."""

    def read(statement: tuple[str, tuple]) -> pa.Table | None:
        if (pieces := _postgres_pieces(url, *statement)) is None:
            raise LookupError(statement[0])
        return pieces[0] if pieces else None

    import adbc_driver_manager

    try:
        with ThreadPoolExecutor(len(statements)) as pool:
            return list(pool.map(read, statements))
    except (LookupError, OSError, adbc_driver_manager.Error):  # a connection lost, a statement cancelled
        return None


def _snapshot_path(db_path: str | Path, conn: store.Connection, found: Sequence[store.Correction]) -> Path | None:
    """Return where the copy of the database at `db_path` (open as `conn`; `found` its corrections) is kept between
    processes: an Arrow file in extract.cache's directory, named by the database's path or URL, the version of its
    stored rows (store.rows_version, or PostgreSQL's `postgres_version`) and the incidents the corrections leave out,
    the copy's only part of them (the others are applied as it is read); None without a cache directory, or when a
    PostgreSQL server counts no writes."""
    folder = cache_dir()
    if folder is None:
        return None
    if store.is_url(str(db_path)):
        found_version = postgres_version(conn)
        if found_version is None:
            return None
        place = hashlib.sha256(repr(postgres_place(conn)).encode()).hexdigest()[:16]
        version: tuple = found_version
    else:
        place = hashlib.sha256(str(Path(db_path).resolve()).encode()).hexdigest()[:16]
        version = _rows_version(db_path, conn)
    hidden, deleted = left_out(found)
    shape = (SNAPSHOT_FORMAT, store.MAP_COLUMNS, store.MAP_EXTRAS, version, sorted(hidden), sorted(deleted))
    return folder / "frames" / f"{place}-{hashlib.sha256(repr(shape).encode()).hexdigest()[:16]}.arrow"


def _read_snapshot(path: Path) -> pd.DataFrame | None:
    """Return the stored frame kept at `path`, None when there is none (or it cannot be read); the database's other
    versions' files are deleted first, so that a text taken down does not stay on disk past the next load."""
    _stale_removed(path)
    try:
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all().to_pandas()
    except (OSError, pa.ArrowException):
        return None


def _stale_removed(path: Path) -> None:
    """Delete the copies of the database's other versions kept beside `path`, and partial copies left long ago; what
    this user may not delete stays."""
    place = path.name.split("-")[0]
    for stale in path.parent.glob(f"{place}-*.arrow"):
        if stale != path:
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)
    # A server killed while writing (SIGKILL, out of memory) leaves its partial copy: removed once old, as another
    # server may be writing its own now.
    for partial in path.parent.glob(f".{place}-*.tmp"):
        try:
            if time.time() - partial.stat().st_mtime > SNAPSHOT_PARTIAL_SECONDS:
                partial.unlink()
        except OSError:
            pass


def _write_snapshot(table: pa.Table, path: Path) -> None:
    """Keep `table` at `path` for the next server, written under another name and moved into place so that no
    reader sees half of it; a directory that cannot be written only costs the next server the read."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = "." + path.name.split("-")[0] + "-"
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=prefix, suffix=".tmp", delete=False) as temporary:
            try:
                with pa.ipc.new_file(temporary, table.schema) as writer:
                    writer.write_table(table)
            except BaseException:
                os.unlink(temporary.name)
                raise
        os.replace(temporary.name, path)
    except (OSError, pa.ArrowException):
        pass


def _records_frame(rows: Iterator[tuple]) -> pd.DataFrame:
    import pandas as pd

    columns = [*store.MAP_COLUMNS, *store.MAP_EXTRAS]
    pieces = []
    while batch := list(itertools.islice(rows, LOAD_BATCH)):
        pieces.append(pd.DataFrame.from_records(batch, columns=columns))
    if len(pieces) == 1:
        return pieces[0]
    frame = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=columns)
    # A piece whose column is all None holds objects; together with the others it is numbers or strings again.
    mixed = [c for c in columns if frame[c].dtype == object]
    frame[mixed] = frame[mixed].infer_objects()
    return frame


def _newest_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame in store.iter_incident_rows' order: newest date first, no date last, then by incident id
    (text compares by code point in SQLite and in pandas alike)."""
    order = frame.sort_values(["date", "incident_id"], ascending=[False, True], na_position="last", kind="stable")
    return order.reset_index(drop=True)
