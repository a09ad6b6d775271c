"""police.uk recorded crime: counting the committed sample, the file formats, replacement, bad files, the command."""

import gzip
import shutil
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import pytest

from extract import store
from extract.__main__ import main
from extract.geo.gazetteer import load_gazetteer
from extract.policeuk import COLUMNS, MAX_LINE_BYTES, MAX_ROW_ERRORS, import_street_files, read_street_files
from extract.records import ExtractError

SAMPLE = Path(__file__).parent / "fixtures" / "policeuk"
FILES = sorted(SAMPLE.glob("*.csv"))
CITY = "City of London Police"
MET = "Metropolitan Police Service"
HEADER = ",".join(COLUMNS) + "\n"


@pytest.fixture(scope="module")
def borough_at():
    return load_gazetteer().borough_at


def counted(months) -> dict:
    """{(force, month): (rows in London, outside London, unlocated)} of RecordedMonths."""
    return {(m.force, m.month): (m.rows, m.outside_london, m.unlocated) for m in months}


def read(paths, borough_at):
    errors: list[ExtractError] = []
    months = list(read_street_files(paths, borough_at=borough_at, errors=errors))
    return months, [str(e) for e in errors]


def stored(db: Path) -> list[tuple]:
    conn = store.connect(db)
    try:
        return list(store.iter_recorded_crime(conn))
    finally:
        conn.close()


def totals(rows: list[tuple], column: str) -> dict[str, int]:
    i = store.RECORDED_COLUMNS.index(column)
    found: Counter[str] = Counter()
    for row in rows:
        found[row[i]] += row[-1]
    return dict(sorted(found.items()))


def row(month="2019-01", force=CITY, lat="", lon="", lsoa="", crime="Robbery") -> str:
    return f",{month},{force},{force},{lon},{lat},On or near Somewhere,,{lsoa},{crime},,\n"


def test_sample_counts_per_force_month(borough_at):
    months, errors = read(FILES, borough_at)
    assert errors == []
    assert counted(months) == {
        (CITY, "2019-01"): (98, 0, 7),
        (MET, "2019-01"): (100, 3, 2),
        (CITY, "2019-02"): (55, 0, 4),
        (MET, "2019-02"): (57, 5, 2),
    }


def test_sample_city_month_in_full(borough_at):
    months, _ = read([SAMPLE / "2019-02-city-of-london-street.csv"], borough_at)
    assert [(m.force, m.month, m.source) for m in months] == [
        (CITY, "2019-02", str(SAMPLE / "2019-02-city-of-london-street.csv"))
    ]
    assert months[0].counts == (
        ("Camden", "other theft", 1),
        ("City of London", "anti-social behaviour", 7),
        ("City of London", "bicycle theft", 2),
        ("City of London", "burglary", 2),
        ("City of London", "criminal damage and arson", 3),
        ("City of London", "drugs", 3),
        ("City of London", "other theft", 13),
        ("City of London", "public order", 4),
        ("City of London", "shoplifting", 5),
        ("City of London", "theft from the person", 4),
        ("City of London", "violence and sexual offences", 9),
        ("Islington", "public order", 1),
        ("Tower Hamlets", "public order", 1),
    )


def test_sample_stored_by_borough_month_and_category(tmp_path, borough_at):
    db = tmp_path / "crime.db"
    report = import_street_files(FILES, db_path=db, borough_at=borough_at)
    assert (report.rows, report.outside_london, report.unlocated, report.errors) == (310, 8, 15, ())
    rows = stored(db)
    assert totals(rows, "month") == {"2019-01": 198, "2019-02": 112}
    assert totals(rows, "force") == {CITY: 153, MET: 157}
    assert totals(rows, "borough") == {
        "Barking and Dagenham": 5,
        "Barnet": 6,
        "Bexley": 3,
        "Brent": 5,
        "Bromley": 6,
        "Camden": 8,
        "City of London": 144,
        "Croydon": 5,
        "Ealing": 7,
        "Enfield": 6,
        "Greenwich": 5,
        "Hackney": 7,
        "Hammersmith and Fulham": 5,
        "Haringey": 5,
        "Harrow": 4,
        "Havering": 4,
        "Hillingdon": 6,
        "Hounslow": 5,
        "Islington": 9,
        "Kensington and Chelsea": 3,
        "Kingston upon Thames": 2,
        "Lambeth": 5,
        "Lewisham": 5,
        "Merton": 4,
        "Newham": 5,
        "Redbridge": 4,
        "Richmond upon Thames": 4,
        "Southwark": 6,
        "Sutton": 3,
        "Tower Hamlets": 7,
        "Waltham Forest": 5,
        "Wandsworth": 4,
        "Westminster": 8,
    }
    assert totals(rows, "category") == {
        "anti-social behaviour": 22,
        "bicycle theft": 9,
        "burglary": 163,
        "criminal damage and arson": 6,
        "drugs": 9,
        "other crime": 1,
        "other theft": 38,
        "possession of weapons": 1,
        "public order": 9,
        "robbery": 1,
        "shoplifting": 17,
        "theft from the person": 10,
        "vehicle crime": 3,
        "violence and sexual offences": 21,
    }
    conn = store.connect(db)
    assert store.recorded_months(conn) == [(CITY, "2019-01"), (CITY, "2019-02"), (MET, "2019-01"), (MET, "2019-02")]
    conn.close()


