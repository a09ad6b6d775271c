import hashlib
import json
import os
from pathlib import Path

import pytest

from extract.articles import (
    MAX_STORY_CHARS,
    PageFurniture,
    load_furniture,
    read_articles,
    read_text,
    read_upload,
)
from extract.records import Article, ExtractError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "articles"
SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_79a28f4dbedf2166.txt"

# Made-up story lines, long enough (>= 150 characters) to pass for teasers when they end with "...".
BODY = "Police were called to a house in Walthamstow on Sunday evening after neighbours reported shouting."
TEASER_A = "A cyclist was injured in a hit-and-run on the Mile End Road on Monday morning. " * 2 + "The driver did n..."
TEASER_B = (
    "Thieves took a safe from a jeweller in Hatton Garden overnight, the owner said. " * 2 + "Officers want to spe..."
)


def sha(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:16]


def story(text: str, source: str, *, headline=None, url=None, published=None, article_id=None) -> Article:
    return Article(article_id or sha(url or text), text, headline=headline, url=url, published=published, source=source)


def at_path(expected: list[Article], path: Path) -> list[Article]:
    """The expected articles with "{path}" in their source filled in."""
    return [
        story(
            a.text,
            a.source.format(path=path),
            headline=a.headline,
            url=a.url,
            published=a.published,
            article_id=a.article_id,
        )
        for a in expected
    ]


def read(paths, **options) -> tuple[list[Article], list[str]]:
    errors: list[ExtractError] = []
    articles = list(read_articles(paths, errors=errors, **options))
    return articles, [str(e) for e in errors]


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "story.txt",
            [
                story(
                    "Two men were arrested after a fight outside a pub on Brixton Road on Saturday night.\n\n"
                    "A third man was treated for cuts to his face, police said.",
                    "{path}",
                    headline="Two arrested after fight outside Brixton pub",
                    published="2000-01-01",
                ),
            ],
        ),
        (
            "page.html",
            [
                story(
                    "A man has been arrested after a shop on Camden High Street was broken into early on Tuesday morning, "
                    "police said.\nOfficers were called at about 3am and found the front window smashed. Nothing was "
                    "reported stolen, the force added in a short statement.",
                    "{path}",
                    headline="Shop window smashed in Camden break-in",
                    url="https://news.example/camden-break-in",
                    published="2024-03-05",
                ),
            ],
        ),
        (
            "articles.jsonl",
            [
                story(
                    "A car was stolen from a driveway in Ealing on Friday.",
                    "{path}:1",
                    article_id="ex1",
                    headline="Car stolen in Ealing",
                    url="https://news.example/one",
                    published="2024-03-01",
                ),
                story(
                    "A flat in Hackney was burgled last month.",
                    "{path}:3",
                    article_id="7",
                    headline="Burglary in Hackney",
                    url="https://news.example/two",
                    published="2024-02",
                ),
                story("A man was robbed at a bus stop in Croydon.", "{path}:4", published="2000-01-01"),
            ],
        ),
        (
            "feed.rss",
            [
                story(
                    "A bike was stolen from a rack on Peckham Hill Street on Monday.\n\nPolice are appealing for witnesses.",
                    "{path}#1",
                    headline="Bike stolen outside Peckham library",
                    url="https://news.example/peckham-bike",
                    published="2024-03-05",
                ),
                story(
                    "A parked van caught fire overnight. Nobody was hurt.",
                    "{path}#2",
                    headline="Van fire in Lewisham",
                    published="2000-01-01",
                ),
            ],
        ),
        (
            "feed.atom",
            [
                story(
                    "A phone was snatched from a woman on Oxford Street.\n\nThe thief rode off on an e-bike.",
                    "{path}#1",
                    headline="Phone snatched on Oxford Street",
                    url="https://bulletin.example/oxford-street-phone",
                    published="2024-03-06",
                ),
            ],
        ),
    ],
)
def test_read_fixture(name, expected):
    path = FIXTURES / name
    articles, errors = read([path], published="2000-01-01")
    assert errors == []
    assert articles == at_path(expected, path)


