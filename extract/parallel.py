"""Extraction fanned out over worker processes (ingest --workers) or a Dask cluster (ingest --dask), its results
handed back in input order, so that the caller stores, or matches, exactly what one process would.

Each worker loads the extractor once (a Pool initializer in a spawn context here, a WorkerPlugin in cluster.py). A
task is a Partition, whole files or a byte range of a JSON Lines file, that the worker reads itself, and that a Dask
worker may store in PostgreSQL itself (extract_partition).

Example:
    errors = []
    for done in pool_extracted(["news/"], workers=2, errors=errors):
        store.save_article(conn, done.article, done.incidents)
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extract import articles as articles_mod
from extract.records import Article, ExtractError, Incident, Rejection

if TYPE_CHECKING:
    from extract.events import ReportReader
    from extract.matching import Report
    from extract.pipeline import Extractor
    from extract.store import Connection

AHEAD = 4  # tasks in flight per worker: enough to keep each busy while the parent stores, bounded in memory

PARTITION_BYTES = 1 << 18  # input per Dask task: about 150 news articles, half a second of extraction, so that a
# task's scheduling stays near 1%, the AHEAD tasks in flight hold little, and a killed worker's is cheap to run again
WORKER_NICENESS = 5  # added to a pool worker's niceness: the parent, storing and matching alone, runs first
SCAN_BYTES = 1 << 20  # read at a time while counting a JSON Lines file's lines for its byte ranges

_loaded: tuple[Extractor, ReportReader] | None = None  # this worker's extractor, set once by its initializer
_connections = threading.local()  # this worker thread's store connections, by database URL (extract_partition)


@dataclass(frozen=True, slots=True)
class Extracted:
    """One article as a worker read it: its incidents and their event reports, or the error that stopped it; for an
    article that gives no incident, the extractor's reason."""

    article: Article
    incidents: list[Incident]
    reports: list[Report]
    error: str | None = None
    reason: str | None = None  # a records.Reason, stored with the article for the editors' Review page
    stored: bool = False  # the worker stored the article and its incidents (not their events) in the database
    database: bool = False  # the error is the database's failure: the batch stops there


@dataclass(frozen=True, slots=True)
class Piece:
    """A file to read whole (end None), or the JSON lines of one starting in its bytes [start, end), the first of
    them being line number `line`."""

    path: Path
    start: int = 0
    end: int | None = None
    line: int = 1


Partition = tuple[Piece, ...]
"""One Dask task's input: whole files, or one byte range of a large JSON Lines file."""


def extract_article(article: Article, *, extractor: Extractor, reader: ReportReader) -> Extracted:
    """Extract one article's incidents and read their event reports, inside the article's own error boundary: any
    failure becomes the Extracted's error naming the article."""
    from extract import events
    from extract.pipeline import read_story, story_incidents

    try:
        # extract_incidents, with the rejection kept for its reason
        story = read_story(article, extractor=extractor)
        read = None if isinstance(story, Rejection) else story
        incidents = [] if read is None else story_incidents(read, extractor=extractor)
        reports = events.read_reports(article, incidents, reader=reader, story=read)  # its places not read again
    except ExtractError as e:
        return Extracted(article, [], [], str(e))
    # One article's failure is that article's, whatever it is: the batch goes on.
    except Exception as e:  # noqa: BLE001
        return Extracted(article, [], [], f"{article.source}: cannot extract the article ({type(e).__name__}: {e})")
    return Extracted(article, incidents, reports, reason=story.reason if isinstance(story, Rejection) else None)


def local_extracted(articles: Iterable[Article], *, extractor: Extractor) -> Iterator[Extracted]:
    """Extract `articles` in this process, one by one."""
    reader = _reader(extractor)
    return (extract_article(a, extractor=extractor, reader=reader) for a in articles)


