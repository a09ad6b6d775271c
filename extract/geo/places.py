"""Find London place mentions in a text: gazetteer names by Aho-Corasick, plus postcodes; offsets kept.

Example:
    matcher = build_matcher(load_gazetteer())
    find_places("stabbed in Prior Street, Greenwich", matcher=matcher)
    # [Mention(text='Prior Street', start=11, end=23, key='prior street', kinds=('street',)), Mention('Greenwich', ...)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from extract.datafiles import DATA_DIR, read_lines
from extract.geo.gazetteer import AREA_STREETS, Gazetteer
from extract.geo.names import name_key, street_words, surface_variants
from extract.records import Mention
from extract.text.folding import fold_text
from extract.text.scan import Hit, Scanner, Words, build_scanner, scan
from extract.text.screening import load_first_names
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
# Site words written in lower case after a name as often as not: "the Aylesbury estate".
LOWER_SITE_WORDS = frozenset({"estate"})
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
AREA_LOOKBACK = 3  # mentions looked back at for an area before a street: the latest found, and those it overlaps
PLACES = "places"  # the name of the vocabulary of place names, in a scan (extract.text.scan)
# Courts known by a street or place name alone, where cases from all over London are heard, and a court report's "the
# court" (a street of that name exists): neither a scene nor, shared by two reports, a sign of one incident. "X Crown
# Court" and "appeared at X" are left out by reading.scene.
COURT_KEYS = frozenset({"old bailey", "the court"})
# "SE15", "SE15 5NT": opening on a capital letter, which the regular expression engine scans for fast, with the word
# boundary before it checked only then (the same matches as a leading \b, tried at every position).
POSTCODE = re.compile(r"([A-Z](?<=\b[A-Z])[A-Z]?[0-9][A-Z0-9]?)(?: ?([0-9][A-Z]{2}))?\b")
STREET_PREPOSITION = re.compile(r"\b(on|along|off|onto) $")
QUALIFIER_GAPS = (", ", " in ", ",")  # what stands between a street and the ward or district that places it
NEXT_WORD = re.compile(r" ([A-Z][a-z]+)\b")
PREVIOUS_WORD = re.compile(r"(?:^|[^\w'\u2019.,;:!?\"(-]) ?\b([A-Z][a-z]+) $")
NOT_NAME_WORDS = frozenset(
    {
        "in",
        "on",
        "at",
        "near",
        "outside",
        "off",
        "along",
        "by",
        "the",
        "of",
        "and",
        "from",
        "to",
        "into",
        "a",
        "an",
        "upper",
        "lower",
        "old",
        "new",
        "great",
        "little",
    }
)
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
    """The gazetteer's names compiled for scanning (PLACES: folded surface -> (canonical key, kinds)), with any other
    vocabularies scanned for in the same pass."""

    scanner: Scanner
    gazetteer: Gazetteer
    first_names: frozenset[str]


def load_stoplist(data_dir: Path = DATA_DIR) -> frozenset[str]:
    """Return the canonical keys never matched in running text (place_stoplist.txt in `data_dir`)."""
    return frozenset(name_key(line) for line in read_lines(data_dir / "place_stoplist.txt"))


def build_matcher(gazetteer: Gazetteer, *, data_dir: Path = DATA_DIR, also: Iterable[Words] = ()) -> Matcher:
    """Compile every matchable gazetteer name (with its spelling variants) into one scanner, with the vocabularies
    `also` given (crime cues, signals, ...), so that one scan of a text finds them all; the stop list and first
    names are read from `data_dir`."""
    stop = load_stoplist(data_dir)
    kinds: dict[str, set[str]] = {}
    display: dict[str, set[str]] = {}
    for e in gazetteer.entries:
        if e.kind in ("outcode", "postcode"):
            continue  # found by POSTCODE below
        kinds.setdefault(e.key, set()).add(e.kind)
        # an alias row carries its borough's name: "Royal Borough of Greenwich" is spelt from its key, not "Greenwich"
        display.setdefault(e.key, set()).add(e.name if name_key(e.name) == e.key else e.key)
    entries: dict[str, tuple[str, tuple[str, ...]]] = {}  # a surface of two keys: the later one's, as listed
    for key, names in display.items():
        k = tuple(sorted(kinds[key]))
        surfaces = set()
        # One-word wards ("Abbey", "Alexandra") are common words far more often than places: they are matched only
        # as a street's qualifier ("Cheshire Street, Weavers"); one-word streets ("Heathway") only right after
        # "on", "along" or "off" (see find_places).
        if key not in stop and len(key) > 2:
            for name in names:
                surfaces |= surface_variants(name)
        if "station" in k:
            for name in names:
                for v in surface_variants(name):
                    surfaces.update(f"{v} {suffix}" for suffix in STATION_SUFFIXES)
        entries.update(dict.fromkeys(surfaces, (key, k)))
    return Matcher(build_scanner([Words(PLACES, entries), *also]), gazetteer, load_first_names(data_dir))


def find_places(
    text: str, *, matcher: Matcher, folded: str | None = None, hits: Iterable[Hit] | None = None
) -> list[Mention]:
    """Return the place mentions in `text`, longest first without overlaps, in text order.

    A mention must start and end at word boundaries and be written as a proper noun (each word capitalised,
    connectors aside); a one-word name right after a capitalised first name ("Ian Hayes") is skipped.
    `folded` is fold_text(text) and `hits` the PLACES hits of a scan of it (see extract.text.scan), when the caller
    has them already.
    """
    if hits is None:
        folded = fold_text(text) if folded is None else folded
        hits = scan(text, folded, scanner=matcher.scanner, only=PLACES).of(PLACES)
    found: list[Mention] = []
    qualifiers: list[Mention] = []  # one-word wards, kept only right after a street ("Cheshire Street, Weavers")
    for start, after, (key, kinds) in hits:
        end = after - 1
        one_word = " " not in key and set(kinds) <= {"street", "ward"}
        if one_word and "street" in kinds and STREET_PREPOSITION.search(text, max(0, start - 7), start):
            one_word = False  # "on Heathway"
        elif one_word and not ("ward" in kinds and any(text.endswith(g, 0, start) for g in QUALIFIER_GAPS)):
            continue
        proper = _is_proper(text, start, end + 1)
        area = _area_before(text, start, found) if proper and key in AREA_STREETS else None
        if area is not None and _located_street(f"{area.text} {text[start : end + 1]}", matcher.gazetteer):
            # "Sutton High Street", "Romford Market Place": the area's, as the gazetteer locates it (AREA_STREET);
            # not "Brixton High Street", which names no street (the area stays the place)
            found.append(Mention(text[area.start : end + 1], area.start, end + 1, f"{area.key} {key}", ("street",)))
            continue
        if proper == "lower street word" and matcher.gazetteer.candidates(key.rsplit(" ", 1)[0]):
            continue  # "a quiet London street" is not London Street
        if proper and (_inside_a_street_name(text, end + 1) or _end_of_a_street_name(text, start, kinds)):
            continue  # "Leigh Court Road", a street the gazetteer lacks, is neither Leigh Court nor Court Road
        if proper and not _after_first_name(text, start, key, matcher.first_names):
            (qualifiers if one_word else found).append(Mention(text[start : end + 1], start, end + 1, key, kinds))
    found.extend(_postcodes(text, matcher.gazetteer))
    found = longest_first(found)
    if qualifiers:
        streets = {m.end for m in found if "street" in m.kinds}
        qualifying = [q for q in qualifiers if any(q.start - len(gap) in streets for gap in QUALIFIER_GAPS)]
        found = longest_first(found + qualifying) if qualifying else found
    return found


def _area_before(text: str, start: int, found: list[Mention]) -> Mention | None:
    """The London area or borough named right before `start`, a space between, among the mentions `found` so far:
    the longest of those ending there ("East Ham", not "Ham")."""
    ending = [
        m
        for m in found[-AREA_LOOKBACK:]
        if m.end == start - 1 and text[m.end] == " " and {"area", "borough"} & set(m.kinds)
    ]
    return min(ending, key=lambda m: m.start) if ending else None


def _located_street(name: str, gazetteer: Gazetteer) -> bool:
    """True when the gazetteer places the name at a street."""
    place = gazetteer.locate(name)
    return place is not None and place.precision == "street"


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
        if i and i == len(words) - 1 and (street_words().get(word.lower()) == "strong" or word in LOWER_SITE_WORDS):
            result = "lower street word"  # people often write "Camplin street", "the Aylesbury estate"
            continue
        return ""
    return result


def _inside_a_street_name(text: str, end: int) -> bool:
    """True when a capitalised street word follows the name ending at `end`: the name is the start of a longer one."""
    m = NEXT_WORD.match(text, end)
    return m is not None and street_words().get(m.group(1).lower()) == "strong"


def _end_of_a_street_name(text: str, start: int, kinds: tuple[str, ...]) -> bool:
    """True when a street's name follows a capitalised word inside a sentence ("Leigh Court Road" for "Court
    Road"): the end of a longer name."""
    if kinds != ("street",) or start < 2 or text[start - 1] != " ":
        return False
    m = PREVIOUS_WORD.search(text, max(0, start - 20), start)
    return m is not None and m.group(1).lower() not in NOT_NAME_WORDS


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