def test_gzip_and_zip_count_like_csv(tmp_path, borough_at):
    gzipped = []
    for f in FILES:
        target = tmp_path / (f.name + ".gz")
        with open(f, "rb") as src, gzip.open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        gzipped.append(target)
    archive = tmp_path / "2019-02.zip"
    with zipfile.ZipFile(archive, "w") as z:  # laid out like the data.police.uk download
        for f in FILES:
            month = f.name[:7]
            z.write(f, f"{month}/{f.name}")
            z.writestr(f"{month}/{f.name.replace('-street', '-outcomes')}", "Crime ID,Month\n")
    plain, _ = read(FILES, borough_at)
    for paths in (gzipped, [archive]):
        months, errors = read(paths, borough_at)
        assert errors == []
        assert [(m.force, m.month, m.counts) for m in months] == [(m.force, m.month, m.counts) for m in plain]
    months, _ = read([archive], borough_at)
    assert months[0].source == f"{archive}/2019-01/2019-01-city-of-london-street.csv"


def test_rows_without_lsoa_are_placed_by_their_point(tmp_path, borough_at):
    path = tmp_path / "points.csv"
    path.write_text(
        HEADER
        + row(lat="51.5390", lon="-0.1426")  # Camden Town
        + row(lat="51.5155", lon="-0.0922")  # the Guildhall, in the City
        + row(lat="50.8225", lon="-0.1372")  # Brighton
        + row()  # neither an LSOA nor a point
        + row(lsoa="Epsom and Ewell 001A", lat="51.5155", lon="-0.0922")  # the LSOA wins over the point
        + row(lsoa="Kingston upon Thames 012C", crime="Bicycle theft"),
        encoding="utf-8",
    )
    months, errors = read([path], borough_at)
    assert errors == []
    assert counted(months) == {(CITY, "2019-01"): (3, 2, 1)}
    assert months[0].counts == (
        ("Camden", "robbery", 1),
        ("City of London", "robbery", 1),
        ("Kingston upon Thames", "bicycle theft", 1),
    )


def test_reimport_replaces_the_force_month(tmp_path, borough_at):
    db = tmp_path / "crime.db"
    import_street_files(FILES, db_path=db, borough_at=borough_at)
    before = stored(db)
    again = tmp_path / "2019-01-city-of-london-street.csv"
    again.write_text(HEADER + row(lsoa="Camden 028B") * 2 + row(lsoa="Hackney 001A", crime="Drugs"), encoding="utf-8")
    report = import_street_files([again], db_path=db, borough_at=borough_at)
    assert report.rows == 3
    after = stored(db)
    assert [r for r in after if r[:2] == (CITY, "2019-01")] == [
        (CITY, "2019-01", "Camden", "robbery", 2),
        (CITY, "2019-01", "Hackney", "drugs", 1),
    ]
    assert [r for r in after if r[:2] != (CITY, "2019-01")] == [r for r in before if r[:2] != (CITY, "2019-01")]

    import_street_files([SAMPLE / "2019-01-city-of-london-street.csv"], db_path=db, borough_at=borough_at)
    assert stored(db) == before


def test_a_stray_month_in_a_file_replaces_nothing(tmp_path, borough_at):
    """A row whose Month (or Falls within) is broken is no month of its own: stored, it would replace the whole month
    imported before."""
    db = tmp_path / "crime.db"
    import_street_files([SAMPLE / "2019-01-city-of-london-street.csv"], db_path=db, borough_at=borough_at)
    january = [r for r in stored(db) if r[1] == "2019-01"]
    february = tmp_path / "2019-02-city-of-london-street.csv"
    february.write_text(
        HEADER + row(month="2019-02", lsoa="Camden 001A") * 150 + row(month="2019-01", lsoa="Camden 001A"),
        encoding="utf-8",
    )
    report = import_street_files([february], db_path=db, borough_at=borough_at)
    assert counted(report.months) == {(CITY, "2019-02"): (150, 0, 0)}
    assert report.errors == (
        f"{february}: 1 rows of {CITY} 2019-01 skipped, among 151 rows: a police.uk file holds one force's month, "
        "and they would replace all it stored",
    )
    assert [r for r in stored(db) if r[1] == "2019-01"] == january


