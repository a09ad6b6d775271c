import hashlib
import json
import os
from pathlib import Path

import pytest

from extract import articles as articles_module
from extract.articles import (
    MAX_ARTICLE_CHARS,
    MAX_FIELD_CHARS,
    MAX_STORY_CHARS,
    MAX_TEXT_BYTES,
    PageFurniture,
    ReadWarning,
    load_furniture,
    read_articles,
    read_text,
    read_upload,
    refuse_entities,
    shown_name,
)
from extract.records import Article, ExtractError, is_link

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


def read_with_warnings(paths, **options) -> tuple[list[Article], list[str], list[str]]:
    """The articles, the errors and the warnings (ReadWarning) of reading `paths`."""
    errors: list[ExtractError] = []
    articles = list(read_articles(paths, errors=errors, **options))
    return (
        articles,
        [str(e) for e in errors if not isinstance(e, ReadWarning)],
        [str(e) for e in errors if isinstance(e, ReadWarning)],
    )


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
            "articles.json",  # a JSON array, as a pretty-printer writes it
            b'[\n  {"id": "a", "text": "Body.", "headline": "H", "published": "2024-03-05"},\n  {"text": "More."}\n]',
            [
                story("Body.", "{path}#1", article_id="a", headline="H", published="2024-03-05"),
                story("More.", "{path}#2"),
            ],
        ),
        ("one.json", b'{\n  "id": "a",\n  "text": "Body."\n}', [story("Body.", "{path}", article_id="a")]),
        ("sniffed-array.dat", b' [{"id": "a", "text": "Body."}]', [story("Body.", "{path}#1", article_id="a")]),
        ("empty.json", b"[]", []),
        (
            "lines.json",  # JSON Lines named .json, as data dumps often are
            b'{"id": "a", "text": "Body."}\n{"id": "b", "text": "More."}\n',
            [story("Body.", "{path}:1", article_id="a"), story("More.", "{path}:2", article_id="b")],
        ),
        ("bracketed.txt", b"[Updated] Body.", [story("[Updated] Body.", "{path}")]),
        (
            "plain-text.rss",
            b'<rss version="2.0"><channel><item><description>Plain words.</description></item></channel></rss>',
            [story("Plain words.", "{path}#1")],
        ),
        (
            "no-such-day.atom",  # feedparser reads 30 February as 1 March; no date is right. Its id is no link.
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:1</id><published>2024-02-30T10:00:00Z'
            b'</published><content type="text">Plain words.</content></entry></feed>',
            [story("Plain words.", "{path}#1", article_id=hashlib.sha1(b"urn:1").hexdigest()[:16])],
        ),
        (
            "no-such-day.rss",
            b'<rss version="2.0"><channel><item><description>Plain words.</description>'
            b"<pubDate>Fri, 30 Feb 2024 10:00:00 GMT</pubDate></item></channel></rss>",
            [story("Plain words.", "{path}#1")],
        ),
        (
            "odd-date-form.rss",  # a form only feedparser reads: its reading is kept
            b'<rss version="2.0"><channel><item><description>Plain words.</description>'
            b"<pubDate>2024-03-05T10:00:00.000+01:00Z</pubDate></item></channel></rss>",
            [story("Plain words.", "{path}#1", published="2024-03-05")],
        ),
        (
            "rss091.rss",  # HTML's entities, declared by an external DTD only: read as HTML reads them
            b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel><title>x</title>'
            b"<item><description>Plain&nbsp;words &eacute; &amp; more.</description></item></channel></rss>",
            [story("Plain words \xe9 & more.", "{path}#1")],
        ),
        (
            "far-future.rss",  # a date no news has (feedparser's parsed tuple of it is refused too)
            b'<rss version="2.0"><channel><item><description>Plain words.</description>'
            b"<pubDate>Wed, 06 Mar 2999 10:00:00 GMT</pubDate></item></channel></rss>",
            [story("Plain words.", "{path}#1")],
        ),
        (
            "utf16.txt",
            "Man arrested in Ilford\nHe was later released. Café owner.".encode("utf-16"),
            [story("He was later released. Café owner.", "{path}", headline="Man arrested in Ilford")],
        ),
        (
            "utf16-be.txt",
            "\ufeffCafé owner robbed".encode("utf-16-be"),
            [story("Café owner robbed", "{path}")],
        ),
        (
            "utf32.txt",
            "Man arrested in Ilford\nHe was later released.".encode("utf-32"),
            [story("He was later released.", "{path}", headline="Man arrested in Ilford")],
        ),
        (
            "utf16.jsonl",
            '{"id": "a", "text": "Café."}\n{"id": "b", "text": "Body."}'.encode("utf-16"),
            [story("Café.", "{path}:1", article_id="a"), story("Body.", "{path}:2", article_id="b")],
        ),
        (
            "utf16.rss",
            '<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><item><title>Café fire</title>'
            "<description>Plain words.</description></item></channel></rss>".encode("utf-16"),
            [story("Plain words.", "{path}#1", headline="Café fire")],
        ),
        (
            "surrogates.jsonl",
            b'{"id": "s", "headline": "Bad \\ud800 head", "url": "https://news.example/\\udfff", '
            b'"text": "Body \\ud83d end, a pair \\ud83d\\ude00 kept."}',
            [
                story(
                    "Body \ufffd end, a pair \U0001f600 kept.",
                    "{path}:1",
                    article_id="s",
                    headline="Bad \ufffd head",
                    url="https://news.example/\ufffd",
                )
            ],
        ),
        (
            "surrogate-no-id.jsonl",
            b'{"text": "Body \\udc00."}',
            [story("Body \ufffd.", "{path}:1")],
        ),
        (  # PostgreSQL's text holds no NUL: replaced as a lone surrogate is, offsets kept
            "nul.jsonl",
            b'{"id": "n", "headline": "Knife\\u0000 attack", "text": "Body\\u0000 end."}',
            [story("Body\ufffd end.", "{path}:1", article_id="n", headline="Knife\ufffd attack")],
        ),
        ("integer-id.jsonl", b'{"id": 12345, "text": "Body."}', [story("Body.", "{path}:1", article_id="12345")]),
        (
            "surrogate-entity.rss",
            b'<rss version="2.0"><channel><item><title>A &#xd800; B</title><description>Words &#55296; here.'
            b"</description></item></channel></rss>",
            [story("Words \ufffd here.", "{path}#1", headline="A \ufffd B")],
        ),
        (
            "rss-091-doctype.rss",
            b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel><item>'
            b"<description>Plain words.</description></item></channel></rss>",
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
        ("2024-03-05T23:30:00-05:00", "2024-03-05"),  # the writer's date, as written
        ("2024-06-01T23:30:00Z", "2024-06-02"),  # a time in UTC: London's date (00:30 on 2 June in summer)
        ("Sat, 01 Jun 2024 23:30:00 GMT", "2024-06-02"),
        ("Sat, 01 Jun 2024 23:30:00 +0000", "2024-06-02"),
        ("Tue, 05 Mar 2024 23:30:00 GMT", "2024-03-05"),  # GMT in winter
        ("Sat, 01 Jun 2024 23:30:00 BST", "2024-06-01"),  # London's own time, and no zone: as written
        ("Sat, 01 Jun 2024 23:30:00", "2024-06-01"),
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
        ("1900-01-01", "1900-01-01"),  # records.DATE_RANGE, inclusive
        ("2100-12", "2100-12"),
        ("2999-03-06", "2000-01-01"),  # no news is dated so: a misreading
        ("Wed, 06 Mar 2999 10:00:00 GMT", "2000-01-01"),
        ("6 March 2999", "2000-01-01"),
        ("0001-01-01", "2000-01-01"),
        ("1899-12", "2000-01-01"),
        ("2024-03-00", "2000-01-01"),  # no day 0
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
        ("bom-only.txt", b"\xef\xbb\xbf", "{path}: empty file"),
        ("bom-only-utf16.txt", b"\xff\xfe", "{path}: empty file"),
        ("bom-blank-utf32.txt", " \n".encode("utf-32"), "{path}: empty file"),
        ("odd-utf16.txt", b"\xff\xfea\x00b", "{path}: not valid UTF-16 (truncated data)"),
        ("nul-utf16.txt", "a\0b".encode("utf-16"), "{path}: binary file (NUL characters), not an article"),
        (
            "nul-line.jsonl",
            b'{"text": "Good."}\n{"text": "B\x00d."}\n',
            "{path}:2: not valid JSON (Invalid control character at, column 12)",
        ),
        ("nul-first.jsonl", b'\x1f\x8b\x08\x00{"text": "Good."}\n', "{path}: binary file (NUL bytes), not an article"),
        (
            "long-id.jsonl",
            b'{"text": "Good."}\n{"id": "' + b"x" * 201 + b'", "text": "Bad."}\n',
            "{path}:2: 'id' is longer than 200 characters (201)",
        ),
        (
            "long-integer-id.jsonl",
            b'{"text": "Good."}\n{"id": 1' + b"0" * 250 + b', "text": "Bad."}\n',
            "{path}:2: 'id' is longer than 200 characters (251)",
        ),
        (
            "huge-integer-id.jsonl",
            b'{"text": "Good."}\n{"id": ' + b"9" * 5000 + b', "text": "Bad."}\n',
            "{path}:2: not valid JSON (a number too long to read)",
        ),
        (
            "nul-id.jsonl",
            b'{"text": "Good."}\n{"id": "a\\u0000", "text": "Bad."}\n',
            "{path}:2: 'id' holds a NUL character, which PostgreSQL cannot store",
        ),
        (
            "surrogate-id.jsonl",
            b'{"text": "Good."}\n{"id": "a\\ud800", "text": "Bad."}\n',
            "{path}:2: 'id' is not valid Unicode (it holds a lone surrogate)",
        ),
        (
            "truncated.json",
            b'[{"text": "Good."},\n {"text": "Ba',
            "{path}: not valid JSON (Unterminated string starting at, line 2, column 11)",
        ),
        ("number.json", b"3", "{path}: expected a JSON array of articles, got int"),
        ("no-text.json", b'[{"text": "Good."}, {"id": "b"}]', "{path}#2: missing or empty 'text'"),
        ("not-an-object.json", b'[{"text": "Good."}, "Bad."]', "{path}#2: expected a JSON object, got str"),
        (
            "entities.rss",
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]><rss version="2.0"><channel><item>'
            b"<description>&a;&a;</description></item></channel></rss>",
            "{path}: declares entities in a DTD, refused (entity expansion can exhaust memory)",
        ),
        (
            "entities-utf16.xml",
            '<!DOCTYPE rss [<!ENTITY a "aaaa">]><rss version="2.0"><channel><item><description>&a;</description>'
            "</item></channel></rss>".encode("utf-16"),
            "{path}: declares entities in a DTD, refused (entity expansion can exhaust memory)",
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
        # a list of other stories under its heading: its headlines are dropped and the story goes on (a sentence after
        # the last headline, with more after it, may be the story's)
        (
            f"Man arrested in Ilford\n{BODY}\nMost read\nTeenager shot dead in Tottenham\nMan jailed for Oldham "
            "stabbing\nThree men threatened staff at a Bromley jewellers.\nThe man was later released.",
            [
                story(
                    f"{BODY}\nThree men threatened staff at a Bromley jewellers.\nThe man was later released.",
                    "pasted",
                    headline="Man arrested in Ilford",
                    published="2024-05-01",
                )
            ],
        ),
        (
            f"Man arrested in Ilford\n{BODY}\nMost read\nTeenager shot dead in Tottenham\nMan jailed for Oldham "
            "stabbing\nThree men threatened staff at a Bromley jewellers.",
            [story(BODY, "pasted", headline="Man arrested in Ilford", published="2024-05-01")],
        ),
        # a heading of other stories opening the page, or listing one headline, is a furniture line alone
        (
            f"Latest news\nMan arrested in Ilford\n{BODY}",
            [story(BODY, "pasted", headline="Man arrested in Ilford", published="2024-05-01")],
        ),
        (
            f"Man arrested in Ilford\n{BODY}\nRelated stories\nWoman robbed in Brixton\nHe was later released.",
            [
                story(
                    f"{BODY}\nRelated stories\nWoman robbed in Brixton\nHe was later released.",
                    "pasted",
                    headline="Man arrested in Ilford",
                    published="2024-05-01",
                )
            ],
        ),
        # the page's own date on a line of its own near its top, before the date given for it
        (
            f"Man arrested in Ilford\n06:00, 2 MAR 2024\n{BODY}",
            [story(BODY, "pasted", headline="Man arrested in Ilford", published="2024-03-02")],
        ),
        (
            f"Man arrested in Ilford\nPublished: 9th February, 2024\n{BODY}",
            [story(BODY, "pasted", headline="Man arrested in Ilford", published="2024-02-09")],
        ),
        (  # a modification date is not the publication's
            f"Man arrested in Ilford\nUpdated: 9 February 2024\n{BODY}",
            [
                story(
                    f"Updated: 9 February 2024\n{BODY}",
                    "pasted",
                    headline="Man arrested in Ilford",
                    published="2024-05-01",
                )
            ],
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
        ("bom.txt", b"\xef\xbb\xbf", [], ["bom.txt: empty file"]),
        ("utf16.txt", "Body é.".encode("utf-16"), [story("Body é.", "utf16.txt")], []),
        ("bad\x1b[2Jname.txt", b"Body.", [story("Body.", "bad\\x1b[2Jname.txt")], []),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", [], ["photo.jpg: binary file (NUL bytes), not an article"]),
    ],
)
def test_read_upload(name, data, expected, messages):
    errors = []
    assert read_upload(name, data, errors=errors) == expected
    assert [str(e) for e in errors] == messages


