"""The events the map counts, pure: the reports a page shows (the incidents frame after corrections and privacy),
one row per event, merged by extract.matching.merge_event.

An event row has the incidents frame's columns, so filters, charts and maps take it unchanged, plus `reports` (how
many of its reports are shown) and `report_ids` (their incident ids, first published first). It is indexed by its
lead report's incident id: the first published report with the event's place, whose headline, link, evidence and
place columns it shows. Its type, category, date, fatal and weapon are the merged ones; its date is an offence
date only (never a publication date standing in for one), with the basis of the report that gives it.

Only reports the page shows are merged, so a hidden report drops out and an event whose reports are all hidden
disappears. An event with a protected report (dashboard.privacy) is placed and told by its protected reports alone,
so that it never shows a sexual offence at the precise point another report gives. An incident that was never
matched (a database from before events) is its own event.

Most events need no merge here: ingest stored each event's merge (store.EVENT_COLUMNS, by the same merge_event), so
an event whose reports are all shown as matching saw them (none hidden, corrected or protected) takes its stored
merge, read from the table in one step (StoredMerges); only the others are merged again. Both give the same rows:
merge_event reads the reports in incident id order as ingest does, and a stored date whose basis is a publication
date is no offence date here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard import positions
from dashboard.privacy import PROTECTED_TYPES
from extract import store
from extract.matching import CrimeFamilies, Report, merge_event
from extract.records import PRECISIONS, Place

REPORTS = "reports"  # the event frame's column: the number of its reports shown
# The event frame's column: their incident ids, first published first, as an Arrow list (a row gives them as an array
# or a list: iterate, count or list them; compare them as tuples).
REPORT_IDS = "report_ids"
MERGED = ("type", "category", "date", "date_basis", "fatal", "weapon")  # the columns an event takes from the merge
MEMO_LIMIT = 2_000_000  # merges a memo keeps before it starts again: a few hundred MB at most
_PLACE = ("place_name", "place_kind", "lat", "lon", "precision", "borough", "borough_code")  # a report's Place
_AGREE = (*MERGED, *_PLACE)  # reports equal in these (with a day or no date) merge to any of them
_READ = ("incident_id", "article_id", "published", "type", "category", *_PLACE, "date", "date_basis", "fatal", "weapon")
"""The columns a report is merged by."""


@dataclass(frozen=True, slots=True)
class Merged:
    """An event's merge: its lead report, its MERGED values, and its reports' ids, first published first."""

    lead: str
    values: Mapping[str, Any]
    told: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredMerges:
    """The merges ingest stored: the events table (store.EVENT_COLUMNS, indexed by event_id), and the incidents and
    articles the editors' corrections touch, whose reports may differ from those the stored merges read."""

    events: pd.DataFrame
    incidents: frozenset[str] = field(default_factory=frozenset)
    articles: frozenset[str] = field(default_factory=frozenset)


def stored_merges(rows: Iterable[tuple], corrections: Iterable[store.Correction]) -> StoredMerges:
    """Return the StoredMerges of the events table's rows (store.iter_event_rows) and of the editors' corrections."""
    events = pd.DataFrame.from_records(list(rows), columns=list(store.EVENT_COLUMNS))
    touched = list(corrections)
    return StoredMerges(
        events.set_index("event_id"),
        frozenset(c.target for c in touched if c.kind == "incident"),
        frozenset(c.target for c in touched if c.kind == "article"),
    )


def event_keys(reports: pd.DataFrame) -> pd.Series:
    """Return each report's event: its event_id, or its own incident id when it was never matched."""
    return reports["event_id"].where(reports["event_id"].notna(), reports["incident_id"]).astype(object)


