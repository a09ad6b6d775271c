"""Whether two reports tell the same incident, and why: the signals, the conflicts that forbid a merge, the blocking
keys that find the reports worth comparing, the grouping of a component into events, and an event's merged
attributes. Pure: no store, no text reading (extract/events.py wires it to both).

Example:
    decision = compare(report_a, report_b)
    decision.merge, decision.reasons  # (True, ("same scene (Rye Lane) (+3)", "both name Ama Owusu (+3)", ...))
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from h3.api import basic_int as h3

from extract.datafiles import DATA_DIR, read_rows
from extract.geo.gazetteer import km
from extract.records import FATAL_TYPES, PRECISIONS, Place
from extract.text.specifics import text_bands, text_similarity

STREET_LEVEL = frozenset({"building", "street", "station", "postcode"})
"""Place precisions that pin a scene to a street."""
STREET_KM = 1.0  # two street-level scenes further apart are two incidents
NEAR_KM = 0.3  # two street-level scenes this close are one scene (a junction, the two ends of a parade)
AREA_KM = 2.0  # coarser scenes this close are one area even across a borough boundary
DATE_DAYS = 7  # stated offence dates of one incident rarely differ by more (a release's own date, "last week")
REPORT_DAYS = 30  # a first report with no stated date comes out within this of the offence
FOLLOW_UP_DAYS = 3 * 365  # a charge, trial or sentence comes within this of the offence
CLOSE_DAYS = 3  # stated dates this close agree, and with the borough and a specific make one incident
H3_RESOLUTION = 8  # cells 0.46 km a side: every scene within NEAR_KM of one is in the cell or its ring
YEARS = range(1990, 2041)  # the years an undated report with no publication date may be of

SAME_SCENE = 3.0
SHARED_STREET = 2.0  # both name the street, though one placed the scene elsewhere or coarser
SAME_AREA = 1.0
OTHER_BOROUGH = -3.0  # coarse scenes in different boroughs: only names or copied text can outweigh it
FULL_NAME = 3.0
SURNAME = 2.0
SAME_TYPE = 1.0  # both a shooting, or both fatal: more than the family they share
NEWS_CYCLE = 1.0  # published within a day of each other (or of the stated offence date) when not both stated
WORD = 1.0
MAX_WORDS = 2  # distinctive words are weak: a business or a park may figure in two incidents
SAME_AGE = 2.0
SAME_DAY = 2.0  # stated dates a day apart or less (a late-night attack, a report of "yesterday")
NEAR_DAY = 1.0
COPY = 4.0
SIMILAR = 2.0
COPY_SIMILARITY = 0.5  # shingle Jaccard of a reprinted press release or agency copy
SIMILAR_SIMILARITY = 0.2  # shared sentences: quotes, police appeals; unrelated reports stay under 0.1
MERGE_SCORE = 4.0  # e.g. the same scene and the same borough, or a shared full name and a shared age


@dataclass(frozen=True, slots=True)
class CrimeFamilies:
    """The families of each crime type (data/crime_families.csv), and each type's category and severity."""

    families: Mapping[str, tuple[str, ...]]
    category: Mapping[str, str]
    severity: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Report:
    """One incident as event matching sees it: what it is, where, when, and the specifics of its article."""

    incident_id: str
    article_id: str
    type: str
    category: str
    families: tuple[str, ...]
    place: Place | None
    date: str | None  # the offence date the article states
    published: str | None
    follow_up: bool  # a charge, court or sentence report: the offence may be long before publication
    fatal: bool | None
    weapon: str | None
    ages: tuple[int, ...] = ()
    streets: tuple[str, ...] = ()  # keys of the streets the article names
    areas: tuple[str, ...] = ()  # keys of the areas, boroughs and postcode districts the article names
    names: tuple[str, ...] = ()  # people named: full names ("sabina nessa") and surnames ("nessa")
    words: tuple[str, ...] = ()  # distinctive capitalised words ("cator", "evin")
    signature: bytes = b""  # MinHash of the article's wording


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether two reports are one incident: a conflict forbids it; otherwise it takes an anchor (a shared person,
    scene or street, copied text, or borough with date or age: each one a blocking key), a specific (scene, street,
    person, age, distinctive word or wording) and a score of at least MERGE_SCORE. `reasons` name each signal with
    its weight."""

    merge: bool
    score: float
    reasons: tuple[str, ...]
    conflict: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One real incident and its merged attributes over all the reports that tell it."""

    event_id: str
    type: str
    category: str
    place: Place | None  # the most precise among its reports in the borough most of them give
    date: str | None  # the earliest offence date
    date_basis: str | None  # "stated" by a report, "follow-up" (by a court report only), "published" (by none)
    fatal: bool | None  # True if any report says so
    weapon: str | None  # the weapon most reports give; None when they disagree evenly
    reports: int
    first_seen: str | None  # the earliest and latest publication dates of its reports
    last_seen: str | None


