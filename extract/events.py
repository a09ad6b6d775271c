"""Events: the incidents of every article that reports one real incident, grouped incrementally.

A new article's reports are compared with the reports that share a blocking key (extract/matching.py), and only
the components they touch are grouped again, so ingesting stays near-linear. A component is a set of reports
linked by merging pairs that share a key; its grouping into events depends only on its reports, so the events do
not depend on the order articles arrive in. An event keeps its id while reports join it.

Example:
    reader = load_report_reader(matcher=extractor.matcher)
    events = EventMatcher(MemoryIndex(), families=reader.families)
    events.match_article(article.article_id, read_reports(article, incidents, reader=reader))
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Protocol

from extract import store
from extract.datafiles import DATA_DIR
from extract.geo.names import street_strength
from extract.geo.places import COURT_KEYS, Matcher, find_places
from extract.matching import (
    Content,
    CrimeFamilies,
    Decision,
    Event,
    Report,
    blocking_keys,
    classes,
    cluster,
    conflict_free,
    content,
    decide_apart,
    linked_groups,
    load_families,
    merge_event,
    new_event_id,
)
from extract.reading.story import Story
from extract.records import Article, Incident, Mention, Place
from extract.text.folding import fold_text
from extract.text.specifics import SpecificsVocabulary, find_specifics, load_specifics_vocabulary, text_signature

AREA_KINDS = frozenset({"area", "borough", "ward", "outcode"})
"""Gazetteer kinds of a coarse place: a mention with one of them counts as an area, not a street."""


@dataclass(frozen=True, slots=True)
class ReportReader:
    """What reading a report needs, loaded once: the place matcher, the specifics vocabulary, the crime families."""

    matcher: Matcher
    vocabulary: SpecificsVocabulary
    families: CrimeFamilies


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a report sits: its event, its component, and why it joined the event (or stands alone)."""

    event_id: str
    component_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Change:
    """What matching one article changed: reports added and removed, the placements of the added reports and those
    that moved, the events made or updated, and the event ids no longer used."""

    added: tuple[Report, ...] = ()
    removed: tuple[Report, ...] = ()
    placements: Mapping[str, Placement] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    dropped: tuple[str, ...] = ()


class EventIndex(Protocol):
    """The reports and events matching reads and writes: in memory (MemoryIndex) or in the store."""

    def article_reports(self, article_id: str) -> list[Report]:
        """Return the reports of one article."""
        ...

    def reports_around(
        self, article_id: str, incident_ids: Collection[str], keys: Collection[str]
    ) -> tuple[list[Report], list[Report]]:
        """Return the reports of one article, and those filed under any of `keys` (the candidates); `incident_ids`
        are the article's reports now, whose placements are asked for next."""
        ...

    def component_reports(self, component_ids: Collection[str]) -> list[Report]:
        """Return every report of the given components."""
        ...

    def placements(self, incident_ids: Collection[str]) -> dict[str, Placement]:
        """Return the placement of each of the given reports that has one."""
        ...

    def apply(self, change: Change) -> None:
        """Write a change: file the added reports under their keys, forget the removed ones, store the rest."""
        ...


def load_report_reader(*, matcher: Matcher, data_dir: Path = DATA_DIR) -> ReportReader:
    """Load the specifics vocabulary and the crime families of `data_dir` to read reports with `matcher`."""
    return ReportReader(matcher, load_specifics_vocabulary(data_dir), load_families(data_dir))


def _street_named(m: Mention) -> bool:
    """Whether a street mention names a street of its own: no area has its name, or it ends in a strong street word."""
    return not AREA_KINDS & set(m.kinds) or street_strength(m.key) == "strong"


