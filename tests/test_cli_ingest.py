"""`python -m extract ingest` as a user runs it: a subprocess from the repository root, the database in tmp_path.

The large-input tests use HANG_GUARD as a timeout so that a hang fails instead of blocking the suite; it is not a
speed target (benchmarks/ingest.py measures speed).
"""

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
HANG_GUARD = 120  # seconds

EXPORT_FIELDS = {
    "article_id",
    "incident_id",
    "headline",
    "url",
    "published",
    "type",
    "category",
    "location_text",
    "lat",
    "lon",
    "precision",
    "borough",
    "date",
    "fatal",
    "weapon",
    "evidence",
}
SEED_INCIDENTS = [  # (type, place_name, borough, precision, fatal), sorted by place name
    ("burglary", "Bells Hill", "Barnet", "street", False),
    ("stabbing", "Prior Street", "Greenwich", "street", True),
]
GOOD_TXT = "A man was stabbed on Rye Lane in Peckham, south London, on Monday evening, police said.\n"
GOOD_JSONL = (
    '{"id": "j1", "text": "A woman was robbed on Brixton Road in Lambeth, south London, on Friday night, '
    'police said.", "published": "2024-03-06"}\n'
)
CRIME_PARAGRAPH = (
    "A man was stabbed on Rye Lane in Peckham, south London, on Monday evening, police said. Officers "
    "were called at 9pm and the 19-year-old was taken to hospital.\n\n"
)


def ingest(*args, db: Path, timeout: float = HANG_GUARD) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "extract", "ingest", *map(str, args), "--db", str(db), "--no-progress"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def stored(db: Path) -> list[tuple]:
    """(article source without its story number, incident type, place name) of every stored incident, sorted."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT a.source, i.type, i.place_name FROM incidents i JOIN articles a USING (article_id)")
    found = sorted((source.split("#")[0], type_, place) for source, type_, place in rows)
    conn.close()
    return found


def article_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    (count,) = conn.execute("SELECT count(*) FROM articles").fetchone()
    conn.close()
    return count


def committed(db: Path) -> int:
    """Articles committed so far by an ingest still running: 0 until its first batch (or its schema) is in."""
    if not db.exists():
        return 0
    try:
        return article_count(db)
    except sqlite3.Error:  # the file made, its tables not yet
        return 0


SEED_ROWS = [
    ("seeds/000_79a28f4dbedf2166.txt", "burglary", "Bells Hill"),
    ("seeds/000_79a28f4dbedf2166.txt", "stabbing", "Prior Street"),
]


def test_ingest_seeds_twice_keeps_two_incidents(tmp_path):
    db = tmp_path / "incidents.db"
    runs = [ingest("seeds/", db=db) for _ in range(2)]
    assert [(r.returncode, r.stdout, r.stderr) for r in runs] == [(0, "", f"10 articles, 2 incidents -> {db}\n")] * 2
    assert stored(db) == SEED_ROWS


def test_ingest_screens_names_without_importing_pandas(tmp_path):
    """The store screens each incident's texts for names with pyarrow; pandas, which pyarrow's conversions import
    (0.2 s and 40 MB of an ingest), is the dashboard's alone."""
    source, db = tmp_path / "named.txt", tmp_path / "incidents.db"
    source.write_text(GOOD_TXT.replace("A man was", "Tom Hart, 34, was"), encoding="utf-8")
    command = [sys.executable, "-X", "importtime", "-m", "extract", "ingest", str(source), "--db", str(db)]
    run = subprocess.run([*command, "--no-progress"], cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD)
    assert run.returncode == 0, run.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert {"pyarrow.compute", "extract.text.screening"} <= imported
    assert "pandas" not in imported
    screens = sqlite3.connect(db).execute("SELECT name_screen % 2 FROM incidents").fetchall()
    assert screens == [(1,)]  # screened, and a name found


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:  # CSV holds text: back to the JSON types the other formats have
        r.update(lat=float(r["lat"]), lon=float(r["lon"]), fatal={"true": True, "false": False}[r["fatal"]])
    return rows


def read_geojson(path: Path) -> list[dict]:
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        props = feature["properties"]
        assert feature["type"] == "Feature" and feature["id"] == props["incident_id"]
        assert feature["geometry"] == {"type": "Point", "coordinates": [props["lon"], props["lat"]]}
    return [f["properties"] for f in collection["features"]]


