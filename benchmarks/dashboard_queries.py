"""PostgreSQL's Map page asked by statements (dashboard.data.queried): the seconds one page run's questions take
(how many, counts by type, borough, precision and month, the legend's pairs, the density's cells or the points' rows,
the table's page of rows), per link, in the readers' and the editors' view, of events and of reports; the seconds the
rows the dashboard derives apart take to find and derive, once per database version; and the seconds the News vs
recorded and Review pages' questions take, once per database version.

Fills the database given by --db (else a throwaway server's, started as the tests start one) with N synthetic
incidents by one INSERT ... SELECT over generate_series, unless it holds N already: spread evenly over the crime
types, the boroughs, seven years of days and Greater London's bounding box, a tenth of them leads of events of two
reports and a tenth their other reports, a twentieth fatal, a seventeenth undated, their texts screened as naming no
one (as an ingest screens them). Each link runs twice, and the faster is printed (nothing is kept between runs but the
derived rows and what a search found: the answers data.queried keeps for a link, and the rows shown, are let go of
before each run, so that each asks its statements as a filter change does); of a search, its first run too. Last,
the slowest rerun of any link with its answers and rows kept (as a rerun that changes no filter finds them).

Example:
    .venv/bin/python benchmarks/dashboard_queries.py 1000000
    .venv/bin/python benchmarks/dashboard_queries.py 10000000 --db postgresql://crimemap@localhost/bench
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

import h3

from dashboard import data, maps
from dashboard.filters import CRIME_TYPES_CSV, NO_FILTERS, Filters, Near, narrows
from extract import store
from extract.datafiles import read_rows
from extract.geo.gazetteer import BOROUGHS
from extract.records import Place
from extract.text.screening import data_screen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the throwaway server the tests start
from postgres_server import start_server  # noqa: E402

BBOX = (51.29, 51.69, -0.51, 0.33)  # lat min, lat max, lon min, lon max: as benchmarks/dashboard_scale.py
CELLS = 4000  # H3 cells of the dashboard's resolution drawn over the box: Greater London holds about 2,500
DAYS = 7 * 365
TABLE_ROWS = 1_000  # as the Map page's table
LIST_ROWS = 50  # as the Review page's list
MARE_STREET = Place("Mare Street", 51.5450, -0.0553, "street", "street", "Hackney", "E09000012", "benchmark")
LINKS = {
    "default": NO_FILTERS,
    "a borough": Filters(boroughs=("Hackney",)),
    "borough+type": Filters(boroughs=("Hackney",), types=("stabbing", "robbery")),
    "2023 only": Filters(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31)),
    "2023, fatal": Filters(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31), fatal_only=True),  # no borough
    "June 2023": Filters(date_from=date(2023, 6, 1), date_to=date(2023, 6, 30)),
    "from 15 March 2024": Filters(date_from=date(2024, 3, 15)),  # not whole months: the counts by day only
    "15 Mar-20 Nov 2023": Filters(date_from=date(2023, 3, 15), date_to=date(2023, 11, 20)),  # as the slider sets
    "10-12 May 2023": Filters(date_from=date(2023, 5, 10), date_to=date(2023, 5, 12)),  # no whole month
    "near 2 km": Filters(near=Near("Mare Street", MARE_STREET), km=2.0),
    "fatal, knife": Filters(fatal_only=True, weapon="knife"),
    "street or better": Filters(min_precision="street"),
    "street, fatal": Filters(min_precision="street", fatal_only=True),  # no kind of cells holds both: migration 19
    "search q (a third)": Filters(query="mare road"),
    "search q (few)": Filters(query="happened 4242"),
}
# Every value as one SQL expression of g, the row's number: spread evenly, the same rows each time.
_FILL = """
INSERT INTO articles (article_id, headline, url, published, source, n_incidents, ingested_at)
SELECT 'a' || g, 'Headline ' || g || CASE WHEN mod(g, 3) = 0 THEN ' on Mare Road' ELSE '' END,
    'https://news.example/' || g,
    (date '2018-01-01' + mod(g * 7919, {days})::int)::text, 'synthetic', 1, '2024-01-01'
FROM generate_series(1::bigint, {n}::bigint) g;
INSERT INTO incidents (incident_id, article_id, type, category, place_name, place_kind, lat, lon, precision, borough,
    date, date_basis, fatal, weapon, evidence, h3_r8, event_role, name_screen)
SELECT 'a' || g || ':0', 'a' || g, t.slug, t.category, 'Street ' || mod(g, 500), 'street',
    {lat0} + mod(g * 0.6180339887, 1) * {dlat}, {lon0} + mod(g * 0.7548776662, 1) * {dlon},
    (ARRAY['street', 'street', 'street', 'street', 'street', 'street', 'building', 'station', 'postcode', 'area',
        'area', 'ward', 'borough', 'london'])[1 + mod(g * 13, 14)],
    b.borough, CASE WHEN mod(g, 17) = 0 THEN NULL ELSE (date '2018-01-01' + mod(g * 7919, {days})::int)::text END,
    'stated', (mod(g, 20) = 0)::int, (ARRAY['knife', 'gun', 'none', 'other', NULL])[1 + mod(g * 7, 5)],
    'A thing happened ' || g, c.cell, CASE WHEN mod(g, 10) < 8 THEN 0 WHEN mod(g, 10) = 8 THEN 1 ELSE 2 END,
    {unnamed}
FROM generate_series(1::bigint, {n}::bigint) g
JOIN bench_types t ON t.k = mod(g * 31, {types}) JOIN bench_boroughs b ON b.k = mod(g * 37, {boroughs})
JOIN bench_cells c ON c.k = mod(g * 101, {cells});
UPDATE incidents SET event_type = type, event_category = category, event_date = date, event_date_basis = date_basis,
    event_fatal = fatal, event_weapon = weapon WHERE event_role = 1;
