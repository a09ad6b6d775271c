"""Split a text into sentences, keeping character offsets."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (plus closing quotes) before white space and a capital, digit or quote; or at a
# line break. Each alternative is bounded, so the scan is linear. Written "[.!?]+...|\n+" it would be tried at
# every position; starting with one character set, sre skips ahead to the next candidate (a quarter of the time).
_END = re.compile(r"[.!?\n](?:(?<=[.!?])[.!?]*[\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])|(?<=\n)\n*)")
_ABBREV = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "no",
        "sgt",
        "insp",
        "det",
        "supt",
        "ch",
        "pc",
        "dc",
        "ds",
        "di",
        "co",
        "ltd",
        "jr",
        "sr",
        "vs",
        "gen",
        "col",
        "capt",
        "lt",
        "rev",
        "prof",
        "hon",
        "mt",
        "ft",
        "approx",
        "est",
        "inc",
    }
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of `text`, stripped of surrounding white space."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        at = m.start()
        if text[at] == ".":
            word_start = max(start, text.rfind(" ", start, at) + 1, text.rfind("\n", start, at) + 1)
            word = text[word_start:at].lower().lstrip("(\"'")
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
        _add_stripped(text, start, m.end(), out)
        start = m.end()
    _add_stripped(text, start, len(text), out)
    return out


def _add_stripped(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    """Append [start, end) to `out` without its surrounding white space, unless nothing else is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append((start, end))
