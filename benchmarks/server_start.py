"""A real server's first pages: `streamlit run dashboard/app.py` against `streamlit run dashboard/serve.py` (which
loads the map page's data as it starts), on the synthetic databases of benchmarks/dashboard_scale.py, opened in
Debian's chromium (Playwright, /usr/bin/chromium).

For each size and server, a new server with the map's copy kept (as after an ingest; none is below 100,000
incidents), each time in a fresh cache directory; the default page is asked for as soon as the server answers its
health check, and (serve.py) once it says its warm-up is over. Then (serve.py) the first pages after a write of the
map's rows: one more article stored, its map copy kept as ingest keeps it (dashboard_scale.add_article, keep_copy),
asked for once the server says it warmed up again for the new version, or REWARM_WAIT seconds after the write when
it says nothing (a server that does not warm up again: its first reader makes the new version). A page is shown when
its count is on it and Streamlit's running indicator is gone. Printed: the seconds from the server's start to its
health, the warm-up's own seconds (after a write, the warm-up again's), and the first and second page's seconds from
their request, over --runs servers each. With --db, the incidents are in that PostgreSQL database, filled by COPY
(dashboard_scale.database), and no map copy is kept (PostgreSQL's pages ask the server).

Example:
    .venv/bin/python benchmarks/server_start.py                  # 10,000 and 1,000,000 incidents, 2 runs each
    .venv/bin/python benchmarks/server_start.py 10000 --runs 3
    .venv/bin/python benchmarks/server_start.py 1000000 --asked after-a-write --db postgresql://crimemap@localhost/bench
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from dashboard_scale import add_article, database, keep_copy, size
from playwright.sync_api import sync_playwright

from extract.cache import CACHE_ENV

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the tests' real server, started as they start it
from streamlit_server import streamlit_server, warm_line  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SIZES = (10_000, 1_000_000)
SECONDS = re.compile(r" in ([\d.]+) s\.$")  # the end of the warm-up's line
PAGE_SECONDS = 300
REWARM_WAIT = 180  # seconds after a write at most before its first page is asked for (ten million: 9 s)
WAYS = (  # each row of the table: the server, its script, and when its pages are asked for
    ("app.py", "dashboard/app.py", "at once"),
    ("serve.py", "dashboard/serve.py", "at once"),
    ("serve.py", "dashboard/serve.py", "after the warm-up"),
    ("serve.py", "dashboard/serve.py", "after a write"),
)
ASKED = tuple(dict.fromkeys(when for *_, when in WAYS))


def warm_seconds(log_path: Path, *, wait: float, again: int = 0) -> float | None:
    """Return the warm-up's seconds (the `again`th warm-up's after it) from the server's output, waiting up to `wait`
    seconds for them; None without any."""
    line = warm_line(log_path, seconds=wait, again=again)
    return None if line is None else float(SECONDS.search(line).group(1))


def page_seconds(browser, url: str) -> float:
    """Return the seconds from asking for the default page in a new browser page to the page shown."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    started = time.perf_counter()
    page.goto(url + "/")
    page.get_by_text("incidents", exact=False).first.wait_for(timeout=PAGE_SECONDS * 1000)
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=PAGE_SECONDS * 1000)
    seconds = time.perf_counter() - started
    page.close()
    return seconds


def one_server(target: str, script: str, *, asked: str, browser) -> dict:
    """Start a server of `script` on `target` with the map's copy kept, open two pages when `asked` (one of
    ASKED); return the figures."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "INCIDENTS_DB": target, CACHE_ENV: folder}
        keep_copy(target, env)
        log_path = Path(folder) / "streamlit.log"
        started = time.perf_counter()
        with streamlit_server(env, log_path, script=script) as url:
            healthy = time.perf_counter() - started
            warmed = warm_seconds(log_path, wait=0 if asked == "at once" else PAGE_SECONDS)
            if asked == "after a write":
                add_article(target)
                keep_copy(target, env)
                warmed = warm_seconds(log_path, wait=REWARM_WAIT, again=1)
            first = page_seconds(browser, url)
            second = page_seconds(browser, url)
            if warmed is None and asked == "at once" and script.endswith("serve.py"):
                warmed = warm_seconds(log_path, wait=PAGE_SECONDS)
    return {"healthy": healthy, "warm": warmed, "first": first, "second": second}


def spread(values: list[float]) -> str:
    """Return the range of `values` as the table prints it ("1.23-4.56", or one figure when they agree)."""
    low, high = min(values), max(values)
    return f"{low:.2f}" if round(low, 2) == round(high, 2) else f"{low:.2f}-{high:.2f}"


def main(sizes: tuple[int, ...], runs: int, asked: tuple[str, ...] = ASKED, url: str | None = None) -> None:
    print("| incidents | server | page asked | healthy after s | warm-up s | first page s | second page s |")
    print("|---:|---|---|---:|---:|---:|---:|")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for n in sizes:
                target = database(n, url)
                for name, script, when in WAYS:
                    if when not in asked:
                        continue
                    found = [one_server(target, script, asked=when, browser=browser) for _ in range(runs)]
                    warm = [f["warm"] for f in found if f["warm"] is not None]
                    print(
                        f"| {n:,} | {name} | {when} "
                        f"| {spread([f['healthy'] for f in found])} | {spread(warm) if warm else '-'} "
                        f"| {spread([f['first'] for f in found])} | {spread([f['second'] for f in found])} |",
                        flush=True,
                    )
        finally:
            browser.close()
    print()
    print(
        "A page is timed from its request to its count shown with Streamlit's running indicator gone, in headless "
        "chromium without a GPU on the same machine; most of a warm page's seconds are the browser's."
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="A real server's first pages, from app.py and from serve.py.")
    parser.add_argument(
        "sizes", nargs="*", type=size, default=list(SIZES), metavar="N", help="incidents (default: %(default)s)"
    )
    parser.add_argument("--db", metavar="URL", help="an empty PostgreSQL database to fill instead of SQLite files")
    parser.add_argument("--runs", type=int, default=2, help="servers started per size and way (default: %(default)s)")
    parser.add_argument(
        "--asked",
        nargs="+",
        type=lambda text: text.replace("-", " "),
        choices=ASKED,
        default=list(ASKED),
        help="when pages are asked for, a word's spaces as hyphens: at-once, after-a-write (default: all)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    main(tuple(args.sizes), args.runs, tuple(args.asked), args.db)