@pytest.mark.parametrize("suffix, read", [(".jsonl", read_jsonl), (".csv", read_csv), (".geojson", read_geojson)])
def test_out_file(tmp_path, suffix, read):
    db, out = tmp_path / "incidents.db", tmp_path / f"incidents{suffix}"
    result = ingest("seeds/", "--out", out, db=db)
    assert (result.returncode, result.stderr) == (0, f"10 articles, 2 incidents -> {db} and {out}\n")
    records = sorted(read(out), key=lambda r: r["place_name"])
    assert [EXPORT_FIELDS - set(r) for r in records] == [set(), set()]
    assert [(r["type"], r["place_name"], r["borough"], r["precision"], r["fatal"]) for r in records] == SEED_INCIDENTS
    assert all(51.2 < r["lat"] < 51.7 and -0.6 < r["lon"] < 0.4 and r["evidence"] for r in records)


def test_out_holds_only_this_runs_incidents(tmp_path):
    db, out = tmp_path / "incidents.db", tmp_path / "incidents.jsonl"
    assert ingest("seeds/", db=db).returncode == 0
    (tmp_path / "news.jsonl").write_text(GOOD_JSONL, encoding="utf-8")
    result = ingest(tmp_path / "news.jsonl", "--out", out, db=db)
    assert result.returncode == 0
    assert [(r["article_id"], r["type"], r["place_name"]) for r in read_jsonl(out)] == [
        ("j1", "robbery", "Brixton Road")
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["seeds/", "--out", "{tmp}/incidents.txt"],
            "error: {tmp}/incidents.txt: --out must end in .jsonl, .csv or .geojson\n",
        ),
        (
            ["seeds/", "--published", "2024-13-01"],
            "error: published: expected YYYY-MM-DD or YYYY-MM from 1900 to 2100, got '2024-13-01'\n",
        ),
        (
            ["{tmp}/missing.txt"],
            "error: {tmp}/missing.txt: no such file or directory\n0 articles, 0 incidents -> {db}\n",
        ),
    ],
)
def test_ingest_fail(tmp_path, args, message):
    db = tmp_path / "incidents.db"
    result = ingest(*(a.format(tmp=tmp_path) for a in args), db=db)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", message.format(tmp=tmp_path, db=db))


@pytest.mark.parametrize(
    "make_db",
    [
        pytest.param(lambda p: p.write_text("not a database\n", encoding="utf-8"), id="not a database"),
        pytest.param(lambda p: p.mkdir(), id="a directory"),
    ],
)
def test_ingest_fail_on_a_bad_database(tmp_path, make_db):
    db = tmp_path / "incidents.db"
    make_db(db)
    result = ingest("seeds/", db=db)
    lines = result.stderr.splitlines()
    assert (result.returncode, len(lines), lines[-1].startswith(f"error: {db}")) == (1, 1, True)


def test_broken_files_are_reported_and_the_good_ones_stored(tmp_path):
    db, batch = tmp_path / "incidents.db", tmp_path / "batch"
    assert ingest("seeds/", db=db).returncode == 0
    batch.mkdir()
    (batch / "a_binary.txt").write_bytes(b"\x00\x01\x02 not text")
    (batch / "b_empty.txt").write_bytes(b"")
    (batch / "c_bad_utf8.txt").write_bytes(b"A man was stabbed in Peckham.\nHe was \xff\xfe hurt.\n")
    (batch / "d_news.jsonl").write_text(
        GOOD_JSONL + '{"id": "j2", "text": \n' + GOOD_JSONL.replace("j1", "j3"), encoding="utf-8"
    )
    (batch / "e_good.txt").write_text(GOOD_TXT, encoding="utf-8")
    result = ingest(batch, db=db)
    assert (result.returncode, result.stderr.splitlines()) == (
        1,
        [
            f"error: {batch}/a_binary.txt: binary file (NUL bytes), not an article",
            f"error: {batch}/b_empty.txt: empty file",
            f"error: {batch}/c_bad_utf8.txt:2: not valid UTF-8 (byte 0xff)",
            f"error: {batch}/d_news.jsonl:2: not valid JSON (Expecting value, column 22)",
            f"3 articles, 3 incidents -> {db}",
        ],
    )
    assert stored(db) == sorted(
        SEED_ROWS
        + [
            (f"{batch}/d_news.jsonl:1", "robbery", "Brixton Road"),
            (f"{batch}/d_news.jsonl:3", "robbery", "Brixton Road"),
            (f"{batch}/e_good.txt", "stabbing", "Rye Lane"),
        ]
    )


