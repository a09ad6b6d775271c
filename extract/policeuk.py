"""Recorded crime from data.police.uk: street-level CSV files counted per force, month, borough and category.

Example:
    gaz = load_gazetteer()
    report = import_street_files(["2019-01.zip"], db_path="data/incidents.db", borough_at=gaz.borough_at)
    print(report.rows, report.outside_london, report.unlocated, report.errors)

Reads plain or gzipped CSV files and the monthly archive zip from https://data.police.uk/data/ (its members
YYYY-MM/YYYY-MM-FORCE-street.csv; the outcomes and stop-and-search members are skipped). A row is placed in the
borough its LSOA name starts with ("Camden 001A" is Camden), or by its point when it has no LSOA.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extract.articles import shown_name
from extract.geo.gazetteer import BOROUGHS
from extract.records import ExtractError

COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
"""The header of a police.uk street-level CSV file."""

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
LSOA_SUFFIX = re.compile(r" \d{3}[A-Z]$")  # "Camden 028B": the local authority, then a code within it
STREET_MEMBER = re.compile(r"(^|/)\d{4}-\d{2}-[^/]+-street\.csv$")
MAX_ROW_ERRORS = 20  # broken rows reported one by one per file; a file of garbage should not flood the terminal
MAX_LINE_BYTES = 1 << 20  # a police.uk row is a few hundred bytes: a longer line is no CSV row, and is not held whole
# A (force, month) with fewer of a file's rows than this share, beside another of more, is a broken Month or Falls
# within: police.uk writes a file per force and month, and the stray rows would replace a whole stored month.
STRAY_SHARE = 0.01
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
ZIP_BUFFER = 1 << 16  # bytes read from a zip member at a time
OUTSIDE_LONDON = "(outside London)"  # the two kinds of dropped row, counted under these pseudo-borough names
UNLOCATED = "(no location)"
DROPPED = (OUTSIDE_LONDON, UNLOCATED)

BoroughAt = Callable[[float, float], "tuple[str, str] | None"]
"""A point-in-polygon look-up: (lat, lon) -> (official borough name, GSS code), or None outside London."""


@dataclass(frozen=True, slots=True)
class RecordedMonth:
    """What one force recorded in one month of one input file: counts per borough and category, and rows dropped."""

    force: str  # "Falls within", e.g. "Metropolitan Police Service"
    month: str  # YYYY-MM
    source: str  # the file (or "archive.zip/member") it was read from
    counts: tuple[tuple[str, str, int], ...]  # (borough, category, count), sorted
    outside_london: int = 0
    unlocated: int = 0  # rows with neither an LSOA nor a point

    @property
    def rows(self) -> int:
        """The rows counted in a London borough."""
        return sum(n for _, _, n in self.counts)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import stored: one RecordedMonth per (force, month, file), and one message per bad file or row."""

    months: tuple[RecordedMonth, ...]
    errors: tuple[str, ...] = field(default=())

    @property
    def rows(self) -> int:
        """The rows counted in a London borough."""
        return sum(m.rows for m in self.months)

    @property
    def outside_london(self) -> int:
        """The rows dropped because they lie outside Greater London."""
        return sum(m.outside_london for m in self.months)

    @property
    def unlocated(self) -> int:
        """The rows dropped because they have neither an LSOA nor a point."""
        return sum(m.unlocated for m in self.months)


def import_street_files(paths: Iterable[str | Path], *, db_path: str | Path, borough_at: BoroughAt) -> ImportReport:
    """Count the street-level files at `paths` and store each (force, month), replacing what was stored for it.

    Bad files and rows are reported in the returned errors and the rest is stored.
    """
    from extract import store

    errors: list[ExtractError] = []
    stored: dict[tuple[str, str], RecordedMonth] = {}  # in the order stored
    conn = store.connect(db_path)
    try:
        for month in read_street_files(paths, borough_at=borough_at, errors=errors):
            try:
                store.replace_recorded_crime(conn, month.force, month.month, month.counts, source=month.source)
            except ExtractError as e:  # a locked database, a full disk: this month is not stored, the rest can be
                errors.append(e)
                continue
            earlier = stored.pop((month.force, month.month), None)
            if earlier is not None:  # the same month twice in one run: the last one read is what is stored
                again = f"{shown_name(month.force)} {month.month}"
                errors.append(
                    ExtractError(f"{month.source}: {again} replaces the same month read from {earlier.source}")
                )
            stored[month.force, month.month] = month
    finally:
        conn.close()
    return ImportReport(tuple(stored.values()), tuple(str(e) for e in errors))