@pytest.mark.parametrize(
    "published",
    ["2024-3-5", "05/03/2024", "2024-02-30", "2024", "March 2024", "", "2999-03-06", "0001-01", "1899-12-31"],
)
def test_bad_published_option_fails(tmp_path, published):
    message = f"published: expected YYYY-MM-DD or YYYY-MM from 1900 to 2100, got {published!r}"
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
        ("paragraphs.txt", lambda: (f"{BODY} " * 8 + "\n\n") * 6_000),
        ("one-line.txt", lambda: f"{BODY} " * 48_000),
        ("no-spaces.txt", lambda: "x" * MAX_TEXT_BYTES),
    ],
)
def test_big_text_is_cut_into_bounded_stories(tmp_path, name, make):
    text = make()
    assert 4_500_000 <= len(text.encode()) <= MAX_TEXT_BYTES  # read whole, in pieces
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    articles, errors = read([path])
    assert errors == []
    assert len(articles) >= len(text) // MAX_STORY_CHARS
    assert all(0 < len(a.text) <= MAX_STORY_CHARS for a in articles)
    assert "".join("".join(a.text.split()) for a in articles) == "".join(text.split())


def test_one_megabyte_jsonl_line_is_cut_and_reported(tmp_path):
    text = f"{BODY} " * 10_500
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"id": "big", "text": text}) + "\n" + json.dumps({"text": "Next."}), encoding="utf-8")
    articles, errors, warnings = read_with_warnings([path])
    kept = text[: text.rindex(" ", 0, MAX_ARTICLE_CHARS)]
    assert (errors, warnings) == ([], [f"{path}:1: text cut to its first {len(kept):,} of {len(text):,} characters"])
    assert articles == [story(kept, f"{path}:1", article_id="big"), story("Next.", f"{path}:2")]


