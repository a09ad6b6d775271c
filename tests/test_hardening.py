"""The regression cases of hostile input, each named after what broke: one bad file, line, article or database
never takes the rest of the batch down with it.

Most cases run in one `python -m extract ingest` over a batch holding all of them next to good files. That run, and
the read-only database run, drop root's right to read anything (setpriv to nobody) when the suite runs as root, so
that unreadable directories are unreadable.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from extract import store
from extract.articles import read_articles
from extract.geo.geocode import GazetteerGeocoder
from extract.pipeline import ingest_paths, load_extractor
from extract.records import Article, ExtractError

ROOT = Path(__file__).resolve().parent.parent
HANG_GUARD = 120  # seconds: a hang fails instead of blocking the suite; not a speed target
NOBODY = 65534

RYE_LANE = "A man was stabbed on Rye Lane in Peckham, south London, on Monday evening, police said."
BRIXTON_ROAD = "A woman was robbed on Brixton Road in Lambeth, south London, on Friday night, police said."
MARE_STREET = "A man was stabbed on Mare Street in Hackney, east London, on Tuesday night, police said."
KINGSLAND_ROAD = "A woman was robbed on Kingsland Road in Dalston, east London, on Sunday morning, police said."
ATLANTIC_ROAD = "A man was stabbed on Atlantic Road in Brixton, south London, on Saturday night, police said."
DENMARK_HILL = "A woman was robbed on Denmark Hill in Camberwell, south London, on Thursday evening, police said."
ENTITY_FEED = (  # one 100 KB entity used 10,000 times: 1 GB once expanded
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + "A" * 100_000 + '">\n]>\n<rss version="2.0"><channel>'
    "<item><title>t</title><description>" + "&a;" * 10_000 + "</description></item></channel></rss>"
)
ENTITY_MEMORY_BYTES = 10_000_000  # Python allocations while refusing the 130 KB feed; expanding it takes 1 GB


def unprivileged() -> list[str]:
    """The prefix that runs a command without the right to read everything: setpriv to nobody when we are root."""
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if os.geteuid() == 0 else []


def ingest(*args, db: Path, as_nobody: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "extract", "ingest", *map(str, args), "--db", str(db), "--no-progress"]
    return subprocess.run(
        (unprivileged() if as_nobody else []) + command, cwd=ROOT, capture_output=True, timeout=HANG_GUARD
    )


def stored_articles(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT article_id, source, headline, url FROM articles ORDER BY source").fetchall()
    conn.close()
    return rows


def counts(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    found = conn.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM incidents)").fetchone()
    conn.close()
    return found


@pytest.fixture(scope="module")
def shared_dir():
    """A directory everyone may write to (the unprivileged runs write their database there); removed after."""
    path = Path(tempfile.mkdtemp(prefix="hardening-"))
    path.chmod(0o777)
    yield path
    for folder, dirs, _ in os.walk(path):
        for d in dirs:
            os.chmod(os.path.join(folder, d), 0o755)
    shutil.rmtree(path)


@pytest.fixture(scope="module")
def hostile(shared_dir):
    """One ingest of a batch where every bad input of the issue sits next to good files, as nobody when root."""
    batch = shared_dir / "batch"
    batch.mkdir()
    (batch / "a_surrogates.jsonl").write_text(
        json.dumps(
            {"id": "s1", "headline": "Robbery \ud800", "url": "https://news.example/\udfff", "text": BRIXTON_ROAD}
        )
        + "\n"
        + json.dumps({"id": "bad\ud800", "text": RYE_LANE})
        + "\n",
        encoding="utf-8",
        errors="surrogatepass",  # json.dumps escapes them, as "\ud800"; nothing raw is written
    )
    (batch / "b_long_ids.jsonl").write_text(
        '{"id": ' + "9" * 5000 + ', "text": "Body."}\n' + json.dumps({"id": "after", "text": MARE_STREET}) + "\n",
        encoding="utf-8",
    )
    for name, mode in (("c_no_execute", 0o644), ("d_mode_000", 0o000)):
        (batch / name).mkdir()
        (batch / name / "x.txt").write_text(KINGSLAND_ROAD, encoding="utf-8")
        (batch / name).chmod(mode)
    (batch / "e_bom_only.txt").write_bytes(b"\xef\xbb\xbf")
    (batch / "f_utf16.txt").write_bytes(ATLANTIC_ROAD.encode("utf-16"))
    (batch / "g_utf32.txt").write_bytes(DENMARK_HILL.encode("utf-32"))
    (batch / "h_link.txt").symlink_to("/etc/passwd")
    (batch / "i_duplicate.jsonl").write_text(json.dumps({"id": "s1", "text": BRIXTON_ROAD}) + "\n", encoding="utf-8")
    (batch / "j_entities.xml").write_text(ENTITY_FEED, encoding="utf-8")
    with open(os.fsencode(batch) + b"/k_caf\xe9\x1b[31m.txt", "wb") as f:
        f.write(RYE_LANE.encode())
    (batch / "z_good.txt").write_text(RYE_LANE + " Officers are appealing for witnesses.", encoding="utf-8")
    db, out = shared_dir / "incidents.db", shared_dir / "incidents.jsonl"
    result = ingest(batch, batch / "d_mode_000", "--out", out, db=db, as_nobody=True)
    return batch, db, out, result.returncode, result.stderr.decode("utf-8").splitlines()


def test_bad_items_next_to_good_ones_are_reported_and_the_good_stored(hostile):
    batch, db, out, returncode, lines = hostile
    n_articles, n_incidents = counts(db)
    assert (returncode, lines) == (
        1,
        [
            f"error: {batch}/d_mode_000: cannot read the directory (Permission denied)",
            f"error: {batch}/a_surrogates.jsonl:2: 'id' is not valid Unicode (it holds a lone surrogate)",
            f"error: {batch}/b_long_ids.jsonl:1: not valid JSON (a number too long to read)",
            f"error: {batch}/c_no_execute/x.txt: cannot read (Permission denied)",
            f"error: {batch}/e_bom_only.txt: empty file",
            f"error: {batch}/j_entities.xml: declares entities in a DTD, refused (entity expansion can exhaust memory)",
            f"error: {batch}/d_mode_000: cannot read the directory (Permission denied)",
            f"warning: {batch}/h_link.txt: a symbolic link to /etc/passwd, outside {batch}: not followed",
            f"warning: {batch}/i_duplicate.jsonl:1: article id 's1' was also read from {batch}/a_surrogates.jsonl:1 in "
            "this run; this one replaces it",
            f"{n_articles} articles, {n_incidents} incidents -> {db} and {out}",
        ],
    )
    assert [source for _, source, _, _ in stored_articles(db)] == [
        f"{batch}/b_long_ids.jsonl:2",
        f"{batch}/f_utf16.txt",
        f"{batch}/g_utf32.txt",
        f"{batch}/i_duplicate.jsonl:1",
        f"{batch}/k_caf\\xe9\\x1b[31m.txt",
        f"{batch}/z_good.txt",
    ]
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (len(exported), n_incidents > 0) == (n_incidents, True)


def test_lone_surrogates_in_jsonl_fields_are_replaced_or_the_line_rejected(shared_dir):
    path = shared_dir / "surrogates.jsonl"
    path.write_text(
        json.dumps(
            {"id": "s1", "headline": "Robbery \ud800", "url": "https://news.example/\udfff", "text": "A \udc00 b"}
        )
        + "\n"
        + json.dumps({"id": "bad\ud800", "text": "Body."}),
        encoding="utf-8",
    )
    errors: list[ExtractError] = []
    articles = list(read_articles([path], errors=errors))
    assert [str(e) for e in errors] == [f"{path}:2: 'id' is not valid Unicode (it holds a lone surrogate)"]
    assert articles == [
        Article("s1", "A \ufffd b", headline="Robbery \ufffd", url="https://news.example/\ufffd", source=f"{path}:1")
    ]


def test_integer_id_of_5000_digits_is_one_error_line(hostile):
    batch, _, _, _, lines = hostile
    assert f"error: {batch}/b_long_ids.jsonl:1: not valid JSON (a number too long to read)" in lines
    assert f"{batch}/b_long_ids.jsonl:2" in [source for _, source, _, _ in stored_articles(hostile[1])]


def test_file_name_with_non_utf8_bytes_is_read_and_shown_escaped(hostile):
    batch, db, _, _, lines = hostile
    assert f"{batch}/k_caf\\xe9\\x1b[31m.txt" in [source for _, source, _, _ in stored_articles(db)]
    assert not any("\x1b" in line for line in lines)


def test_subdirectory_without_execute_permission_is_reported(hostile):
    batch, _, _, _, lines = hostile
    assert f"error: {batch}/c_no_execute/x.txt: cannot read (Permission denied)" in lines


def test_mode_000_directory_is_reported_as_subdirectory_and_as_argument(hostile):
    batch, _, _, _, lines = hostile
    assert lines.count(f"error: {batch}/d_mode_000: cannot read the directory (Permission denied)") == 2


def test_bom_only_file_is_reported_empty(hostile):
    batch, _, _, _, lines = hostile
    assert f"error: {batch}/e_bom_only.txt: empty file" in lines


def test_utf16_and_utf32_files_are_read(hostile):
    batch, db, _, _, _ = hostile
    sources = [source for _, source, _, _ in stored_articles(db)]
    assert [f"{batch}/f_utf16.txt", f"{batch}/g_utf32.txt"] == [s for s in sources if s.endswith(("16.txt", "32.txt"))]


def test_symlink_to_a_system_file_is_not_ingested(hostile):
    batch, db, _, _, lines = hostile
    assert f"warning: {batch}/h_link.txt: a symbolic link to /etc/passwd, outside {batch}: not followed" in lines
    assert not any("h_link" in source for _, source, _, _ in stored_articles(db))


def test_duplicate_ids_warn_naming_both_places_and_count_once(hostile):
    batch, db, _, _, lines = hostile
    assert [line for line in lines if "also read from" in line] == [
        f"warning: {batch}/i_duplicate.jsonl:1: article id 's1' was also read from {batch}/a_surrogates.jsonl:1 in "
        "this run; this one replaces it"
    ]
    assert [row for row in stored_articles(db) if row[0] == "s1"] == [
        ("s1", f"{batch}/i_duplicate.jsonl:1", None, None)
    ]
    assert lines[-1].startswith(f"{counts(db)[0]} articles, ")


def test_entity_expansion_feed_is_one_error_line(hostile):
    batch, _, _, _, lines = hostile
    assert [line for line in lines if "j_entities" in line] == [
        f"error: {batch}/j_entities.xml: declares entities in a DTD, refused (entity expansion can exhaust memory)"
    ]


def test_entity_expansion_feed_is_refused_within_memory(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text(ENTITY_FEED, encoding="utf-8")
    errors: list[ExtractError] = []
    tracemalloc.start()
    try:
        articles = list(read_articles([path], errors=errors))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (articles, [str(e) for e in errors]) == (
        [],
        [f"{path}: declares entities in a DTD, refused (entity expansion can exhaust memory)"],
    )
    assert peak < ENTITY_MEMORY_BYTES


@pytest.fixture(scope="module")
def extractor():
    """The real extractor, loaded once."""
    return load_extractor()


class ExplodingGeocoder(GazetteerGeocoder):
    """The gazetteer geocoder, except that it fails on one street: a bug reached by one article only."""

    def geocode(self, query, *, context=()):
        if "Mare Street" in query:
            raise RuntimeError("boom")
        return super().geocode(query, context=context)


def test_one_article_failing_in_extraction_is_reported_and_the_batch_goes_on(tmp_path, extractor):
    from dataclasses import replace

    exploding = replace(extractor, geocoder=ExplodingGeocoder(extractor.gazetteer))
    news = tmp_path / "news.jsonl"
    news.write_text(
        "\n".join(json.dumps({"id": n, "text": t}) for n, t in (("a", RYE_LANE), ("b", MARE_STREET), ("c", RYE_LANE))),
        encoding="utf-8",
    )
    report = ingest_paths([news], db_path=tmp_path / "incidents.db", extractor=exploding)
    assert (report.articles, report.errors) == (2, [f"{news}:2: cannot extract the article (RuntimeError: boom)"])


def test_locked_database_is_waited_for_then_reported_once(tmp_path, extractor, monkeypatch):
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.2)
    db, news = tmp_path / "incidents.db", tmp_path / "news.jsonl"
    news.write_text("\n".join(json.dumps({"id": n, "text": RYE_LANE}) for n in "abc"), encoding="utf-8")
    store.connect(db).close()
    holder = sqlite3.connect(db)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        report = ingest_paths([news], db_path=db, extractor=extractor)
    finally:
        holder.rollback()
        holder.close()
    assert (report.articles, report.errors) == (
        0,
        [f"{db}: database error: database is locked (waited 0.2 s for another process); the batch stopped at {news}:1"],
    )


def test_a_lock_released_in_time_is_waited_for(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 10.0)
    db = tmp_path / "incidents.db"
    store.connect(db).close()
    holder = sqlite3.connect(db, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.3, holder.rollback)
    release.start()
    conn = store.connect(db)
    started = time.monotonic()
    assert store.save_article(conn, Article("a", "Body.", source="a.txt"), []) == 0
    waited = time.monotonic() - started
    release.join()
    conn.close()
    holder.close()
    assert (counts(db), waited > 0.2) == ((1, 0), True)


def test_read_only_database_is_a_database_error_naming_it(tmp_path):
    db = tmp_path / "incidents.db"
    store.connect(db).close()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(store.DatabaseError) as e:
        store.save_article(conn, Article("a", "Body.", source="a.txt"), [])
    conn.close()
    assert str(e.value) == f"{db}: database error: attempt to write a readonly database"


def test_read_only_database_file_stops_the_batch_with_one_line(shared_dir):
    db, good = shared_dir / "read-only.db", shared_dir / "good.txt"
    store.connect(db).close()
    db.chmod(0o444)
    good.write_text(RYE_LANE, encoding="utf-8")
    result = ingest(good, good, db=db, as_nobody=True)
    lines = result.stderr.decode().splitlines()
    assert (result.returncode, len(lines), lines[0].startswith(f"error: {db}: ")) == (1, 2, True)
    assert "readonly" in lines[0] or "unable to open" in lines[0]


def test_malformed_database_stops_the_batch_with_one_line_naming_it(tmp_path):
    db, good = tmp_path / "incidents.db", tmp_path / "good.jsonl"
    good.write_text("\n".join(json.dumps({"id": n, "text": RYE_LANE}) for n in "ab"), encoding="utf-8")
    assert ingest(good, db=db).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(db, "r+b") as f:
        f.seek(4096)  # past the header page: the database opens, its tables do not read
        f.write(b"\xde\xad" * 8192)
    result = ingest(good, db=db)
    assert (result.returncode, result.stderr.decode().splitlines()) == (
        1,
        [
            f"error: {db}: database error: database disk image is malformed; the batch stopped at {good}:1",
            f"0 articles, 0 incidents -> {db}",
        ],
    )


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda c: c.execute("CREATE TABLE contacts (name TEXT)"),
            "not an incidents database (it has tables, but not our articles table); left unchanged",
        ),
        (
            lambda c: c.executescript("CREATE TABLE articles (id INTEGER); CREATE TABLE incidents (id INTEGER);"),
            "not an incidents database (it has tables, but not our articles table); left unchanged",
        ),
        (
            lambda c: c.execute("PRAGMA user_version = 2"),
            "not an incidents database (schema version 2, without our tables); left unchanged",
        ),
    ],
)
def test_database_of_another_application_is_refused_unchanged(tmp_path, make, message):
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    make(conn)
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(ExtractError) as e:
        store.connect(db)
    assert (str(e.value), db.read_bytes(), sorted(p.name for p in tmp_path.iterdir())) == (
        f"{db}: {message}",
        before,
        ["other.db"],
    )


def test_empty_database_file_is_set_up(tmp_path):
    db = tmp_path / "empty.db"
    db.touch()
    store.connect(db).close()
    assert counts(db) == (0, 0)


@pytest.mark.parametrize("target", ["/dev/null", "directory", "fifo"])
def test_db_that_is_not_a_regular_file_is_refused_without_a_journal(tmp_path, target):
    db = tmp_path / "incidents.db"
    if target == "directory":
        db.mkdir()
    elif target == "fifo":
        os.mkfifo(db)
    else:
        db.symlink_to(target)
    with pytest.raises(ExtractError) as e:
        store.connect(db)
    assert (str(e.value), sorted(p.name for p in tmp_path.iterdir())) == (
        f"{db}: not a regular file; the incidents database must be one",
        ["incidents.db"],
    )


def test_geocode_into_head_ends_quietly():
    command = [sys.executable, "-m", "extract", "geocode", *["Brixton"] * 3000]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as geocode:
        first = geocode.stdout.readline()
        geocode.stdout.close()  # as `| head -1` does once it has its line
        stderr = geocode.stderr.read()
        geocode.wait(timeout=HANG_GUARD)
    assert (json.loads(first)["query"], stderr, geocode.returncode) == ("Brixton", b"", 1)
