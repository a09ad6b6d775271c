"""A story read for extraction: its sentences with their crime cues, place mentions and specifics, and which
sentences tell an incident."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from extract.records import Article, Mention, Place
from extract.text.cues import Cue
from extract.text.dates import DateMention
from extract.text.sentences import split_sentences

EVENT_SCORE = 2  # a crime told as an event ("was stabbed") says more than one only named ("knife crime")
NAMED_SCORE = 1
MAX_SPECIFIC_SCORE = 2  # specifics count up to two: a sentence full of times and ages is no more an incident
PLACED_SCORE = 1  # a place finer than a region ("on Rye Lane", not "in south London")
TELLS_SCORE = 3  # an event with a specific or a place, or a named crime with two of them
TYPED_SENTENCES = 6  # the first sentences naming a crime are those whose neighbours may tell its time and place
NEAR_TYPED = 2  # sentences at most this far from one naming a crime may tell its time and place
HEADLINE_SENTENCES = 4  # under a crime headline, the opening sentences tell its incident even with no crime word
STATS_REPEAT = 3  # each statistics word counts at most three times: one "budget" said ten times is one sign
MIN_STATS = 4  # fewer statistics words than this is a crime story quoting a figure
STATS_PER_EVENT = 2  # a statistics piece has more than twice as many statistics words as events and specifics
NEIGHBOURS_BEFORE = 1  # sentences before the main one that still tell its incident ("Police were called at 2am.")
NEIGHBOURS_AFTER = 2  # and after it ("He died at the scene. A 19-year-old was arrested.")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a story (offsets into the story text) with what was found in it."""

    start: int
    end: int
    cues: tuple[Cue, ...]
    places: tuple[Mention, ...]
    specific: int  # how many specifics (ages, "police were called", a victim, ...)
    aside: bool  # tells of an earlier or other incident ("It follows a shooting last week")
    separate: bool  # opens another incident of a round-up ("In a separate incident, ...")
    future: bool  # advice or plans ("Officers will offer bike marking on Saturday"), not an event
    when: int = 0  # how many times ("on Monday", "9pm"): when something happened, not evidence that a crime did


@dataclass(frozen=True, slots=True)
class Story:
    """An article read as telling a crime incident in London: its text, sentences, places, headline and dates, the
    sentences telling an incident, the main one, and that incident's scene (see extract.pipeline.read_story)."""

    article: Article
    text: str
    folded: str
    sentences: tuple[Sentence, ...]
    mentions: tuple[Mention, ...]
    mention_at: Mapping[int, Mention]  # read-only, by start offset
    headline_cues: tuple[Cue, ...]
    headline_places: tuple[str, ...]
    context: tuple[str, ...]  # the first distinct place names, passed to the geocoder as context
    dates: tuple[DateMention, ...]
    incident_sentences: tuple[Sentence, ...]  # those telling a specific incident, in text order
    main: Sentence  # the incident sentence the story leads with
    scene: Place | None  # the main incident's scene; None when it spans boroughs ("raids in Lewisham and Brent")
    scene_mention: Mention | None  # where `scene` is named