def test_long_headline_cut_and_long_url_dropped(tmp_path):
    path = tmp_path / "a.jsonl"
    record = {"id": "a", "headline": "H" * (MAX_FIELD_CHARS + 1), "url": "https://x.example/" + "u" * MAX_FIELD_CHARS}
    path.write_text(json.dumps(record | {"text": "Body."}), encoding="utf-8")
    articles, errors, warnings = read_with_warnings([path])
    assert (errors, warnings) == (
        [],
        [
            f"{path}:1: headline cut to its first {MAX_FIELD_CHARS:,} characters",
            f"{path}:1: URL of {MAX_FIELD_CHARS + 18:,} characters dropped",
        ],
    )
    assert articles == [story("Body.", f"{path}:1", article_id="a", headline="H" * MAX_FIELD_CHARS)]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JAVASCRIPT:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example/a",
        "//evil.example/a",
        "https:no-host",
        "http://[::1/2024/03/05/x",
        "BBC News",
    ],
)
@pytest.mark.parametrize("kind", ["jsonl", "rss", "html"])
def test_a_url_that_is_no_http_link_is_dropped_and_reported(tmp_path, url, kind):
    """Links are http(s) only: the article is kept, without its link, and a warning names it (a page's canonical
    link that trafilatura reads as none, or as an https one, needs none)."""
    escaped = url.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    path = tmp_path / f"a.{kind}"
    path.write_text(
        {
            "jsonl": json.dumps({"id": "a", "url": url, "text": "Body."}),
            "rss": f'<rss version="2.0"><channel><item><link>{escaped}</link><description>Body.</description></item>'
            "</channel></rss>",
            "html": f'<html><head><link rel="canonical" href="{escaped}"></head><body><article><p>{BODY}</p>'
            "</article></body></html>",
        }[kind],
        encoding="utf-8",
    )
    articles, errors, warnings = read_with_warnings([path])
    assert errors == [] and len(articles) == 1
    if kind == "html":
        assert articles[0].url is None or (is_link(articles[0].url) and not warnings)
    else:
        assert articles[0].url is None
        source = {"jsonl": ":1", "rss": "#1"}[kind]
        assert warnings == [f"{path}{source}: URL {url.strip()!r} dropped: not an http(s) link"]


