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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dashboard.privacy import PROTECTED_TYPES
from extract.matching import CrimeFamilies, Report, merge_event
from extract.records import PRECISIONS, Place

REPORTS = "reports"  # the event frame's column: the number of its reports shown
REPORT_IDS = "report_ids"  # the event frame's column: their incident ids, first published first
MERGED = ("type", "category", "date", "date_basis", "fatal", "weapon")  # the columns an event takes from the merge
MEMO_LIMIT = 2_000_000  # merges a memo keeps before it starts again: a few hundred MB at most
_AGREE = (*MERGED, "place_name", "lat", "lon", "precision", "borough")  # reports equal in these merge to any
_READ = (  # the columns a report is merged by
    "incident_id",
    "article_id",
    "published",
    "type",
    "category",
    "place_name",
    "place_kind",
    "lat",
    "lon",
    "precision",
    "borough",
    "borough_code",
    "date",
    "date_basis",
    "fatal",
    "weapon",
)


@dataclass(frozen=True, slots=True)
class Merged:
    """An event's merge: its lead report, its MERGED values, and its reports' ids, first published first."""

    lead: str
    values: Mapping[str, Any]
    told: tuple[str, ...]


def event_keys(reports: pd.DataFrame) -> pd.Series:
    """Return each report's event: its event_id, or its own incident id when it was never matched."""
    return reports["event_id"].where(reports["event_id"].notna(), reports["incident_id"]).astype(object)


def event_frame(
    reports: pd.DataFrame, *, families: CrimeFamilies, memo: MutableMapping[tuple, Merged] | None = None
) -> pd.DataFrame:
    """Return one row per event of `reports` (the dashboard's incidents frame, with `event_id`), newest event date
    first; see the module docstring for what a row holds. `memo` keeps each merge made, by the values of its
    reports, for the next frame: a new version of the database changes few events."""
    keys = event_keys(reports)
    shared_mask = keys.duplicated(keep=False).to_numpy()
    groups: dict[str, list[tuple]] = {}
    columns = (_plain(reports[c][shared_mask]) for c in _READ)  # a column at a time: fewer copies than rows
    for key, row in zip(keys[shared_mask].tolist(), zip(*columns)):
        groups.setdefault(key, []).append(row)
    if memo is not None and len(memo) > MEMO_LIMIT:
        memo.clear()
    merges = {}
    for rows in groups.values():
        found = memo.get(tuple(rows)) if memo is not None else None
        if found is None:
            found = merged_event([dict(zip(_READ, row)) for row in rows], families=families)
            if memo is not None:
                memo[tuple(rows)] = found
        merges[found.lead] = found
    # The single reports and the leads, newest (merged) date first, taken from the frame in one step: a merged
    # date may be earlier than its lead's own. Stable, so that a date keeps the frame's order by incident id.
    kept = np.flatnonzero(~shared_mask | reports.index.isin(list(merges)))
    dates = reports["date"].to_numpy(dtype=object)[kept]
    leads = pd.Index(reports.index[kept]).get_indexer(list(merges))
    dates[leads] = [m.values["date"] for m in merges.values()]
    codes, days = pd.factorize(pd.Series(dates), sort=True)  # ISO dates in order; missing: -1
    order = np.argsort(np.where(codes < 0, len(days), len(days) - 1 - codes), kind="stable")
    frame = reports.take(kept[order]).rename_axis(None)
    at = frame.index.get_indexer(list(merges))
    for column in MERGED:
        frame[column] = _with(frame[column], at, [m.values[column] for m in merges.values()])
    counts = np.ones(len(frame), dtype=int)
    counts[at] = [len(m.told) for m in merges.values()]
    told: list[tuple[str, ...]] = [(i,) for i in frame.index.tolist()]
    for i, m in zip(at, merges.values()):
        told[i] = m.told
    frame[REPORTS] = counts
    frame[REPORT_IDS] = told
    return frame


def merged_event(rows: list[dict[str, Any]], *, families: CrimeFamilies) -> Merged:
    """Return the merge of the event that `rows` tell (one report each: the frame's _READ columns, None for what is
    missing)."""
    told = _by_publication(rows)
    protected = [r for r in told if r["type"] in PROTECTED_TYPES]
    merged = protected or told
    ids = tuple(r["incident_id"] for r in told)
    if len({tuple(r[c] for c in _AGREE) for r in merged}) == 1:  # reports that agree merge into any of them
        return Merged(merged[0]["incident_id"], {c: merged[0][c] for c in MERGED}, ids)
    reports = [_report(r) for r in merged]
    event = merge_event("", reports, families=families)
    lead = next((r for r, report in zip(merged, reports) if report.place is event.place), merged[0])
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
    if incident_id is None or incident_id in events.index:
        return incident_id
    if incident_id not in reports.index:
        return None
    key = event_keys(reports.loc[[incident_id]]).iloc[0]
    found = events.index[events["event_id"].eq(key).fillna(False).to_numpy(dtype=bool)]
    return str(found[0]) if len(found) else None


def _by_publication(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["published"] is None, r["published"] or "", r["incident_id"]))


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
    changed = column.copy()
    changed.iloc[at] = values
    return changed


def _plain(column: pd.Series) -> list[Any]:
    """The column's values as Python objects, None where the frame holds NaN or NA (the store's NULL)."""
    values = column.astype(object)
    return values.where(column.notna(), None).tolist()
