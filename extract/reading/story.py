"""A story read for extraction: its sentences with their crime cues, place mentions and specifics, and which
sentences tell an incident."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from extract.records import Article, Mention, Place
from extract.text.cues import GENERIC_TYPES, Cue
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
# What a court heard or was told, in folded text: "the court heard", "the old bailey heard", "jurors were told", "told
# the court".
COURT_HEARD = re.compile(
    r"\b(?:court|jury|jurors|trial|hearing|bailey) (?:was |were |has |had )?(?:heard|told)\b"
    r"|\btold (?:the )?(?:court|jury|jurors)\b"
)
SENTENCE_STATS = 2  # statistics words (a count in the thousands is one) that make a sentence one of figures
# "4,000 handsets", "more than 1,200 burglaries": a count of crimes, not of one incident's loot (not after £)
COUNT = re.compile(r"(?<![£$€\d.,])\b\d{1,3}(?:,\d{3})+\b(?! (?:pounds|worth))")
STATS_REPEAT = 3  # each statistics word counts at most three times: one "budget" said ten times is one sign
MIN_STATS = 4  # fewer statistics words than this is a crime story quoting a figure
STATS_PER_EVENT = 2  # a statistics piece has more than twice as many statistics words as events and specifics
NEIGHBOURS_BEFORE = 1  # sentences before the main one that still tell its incident ("Police were called at 2am.")
NEIGHBOURS_AFTER = 2  # and after it ("He died at the scene. A 19-year-old was arrested.")
ANNOUNCE_CHARS = 30  # characters after an ordinal searched for the crime noun it announces ("a second fatal stabbing")
COPULAS = frozenset({"is", "was", "were", "are", "marks", "marked", "becomes", "became"})
# The story signals counted per sentence.
SENTENCE_SIGNALS = ("specific", "aside", "future", "separate", "when", "ordinal", "opening", "history", "stats")
NONE = (0, 0)  # the span of a sentence's items in an empty list


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
    history: bool = False  # looks back at a crime long past ("ten years since", "the anniversary of")
    history_first: bool = False  # and says so before its crime: "Forty years after she was murdered, ..."
    stats: int = 0  # statistics words, and a count in the thousands: "rose by a fifth, a report revealed"


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
    all_mentions: tuple[Mention, ...]  # mentions and the courts it leaves out, for event matching (read_reports)
    headline_cues: tuple[Cue, ...]
    headline_places: tuple[str, ...]
    context: tuple[str, ...]  # the first distinct place names, passed to the geocoder as context
    dates: tuple[DateMention, ...]
    incident_sentences: tuple[Sentence, ...]  # those telling a specific incident, in text order
    main: Sentence  # the incident sentence the story leads with
    scene: Place | None  # the main incident's scene; None when it spans boroughs ("raids in Lewisham and Brent")
    scene_mention: Mention | None  # where `scene` is named
    geocoded: Mapping[str, Place | None]  # read-only: the answers to the scene's geocoding queries, by query


def read_sentences(
    text: str,
    cues: list[Cue],
    mentions: list[Mention],
    found: dict[str, list[tuple[int, str]]],
    *,
    elsewhere: Sequence[tuple[int, int]] = (),
) -> tuple[Sentence, ...]:
    """Split `text` into sentences and give each its cues, mentions, specifics and aside/separate/future flags
    (`found` is find_signals() of its folded text); counted per sentence in one pass: linear in the text.

    An aside phrase makes a sentence an aside unless a crime comes before it ("The carjacking took place on
    Saturday, a day after ..."); a sentence is an aside also when it opens on an older time and names another crime
    ("In March another man was stabbed"), or goes on with the crime of the aside before it. It is separate also when
    it announces a further incident by a noun ("a second stabbing", "another robbery"). A sentence holding a sign of
    elsewhere (`elsewhere`: another police force, a town outside London) keeps no places: it contributes no scene.
    """
    spans = split_sentences(text)
    starts, ends = [start for start, _ in spans], [end for _, end in spans]
    at = [[start for start, _ in found.get(name, [])] for name in SENTENCE_SIGNALS]
    _, aside_at, _, _, _, ordinal_at, opening_at, history_at, _ = at
    # Each item placed in its sentence by bisection, once: a sentence then looks up only what it holds.
    specific, aside_in, future, separate_in, when, ordinal, opening, history, stats = (
        _by_sentence(x, starts, ends) if x else {} for x in at
    )
    cues_of = _by_sentence([c.start for c in cues], starts, ends)
    mentions_of = _by_sentence([m.start for m in mentions], starts, ends)
    foreign = _by_sentence(sorted(start for start, _ in elsewhere), starts, ends) if elsewhere else {}
    out: list[Sentence] = []
    for k, (start, end) in enumerate(spans):
        ci, cj = cues_of.get(k, NONE)
        cues_in = tuple(cues[ci:cj])
        mi, mj = NONE if k in foreign else mentions_of.get(k, NONE)
        places_in = tuple(mentions[mi:mj])
        first_aside = aside_in.get(k)
        aside = (
            # "It follows a shooting last week"; not "The carjacking took place on Saturday, a day after ...".
            (first_aside is not None and aside_at[first_aside[0]] <= next((c.start for c in cues_in if c.type), end))
            # "In March another man was stabbed": an older time opening a sentence about another crime
            or (k in ordinal and k in opening and any(opening_at[i] == start for i in range(*opening[k])))
        )
        separate = k in separate_in or (
            k in ordinal and any(_announces(text, ordinal_at[i], cues_in) for i in range(*ordinal[k]))
        )
        si, sj = specific.get(k, NONE)
        wi, wj = when.get(k, NONE)
        ti, tj = stats.get(k, NONE)
        figures = tj - ti + (1 if tj > ti and COUNT.search(text, start, end) else 0)
        first = k in history and history_at[history[k][0]] < next((c.start for c in cues_in if c.type and c.event), end)
        out.append(
            Sentence(
                *(start, end, cues_in, places_in, sj - si, aside, separate, k in future, wj - wi, k in history),
                stats=figures,
                history_first=first,
            )
        )
    return tuple(_asides_continued(out))


def _by_sentence(positions: list[int], starts: list[int], ends: list[int]) -> dict[int, tuple[int, int]]:
    """For each sentence (by index; `starts` and `ends` sorted, the sentences apart) holding some of the sorted
    `positions`, the range of the indices of those it holds."""
    out: dict[int, tuple[int, int]] = {}
    for i, position in enumerate(positions):
        k = bisect.bisect_right(starts, position) - 1
        if k >= 0 and position < ends[k]:
            held = out.get(k)
            out[k] = (i, i + 1) if held is None else (held[0], i + 1)
    return out


def _announces(text: str, at: int, cues: tuple[Cue, ...]) -> bool:
    """True when the ordinal at `at` ("a second", "another") comes right before a crime noun ("a second stabbing"),
    not after a copula ("it was the third stabbing this year" counts, it announces nothing)."""
    noun = any(
        c.type and not c.event and at < c.start <= at + ANNOUNCE_CHARS and len(text[at : c.start].split()) <= 3
        for c in cues
    )
    before = text[max(0, at - ANNOUNCE_CHARS) : at].lower().split()
    return noun and not (before and before[-1] in COPULAS)


def _asides_continued(sentences: list[Sentence]) -> list[Sentence]:
    """Mark as an aside the sentence right after one that names the aside's crime again (a cue of the same type or
    weapon) and no other specific crime: "It follows a shooting last Friday. Detectives are investigating the gun
    attack, which started in Agar Grove." """
    out = list(sentences)
    for i in range(1, len(out)):
        before, s = out[i - 1], out[i]
        if not before.aside or s.aside or s.separate:
            continue
        types = {c.type for c in before.cues if c.type} - GENERIC_TYPES
        weapons = {c.weapon for c in before.cues if c.weapon and c.weapon != "none"}
        own_types = {c.type for c in s.cues if c.type} - GENERIC_TYPES
        own_weapons = {c.weapon for c in s.cues if c.weapon and c.weapon != "none"}
        if (own_types & types or own_weapons & weapons) and own_types <= types:
            out[i] = replace(s, aside=True)
    return out