def read_reports(
    article: Article, incidents: Sequence[Incident], *, reader: ReportReader, story: Story | None = None
) -> list[Report]:
    """Return the reports of an article's incidents: each incident with the specifics of its article. The `story`
    read_story made of the article, when given, spares reading its places again."""
    if not incidents:
        return []
    text = article.text
    if story is not None and story.text == text:  # its place mentions are those of the text (no link line blanked)
        mentions, folded = list(story.all_mentions), story.folded
    else:
        folded = fold_text(text)
        mentions = find_places(text, matcher=reader.matcher, folded=folded)
    # A street an area is named after too ("Peckham Rye") is no street of its own here, but one ending in a street
    # word only a street has ("Seven Sisters Road", "Uxbridge Road") is.
    streets = sorted({m.key for m in mentions if "street" in m.kinds and _street_named(m)} - COURT_KEYS)
    areas = sorted({m.key for m in mentions if AREA_KINDS & set(m.kinds)})
    found = find_specifics(
        text, headline=article.headline, vocabulary=reader.vocabulary, places=[(m.start, m.end) for m in mentions]
    )
    signature = text_signature(text, folded=folded)
    # A round-up's further incidents are told in a sentence each: the article's people, streets and wording are
    # its first incident's.
    return [
        Report(
            incident_id=i.incident_id,
            article_id=i.article_id,
            type=i.type,
            category=i.category,
            families=reader.families.families.get(i.type, ("other",)),
            place=i.place,
            date=i.date,
            published=article.published,
            follow_up=found.follow_up,
            fatal=i.fatal,
            weapon=i.weapon,
            ages=tuple(sorted(set(i.victim_ages))),
            streets=tuple(streets) if k == 0 else (),
            areas=tuple(areas) if k == 0 else (),
            names=found.names if k == 0 else (),
            words=found.words if k == 0 else (),
            signature=signature if k == 0 else b"",
        )
        for k, i in enumerate(incidents)
    ]