def pool_extracted(
    paths: Iterable[str | Path],
    *,
    workers: int,
    errors: list[ExtractError],
    published: str | None = None,
    follow_symlinks: bool = False,
    load: Callable[[], Extractor] | None = None,
    db: str | None = None,
) -> Iterator[Extracted]:
    """Extract the articles under `paths` in `workers` spawned processes, each loading its extractor once with `load`
    (a picklable callable; default pipeline.load_extractor) and reading its partitions itself, and yield the results
    in input order, reading ahead boundedly; what reading reports is appended to `errors` where read_articles would
    append it. Given a PostgreSQL URL `db`, the workers store the articles there too, as Dask workers do
    (extract_partition): the caller's single matcher then no longer waits for the server to write them."""
    from extract.pipeline import load_extractor

    context = multiprocessing.get_context("spawn")  # fork would copy the parent's threads and open database
    with context.Pool(workers, initializer=_start_pool_worker, initargs=(load or load_extractor,)) as pool:
        pending: deque[Any] = deque()
        for part in partitions(paths, follow_symlinks=follow_symlinks):
            if isinstance(part, ExtractError):
                pending.append(part)
                continue
            pending.append(pool.apply_async(extract_partition, (part,), {"published": published, "db": db}))
            while sum(not isinstance(p, ExtractError) for p in pending) >= workers * AHEAD:
                yield from in_order(_got(pending.popleft()), errors)
        while pending:
            yield from in_order(_got(pending.popleft()), errors)


def _got(item: Any) -> list[Extracted | ExtractError]:
    return [item] if isinstance(item, ExtractError) else item.get()


def in_order(results: list[Extracted | ExtractError], errors: list[ExtractError]) -> Iterator[Extracted]:
    """Yield a partition's results, appending what reading reported among them to `errors` as they come."""
    for result in results:
        if isinstance(result, ExtractError):
            errors.append(result)
        else:
            yield result


def _reader(extractor: Extractor) -> ReportReader:
    from extract import events

    return events.load_report_reader(matcher=extractor.matcher)


def _start_pool_worker(load: Callable[[], Extractor]) -> None:
    """A pool worker's start: lower its priority by WORKER_NICENESS, then load the extractor (load_worker)."""
    # The parent stores and matches every article alone: with N workers on N cores, an even share of the CPU made it
    # the bottleneck (2 workers on 2 cores: 1.52-1.66x one process's rate, niced 1.75-2.01x).
    if hasattr(os, "nice"):  # POSIX
        os.nice(WORKER_NICENESS)
    # Ctrl-C reaches the whole process group: the parent stops the pool, and a worker's traceback would say nothing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    load_worker(load)


def load_worker(load: Callable[[], Extractor]) -> None:
    """Load this worker process's extractor with `load`, once."""
    global _loaded
    if _loaded is None:
        extractor = load()
        _loaded = (extractor, _reader(extractor))


def partitions(
    paths: Iterable[str | Path], *, follow_symlinks: bool = False, size: int | None = None
) -> Iterator[Partition | ExtractError]:
    """Cut the input under `paths` into partitions of about `size` bytes (default PARTITION_BYTES) in input order:
    consecutive whole files, or byte ranges of a JSON Lines file read line by line, cut at line starts; what the
    walk reports comes between them, where read_articles would report it. Only the walk and the counting of lines
    happen here: the articles are read where the partition is extracted."""
    target = size or PARTITION_BYTES
    errors: list[ExtractError] = []
    group: list[Piece] = []
    held = 0
    for file in articles_mod.input_files(paths, errors=errors, follow_symlinks=follow_symlinks):
        if errors:
            if group:
                yield tuple(group)
                group, held = [], 0
            yield from errors
            errors.clear()
        try:
            length = os.stat(file).st_size
        except OSError:
            length = 0  # reading it reports why
        if length > target and articles_mod.by_lines(file):
            if group:
                yield tuple(group)
                group, held = [], 0
            yield from ((Piece(file, start, end, line),) for start, end, line in line_ranges(file, size=target))
            continue
        group.append(Piece(file))
        held += length
        if held >= target:
            yield tuple(group)
            group, held = [], 0
    if group:
        yield tuple(group)
    yield from errors


def line_ranges(path: Path, *, size: int) -> Iterator[tuple[int, int, int]]:
    """Cut a file into byte ranges of whole lines, each about `size` bytes: (start, end, number of the line at
    start); lines are counted as read_articles counts them, at each b"\\n"."""
    with open(path, "rb") as stream:
        total = os.fstat(stream.fileno()).st_size
        start, line = 0, 1
        while start < total:
            stream.seek(start + size - 1)
            while (rest := stream.readline(SCAN_BYTES)) and not rest.endswith(b"\n"):
                pass  # a line longer than SCAN_BYTES, not held whole
            end = min(stream.tell(), total)
            yield start, end, line
            stream.seek(start)
            for _ in range(start, end, SCAN_BYTES):
                line += stream.read(min(SCAN_BYTES, end - stream.tell())).count(b"\n")
            start = end


