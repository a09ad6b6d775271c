"""Fuzzing with hypothesis: no exception escapes, every error names its input, and good items next to bad ones are
always read and stored.

The targets: the readers (arbitrary bytes, and token soups close to real documents, as txt, HTML, JSON Lines and
feeds; arbitrary JSON values per field of a JSON line, through ingest into SQLite), dashboard.filters.parse_params
(arbitrary query strings), the gazetteer geocoder (arbitrary strings) and extract_incidents (arbitrary text).

`make test` runs the bounded profile; `make fuzz` sets HYPOTHESIS_PROFILE=fuzz for 10,000 examples per test.
"""

import json
import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboard.filters import Choices, parse_params, to_params
from extract import store
from extract.articles import read_articles, read_upload
from extract.geo.gazetteer import LONDON_BBOX
from extract.geo.geocode import GazetteerGeocoder
from extract.pipeline import extract_incidents, ingest_paths, load_extractor
from extract.records import Article, ExtractError

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile("bounded", max_examples=40, deadline=None, suppress_health_check=_SLOW)
settings.register_profile("fuzz", max_examples=10_000, deadline=None, suppress_health_check=_SLOW)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "bounded"))

GOOD_BEFORE = "A man was stabbed on Rye Lane in Peckham, south London, on Monday evening, police said."
GOOD_AFTER = "A woman was robbed on Brixton Road in Lambeth, south London, on Friday night, police said."
GOOD_IDS = ("good-before-0f3a9c", "good-after-7be21d")  # no generated id takes one of these
CHOICES = Choices(
    boroughs=("City of London", "Hackney", "Lambeth", "Southwark"),
    types=("burglary", "robbery", "stabbing"),
    categories=("violence and sexual offences", "robbery", "burglary"),
)

# Any code point, surrogates included: a JSON "\ud800" escape gives one.
any_text = st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=200)
hostile_values = st.sampled_from(
    [-(10**300), 10**199, "x" * 300, "\ud800", "\udfff tail", "", " ", "\x1b[31m", float("inf"), 1e308, True]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text | hostile_values,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=8,
)
RAW_LINES = [  # lines no JSON value gives: numbers Python will not read, escapes of halves of a pair
    b'{"id": ' + b"9" * 5000 + b', "text": "Body."}',
    b'{"text": "Body.", "published": 1' + b"0" * 4400 + b"}",
    b'{"id": "\\udc80\\ud800", "text": "\\ud83d"}',
    b'{"text": "Body.", "text": 5}',
    b"\xef\xbb\xbf" + b'{"text": "Body."}',
]
FIELDS = ("id", "text", "headline", "title", "url", "source", "published")
records = st.dictionaries(st.sampled_from(FIELDS), json_values | any_text, max_size=len(FIELDS))

HTML_TOKENS = [
    b"<html>",
    b"<head><title>",
    b"</title></head>",
    b"<body><article><p>",
    b"</p></article></body></html>",
    b"<script>",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"&#xd800;",
    b"&#0;",
    b"&#1114112;",
    b"<meta charset='utf-16'>",
    b'<link rel="canonical" href="javascript:alert(1)">',
    GOOD_BEFORE.encode(),
]
FEED_TOKENS = [
    b'<?xml version="1.0" encoding="utf-8"?>',
    b'<?xml version="1.0" encoding="utf-16"?>',
    b'<rss version="2.0"><channel>',
    b"</channel></rss>",
    b'<feed xmlns="http://www.w3.org/2005/Atom">',
    b"</feed>",
    b"<item><title>",
    b"</title><description>",
    b"</description><pubDate>",
    b"Tue, 05 Mar 2024 00:30:00 +0100",
    b"</pubDate><link>",
    b"</link></item>",
    b"<entry><content type='text'>",
    b"</content></entry>",
    b"<!DOCTYPE rss [",
    b'<!ENTITY a "aaaaaaaa">',
    b"]>",
    b"&a;",
    b"&#xd800;",
    b"&#55296;",
    b"<![CDATA[",
    b"]]>",
    GOOD_BEFORE.encode(),
]
TEXT_TOKENS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\n", b"\r\n", b"...", b"\x00", b"\xe9"]


def soup(tokens: list[bytes]) -> st.SearchStrategy[bytes]:
    """Documents made of real markup pieces, arbitrary bytes and text in any order: closer to parsers' edge cases
    than bytes alone."""
    piece = st.sampled_from(tokens + TEXT_TOKENS) | st.binary(max_size=20) | any_text.map(_utf8)
    return st.lists(piece, max_size=30).map(b"".join)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes the invalid bytes that encode it


documents = st.one_of(
    st.tuples(st.just("txt"), st.binary(max_size=400) | soup([GOOD_BEFORE.encode(), b"\n\n"])),
    st.tuples(st.just("html"), st.binary(max_size=400) | soup(HTML_TOKENS)),
    st.tuples(st.just("jsonl"), st.binary(max_size=400) | soup([b'{"text": "', b'"}', b"\n", b"{", b"}"])),
    st.tuples(st.just("xml"), st.binary(max_size=400) | soup(FEED_TOKENS)),
    st.tuples(st.just("dat"), st.binary(max_size=400) | soup(FEED_TOKENS + HTML_TOKENS)),
)


def error_names(message: str, name: str) -> bool:
    """Whether an error message names the input `name`: it starts with it, then a colon, a line or an entry."""
    return message.startswith((f"{name}:", f"{name}#"))