def event_frame(
    reports: pd.DataFrame,
    *,
    families: CrimeFamilies,
    memo: MutableMapping[tuple, Merged] | None = None,
    stored: StoredMerges | None = None,
) -> pd.DataFrame:
    """Return one row per event of `reports` (the dashboard's incidents frame, with `event_id`), newest event date
    first; see the module docstring for what a row holds. `stored` gives the merges ingest stored, taken for the
    events whose reports are all shown as stored; `memo` keeps each merge made here, by the values of its reports,
    for the next frame: a new version of the database changes few events."""
    text = pa.large_string()
    event_ids = _arrow(reports["event_id"]).cast(text)
    keys = pc.coalesce(event_ids, _arrow(reports["incident_id"]).cast(text))
    # Incident ids are unique: a key is shared only if it is some report's event. Those are counted, not all keys
    # (hashing a million keys took 0.4 s).
    maybe = np.flatnonzero(pc.is_in(keys, value_set=event_ids.drop_null()).to_numpy(zero_copy_only=False))
    codes = pc.dictionary_encode(keys.take(pa.array(maybe))).indices.to_numpy(zero_copy_only=False)
    shared_mask = np.zeros(len(keys), dtype=bool)
    shared_mask[maybe] = np.bincount(codes)[codes] > 1 if len(codes) else False
    shared = np.flatnonzero(shared_mask)
    merges = _stored_merges(reports, shared, keys.take(shared), stored) if stored is not None else _Merges()
    left = shared[~merges.rows] if len(merges.rows) else shared
    stored_count = len(merges.leads)
    groups: dict[str, list[tuple]] = {}
    columns = (_plain(reports[c].iloc[left]) for c in _READ)  # a column at a time: fewer copies than rows
    position = {}  # incident id -> row in `reports`, of the reports merged here
    for key, row, at in zip(keys.take(left).to_pylist(), zip(*columns), left.tolist()):
        groups.setdefault(key, []).append(row)
        position[row[0]] = at
    if memo is not None and len(memo) > MEMO_LIMIT:
        memo.clear()
    for rows in groups.values():
        found = memo.get(tuple(rows)) if memo is not None else None
        if found is None:
            found = merged_event([dict(zip(_READ, row)) for row in rows], families=families)
            if memo is not None:
                memo[tuple(rows)] = found
        merges.add(found)
    # The single reports and the leads, newest (merged) date first, then by incident id (as a statement orders the
    # store's event rows: extract.selection), taken from the frame in one step: a merged date may be earlier than
    # its lead's own.
    lead_at = np.concatenate([merges.at, [position[i] for i in merges.leads[stored_count:]]]).astype(int)
    is_kept = ~shared_mask
    is_kept[lead_at] = True
    kept = np.flatnonzero(is_kept)
    leads = np.searchsorted(kept, lead_at)
    lead_mask = np.zeros(len(kept), dtype=bool)
    lead_mask[leads] = True
    text = pa.large_string()
    merged_dates = pa.array(merges.values["date"], type=text).take(pa.array(np.argsort(leads, kind="stable")))
    dates = pc.replace_with_mask(_arrow(reports["date"]).cast(text).take(pa.array(kept)), lead_mask, merged_dates)
    ids = _arrow(reports["incident_id"]).cast(text).take(pa.array(kept))
    keys = [("date", "descending", "at_end"), ("id", "ascending", "at_end")]  # ISO dates newest first, missing last
    by = pa.table({"date": dates, "id": ids})
    order = pc.sort_indices(by, sort_keys=keys).to_numpy(zero_copy_only=False)
    rows = kept[order]
    # Nothing merged and the order kept (a store of one outlet's news, say): the reports' columns, shared, not copied.
    same = len(rows) == len(reports) and bool((rows == np.arange(len(rows))).all())
    frame = (reports.copy(deep=False) if same else reports.take(rows)).rename_axis(None)
    at = np.argsort(order)[leads]  # where each lead went
    for column in MERGED if len(at) else ():
        frame[column] = _with(frame[column], at, merges.values[column])
    counts = np.ones(len(frame), dtype=int)
    counts[at] = [len(t) for t in merges.told]
    frame[REPORTS] = counts
    frame[REPORT_IDS] = _report_ids(frame.index, counts, at, merges.told)
    return frame