def load_families(data_dir: Path = DATA_DIR) -> CrimeFamilies:
    """Read crime_families.csv and crime_types.csv of `data_dir`; a type without a family raises ValueError."""
    families = {r["type"]: tuple(r["families"].split()) for r in read_rows(data_dir / "crime_families.csv")}
    types = read_rows(data_dir / "crime_types.csv")
    missing = [t["slug"] for t in types if t["slug"] not in families]
    if missing:
        raise ValueError(f"{data_dir / 'crime_families.csv'}: no family for {', '.join(missing)}")
    return CrimeFamilies(
        families, {t["slug"]: t["category"] for t in types}, {t["slug"]: int(t["severity"]) for t in types}
    )


# An assault and the homicide it became when its victim died (FATAL_TYPES): a first report and a later one.
_TOLD_AND_DEAD = {frozenset(pair): pair for pair in FATAL_TYPES.items()}


# A component is grouped again each time a report joins it: its pairs are compared again with the same reports.
# Bounded: the cache keeps its reports alive, and only the recent ones come back.
@lru_cache(maxsize=1 << 14)
def compare(a: Report, b: Report) -> Decision:
    """Decide whether reports `a` and `b` tell the same incident, with the reasons; symmetric."""
    conflict = _conflict(a, b)
    if conflict:
        return Decision(False, 0.0, (conflict,), conflict)
    signals: list[tuple[float, str]] = []
    _place_signals(a, b, signals)
    _name_signals(a, b, signals)
    if a.type == b.type and a.type != "other":
        signals.append((SAME_TYPE, f"both {a.type.replace('_', ' ')}"))
    elif became := _TOLD_AND_DEAD.get(frozenset((a.type, b.type))):
        signals.append((SAME_TYPE, "an {} and the {} it became".format(*became)))
    elif a.fatal and b.fatal:
        signals.append((SAME_TYPE, "both fatal"))
    words = sorted(set(a.words) & set(b.words))[:MAX_WORDS]
    if words:
        signals.append((WORD * len(words), f"both mention {', '.join(w.title() for w in words)}"))
    ages = sorted(set(a.ages) & set(b.ages))
    if ages:
        signals.append((SAME_AGE, f"victim aged {', '.join(map(str, ages))} in both"))
    days = _days_apart(a.date, b.date)
    if days is not None and days <= 1:
        signals.append((SAME_DAY, f"offence dates {a.date} and {b.date}"))
    elif days is not None and days <= CLOSE_DAYS:
        signals.append((NEAR_DAY, f"offence dates {days} days apart"))
    elif days is None and not (a.follow_up or b.follow_up):
        cycle = _days_apart(a.date or a.published, b.date or b.published)
        if cycle is not None and cycle <= 1:
            signals.append((NEWS_CYCLE, "in the news the same days"))
    similarity = text_similarity(a.signature, b.signature)
    if similarity >= COPY_SIMILARITY:
        signals.append((COPY, f"near-duplicate text (similarity {similarity:.2f})"))
    elif similarity >= SIMILAR_SIMILARITY:
        signals.append((SIMILAR, f"similar wording (similarity {similarity:.2f})"))
    anchor = _anchored(a, b, days, similarity)
    specific = _specific(a, b, similarity)
    score = sum(weight for weight, _ in signals)
    reasons = tuple(f"{why} ({weight:+g})" for weight, why in signals)
    if not anchor:
        reasons += (
            ("a follow-up shares no person, copied text, or borough and date",)
            if a.follow_up or b.follow_up
            else ("no shared scene, person, copied text, or borough with date or age",)
        )
    elif not specific:
        reasons += ("nothing specific shared: no scene, street, person, age, distinctive word or wording",)
    return Decision(anchor and specific and score >= MERGE_SCORE, score, reasons)