class EventMatcher:
    """Incremental event matching over an index: `match_article` adds, replaces or removes one article's reports."""

    def __init__(self, index: EventIndex, *, families: CrimeFamilies | None = None) -> None:
        self.index = index
        self.families = families or load_families()

    def match_article(self, article_id: str, reports: Sequence[Report]) -> Change:
        """Put an article's reports into events (none: take its old ones out) and return the change written; an
        unchanged article changes nothing, so re-ingesting is idempotent."""
        probes = frozenset().union(*(blocking_keys(r, probe=True) for r in reports))
        # Read together (one round trip to a server): an unchanged article, which needs no candidates, is rare.
        old, candidates = self.index.reports_around(article_id, [r.incident_id for r in reports], probes)
        if sorted(old, key=_by_id) == sorted(reports, key=_by_id):
            return Change()
        # Copies of one story compare alike with the article's reports (matching.content): once per content.
        others = classes(c for c in candidates if c.article_id != article_id)
        linked = [c for cs in others.values() if any(decide_apart(r, cs[0]).merge for r in reports) for c in cs]
        # For explain: the candidate that came nearest to each new report, should it stay alone.
        nearest = {}
        for r in reports:
            probe = blocking_keys(r, probe=True)
            found = [
                (decide_apart(r, last), last)
                for last in (max(cs, key=_by_id) for cs in others.values())
                if probe & blocking_keys(last)
            ]
            if found:
                nearest[r.incident_id] = max(found, key=lambda p: (p[0].score, p[1].incident_id))
        touched = {c.incident_id for c in linked} | {r.incident_id for r in old}
        before = self.index.placements(touched)
        members = [
            r
            for r in self.index.component_reports({p.component_id for p in before.values()})
            if r.article_id != article_id
        ] + list(reports)
        old_placements = self.index.placements({r.incident_id for r in members} | {r.incident_id for r in old})
        # A new article's one report joining one event of a component grouped before: no grouping again.
        grown = self._grow(members, reports[0], old_placements) if len(reports) == 1 and not old else None
        placements, events = grown or self._group(members, old_placements, nearest)
        kept = {p.event_id for p in placements.values()}
        dropped = tuple(sorted({p.event_id for p in old_placements.values()} - kept))
        # Only what moved is written: a copy joining an event of many leaves most of their placements as they were.
        added = {r.incident_id for r in reports}
        moved = {i: p for i, p in placements.items() if i in added or _moved(old_placements.get(i), p)}
        change = Change(tuple(reports), tuple(old), moved, tuple(events), dropped)
        self.index.apply(change)
        return change

    def _group(
        self,
        members: list[Report],
        old: Mapping[str, Placement],
        nearest: Mapping[str, tuple[Decision, Report]] | None = None,
    ) -> tuple[dict[str, Placement], list[Event]]:
        """Split the members into components, group each into events, and give each event an id: the old event
        holding most of its reports keeps its id, a new event gets a fresh one."""
        reports = sorted(members, key=_by_id)
        groups: list[tuple[str, list[Report]]] = []
        counts: list[tuple[list[Report], int]] = []  # each component and the number of its events
        for component in _components(reports):
            component_id = component[0].incident_id
            found = cluster(component)
            groups.extend((component_id, g) for g in found)
            counts.append((component, len(found)))
        overlaps = sorted(
            (-n, event_id, k)
            for k, (_, group) in enumerate(groups)
            for event_id, n in Counter(old[r.incident_id].event_id for r in group if r.incident_id in old).items()
        )
        ids: dict[int, str] = {}
        used: set[str] = set()
        for _, event_id, k in overlaps:
            if k not in ids and event_id not in used:
                ids[k] = event_id
                used.add(event_id)
        placements: dict[str, Placement] = {}
        events = []
        taken = used | {p.event_id for p in old.values()}  # a new event takes none of them: two would be one
        for k, (component_id, group) in enumerate(groups):
            event_id = ids.get(k) or new_event_id(group, taken=taken)
            taken.add(event_id)
            events.append(merge_event(event_id, group, families=self.families))
            for r, reason in zip(group, _reasons(group, nearest or {})):
                placements[r.incident_id] = _placement(event_id, component_id, reason)
        at = 0
        for component, count in counts:
            if conflict_free(component):
                mine = [g for _, g in groups[at : at + count]]
                _remember(_grouping(component, mine, placements, events[at : at + count], self.families))
            at += count
        return placements, events

    def _grow(
        self, members: list[Report], r: Report, old: Mapping[str, Placement]
    ) -> tuple[dict[str, Placement], list[Event]] | None:
        """What _group returns when `members` are a component as last grouped (kept by _remember) and `r`, the one
        report of a new article, joins one of its events, with no conflict: from the kept grouping, comparing `r`
        with one report of each content; None otherwise (then all is grouped again).

        The component's events are its groups connected by merging pairs (cluster without a conflict), so `r` adds
        the pairs it merges in and nothing else: a report of a content before `r` pairs with it as
        decide_apart(that, r), one after as decide_apart(r, that); every other event, id and reason stays."""
        rid = r.incident_id
        rest = [m for m in members if m is not r]
        placed = old.get(rest[0].incident_id) if rest else None
        kept = _GROUPINGS.get(placed.component_id) if placed else None
        if (
            kept is None
            or kept.families != self.families  # its events merged otherwise (the same object compares at once)
            or rid in old
            or r.article_id in kept.articles
            or kept.reports != tuple(sorted(rest, key=_by_id))
            or any(_moved(old.get(i), p) for i, p in kept.placements.items())
        ):
            return None
        joined: set[int] = set()
        linked = False  # whether r joins the component: a merging pair sharing a key (_components)
        probe, keys = blocking_keys(r, probe=True), blocking_keys(r)
        for first, ids in kept.contents.values():
            at = bisect_left(ids, rid)
            if at > 0:
                d = decide_apart(first, r)
                if d.conflict:
                    return None
                if d.merge:
                    joined.update(kept.group_of[i] for i in ids[:at])
                    linked = linked or bool(blocking_keys(first, probe=True) & keys)
            if at < len(ids):
                d = decide_apart(r, first)
                if d.conflict:
                    return None
                if d.merge:
                    joined.update(kept.group_of[i] for i in ids[at:])
                    linked = linked or bool(probe & blocking_keys(first))
        if not linked or len(joined) != 1:
            return None
        (k,) = joined
        grown = sorted([*kept.groups[k], r], key=_by_id)
        kept_groups = [grown if j == k else g for j, g in enumerate(kept.groups)]  # group_of's order
        groups = sorted(kept_groups, key=lambda g: g[0].incident_id)  # cluster's order
        component_id = min(placed.component_id, rid)  # type: ignore[union-attr]
        placements: dict[str, Placement] = {}
        events = []
        for group in groups:
            event_id = kept.placements[(kept.groups[k] if group is grown else group)[0].incident_id].event_id
            if group is grown:
                events.append(merge_event(event_id, group, families=self.families))
                reasons = _reasons(group, {})
            else:
                events.append(kept.events[event_id])
                # A report alone names its nearest candidate only when it is new, as in _group.
                reasons = (
                    [kept.placements[m.incident_id].reason for m in group] if len(group) > 1 else _reasons(group, {})
                )
            for m, reason in zip(group, reasons):
                placements[m.incident_id] = _placement(event_id, component_id, reason)
        if component_id != placed.component_id:  # type: ignore[union-attr]
            _forget(placed.component_id)  # type: ignore[union-attr]
        contents = dict(kept.contents)
        first, ids = contents.get(content(r), (r, []))
        contents[content(r)] = (first, sorted([*ids, rid]))
        grouping = _Grouping(
            tuple(sorted(members, key=_by_id)),
            kept.articles | {r.article_id},
            kept_groups,
            {**kept.group_of, rid: k},
            placements,
            {e.event_id: e for e in events},
            contents,
            self.families,
        )
        _remember(grouping)
        return placements, events


