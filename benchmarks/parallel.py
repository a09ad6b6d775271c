"""Parallel ingest throughput: the marginal articles/s of ingest_paths between the FROM-th and the TO-th stored
article (start-up and the workers' warm-up excluded) in one process, with --workers N, and on a local Dask cluster of
N workers (whose workers read byte ranges of the file and, on PostgreSQL, store the articles themselves), into SQLite
and, with --postgres, into a throwaway PostgreSQL server (tests/postgres_server.py: PostgreSQL 15 with PostGIS).

The machine may be shared, so each window also prints the CPU time it took: CPU seconds per article summed over
this process, its worker processes and the PostgreSQL server's, and this process's alone (it reads, stores or
matches serially); the rate that CPU time allows on N free cores (1 / max(this process's, all / N)); the cores our
processes kept busy; and the cores the whole machine kept busy (the rest is other work). The corpus is
benchmarks/ingest.py's (the development articles repeated under new ids, or --synthetic).

Example:
    .venv/bin/python benchmarks/parallel.py --postgres
    .venv/bin/python benchmarks/parallel.py --workers 2 --to 3000 --synthetic --no-dask
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from ingest import dev_corpus, synthetic_corpus, write_jsonl

from extract.pipeline import ingest_paths, load_extractor

FROM, TO = 1000, 5000  # the window the issue measures in: past start-up, before the store grows large
LEAD = 2000  # articles past TO in the input: the workers' read-ahead (AHEAD tasks each) is as far ahead at TO as at
# FROM, so that the window's CPU time is that of its own articles
TESTS = Path(__file__).resolve().parent.parent / "tests"


@dataclass(frozen=True, slots=True)
class Window:
    """What one ingest did between its FROM-th and TO-th stored article."""

    rate: float  # articles per wall-clock second
    cpu_per_article: float  # CPU seconds per article: this process, its workers, the PostgreSQL server
    own_per_article: float  # CPU seconds per article of this process alone (reading, storing, matching)
    ours: float  # cores those processes kept busy
    machine: float  # cores the whole machine kept busy

    def bound(self, cores: int) -> float:
        """Articles/s the CPU time allows on `cores` free cores: all of it shared out, this process's serial."""
        return 1 / max(self.own_per_article, self.cpu_per_article / cores)

    def line(self, label: str, cores: int, one: Window | None = None) -> str:
        ratio = f" ({self.rate / one.rate:.2f}x)" if one else "        "
        bound = f" ({self.bound(cores) / one.bound(1):.2f}x)" if one else "        "
        return (
            f"{label:<18} {self.rate:6.1f} articles/s{ratio}  CPU {1000 * self.cpu_per_article:5.2f} ms/article "
            f"(this process {1000 * self.own_per_article:5.2f})  CPU-bound {self.bound(cores):6.1f}/s{bound}  "
            f"ours {self.ours:4.2f} cores, machine {self.machine:4.2f} of {psutil.cpu_count()}"
        )


def cpu_seconds(server: psutil.Process | None) -> tuple[float, float]:
    """CPU seconds so far of this process alone, and with its descendants (pool or Dask workers) and the PostgreSQL
    server's processes."""
    me = psutil.Process()
    total = 0.0
    for root in [me, *([server] if server else [])]:
        for p in [root, *root.children(recursive=True)]:
            try:
                times = p.cpu_times()
            except psutil.Error:  # ended between listing and reading
                continue
            total += times.user + times.system
    own = me.cpu_times()
    return own.user + own.system, total


def busy_cores() -> float:
    """Seconds the machine's cores have been busy so far, summed over them."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)


def marginal_window(
    news: Path, db: str | Path, *, start: int, end: int, extractor, server: psutil.Process | None, **options
) -> Window:
    """Measure one ingest of `news` into `db` between its `start`-th and `end`-th stored article."""
    stamps: dict[int, tuple[float, tuple[float, float], float]] = {}
    count = 0

    def tick(article, incidents) -> None:
        nonlocal count
        count += 1
        if count in (start, end):
            stamps[count] = (time.perf_counter(), cpu_seconds(server), busy_cores())

    ingest_paths([news], db_path=db, extractor=extractor, on_article=tick, progress=False, **options)
    (w0, (o0, c0), m0), (w1, (o1, c1), m1) = stamps[start], stamps[end]
    wall, n = w1 - w0, end - start
    return Window(n / wall, (c1 - c0) / n, (o1 - o0) / n, (c1 - c0) / wall, (m1 - m0) / wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="processes and Dask workers (default 2)")
    parser.add_argument("--from", dest="start", type=int, default=FROM)
    parser.add_argument("--to", dest="end", type=int, default=TO)
    parser.add_argument("--synthetic", action="store_true", help="made-up articles instead of the development set")
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask runs")
    parser.add_argument("--postgres", action="store_true", help="also into a throwaway PostgreSQL server")
    parser.add_argument("--no-sqlite", action="store_true", help="leave out the SQLite runs")
    args = parser.parse_args()
    total = args.end + LEAD
    articles = synthetic_corpus(total) if args.synthetic else dev_corpus(total)
    extractor = load_extractor()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in psutil.getloadavg())}")
    server = None
    if args.postgres:
        sys.path.insert(0, str(TESTS))
        from postgres_server import start_server

        server = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            news = Path(tmp, "news.jsonl")
            write_jsonl(articles, news)
            backends = ([] if args.no_sqlite else ["sqlite"]) + (["postgresql"] if server else [])
            for backend in backends:
                run_backend(backend, news, Path(tmp), args, extractor, server)
    finally:
        if server:
            server.stop()
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in psutil.getloadavg())}")


def run_backend(backend: str, news: Path, tmp: Path, args, extractor, server) -> None:
    """Print one line per mode for one backend."""
    postmaster = None
    if server:
        pid = int((server.directory / "data" / "postmaster.pid").read_text().split()[0])
        postmaster = psutil.Process(pid)

    def db(name: str) -> str | Path:
        return server.new_database(name) if backend == "postgresql" else tmp / f"{name}.db"

    window = {"start": args.start, "end": args.end, "extractor": extractor, "server": postmaster}
    print(f"{backend}, articles {args.start:,}-{args.end:,}:")
    one = marginal_window(news, db("one"), **window)
    print(one.line("  1 process", 1))
    pool = marginal_window(news, db("pool"), workers=args.workers, **window)
    print(pool.line(f"  {args.workers} workers", args.workers, one))
    if not args.no_dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None) as cluster:
            dask = marginal_window(news, db("dask"), dask=cluster.scheduler_address, **window)
        print(dask.line(f"  Dask {args.workers} workers", args.workers, one))


if __name__ == "__main__":
    main()