def test_big_text_is_cut_at_a_line_break_and_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(articles_module, "MAX_TEXT_BYTES", 1_000)
    lines = [f"Line {n} of a long text that nobody should read to its end." for n in range(100)]
    path = tmp_path / "big.txt"
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    kept = text[: text.rindex("\n", 0, 1_000)]
    articles, errors, warnings = read_with_warnings([path])
    size = path.stat().st_size
    assert (errors, warnings) == (
        [],
        [
            f"{path}: only the first {len(kept) + 1:,} of {size:,} bytes read (a text is cut after 1,000 bytes, at a "
            "line break); the rest is left out"
        ],
    )
    assert articles == [story(kept, str(path))]


@pytest.mark.parametrize(
    "name, content, texts",
    [
        (
            "page.html",
            f"<html><body><article><p>{BODY}</p></article><!-- {'x' * 2_000} --></body></html>",
            [BODY],
        ),
        (
            "feed.rss",
            f'<rss version="2.0"><channel><item><description>{BODY}</description></item>'
            f"<!-- {'x' * 2_000} --></channel></rss>",
            [BODY],
        ),
        ("articles.json", json.dumps([{"text": BODY}, {"text": "x" * 2_000}]), [BODY, "x" * 2_000]),
    ],
)
def test_a_document_over_a_texts_limit_but_within_its_own_is_read_whole(tmp_path, monkeypatch, name, content, texts):
    """HTML pages, feeds and JSON documents are read up to MAX_DOCUMENT_BYTES, past a plain text's limit."""
    monkeypatch.setattr(articles_module, "MAX_TEXT_BYTES", 1_000)
    monkeypatch.setattr(articles_module, "MAX_DOCUMENT_BYTES", 10_000)
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    articles, errors = read([path])
    assert (errors, [a.text for a in articles]) == ([], texts)
    path.write_text(content + " " * 10_000, encoding="utf-8")
    kind = {".html": "HTML", ".rss": "FEED", ".json": "JSON"}[path.suffix]
    size = len(content.encode()) + 10_000
    assert read([path]) == ([], [f"{path}: too large for {kind} ({size:,} bytes, over 10,000)"])


