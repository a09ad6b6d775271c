"""Split a text into sentences, keeping character offsets."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (plus closing quotes) before white space and a capital, digit or quote; or at a
# line break. Each alternative is bounded, so the scan is linear.
_END = re.compile(r"[.!?]+[\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])|\n+")
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
    spans = []
    start = 0
    for m in _END.finditer(text):
        if m.group(0)[0] == ".":
            word_start = max(start, text.rfind(" ", start, m.start()) + 1, text.rfind("\n", start, m.start()) + 1)
            word = text[word_start : m.start()].lower().lstrip("(\"'")
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out