def read_sentences(
    text: str, cues: list[Cue], mentions: list[Mention], found: dict[str, list[tuple[int, str]]]
) -> tuple[Sentence, ...]:
    """Split `text` into sentences and give each its cues, mentions, specifics and aside/separate/future flags
    (`found` is find_signals() of its folded text); counted per sentence in one pass: linear in the text."""
    out = []
    specific_at, aside_at, future_at, separate_at, when_at = (
        [start for start, _ in found.get(name, [])] for name in ("specific", "aside", "future", "separate", "when")
    )
    ci = mi = si = ai = fi = pi = wi = 0
    for start, end in split_sentences(text):
        ci, cj = _span(cues, ci, start, end, key=lambda c: c.start)
        mi, mj = _span(mentions, mi, start, end, key=lambda m: m.start)
        si, sj = _span(specific_at, si, start, end)
        ai, aj = _span(aside_at, ai, start, end)
        fi, fj = _span(future_at, fi, start, end)
        pi, pj = _span(separate_at, pi, start, end)
        wi, wj = _span(when_at, wi, start, end)
        cues_in, places_in = tuple(cues[ci:cj]), tuple(mentions[mi:mj])
        out.append(Sentence(start, end, cues_in, places_in, sj - si, aj > ai, pj > pi, fj > fi, wj - wi))
        ci, mi, si, ai, fi, pi, wi = cj, mj, sj, aj, fj, pj, wj
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
    """True when the sentence names a crime with an event verb or specifics (an age, police at a scene, a place);
    a time counts only for an event: "an attack on the plan ... on Monday" says when, not that a crime happened."""
    if not any(c.type for c in s.cues):
        return False
    event = any(c.event for c in s.cues)
    specific = s.specific + (s.when if event else 0)
    score = (EVENT_SCORE if event else NAMED_SCORE) + min(specific, MAX_SPECIFIC_SCORE)
    score += PLACED_SCORE if _placed(s) else 0
    return score >= TELLS_SCORE


def _placed(s: Sentence) -> bool:
    """True when the sentence names a place finer than a region."""
    return any(m.kinds != ("region",) for m in s.places)


def incident_sentences(sentences: tuple[Sentence, ...], *, headline_typed: bool) -> list[Sentence]:
    """Sentences that tell a specific incident: those that tell one directly, and, next to a crime cue (or under a
    crime headline), those placing something at a time and place."""
    direct = {s.start for s in sentences if tells_incident(s)}
    typed_at = [i for i, s in enumerate(sentences) if any(c.type for c in s.cues)][:TYPED_SENTENCES]
    out = []
    for i, s in enumerate(sentences):
        if s.start in direct:
            out.append(s)
            continue
        if not _placed(s) or s.future or not (s.specific or s.when or any(c.event for c in s.cues)):
            continue
        if (headline_typed and i < HEADLINE_SENTENCES) or any(abs(i - j) <= NEAR_TYPED for j in typed_at):
            out.append(s)
    return out


def is_fiction(found: dict[str, list[tuple[int, str]]]) -> bool:
    """True for a piece about a drama, film or novel: "crime drama", or two different words of fiction
    ("drama", "starring"); `found` is find_signals() of its headline and text."""
    return bool(found.get("fiction_named")) or len({phrase for _, phrase in found.get("fiction", [])}) >= 2


def is_statistics(found: dict[str, list[tuple[int, str]]], told: Sequence[Sentence]) -> bool:
    """True for a piece about crime figures or policy: many statistics words and little told as events."""
    if any(
        (s.specific or s.when) and any("street" in m.kinds for m in s.places) and any(c.event for c in s.cues)
        for s in told
    ):
        return False  # a crime told at a street and a time is news, whatever figures follow it
    stats = sum(min(STATS_REPEAT, n) for n in Counter(phrase for _, phrase in found.get("stats", [])).values())
    events = sum(1 for s in told for c in s.cues if c.event) + sum(1 for s in told if s.specific or s.when)
    return stats >= MIN_STATS and stats > STATS_PER_EVENT * events


def neighbours(sentences: Sequence[Sentence], main: Sentence, told: Sequence[Sentence]) -> list[Sentence]:
    """The sentences telling an incident (`told`) plus those of the story's `sentences` right around its main one
    that tell of no other incident, in text order."""
    i = next(k for k, s in enumerate(sentences) if s.start == main.start)
    near = [
        s
        for s in sentences[max(0, i - NEIGHBOURS_BEFORE) : i + 1 + NEIGHBOURS_AFTER]
        if s.start == main.start or not (s.aside or s.separate or s.start > main.start and tells_incident(s))
    ]
    return sorted({s.start: s for s in [*told, *near]}.values(), key=lambda s: s.start)