def test_big_json_lines_named_json_are_read_line_by_line(tmp_path, monkeypatch):
    monkeypatch.setattr(articles_module, "MAX_TEXT_BYTES", 100)
    monkeypatch.setattr(articles_module, "MAX_DOCUMENT_BYTES", 200)
    path = tmp_path / "dump.json"
    path.write_text("".join(json.dumps({"id": str(n), "text": f"Story {n}."}) + "\n" for n in range(20)))
    articles, errors = read([path])
    assert (errors, [a.article_id for a in articles]) == ([], [str(n) for n in range(20)])


def test_big_jsonl_is_read_line_by_line_and_long_lines_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(articles_module, "MAX_TEXT_BYTES", 100)
    monkeypatch.setattr(articles_module, "MAX_LINE_BYTES", 200)
    path = tmp_path / "big.jsonl"
    records = [{"id": "a", "text": "Body."}, {"id": "long", "text": "x" * 300}, {"id": "b", "text": "After."}]
    path.write_text("\n".join(json.dumps(r) for r in records * 2), encoding="utf-8")
    articles, errors = read([path])
    assert errors == [f"{path}:{n}: line longer than 200 bytes, skipped" for n in (2, 5)]
    assert [(a.article_id, a.source) for a in articles] == [
        ("a", f"{path}:1"),
        ("b", f"{path}:3"),
        ("a", f"{path}:4"),
        ("b", f"{path}:6"),
    ]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("big.html", b"<html><body><p>" + b"Words. " * 200 + b"</p></body></html>", "too large for HTML"),
        (
            "big.rss",
            b'<rss version="2.0"><channel>' + b"<item></item>" * 100 + b"</channel></rss>",
            "too large for FEED",
        ),
        ("big-utf16.txt", "Words. ".encode("utf-16") * 200, "a UTF-16 or UTF-32 file over 100 bytes is not read"),
    ],
)
def test_big_markup_and_utf16_are_refused_unread(tmp_path, monkeypatch, name, content, message):
    monkeypatch.setattr(articles_module, "MAX_TEXT_BYTES", 100)
    monkeypatch.setattr(articles_module, "MAX_DOCUMENT_BYTES", 100)
    path = tmp_path / name
    path.write_bytes(content)
    size = f" ({len(content):,} bytes, over 100)" if message.startswith("too large") else ""
    assert read([path]) == ([], [f"{path}: {message}{size}"])