def _conflict(a: Report, b: Report) -> str | None:
    """Return why `a` and `b` cannot be one incident, or None."""
    if a.article_id == b.article_id:
        return "separate incidents of one article"
    if not set(a.families) & set(b.families):
        return f"different crime family ({a.type}, {b.type})"
    if a.ages and b.ages and not set(a.ages) & set(b.ages):
        return f"different victim ages ({_ages(a.ages)}; {_ages(b.ages)})"
    if a.place and b.place and a.place.precision in STREET_LEVEL and b.place.precision in STREET_LEVEL:
        d = km(a.place.lat, a.place.lon, b.place.lat, b.place.lon)
        if d > STREET_KM:
            return f"scenes {d:.1f} km apart ({a.place.name}; {b.place.name})"
    return _date_conflict(a, b)


def _date_conflict(a: Report, b: Report) -> str | None:
    follow_up = a.follow_up or b.follow_up
    days = _days_apart(a.date, b.date)
    if days is not None:
        window = FOLLOW_UP_DAYS if follow_up else DATE_DAYS
        return f"offence dates {a.date} and {b.date} are {days} days apart" if days > window else None
    for stated, other in ((a, b), (b, a)):
        if stated.date and not other.date:
            offence, published = _day(stated.date), _day(other.published)
            if offence is None or published is None:
                return None
            if published < offence - timedelta(days=1):
                return f"published {other.published}, before the offence of {stated.date}"
            window = FOLLOW_UP_DAYS if other.follow_up else REPORT_DAYS
            late = (published - offence).days
            if late > window:
                return f"published {other.published}, {late} days after the offence of {stated.date}"
            return None
    days = _days_apart(a.published, b.published)
    if days is not None and days > (FOLLOW_UP_DAYS if follow_up else REPORT_DAYS):
        return f"published {days} days apart, neither stating the offence date"
    return None


def _anchored(a: Report, b: Report, days: int | None, similarity: float) -> bool:
    """Whether the pair shares what one of its blocking keys holds, so that whichever is filed first, the other
    finds it: a full name, a surname in one borough, a borough and offence dates within CLOSE_DAYS, a band of copied
    text; unless one is a follow-up, also a scene within NEAR_KM, a street in one borough, or a victim age in one
    area (each within a year)."""
    near_years = _near_years(a, b)
    one_borough = _borough(a) == _borough(b)
    names = set(a.names) & set(b.names)
    if any(" " in n for n in names) or (near_years and one_borough and names):
        return True
    if days is not None and days <= CLOSE_DAYS and one_borough and _borough(a) != "-":
        return True
    if similarity >= COPY_SIMILARITY and _text_keys(a) & _text_keys(b):
        return True
    if a.follow_up or b.follow_up:
        return False  # a charge, trial or sentence names the people: a place or an age alone spans years of crimes
    pa, pb = a.place, b.place
    if near_years and pa and pb and pa.precision in STREET_LEVEL and pb.precision in STREET_LEVEL:
        if km(pa.lat, pa.lon, pb.lat, pb.lon) <= NEAR_KM:
            return True
    if near_years and one_borough and _streets(a) & _streets(b):
        return True
    return near_years and bool(set(a.ages) & set(b.ages)) and bool(_areas(a) & _areas(b))


def _specific(a: Report, b: Report, similarity: float) -> bool:
    """Whether the pair shares a specific: one borough, one day and one crime type is two incidents as often as one
    (the borough, category and three days rule scores a pairwise F1 of 0.36)."""
    same_scene = _same_place(a.place, b.place)
    shared = set(a.streets) & set(b.streets) or set(a.names) & set(b.names) or set(a.words) & set(b.words)
    return same_scene or bool(shared) or bool(set(a.ages) & set(b.ages)) or similarity >= SIMILAR_SIMILARITY


def _same_place(pa: Place | None, pb: Place | None) -> bool:
    """Whether two scenes are one: street-level scenes of one name or within NEAR_KM, or a street-level scene and an
    area of the same name at the same spot (a station whose name the gazetteer also holds as an area's: "Walthamstow
    Central")."""
    if not (pa and pb):
        return False
    a_street, b_street = pa.precision in STREET_LEVEL, pb.precision in STREET_LEVEL
    if a_street and b_street:
        return pa.name == pb.name or km(pa.lat, pa.lon, pb.lat, pb.lon) <= NEAR_KM
    if a_street != b_street:
        return pa.name.lower() == pb.name.lower() and km(pa.lat, pa.lon, pb.lat, pb.lon) <= NEAR_KM
    return False


