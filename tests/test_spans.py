"""Tests for extract/text/spans.py: the whole-word test and the longest-first choice among overlapping spans."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import pytest

from extract.text.spans import longest_first, whole_word


@dataclass(frozen=True, slots=True)
class Found:
    name: str
    start: int
    end: int


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("stabbed", 0, 7, True),
        ("he was stabbed.", 7, 14, True),
        ("he was unstabbed", 9, 16, False),
        ("stabbed2", 0, 7, False),
        ("stabbed_x", 0, 7, False),
        ("o'brien", 2, 7, True),
        ("caf\u00e9s", 0, 4, False),
        ("", 0, 0, True),
    ],
)
def test_whole_word(text, start, end, expected):
    assert whole_word(text, start, end) is expected


def test_whole_word_reads_word_characters_as_the_regular_expression_does():
    word = re.compile(r"\w")
    differ = [
        hex(i)
        for i in range(sys.maxunicode + 1)
        if whole_word(f"a{chr(i)}", 0, 1) is bool(word.match(chr(i)))  # True when chr(i) is no word character
    ]
    assert differ == []


KENSINGTON = Found("Kensington", 6, 16)
SOUTH_KENSINGTON = Found("South Kensington", 0, 16)


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], []),
        ([KENSINGTON, SOUTH_KENSINGTON], [SOUTH_KENSINGTON]),
        ([SOUTH_KENSINGTON, KENSINGTON], [SOUTH_KENSINGTON]),
        # of two overlapping spans of the same length, the earlier one wins
        ([Found("b", 2, 6), Found("a", 0, 4)], [Found("a", 0, 4)]),
        # spans that only touch both stay, in text order
        ([Found("b", 4, 8), Found("a", 0, 4)], [Found("a", 0, 4), Found("b", 4, 8)]),
        # the same span twice: the first given wins
        ([Found("first", 0, 3), Found("second", 0, 3)], [Found("first", 0, 3)]),
        (
            [Found("long", 3, 12), Found("left", 0, 4), Found("right", 11, 14), Found("apart", 20, 22)],
            [Found("long", 3, 12), Found("apart", 20, 22)],
        ),
    ],
)
def test_longest_first(spans, expected):
    assert longest_first(spans) == expected
