"""An incident's details read from the sentences telling it: fatal, weapon, victim ages, number arrested."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from extract.reading.story import Sentence
from extract.text.cues import Cue, is_threat
from extract.text.numbers import NUMBER_WORDS

WEAPON_ORDER = ("gun", "knife", "corrosive", "vehicle", "other")  # the first named in this order wins
AGE = re.compile(
    r"\b(\d{1,2}) year old\b|\baged (\d{1,2})\b"
    r"|\b(?:man|woman|boy|girl|teenager|victim|mother|father|pensioner|student), (\d{1,2}),"
)
VICTIM = re.compile(
    r"\b(victim|stabbed|shot|injur|died|dead|hospital|wound|attacked|assaulted|robbed|killed|"
    r"found|suffered|collapsed|hurt|hit|treated)"
)
SUSPECT = re.compile(
    r"\b(arrest|charged|suspect|appeared|court|jailed|sentenced|convicted|guilty|held|detained|"
    r"wanted|remanded)"
)
ARRESTED_COUNT = re.compile(
    r"\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r" (\w+ ){0,3}(men|women|people|males|females|boys|girls|teenagers|youths|suspects|persons"
    r"|man|woman|boy|girl|teenager|youth|suspect|person|others),? ([\w,]+ ){0,6}?"
    r"(have been|has been|were|was|had been|been) (arrested|held|detained)"
    r"|\b(?:arrested|detained) (\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve) (\w+ ){0,2}(men|women|people|males|females|boys|girls|teenagers|youths"
    r"|suspects|man|woman|boy|girl|teenager|youth|suspect)\b"
)
ARREST_WORDS = ("arrested", "held", "detained")  # in every ARRESTED_COUNT match, which holds no "." or line break
DIGIT = re.compile(r"\d")  # in every AGE match
MAX_AGE = 110  # "aged 120" is a misread or a centenary, not a victim's age
NO_ARRESTS = re.compile(r"\bno (one|arrests?) (has|have) (yet )?been (arrested|made)|\bno arrests\b")
NO_ARRESTS_WORDS = ("no one ", "no arrest")  # in every NO_ARRESTS match


def fatal(told: list[Cue], neighbours: list[Cue], headline: list[Cue]) -> bool:
    """Dead when the sentences telling the incident, its headline, or a reported death right after it say so
    ("attempted murder" is not a death)."""
    return any(c.fatal is True for c in told + headline) or any(c.fatal is True and c.event for c in neighbours)


def weapon(told: list[Cue], neighbours: list[Cue], type_slug: str, headline: Sequence[Cue] = ()) -> str | None:
    """The weapon named where the incident is told, else right around it, else in its headline; "none" when no
    weapon is named, and None (unknown) for a killing whose means the text does not give ("beaten to death" gives
    them: "none")."""
    for cues in (told, neighbours, headline):
        named = [c.weapon for c in cues if c.weapon and c.weapon != "none" and not is_threat(c)]
        if named:
            return min(named, key=WEAPON_ORDER.index)
    bare_hands = any(c.weapon == "none" and (c.event or c.kind == "phrase") for c in told)  # "a single punch"
    return None if type_slug == "homicide" and not bare_hands else "none"


def victim_ages(folded: str, sentences: list[Sentence]) -> tuple[int, ...]:
    """Ages ("an 18-year-old", "aged 17") in sentences about a victim and not about a suspect, in text order."""
    ages: list[int] = []
    for s in sentences:
        if not DIGIT.search(folded, s.start, s.end):
            continue  # no age: AGE, starting with \b, would be tried at every position for nothing
        chunk = folded[s.start : s.end]
        found = list(AGE.finditer(chunk))
        if not found or SUSPECT.search(chunk) or not VICTIM.search(chunk):
            continue
        for m in found:
            age = int(m.group(1) or m.group(2) or m.group(3))
            if 0 < age < MAX_AGE and age not in ages:
                ages.append(age)
    return tuple(ages)


HEADLINE_AGE = re.compile(r"\b(?:[a-z][\w'-]*, (\d{1,2}),?|(\d{1,2}) year old|aged (\d{1,2}))((?: [\w'-]+){0,3})")
# What a headline says of a suspect or a witness after their age, besides SUSPECT's words: "Man, 30, admits ...",
# "Teen, 16, caged for ...", "Man, 23, who stabbed ...", "Mum, 34, tells of horror".
HEADLINE_SUSPECT = re.compile(
    r"\b(admits?|admitted|denies|denied|accused|caged|locked up|trial|who|tells?|told|says?|said|speaks?)\b"
)
# "son, 15, held at knifepoint" is a victim held; "teenager, 17, held by police" a suspect.
HELD_VICTIM = re.compile(r" held (?:at|up|hostage)\b")


def headline_ages(folded_headline: str, actives: Iterable[int] = ()) -> tuple[int, ...]:
    """Ages a headline (folded) gives a victim: no suspect's or witness's word (SUSPECT, HEADLINE_SUSPECT) follows
    within three words ("girl, 11, hit by car", "son, 15, held at knifepoint"; not "man, 23, charged", "teenager, 17,
    held by police"), nor a crime verb in the active voice, starting at one of `actives` (the headline's active cues:
    "boy, 15, stabbed classmate" tells the stabber's age, "boy, 15, stabbed in park" the victim's)."""
    acting = frozenset(actives)
    ages: list[int] = []
    for m in HEADLINE_AGE.finditer(folded_headline):
        after = m.group(4)
        if m.start(4) + 1 in acting:  # the words after the age, past their space, open with an active verb
            continue
        if not HELD_VICTIM.match(after) and (SUSPECT.search(after) or HEADLINE_SUSPECT.search(after)):
            continue
        age = int(m.group(1) or m.group(2) or m.group(3))
        if 0 < age < MAX_AGE and age not in ages:
            ages.append(age)
    return tuple(ages)


def arrests(folded: str) -> int | None:
    """How many people the story says were arrested ("two men have been arrested"): the largest count it gives,
    since later sentences often repeat the same arrests; 0 for "no arrests" alone; else None."""
    counts = [
        int(n) if n.isdigit() else NUMBER_WORDS.get(n, 1)
        for m in _arrest_counts(folded)
        for n in [m.group(1) or m.group(7)]
    ]
    if counts:
        return max(counts)
    return 0 if any(w in folded for w in NO_ARRESTS_WORDS) and NO_ARRESTS.search(folded) else None


def _arrest_counts(folded: str) -> Iterator[re.Match[str]]:
    """The matches of ARRESTED_COUNT.finditer(folded), searched only in the stretches between full stops and line
    breaks that say "arrested", "held" or "detained": a match holds one of them and crosses neither, so the matches
    are the same, and the pattern (starting with \\b) is not tried at every position of the text."""
    # Found by str.find, word by word, then in text order: a regular expression of the three would be tried at
    # every "a", "h" and "d" of the text. One found inside another ("heldetained") lies in the stretch of that other.
    words = []
    for word in ARREST_WORDS:
        at = folded.find(word)
        while at >= 0:
            words.append((at, at + len(word)))
            at = folded.find(word, at + len(word))
    end = 0
    for word_start, word_end in sorted(words):
        if word_start < end:
            continue  # in the stretch just searched
        start = max(folded.rfind(".", 0, word_start), folded.rfind("\n", 0, word_start)) + 1
        end = min((i for i in (folded.find(".", word_end), folded.find("\n", word_end)) if i >= 0), default=len(folded))
        yield from ARRESTED_COUNT.finditer(folded, start, end)
