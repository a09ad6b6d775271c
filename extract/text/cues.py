"""Find crime cues (incident types, weapons, deaths) in a text; the vocabulary is data/crime_types.csv,
data/crime_cues.csv (phrases) and data/crime_patterns.csv (phrases with a few free words, as regular expressions,
each tried only when one of its anchor words is in the text).

Example:
    vocab = load_vocabulary()
    [c.type for c in find_cues("A man was stabbed in Peckham.", vocab=vocab)]  # ['stabbing']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from extract.datafiles import DATA_DIR, read_rows
from extract.text.folding import fold_text
from extract.text.spans import longest_first, whole_word


@dataclass(frozen=True, slots=True)
class CrimeType:
    """An incident type slug with its label, police.uk category and severity (higher wins in a story)."""

    slug: str
    label: str
    category: str
    severity: int


@dataclass(frozen=True, slots=True)
class Cue:
    """A crime phrase found in a text: what it says about type, weapon and death, and whether it reports an event."""

    phrase: str
    start: int
    end: int
    type: str | None
    weapon: str | None
    fatal: bool | None
    event: bool


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The crime types by slug, the compiled cue phrases, and the cue patterns (phrases with gaps)."""

    types: dict[str, CrimeType]
    automaton: ahocorasick.Automaton
    patterns: tuple[tuple[re.Pattern[str], tuple[str, ...], str | None, str | None, bool | None, bool], ...]


def load_vocabulary(data_dir: Path = DATA_DIR) -> Vocabulary:
    """Load the crime types, cue phrases and cue patterns from `data_dir` and compile the cues."""
    types = {
        r["slug"]: CrimeType(r["slug"], r["label"], r["category"], int(r["severity"]))
        for r in read_rows(data_dir / "crime_types.csv")
    }
    auto = ahocorasick.Automaton()
    for r in read_rows(data_dir / "crime_cues.csv"):
        phrase = fold_text(r["phrase"]).strip()
        if r["type"] and r["type"] not in types:
            raise ValueError(f"crime_cues.csv: unknown type {r['type']!r} for {phrase!r}")
        fatal = {"1": True, "0": False}.get(r["fatal"])
        auto.add_word(phrase, (phrase, r["type"] or None, r["weapon"] or None, fatal, r["event"] == "1"))
    auto.make_automaton()
    patterns = []
    for r in read_rows(data_dir / "crime_patterns.csv"):
        if r["type"] and r["type"] not in types:
            raise ValueError(f"crime_patterns.csv: unknown type {r['type']!r}")
        # Patterns use only bounded repetition ({0,2}), so matching stays linear in the text.
        patterns.append(
            (
                re.compile(r["pattern"]),
                tuple(r["anchors"].split("|")),
                r["type"] or None,
                r["weapon"] or None,
                {"1": True, "0": False}.get(r["fatal"]),
                r["event"] == "1",
            )
        )
    return Vocabulary(types, auto, tuple(patterns))


def _in_a_name(text: str, start: int, end: int) -> bool:
    """True for a capitalised cue inside a title-case name mid-sentence ("Shooting Stars Children's Hospice")."""
    if not text[start : start + 1].isupper() or text[end : end + 1] != " " or not text[end + 1 : end + 2].isupper():
        return False
    before = text[max(0, start - 3) : start].rstrip()
    return bool(before) and before[-1] not in ".!?:\"'\u201c\u2018(-\u2014\u2013\n"


def find_cues(text: str, *, vocab: Vocabulary, folded: str | None = None) -> list[Cue]:
    """Return the crime cues in `text` at word boundaries, longest first without overlaps, in text order."""
    folded = fold_text(text) if folded is None else folded
    found = []
    words = text[:300].split()
    # A headline in Title Case ("Man Stabbed In Peckham") capitalises every cue: no name test there.
    titled = len(text) < 250 and len(words) > 2 and sum(w[:1].isupper() for w in words) > 0.6 * len(words)
    for end, (phrase, type_, weapon, fatal, event) in vocab.automaton.iter(folded):
        start = end - len(phrase) + 1
        if not whole_word(folded, start, end + 1):
            continue
        if not titled and _in_a_name(text, start, end + 1):
            continue
        found.append(Cue(phrase, start, end + 1, type_, weapon, fatal, event))
    for pattern, anchors, type_, weapon, fatal, event in vocab.patterns:
        if not any(a in folded for a in anchors):
            continue  # a substring test is far cheaper than scanning the text with the pattern
        for m in pattern.finditer(folded):
            found.append(Cue(m.group(0), m.start(), m.end(), type_, weapon, fatal, event))
    return longest_first(found)


METHOD_TYPES = frozenset({"stabbing", "shooting", "hit_and_run", "acid_attack", "arson"})
GENERIC_TYPES = frozenset({"assault", "theft", "other"})  # "attack", "stole": often told of a more specific crime


def most_severe(cues: Iterable[Cue], *, vocab: Vocabulary) -> Cue | None:
    """The typed cue of the most severe crime type; a method ("stabbed", "hit-and-run") beats "killed", which
    only says the victim died."""
    typed = [c for c in cues if c.type]
    methods = [c for c in typed if c.type in METHOD_TYPES]
    if methods and all(c.type in METHOD_TYPES or c.type == "homicide" for c in typed):
        typed = methods
    return max(typed, key=lambda c: (_severity(c, vocab), c.event, -c.start)) if typed else None


def _severity(cue: Cue, vocab: Vocabulary) -> int:
    """The severity of the cue's crime type; 0 for a cue without one."""
    return vocab.types[cue.type].severity if cue.type else 0


def incident_type(
    main: Iterable[Cue], headline: Iterable[Cue], told: Iterable[Cue], story: Iterable[Cue], *, vocab: Vocabulary
) -> Cue | None:
    """The cue naming an incident's type: the most severe in its main sentence, else in the headline, else in the
    sentences telling it; a generic one ("attack") gives way to the specific crime the story names most."""
    cue = most_severe(main, vocab=vocab) or most_severe(headline, vocab=vocab) or most_severe(told, vocab=vocab)
    if cue is not None and cue.type not in GENERIC_TYPES:
        return cue
    specific = [(c.type, c) for c in story if c.type and c.type not in GENERIC_TYPES]
    if not specific:
        return cue
    counts = Counter(t for t, _ in specific)
    best = max(counts, key=lambda t: (counts[t], vocab.types[t].severity))
    return next(c for t, c in specific if t == best)
