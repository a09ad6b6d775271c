"""Extraction fanned out over worker processes (ingest --workers) or a Dask cluster (ingest --dask), its results
handed back in input order, so that the caller stays the only writer and stores exactly what one process would.

Each worker loads the extractor once (a Pool initializer in a spawn context here, a WorkerPlugin in cluster.py), and
a task is a chunk of CHUNK articles.

Example:
    for done in pool_extracted(articles, workers=2):
        store.save_article(conn, done.article, done.incidents)
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from extract.records import Article, ExtractError, Incident, Rejection

if TYPE_CHECKING:
    from extract.events import ReportReader
    from extract.matching import Report
    from extract.pipeline import Extractor

CHUNK = 16  # articles per task: about 60 ms of extraction, so a task's pickling and queueing stay under 1%
AHEAD = 4  # tasks in flight per worker: enough to keep each busy while the parent stores, bounded in memory

_loaded: tuple[Extractor, ReportReader] | None = None  # this worker's extractor, set once by its initializer


@dataclass(frozen=True, slots=True)
class Extracted:
    """One article as a worker read it: its incidents and their event reports, or the error that stopped it; for an
    article that gives no incident, the extractor's reason."""

    article: Article
    incidents: list[Incident]
    reports: list[Report]
    error: str | None = None
    reason: str | None = None  # a records.Reason, stored with the article for the editors' Review page


def extract_article(article: Article, *, extractor: Extractor, reader: ReportReader) -> Extracted:
    """Extract one article's incidents and read their event reports, inside the article's own error boundary: any
    failure becomes the Extracted's error naming the article."""
    from extract import events
    from extract.pipeline import read_story, story_incidents

    try:
        # extract_incidents, with the rejection kept for its reason
        story = read_story(article, extractor=extractor)
        incidents = [] if isinstance(story, Rejection) else story_incidents(story, extractor=extractor)
        reports = events.read_reports(article, incidents, reader=reader)
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
    articles: Iterable[Article], *, workers: int, load: Callable[[], Extractor] | None = None
) -> Iterator[Extracted]:
    """Extract `articles` in `workers` spawned processes, each loading its extractor once with `load` (a picklable
    callable; default pipeline.load_extractor), and yield the results in input order, reading ahead boundedly."""
    from extract.pipeline import load_extractor

    context = multiprocessing.get_context("spawn")  # fork would copy the parent's threads and open database
    with context.Pool(workers, initializer=load_worker, initargs=(load or load_extractor,)) as pool:
        pending: deque[Any] = deque()
        for chunk in chunks(articles):
            pending.append(pool.apply_async(extract_chunk, (chunk,)))
            if len(pending) >= workers * AHEAD:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def _reader(extractor: Extractor) -> ReportReader:
    from extract import events

    return events.load_report_reader(matcher=extractor.matcher)


def load_worker(load: Callable[[], Extractor]) -> None:
    """Load this worker process's extractor with `load`, once."""
    global _loaded
    if _loaded is None:
        extractor = load()
        _loaded = (extractor, _reader(extractor))


def extract_chunk(chunk: list[Article]) -> list[Extracted]:
    """Extract a chunk of articles with the extractor load_worker loaded in this process."""
    if _loaded is None:
        raise RuntimeError("this worker has no extractor: the pool initializer or the WorkerPlugin did not run")
    extractor, reader = _loaded
    return [extract_article(a, extractor=extractor, reader=reader) for a in chunk]


def chunks(articles: Iterable[Article]) -> Iterator[list[Article]]:
    """Cut `articles` into lists of CHUNK, read lazily."""
    stream = iter(articles)
    while chunk := list(islice(stream, CHUNK)):
        yield chunk
