"""Dask partitions: whole files, or byte ranges of a JSON Lines file cut at line starts, read where they are
extracted; reading every partition in order gives the stories and the errors read_articles gives, in its order."""

import codecs
import json
import threading

import pytest

from extract.articles import read_articles
from extract.parallel import Piece, line_ranges, partition_articles, partitions
from extract.records import ExtractError


def line(n: int, day: str = "Monday") -> bytes:
    return json.dumps({"id": f"p{n}", "text": f"A man was stabbed on Mare Street in Hackney on {day}."}).encode()


GOOD = b"\n".join(line(n) for n in range(12)) + b"\n"
FILES = {
    "good.jsonl": GOOD,
    "no final newline.jsonl": GOOD.rstrip(b"\n"),
    "bad lines.jsonl": b"\n".join(
        [line(0), b"{not json", line(2), b"", b"   ", b'{"id": "p5"}', '{"id": "\u00e9"'.encode("latin-1"), line(7)]
    ),
    "crlf.jsonl": b"\r\n".join(line(n) for n in range(6)) + b"\r\n",
    "utf-8 bom.jsonl": codecs.BOM_UTF8 + GOOD,
    "leading blank lines.jsonl": b"\n\n  \n" + GOOD,
    "nul byte.jsonl": line(0) + b"\n" + line(1).replace(b"stabbed", b"stab\x00bed") + b"\n" + line(2) + b"\n",
    "an array first.jsonl": b"[1, 2]\n" + GOOD,
    "utf-16.jsonl": codecs.BOM_UTF16_LE + GOOD.decode().encode("utf-16-le"),
    "a page.txt": b"Man stabbed in Hackney\n\nA man was stabbed on Mare Street in Hackney on Monday.\n",
    "empty.jsonl": b"",
}


def read_partitions(paths, **options):
    """Every partition of `paths` read in order: the stories, and what was reported, as read_articles gives them."""
    errors: list[ExtractError] = []
    stories = []
    for part in partitions(paths, **options):
        if isinstance(part, ExtractError):
            errors.append(part)
        else:
            stories.extend(partition_articles(part, published="2024-03-04", errors=errors))
    return stories, [(type(e), str(e)) for e in errors]


def read_whole(paths):
    errors: list[ExtractError] = []
    stories = list(read_articles(paths, published="2024-03-04", errors=errors))
    return stories, [(type(e), str(e)) for e in errors]


@pytest.mark.parametrize("size", [1, 60, 150, 1 << 20])
@pytest.mark.parametrize("name", FILES)
def test_partitions_read_what_read_articles_reads(tmp_path, name, size):
    path = tmp_path / name
    path.write_bytes(FILES[name])
    assert read_partitions([path], size=size) == read_whole([path])


def test_a_directory_and_a_missing_path_keep_their_order(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    paths = [folder / "good.jsonl", tmp_path / "missing.jsonl", folder]
    stories, errors = read_partitions(paths, size=100)
    assert (stories, errors) == read_whole(paths)
    assert any("missing.jsonl: no such file or directory" in message for _, message in errors)


def test_byte_ranges_start_at_line_starts_with_their_line_numbers(tmp_path):
    path = tmp_path / "news.jsonl"
    lines = [b"a" * 9, b"b" * 4, b"", b"c" * 30, b"d"]  # 10, 5, 1, 31 and 1 bytes with their b"\n"
    path.write_bytes(b"\n".join(lines))
    assert list(line_ranges(path, size=5)) == [(0, 10, 1), (10, 15, 2), (15, 47, 3), (47, 48, 5)]
    assert list(line_ranges(path, size=10)) == [(0, 10, 1), (10, 47, 2), (47, 48, 5)]
    assert list(line_ranges(path, size=100)) == [(0, 48, 1)]


def test_small_files_are_grouped_and_a_large_json_lines_file_is_cut(tmp_path):
    small = [tmp_path / f"{n}.txt" for n in range(3)]
    for path in small:
        path.write_bytes(b"x" * 40)
    big = tmp_path / "z.jsonl"
    big.write_bytes(GOOD)
    width = len(line(0)) + 1
    parts = list(partitions([*small, big], size=100))
    assert parts[:2] == [(Piece(small[0]), Piece(small[1]), Piece(small[2])), ((Piece(big, 0, 2 * width, 1)),)]
    assert [p[0].line for p in parts[1:]] == list(range(1, 13, 2))


@pytest.mark.parametrize("name", FILES)
def test_partitions_of_files_over_the_text_limit_read_line_by_line(tmp_path, monkeypatch, name):
    from extract import articles

    monkeypatch.setattr(articles, "MAX_TEXT_BYTES", 50)  # every file here is then read as a large one
    monkeypatch.setattr(articles, "MAX_LINE_BYTES", 80)  # and a line of GOOD is too long to read
    path = tmp_path / name
    path.write_bytes(FILES[name].replace(line(3), line(3, day="Monday " * 10)))
    assert read_partitions([path], size=60) == read_whole([path])


def test_a_worker_that_cannot_reach_postgresql_stops_at_its_first_article(tmp_path, small_extractor, monkeypatch):
    from extract import events, parallel

    reader = events.load_report_reader(matcher=small_extractor.matcher)
    monkeypatch.setattr(parallel, "_loaded", (small_extractor, reader))  # as the WorkerPlugin leaves a worker
    path = tmp_path / "news.jsonl"
    path.write_bytes(GOOD)
    results = parallel.extract_partition((Piece(path),), db="postgresql://postgres@127.0.0.1:1/incidents")
    assert [(r.article.article_id, r.stored, r.database) for r in results] == [("p0", False, True)]
    assert "postgres@127.0.0.1:1/incidents: cannot open the incidents database" in results[0].error


@pytest.mark.parametrize(
    ("failing", "stored"),
    [
        (None, ["p0", "p1", "p2", "p3"]),  # one transaction for the partition
        ("p2", ["p0", "p1", "p3"]),  # rolled back, then each on its own: only the failing one is left out
        ("p0", ["p1", "p2", "p3"]),
    ],
)
def test_a_worker_stores_its_partition_in_postgresql_and_names_the_article_that_fails(
    tmp_path, small_extractor, monkeypatch, postgres_url, failing, stored
):
    from extract import events, parallel, store

    reader = events.load_report_reader(matcher=small_extractor.matcher)
    monkeypatch.setattr(parallel, "_loaded", (small_extractor, reader))
    monkeypatch.setattr(parallel, "_connections", threading.local())  # this test's database, on a new connection
    save_article = store.save_article

    def saving(conn, article, incidents, **options):
        if article.article_id == failing:
            raise ExtractError(f"{article.source}: cannot store the article (refused)")
        return save_article(conn, article, incidents, **options)

    monkeypatch.setattr(store, "save_article", saving)
    path = tmp_path / "news.jsonl"
    path.write_bytes(b"\n".join(line(n) for n in range(4)) + b"\n")
    results = parallel.extract_partition((Piece(path),), db=postgres_url)
    assert [(r.article.article_id, r.stored, r.error) for r in results] == [
        (
            f"p{n}",
            f"p{n}" in stored,
            None if f"p{n}" in stored else f"{path}:{n + 1}: cannot store the article (refused)",
        )
        for n in range(4)
    ]
    conn = store.connect(postgres_url)
    try:
        kept = [row[0] for row in conn.execute("SELECT article_id FROM articles ORDER BY article_id")]
        incidents = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    finally:
        conn.close()
    assert (kept, incidents) == (stored, len(stored))
