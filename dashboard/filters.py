"""The dashboard's filters: URL parameters <-> filter state <-> sidebar widgets, and incidents -> filtered incidents.

Each URL filter is one row of FIELDS, which drives parsing a link, writing the link, the widgets' defaults and
filtering the frame. To add a filter: a typed attribute (with its "no filter" default) in Filters, a row in FIELDS,
and its widget on the map page, keyed by the row's parameter.

The place search (`near`) is the one filter that needs more than the frame: the page resolves its text with the
offline gazetteer (`Near.place`) before filtering, and an unresolved search filters nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from extract.datafiles import DATA_DIR, read_rows
from extract.records import DATE_RANGE, PRECISIONS, WEAPONS, Place
from extract.selection import BAND_MARGIN_DEGREES, EARTH_RADIUS_KM

CRIME_TYPES_CSV = DATA_DIR / "crime_types.csv"
VIEWS = ("points", "density", "boroughs")
COUNTS = ("events", "reports")  # a point is an event (its reports merged: dashboard.events_view) or one report
SHADES = ("incidents", "residents")  # the boroughs view: incidents, or incidents per 100,000 residents
MAX_QUERY_CHARS = 200  # a search longer than a sentence is a pasted text, not a search
NOTICE_CHARS = 40  # a notice quotes the start of a dropped value, so a long link cannot flood the page
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INCIDENT_ID = re.compile(r"^[\w:.\-]{1,120}$")
ANY = "any"  # the selectboxes' "no filter" option
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
MAX_PLACE_CHARS = 80  # a street with its postcode and area fits; more is not a place name
DEFAULT_KM = 1.0
KM_RANGE = (0.1, 10.0)  # a street corner to a few boroughs; wider is most of London, and the search would not narrow
KM_DECIMALS = 2  # 10 m steps: a link keeps the radius it was given, and written back reads the same


@dataclass(frozen=True, slots=True)
class Near:
    """A place search: the text typed or linked, and where the offline gazetteer put it (None until resolved, or
    when it found nothing usable)."""

    text: str
    place: Place | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """What the page shows: the filters, the map view and the selected incident; each default means "no filter"."""

    boroughs: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    fatal_only: bool = False
    weapon: str | None = None
    min_precision: str | None = None
    query: str = ""
    near: Near | None = None
    km: float = DEFAULT_KM
    undated: bool = False
    view: str = "points"
    shade: str = "incidents"
    count: str = "events"
    incident: str | None = None


NO_FILTERS = Filters()


@dataclass(frozen=True, slots=True)
class Choices:
    """The values the multi-valued filters accept, named like their Filters attributes."""

    boroughs: tuple[str, ...]
    types: tuple[str, ...]
    categories: tuple[str, ...]


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class Field:
    """One URL filter: its parameter (also its widget's key), its Filters attribute, how a link's value is read
    and written, how its widget shows it, and the rows it keeps."""

    param: str
    attr: str
    parse: Callable[[str, Choices], Any]
    """One stripped URL value -> the filter's value (one item of it when `many`), or None when it is not valid."""
    reason: str
    """Why `parse` drops a value, as the notice says it."""
    write: Callable[[Any], str] = str
    """One value (one item when `many`) -> its URL text."""
    many: bool = False
    """Several values make a tuple; otherwise the last valid value wins."""
    keep: Callable[[pd.DataFrame, Any, Filters], pd.Series] | None = None
    """The frame, a value other than the default and all the filters (some rows read another's value) -> a boolean
    Series of the rows it keeps; None: it filters nothing by itself."""
    to_widget: Callable[[Any], Any] | None = _same
    """The filter's value -> its widget's value; None: the filter has no widget."""
    from_widget: Callable[[Any], Any] = _same
    """A widget's value (None when the widget is not drawn yet) -> the filter's value."""

    @property
    def default(self) -> Any:
        """Return the value that means "no filter": the Filters attribute's default, left out of links."""
        return getattr(NO_FILTERS, self.attr)

    def read(self, raws: Sequence[str], choices: Choices) -> tuple[Any, list[str]]:
        """Return the value that a parameter's URL values give, and a notice for each value dropped."""
        notices: list[str] = []
        found: list[Any] = []
        for raw in raws:
            value = self.parse(raw.strip(), choices)
            if value is None:
                notices.append(f"{self.param}: {self.reason} {_shorten(raw)!r}")
            elif not (self.many and value in found):
                found.append(value)
        if self.many:
            return tuple(found), notices
        return (found[-1] if found else self.default), notices

    def write_values(self, value: Any) -> list[str]:
        """Return the URL values that give `value` back through `read`; none for the default."""
        if value == self.default:
            return []
        return [self.write(v) for v in value] if self.many else [self.write(value)]


def _choice(attr: str) -> Callable[[str, Choices], str | None]:
    """Return a parser that matches a value case-insensitively among the Choices attribute `attr`."""

    def parse(text: str, choices: Choices) -> str | None:
        return {choice.casefold(): choice for choice in getattr(choices, attr)}.get(text.casefold())

    return parse


def _word(words: Sequence[str]) -> Callable[[str, Choices], str | None]:
    """Return a parser that accepts one of the lower-case `words`, in any case."""
    return lambda text, _: text.lower() if text.lower() in words else None


def _iso_date(text: str, _: Choices) -> date | None:
    if not ISO_DATE.match(text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if DATE_RANGE[0] <= value <= DATE_RANGE[1] else None


def _flag(text: str, _: Choices) -> bool | None:
    word = text.lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def _km(text: str) -> float | None:
    try:
        value = round(float(text), KM_DECIMALS)
    except ValueError:
        return None
    return value if math.isfinite(value) and KM_RANGE[0] <= value <= KM_RANGE[1] else None


def _near(text: str, _: Choices) -> Near | None:
    return Near(text) if 0 < len(text) <= MAX_PLACE_CHARS else None  # the box holds no more: its start would mislead


def _near_widget(text: Any) -> Near | None:
    found = str(text or "").strip()
    return Near(found[:MAX_PLACE_CHARS]) if found else None


def _in(column: str) -> Callable[[pd.DataFrame, tuple[str, ...], Filters], pd.Series]:
    return lambda frame, values, _: frame[column].isin(values)


def _known(series: pd.Series) -> pd.Series:
    # A comparison with a missing value is missing; an incident without the fact does not pass its filter.
    return series.fillna(False).astype(bool)


def _each_value(series: pd.Series, test: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Return `test` of `series`: of a categorical's values once each, a row whose value is missing failing; else of
    every row, as `test` gives it."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return test(series)
    values = pd.Series(series.cat.categories)
    passed = _known(test(values)).to_numpy(dtype=bool) if len(values) else np.zeros(0, dtype=bool)
    # Code -1 (missing) takes the last: False.
    return pd.Series(np.append(passed, False)[series.cat.codes.to_numpy()], index=series.index)


def _dated(frame: pd.DataFrame, passes: pd.Series, filters: Filters) -> pd.Series:
    # An incident without a date passes a date filter only when the undated switch includes them.
    return _known(passes) | (frame["date"].isna() if filters.undated else False)


def within_km(frame: pd.DataFrame, lat: float, lon: float, km: float) -> pd.Series:
    """Return whether each incident's point lies within `km` of (lat, lon), by great-circle distance; False without
    a point."""
    lats = frame["lat"].to_numpy(dtype=float)
    # Only the points of the band of latitudes the circle spans are measured (no point further north or south is
    # nearer than its latitudes are apart): at 10M incidents, measuring every one took 0.5 s.
    band = np.flatnonzero(np.abs(lats - lat) <= math.degrees(km / EARTH_RADIUS_KM) + BAND_MARGIN_DEGREES)
    lat1, lon1 = np.radians(lats[band]), np.radians(frame["lon"].to_numpy(dtype=float)[band])
    lat2, lon2 = math.radians(lat), math.radians(lon)
    a = np.sin((lat1 - lat2) / 2) ** 2 + np.cos(lat1) * math.cos(lat2) * np.sin((lon1 - lon2) / 2) ** 2
    distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    within = np.zeros(len(lats), dtype=bool)
    within[band] = np.nan_to_num(distance, nan=math.inf) <= km
    return pd.Series(within, index=frame.index)


def _near_keeps(frame: pd.DataFrame, near: Near, filters: Filters) -> pd.Series:
    if near.place is None:  # not found: the page says so, and the search narrows nothing
        return pd.Series(True, index=frame.index)
    return within_km(frame, near.place.lat, near.place.lon, filters.km)


def query_matches(frame: pd.DataFrame, query: str) -> pd.Series:
    """Return which rows of `frame` the text search `query` keeps: its headline or evidence contains it, in any
    case."""

    def contains(column: str) -> pd.Series:
        return frame[column].str.contains(query, case=False, regex=False, na=False)

    return contains("headline") | contains("evidence")


def _query_matches(frame: pd.DataFrame, query: str, _: Filters) -> pd.Series:
    return query_matches(frame, query)


def _query(text: Any) -> str:
    return str(text or "").strip()[:MAX_QUERY_CHARS]


def _multi(param: str, attr: str, column: str) -> Field:
    """Return the row of a filter that keeps the incidents whose `column` is any of the values chosen."""
    return Field(
        param,
        attr,
        parse=_choice(attr),
        reason="unknown value",
        many=True,
        keep=_in(column),
        to_widget=list,
        from_widget=lambda values: tuple(values or ()),
    )


def _vocabulary(
    param: str, attr: str, words: Sequence[str], keep: Callable[[pd.DataFrame, Any, Filters], pd.Series]
) -> Field:
    """Return the row of a filter picked from `words` in a selectbox whose ANY option means no filter."""
    return Field(
        param,
        attr,
        parse=_word(words),
        reason=f"unknown {param}",
        keep=keep,
        to_widget=lambda value: value or ANY,
        from_widget=lambda value: value if value in words else None,
    )


FIELDS = (
    _multi("borough", "boroughs", "borough"),
    _multi("type", "types", "type"),
    _multi("category", "categories", "category"),
    Field(
        "from",
        "date_from",
        parse=_iso_date,
        reason="not a date (YYYY-MM-DD)",
        write=date.isoformat,
        keep=lambda frame, day, filters: _dated(
            frame, _each_value(frame["date"], lambda dates: dates.ge(day.isoformat())), filters
        ),
    ),
    Field(
        "to",
        "date_to",
        parse=_iso_date,
        reason="not a date (YYYY-MM-DD)",
        write=date.isoformat,
        keep=lambda frame, day, filters: _dated(
            frame, _each_value(frame["date"], lambda dates: dates.le(day.isoformat())), filters
        ),
    ),
    Field(
        "fatal",
        "fatal_only",
        parse=_flag,
        reason="not one of 1, 0, true, false",
        write=lambda _: "1",
        keep=lambda frame, _, __: _known(frame["fatal"].eq(1)),
        from_widget=bool,
    ),
    _vocabulary("weapon", "weapon", WEAPONS, lambda frame, weapon, _: _known(frame["weapon"].eq(weapon))),
    _vocabulary(
        "precision",
        "min_precision",
        PRECISIONS,
        # Ranks count from the most precise; -1 (no place) fails every minimum.
        lambda frame, precision, _: frame["precision_rank"].between(0, PRECISIONS.index(precision)),
    ),
    Field(
        "q",
        "query",
        parse=lambda text, _: text if len(text) <= MAX_QUERY_CHARS else None,  # a link's, stripped; the box's are
        reason=f"longer than {MAX_QUERY_CHARS} characters",  # never longer: searching its start would mislead
        keep=_query_matches,
        from_widget=_query,
    ),
    Field(
        "near",
        "near",
        parse=_near,
        reason=f"empty, or longer than {MAX_PLACE_CHARS} characters",
        write=lambda near: near.text,
        keep=_near_keeps,
        to_widget=lambda near: near.text if near else "",
        from_widget=_near_widget,
    ),
    # The radius is applied by `near`; it stays in the link on its own, as the search box's setting.
    Field(
        "km",
        "km",
        parse=lambda text, _: _km(text),
        reason=f"not a distance from {KM_RANGE[0]:g} to {KM_RANGE[1]:g} km",
        write=lambda km: f"{km:g}",
        from_widget=lambda km: _km(str(km)) or DEFAULT_KM,
    ),
    # Applied by `from` and `to`: without a date filter there is nothing to include.
    Field(
        "undated",
        "undated",
        parse=_flag,
        reason="not one of 1, 0, true, false",
        write=lambda _: "1",
        from_widget=bool,
    ),
    Field(
        "view",
        "view",
        parse=_word(VIEWS),
        reason="unknown view",
        from_widget=lambda view: view if view in VIEWS else NO_FILTERS.view,
    ),
    Field(
        "shade",
        "shade",
        parse=_word(SHADES),
        reason="unknown shade",
        from_widget=lambda shade: shade if shade in SHADES else NO_FILTERS.shade,
    ),
    # The toggle "Every report": on shows reports, off (the default) events.
    Field(
        "count",
        "count",
        parse=_word(COUNTS),
        reason="unknown count",
        to_widget=lambda count: count == "reports",
        from_widget=lambda every_report: "reports" if every_report else "events",
    ),
    Field(
        "incident",
        "incident",
        parse=lambda text, _: text if INCIDENT_ID.match(text) else None,
        reason="malformed id",
        to_widget=None,
    ),
)
"""Every URL filter, in the order of the link's parameters and of the notices."""

PARAMS = tuple(field.param for field in FIELDS)
WIDGET_FIELDS = tuple(field for field in FIELDS if field.to_widget is not None)


def load_type_labels(path: str | Path = CRIME_TYPES_CSV) -> dict[str, str]:
    """Return {slug: label} from the crime types vocabulary (columns slug,label,category); empty if it is absent."""
    if not Path(path).exists():
        return {}
    return {row["slug"]: row["label"] for row in read_rows(path)}


def filter_choices(
    incidents: pd.DataFrame, *, boroughs: Sequence[str], categories: Sequence[str], type_labels: Mapping[str, str]
) -> Choices:
    """Return the options of the multi-valued filters: the vocabularies plus any other value stored; types by label."""

    def with_stored(known: Sequence[str], column: str) -> tuple[str, ...]:
        # Without the index: dropping the missing values took the incident ids too (at 10M, 7 s for three columns).
        stored = pd.Series(incidents[column].array).dropna().unique()
        return tuple(known) + tuple(sorted(set(stored) - set(known)))

    return Choices(
        boroughs=with_stored(boroughs, "borough"),
        types=tuple(sorted(with_stored(list(type_labels), "type"), key=lambda t: type_labels.get(t, t).lower())),
        categories=with_stored(categories, "category"),
    )


def parse_params(params: Mapping[str, Sequence[str]], *, choices: Choices) -> tuple[Filters, list[str]]:
    """Return the filters that URL parameters ({name: [values]}) describe, and one notice per value dropped.

    Unknown names, unknown values and malformed values are dropped, and so is a `to` before `from`; a
    single-valued parameter given twice keeps its last valid value. Borough, type and category values match
    case-insensitively.
    """
    notices = [f"unknown parameter {_shorten(name)!r}" for name in params if name not in PARAMS]
    values: dict[str, Any] = {}
    for field in FIELDS:
        values[field.attr], dropped = field.read(params.get(field.param, ()), choices)
        notices += dropped
    if values["date_from"] and values["date_to"] and values["date_to"] < values["date_from"]:
        values["date_to"] = None  # no date is between them: the link meant something, but not that
        notices.append("to: before from")
    return Filters(**values), notices


def to_params(filters: Filters) -> dict[str, list[str]]:
    """Return the URL parameters ({name: [values]}) that describe `filters`, leaving out every default."""
    params = {field.param: field.write_values(getattr(filters, field.attr)) for field in FIELDS}
    return {param: values for param, values in params.items() if values}


def widget_state(filters: Filters) -> dict[str, Any]:
    """Return the sidebar widgets' values (keyed by URL parameter, as WIDGET_DEFAULTS) that show `filters`."""
    return {
        field.param: field.to_widget(getattr(filters, field.attr)) for field in FIELDS if field.to_widget is not None
    }


WIDGET_DEFAULTS = widget_state(NO_FILTERS)
"""The sidebar's widget keys (named after their URL parameters) and their values when nothing is filtered."""


def from_widgets(values: Mapping[str, Any], *, incident: str | None = None) -> Filters:
    """Return the filters that widget values (keyed as WIDGET_DEFAULTS; missing keys take the default) select."""
    chosen = {**WIDGET_DEFAULTS, **values}
    return Filters(**{field.attr: field.from_widget(chosen[field.param]) for field in WIDGET_FIELDS}, incident=incident)


def filter_incidents(frame: pd.DataFrame, filters: Filters, *, matches: pd.Series | None = None) -> pd.DataFrame:
    """Return the rows of `frame` (the dashboard's incidents frame) that pass every filter set in `filters`;
    `matches`, when given, is which rows the text search keeps (dashboard.data.text_matches, from the search index).
    When every row passes, `frame` itself: derive new frames from it, never assign into it."""
    keep = pd.Series(True, index=frame.index)
    for field in FIELDS:
        value = getattr(filters, field.attr)
        if field.keep is not None and value != field.default:
            keep &= matches if field.attr == "query" and matches is not None else field.keep(frame, value, filters)
    kept = keep.to_numpy(dtype=bool)
    if kept.all():  # no copy: the page's frames are shared and read-only, and a million rows took 0.1 s to copy
        return frame
    # Positions: a boolean mask takes a frame's columns at half the speed (0.18 against 0.08 s for 572,000 of 1M).
    return frame.iloc[np.flatnonzero(kept)]


def narrows(filters: Filters) -> bool:
    """True when a filter that keeps rows is set: not just the view, the radius or the open incident."""
    return any(field.keep is not None and getattr(filters, field.attr) != field.default for field in FIELDS)


def dated_filter(filters: Filters) -> bool:
    """True when a date filter is set, so that the incidents without a date are left out unless included."""
    return filters.date_from is not None or filters.date_to is not None


def _shorten(text: str, limit: int = NOTICE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