def extract_partition(
    partition: Partition, *, published: str | None = None, db: str | None = None
) -> list[Extracted | ExtractError]:
    """Read a partition's articles here, extract them with the extractor load_worker loaded, and, given a
    PostgreSQL URL `db`, store them (_stored_together; events are left to the caller's single matcher); return the
    results and what reading reported, in input order."""
    if _loaded is None:
        raise RuntimeError("this worker has no extractor: the pool initializer or the WorkerPlugin did not run")
    extractor, reader = _loaded
    errors: list[ExtractError] = []
    results: list[Extracted | ExtractError] = []
    for article in partition_articles(partition, published=published, errors=errors):
        results.extend(errors)
        errors.clear()
        results.append(extract_article(article, extractor=extractor, reader=reader))
    results.extend(errors)
    return results if db is None else _stored_together(db, results)


def _stored_together(db: str, results: list[Extracted | ExtractError]) -> list[Extracted | ExtractError]:
    """Store the partition's extracted articles in one transaction; when any fails, roll it back and store each in its
    own (_stored_in), so that its error names it and the others are kept, up to the first failure of the database,
    where the results end (the caller stops the batch there)."""
    from extract import store

    todo = [r for r in results if isinstance(r, Extracted) and r.error is None]
    if len(todo) > 1:
        # One commit, not one per article: at 3,000 articles into a server that syncs its commits, with 2 workers,
        # the workers' CPU 2.36 -> 2.10 ms per article and the server's 1.04 -> 0.88.
        try:
            conn = _connection(db)
            with store.write_batch(conn, matching=False):
                store.screen_ahead(conn, [(done.article, done.incidents) for done in todo])
                for done in todo:
                    store.save_article(conn, done.article, done.incidents, reason=done.reason)
        except store.DatabaseError:
            _forget_connection(db)
        except Exception:  # noqa: BLE001, S110  (rolled back: each article again on its own names what failed)
            pass
        else:
            return [replace(r, stored=True) if isinstance(r, Extracted) and r.error is None else r for r in results]
    stored: list[Extracted | ExtractError] = []
    for result in results:
        if isinstance(result, Extracted) and result.error is None:
            result = _stored_in(db, result)
        stored.append(result)
        if isinstance(result, Extracted) and result.database:
            break
    return stored


def partition_articles(
    partition: Partition, *, published: str | None = None, errors: list[ExtractError]
) -> Iterator[Article]:
    """Yield the stories of a partition's pieces as read_articles reads them, appending what it reports to `errors`."""
    for piece in partition:
        if piece.end is None:
            yield from articles_mod.read_file(piece.path, published=published, errors=errors)
        else:
            yield from articles_mod.read_jsonl_range(
                piece.path, start=piece.start, end=piece.end, line=piece.line, published=published, errors=errors
            )


def _stored_in(db: str, done: Extracted) -> Extracted:
    """Store an extracted article in the database at `db` as pipeline._store_article does, less its events."""
    from extract import store

    article = done.article
    try:
        store.save_article(_connection(db), article, done.incidents, reason=done.reason)
    except store.DatabaseError as e:
        _forget_connection(db)
        return replace(done, error=str(e), database=True)
    except ExtractError as e:  # the statement's failure, naming the article
        return replace(done, error=str(e))
    # One article's failure is that article's, whatever it is: the batch goes on.
    except Exception as e:  # noqa: BLE001
        return replace(done, error=f"{article.source}: cannot store the article ({type(e).__name__}: {e})")
    return replace(done, stored=True)


def _connection(db: str) -> Connection:
    """This thread's connection to `db`, opened (and the schema checked) once; failing to open is the database's
    failure."""
    from extract import store

    by_url = _connections.__dict__.setdefault("by_url", {})
    if db not in by_url:
        try:
            by_url[db] = store.connect(db)
        except ExtractError as e:
            raise store.DatabaseError(str(e)) from None
    return by_url[db]


def _forget_connection(db: str) -> None:
    conn = _connections.__dict__.get("by_url", {}).pop(db, None)
    if conn is not None:
        try:
            conn.close()
        except Exception:  # noqa: BLE001, S110  (a broken connection may fail to close; it is dropped either way)
            pass