@pytest.mark.parametrize(
    "name, shown",
    [
        ("plain/name.txt", "plain/name.txt"),
        ("café.txt", "café.txt"),
        ("bad\udcffbyte.txt", "bad\\xffbyte.txt"),  # how os.listdir hands over the byte 0xff
        ("esc\x1b[31mred.txt", "esc\\x1b[31mred.txt"),
        ("new\nline\ttab\x7f.txt", "new\\x0aline\\x09tab\\x7f.txt"),
        ("c1\x9bcsi.txt", "c1\\x9bcsi.txt"),
        ("bidi\u202etxt.exe", "bidi\\u202etxt.exe"),
        ("lone\ud800.txt", "lone\\ud800.txt"),
    ],
)
def test_shown_name(name, shown):
    assert shown_name(name) == shown


def test_file_name_with_non_utf8_bytes_is_read_and_shown_escaped(tmp_path):
    os.mkdir(os.fsencode(tmp_path / "dir\udcfe"))
    with open(os.fsencode(tmp_path) + b"/dir\xfe/caf\xe9\x1b[0m.txt", "wb") as f:
        f.write(b"Body.")
    assert read([tmp_path]) == ([story("Body.", f"{tmp_path}/dir\\xfe/caf\\xe9\\x1b[0m.txt")], [])