def test_a_file_turned_bad_keeps_what_it_stored(tmp_path):
    db, news = tmp_path / "incidents.db", tmp_path / "news.jsonl"
    news.write_text(GOOD_JSONL, encoding="utf-8")
    assert ingest(news, db=db).returncode == 0
    news.write_bytes(b'{"id": "j1", "text": "\xff"}\n')
    result = ingest(news, db=db)
    assert (result.returncode, result.stderr.splitlines()) == (
        1,
        [f"error: {news}:1: not valid UTF-8 (byte 0xff)", f"0 articles, 0 incidents -> {db}"],
    )
    assert stored(db) == [(f"{news}:1", "robbery", "Brixton Road")]


@pytest.mark.slow
def test_a_50_mb_text_finishes(tmp_path):
    db, big = tmp_path / "incidents.db", tmp_path / "big.txt"
    with open(big, "w", encoding="utf-8") as f:
        # Numbered paragraphs: identical pieces would share one content-hash id and be stored once.
        for n in range(50_000_000 // len(CRIME_PARAGRAPH)):
            f.write(f"{n}. {CRIME_PARAGRAPH}")
    result = ingest(big, db=db)
    warning, summary = result.stderr.splitlines()[-2:]
    assert (result.returncode, summary) == (0, f"{article_count(db)} articles, {article_count(db)} incidents -> {db}")
    assert warning.startswith(f"warning: {big}: only the first ")  # a text is cut after MAX_TEXT_BYTES
    assert article_count(db) >= 95  # 5 MB in pieces of at most 50,000 characters


def test_a_1_mb_jsonl_line_finishes(tmp_path):
    db, big = tmp_path / "incidents.db", tmp_path / "big.jsonl"
    text = CRIME_PARAGRAPH.replace("\n", " ") * (1_050_000 // len(CRIME_PARAGRAPH))
    big.write_text(json.dumps({"id": "big", "text": text, "published": "2024-03-06"}) + "\n", encoding="utf-8")
    assert big.stat().st_size > 1_000_000
    result = ingest(big, db=db)
    assert (result.returncode, result.stderr.splitlines()[-1].startswith("1 articles, ")) == (0, True)


@pytest.mark.slow
def test_a_text_naming_thousands_of_places_finishes(tmp_path):
    from extract.geo.gazetteer import load_gazetteer

    names = sorted({e.name for e in load_gazetteer().entries if e.kind == "street" and " " in e.name})[:3000]
    db, big = tmp_path / "incidents.db", tmp_path / "places.txt"
    big.write_text(
        "A man was stabbed in south London on Monday night, police said. Officers searched "
        + ", ".join(names)
        + " and found a knife.\n",
        encoding="utf-8",
    )
    result = ingest(big, db=db)
    assert (result.returncode, result.stderr.splitlines()[-1].startswith("1 articles, ")) == (0, True)


@pytest.mark.parametrize("fan", [[], ["--workers", "2"]])
def test_ctrl_c_is_one_line_and_keeps_what_was_committed(tmp_path, fan):
    import signal
    import time

    from extract.__main__ import INTERRUPTED, INTERRUPTED_STATUS

    news = tmp_path / "news.jsonl"  # enough to be still running when the first batch is committed
    line = json.dumps({"text": CRIME_PARAGRAPH.strip()})
    news.write_text("".join(line.replace('"text"', f'"id": "c{n}", "text"') + "\n" for n in range(20_000)))
    db = tmp_path / "incidents.db"
    command = [sys.executable, "-m", "extract", "ingest", str(news), "--db", str(db), "--no-progress", *fan]
    running = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + HANG_GUARD
    while not committed(db) and running.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    running.send_signal(signal.SIGINT)
    _, err = running.communicate(timeout=HANG_GUARD)
    assert (running.returncode, err.splitlines()) == (INTERRUPTED_STATUS, [INTERRUPTED])
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()
    assert 0 < kept < 20_000