def _streets(r: Report) -> set[str]:
    """The streets a report names, with its scene when that is a street."""
    scene = {r.place.name.lower()} if r.place and r.place.precision in STREET_LEVEL else set()
    return set(r.streets) | scene


def _place_signals(a: Report, b: Report, signals: list[tuple[float, str]]) -> None:
    """Add the place signals: the same scene, area or borough, or different boroughs; a street both name."""
    scene = 0.0
    pa, pb = a.place, b.place
    if pa and pb:
        d = km(pa.lat, pa.lon, pb.lat, pb.lon)
        if _same_place(pa, pb):
            scene = SAME_SCENE
            signals.append((scene, f"same scene ({pa.name}" + ("" if pa.name == pb.name else f", {pb.name}") + ")"))
        elif pa.borough and pb.borough and (pa.borough == pb.borough or d <= AREA_KM):
            scene = SAME_AREA
            where = f"same borough ({pa.borough}" if pa.borough == pb.borough else f"{d:.1f} km apart ("
            signals.append((scene, f"{where}: {pa.name}, {pb.name})"))
        elif pa.borough and pb.borough:
            scene = OTHER_BOROUGH
            signals.append((scene, f"different boroughs ({pa.borough}, {pb.borough})"))
    shared = sorted(set(a.streets) & set(b.streets))
    if shared and scene < SAME_SCENE:
        signals.append((SHARED_STREET, f"both name {shared[0].title()}"))
    if scene == 0.0 and not shared and _areas(a) & _areas(b):
        scene = SAME_AREA
        signals.append((scene, f"both name {sorted(_areas(a) & _areas(b))[0].title()}"))


def _name_signals(a: Report, b: Report, signals: list[tuple[float, str]]) -> None:
    shared = set(a.names) & set(b.names)
    full = sorted(n for n in shared if " " in n)
    surnames = sorted(n for n in shared if " " not in n and not any(f.endswith(" " + n) for f in full))
    if full:
        signals.append((FULL_NAME * min(len(full), 2), f"both name {', '.join(n.title() for n in full)}"))
    if surnames:
        signals.append((SURNAME, f"both name {', '.join(n.title() for n in surnames)}"))


def _borough(r: Report) -> str:
    return r.place.borough if r.place and r.place.borough else "-"


def _year(r: Report) -> int | None:
    """The year of a report for blocking: its offence date's, else its publication's (not a follow-up's, which
    comes long after), else None."""
    day = _day(r.date) or (None if r.follow_up else _day(r.published))
    return day.year if day else None


def _years(r: Report) -> range:
    """The years a report's offence may be of: its year, else for a follow-up the years up to its publication
    within FOLLOW_UP_DAYS, else YEARS."""
    year = _year(r)
    published = _day(r.published)
    if year is not None:
        return range(year, year + 1)
    if published is not None:
        return range((published - timedelta(days=FOLLOW_UP_DAYS)).year, published.year + 1)
    return YEARS


def _near_years(a: Report, b: Report) -> bool:
    """Whether the two may be of years at most one apart."""
    ya, yb = _years(a), _years(b)
    return ya.start - 1 <= yb.stop - 1 and yb.start - 1 <= ya.stop - 1


def _areas(r: Report) -> set[str]:
    return set(r.areas) | ({r.place.borough.lower()} if r.place and r.place.borough else set())


@lru_cache(maxsize=1 << 12)
def _text_keys(r: Report) -> frozenset[str]:
    """The bands of a report's wording in its borough: a copy shares one with it."""
    return frozenset(f"{_borough(r)}|{band}" for band in text_bands(r.signature)) if r.signature else frozenset()


def _ages(ages: Sequence[int]) -> str:
    return ", ".join(map(str, ages))


def _day(iso: str | None) -> date | None:
    if not iso or len(iso) != 10:
        return None
    try:
        return date.fromisoformat(iso)
    except ValueError:
        return None


def _days_apart(a: str | None, b: str | None) -> int | None:
    da, db = _day(a), _day(b)
    return None if da is None or db is None else abs((da - db).days)


def blocking_keys(r: Report, *, probe: bool = False) -> frozenset[str]:
    """Return the keys a report is filed under, or with `probe` the keys to look up its candidates under: every
    pair that can merge shares one (a scene cell or street, a person, a borough and date within CLOSE_DAYS, a borough
    and victim age, a band of copied wording), whichever of the two is filed first.

    Scene, street, surname and age keys carry the year (see _year): a report is filed under its year, or as undated,
    and looks up the undated and the years next to those it may be of (see _years).
    """
    return _blocking_keys(content(r), probe)