@dataclass(frozen=True, slots=True)
class _Grouping:
    """A component as _group last grouped it without a conflict: its reports (sorted by id), articles, events'
    reports and the event of each, placements and events, each content's first report and incident ids, and the
    crime families its events were merged with."""

    reports: tuple[Report, ...]
    articles: frozenset[str]
    groups: list[list[Report]]
    group_of: dict[str, int]
    placements: dict[str, Placement]
    events: dict[str, Event]
    contents: dict[Content, tuple[Report, list[str]]]
    families: CrimeFamilies


_GROUPINGS: dict[str, _Grouping] = {}  # component id -> its grouping; checked against what the index returns
MAX_KEPT = 1 << 15  # reports of the kept groupings, about 30 MB: a flood's component comes back with each copy
_kept = 0  # reports of the groupings in _GROUPINGS


def _remember(grouping: _Grouping) -> None:
    """Keep the grouping of a component without a conflict for _grow, in place of an earlier one of the component."""
    global _kept
    replaced = _GROUPINGS.pop(grouping.reports[0].incident_id, None)
    _kept += len(grouping.reports) - (len(replaced.reports) if replaced else 0)
    if _kept > MAX_KEPT:
        _GROUPINGS.clear()
        _kept = len(grouping.reports)
    _GROUPINGS[grouping.reports[0].incident_id] = grouping


def _forget(component_id: str) -> None:
    """Drop the kept grouping of a component that is no more (its reports now in one of another id)."""
    global _kept
    dropped = _GROUPINGS.pop(component_id, None)
    _kept -= len(dropped.reports) if dropped else 0


def _grouping(
    component: list[Report],
    groups: list[list[Report]],
    placements: Mapping[str, Placement],
    events: list[Event],
    families: CrimeFamilies,
) -> _Grouping:
    """The grouping of a component (sorted by id) into `groups` with their `events` (merged with `families`), as
    `placements` place it."""
    contents = {c: (members[0], [r.incident_id for r in members]) for c, members in classes(component).items()}
    return _Grouping(
        tuple(component),
        frozenset(r.article_id for r in component),
        groups,
        {r.incident_id: k for k, g in enumerate(groups) for r in g},
        {r.incident_id: placements[r.incident_id] for r in component},
        {e.event_id: e for e in events},
        contents,
        families,
    )


_by_id = attrgetter("incident_id")  # a sort key called for every report of a component: in C


