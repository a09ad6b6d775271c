"""police.uk recorded crime: import rows/s for a generated Met-sized month.

Generates a street-level file of a full Metropolitan Police month (90,000 rows by default; the real files are
about that size) in a temporary directory, as CSV, .csv.gz and a data.police.uk-style zip, and times
`import_street_files` on each into a fresh database. Most rows carry an LSOA name; a few have only a point (placed
by point in polygon), lie outside London or have no location, as in the real files.

Example:
    .venv/bin/python benchmarks/policeuk.py            # 90,000 rows
    .venv/bin/python benchmarks/policeuk.py 250000
"""

from __future__ import annotations

import gzip
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from extract.geo.gazetteer import BOROUGHS, load_gazetteer
from extract.policeuk import COLUMNS, import_street_files

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
            started = time.perf_counter()
            report = import_street_files([path], db_path=db, borough_at=gazetteer.borough_at)
            seconds = time.perf_counter() - started
            assert not report.errors, report.errors
            read = report.rows + report.outside_london + report.unlocated
            print(
                f"{label:>7}: {seconds:.2f} s, {read / seconds:,.0f} rows/s "
                f"({report.rows:,} in London, {report.outside_london} outside, {report.unlocated} unlocated)"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else MET_MONTH_ROWS)
