"""Find London place mentions in a text: gazetteer names by Aho-Corasick, plus postcodes; offsets kept.

Example:
    matcher = build_matcher(load_gazetteer())
    find_places("stabbed in Prior Street, Greenwich", matcher=matcher)
    # [Mention(text='Prior Street', start=11, end=23, key='prior street', kinds=('street',)), Mention('Greenwich', ...)]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from extract.datafiles import DATA_DIR, read_lines
from extract.geo.gazetteer import Gazetteer
from extract.geo.names import name_key, street_words, surface_variants
from extract.records import Mention
from extract.text.folding import fold_text
from extract.text.spans import longest_first, whole_word

STATION_SUFFIXES = (
    "station",
    "tube station",
    "underground station",
    "rail station",
    "railway station",
    "overground station",
    "dlr station",
    "train station",
)
# Words that stay lower case inside a name ("Kingston upon Thames", "Elephant and Castle").
CONNECTORS = frozenset(
    {
        "and",
        "&",
        "of",
        "the",
        "on",
        "upon",
        "in",
        "by",
        "at",
        "under",
        "cum",
        "de",
        "la",
        "le",
        "station",
        "tube",
        "underground",
        "rail",
        "railway",
        "overground",
        "dlr",
        "train",
    }
)
POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)(?: ?([0-9][A-Z]{2}))?\b")
STREET_PREPOSITION = re.compile(r"\b(on|along|off|onto) $")
COMPASS = frozenset(
    {
        "north",
        "south",
        "east",
        "west",
        "central",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "greater",
        "inner",
        "outer",
    }
)


@dataclass(frozen=True, slots=True)
class Matcher:
    """A compiled gazetteer automaton: folded surface -> (canonical key, kinds)."""

    automaton: ahocorasick.Automaton
    gazetteer: Gazetteer
    first_names: frozenset[str]


def load_stoplist(data_dir: Path = DATA_DIR) -> frozenset[str]:
    """Return the canonical keys never matched in running text (place_stoplist.txt in `data_dir`)."""
    return frozenset(name_key(line) for line in read_lines(data_dir / "place_stoplist.txt"))


def load_first_names(data_dir: Path = DATA_DIR) -> frozenset[str]:
    """Return the lower-case first names and titles that make a following one-word place a surname
    (first_names.txt in `data_dir`)."""
    return frozenset(name.lower() for name in read_lines(data_dir / "first_names.txt"))


def build_matcher(gazetteer: Gazetteer, *, data_dir: Path = DATA_DIR) -> Matcher:
    """Compile every matchable gazetteer name (with its spelling variants) into one automaton; the stop list and
    first names are read from `data_dir`."""
    stop = load_stoplist(data_dir)
    kinds: dict[str, set[str]] = {}
    display: dict[str, set[str]] = {}
    for e in gazetteer.entries:
        if e.kind in ("outcode", "postcode"):
            continue  # found by POSTCODE below
        kinds.setdefault(e.key, set()).add(e.kind)
        # an alias row carries its borough's name: "Royal Borough of Greenwich" is spelt from its key, not "Greenwich"
        display.setdefault(e.key, set()).add(e.name if name_key(e.name) == e.key else e.key)
    auto = ahocorasick.Automaton()
    for key, names in display.items():
        k = tuple(sorted(kinds[key]))
        surfaces = set()
        # One-word wards ("Abbey", "Alexandra") are common words far more often than places; one-word streets
        # ("Heathway") are matched only right after "on", "along" or "off" (see find_places).
        if key not in stop and len(key) > 2 and not (" " not in key and set(k) <= {"ward"}):
            for name in names:
                surfaces |= surface_variants(name)
        if "station" in k:
            for name in names:
                for v in surface_variants(name):
                    surfaces.update(f"{v} {suffix}" for suffix in STATION_SUFFIXES)
        for s in surfaces:
            auto.add_word(s, (key, k, len(s)))
    auto.make_automaton()
    return Matcher(auto, gazetteer, load_first_names(data_dir))


def find_places(text: str, *, matcher: Matcher, folded: str | None = None) -> list[Mention]:
    """Return the place mentions in `text`, longest first without overlaps, in text order.

    A mention must start and end at word boundaries and be written as a proper noun (each word capitalised,
    connectors aside); a one-word name right after a capitalised first name ("Ian Hayes") is skipped.
    `folded` is fold_text(text) when the caller has it already.
    """
    folded = fold_text(text) if folded is None else folded
    found = []
    for end, (key, kinds, length) in matcher.automaton.iter(folded):
        start = end - length + 1
        if (
            " " not in key
            and set(kinds) <= {"street", "ward"}
            and not STREET_PREPOSITION.search(text, max(0, start - 7), start)
        ):
            continue
        proper = _is_proper(text, start, end + 1)
        if proper == "lower street word" and matcher.gazetteer.candidates(key.rsplit(" ", 1)[0]):
            continue  # "a quiet London street" is not London Street
        if proper and not _after_first_name(text, start, key, matcher.first_names):
            found.append(Mention(text[start : end + 1], start, end + 1, key, kinds))
    found.extend(_postcodes(text, matcher.gazetteer))
    return longest_first(found)


def _is_proper(text: str, start: int, end: int) -> str:
    """Return "proper" when text[start:end] is a whole-word proper noun, "lower street word" when only its final
    street word is in lower case ("Camplin street"), else ""."""
    if not whole_word(text, start, end):
        return ""
    if end < len(text) and text[end] == "'" and text[end + 1 : end + 2].isalpha() and text[end + 1 : end + 2] != "s":
        return ""
    words = text[start:end].replace("-", " ").split()
    if words[-1] == "London" and all(w.lower() in COMPASS for w in words[:-1]):
        return "proper"  # "south-east London" is written in lower case
    if not (words[0][0].isupper() or words[0][0].isdigit()):
        return ""  # "the mall", "station road" in lower case are not names
    result = "proper"
    for i, word in enumerate(words):
        if word.lower() in CONNECTORS:
            continue
        if word[0].isupper() or word[0].isdigit():
            continue
        if i and i == len(words) - 1 and street_words().get(word.lower()) == "strong":
            result = "lower street word"  # people often write "Camplin street"
            continue
        return ""
    return result


def _after_first_name(text: str, start: int, key: str, first_names: frozenset[str]) -> bool:
    """True when a one-word place follows a title or first name ("Ian Hayes", "PC Barnes"): a surname."""
    if " " in key or start < 2 or text[start - 1] not in " .":
        return False
    i = start - 1
    while i > 0 and text[i - 1] in ". ":
        i -= 1
    j = i
    while j > 0 and text[j - 1].isalpha():
        j -= 1
    return text[j:i].lower() in first_names


PREFIX_WORDS = frozenset(
    {
        "North",
        "South",
        "East",
        "West",
        "NORTH",
        "SOUTH",
        "EAST",
        "WEST",
        "New",
        "Old",
        "Upper",
        "Lower",
        "Great",
        "Little",
        "Fort",
        "Mount",
        "Port",
        "Lake",
        "Saint",
        "San",
        "Santa",
    }
)


def qualified_elsewhere(text: str, start: int) -> bool:
    """True when the mention at `start` follows a capitalised qualifier making a name the gazetteer lacks ("East
    Hampton", "North Main Street"): weak evidence of London, as it is often another place ("South Kilburn" is not)."""
    if start < 2 or text[start - 1] != " ":
        return False
    j = start - 1
    while j > 0 and text[j - 1].isalpha():
        j -= 1
    return text[j : start - 1] in PREFIX_WORDS


def _postcodes(text: str, gazetteer: Gazetteer) -> Iterator[Mention]:
    """Yield the live full postcodes and the London outward codes ("SE15") written in `text`."""
    for m in POSTCODE.finditer(text):
        outward, inward = m.group(1), m.group(2)
        if inward and gazetteer.postcode(outward + inward):
            yield Mention(m.group(0), m.start(), m.end(), f"{outward} {inward}".lower(), ("postcode",))
        elif any(e.kind == "outcode" for e in gazetteer.candidates(outward.lower())):
            yield Mention(m.group(1), m.start(1), m.end(1), outward.lower(), ("outcode",))
