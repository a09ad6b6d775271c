"""Extraction on an existing Dask distributed cluster (ingest --dask ADDRESS): a WorkerPlugin loads the extractor
once per worker, chunks of articles are the tasks, and the results come back to this process in input order, to be
stored by it alone; Dask runs a task again on another worker when its worker dies, and the store's upserts keyed by
article id mean a task run twice, or a whole ingest run twice, never duplicates.

Example:
    for done in dask_extracted(articles, address="tcp://10.0.0.5:8786"):
        store.save_article(conn, done.article, done.incidents)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from distributed import Client, Future
from distributed.diagnostics.plugin import WorkerPlugin

from extract.parallel import AHEAD, Extracted, chunks, extract_chunk, load_worker
from extract.records import Article

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
    articles: Iterable[Article], *, address: str, load: Callable[[], Extractor] | None = None
) -> Iterator[Extracted]:
    """Extract `articles` on the Dask cluster whose scheduler is at `address`, the extractor loaded by `load` (a
    picklable callable; default pipeline.load_extractor), and yield the results in input order, reading ahead
    boundedly."""
    from extract.pipeline import load_extractor

    with Client(address) as client:
        client.register_plugin(ExtractorPlugin(load or load_extractor), name=PLUGIN_NAME)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        pending: deque[Future] = deque()
        for chunk in chunks(articles):
            pending.append(client.submit(extract_chunk, chunk, pure=False, retries=RETRIES))
            if len(pending) >= workers * AHEAD:
                yield from _collected(pending.popleft())
        while pending:
            yield from _collected(pending.popleft())


def _collected(future: Future) -> list[Extracted]:
    result = future.result()
    future.release()  # the worker may forget the chunk's results once they are here
    return result
