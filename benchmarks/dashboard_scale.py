"""Dashboard scale: the Map page's first load, reruns, bytes sent and memory, for 10k, 100k and 1M synthetic incidents.

Builds synthetic databases under benchmarks/out/ (kept between runs; delete them to rebuild), or fills an empty
PostgreSQL database given by --db with COPY. Each size is measured in a process of its own, so that its peak
memory is its own:
- first load: the first run of the page in a fresh server process (database -> shared frames, masking, events,
  filter choices), with the default link: cold (no stored frame kept from an earlier server: the SQLite rows are
  read, and kept in a cache directory of the benchmark's own) and after a restart (the kept frame is read);
- for each link, a new session's first run and its rerun (server caches warm), in seconds, with the deck JSON and
  all elements' protobuf bytes (what goes over the websocket);
- the process's peak resident memory;
- then the running server's first load after a reader's problem report (a write of no row the map shows: nothing
  is read again);
- then (SQLite) its first load after an editor's correction (the map's rows changed), and the peak memory with it (a
  server that held two versions' frames at once would show it here), then after a change whose map copy ingest kept
  (extract.columnar.refresh, in a process of its own: its seconds are the writer's cost);
- and (SQLite) a new server's first load after such an ingest.
The extractor the place search loads is built first into the benchmark's cache directory, as a server finds it kept
after its first run: the links measure the search, not that one-time build.
Synthetic points are uniform over Greater London's bounding box, so nearly every incident has its own point.

Example:
    .venv/bin/python benchmarks/dashboard_scale.py              # 10k, 100k, 1M in SQLite files
    .venv/bin/python benchmarks/dashboard_scale.py 10000 100000
    .venv/bin/python benchmarks/dashboard_scale.py 100000 --db postgresql://crimemap@localhost/bench
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import maps
from dashboard.filters import CRIME_TYPES_CSV
from extract import corrections, store
from extract.cache import CACHE_ENV
from extract.datafiles import read_rows
from extract.geo.gazetteer import BOROUGHS
from extract.postgres import PostgresConnection
from extract.records import WEAPONS
from extract.text.screening import data_screens

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the components an AppTest is given, discovered as the tests discover them
from streamlit_server import discovered_components  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
APP = ROOT / "dashboard" / "app.py"
SIZES = (10_000, 100_000, 1_000_000)
REPORT_COUNTED_SECONDS = 15.0  # PostgreSQL counts a write within about a second; an idle backend's within ten
BATCH = 50_000  # incidents per transaction while building: few commits, bounded memory
BBOX = (51.29, 51.69, -0.51, 0.33)  # lat min, lat max, lon min, lon max
LINKS = {
    "default": {},
    "borough+type": {"borough": "Hackney", "type": ["stabbing", "robbery"]},
    "2023 only": {"from": "2023-01-01", "to": "2023-12-31"},
    "search q (most rows)": {"q": "Road"},
    "search q (few rows)": {"q": "teenager arrested"},
    "near 2 km": {"near": "Mare Street", "km": "2"},
    "boroughs view": {"view": "boroughs"},
}
WORDS = (
    "police",
    "man",
    "woman",
    "teenager",
    "street",
    "night",
    "officers",
    "scene",
    "hospital",
    "arrested",
    "attack",
    "witnesses",
    "appeal",
    "inquiry",
    "detectives",
    "charged",
    "victim",
    "car",
    "shop",
    "station",
)
STREETS = ("High Street", "Station Road", "Church Road", "Park Road", "London Road", "Green Lane", "Mill Lane")


def synthetic_rows(n: int, *, seed: int = 1) -> Iterator[dict]:
    """Yield `n` synthetic incident rows (one article each): INCIDENT_COLUMNS and the stored H3 cell."""
    rng = random.Random(seed)
    types = [(row["slug"], row["category"]) for row in read_rows(CRIME_TYPES_CSV)]
    precisions = ("street",) * 6 + ("building", "station", "postcode", "area", "area", "ward", "borough", "london")
    start = date(2018, 1, 1)
    for i in range(n):
        slug, category = rng.choice(types)
        street = rng.choice(STREETS)
        headline = f"{slug.replace('_', ' ').capitalize()} on {street}: " + " ".join(rng.choices(WORDS, k=8))
        evidence = f"A {slug.replace('_', ' ')} happened on {street} " + " ".join(rng.choices(WORDS, k=18)) + "."
        day = (start + timedelta(days=rng.randrange(7 * 365))).isoformat()
        article_id = f"a{i:07d}"
        lat, lon = rng.uniform(*BBOX[:2]), rng.uniform(*BBOX[2:])
        yield {
            "incident_id": f"{article_id}:0",
            "article_id": article_id,
            "headline": headline,
            "url": f"https://news.example/{article_id}",
            "published": day,
            "type": slug,
            "category": category,
            "location_text": street,
            "place_name": street,
            "place_kind": "street",
            "lat": lat,
            "lon": lon,
            "precision": rng.choice(precisions),
            "borough": rng.choice(BOROUGHS),
            "borough_code": None,
            "geocode_source": "synthetic",
            "candidates": 1,
            "date": day,
            "date_basis": "stated",
            "fatal": int(rng.random() < 0.05),
            "weapon": rng.choice(WEAPONS + (None,)),
            "victim_ages": "[]",
            "arrests": None,
            "evidence": evidence,
            "evidence_start": 0,
            "type_start": 2,
            "type_end": 2 + len(slug),
            "place_start": evidence.index(street),
            "place_end": evidence.index(street) + len(street),
            "h3_r8": store.h3_cell(lat, lon),
        }


# Rows go in by column name, so the builders keep working when the store adds a column with a default.
INCIDENT_TABLE = (*(c for c in store.INCIDENT_COLUMNS if c not in store.ARTICLE_COLUMNS), "h3_r8", store.SCREEN)


def screened(rows: list[dict]) -> list[dict]:
    """Return the rows with the name screen an ingest stores with them (store.SCREEN), screened in one pass."""
    screens = data_screens([r["headline"] for r in rows], [r["evidence"] for r in rows])
    return [row | {store.SCREEN: s} for row, s in zip(rows, screens)]


ARTICLE_TABLE = ("article_id", "headline", "url", "published", "source", "n_incidents", "ingested_at")


def article_values(row: dict) -> tuple:
    """Return the articles row of a synthetic incident's article, in ARTICLE_TABLE order."""
    return (row["article_id"], row["headline"], row["url"], row["published"], "synthetic", 1, row["published"])


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def build_db(path: Path, n: int) -> None:
    """Write `n` synthetic incidents into a new SQLite incidents database at `path` (its search index filled by the
    store's triggers as rows go in)."""
    path.unlink(missing_ok=True)
    conn = store.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    insert_incident, insert_article = _insert("incidents", INCIDENT_TABLE), _insert("articles", ARTICLE_TABLE)
    rows = synthetic_rows(n)
    while batch := screened(list(itertools.islice(rows, BATCH))):
        with conn:
            conn.executemany(insert_article, [article_values(row) for row in batch])
            conn.executemany(insert_incident, [tuple(row[c] for c in INCIDENT_TABLE) for row in batch])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def fill_postgres(url: str, n: int) -> None:
    """Replace the incidents of the PostgreSQL database at `url` with `n` synthetic ones, loaded by COPY."""
    conn = store.connect(url)
    assert isinstance(conn, PostgresConnection)
    with conn:
        conn.execute("TRUNCATE articles, incidents, incident_events, events, event_keys, corrections")
    rows = synthetic_rows(n)
    while batch := screened(list(itertools.islice(rows, BATCH))):
        with conn:
            conn.copy_rows("articles", ARTICLE_TABLE, [article_values(row) for row in batch])
            conn.copy_rows("incidents", INCIDENT_TABLE, [tuple(row[c] for c in INCIDENT_TABLE) for row in batch])
    # As an ingest's batch does: else each count made ahead reads every change the fill made (at ten million, 122
    # million rows: a server's first page took 48 s, 41 s of it in those counts).
    store.compact_counts(conn)
    conn.execute("VACUUM ANALYZE")
    conn.close()


