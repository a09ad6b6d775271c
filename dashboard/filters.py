"""The dashboard's filters: URL parameters <-> filter state, and the incidents DataFrame -> the filtered DataFrame."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import h3
import pandas as pd

from extract.records import PRECISIONS, WEAPONS
from extract.store import INCIDENT_COLUMNS

CRIME_TYPES_CSV = Path(__file__).resolve().parent.parent / "data" / "crime_types.csv"
VIEWS = ("points", "density", "boroughs")
PARAMS = ("borough", "type", "category", "from", "to", "fatal", "weapon", "precision", "q", "view", "incident")
MAX_QUERY_CHARS = 200
H3_RESOLUTION = 8  # hexagons of about 0.7 km2: streets stay apart, a borough has a few dozen
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))  # the date pickers' bounds; a link outside them is dropped
INCIDENT_ID = re.compile(r"^[\w:.\-]{1,120}$")
ANY = "any"  # the selectboxes' "no filter" option
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


@dataclass(frozen=True, slots=True)
class Filters:
    """What the page shows: the filters, the map view and the selected incident."""

    boroughs: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    fatal_only: bool = False
    weapon: str | None = None
    min_precision: str | None = None
    query: str = ""
    view: str = "points"
    incident: str | None = None


@dataclass(frozen=True, slots=True)
class Choices:
    """The values the multi-valued filters accept."""

    boroughs: tuple[str, ...]
    types: tuple[str, ...]
    categories: tuple[str, ...]


def load_type_labels(path: str | Path = CRIME_TYPES_CSV) -> dict[str, str]:
    """Return {slug: label} from the crime types vocabulary (columns slug,label,category); empty if the file is
    absent."""
    if not Path(path).exists():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {row["slug"]: row["label"] for row in csv.DictReader(f)}


def parse_params(params: Mapping[str, Sequence[str]], *, choices: Choices) -> tuple[Filters, list[str]]:
    """Return the filters that URL parameters ({name: [values]}) describe, and one notice per value dropped.

    Unknown names, unknown values and malformed values are dropped; a single-valued parameter given twice keeps
    its last valid value. Borough, type and category values match case-insensitively.
    """
    dropped: list[str] = []

    def many(name: str, allowed: Sequence[str]) -> tuple[str, ...]:
        by_key = {value.casefold(): value for value in allowed}
        kept: list[str] = []
        for raw in params.get(name, ()):
            value = by_key.get(raw.strip().casefold())
            if value is None:
                dropped.append(f"{name}: unknown value {_shorten(raw)!r}")
            elif value not in kept:
                kept.append(value)
        return tuple(kept)

    def one(name: str, parse, reason: str):
        result = None
        for raw in params.get(name, ()):
            value = parse(raw.strip())
            if value is None:
                dropped.append(f"{name}: {reason} {_shorten(raw)!r}")
            else:
                result = value
        return result

    for name in params:
        if name not in PARAMS:
            dropped.append(f"unknown parameter {_shorten(name)!r}")
    date_from = one("from", _iso_date, "not a date (YYYY-MM-DD)")
    date_to = one("to", _iso_date, "not a date (YYYY-MM-DD)")
    fatal = one("fatal", _flag, "not one of 1, 0, true, false")
    query = one("q", lambda s: s[:MAX_QUERY_CHARS], "")
    filters = Filters(
        boroughs=many("borough", choices.boroughs),
        types=many("type", choices.types),
        categories=many("category", choices.categories),
        date_from=date_from,
        date_to=date_to,
        fatal_only=bool(fatal),
        weapon=one("weapon", lambda s: s.lower() if s.lower() in WEAPONS else None, "unknown weapon"),
        min_precision=one("precision", lambda s: s.lower() if s.lower() in PRECISIONS else None, "unknown precision"),
        query=query or "",
        view=one("view", lambda s: s.lower() if s.lower() in VIEWS else None, "unknown view") or "points",
        incident=one("incident", lambda s: s if INCIDENT_ID.match(s) else None, "malformed id"),
    )
    return filters, dropped


def to_params(filters: Filters) -> dict[str, list[str]]:
    """Return the URL parameters ({name: [values]}) that describe `filters`, leaving out every default."""
    params = {
        "borough": list(filters.boroughs),
        "type": list(filters.types),
        "category": list(filters.categories),
        "from": [filters.date_from.isoformat()] if filters.date_from else [],
        "to": [filters.date_to.isoformat()] if filters.date_to else [],
        "fatal": ["1"] if filters.fatal_only else [],
        "weapon": [filters.weapon] if filters.weapon else [],
        "precision": [filters.min_precision] if filters.min_precision else [],
        "q": [filters.query] if filters.query else [],
        "view": [filters.view] if filters.view != "points" else [],
        "incident": [filters.incident] if filters.incident else [],
    }
    return {name: values for name, values in params.items() if values}


WIDGET_DEFAULTS = {
    "borough": [],
    "type": [],
    "category": [],
    "from": None,
    "to": None,
    "fatal": False,
    "weapon": ANY,
    "precision": ANY,
    "q": "",
    "view": "points",
}
"""The sidebar's widget keys (named after their URL parameters) and their values when nothing is filtered."""