"""


def fill(url: str, n: int) -> None:
    """Replace the incidents of the PostgreSQL database at `url` with `n` synthetic ones, unless it holds `n`."""
    conn = store.connect(url)  # migrated to the current schema
    try:
        if conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == n:
            return
        started = time.perf_counter()
        types = [(row["slug"], row["category"]) for row in read_rows(CRIME_TYPES_CSV)]
        rng = random.Random(1)
        points = ((rng.uniform(*BBOX[:2]), rng.uniform(*BBOX[2:])) for _ in range(CELLS))
        cells = sorted({h3.str_to_int(h3.latlng_to_cell(lat, lon, store.H3_RESOLUTION)) for lat, lon in points})
        with conn:
            conn.execute("TRUNCATE articles, incidents, incident_events, events, event_keys, corrections")
            for table, columns, rows in (
                ("bench_types", "k int, slug text, category text", [(k, *t) for k, t in enumerate(types)]),
                ("bench_boroughs", "k int, borough text", list(enumerate(BOROUGHS))),
                ("bench_cells", "k int, cell bigint", list(enumerate(cells))),
            ):
                conn.execute(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")
                conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
            sizes = {"n": n, "days": DAYS, "types": len(types), "boroughs": len(BOROUGHS), "cells": len(cells)}
            sizes["unnamed"] = 2 * data_screen()[1]  # store.SCREEN of texts screened, no name found
            box = {"lat0": BBOX[0], "dlat": BBOX[1] - BBOX[0], "lon0": BBOX[2], "dlon": BBOX[3] - BBOX[2]}
            for statement in _FILL.format(**sizes, **box).split(";\n"):
                if statement.strip():
                    conn.execute(statement)
        store.compact_counts(conn)  # as an ingest's batch does: else each count reads every row the fill counted
        conn.execute("VACUUM ANALYZE articles")
        conn.execute("VACUUM ANALYZE incidents")
        print(f"filled {n:,} incidents in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        conn.close()


def page_run(url: str, filters: Filters, *, public_view: bool, events_view: bool, kept: bool = False) -> float:
    """Return the seconds the Map page's questions of one run take, in the order the page asks them; unless `kept`,
    with none of the answers kept from an earlier run of the link."""
    if not kept:
        data._cached_answers.clear()
        data._cached_rows.clear()
    started = time.perf_counter()
    shown = data.queried(url, filters, public_view=public_view, events_view=events_view)
    len(shown)
    data.shown_rows(url, shown.newest(TABLE_ROWS), public_view=public_view, events_view=events_view)  # the table
    drawn = maps.shown_view(filters.view, shown.drawable())
    shown.pairs("type", "weapon", drawn=True)
    if drawn == "density":
        shown.counts("cell", drawn=True)
    else:
        data.shown_rows(url, shown.drawn(), public_view=public_view, events_view=events_view)
    # The box a filtered map opens on (maps.opening_view): a circle's or the chosen boroughs' own, else the points'.
    if narrows(filters) and filters.near is None and not filters.boroughs:
        shown.bounds()
    for column in ("precision", "type", "borough", "month"):
        shown.counts(column)
    for column in ("borough", "lat", "date"):
        shown.missing(column)
    return time.perf_counter() - started


def main(n: int, url: str | None) -> None:
    server = None if url else start_server()
    url = url or server.new_database("bench")  # type: ignore[union-attr]
    try:
        fill(url, n)
        print(f"{n:,} incidents; seconds of a page run's questions (a rerun), by view")
        views = [(p, e) for p in (True, False) for e in (True, False)]
        names = [("readers" if p else "editors") + (" events" if e else " reports") for p, e in views]
        print(f"{'link':20}" + "".join(f"{name:>17}" for name in names))
        derived = []
        for public_view, events_view in views:
            started = time.perf_counter()
            data.derived_rows(url, public_view=public_view, events_view=events_view)
            derived.append(time.perf_counter() - started)
        print(f"{'derived rows (once)':20}" + "".join(f"{s:17.2f}" for s in derived), flush=True)
        reruns = []
        for name, filters in LINKS.items():
            runs, kept = [], []
            for p, e in views:  # its rerun with the answers kept before another view's runs let go of them
                runs.append([page_run(url, filters, public_view=p, events_view=e) for _ in range(2)])
                kept.append(page_run(url, filters, public_view=p, events_view=e, kept=True))
            reruns.append(kept)
            if filters.query:  # its first run searches; a rerun reads what it found
                print(f"{name + ', first':20}" + "".join(f"{s:17.2f}" for s, _ in runs), flush=True)
            print(f"{name:20}" + "".join(f"{min(s):17.2f}" for s in runs), flush=True)
        print(f"{'a rerun, kept':20}" + "".join(f"{max(s):17.2f}" for s in zip(*reruns)), flush=True)
        pages = {
            "News vs recorded: the events counted": lambda: data.news_counts(url),
            "News vs recorded: reports and articles": lambda: data.news_totals(url),
            "Review: the uncertain places": lambda: data.uncertain_places(url, LIST_ROWS),
        }
        print("the other pages' questions, asked once per database version (seconds)")
        for name, ask in pages.items():
            started = time.perf_counter()
            ask()
            print(f"{name:40}{time.perf_counter() - started:8.2f}", flush=True)
    finally:
        if server is not None:
            server.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the benchmark's arguments: the number of incidents, and where."""
    parser = argparse.ArgumentParser(description="PostgreSQL's Map page asked by statements: seconds per page run.")
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="incidents (default: %(default)s)")
    parser.add_argument("--db", metavar="URL", help="a postgresql:// URL of a database to fill (default: a throwaway)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    main(args.n, args.db)