def read_street_files(
    paths: Iterable[str | Path], *, borough_at: BoroughAt, errors: list[ExtractError]
) -> Iterator[RecordedMonth]:
    """Yield the counts of every (force, month) in the files at `paths`, appending an ExtractError per bad file
    or row to `errors`."""
    for path in paths:
        try:
            yield from _read_path(Path(path), borough_at, errors)
        except ExtractError as e:
            errors.append(e)


def _count_rows(
    rows: Iterator[tuple[int, list[str]]], *, source: str, borough_at: BoroughAt, errors: list[ExtractError]
) -> list[RecordedMonth]:
    """Return the counts per (force, month) of (line number, fields) rows, the header first; a file that is not a
    police.uk street-level CSV raises ExtractError, a broken row is reported in `errors` and skipped."""
    first = next(rows, None)
    if first is None:
        raise ExtractError(f"{source}: empty file, not a police.uk street-level CSV")
    header = [name.strip() for name in first[1]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ExtractError(f"{source}:{first[0]}: not a police.uk street-level CSV (no {', '.join(missing)} column)")
    at = {name: header.index(name) for name in COLUMNS}
    i_month, i_force, i_type = at["Month"], at["Falls within"], at["Crime type"]
    width = len(header)
    places = _Places(borough_at, at["LSOA name"], at["Latitude"], at["Longitude"])
    counts: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
    bad = 0
    for line, row in rows:
        try:
            if len(row) != width:
                raise ValueError(f"expected {width} fields, found {len(row)}")
            month, force, category = row[i_month].strip(), row[i_force].strip(), row[i_type].strip().lower()
            if not MONTH.match(month):
                raise ValueError(f"Month {row[i_month]!r} is not YYYY-MM")
            if not force or not category:
                raise ValueError("no 'Falls within'" if not force else "no 'Crime type'")
            borough = places.borough(row)
        except ValueError as e:
            bad += 1
            if bad <= MAX_ROW_ERRORS:
                errors.append(ExtractError(f"{source}:{line}: broken row skipped ({e})"))
            continue
        counts.setdefault((force, month), Counter())[(borough, category)] += 1
    if bad > MAX_ROW_ERRORS:
        errors.append(ExtractError(f"{source}: {bad - MAX_ROW_ERRORS} more broken rows skipped"))
    if not counts and not bad:  # broken rows were reported one by one
        raise ExtractError(f"{source}: no rows after the header, nothing recorded")
    if not counts:
        return []
    sizes = {key: sum(found.values()) for key, found in counts.items()}
    largest, total = max(sizes.values()), sum(sizes.values())
    months = []
    for (force, month), found in sorted(counts.items()):
        if sizes[force, month] < largest and sizes[force, month] < STRAY_SHARE * total:
            errors.append(
                ExtractError(
                    f"{source}: {sizes[force, month]} rows of {shown_name(force)} {month} skipped, among {total} rows: "
                    "a police.uk file holds one force's month, and they would replace all it stored"
                )
            )
            continue
        kept = tuple(sorted((b, c, n) for (b, c), n in found.items() if b not in DROPPED))
        outside = sum(n for (b, _), n in found.items() if b == OUTSIDE_LONDON)
        unlocated = sum(n for (b, _), n in found.items() if b == UNLOCATED)
        months.append(RecordedMonth(force, month, source, kept, outside, unlocated))
    return months


class _Places:
    """The borough of a row: from its LSOA name, else from its point; OUTSIDE_LONDON or UNLOCATED when neither."""

    def __init__(self, borough_at: BoroughAt, i_lsoa: int, i_lat: int, i_lon: int):
        self.borough_at = borough_at
        self.i_lsoa, self.i_lat, self.i_lon = i_lsoa, i_lat, i_lon
        self.london = frozenset(BOROUGHS)
        self.of_lsoa: dict[str, str] = {}  # a month has a few thousand LSOAs for 90k rows: parse each name once

    def borough(self, row: list[str]) -> str:
        """Return the official borough name of `row`, OUTSIDE_LONDON or UNLOCATED; raises ValueError on a bad
        point."""
        lsoa = row[self.i_lsoa].strip()
        if lsoa:
            found = self.of_lsoa.get(lsoa)
            if found is None:
                authority = LSOA_SUFFIX.sub("", lsoa)
                found = self.of_lsoa[lsoa] = authority if authority in self.london else OUTSIDE_LONDON
            return found
        lat, lon = row[self.i_lat].strip(), row[self.i_lon].strip()
        if not lat and not lon:
            return UNLOCATED
        try:
            point = float(lat), float(lon)
        except ValueError:
            raise ValueError(f"Latitude {lat!r} and Longitude {lon!r} are not a point") from None
        where = self.borough_at(*point)
        return where[0] if where else OUTSIDE_LONDON


def _read_path(path: Path, borough_at: BoroughAt, errors: list[ExtractError]) -> Iterator[RecordedMonth]:
    if not path.is_file():
        what = "a directory: name the files in it" if path.is_dir() else "no such file"
        raise ExtractError(f"{path}: {what}")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic.startswith(ZIP_MAGIC):
        yield from _read_zip(path, borough_at, errors)
    elif magic.startswith(GZIP_MAGIC):
        with gzip.open(path, "rb") as raw:
            yield from _read_csv(raw, shown_name(path), borough_at, errors)
    else:
        with open(path, "rb") as raw:
            yield from _read_csv(raw, shown_name(path), borough_at, errors)


def _read_zip(path: Path, borough_at: BoroughAt, errors: list[ExtractError]) -> Iterator[RecordedMonth]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise ExtractError(f"{path}: not a zip archive ({e})") from None
    with archive:
        members = sorted(n for n in archive.namelist() if STREET_MEMBER.search(n))
        if not members:
            raise ExtractError(f"{path}: no street-level members (YYYY-MM/YYYY-MM-FORCE-street.csv) in the archive")
        for name in members:
            try:
                # ZipExtFile.readline is pure Python; a BufferedReader splits lines three times faster.
                with archive.open(name) as member:
                    raw = io.BufferedReader(member, ZIP_BUFFER)  # type: ignore[type-var]
                    yield from _read_csv(raw, shown_name(f"{path}/{name}"), borough_at, errors)
            except ExtractError as e:
                errors.append(e)
            except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as e:  # encrypted, or an unknown method
                errors.append(ExtractError(f"{path}/{name}: cannot open the member ({e})"))


def _read_csv(
    raw: io.BufferedIOBase, source: str, borough_at: BoroughAt, errors: list[ExtractError]
) -> list[RecordedMonth]:
    # A file that cannot be read to its end is skipped whole, with this one error: a truncated download must not
    # replace a full month, and the rows it seemed to have broken are not reported.
    reader = csv.reader(_decoded(raw, source))
    broken: list[ExtractError] = []
    try:
        rows = ((reader.line_num, row) for row in reader)
        months = _count_rows(rows, source=source, borough_at=borough_at, errors=broken)
        errors.extend(broken)
        return months
    except csv.Error as e:  # in the line the reader was at
        raise ExtractError(f"{source}:{reader.line_num}: unreadable, file skipped ({e})") from None
    except (gzip.BadGzipFile, zlib.error, EOFError, zipfile.BadZipFile, OSError) as e:  # reading the next line
        raise ExtractError(f"{source}:{reader.line_num + 1}: unreadable, file skipped ({e})") from None


def _decoded(raw: io.BufferedIOBase, source: str) -> Iterator[str]:
    # Decoding line by line (rather than through a TextIOWrapper's blocks) names the line of a bad byte.
    number = 0
    while line := raw.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise ExtractError(f"{source}:{number}: a line over {MAX_LINE_BYTES:,} bytes, not a police.uk CSV")
        try:
            yield line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise ExtractError(f"{source}:{number}: not UTF-8 text, not a police.uk CSV") from None