def test_a_month_read_twice_in_one_run_is_stored_and_counted_once(tmp_path, borough_at):
    db = tmp_path / "crime.db"
    january = SAMPLE / "2019-01-city-of-london-street.csv"
    copy = tmp_path / "copy.csv"
    shutil.copy(january, copy)
    report = import_street_files([january, copy], db_path=db, borough_at=borough_at)
    assert counted(report.months) == {(CITY, "2019-01"): (98, 0, 7)}
    assert report.errors == (f"{copy}: {CITY} 2019-01 replaces the same month read from {january}",)
    assert sum(r[-1] for r in stored(db)) == 98


def test_command_escapes_control_characters_of_a_force(tmp_path, capsys):
    path = tmp_path / "odd.csv"
    path.write_text(HEADER + row(force="Evil\x1b[2J Police", lsoa="Camden 001A"), encoding="utf-8")
    assert main(["policeuk", str(path), "--db", str(tmp_path / "crime.db")]) == 0
    out, _ = capsys.readouterr()
    assert out == "Evil\\x1b[2J Police\t2019-01\t1 in London\t0 outside\t0 unlocated\n"


def test_a_month_with_nothing_in_london_still_counts_as_imported(tmp_path, borough_at):
    db = tmp_path / "crime.db"
    import_street_files([SAMPLE / "2019-01-city-of-london-street.csv"], db_path=db, borough_at=borough_at)
    empty = tmp_path / "empty-month.csv"
    empty.write_text(HEADER + row() + row(lsoa="Elmbridge 001A"), encoding="utf-8")
    report = import_street_files([empty], db_path=db, borough_at=borough_at)
    assert (report.rows, report.outside_london, report.unlocated) == (0, 1, 1)
    assert stored(db) == []
    conn = store.connect(db)
    assert store.recorded_months(conn) == [(CITY, "2019-01")]
    conn.close()


def test_broken_rows_are_reported_and_the_rest_counted(tmp_path, borough_at):
    path = tmp_path / "broken.csv"
    path.write_text(
        HEADER
        + row(lsoa="Camden 001A")
        + "a,b,c\n"
        + row(month="January", lsoa="Camden 001A")
        + row(force="", lsoa="Camden 001A")
        + row(crime="", lsoa="Camden 001A")
        + row(lat="north", lon="-0.1")
        + row(lsoa="Barnet 001A"),
        encoding="utf-8",
    )
    months, errors = read([path], borough_at)
    assert counted(months) == {(CITY, "2019-01"): (2, 0, 0)}
    assert errors == [
        f"{path}:3: broken row skipped (expected 12 fields, found 3)",
        f"{path}:4: broken row skipped (Month 'January' is not YYYY-MM)",
        f"{path}:5: broken row skipped (no 'Falls within')",
        f"{path}:6: broken row skipped (no 'Crime type')",
        f"{path}:7: broken row skipped (Latitude 'north' and Longitude '-0.1' are not a point)",
    ]


def test_many_broken_rows_are_summarised(tmp_path, borough_at):
    path = tmp_path / "garbage.csv"
    path.write_text(HEADER + "x\n" * (MAX_ROW_ERRORS + 5), encoding="utf-8")
    months, errors = read([path], borough_at)
    assert months == []
    assert len(errors) == MAX_ROW_ERRORS + 1
    assert errors[0] == f"{path}:2: broken row skipped (expected 12 fields, found 1)"
    assert errors[-1] == f"{path}: 5 more broken rows skipped"