# A report's keys are asked for each time its component is grouped again; copies of a story share them.
@lru_cache(maxsize=1 << 12)
def _blocking_keys(c: Content, probe: bool) -> frozenset[str]:
    r = Report("", "", *c.values)
    keys: set[str] = set()
    borough = _borough(r)
    year = _year(r)
    if not probe:
        years = [str(year) if year is not None else "-"]
    else:
        window = _years(r)
        years = [*map(str, range(window.start - 1, window.stop + 1)), "-"]
    for family in r.families:
        timed = []  # keys that go with a year
        if r.place is not None and r.place.precision in STREET_LEVEL:
            cell = h3.latlng_to_cell(r.place.lat, r.place.lon, H3_RESOLUTION)
            timed += [f"cell|{c:x}" for c in (h3.grid_disk(cell, 1) if probe else (cell,))]
        timed += [f"street|{borough}|{s}" for s in sorted(_streets(r))]
        timed += [f"name|{borough}|{n}" for n in r.names if " " not in n]
        timed += [f"age|{area}|{age}" for area in sorted(_areas(r)) for age in r.ages]
        keys.update(f"{family}|{k}|{y}" for k in timed for y in years)
        keys.update(f"{family}|name|{n}" for n in r.names if " " in n)
        offence = _day(r.date)
        if offence is not None and borough != "-":
            span = range(-CLOSE_DAYS, CLOSE_DAYS + 1) if probe else (0,)
            keys.update(f"{family}|date|{borough}|{offence + timedelta(days=k)}" for k in span)
        keys.update(f"{family}|text|{k}" for k in _text_keys(r))
    return frozenset(keys)


def cluster(reports: Sequence[Report]) -> list[list[Report]]:
    """Group the reports of one component into events; the result depends only on the set of reports.

    Merging pairs join their events strongest first (ties by incident id), unless any report of one event
    conflicts with any of the other: an event never holds a conflict.
    """
    rs = sorted(reports, key=lambda r: r.incident_id)
    n = len(rs)
    if conflict_free(rs):
        # Without a conflict every merging pair joins, whatever the order: the groups are the connected ones.
        return linked_groups(rs, lambda a, b: decide_apart(a, b).merge)
    classes = _contents(rs)
    decisions = {(i, j): decide(rs[i], rs[j]) for i in range(n) for j in range(i + 1, n)}
    edges = sorted(((-d.score, i, j) for (i, j), d in decisions.items() if d.merge))
    owner = list(range(n))
    members = {i: [i] for i in range(n)}
    # Two groups conflict when they share an article or hold a conflicting pair of contents (_conflict is symmetric):
    # checked per content, not per pair of reports.
    kind = {k: m for m, positions in enumerate(classes) for k in positions}
    kinds = {i: {kind[i]} for i in range(n)}
    articles = {i: {rs[i].article_id} for i in range(n)}
    for _, i, j in edges:
        oi, oj = owner[i], owner[j]
        if oi == oj or articles[oi] & articles[oj]:
            continue
        if any(decide_apart(rs[classes[p][0]], rs[classes[q][0]]).conflict for p in kinds[oi] for q in kinds[oj]):
            continue
        for k in members[oj]:
            owner[k] = oi
        members[oi] += members.pop(oj)
        kinds[oi] |= kinds.pop(oj)
        articles[oi] |= articles.pop(oj)
    return sorted(([rs[k] for k in sorted(group)] for group in members.values()), key=lambda g: g[0].incident_id)


def conflict_free(reports: Sequence[Report]) -> bool:
    """Whether reports sorted by id are each of its own article and hold no conflicting pair: then cluster groups
    them by the merging pairs alone (linked_groups)."""
    return len({r.article_id for r in reports}) == len(reports) and not any(
        decide_apart(reports[x[0]], reports[y[0]]).conflict for x, y in _ordered_pairs(_contents(reports))
    )


class Content:
    """Everything of a report but its incident and article ids, one object per distinct value (see content): two
    reports with the same content (copies of one story under different ids) compare alike with every other report.
    Compared by identity, at the cost of a pointer: a flood's reports are classed by content each time it grows."""

    __slots__ = ("values",)

    def __init__(self, values: tuple) -> None:
        self.values = values


