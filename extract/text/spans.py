"""Spans of text found by matching: the whole-word test, and the longest-first choice among overlapping spans
("South Kensington" beats "Kensington")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar


class Span(Protocol):
    """Anything with `start` and `end` character offsets (end exclusive), such as a Cue or a Mention."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


SpanT = TypeVar("SpanT", bound=Span)


def whole_word(text: str, start: int, end: int) -> bool:
    """True when text[start:end] has no word character (as the regular expression \\w: a letter, a digit or "_") right
    before it or right after it."""
    # str.isalnum() or "_" is exactly \w on every character (tests/test_spans.py), and cheaper than a regex call.
    if start > 0:
        before = text[start - 1]
        if before.isalnum() or before == "_":
            return False
    if end < len(text):
        after = text[end]
        if after.isalnum() or after == "_":
            return False
    return True


def longest_first(spans: Iterable[SpanT]) -> list[SpanT]:
    """Return the spans that overlap no longer one (nor, of the same length, an earlier one), in text order."""
    ordered = sorted(spans, key=lambda s: (s.start - s.end, s.start))
    taken = bytearray(max((s.end for s in ordered), default=0))  # covered characters: overlap checks stay linear
    chosen = []
    for s in ordered:
        if not any(taken[s.start : s.end]):
            taken[s.start : s.end] = b"\x01" * (s.end - s.start)
            chosen.append(s)
    chosen.sort(key=lambda s: s.start)
    return chosen