def _moved(before: Placement | None, now: Placement) -> bool:
    """Whether a report's placement changed: mostly the same object (_placement), which skips the dataclass's
    comparison, a Python call per member of a component each time it grows."""
    return before is not now and before != now


def _components(reports: Sequence[Report]) -> list[list[Report]]:
    """Split reports (sorted by id) into components: linked by merging pairs that share a blocking key (the earlier
    report's probes, the later one's keys)."""
    return linked_groups(
        reports, lambda a, b: bool(blocking_keys(a, probe=True) & blocking_keys(b)) and decide_apart(a, b).merge
    )


def _reasons(group: Sequence[Report], nearest: Mapping[str, tuple[Decision, Report]]) -> list[str]:
    """Why each report of an event (sorted by id) is in it: its strongest pair in it (ties: the later incident id),
    or why the nearest candidate stayed apart."""
    if len(group) == 1:
        r = group[0]
        if r.incident_id in nearest:
            d, other = nearest[r.incident_id]
            return [f"stands alone; nearest {other.article_id}: " + "; ".join(d.reasons)]
        return ["no other report of this incident"]
    # An event holds no two reports of one article (a conflict), so a pair's decision is one per pair of contents:
    # the strongest partner in each content is its last report before `r` or its last one after.
    kinds = list(classes(group).values())
    if len(kinds) == 1 and len({r.incident_id for r in group}) == len(group):
        # Copies of one story: the last report is each one's partner, and its last but one is the last's.
        why = "; ".join(decide_apart(group[0], group[0]).reasons)
        last, before = f"joined {group[-1].article_id}: {why}", f"joined {group[-2].article_id}: {why}"
        return [last] * (len(group) - 1) + [before]
    ids = [[r.incident_id for r in members] for members in kinds]
    kind = {r.incident_id: k for k, members in enumerate(kinds) for r in members}
    decided: dict[tuple[int, int], tuple[float, str]] = {}  # the score and reasons of a pair of contents

    def decision(first: int, then: int) -> tuple[float, str]:
        found = decided.get((first, then))
        if found is None:
            d = decide_apart(kinds[first][0], kinds[then][0])
            found = decided[first, then] = (d.score, "; ".join(d.reasons))
        return found

    reasons = []
    for r in group:
        best: tuple[float, str, str, Report] | None = None
        own = kind[r.incident_id]
        for k, members in enumerate(kinds):
            at = bisect_left(ids[k], r.incident_id)
            if at > 0:  # its last report before r
                score, why = decision(k, own)
                if best is None or (score, members[at - 1].incident_id) > best[:2]:
                    best = (score, members[at - 1].incident_id, why, members[at - 1])
            if ids[k][-1] > r.incident_id:  # its last report after r
                score, why = decision(own, k)
                if best is None or (score, ids[k][-1]) > best[:2]:
                    best = (score, ids[k][-1], why, members[-1])
        if best is None:
            raise ValueError(f"an event of {len(group)} reports holds {r.incident_id} twice")
        reasons.append(f"joined {best[3].article_id}: {best[2]}")
    return reasons


