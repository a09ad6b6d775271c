"""police.uk recorded crime: import rows/s for a generated Met-sized month, and the News vs recorded page's run time.

Import: generates a street-level file of a full Metropolitan Police month (90,000 rows by default; the real files
are about that size) in a temporary directory, as CSV, .csv.gz and a data.police.uk-style zip, and times
`import_street_files` on each into a fresh database. Most rows carry an LSOA name; a few have only a point (placed
by point in polygon), lie outside London or have no location, as in the real files.

View: a database with recorded crime for 36 months x 33 boroughs x 14 categories (the City's from the City of
London Police, the rest from the Met) and 10,000 news incidents over those months; AppTest runs of the page (a
session's first run, a rerun, and a rerun after choosing categories) and the pure counting alone.

Example:
    .venv/bin/python benchmarks/policeuk.py            # 90,000 rows
    .venv/bin/python benchmarks/policeuk.py 250000
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.coverage import coverage, funnel_spec, month_span, recorded_frame
from dashboard.data import read_incidents
from extract import store
from extract.geo.gazetteer import BOROUGHS, load_gazetteer
from extract.policeuk import COLUMNS, import_street_files
from extract.records import Article, Incident, Place

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"

MET_MONTH_ROWS = 90_000  # a full Met month on data.police.uk, all crime types
CATEGORIES = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
"""The 14 crime types police.uk publishes since 2013."""
LSOAS_PER_BOROUGH = 150  # about 4,800 London LSOAs in 33 boroughs
BBOX = (51.29, 51.69, -0.51, 0.33)  # Greater London's bounding box: lat min, lat max, lon min, lon max
FORCE = "Metropolitan Police Service"
CITY_FORCE = "City of London Police"
VIEW_MONTHS = 36
NEWS_INCIDENTS = 10_000


def street_file(path: Path, n: int, *, month: str = "2024-01", seed: int = 1) -> None:
    """Write a synthetic street-level CSV of `n` rows for one Met month at `path`."""
    rng = random.Random(seed)
    lines = [",".join(COLUMNS) + "\n"]
    for i in range(n):
        lat, lon = rng.uniform(*BBOX[:2]), rng.uniform(*BBOX[2:])
        draw = rng.random()
        if draw < 0.003:  # outside London, as the Met's files have a few
            lsoa = f"Epsom and Ewell {rng.randrange(1, 20):03d}A"
        elif draw < 0.006:  # a point but no LSOA: point in polygon
            lsoa = ""
        elif draw < 0.009:  # no location at all
            lsoa, lat, lon = "", None, None
        else:
            lsoa = f"{rng.choice(BOROUGHS)} {rng.randrange(1, LSOAS_PER_BOROUGH):03d}{rng.choice('ABCDEF')}"
        point = f"{lon:.6f},{lat:.6f}" if lat is not None else ","
        crime = rng.choice(CATEGORIES)
        lines.append(f"{i:064x},{month},{FORCE},{FORCE},{point},On or near High Street,E01000001,{lsoa},{crime},,\n")
    path.write_text("".join(lines), encoding="utf-8")


def view_database(path: Path, *, seed: int = 2) -> None:
    """Write VIEW_MONTHS months of recorded crime for every borough and category, and NEWS_INCIDENTS news incidents."""
    rng = random.Random(seed)
    months = month_span("2021-01", "2023-12", ())[:VIEW_MONTHS]
    categories = [c.lower() for c in CATEGORIES]
    conn = store.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    for month in months:
        for force, boroughs in (
            (CITY_FORCE, ["City of London"]),
            (FORCE, [b for b in BOROUGHS if b != "City of London"]),
        ):
            counts = [(b, c, rng.randint(5, 600)) for b in boroughs for c in categories]
            store.replace_recorded_crime(conn, force, month, counts, source="synthetic")
    for i in range(NEWS_INCIDENTS):
        day = f"{rng.choice(months)}-{rng.randint(1, 28):02d}"
        borough, category = rng.choice(BOROUGHS), rng.choice(categories)
        article = Article(f"a{i}", "text", headline=f"Report {i}", published=day, source="synthetic")
        place = Place(borough, 51.5, -0.1, "borough", "borough", borough, None, "synthetic")
        incident = Incident(f"a{i}:0", article.article_id, "theft", category, borough, place, day, None, None)
        store.save_article(conn, article, [incident])
    conn.close()


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def view(folder: Path) -> None:
    db = folder / "view.db"
    _, build_s = timed(view_database, db)
    conn = store.connect_readonly(db)
    recorded, imported = recorded_frame(store.iter_recorded_crime(conn)), frozenset(store.recorded_months(conn))
    conn.close()
    news = read_incidents(db)
    months = month_span(None, None, imported)
    found, count_s = timed(coverage, recorded, imported, news, months=months)
    _, spec_s = timed(funnel_spec, found)
    print(
        f"view: {len(recorded):,} recorded rows ({len(months)} months), {len(news):,} news incidents "
        f"(built in {build_s:.1f} s); counting {count_s * 1000:.0f} ms, chart spec {spec_s * 1000:.0f} ms"
    )
    os.environ["INCIDENTS_DB"] = str(db)
    sys.argv = [str(APP)]  # the page reads --db from argv; the benchmark's own arguments are not for it
    at = AppTest.from_file(str(APP), default_timeout=600)
    at.switch_page("app_pages/recorded.py")
    _, first_s = timed(at.run)
    assert not at.exception, at.exception
    _, rerun_s = timed(at.run)
    at.multiselect(key="category").set_value(["burglary", "robbery"])
    _, chosen_s = timed(at.run)
    assert not at.exception, at.exception
    print(f"view: first run {first_s:.2f} s, rerun {rerun_s:.2f} s, rerun with two categories {chosen_s:.2f} s")


def main(n: int) -> None:
    gazetteer = load_gazetteer()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain = folder / "2024-01-metropolitan-street.csv"
        street_file(plain, n)
        gzipped = folder / "2024-01-metropolitan-street.csv.gz"
        gzipped.write_bytes(gzip.compress(plain.read_bytes()))
        archive = folder / "2024-01.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.write(plain, f"2024-01/{plain.name}")
        print(f"{n:,} rows, {plain.stat().st_size / 1e6:.1f} MB of CSV")
        for label, path in (("csv", plain), ("csv.gz", gzipped), ("zip", archive)):
            db = folder / f"{label}.db"
            report, seconds = timed(import_street_files, [path], db_path=db, borough_at=gazetteer.borough_at)
            assert not report.errors, report.errors
            read = report.rows + report.outside_london + report.unlocated
            print(
                f"{label:>7}: {seconds:.2f} s, {read / seconds:,.0f} rows/s "
                f"({report.rows:,} in London, {report.outside_london} outside, {report.unlocated} unlocated)"
            )
        view(folder)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the benchmark's arguments: the rows of the generated month."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("rows", nargs="?", type=int, default=MET_MONTH_ROWS, metavar="N", help="rows of the month")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error(f"N: {args.rows} is not a number of rows (at least 1)")
    return args


if __name__ == "__main__":
    main(parse_args().rows)
