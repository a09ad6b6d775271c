"""Tests for extract/places.py: place mentions found in sentences, with offsets, on the real gazetteer."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.geo.gazetteer import load_gazetteer
from extract.geo.places import POSTCODE, Matcher, build_matcher, find_places, load_stoplist
from extract.records import Mention
from extract.text.folding import fold_text
from extract.text.screening import load_first_names


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return build_matcher(load_gazetteer())


def _spans(mentions: list[Mention]) -> list[tuple[str, int, int, str]]:
    return [(m.text, m.start, m.end, m.key) for m in mentions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "A man was stabbed in Prior Street, Greenwich, on Friday.",
            [("Prior Street", 21, 33, "prior street"), ("Greenwich", 35, 44, "greenwich")],
        ),
        (
            "He lived in South Kensington, not Kensington.",
            [("South Kensington", 12, 28, "south kensington"), ("Kensington", 34, 44, "kensington")],
        ),
        ("Police were called to South Kensington station.", [("South Kensington station", 22, 46, "south kensington")]),
        ("A fight at Seven Sisters tube station", [("Seven Sisters tube station", 11, 37, "seven sisters")]),
        ("Ian Hayes said he saw nothing in Hayes.", [("Hayes", 33, 38, "hayes")]),
        ("Mr Barnes was in Barnes.", [("Barnes", 17, 23, "barnes")]),
        ("Officers searched SE10 8SF and parts of SE15.", [("SE10 8SF", 18, 26, "se10 8sf"), ("SE15", 40, 44, "se15")]),
        ("ZZ99 9ZZ is no postcode, E1 6AN is.", [("E1 6AN", 25, 31, "e1 6an")]),
        (
            "He lived on Camplin street in New Cross.",
            [("Camplin street", 12, 26, "camplin street"), ("New Cross", 30, 39, "new cross")],
        ),
        ("It happened on a quiet London street.", [("London", 23, 29, "london")]),
        ("He was stabbed on the Aylesbury estate.", [("Aylesbury estate", 22, 38, "aylesbury estate")]),
        (
            "Stabbed in Coldharbour Lane, Brixton.",
            [("Coldharbour Lane", 11, 27, "coldharbour lane"), ("Brixton", 29, 36, "brixton")],
        ),
        ("Shots in Tottenham High Road.", [("Tottenham High Road", 9, 28, "tottenham high road")]),
        ("A raid at St. John's Wood Road.", [("St. John's Wood Road", 10, 30, "saint johns wood road")]),
        ("He was attacked near King\u2019s Cross on Tuesday.", [("King\u2019s Cross", 21, 33, "kings cross")]),
        ("It was near Elephant & Castle.", [("Elephant & Castle", 12, 29, "elephant and castle")]),
        ("Police in Kingston upon Thames said", [("Kingston upon Thames", 10, 30, "kingston upon thames")]),
        ("Trouble in the Square Mile.", [("Square Mile", 15, 26, "square mile")]),
        ("IN PECKHAM LAST NIGHT", [("PECKHAM", 3, 10, "peckham")]),
        ("Ealing's mayor spoke.", [("Ealing", 0, 6, "ealing")]),
        ("Outside Bromley-by-Bow station", [("Bromley-by-Bow station", 8, 30, "bromley by bow")]),
        ("Line one\nPeckham\u00a0Rye, line two", [("Peckham\u00a0Rye", 9, 20, "peckham rye")]),
        # a one-word ward right after a street qualifies it
        (
            "Stabbed in Cheshire Street, Weavers, on Monday.",
            [("Cheshire Street", 11, 26, "cheshire street"), ("Weavers", 28, 35, "weavers")],
        ),
        # sites: parks, estates, public buildings
        (
            "A fight in Burgess Park near Peckham Library.",
            [("Burgess Park", 11, 23, "burgess park"), ("Peckham Library", 29, 44, "peckham library")],
        ),
        ("He was attacked on the Aylesbury Estate.", [("Aylesbury Estate", 23, 39, "aylesbury estate")]),
        # a known name inside a longer street name the gazetteer lacks is neither its start nor its end
        # an area's high street or market place: one name, as the gazetteer locates it
        ("Stabbed on Sutton High Street.", [("Sutton High Street", 11, 29, "sutton high street")]),
        ("A stall on Romford Market Place", [("Romford Market Place", 11, 31, "romford market place")]),
        ("Stabbed on East Ham High Street.", [("East Ham High Street", 11, 31, "east ham high street")]),  # not Ham
        # a high street the data does not name after the area: the area and the street, as written
        ("Stabbed on Brixton High Street.", [("Brixton", 11, 18, "brixton"), ("High Street", 19, 30, "high street")]),
        (
            "the junction of Leigh Court Road and Knollys Road",
            [("Knollys Road", 37, 49, "knollys road")],
        ),
    ],
)
def test_find_places(matcher, text, expected):
    mentions = find_places(text, matcher=matcher)
    assert _spans(mentions) == expected
    assert all(text[m.start : m.end] == m.text for m in mentions)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("A fight broke out in brixton high street.", id="lower-case-name"),
        pytest.param("a peckham man was arrested", id="lower-case-area"),
        pytest.param("Mr. Hayes declined to comment.", id="title-then-surname"),
        pytest.param("The Peckhamite and the Brixtonian", id="inside-a-longer-word"),
        pytest.param("Ealing'd never happen", id="apostrophe-then-letters"),
        pytest.param("He banked at the Bank.", id="stoplisted-name"),
        pytest.param("Weavers said the tenants were angry.", id="one-word-ward-alone"),
        pytest.param("He lived on Leigh Court Road.", id="start-of-an-unknown-street"),
        pytest.param("Part of the money will fund patrols.", id="a-land-registry-description"),
        pytest.param("", id="empty"),
    ],
)
def test_find_places_finds_nothing(matcher, text):
    assert find_places(text, matcher=matcher) == []


def test_kensington_inside_south_kensington(matcher):
    assert _spans(find_places("in South Kensington", matcher=matcher)) == [
        ("South Kensington", 3, 19, "south kensington")
    ]


def test_greenwich_keeps_its_own_key_and_kinds_not_the_alias(matcher):
    assert find_places("Greenwich", matcher=matcher) == [
        Mention("Greenwich", 0, 9, "greenwich", ("area", "borough", "station", "street"))
    ]


def test_borough_alias_found_by_its_own_spelling(matcher):
    assert find_places("the Royal Borough of Greenwich", matcher=matcher) == [
        Mention("Royal Borough of Greenwich", 4, 30, "royal borough of greenwich", ("borough",))
    ]


def test_folded_text_passed_in_gives_the_same_mentions(matcher):
    text = "Stabbed in Coldharbour Lane, Brixton."
    assert find_places(text, matcher=matcher, folded=fold_text(text)) == find_places(text, matcher=matcher)


def test_text_naming_thousands_of_places_finishes(matcher):
    names = ["Peckham", "Brixton", "Prior Street", "SE15", "Seven Sisters station", "Tottenham High Road"]
    text = ", ".join(names * 1000)
    mentions = find_places(text, matcher=matcher)
    assert [m.text for m in mentions] == names * 1000
    assert all(text[m.start : m.end] == m.text for m in mentions)


def test_lower_case_compass_region_in_running_text(matcher):
    text = "A man was stabbed in south-east London last night."
    assert _spans(find_places(text, matcher=matcher)) == [("south-east London", 21, 38, "south east london")]


def test_stoplist_and_first_names_are_read_from_the_data_directory(tmp_path):
    (tmp_path / "place_stoplist.txt").write_text("# never places\nThe Mall\nSt. Pauls\n", encoding="utf-8")
    (tmp_path / "first_names.txt").write_text("# titles\nPC\nIan\n", encoding="utf-8")
    assert load_stoplist(tmp_path) == frozenset({"the mall", "saint pauls"})
    assert load_first_names(tmp_path) == frozenset({"pc", "ian"})


LEADING_BOUNDARY_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)(?: ?([0-9][A-Z]{2}))?\b")


@given(st.text(alphabet=st.sampled_from(list("SEWNAB1059 XZ_a\u00e9-.,\n")), max_size=30))
def test_postcode_pattern_finds_what_a_leading_word_boundary_would(text):
    def found(pattern):
        return [(m.span(), m.span(1), m.span(2)) for m in pattern.finditer(text)]

    assert found(POSTCODE) == found(LEADING_BOUNDARY_POSTCODE)