class MemoryIndex:
    """An EventIndex held in dictionaries: for evaluation, benchmarks and tests."""

    def __init__(self) -> None:
        self.reports: dict[str, Report] = {}
        self.by_article: dict[str, set[str]] = {}
        self.by_key: dict[str, set[str]] = {}
        self.by_component: dict[str, set[str]] = {}
        self.placed: dict[str, Placement] = {}
        self.events: dict[str, Event] = {}

    def article_reports(self, article_id: str) -> list[Report]:
        return [self.reports[i] for i in sorted(self.by_article.get(article_id, ()))]

    def reports_around(
        self, article_id: str, incident_ids: Collection[str], keys: Collection[str]
    ) -> tuple[list[Report], list[Report]]:
        found = set().union(*(self.by_key.get(k, ()) for k in keys))
        return self.article_reports(article_id), [self.reports[i] for i in sorted(found)]

    def component_reports(self, component_ids: Collection[str]) -> list[Report]:
        found = set().union(*(self.by_component.get(c, ()) for c in component_ids))
        return [self.reports[i] for i in sorted(found)]

    def placements(self, incident_ids: Collection[str]) -> dict[str, Placement]:
        return {i: self.placed[i] for i in incident_ids if i in self.placed}

    def apply(self, change: Change) -> None:
        for r in change.removed:
            self.reports.pop(r.incident_id, None)
            self.by_article.get(r.article_id, set()).discard(r.incident_id)
            for k in blocking_keys(r):
                self.by_key.get(k, set()).discard(r.incident_id)
            placement = self.placed.pop(r.incident_id, None)
            if placement:
                self.by_component.get(placement.component_id, set()).discard(r.incident_id)
        for r in change.added:
            self.reports[r.incident_id] = r
            self.by_article.setdefault(r.article_id, set()).add(r.incident_id)
            for k in blocking_keys(r):
                self.by_key.setdefault(k, set()).add(r.incident_id)
        for incident_id, placement in change.placements.items():
            previous = self.placed.get(incident_id)
            if previous:
                self.by_component[previous.component_id].discard(incident_id)
            self.placed[incident_id] = placement
            self.by_component.setdefault(placement.component_id, set()).add(incident_id)
        for event_id in change.dropped:
            self.events.pop(event_id, None)
        for event in change.events:
            self.events[event.event_id] = event

    def event_of(self, incident_id: str) -> str | None:
        """Return the event id of a report, or None."""
        placement = self.placed.get(incident_id)
        return placement.event_id if placement else None


def match_all(
    articles: Iterable[tuple[Article, Sequence[Incident]]], *, reader: ReportReader, index: EventIndex | None = None
) -> EventMatcher:
    """Match every article's incidents into events over `index` (a new MemoryIndex by default); returns the
    matcher, whose index holds the events."""
    matcher = EventMatcher(index or MemoryIndex(), families=reader.families)
    for article, incidents in articles:
        matcher.match_article(article.article_id, read_reports(article, incidents, reader=reader))
    return matcher


class StoreIndex:
    """An EventIndex in the incidents database (tables events, incident_events and event_keys).

    The placements of the reports read while matching one article are kept until its change is written, so that
    asking for them again costs no query: an article's match reads its own reports first and ends with its write,
    under the matcher's lock, so what it read stays current (another ingest writes only under that lock). On PostgreSQL
    a match waits for the server three times at most: its own reports with its candidates, the reports of the
    components they join, and its change. Inside store.write_batch the store answers from its mirror of the rows it
    read and wrote (store._Mirror) what it can, and returns a row unchanged as the same tuple, read here once."""

    def __init__(self, conn: store.Connection) -> None:
        self.conn = conn
        self.placed: dict[str, Placement] = {}

    def article_reports(self, article_id: str) -> list[Report]:
        return self.reports_around(article_id, (), ())[0]

    def reports_around(
        self, article_id: str, incident_ids: Collection[str], keys: Collection[str]
    ) -> tuple[list[Report], list[Report]]:
        self.placed = {}  # a new article's match: what an earlier one read may have been written since
        ids = sorted(incident_ids)
        own, found = store.event_reports_around(self.conn, article_id, ids, _stored_keys(frozenset(keys)))
        mine = self._read(own)
        # Its reports not filed have no placement (a new article's): known now, not asked for again.
        self.placed.update((i, _UNPLACED) for i in set(ids) - {r.incident_id for r in mine})
        return [r for r in mine if r.article_id == article_id], self._read(found)

    def component_reports(self, component_ids: Collection[str]) -> list[Report]:
        return self._read(store.event_reports_of_components(self.conn, sorted(component_ids)))

    def placements(self, incident_ids: Collection[str]) -> dict[str, Placement]:
        missing = [i for i in incident_ids if i not in self.placed]
        if missing:
            rows = store.event_reports_by_ids(self.conn, sorted(missing))
            self.placed.update((i, _placement(event, component, reason)) for i, _, event, component, reason, *_ in rows)
            # A report not filed has no placement; remembered as none until this article's change is written.
            self.placed.update((i, _UNPLACED) for i in set(missing) - {row[0] for row in rows})
        return {i: p for i in incident_ids if (p := self.placed[i]) is not _UNPLACED}

    def apply(self, change: Change) -> None:
        self.placed = {}
        added = {r.incident_id for r in change.added}
        store.save_event_change(
            self.conn,
            removed=[_stored(r, None) for r in change.removed],
            added=[_stored(r, change.placements[r.incident_id]) for r in change.added],
            placed=[
                (incident_id, p.event_id, p.component_id, p.reason)
                for incident_id, p in change.placements.items()
                if incident_id not in added
            ],
            events=[event_row(e) for e in change.events],
            dropped=change.dropped,
        )

    def _read(self, rows: list[tuple]) -> list[Report]:
        """The reports of rows in store.REPORT_COLUMNS order, their placements kept."""
        placed, reports = self.placed, []
        for row in rows:
            # Inside a batch the store returns the same row object while the row stays as it is (store._Mirror).
            incident_id = row[0]
            found = _READ.get(incident_id)
            if found is None or found[0] is not row:
                if len(_READ) >= MAX_READ:
                    _READ.clear()
                _, _, event_id, component_id, reason, report, signature = row
                placement = _placement(event_id, component_id, reason)
                found = _READ[incident_id] = (row, placement, _report(incident_id, report, signature))
            placed[incident_id] = found[1]
            reports.append(found[2])
        return reports


