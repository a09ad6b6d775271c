"""Parallel ingest throughput: the marginal articles/s of ingest_paths between the FROM-th and the TO-th stored
article (start-up and the pool's warm-up excluded) in one process, with --workers N, and on a local Dask cluster of
N workers; the corpus is benchmarks/ingest.py's (the development articles repeated under new ids, or --synthetic).

Example:
    .venv/bin/python benchmarks/parallel.py
    .venv/bin/python benchmarks/parallel.py --workers 2 --to 3000 --synthetic
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ingest import dev_corpus, synthetic_corpus, write_jsonl

from extract.pipeline import ingest_paths, load_extractor

FROM, TO = 1000, 5000  # the window the issue measures in: past start-up, before the store grows large


def marginal_rate(news: Path, db: Path, *, start: int, end: int, extractor, **options) -> float:
    """Articles per second of one ingest between its `start`-th and `end`-th stored article."""
    stamps: dict[int, float] = {}
    count = 0

    def tick(article, incidents) -> None:
        nonlocal count
        count += 1
        if count in (start, end):
            stamps[count] = time.perf_counter()

    ingest_paths([news], db_path=db, extractor=extractor, on_article=tick, progress=False, **options)
    return (end - start) / (stamps[end] - stamps[start])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="processes and Dask workers (default 2)")
    parser.add_argument("--from", dest="start", type=int, default=FROM)
    parser.add_argument("--to", dest="end", type=int, default=TO)
    parser.add_argument("--synthetic", action="store_true", help="made-up articles instead of the development set")
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask run")
    args = parser.parse_args()
    articles = synthetic_corpus(args.end) if args.synthetic else dev_corpus(args.end)
    extractor = load_extractor()
    with tempfile.TemporaryDirectory() as tmp:
        news = Path(tmp, "news.jsonl")
        write_jsonl(articles[: args.end], news)
        one = marginal_rate(news, Path(tmp, "one.db"), start=args.start, end=args.end, extractor=extractor)
        print(f"1 process:    {one:7.1f} articles/s (articles {args.start:,}-{args.end:,})")
        pool = marginal_rate(
            news, Path(tmp, "pool.db"), start=args.start, end=args.end, extractor=extractor, workers=args.workers
        )
        print(f"{args.workers} workers:    {pool:7.1f} articles/s  ({pool / one:.2f}x)")
        if not args.no_dask:
            from distributed import LocalCluster

            with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None) as cluster:
                rate = marginal_rate(
                    news,
                    Path(tmp, "dask.db"),
                    start=args.start,
                    end=args.end,
                    extractor=extractor,
                    dask=cluster.scheduler_address,
                )
            print(f"Dask {args.workers} workers: {rate:7.1f} articles/s  ({rate / one:.2f}x)")


if __name__ == "__main__":
    main()