_CONTENTS: dict[int, tuple[Report, Content]] = {}  # id(report) -> (report, its content): the report keeps the id
_INTERNED: dict[tuple, Content] = {}  # the values of each content -> its one object
MAX_CONTENTS = 1 << 15  # reports whose content is kept; the stored reports of recent articles come back as candidates


def content(r: Report) -> Content:
    """Return the content of a report (see Content): the same object for reports with equal contents, but for those
    met before and after the table is emptied (every MAX_CONTENTS reports), which then class apart: each class
    compares alike, so groups and decisions stay the same, and only the decisions cached for the old object go."""
    found = _CONTENTS.get(id(r))
    if found is not None and found[0] is r:
        return found[1]
    if len(_CONTENTS) >= MAX_CONTENTS:
        _CONTENTS.clear()
        _INTERNED.clear()
    values = _values(r)
    made = _INTERNED.get(values)
    if made is None:
        made = _INTERNED[values] = Content(values)
    _CONTENTS[id(r)] = (r, made)
    return made


def classes(reports: Iterable[Report]) -> dict[Content, list[Report]]:
    """Return the reports of each content (see content), each class in the order the reports come."""
    found: dict[Content, list[Report]] = {}
    for r in reports:
        # content(r) inlined for the reports met before: a flood's copies are classed again with every new copy.
        known = _CONTENTS.get(id(r))
        kind = known[1] if known is not None and known[0] is r else content(r)
        members = found.get(kind)
        if members is None:
            found[kind] = [r]
        else:
            members.append(r)
    return found


def _values(r: Report) -> tuple:
    return (
        r.type,
        r.category,
        r.families,
        r.place,
        r.date,
        r.published,
        r.follow_up,
        r.fatal,
        r.weapon,
        r.ages,
        r.streets,
        r.areas,
        r.names,
        r.words,
        r.signature,
    )


# compare reads the article ids only to tell whether they are equal, so a decision between reports of different
# articles is one per pair of contents: a flood of copies costs one comparison, not one per pair of copies.
@lru_cache(maxsize=1 << 14)
def _decide_contents(a: Content, b: Content) -> Decision:
    return compare.__wrapped__(Report("", "\x00a", *a.values), Report("", "\x00b", *b.values))


def decide_apart(a: Report, b: Report) -> Decision:
    """compare(a, b) as if `a` and `b` were reports of different articles."""
    return _decide_contents(content(a), content(b))


def decide(a: Report, b: Report) -> Decision:
    """compare(a, b), computed once per pair of contents when the two are reports of different articles."""
    return compare(a, b) if a.article_id == b.article_id else decide_apart(a, b)


def _contents(rs: Sequence[Report]) -> list[list[int]]:
    """The positions in `rs` of each content, in order."""
    found: dict[Content, list[int]] = {}
    for k, r in enumerate(rs):
        found.setdefault(content(r), []).append(k)
    return list(found.values())


def _ordered_pairs(classes: list[list[int]]) -> Iterable[tuple[list[int], list[int]]]:
    """The (earlier, later) pairs of content classes such that some member of the first precedes one of the second,
    a class with itself when it has two members."""
    for i, x in enumerate(classes):
        if len(x) > 1:
            yield x, x
        for y in classes[i + 1 :]:
            if x[0] < y[-1]:
                yield x, y
            if y[0] < x[-1]:
                yield y, x