def _report_ids(index: pd.Index, counts: np.ndarray, at: np.ndarray, told: list[tuple[str, ...]]) -> pd.Series:
    """The REPORT_IDS column: each event's own id, but for the events at `at`, whose reports are `told`; as an Arrow
    list of strings, not a tuple per row (a million tuples took 72 MB and 0.2 s)."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    ids = _arrow(index.to_series()).take(pa.array(np.repeat(np.arange(len(counts)), counts)))
    if len(at):  # the merged events' slots hold their reports' ids instead, in the frame's order
        merged = np.zeros(len(counts), dtype=bool)
        merged[at] = True
        slots = np.repeat(merged, counts)
        ordered = np.argsort(at, kind="stable")
        replacement = pa.array([i for k in ordered.tolist() for i in told[k]], type=pa.large_string())
        ids = pc.replace_with_mask(ids, pa.array(slots), replacement)
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), ids)
    return pd.Series(pd.arrays.ArrowExtensionArray(lists), index=index)


@dataclass(slots=True)
class _Merges:
    """The merges of a frame's events, column by column: each lead's incident id, its MERGED values and its reports'
    ids; `rows` marks the shared reports (in their order in the frame) whose merge came from the store."""

    leads: list[str] = field(default_factory=list)
    values: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in MERGED})
    told: list[tuple[str, ...]] = field(default_factory=list)
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # the stored merges' leads in the frame

    def add(self, merged: Merged) -> None:
        self.leads.append(merged.lead)
        for column in MERGED:
            self.values[column].append(merged.values[column])
        self.told.append(merged.told)


def _stored_merges(reports: pd.DataFrame, shared: np.ndarray, keys: pa.Array, stored: StoredMerges) -> _Merges:
    """The merges `stored` holds for the events of the `shared` reports (positions in `reports` of the reports of
    events of several reports; `keys` their events) whose reports are all shown as ingest matched them: as many as it
    counted, none touched by a correction or protected. Each is what merged_event gives: its lead the first published
    report with the event's place, its date no publication date, with the basis of the first published report of
    that date. Column operations in Arrow: a million reports take a fraction of a second."""
    events = stored.events
    if events.empty or not len(shared):
        return _Merges(rows=np.zeros(len(shared), dtype=bool))
    encoded = pc.dictionary_encode(keys)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    n = len(encoded.dictionary)
    found = pc.index_in(encoded.dictionary, value_set=_arrow(events.index.to_series()))
    bad = found.is_null().to_numpy(zero_copy_only=False)
    at = found.fill_null(0).to_numpy(zero_copy_only=False)
    bad |= events["n_reports"].to_numpy()[at] != np.bincount(codes, minlength=n)
    touched = pc.is_in(_arrow(reports["type"]).take(shared), value_set=pa.array(sorted(PROTECTED_TYPES)))
    for column, ids in (("incident_id", stored.incidents), ("article_id", stored.articles)):
        if ids:
            value_set = pa.array(sorted(ids), type=pa.large_string())
            touched = pc.or_(touched, pc.is_in(_arrow(reports[column]).take(shared), value_set=value_set))
    bad[codes[touched.to_numpy(zero_copy_only=False)]] = True
    # The reports by event, first published first (no publication date last), then by incident id.
    table = pa.table(
        {
            "code": pa.array(codes),
            "published": _arrow(reports["published"]).take(shared),
            "incident_id": _arrow(reports["incident_id"]).take(shared),
        }
    )
    keys_order = [(c, "ascending", "at_end") for c in ("code", "published", "incident_id")]
    order = pc.sort_indices(table, sort_keys=keys_order).to_numpy(zero_copy_only=False)
    rows = shared[order]  # the reports sorted, as positions in `reports`
    by = codes[order]
    of = at[by]  # each sorted report's event row in `events`

    def same(a: pa.Array, b: pa.Array) -> np.ndarray:  # equal, or missing both
        equal = pc.if_else(pc.is_null(a), pc.is_null(b), pc.fill_null(pc.equal(a, b.cast(a.type)), False))
        return np.asarray(equal.to_numpy(zero_copy_only=False), dtype=bool)

    # A report with the event's place: its point first (numbers), then its other place columns where the point is.
    placed_event = events["lat"].notna().to_numpy()[at]
    with_place = placed_event[by] & reports["precision"].isin(PRECISIONS).to_numpy()[rows]
    for name in ("lat", "lon"):
        with_place &= reports[name].to_numpy(dtype=float)[rows] == events[name].to_numpy(dtype=float)[of]
    where = np.flatnonzero(with_place)
    for name in _PLACE:
        if name not in ("lat", "lon"):
            shown, merged = (
                _arrow(reports[name]).take(pa.array(rows[where])),
                _arrow(events[name]).take(pa.array(of[where])),
            )
            with_place[where[~same(shown, merged)]] = False
    lead = _first(by, with_place | ~placed_event[by], n)
    bad |= lead < 0
    event_dates = _arrow(events["date"]).cast(pa.large_string())
    days = pc.if_else(
        pc.equal(_arrow(events["date_basis"]), "published"), pa.scalar(None, pa.large_string()), event_dates
    )
    day = days.take(pa.array(at))
    dated = _first(by, same(_arrow(reports["date"]).take(pa.array(rows)), day.take(pa.array(by))), n)
    dated = np.where(dated < 0, lead, dated)
    good = np.flatnonzero(~bad)
    ids = table["incident_id"].take(pa.array(order)).to_pylist()
    sizes = np.bincount(codes, minlength=n)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    merges = _Merges(rows=~bad[codes], at=rows[lead[good]])
    merges.leads = [ids[i] for i in lead[good].tolist()]
    for name in ("type", "category", "weapon"):
        merges.values[name] = _plain(events[name].iloc[at[good]])
    merges.values["fatal"] = [None if f is None else int(f) for f in _plain(events["fatal"].iloc[at[good]])]
    merges.values["date"] = day.take(pa.array(good)).to_pylist()
    merges.values["date_basis"] = _plain(reports["date_basis"].iloc[rows[dated[good]]])
    merges.told = [tuple(ids[a:b]) for a, b in zip(starts[good].tolist(), ends[good].tolist())]
    return merges


def _arrow(column: pd.Series) -> pa.Array:
    """The column as one Arrow array, text (and a column of nothing) as large_string, pandas' own; missing values
    (None, NaN) as nulls."""
    # Not the Series itself: pyarrow's look for __arrow_array__ on it asks whether its index holds that name, which
    # hashes a million incident ids the first time.
    data = column.to_numpy() if isinstance(column.dtype, np.dtype) else column.array
    values = pa.array(data, from_pandas=True)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    text = pa.types.is_string(values.type) or pa.types.is_null(values.type)  # all missing: text as far as we know
    return values.cast(pa.large_string()) if text else values


def _first(groups: np.ndarray, where: np.ndarray, n: int) -> np.ndarray:
    """For each of `n` groups (`groups` sorted), the position of its first row `where` holds; -1 when none does."""
    first = np.full(n, -1)
    rows = np.flatnonzero(where)
    found, at = np.unique(groups[rows], return_index=True)
    first[found] = rows[at]
    return first


def events_of_reports(
    events: pd.DataFrame, reports: pd.DataFrame, found: np.ndarray, *, rows: np.ndarray | None = None
) -> np.ndarray:
    """Return, for each row of `events` (event_frame of `reports`), whether any of its reports is among `found` (a
    boolean per row of `reports`); `rows` is report_events(events, reports), for a caller that keeps it."""
    at = (report_events(events, reports) if rows is None else rows)[np.asarray(found, dtype=bool)]
    kept = np.zeros(len(events), dtype=bool)
    kept[at[at >= 0]] = True
    return kept


def report_events(events: pd.DataFrame, reports: pd.DataFrame) -> np.ndarray:
    """Return, for each row of `reports`, the position in `events` (event_frame of `reports`) of the event that shows
    it, -1 when none does: kept, events_of_reports is a take (at a million reports, 0.15-0.3 s -> 4 ms a search)."""
    text = pa.large_string()
    keys = pc.coalesce(_arrow(reports["event_id"]).cast(text), _arrow(reports["incident_id"]).cast(text))
    shown = pc.coalesce(_arrow(events["event_id"]).cast(text), pa.array(events.index.array, text))
    kind = np.int32 if len(events) < 2**31 else np.int64
    # Every report its own event's row, in the same order (event_frame merged nothing and kept the order: one outlet's
    # news, the benchmark's synthetic incidents): compared in 10 ms, not hashed in 0.3 s at a million.
    if len(keys) == len(shown) and pc.all(pc.equal(keys, shown), skip_nulls=False).as_py():
        return np.arange(len(keys), dtype=kind)
    return pc.index_in(keys, value_set=shown).fill_null(-1).to_numpy(zero_copy_only=False).astype(kind)


def merged_event(rows: list[dict[str, Any]], *, families: CrimeFamilies) -> Merged:
    """Return the merge of the event that `rows` tell (one report each: the frame's _READ columns, None for what is
    missing)."""
    told = _by_publication(rows)
    protected = [r for r in told if r["type"] in PROTECTED_TYPES]
    merged = protected or told
    ids = tuple(r["incident_id"] for r in told)
    first = merged[0]
    if (
        len({tuple(r[c] for c in _AGREE) for r in merged}) == 1
        and (first["date"] is None or _is_day(first["date"]))
        and families.category.get(first["type"], first["category"]) == first["category"]
    ):  # reports that agree merge into any of them
        return Merged(first["incident_id"], {c: first[c] for c in MERGED}, ids)
    reports = [_report(r) for r in merged]
    # In incident id order, as ingest merged them: of two places alike but for their point, the first one's.
    event = merge_event("", sorted(reports, key=lambda r: r.incident_id), families=families)
    lead = next((r for r, report in zip(merged, reports) if report.place == event.place), first)
    dated = next((r for r in merged if r["date"] == event.date), lead)
    values = {
        "type": event.type,
        "category": event.category,
        "date": event.date,
        "date_basis": dated["date_basis"],
        "fatal": None if event.fatal is None else int(event.fatal),
        "weapon": event.weapon,
    }
    return Merged(lead["incident_id"], values, ids)


def event_row_of(events: pd.DataFrame, reports: pd.DataFrame, incident_id: str | None) -> str | None:
    """Return the row of `events` that shows the report `incident_id` of `reports`, None when none does."""
    if incident_id is None or positions.holds(events.index, incident_id):
        return incident_id
    if (at := positions.find_one(reports.index, incident_id)) is None:
        return None
    key = event_keys(reports.iloc[[at]]).iloc[0]
    found = events.index[events["event_id"].eq(key).fillna(False).to_numpy(dtype=bool)]
    return str(found[0]) if len(found) else None


def _by_publication(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["published"] is None, r["published"] or "", r["incident_id"]))


def _is_day(value: str) -> bool:
    """Whether `value` is an ISO day, as merge_event counts a stated date."""
    try:
        return len(value) == 10 and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _report(row: Mapping[str, Any]) -> Report:
    """The report merge_event reads: no publication date, as the map shows no publication date as an offence's."""
    place = None
    if row["lat"] is not None and row["lon"] is not None and row["precision"] in PRECISIONS:
        place = Place(
            row["place_name"] or "",
            float(row["lat"]),
            float(row["lon"]),
            row["place_kind"] or "",
            row["precision"],
            row["borough"],
            row["borough_code"],
            "",
        )
    return Report(
        incident_id=row["incident_id"],
        article_id=row["article_id"],
        type=row["type"],
        category=row["category"],
        families=(),
        place=place,
        date=row["date"],
        published=None,
        follow_up=False,
        fatal=None if row["fatal"] is None else bool(row["fatal"]),
        weapon=row["weapon"],
    )