_UNPLACED = Placement("", "", "")
# incident id -> the row last read of it, its placement and Report: a row read anew (from a server) takes its place
_READ: dict[str, tuple[tuple, Placement, Report]] = {}
MAX_READ = 1 << 14  # reports kept read: as many as the store's mirror keeps (store.MAX_MIRRORED)
# Each row read makes its placement, and each grouping every member's: a flood's copies come back with every new copy,
# their placements alike. A cached one costs a fifth of a new frozen dataclass.
_placement = lru_cache(maxsize=1 << 12)(Placement)


def event_row(event: Event) -> dict:
    """Return the event as the store row it becomes: a dict keyed by store.EVENT_COLUMNS."""
    p = event.place
    return {
        "event_id": event.event_id,
        "type": event.type,
        "category": event.category,
        **store.place_values(p),
        "date": event.date,
        "date_basis": event.date_basis,
        "fatal": None if event.fatal is None else int(event.fatal),
        "weapon": event.weapon,
        "n_reports": event.reports,
        "first_seen": event.first_seen,
        "last_seen": event.last_seen,
    }


@lru_cache(maxsize=1 << 10)  # copies of a story probe with the same keys
def _stored_keys(keys: frozenset[str]) -> list[int]:
    return sorted({_key(k) for k in keys})