def widget_state(filters: Filters) -> dict[str, object]:
    """Return the widget values (keyed as WIDGET_DEFAULTS) that show `filters`."""
    return {
        "borough": list(filters.boroughs),
        "type": list(filters.types),
        "category": list(filters.categories),
        "from": filters.date_from,
        "to": filters.date_to,
        "fatal": filters.fatal_only,
        "weapon": filters.weapon or ANY,
        "precision": filters.min_precision or ANY,
        "q": filters.query,
        "view": filters.view,
    }


def from_widgets(values: Mapping[str, object], *, incident: str | None = None) -> Filters:
    """Return the filters that widget values (keyed as WIDGET_DEFAULTS; missing keys take the default) select."""
    v = {**WIDGET_DEFAULTS, **values}
    return Filters(
        boroughs=tuple(v["borough"] or ()),
        types=tuple(v["type"] or ()),
        categories=tuple(v["category"] or ()),
        date_from=v["from"],
        date_to=v["to"],
        fatal_only=bool(v["fatal"]),
        weapon=v["weapon"] if v["weapon"] in WEAPONS else None,
        min_precision=v["precision"] if v["precision"] in PRECISIONS else None,
        query=str(v["q"] or "").strip()[:MAX_QUERY_CHARS],
        view=v["view"] if v["view"] in VIEWS else "points",
        incident=incident,
    )


def incidents_frame(rows: Iterable[tuple]) -> pd.DataFrame:
    """Return the incidents DataFrame from store rows (INCIDENT_COLUMNS order), indexed by incident_id.

    Adds `precision_rank` (index in PRECISIONS, -1 without a place) and `cell` (the H3 cell of the point, or
    None), so that filtering and aggregation are column operations.
    """
    frame = pd.DataFrame.from_records(list(rows), columns=list(INCIDENT_COLUMNS))
    frame.index = pd.Index(frame["incident_id"], name=None)
    for column in ("headline", "evidence"):
        frame[column] = frame[column].fillna("")
    frame["lat"] = pd.to_numeric(frame["lat"], errors="coerce")
    frame["lon"] = pd.to_numeric(frame["lon"], errors="coerce")
    frame["precision_rank"] = frame["precision"].map({p: i for i, p in enumerate(PRECISIONS)}).fillna(-1).astype(int)
    frame["cell"] = _cells(frame)
    return frame


def filter_incidents(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Return the rows of `frame` that pass every filter (the view and the selected incident do not filter)."""
    keep = pd.Series(True, index=frame.index)
    if filters.boroughs:
        keep &= frame["borough"].isin(filters.boroughs)
    if filters.types:
        keep &= frame["type"].isin(filters.types)
    if filters.categories:
        keep &= frame["category"].isin(filters.categories)
    if filters.date_from:
        keep &= frame["date"].ge(filters.date_from.isoformat()).fillna(False).astype(bool)
    if filters.date_to:
        keep &= frame["date"].le(filters.date_to.isoformat()).fillna(False).astype(bool)
    if filters.fatal_only:
        keep &= frame["fatal"].eq(1).fillna(False).astype(bool)
    if filters.weapon:
        keep &= frame["weapon"].eq(filters.weapon).fillna(False).astype(bool)
    if filters.min_precision:
        rank = PRECISIONS.index(filters.min_precision)
        keep &= frame["precision_rank"].between(0, rank)
    if filters.query:
        keep &= frame["headline"].str.contains(filters.query, case=False, regex=False, na=False) | frame[
            "evidence"
        ].str.contains(filters.query, case=False, regex=False, na=False)
    return frame[keep]


def _cells(frame: pd.DataFrame) -> pd.Series:
    # Many incidents share a gazetteer point, so index each distinct point once.
    points = frame[["lat", "lon"]].dropna().drop_duplicates()
    cell_of = {(lat, lon): h3.latlng_to_cell(lat, lon, H3_RESOLUTION) for lat, lon in points.itertuples(index=False)}
    return pd.Series(
        [cell_of.get((lat, lon)) for lat, lon in zip(frame["lat"], frame["lon"])], index=frame.index, dtype=object
    )


def _iso_date(text: str) -> date | None:
    if not ISO_DATE.match(text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if DATE_RANGE[0] <= value <= DATE_RANGE[1] else None


def _flag(text: str) -> bool | None:
    word = text.lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
