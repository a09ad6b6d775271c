"""A story read for extraction: its sentences with their crime cues, place mentions and specifics, and which
sentences tell an incident."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from extract.geo.geocode import Geocoder
from extract.records import Article, Mention, Place
from extract.text.cues import Cue
from extract.text.dates import DateMention
from extract.text.sentences import split_sentences


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a story (offsets into the story text) with what was found in it."""

    start: int
    end: int
    cues: tuple[Cue, ...]
    places: tuple[Mention, ...]
    specific: int  # how many specifics (times, ages, "police were called", ...)
    aside: bool  # tells of an earlier or other incident ("It follows a shooting last week")
    separate: bool  # opens another incident of a round-up ("In a separate incident, ...")
    future: bool  # advice or plans ("Officers will offer bike marking on Saturday"), not an event


@dataclass(frozen=True, slots=True)
class Story:
    """An article with its folded text, sentences, place mentions, headline places, dates and geocoder."""

    article: Article
    text: str
    folded: str
    sentences: tuple[Sentence, ...]
    mentions: tuple[Mention, ...]
    headline_places: tuple[str, ...]
    dates: tuple[DateMention, ...]
    geocoder: Geocoder
    context: tuple[str, ...]  # the first distinct place names, passed to the geocoder as context
    mention_at: dict[int, Mention]  # by start offset
    resolved: dict[str, Place | None]  # query -> place: each name is geocoded once per story


def read_sentences(
    text: str, cues: list[Cue], mentions: list[Mention], found: dict[str, list[tuple[int, str]]]
) -> tuple[Sentence, ...]:
    """Split `text` into sentences and give each its cues, mentions, specifics and aside/separate/future flags
    (`found` is find_signals() of its folded text); counted per sentence in one pass: linear in the text."""
    out = []
    specific_at, aside_at, future_at, separate_at = (
        [start for start, _ in found.get(name, [])] for name in ("specific", "aside", "future", "separate")
    )
    ci = mi = si = ai = fi = pi = 0
    for start, end in split_sentences(text):
        ci, cj = _span(cues, ci, start, end, key=lambda c: c.start)
        mi, mj = _span(mentions, mi, start, end, key=lambda m: m.start)
        si, sj = _span(specific_at, si, start, end)
        ai, aj = _span(aside_at, ai, start, end)
        fi, fj = _span(future_at, fi, start, end)
        pi, pj = _span(separate_at, pi, start, end)
        out.append(Sentence(start, end, tuple(cues[ci:cj]), tuple(mentions[mi:mj]), sj - si, aj > ai, pj > pi, fj > fi))
        ci, mi, si, ai, fi, pi = cj, mj, sj, aj, fj, pj
    return tuple(out)


def _span(items: list, i: int, start: int, end: int, *, key=lambda x: x) -> tuple[int, int]:
    """Advance through sorted `items` from index i: return (first index at or after start, first at or after end)."""
    while i < len(items) and key(items[i]) < start:
        i += 1
    j = i
    while j < len(items) and key(items[j]) < end:
        j += 1
    return i, j


def tells_incident(s: Sentence) -> bool:
    """True when the sentence names a crime with an event verb or specifics (a time, an age, a place)."""
    if not any(c.type for c in s.cues):
        return False
    score = (2 if any(c.event for c in s.cues) else 1) + min(s.specific, 2)
    score += 1 if any(m.kinds != ("region",) for m in s.places) else 0
    return score >= 3


def incident_sentences(sentences: tuple[Sentence, ...], *, headline_typed: bool) -> list[Sentence]:
    """Sentences that tell a specific incident: those that tell one directly, and, next to a crime cue (or under a
    crime headline), those placing something at a time and place."""
    direct = {s.start for s in sentences if tells_incident(s)}
    typed_at = [i for i, s in enumerate(sentences) if any(c.type for c in s.cues)][:6]
    out = []
    for i, s in enumerate(sentences):
        if s.start in direct:
            out.append(s)
            continue
        placed = any(m.kinds != ("region",) for m in s.places)
        if not placed or s.future or not (s.specific or any(c.event for c in s.cues)):
            continue
        if (headline_typed and i < 4) or any(abs(i - j) <= 2 for j in typed_at):
            out.append(s)
    return out


def is_fiction(found: dict[str, list[tuple[int, str]]]) -> bool:
    """True for a piece about a drama, film or novel: "crime drama", or two different words of fiction
    ("drama", "starring"); `found` is find_signals() of its headline and text."""
    return bool(found.get("fiction_named")) or len({phrase for _, phrase in found.get("fiction", [])}) >= 2


def is_statistics(found: dict[str, list[tuple[int, str]]], told: list[Sentence]) -> bool:
    """True for a piece about crime figures or policy: many statistics words and little told as events."""
    if any(s.specific and any("street" in m.kinds for m in s.places) and any(c.event for c in s.cues) for s in told):
        return False  # a crime told at a street and a time is news, whatever figures follow it
    # Each word counts up to three times: one "budget" said ten times is not ten signs of a statistics piece.
    stats = sum(min(3, n) for n in Counter(phrase for _, phrase in found.get("stats", [])).values())
    events = sum(1 for s in told for c in s.cues if c.event) + sum(1 for s in told if s.specific)
    return stats >= 4 and stats > 2 * events


def neighbours(story: Story, main: Sentence, told: list[Sentence]) -> list[Sentence]:
    """The sentences telling an incident plus those right around its main one that tell of no other incident."""
    i = next(k for k, s in enumerate(story.sentences) if s.start == main.start)
    near = [
        s
        for s in story.sentences[max(0, i - 1) : i + 3]
        if s.start == main.start or not (s.aside or s.separate or s.start > main.start and tells_incident(s))
    ]
    return sorted({s.start: s for s in told + near}.values(), key=lambda s: s.start)