@pytest.mark.parametrize(
    "name, content, expected",
    [
        (
            "plain.txt",
            b"A man was arrested in Ilford.\nHe was later released.\n",
            [story("A man was arrested in Ilford.\nHe was later released.", "{path}")],
        ),
        ("one-line.txt", b"Man arrested in Ilford\n", [story("Man arrested in Ilford", "{path}")]),
        (
            "crlf.txt",
            b"Man arrested in Ilford\r\n\r\nHe was later released.\r\n",
            [story("He was later released.", "{path}", headline="Man arrested in Ilford")],
        ),
        (
            "bom.txt",
            "\ufeffMan arrested in Ilford\nHe was later released.".encode(),
            [story("He was later released.", "{path}", headline="Man arrested in Ilford")],
        ),
        (
            "truncated.txt",
            f"Man arrested in Ilford\n\n{BODY}\n\n{TEASER_A}\n".encode(),
            [story(f"{BODY}\n\n{TEASER_A}", "{path}", headline="Man arrested in Ilford")],
        ),
        (
            "page.txt",
            f"Man arrested in Ilford\n{BODY}\nMan arrested in\nI recommend\n\n{TEASER_A}\n{TEASER_B}\n".encode(),
            [
                story(BODY, "{path}#1", headline="Man arrested in Ilford"),
                story(TEASER_A, "{path}#2"),
                story(TEASER_B, "{path}#3"),
            ],
        ),
        (
            "listing.txt",
            f"{TEASER_A}\n\n{TEASER_B}".encode(),
            [story(TEASER_A, "{path}#1"), story(TEASER_B, "{path}#2")],
        ),
        (
            "furniture-inside.txt",
            f"Man arrested in Ilford\n{BODY}\nAdvertisement\n{BODY}\nShare this article\n".encode(),
            [story(f"{BODY}\nAdvertisement\n{BODY}", "{path}", headline="Man arrested in Ilford")],
        ),
        (
            "noid.jsonl",
            b'{"url": " https://news.example/x ", "headline": "", "text": "Body."}\n',
            [story("Body.", "{path}:1", url="https://news.example/x")],
        ),
        ("sniffed-jsonl.dat", b'\n{"id": "a", "text": "Body."}', [story("Body.", "{path}:2", article_id="a")]),
        ("sniffed-text", b"Body of a note.", [story("Body of a note.", "{path}")]),
        (
            "sniffed-feed.dat",
            (FIXTURES / "feed.atom").read_bytes(),
            [
                story(
                    "A phone was snatched from a woman on Oxford Street.\n\nThe thief rode off on an e-bike.",
                    "{path}#1",
                    headline="Phone snatched on Oxford Street",
                    url="https://bulletin.example/oxford-street-phone",
                    published="2024-03-06",
                )
            ],
        ),
        (
            "sniffed-html.dat",
            b"<html><head><title>Fire in Acton</title></head><body><article><p>"
            + " ".join([BODY] * 3).encode()
            + b"</p></article></body></html>",
            [story(" ".join([BODY] * 3), "{path}", headline="Fire in Acton")],
        ),
        (
            "plain-text.rss",
            b'<rss version="2.0"><channel><item><description>Plain words.</description></item></channel></rss>',
            [story("Plain words.", "{path}#1")],
        ),
    ],
)
def test_read_file(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    articles, errors = read([path])
    assert errors == []
    assert articles == at_path(expected, path)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-03-05", "2024-03-05"),
        ("2024-03-05T23:30:00-05:00", "2024-03-05"),
        ("2024-03-05 10:00", "2024-03-05"),
        ("2024/3/5", "2024-03-05"),
        ("2024-03", "2024-03"),
        ("Tue, 05 Mar 2024 00:30:00 +0100", "2024-03-05"),
        ("5 March 2024", "2024-03-05"),
        ("March 5, 2024", "2024-03-05"),
        ("Tuesday 5 March 2024", "2024-03-05"),
        ("March 2024", "2024-03"),
        ("2024", "2000-01-01"),
        ("2024-02-30", "2000-01-01"),
        ("2024-13", "2000-01-01"),
        ("20240305", "2000-01-01"),
        ("yesterday", "2000-01-01"),
        ("", "2000-01-01"),
        (None, "2000-01-01"),
    ],
)
def test_published_date_normalised_else_fallback(tmp_path, value, expected):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "Body.", "published": value}), encoding="utf-8")
    articles, errors = read([path], published="2000-01-01")
    assert errors == []
    assert [a.published for a in articles] == [expected]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.txt", None, "{path}: no such file or directory"),
        ("empty.txt", b"", "{path}: empty file"),
        ("blank.jsonl", b" \n\n\t", "{path}: empty file"),
        ("binary.txt", b"GIF89a\x00\x01", "{path}: binary file (NUL bytes), not an article"),
        ("binary.dat", b"\x89PNG\r\n\x1a\n\x00\x00", "{path}: binary file (NUL bytes), not an article"),
        ("latin1.txt", b"Man arrested\ncaf\xe9 owner robbed\n", "{path}:2: not valid UTF-8 (byte 0xe9)"),
        (
            "bad-json.jsonl",
            b'{"text": "Good."}\n{"text": "Bad.",}\n',
            "{path}:2: not valid JSON (Expecting property name enclosed in double quotes, column 17)",
        ),
        ("bad-utf8.jsonl", b'{"text": "Good."}\n{"text": "caf\xe9"}\n', "{path}:2: not valid UTF-8 (byte 0xe9)"),
        ("deep.jsonl", b'{"text": "Good."}\n' + b"[" * 100_000 + b"\n", "{path}:2: not valid JSON (nested too deeply)"),
        ("array.jsonl", b'{"text": "Good."}\n["text"]\n', "{path}:2: expected a JSON object, got list"),
        ("no-text.jsonl", b'{"text": "Good."}\n{"id": "x"}\n', "{path}:2: missing or empty 'text'"),
        ("empty-text.jsonl", b'{"text": "Good."}\n{"text": "  "}\n', "{path}:2: missing or empty 'text'"),
        ("text-number.jsonl", b'{"text": "Good."}\n{"text": 5}\n', "{path}:2: missing or empty 'text'"),
        (
            "bad-id.jsonl",
            b'{"text": "Good."}\n{"id": [1], "text": "Bad."}\n',
            "{path}:2: 'id' must be a string or an integer, got list",
        ),
        (
            "bad-headline.jsonl",
            b'{"text": "Good."}\n{"headline": 5, "text": "Bad."}\n',
            "{path}:2: 'headline' must be a string, got int",
        ),
        (
            "bad-url.jsonl",
            b'{"text": "Good."}\n{"source": {"a": 1}, "text": "Bad."}\n',
            "{path}:2: 'source' must be a string, got dict",
        ),
        (
            "truncated.rss",
            b'<rss version="2.0"><channel>\n<item><title>x</ti',
            "{path}: not a well-formed feed (unclosed token)",
        ),
        ("not-a-feed.xml", b"<catalogue><book>Dune</book></catalogue>", "{path}: not an RSS or Atom feed"),
        (
            "no-text.rss",
            b'<rss version="2.0"><channel><item><title>Only a title</title></item>'
            b"<item><description>Good.</description></item></channel></rss>",
            "{path}#1: feed entry has no text",
        ),
        (
            "no-body.html",
            b"<html><head><title>Nothing</title></head><body></body></html>",
            "{path}: no article text found in the HTML",
        ),
    ],
)
def test_bad_input_is_reported_and_batch_goes_on(tmp_path, name, content, message):
    before, after = tmp_path / "before.txt", tmp_path / "after.txt"
    before.write_text("Before.", encoding="utf-8")
    after.write_text("After.", encoding="utf-8")
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    articles, errors = read([before, path, after])
    assert errors == [message.format(path=path)]
    good_from_bad_file = [a.text for a in articles if a.source.startswith(str(path))]
    assert good_from_bad_file in ([], ["Good."])
    assert [a.text for a in articles] == ["Before.", *good_from_bad_file, "After."]


