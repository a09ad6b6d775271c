"""A story read for extraction: its sentences with their crime cues, place mentions and specifics, and which
sentences tell an incident."""
from __future__ import annotations

import re
from dataclasses import dataclass

from extract.geocode import Geocoder
from extract.incidents import Cue
from extract.records import Article, Mention
from extract.sentences import split_sentences

# Words that make a sentence tell one event rather than a trend: ages, times, days, police at a scene, a court.
SPECIFIC = re.compile(
    r"\b(\d{1,2} year old|aged \d{1,2}|\d{1,2}[.:]\d{2}|\d{1,2} ?(am|pm)|yesterday|last night|this morning|overnight"
    r"|early hours|on (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|were called|was called|called to"
    r"|past week|this week|at the weekend|over the weekend"
    r"|at the scene|died|pronounced|arrested|charged|victim|injuries|injured|hospital|paramedics|cordon"
    r"|appeal|witnesses|cctv|jailed|sentenced|guilty|convicted|appeared at|detectives|police said)\b")
STATS = re.compile(r"\b(figures|statistics|per cent|percent|rate|rates|rise in|increase in|fall in|data|year on year"
                   r"|survey|report|analysis|number of|compared with|compared to|average|budget|council tax"
                   r"|strategy|policy|funding|consultation|campaign)\b")
ASIDE = re.compile(r"\b(it follows|follows a|comes after|came after|a day after|days after|weeks after|last week"
                   r"|last month|earlier this (year|month|week)|previous|previously|the latest"
                   r"|including the|such as the|months ago|years ago)\b")
SEPARATE = re.compile(r"\b(in a separate|separately|in another|meanwhile|elsewhere)\b")
FICTION = re.compile(r"\b(drama|episode|starring|actor|actress|plot|novel|thriller|screenplay|premiere|sitcom|soap"
                     r"|film|filmed|movie|storyline|series finale)\b")
FICTION_NAMED = re.compile(r"\b(crime|tv|television|detective|police|new) (drama|thriller|series)\b")
FUTURE = re.compile(r"\b(will|would|are urging|is urging|urged|advise|advised|advice|encouraged|encouraging|"
                    r"are being warned|plans to|planning to)\b")


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
    dates: tuple  # extract.dates.DateMention
    geocoder: Geocoder
    context: tuple[str, ...]  # the first distinct place names, passed to the geocoder as context
    mention_at: dict[int, Mention]  # by start offset
    resolved: dict  # query -> Place | None: each name is geocoded once per story


def read_sentences(text: str, folded: str, cues: list[Cue], mentions: list[Mention]) -> tuple[Sentence, ...]:
    """Split `text` into sentences and give each its cues, mentions, specifics and aside/future flags."""
    out = []
    # One pass of each pattern over the whole story, then counted per sentence: linear in the text.
    specific_at = [m.start() for m in SPECIFIC.finditer(folded)]
    aside_at = [m.start() for m in ASIDE.finditer(folded)]
    future_at = [m.start() for m in FUTURE.finditer(folded)]
    separate_at = [m.start() for m in SEPARATE.finditer(folded)]
    ci = mi = si = ai = fi = pi = 0
    for start, end in split_sentences(text):
        ci, cj = _span(cues, ci, start, end, key=lambda c: c.start)
        mi, mj = _span(mentions, mi, start, end, key=lambda m: m.start)
        si, sj = _span(specific_at, si, start, end)
        ai, aj = _span(aside_at, ai, start, end)
        fi, fj = _span(future_at, fi, start, end)
        pi, pj = _span(separate_at, pi, start, end)
        out.append(Sentence(start, end, tuple(cues[ci:cj]), tuple(mentions[mi:mj]), sj - si, aj > ai, pj > pi,
                            fj > fi))
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


def is_fiction(folded: str) -> bool:
    """True for a piece about a drama, film or novel: "crime drama", or two different words of fiction
    ("drama", "starring")."""
    return bool(FICTION_NAMED.search(folded)) or len({m.group(0) for m in FICTION.finditer(folded)}) >= 2


def is_statistics(folded: str, told: list[Sentence]) -> bool:
    """True for a piece about crime figures or policy: many statistics words and little told as events."""
    if any(s.specific and any("street" in m.kinds for m in s.places) and any(c.event for c in s.cues) for s in told):
        return False  # a crime told at a street and a time is news, whatever figures follow it
    stats = len(STATS.findall(folded))
    events = sum(1 for s in told for c in s.cues if c.event) + sum(1 for s in told if s.specific)
    return stats >= 4 and stats > 2 * events


def neighbours(story: Story, main: Sentence, told: list[Sentence]) -> list[Sentence]:
    """The sentences telling an incident plus those right around its main one that tell of no other incident."""
    i = next(k for k, s in enumerate(story.sentences) if s.start == main.start)
    near = [s for s in story.sentences[max(0, i - 1):i + 3]
            if s.start == main.start or not (s.aside or s.separate or s.start > main.start and tells_incident(s))]
    return sorted({s.start: s for s in told + near}.values(), key=lambda s: s.start)