def _looks_back(s: Sentence) -> bool:
    """Whether the sentence only looks back at a crime long past ("ten years since the stabbing"): one telling a crime
    with its date as well ("was attacked on Friday, on the anniversary of her son's murder") tells a new incident,
    unless it looks back before it tells the crime ("Forty years after she was murdered, neighbours met on Friday")."""
    return s.history and (s.history_first or not (s.when and any(c.event for c in s.cues)))


def tells_incident(s: Sentence) -> bool:
    """True when the sentence names a crime with an event verb or specifics (an age, police at a scene, a place);
    a time counts only for an event: "an attack on the plan ... on Monday" says when, not that a crime happened."""
    if not any(c.type for c in s.cues) or _looks_back(s) or _figures(s):
        return False
    event = any(c.event for c in s.cues)
    specific = s.specific + (s.when if event else 0)
    score = (EVENT_SCORE if event else NAMED_SCORE) + min(specific, MAX_SPECIFIC_SCORE)
    score += PLACED_SCORE if _placed(s) else 0
    return score >= TELLS_SCORE


def _figures(s: Sentence) -> bool:
    """True for a sentence of figures with nothing specific: "Burglaries rose by a fifth, a report revealed"."""
    return s.stats >= SENTENCE_STATS and not s.specific


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
        if s.start in direct or (s.separate and _placed(s) and any(c.type for c in s.cues)):
            out.append(s)  # told directly, or announced: "a second stabbing happened on Walworth Road"
            continue
        if not _placed(s) or s.future or _looks_back(s) or _figures(s):
            continue
        if not (s.specific or s.when or any(c.event for c in s.cues)):
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