def test_fifo_is_an_error_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "z.txt").write_text("Body.", encoding="utf-8")
    articles, errors = read([tmp_path])
    assert errors == [f"{tmp_path / 'pipe.txt'}: not a regular file"]
    assert [a.source for a in articles] == [str(tmp_path / "z.txt")]


def test_directory_walk_is_sorted_and_skips_hidden(tmp_path):
    for name in ["b.txt", "a/z.txt", "a/c.jsonl", ".hidden.txt", ".git/x.txt", "c/.d/y.txt", "c/e.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text('{"text": "Body."}' if name.endswith(".jsonl") else name, encoding="utf-8")
    articles, errors = read([tmp_path, tmp_path / ".hidden.txt"])
    assert errors == []
    assert [a.source for a in articles] == [
        f"{tmp_path}/a/c.jsonl:1",
        f"{tmp_path}/a/z.txt",
        f"{tmp_path}/b.txt",
        f"{tmp_path}/c/e.txt",
        f"{tmp_path}/.hidden.txt",
    ]


def test_a_single_path_is_accepted(tmp_path):
    (tmp_path / "a.txt").write_text("Body.", encoding="utf-8")
    assert read(str(tmp_path / "a.txt")) == ([story("Body.", str(tmp_path / "a.txt"))], [])


def test_seed_page_splits_into_ten_stories():
    page = SEED.read_text(encoding="utf-8")
    lines = page.split("\n")
    headline = lines[0]
    echo = next(line for line in lines[1:] if line and headline.startswith(line))
    main = page[page.index(lines[2]) : page.index("\n" + echo + "\n")]
    teasers = [line for line in lines if line.endswith("...")]

    articles, errors = read([SEED], published="2018-12-05")

    assert errors == []
    assert articles == [
        story(text, f"{SEED}#{n}", headline=headline if n == 1 else None, published="2018-12-05")
        for n, text in enumerate([main, *teasers], start=1)
    ]
    topics = [
        "armed",
        "rally",
        "nightclubs",
        "Prior Street",
        "Thames Water",
        "New Zealand",
        "Fire Brigade",
        "Bells Hill",
        "skeleton",
        "Christmas lights",
    ]
    assert [topic in a.text for topic, a in zip(topics, articles, strict=True)] == [True] * 10
    furniture = load_furniture()
    assert not any(p in a.text.casefold() for a in articles for p in [*furniture.lines, *furniture.prefixes])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("  \n\n", []),
        (
            "Man arrested in Ilford\n\nHe was later released.",
            [story("He was later released.", "pasted", headline="Man arrested in Ilford", published="2024-05-01")],
        ),
        (
            f"{BODY}\nI recommend\n{TEASER_A}",
            [story(BODY, "pasted#1", published="2024-05-01"), story(TEASER_A, "pasted#2", published="2024-05-01")],
        ),
    ],
)
def test_read_text(text, expected):
    assert read_text(text, published="2024-05-01") == expected