def database(n: int, url: str | None) -> str:
    """Return the database of `n` synthetic incidents (the SQLite file, or `url`), building or filling it when it
    is missing or holds another number, and upgraded to the current schema."""
    target = url or str(OUT / f"incidents_{n}.db")
    if url is None and not Path(target).exists():
        conn = None
    else:
        conn = store.connect(target if url else Path(target))  # an older file gets the current schema first
    if conn is not None:
        try:
            # The articles an earlier run added (add_article) stay: a file of `n` synthetic incidents besides them
            # is kept, not built again (6-7 minutes at a million).
            # Its rows screened as an ingest screens them (a file built before the screen is built again).
            held = f"SELECT count(*) FROM incidents WHERE {SYNTHETIC} AND {store.SCREEN} IS NOT NULL"
            if conn.execute(held).fetchone()[0] == n:
                return target
        finally:
            conn.close()
    started = time.perf_counter()
    if url:
        fill_postgres(url, n)
    else:
        build_db(Path(target), n)
    print(f"built {n:,} incidents in {store.redacted(target)} in {time.perf_counter() - started:.1f} s", flush=True)
    return target


def timed(function, *args, **kwargs):
    """Return what `function(*args, **kwargs)` returns and the seconds it took."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def page_run(params: dict, *, runs: int = 2) -> dict:
    """Run the page for one link in a new session `runs` times (a session's first run, then reruns); return the
    seconds of each run and the bytes of the last."""
    at = AppTest.from_file(str(APP), default_timeout=1200)
    at._bidi_component_manager = discovered_components()
    at.query_params.update(params)
    seconds, cpu = [], []
    for _ in range(runs):
        started = time.process_time()
        _, run_s = timed(at.run)
        assert not at.exception, at.exception
        seconds.append(run_s)
        cpu.append(time.process_time() - started)
    deck = at.get("deck_gl_json_chart")[0].proto.json
    layers = [layer["@@type"].replace("Layer", "") for layer in json.loads(deck)["layers"] if layer["id"] != "outlines"]
    return {
        "runs": seconds,
        "cpu": cpu,
        "deck": len(deck.encode()),
        "sent": sum(e.proto.ByteSize() for e in at._tree if getattr(e, "proto", None)),
        "shown": at.subheader[0].value,
        "layers": "+".join(layers),
    }


def peak_mb() -> float:
    """Return this process's peak resident memory since the last reset_peak (since it started, without one), in MB."""
    with open("/proc/self/status") as status:  # VmHWM: the peak Linux keeps, which clear_refs resets
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def reset_peak() -> None:
    """Start this process's peak resident memory anew from what it holds now (Linux's clear_refs), so that a step's
    peak is its own and not an earlier step's."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def measure(target: str, *, links: bool = True) -> dict:
    """Return the figures of one database, measured in this process: the first load, each link (unless not
    `links`), the peak memory; with the links, of a SQLite file, also the first load after a change of the
    database (its modification time moved on: a new version, read again) and the peak memory after it."""
    os.environ["INCIDENTS_DB"] = target
    sys.argv = [str(APP)]  # the page reads --db from argv; the benchmark's own arguments are not for it
    first = page_run({}, runs=1)
    links = {name: page_run(params) for name, params in LINKS.items()} if links else {}
    figures = {"first": first, "links": links, "peak_mb": peak_mb()}
    if links:  # a write of no row the map shows: the frames stay
        report(target)
        reset_peak()
        figures |= {"reported": page_run({}, runs=1), "reported_peak_mb": peak_mb()}
    if links and not store.is_url(target):
        edit(target)
        reset_peak()
        figures |= {"changed": page_run({}, runs=1), "changed_peak_mb": peak_mb()}
        add_article(target)
        keep_copy(target)  # as ingest does, in a process of its own: its memory is not this server's
        reset_peak()
        figures |= {"ingested": page_run({}, runs=1), "ingested_peak_mb": peak_mb()}
    return figures


def edit(target: str) -> None:
    """An editor verifies the first incident: a write of the map's rows, so a new version, read again."""
    conn = store.connect(target)
    try:
        corrections.verify(conn, "a0000000:0", editor="benchmark")
    finally:
        conn.close()


ADDED = "added"  # the id prefix of the articles add_article stores
SYNTHETIC = f"article_id NOT LIKE '{ADDED}%'"  # the incidents `database` built


def add_article(target: str) -> None:
    """Store one more synthetic article with its incident, as an ingest does: a write of the stored rows."""
    conn = store.connect(target)
    try:
        count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        (row,) = screened(list(synthetic_rows(1, seed=count)))
        row = row | {"article_id": f"{ADDED}{count}", "incident_id": f"{ADDED}{count}:0"}
        with conn:
            conn.execute(_insert("articles", ARTICLE_TABLE), article_values(row))
            conn.execute(_insert("incidents", INCIDENT_TABLE), tuple(row[c] for c in INCIDENT_TABLE))
    finally:
        conn.close()


def report(target: str) -> None:
    """A reader reports a problem with the first incident: the database is written, but none of the map's rows;
    returns once PostgreSQL's version of the database (store.data_version) shows the write, which it counts within
    about a second (SQLite's file shows it at once)."""
    conn = store.connect(target)
    try:
        before = store.data_version(conn)
        corrections.report_problem(conn, "a0000000:0", "wrong_place")
    finally:
        conn.close()
    if not store.is_url(target):
        return
    deadline = time.monotonic() + REPORT_COUNTED_SECONDS
    while time.monotonic() < deadline:
        conn = store.connect_readonly(target)
        try:
            if store.data_version(conn) != before:
                return
        finally:
            conn.close()
        time.sleep(0.1)
    raise RuntimeError(f"the problem report was not counted within {REPORT_COUNTED_SECONDS} s")


def keep_copy(target: str, environ: dict[str, str] | None = None) -> float:
    """Keep the map's copy of the database's version as ingest does once its writes are closed (columnar.refresh),
    in a process of its own (with `environ`, else this one's); return its seconds (the writer's cost, Python's start
    included)."""
    command = [sys.executable, "-c", f"from extract import columnar; columnar.refresh({str(target)!r})"]
    return timed(subprocess.run, command, check=True, env=environ)[1]


def first_load(target: str, environ: dict[str, str], *, only_first: bool) -> dict:
    """Return the figures of `measure(target)` run in a fresh process with `environ` (only the first load, when
    `only_first`)."""
    done = subprocess.run(
        [sys.executable, __file__, "--measure", target, *(["--first-only"] if only_first else [])],
        check=True,
        capture_output=True,
        text=True,
        env=environ,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def keep_extractor(environ: dict[str, str]) -> float:
    """Build and keep the extractor in the cache directory `environ` names (load_extractor, in a process of its own);
    return its seconds."""
    command = [sys.executable, "-c", "from extract.pipeline import load_extractor; load_extractor()"]
    return timed(subprocess.run, command, check=True, env=environ)[1]


def load_line(figures: dict) -> str:
    first = figures["first"]
    return (
        f"first load {first['runs'][0]:.2f} s ({first['cpu'][0]:.2f} s CPU), peak memory {figures['peak_mb']:,.0f} MB"
    )


def main(sizes: tuple[int, ...], url: str | None) -> None:
    """Measure each size in a process of its own and print the table of page runs per link."""
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for n in sizes:
        target = database(n, url)
        with tempfile.TemporaryDirectory() as cache:  # frames kept by one server for the next: none at first
            environ = {**os.environ, CACHE_ENV: cache}
            # The extractor the place search loads is kept in the same directory, as a server's user finds it
            # after its first ingest or server: built here first, so that the "near" link measures the search,
            # not this one-time build (2-3 s and 150 MB more at its peak).
            print(f"extractor cache built in {keep_extractor(environ):.2f} s (once per install)", flush=True)
            for start, only_first in (("cold", True), ("restart", False)):
                figures = first_load(target, environ, only_first=only_first)
                print(
                    f"{n:>9,} incidents ({'PostgreSQL' if url else 'SQLite'}), {start}: {load_line(figures)}",
                    flush=True,
                )
            for name, said in (
                ("reported", "after a reader's problem report"),
                ("changed", "after an editor's correction"),
                ("ingested", "after an ingest that kept the copy"),
            ):
                if run := figures.get(name):
                    print(
                        f"{n:>9,} incidents, the running server {said}: first load {run['runs'][0]:.2f} s "
                        f"({run['cpu'][0]:.2f} s CPU), peak memory {figures[f'{name}_peak_mb']:,.0f} MB",
                        flush=True,
                    )
            if not url:  # a new server's first load after a write whose copy ingest kept
                add_article(target)
                seconds = keep_copy(target, environ)
                print(
                    f"{n:>9,} incidents, a new server after an ingest that kept the copy (in {seconds:.2f} s): "
                    f"{load_line(first_load(target, environ, only_first=True))}",
                    flush=True,
                )
        results.append((n, figures))
    print()
    print(
        "| incidents | link | shown | layers drawn | session's first run s | rerun s | rerun CPU s | deck JSON MB "
        "| all elements MB |"
    )
    print("|---:|---|---|---|---:|---:|---:|---:|---:|")
    for n, figures in results:
        for name, r in figures["links"].items():
            print(
                f"| {n:,} | {name} | {r['shown']} | {r['layers']} | {r['runs'][0]:.2f} | {r['runs'][1]:.2f} | "
                f"{r['cpu'][1]:.2f} | {r['deck'] / 1e6:.2f} | {r['sent'] / 1e6:.2f} |"
            )
    print()
    print(
        f"Points above {maps.POINT_LIMIT:,} are drawn as server-side H3 density; the table shows the newest "
        "1,000 rows. Runs are AppTest script runs (no browser rendering); a session's first run finds the server's "
        "caches warm, as every session after the first does; a rerun repeats it with the same link."
    )


def size(text: str) -> int:
    """Return a database size from the command line: a whole number of incidents, at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of incidents") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a number of incidents (at least 1)")
    return n


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the benchmark's arguments: the database sizes to measure, and where."""
    parser = argparse.ArgumentParser(
        description="Dashboard scale: first load, reruns, bytes sent and memory, for synthetic incident databases."
    )
    parser.add_argument(
        "sizes",
        nargs="*",
        type=size,
        default=list(SIZES),
        metavar="N",
        help="incidents per database (default: %(default)s)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="a postgresql:// URL of a database to fill with the synthetic incidents (default: SQLite files)",
    )
    parser.add_argument("--measure", metavar="DB", help=argparse.SUPPRESS)  # one database, in this process
    parser.add_argument("--first-only", action="store_true", help=argparse.SUPPRESS)  # --measure: the first load
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, links=not args.first_only)))
    else:
        main(tuple(args.sizes), args.db)