def test_symbolic_links_out_of_the_tree_are_not_followed_unless_asked(tmp_path):
    outside, tree = tmp_path / "outside", tmp_path / "tree"
    (outside / "folder").mkdir(parents=True)
    tree.mkdir()
    (outside / "secret.txt").write_text("Secret.", encoding="utf-8")
    (outside / "folder" / "more.txt").write_text("More.", encoding="utf-8")
    (tree / "a.txt").write_text("Inside.", encoding="utf-8")
    (tree / "b.txt").symlink_to(outside / "secret.txt")
    (tree / "c.txt").symlink_to(tree / "a.txt")
    (tree / "d").symlink_to(outside / "folder")
    (tree / "e").symlink_to(tree)  # a loop

    articles, errors, warnings = read_with_warnings([tree])
    assert (errors, [a.source for a in articles]) == ([], [f"{tree}/a.txt", f"{tree}/c.txt"])
    assert warnings == [
        f"{tree}/d: a symbolic link to {outside}/folder, outside {tree}: not followed",
        f"{tree}/b.txt: a symbolic link to {outside}/secret.txt, outside {tree}: not followed",
    ]

    articles, errors = read([tree], follow_symlinks=True)
    assert (errors, [a.text for a in articles]) == ([], ["Inside.", "Secret.", "Inside.", "More."])


@pytest.mark.parametrize(
    "document, refused",
    [
        (b'<rss version="2.0"><channel></channel></rss>', False),
        (b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "rss.dtd"><rss/>', False),
        (b"<!DOCTYPE html><html></html>", False),
        (b"<rss><description>&lt;!ENTITY a 'x'&gt; is text here</description></rss>", False),
        (b'<!DOCTYPE rss [<!ENTITY a "x">]><rss/>', True),
        (b"<!DOCTYPE rss [ ]><rss/>", True),
        (b'<?xml version="1.0"?>\n<!ENTITY a "x"><rss/>', True),
        ('<!DOCTYPE feed [<!ENTITY a "x">]><feed/>'.encode("utf-32"), True),
        (b'<:x/><!DOCTYPE rss [<!ENTITY a "x">]><rss/>', True),  # feedparser reads declarations up to <rss
    ],
)
def test_refuse_entities(document, refused):
    if refused:
        with pytest.raises(ExtractError, match="^feed: declares entities in a DTD, refused"):
            refuse_entities("feed", document)
    else:
        refuse_entities("feed", document)


@pytest.mark.parametrize("url", ["https://news.example/a", "file:///srv/news/a.jsonl"])
def test_a_url_given_as_a_path_is_one_error_and_the_other_paths_are_read(tmp_path, url, monkeypatch):
    monkeypatch.chdir(tmp_path)  # as a path, "https://news.example/a" would be sought here as "https:/news.example/a"
    (tmp_path / "a.txt").write_text("A man was stabbed on Mare Street.", encoding="utf-8")
    stories, errors = read([url, "a.txt"])
    assert [s.text for s in stories] == ["A man was stabbed on Mare Street."]
    assert errors == [f"{url}: a URL, not a file or directory: ingest reads local files"]


def test_a_saved_pages_assets_are_skipped_with_one_warning(tmp_path):
    page = b"<html><head><title>Van stolen in Ealing</title></head><body><article><h1>Van stolen in Ealing</h1>"
    page += b"<p>A van was stolen from a driveway in Ealing on Friday night, police said.</p></article></body></html>"
    (tmp_path / "story.html").write_bytes(page)
    (tmp_path / "story_files").mkdir()
    (tmp_path / "story_files" / "related.js").write_text("var teaser = 'Man stabbed in Croydon';")
    (tmp_path / "story_files" / "frame.html").write_bytes(page)
    (tmp_path / "style.css").write_text("body { color: red }")
    (tmp_path / "notes_files").mkdir()  # no notes.html beside it: a folder of the user's own
    (tmp_path / "notes_files" / "note.txt").write_text("A bike was stolen in Acton on Monday.")
    articles, errors, warnings = read_with_warnings([tmp_path])
    assert [Path(a.source).name for a in articles] == ["note.txt", "story.html"]
    assert errors == []
    assert warnings == [f"{tmp_path}: skipped 2 script, style, image or saved-page folders (no articles)"]