def _with(column: pd.Series, at: np.ndarray, values: list[Any]) -> pd.Series:
    """The column with `values` (None for missing) at the positions `at`, in the column's dtype where it holds them,
    so that events and reports filter alike."""
    if pd.api.types.is_numeric_dtype(column.dtype):
        numbers = column.to_numpy(dtype=float, copy=True)
        numbers[at] = [math.nan if v is None else v for v in values]
        whole = pd.api.types.is_integer_dtype(column.dtype) and not np.isnan(numbers).any()
        return pd.Series(numbers, index=column.index).astype(column.dtype if whole else float)
    if isinstance(column.dtype, pd.CategoricalDtype):  # a value the merge gives may not be among its categories
        column = column.astype(object)
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":  # in Arrow: setitem boxes
        mask = np.zeros(len(column), dtype=bool)
        mask[at] = True
        ordered = np.argsort(at, kind="stable")
        text = pa.large_string()
        replaced = pc.replace_with_mask(
            _arrow(column).cast(text), pa.array(mask), pa.array(values, type=text).take(pa.array(ordered))
        )
        return pd.Series(replaced, dtype=column.dtype, index=column.index)
    changed = column.copy()
    changed.iloc[at] = values
    return changed


def _plain(column: pd.Series) -> list[Any]:
    """The column's values as Python objects, None where the frame holds NaN or NA (the store's NULL)."""
    values = column.astype(object)
    return values.where(column.notna(), None).tolist()