@pytest.mark.parametrize(
    "name, data, expected, messages",
    [
        ("notes.txt", b"Body.", [story("Body.", "notes.txt")], []),
        (
            "batch.JSONL",
            b'{"id": "a", "text": "Body."}\n{"text": ""}',
            [story("Body.", "batch.JSONL:1", article_id="a")],
            ["batch.JSONL:2: missing or empty 'text'"],
        ),
        (
            "feed.xml",
            (FIXTURES / "feed.atom").read_bytes(),
            [
                story(
                    "A phone was snatched from a woman on Oxford Street.\n\nThe thief rode off on an e-bike.",
                    "feed.xml#1",
                    headline="Phone snatched on Oxford Street",
                    url="https://bulletin.example/oxford-street-phone",
                    published="2024-03-06",
                )
            ],
            [],
        ),
        ("empty.txt", b"", [], ["empty.txt: empty file"]),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", [], ["photo.jpg: binary file (NUL bytes), not an article"]),
    ],
)
def test_read_upload(name, data, expected, messages):
    errors = []
    assert read_upload(name, data, errors=errors) == expected
    assert [str(e) for e in errors] == messages


@pytest.mark.parametrize("published", ["2024-3-5", "05/03/2024", "2024-02-30", "2024", "March 2024", ""])
def test_bad_published_option_fails(tmp_path, published):
    message = f"published: expected YYYY-MM-DD or YYYY-MM, got {published!r}"
    with pytest.raises(ExtractError, match=f"^{message}$"):
        read_articles([tmp_path], published=published, errors=[])
    with pytest.raises(ExtractError, match=f"^{message}$"):
        read_text("Body.", published=published)
    with pytest.raises(ExtractError, match=f"^{message}$"):
        read_upload("a.txt", b"Body.", published=published, errors=[])


def test_load_furniture(tmp_path):
    path = tmp_path / "furniture.txt"
    path.write_text("# a comment\n\nI  Recommend\nIf you notice an error*\n", encoding="utf-8")
    assert load_furniture(path) == PageFurniture(frozenset({"i recommend"}), ("if you notice an error",))


def test_ids_are_stable_hashes_of_url_else_text(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Body.", encoding="utf-8")
    first, _ = read([path])
    second, _ = read([path])
    assert [a.article_id for a in first] == [a.article_id for a in second] == [sha("Body.")]


@pytest.mark.parametrize(
    "name, make",
    [
        ("paragraphs.txt", lambda: (f"{BODY} " * 8 + "\n\n") * 6_600),
        ("one-line.txt", lambda: f"{BODY} " * 53_000),
        ("no-spaces.txt", lambda: "x" * 5_000_000),
    ],
)
def test_big_text_is_cut_into_bounded_stories(tmp_path, name, make):
    text = make()
    assert len(text) >= 5_000_000
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    articles, errors = read([path])
    assert errors == []
    assert len(articles) >= len(text) // MAX_STORY_CHARS
    assert all(0 < len(a.text) <= MAX_STORY_CHARS for a in articles)
    assert "".join("".join(a.text.split()) for a in articles) == "".join(text.split())


def test_one_megabyte_jsonl_line(tmp_path):
    text = f"{BODY} " * 10_500
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"id": "big", "text": text}) + "\n" + json.dumps({"text": "Next."}), encoding="utf-8")
    articles, errors = read([path])
    assert errors == []
    assert articles == [story(text, f"{path}:1", article_id="big"), story("Next.", f"{path}:2")]