@lru_cache(maxsize=1 << 16)  # probes repeat: the date window, the years, the cells of a ring
def _key(key: str) -> int:
    """A blocking key as the signed 64-bit integer the store files it under."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


_REPORT_FIELDS = tuple(f.name for f in dataclasses.fields(Report) if f.name != "signature")  # the ids first
_PLACE_FIELDS = tuple(f.name for f in dataclasses.fields(Place))


def _stored(r: Report, placement: Placement | None) -> store.StoredReport:
    p = placement or _UNPLACED
    # The JSON object of the report's fields, its ids first (_REPORT_FIELDS' order), as json.dumps writes it.
    ids = json.dumps({"incident_id": r.incident_id, "article_id": r.article_id}, separators=(",", ":"))
    return store.StoredReport(
        r.incident_id,
        r.article_id,
        p.event_id,
        p.component_id,
        p.reason,
        f"{ids[:-1]},{_content_json(content(r))[1:]}",
        r.signature,
        tuple(_stored_keys(blocking_keys(r))),
    )


@lru_cache(maxsize=1 << 12)  # copies of a story are filed with the same fields but their ids
def _content_json(c: Content) -> str:
    """The JSON object of a report's fields but its ids and signature, in _REPORT_FIELDS' order."""
    r = Report("", "", *c.values)
    fields = {name: getattr(r, name) for name in _REPORT_FIELDS[2:]}
    # dataclasses.asdict copies each value deeply: a place's are numbers and strings, read as they are.
    fields["place"] = {name: getattr(r.place, name) for name in _PLACE_FIELDS} if r.place else None
    return json.dumps(fields, separators=(",", ":"))


_PARSED: dict[str, tuple[str, bytes, Report]] = {}  # incident id -> its stored report, signature, and the Report
MAX_PARSED = 1 << 13  # reports kept parsed (about 15 MB): they come back as candidates of the articles that follow


def _report(incident_id: str, report: str, signature: bytes) -> Report:
    # Looked up by incident id and compared, not hashed: a flood's hundreds of rows come back with every copy.
    found = _PARSED.get(incident_id)
    if found is not None and found[0] == report and found[1] == signature:
        return found[2]
    if len(_PARSED) >= MAX_PARSED:
        _PARSED.clear()
    signature = bytes(signature)
    parsed = _parsed(report, signature)
    _PARSED[incident_id] = (report, signature, parsed)
    return parsed


def _parsed(report: str, signature: bytes) -> Report:
    fields = json.loads(report)
    for name in ("families", "ages", "streets", "areas", "names", "words"):
        fields[name] = tuple(fields[name])
    fields["place"] = Place(**fields["place"]) if fields["place"] else None
    return Report(**fields, signature=signature)


def match_stored(
    conn: store.Connection,
    article: Article,
    incidents: Sequence[Incident],
    *,
    reader: ReportReader,
    reports: list[Report] | None = None,
) -> Change:
    """Match one stored article's incidents into the store's events (none: take its old ones out); `reports` are
    their read_reports when a worker has read them already."""
    matcher = EventMatcher(StoreIndex(conn), families=reader.families)
    found = read_reports(article, incidents, reader=reader) if reports is None else reports
    # Concurrent ingests into one PostgreSQL store match one at a time, so none splits an incident into two events.
    with store.matcher_lock(conn):
        return matcher.match_article(article.article_id, withheld(found, store.takedown_mode(conn, article.article_id)))


def match_taken_down(conn: store.Connection, article_id: str, *, families: CrimeFamilies | None = None) -> Change:
    """Match an article's stored reports into events again as its takedown leaves them (see `withheld`), once an
    editor has taken it down: what its text told leaves the matching tables with it."""
    matcher = EventMatcher(StoreIndex(conn), families=families)
    with store.matcher_lock(conn):
        reports = matcher.index.article_reports(article_id)
        return matcher.match_article(article_id, withheld(reports, store.takedown_mode(conn, article_id)))


def withheld(reports: Sequence[Report], takedown: str | None) -> list[Report]:
    """The reports event matching keeps of an article an editor took down (`takedown`: its mode, None: none): none of
    a deleted article; of one whose text was taken down, only what its incidents still show, without the streets,
    areas, people, words and wording read from its text, which the store must not keep."""
    if takedown is None:
        return list(reports)
    if takedown == "delete":
        return []
    return [dataclasses.replace(r, streets=(), areas=(), names=(), words=(), signature=b"") for r in reports]


def explain_event(conn: store.Connection, incident_id: str) -> str | None:
    """Return which event a stored incident is in and why it joined it (or stands alone), or None when the incident
    has not been matched; for `explain`.

    Example:
        explain_event(conn, "3f2a9c1e0b7d4a55")  # "event ev59992a22a49d87 (4 reports): joined dd026: same ..."
    """
    found = store.event_reports_by_ids(conn, [incident_id])
    if not found:
        return None
    _, _, event_id, _, reason, _, _ = found[0]
    reports = conn.execute("SELECT n_reports FROM events WHERE event_id = ?", (event_id,)).fetchone()
    count = f" ({reports[0]} report{'s' if reports[0] != 1 else ''})" if reports else ""
    return f"event {event_id}{count}: {reason}"
