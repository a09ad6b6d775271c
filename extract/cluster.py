"""Extraction on an existing Dask distributed cluster (ingest --dask ADDRESS): a WorkerPlugin loads the extractor
once per worker, and each task is a partition of the input (whole files, or a byte range of a large JSON Lines file)
that its worker reads itself. Given a PostgreSQL URL the worker also stores each article there; otherwise (SQLite)
the rows come back to this process to be stored. Either way the results come back in input order, and this process
alone matches events, so the events are those one process makes. Dask runs a task again on another worker when its
worker dies, and the store's upserts keyed by article id mean a task run twice, or a whole ingest run twice, never
duplicates.

Example:
    errors = []
    for done in dask_extracted(["archive/"], address="tcp://10.0.0.5:8786", errors=errors, db=url):
        events.match_stored(conn, done.article, done.incidents, reader=reader, reports=done.reports)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from distributed import Client, Future
from distributed.diagnostics.plugin import WorkerPlugin

from extract.parallel import AHEAD, Extracted, extract_partition, in_order, load_worker, partitions
from extract.records import ExtractError

if TYPE_CHECKING:
    from extract.pipeline import Extractor

RETRIES = 3  # a task whose worker died is run again on another worker up to this many times
PLUGIN_NAME = "crimemap-extractor"  # registering again under the same name replaces, never stacks, the plugin


class ExtractorPlugin(WorkerPlugin):
    """Loads the extractor once in each worker process, including workers that join or restart later."""

    def __init__(self, load: Callable[[], Extractor]) -> None:
        self.load = load

    def setup(self, worker: object) -> None:
        load_worker(self.load)


def dask_extracted(
    paths: Iterable[str | Path],
    *,
    address: str,
    errors: list[ExtractError],
    published: str | None = None,
    follow_symlinks: bool = False,
    db: str | None = None,
    load: Callable[[], Extractor] | None = None,
) -> Iterator[Extracted]:
    """Extract the articles under `paths` on the Dask cluster whose scheduler is at `address`, the extractor loaded
    by `load` (a picklable callable; default pipeline.load_extractor), and yield the results in input order, reading
    ahead boundedly; what reading reports is appended to `errors` where read_articles would append it. Given a
    PostgreSQL URL `db`, each worker stores its articles there (Extracted.stored). The paths must be readable under
    the same names here (which walks them and counts lines) and on every worker."""
    from extract.pipeline import load_extractor

    try:
        client = Client(address)  # waits up to Dask's connect timeout (distributed.comm.timeouts.connect, 30 s)
    # Refused, timed out, or not an address at all ("missing port number"): one error naming it, not a traceback.
    except (OSError, ValueError) as e:
        raise ExtractError(f"{address}: cannot reach the Dask scheduler ({e})") from None
    with client:
        client.register_plugin(ExtractorPlugin(load or load_extractor), name=PLUGIN_NAME)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        pending: deque[Future | ExtractError] = deque()
        for part in partitions(paths, follow_symlinks=follow_symlinks):
            if isinstance(part, ExtractError):
                pending.append(part)
                continue
            pending.append(
                client.submit(extract_partition, part, published=published, db=db, pure=False, retries=RETRIES)
            )
            while sum(isinstance(p, Future) for p in pending) >= workers * AHEAD:
                yield from _collected(pending.popleft(), errors)
        while pending:
            yield from _collected(pending.popleft(), errors)


def _collected(item: Future | ExtractError, errors: list[ExtractError]) -> Iterator[Extracted]:
    if isinstance(item, ExtractError):
        errors.append(item)
        return
    try:
        results = item.result()
    # A task failed on every worker it was tried on (retries and dead workers used up): one error, not a traceback.
    except Exception as e:  # noqa: BLE001
        raise ExtractError(f"the Dask cluster could not extract a partition ({type(e).__name__}: {e})") from None
    item.release()  # the worker may forget the partition's results once they are here
    yield from in_order(results, errors)