@given(documents)
def test_readers_never_raise_name_the_bad_file_and_read_the_good_ones(document):
    kind, data = document
    with tempfile.TemporaryDirectory() as tmp:
        before, bad, after = Path(tmp, "a.txt"), Path(tmp, f"b.{kind}"), Path(tmp, "c.txt")
        before.write_text(GOOD_BEFORE, encoding="utf-8")
        bad.write_bytes(data)
        after.write_text(GOOD_AFTER, encoding="utf-8")
        errors: list[ExtractError] = []
        articles = list(read_articles([tmp], errors=errors))
    assert [str(e) for e in errors if not error_names(str(e), str(bad))] == []
    assert [a.text for a in articles if a.source == str(before)] == [GOOD_BEFORE]
    assert [a.text for a in articles if a.source == str(after)] == [GOOD_AFTER]
    assert all(a.source == str(bad) or error_names(a.source, str(bad)) for a in articles[1:-1])
    for a in articles:  # storable: no lone surrogate raises here
        f"{a.article_id}{a.text}{a.headline}{a.url}{a.source}".encode()


@given(documents)
def test_uploads_never_raise_and_name_the_upload(document):
    kind, data = document
    errors: list[ExtractError] = []
    articles = read_upload(f"upload.{kind}", data, errors=errors)
    assert [str(e) for e in errors if not error_names(str(e), f"upload.{kind}")] == []
    assert all(error_names(a.source, f"upload.{kind}") or a.source == f"upload.{kind}" for a in articles)


@pytest.fixture(scope="module")
def extractor():
    """The real extractor, loaded once."""
    return load_extractor()


@given(record=records, raw=st.none() | st.binary(max_size=100) | st.sampled_from(RAW_LINES))
@example(record={}, raw=b"\x00")  # found by the fuzz profile: a NUL byte on one line refused the whole file
@settings(suppress_health_check=[*_SLOW, HealthCheck.function_scoped_fixture])
def test_jsonl_fields_of_any_json_value_never_raise_and_good_lines_are_stored(extractor, record, raw):
    good = [json.dumps({"id": i, "text": t}) for i, t in zip(GOOD_IDS, (GOOD_BEFORE, GOOD_AFTER), strict=True)]
    bad = raw if raw is not None else json.dumps(record).encode()  # json.dumps escapes surrogates: "\ud800"
    with tempfile.TemporaryDirectory() as tmp:
        path, db = Path(tmp, "news.jsonl"), Path(tmp, "incidents.db")
        path.write_bytes(good[0].encode() + b"\n" + bad + b"\n" + good[1].encode() + b"\n")
        report = ingest_paths([path], db_path=db, extractor=extractor)
        conn = store.connect(db)
        stored = dict(conn.execute("SELECT article_id, n_incidents FROM articles").fetchall())
        n_incidents = store.count_incidents(conn)
        conn.close()
    assert [m for m in report.errors + report.warnings if not m.startswith(f"{path}:")] == []
    assert [stored.get(i) for i in GOOD_IDS] == [1, 1]
    assert (report.articles, report.incidents) == (len(stored), n_incidents)


@given(st.text(max_size=300) | any_text.map(lambda t: t.replace("=", "%3D")) | st.lists(any_text).map("&".join))
def test_parse_params_never_raises_and_keeps_good_values_next_to_bad(query):
    params = parse_qs(f"{query}&borough=Lambeth", keep_blank_values=True)
    filters, notices = parse_params(params, choices=CHOICES)
    assert "Lambeth" in filters.boroughs
    assert all(n.startswith(("unknown parameter ", *(f"{name}: " for name in params))) for n in notices)
    assert parse_params(to_params(filters), choices=CHOICES) == (filters, [])


@given(query=any_text, context=st.lists(any_text, max_size=3))
@settings(suppress_health_check=[*_SLOW, HealthCheck.function_scoped_fixture])
def test_geocoder_never_raises_and_stays_in_london(extractor, query, context):
    place = GazetteerGeocoder(extractor.gazetteer).geocode(query, context=context)
    assert place is None or LONDON_BBOX.contains(place.lat, place.lon)


words = st.sampled_from(
    [
        "A man was stabbed on",
        "Rye Lane",
        "in Peckham,",
        "south London,",
        "on Monday",
        "police said.",
        "robbed",
        "shot dead",
        "Brixton Road",
        "SE15 4ST",
        "aged 19",
        "two men were arrested",
        "\n\n",
        "...",
        "İ",
        "ß",
        "\u0130stanbul",
        "ﬁ",
    ]
)
texts = any_text | st.lists(words | any_text, max_size=40).map(" ".join)


@given(text=texts, headline=st.none() | texts)
@settings(suppress_health_check=[*_SLOW, HealthCheck.function_scoped_fixture])
def test_extract_incidents_never_raises_and_points_into_the_text(extractor, text, headline):
    incidents = extract_incidents(Article("fuzz", text, headline=headline), extractor=extractor)
    for i in incidents:
        assert text[i.evidence_start : i.evidence_start + len(i.evidence)] == i.evidence
        assert all(0 <= s <= e <= len(text) for s, e in (i.type_span or (0, 0), i.place_span or (0, 0)))
        assert i.place is None or LONDON_BBOX.contains(i.place.lat, i.place.lon)