def tells_the_case(story: Story, s: Sentence) -> bool:
    """True for a sentence telling what a court heard of its case ("The court heard that on the evening of 14 March
    he had been buying food on High Road"): the offence, whatever time it gives and though it names no crime."""
    folded = story.folded
    if folded.find("heard", s.start, s.end) < 0 and folded.find("told", s.start, s.end) < 0:
        return False  # a plain find first: COURT_HEARD opens on \b, which sre would try at every position
    return COURT_HEARD.search(folded, s.start, s.end) is not None


def sentence_at(sentences: Sequence[Sentence], offset: int) -> int:
    """The index of the last of `sentences` (in text order) that starts at or before `offset`, -1 when none does:
    the one holding `offset`, if any, found by bisection."""
    return bisect.bisect_right(sentences, offset, key=_start) - 1


def _start(s: Sentence) -> int:
    return s.start


def neighbours(sentences: Sequence[Sentence], main: Sentence, told: Sequence[Sentence]) -> list[Sentence]:
    """The sentences telling an incident (`told`) plus those of the story's `sentences` right around its main one
    that tell of no other incident, in text order."""
    i = sentence_at(sentences, main.start)
    near = [
        s
        for s in sentences[max(0, i - NEIGHBOURS_BEFORE) : i + 1 + NEIGHBOURS_AFTER]
        if s.start == main.start or not (s.aside or s.separate or s.start > main.start and tells_incident(s))
    ]
    return sorted({s.start: s for s in [*told, *near]}.values(), key=_start)


def main_sentence(told: Sequence[Sentence]) -> Sentence:
    """The sentence a story leads with among those telling an incident (`told`, not empty): the first that tells
    one directly and is no aside or further incident of a round-up; else the first that is neither; else the first."""
    own = [s for s in told if not (s.aside or s.separate)]
    return next((s for s in own if tells_incident(s)), own[0] if own else told[0])


def own_sentences(sentences: Sequence[Sentence], first: Sentence) -> list[Sentence]:
    """The sentences telling the incident that `first` opens: it and those right after it, up to where another
    incident starts (an aside, a round-up's next incident or a sentence telling one of its own) and at most
    NEIGHBOURS_AFTER of them."""
    i = sentence_at(sentences, first.start)
    own = [first]
    for s in sentences[i + 1 : i + 1 + NEIGHBOURS_AFTER]:
        if s.aside or s.separate or tells_incident(s):
            break
        own.append(s)
    return own