def linked_groups(rs: Sequence[Report], linked: Callable[[Report, Report], bool]) -> list[list[Report]]:
    """Split reports sorted by id into the groups connected by the pairs (a, b) of different articles, a before b,
    for which linked(a, b); `linked` must depend only on the two contents, as it is asked once per pair of them.

    A pair of contents that links joins each later member of the second to every earlier member of the first from
    another article: one sweep in id order keeps the groups met so far with the articles of their first-content
    members (two are enough to know one differs from any article), in about O(members).
    """
    owner = list(range(len(rs)))

    def root(x: int) -> int:
        while owner[x] != x:
            owner[x] = owner[owner[x]]
            x = owner[x]
        return x

    for x, y in _ordered_pairs(_contents(rs)):
        if not linked(rs[x[0]], rs[y[0]]):
            continue
        both = x if x is y else x + y
        if len({rs[k].article_id for k in both}) == len(both):
            # Each of its own article: the earlier members before the last later one and the later ones after the
            # first earlier one are all joined, by way of those two.
            joined = [a for a in x if a < y[-1]] + [b for b in y if b > x[0]]
            first = root(joined[0])
            for k in joined[1:]:
                other = root(k)
                if other != first:
                    owner[max(first, other)] = min(first, other)
                    first = min(first, other)
            continue
        # (position, is a later member): a content paired with itself has each member first as later, then earlier.
        sweep = sorted([(b, True) for b in y] + [(a, False) for a in x])
        groups: list[tuple[int, frozenset[str]]] = []  # a root, and up to two articles of its earlier members
        for k, later in sweep:
            article = rs[k].article_id
            if not later:
                groups.append((k, frozenset((article,))))
                continue
            kept, articles = [], frozenset[str]()
            for group_root, group_articles in groups:
                if group_articles - {article}:
                    a, b = root(group_root), root(k)
                    owner[max(a, b)] = min(a, b)
                    articles = articles | group_articles if len(articles) < 2 else articles
                else:
                    kept.append((group_root, group_articles))
            groups = kept + [(k, frozenset(sorted(articles)[:2]))] if articles else kept
    found: dict[int, list[Report]] = {}
    for k, r in enumerate(rs):
        found.setdefault(root(k), []).append(r)
    return list(found.values())


def new_event_id(reports: Iterable[Report], *, taken: Collection[str] = ()) -> str:
    """Return the id of a new event: a hash of its reports' incident ids, salted until it is none of `taken` (a report
    alone again gets the id its event of one had, which another group may have kept)."""
    ids = "\x1f".join(sorted(r.incident_id for r in reports))
    event_id, salt = "ev" + hashlib.sha1(ids.encode()).hexdigest()[:14], 0
    while event_id in taken:
        salt += 1
        event_id = "ev" + hashlib.sha1(f"{ids}\x1e{salt}".encode()).hexdigest()[:14]
    return event_id


def merge_event(event_id: str, reports: Sequence[Report], *, families: CrimeFamilies) -> Event:
    """Return the event of `reports` with its merged attributes."""
    # Copies of one story give the same attributes: each content counted once, with its number of reports, in the
    # order it first comes (a flood's event of many copies merges in the time of one).
    kinds = [(members[0], len(members)) for members in classes(reports).values()]  # first report, number
    types = _tally((r.type, n) for r, n in kinds)
    kind = max(types, key=lambda t: (types[t], families.severity.get(t, 0), t))
    placed = [(r.place, n) for r, n in kinds if r.place]
    borough = _majority(_tally((p.borough, n) for p, n in placed if p.borough))
    if borough:
        # A street geocoded to another borough's namesake must not pull the point away from what most reports say.
        placed = [(p, n) for p, n in placed if p.borough == borough]
    names = _tally((p.name, n) for p, n in placed)
    place = min(
        (p for p, _ in placed), key=lambda p: (PRECISIONS.index(p.precision), -names[p.name], p.name), default=None
    )
    # (date, follow-up?): at the same date a first report's statement sorts before a follow-up's
    stated = min(((r.date, r.follow_up) for r, _ in kinds if r.date and _day(r.date)), default=None)
    published = [r.published for r, _ in kinds if r.published]
    first_published = min(
        (r.published for r, _ in kinds if r.published and _day(r.published) and not r.follow_up), default=None
    )
    day: str | None = None
    basis: str | None = None
    if stated:
        day, basis = stated[0], ("follow-up" if stated[1] else "stated")
    elif first_published:
        day, basis = first_published, "published"
    fatal = True if any(r.fatal for r, _ in kinds) else (False if any(r.fatal is False for r, _ in kinds) else None)
    weapon = _majority(_tally((r.weapon, n) for r, n in kinds if r.weapon))
    return Event(
        event_id,
        kind,
        families.category.get(kind, reports[0].category),
        place,
        day,
        basis,
        fatal,
        weapon,
        len(reports),
        min(published, default=None),
        max(published, default=None),
    )


def _tally(weighted: Iterable[tuple[str, int]]) -> Counter[str]:
    """Return the sum of the weights of each value."""
    counts: Counter[str] = Counter()
    for value, n in weighted:
        counts[value] += n
    return counts


def _majority(counts: Counter[str]) -> str | None:
    """Return the value counted most, when no other is counted as often; None otherwise."""
    ranked = counts.most_common(2)
    return ranked[0][0] if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]) else None