def _truncated_gzip(path: Path) -> None:
    data = gzip.compress((HEADER + row(lsoa="Camden 001A") * 2000).encode())
    path.write_bytes(data[: len(data) // 2])


def _corrupted(data: bytes, start: int, end: int) -> bytes:
    """`data` with one byte of its raw deflate stream [start, end) flipped, at the first place where inflating it
    fails in zlib itself ("invalid block type"), not at the end's check of the data (a CRC): found by trying, the
    same place at every run."""
    for at in range(start, end):
        candidate = data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1 :]
        try:
            zlib.decompress(candidate[start:end], wbits=-15)
        except zlib.error:
            return candidate
    raise AssertionError("no corruption found that zlib refuses")


def _varied_rows(n: int) -> str:
    return "".join(row(lsoa=f"Camden {k % 997:03d}A", crime=f"Crime {k * 7919 % 1009}") for k in range(n))


def _corrupt_gzip(path: Path) -> None:
    data = gzip.compress((HEADER + _varied_rows(3000)).encode())
    path.write_bytes(_corrupted(data, 10, len(data) - 8))  # a 10-byte header, an 8-byte trailer


def _corrupt_zip_member(path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("2019-01/2019-01-city-of-london-street.csv", HEADER + _varied_rows(3000))
        info = z.infolist()[0]
    data = path.read_bytes()
    start = info.header_offset + 30 + len(info.filename.encode())  # past the local header (no extra field)
    path.write_bytes(_corrupted(data, start, start + info.compress_size))


def _zip_without_street_files(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("2019-01/2019-01-city-of-london-outcomes.csv", "Crime ID,Month\n")


BAD_FILES = [
    (
        "page.csv",
        lambda p: p.write_text("<html><body>Not found</body></html>\n", encoding="utf-8"),
        "{path}:1: not a police.uk street-level CSV (no " + ", ".join(COLUMNS) + " column)",
    ),
    (
        "no-lsoa-column.csv",
        lambda p: p.write_text(HEADER.replace("LSOA name,", ""), encoding="utf-8"),
        "{path}:1: not a police.uk street-level CSV (no LSOA name column)",
    ),
    ("empty.csv", lambda p: p.write_bytes(b""), "{path}: empty file, not a police.uk street-level CSV"),
    (
        "latin1.csv",
        lambda p: p.write_bytes(HEADER.encode() + row(lsoa="Camden 001A").encode() + b"\xff\xfe\n" * 5000),
        "{path}:3: not UTF-8 text, not a police.uk CSV",
    ),
    ("cut.csv.gz", _truncated_gzip, "{path}:"),  # the line depends on where the compressed data stops
    ("corrupt.csv.gz", _corrupt_gzip, "{path}:"),  # zlib's own error, inside the stream
    ("corrupt-member.zip", _corrupt_zip_member, "{path}/2019-01/2019-01-city-of-london-street.csv:"),
    ("header-only.csv", lambda p: p.write_text(HEADER, encoding="utf-8"), "{path}: no rows after the header"),
    (
        "long-line.csv",
        lambda p: p.write_bytes(HEADER.encode() + b"x" * (MAX_LINE_BYTES + 1)),
        "{path}:2: a line over 1,048,576 bytes, not a police.uk CSV",
    ),
    (
        "huge-field.csv",  # the csv module's own limit, on the line it is in
        lambda p: p.write_text(HEADER + row(lsoa="Camden 001A") * 3 + row(lsoa="x" * 200_000), encoding="utf-8"),
        "{path}:5: unreadable, file skipped (field larger than field limit",
    ),
    (
        "outcomes.zip",
        _zip_without_street_files,
        "{path}: no street-level members (YYYY-MM/YYYY-MM-FORCE-street.csv) in the archive",
    ),
    (
        "broken.zip",
        lambda p: p.write_bytes(b"PK\x03\x04 and then nothing"),
        "{path}: not a zip archive (File is not a zip file)",
    ),
    ("folder", lambda p: p.mkdir(), "{path}: a directory: name the files in it"),
    ("missing.csv", lambda p: None, "{path}: no such file"),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_reported_and_the_rest_imports(tmp_path, borough_at, name, make, message):
    bad = tmp_path / name
    make(bad)
    good = SAMPLE / "2019-02-city-of-london-street.csv"
    months, errors = read([bad, good], borough_at)
    assert counted(months) == {(CITY, "2019-02"): (55, 0, 4)}
    assert len(errors) == 1
    assert errors[0].startswith(message.format(path=bad))
    if name in ("cut.csv.gz", "corrupt.csv.gz", "corrupt-member.zip"):
        assert "unreadable, file skipped" in errors[0]


def test_command_reports_counts_and_exits_0(tmp_path, capsys):
    db = tmp_path / "crime.db"
    assert main(["policeuk", *map(str, FILES), "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{CITY}\t2019-01\t98 in London\t0 outside\t7 unlocated",
        f"{MET}\t2019-01\t100 in London\t3 outside\t2 unlocated",
        f"{CITY}\t2019-02\t55 in London\t0 outside\t4 unlocated",
        f"{MET}\t2019-02\t57 in London\t5 outside\t2 unlocated",
    ]
    assert err == (
        f"310 recorded crimes in London from 4 force months -> {db}; "
        "dropped 8 outside Greater London and 15 with neither LSOA nor coordinates\n"
    )


def test_command_with_a_bad_file_stores_the_rest_and_exits_1(tmp_path, capsys):
    db = tmp_path / "crime.db"
    bad = tmp_path / "notes.csv"
    bad.write_text("just some notes\n", encoding="utf-8")
    assert main(["policeuk", str(bad), str(SAMPLE / "2019-01-metropolitan-street.csv"), "--db", str(db)]) == 1
    _, err = capsys.readouterr()
    assert (
        err.splitlines()[0]
        == f"error: {bad}:1: not a police.uk street-level CSV (no " + ", ".join(COLUMNS) + " column)"
    )
    assert totals(stored(db), "force") == {MET: 100}
