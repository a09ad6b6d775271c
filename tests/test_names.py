"""Tests for extract/names.py: canonical keys, surface variants, offset-keeping folding, street-word strength."""

from __future__ import annotations

import pytest

from extract.geo.names import name_heads, name_key, name_tails, street_strength, surface_variants
from extract.text.folding import fold_text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Peckham", "peckham"),
        ("PECKHAM", "peckham"),
        ("St. John's Rd", "saint johns road"),
        ("Saint Johns Road", "saint johns road"),
        ("ST JOHN'S WOOD", "saint johns wood"),
        ("St Mary St", "saint mary street"),
        ("Prior St", "prior street"),
        ("St", "saint"),
        ("King\u2019s Cross", "kings cross"),
        ("King's Cross", "kings cross"),
        ("Kings Cross", "kings cross"),
        ("Elephant & Castle", "elephant and castle"),
        ("Hammersmith & Fulham", "hammersmith and fulham"),
        ("Bromley-by-Bow", "bromley by bow"),
        ("Bromley\u2013by\u2013Bow", "bromley by bow"),
        ("  Mile   End  Rd ", "mile end road"),
        ("Electric Ave", "electric avenue"),
        ("Hatton Gdns", "hatton gardens"),
        ("Crown Ct", "crown court"),
        ("Brixton Stn", "brixton station"),
        ("Ave Maria Lane", "ave maria lane"),  # an abbreviation expands only after the first word
        ("Westfield (Stratford)", "westfield stratford"),
        ("Highbury/Islington", "highbury islington"),
        ("SE10 8SF", "se10 8sf"),
        ("Kingston upon Thames", "kingston upon thames"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_name_key(name, expected):
    assert name_key(name) == expected


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        ("Peckham", {"peckham"}),
        ("King's Cross", {"king's cross", "kings cross"}),
        ("Kings Cross", {"kings cross", "king's cross"}),
        ("Shepherd's Bush", {"shepherd's bush", "shepherds bush"}),
        ("Elephant & Castle", {"elephant & castle", "elephant and castle"}),
        ("Highbury and Islington", {"highbury and islington", "highbury & islington"}),
        ("Bromley-by-Bow", {"bromley by bow"}),
        ("Saint Helier", {"saint helier", "st helier", "st. helier"}),
        (
            "St John's Wood",
            {
                "st john's wood",
                "st johns wood",
                "st. john's wood",
                "st. johns wood",
                "saint john's wood",
                "saint johns wood",
            },
        ),
        ("Cross Ness", {"cross ness"}),
        ("", set()),
    ],
)
def test_surface_variants(display, expected):
    assert surface_variants(display) == expected


@pytest.mark.parametrize(
    "text",
    ["King\u2019s Cross\u2014Euston\nRd", "Bromley-by-Bow", "\u0130stanbul Road", "a\u00a0b\tc\r\n"],
)
def test_fold_text_keeps_offsets(text):
    assert len(fold_text(text)) == len(text)


def test_fold_text():
    assert fold_text("King\u2019s Cross\u2014Euston\nRd") == "king's cross euston rd"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("coldharbour lane", "strong"),
        ("high road", "strong"),
        ("muswell hill", "weak"),
        ("peckham rye", "weak"),
        ("peckham", None),
        ("road", None),  # one word is a name, not a street type
        ("kings cross", "weak"),
    ],
)
def test_street_strength(key, expected):
    assert street_strength(key) == expected


@pytest.mark.parametrize(
    ("key", "heads", "tails"),
    [
        (
            "ponders end high street",
            ["ponders end high", "ponders end", "ponders"],
            ["end high street", "high street", "street"],
        ),
        ("high road leyton", ["high road", "high"], ["road leyton", "leyton"]),
        ("brixton", [], []),
    ],
)
def test_name_heads_and_tails(key, heads, tails):
    assert (name_heads(key), name_tails(key)) == (heads, tails)
