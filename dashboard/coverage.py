"""News beside recorded crime, pure: per borough, police.uk recorded crimes, news incidents and news incidents per
1,000 recorded crimes over the months with imported data, with funnel-plot limits, and the Vega-Lite funnel chart.

A borough's months count only when its home force (the City of London Police for the City, the Met elsewhere) has
imported them, so a month the Met has not imported is not read as a month without crime: the home forces are fixed,
not read from the rows imported, whose other forces (the City's stray rows in Camden, British Transport Police) would
otherwise stand in for a force never imported.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from extract.geo.gazetteer import BOROUGHS
from extract.store import RECORDED_COLUMNS

PER = 1_000  # the ratio is news incidents per this many recorded crimes
LIMITS = (("95%", 1.959964), ("99.8%", 3.090232))  # funnel limits: two-sided normal quantiles (Spiegelhalter 2005)
SMALL_EXPECTED = 5.0  # fewer news incidents expected at the London-wide rate: the ratio says nothing, drawn grey
CURVE_STEPS = 80  # points along each funnel limit; the curves are smooth at this many on a log axis
BANDS = (
    ("above 99.8% limit", "#b2182b"),
    ("above 95% limit", "#ef8a62"),
    ("within limits", "#4d4d4d"),
    ("below 95% limit", "#67a9cf"),
    ("below 99.8% limit", "#2166ac"),
    ("too few to say", "#cccccc"),
)
"""Where a borough falls against the funnel, and its colour: red above (more news than London's rate), blue below."""
COVERAGE_COLUMNS = ("borough", "recorded", "news", "per_1000", "expected", "band")
CITY = "City of London"
CITY_FORCE = "City of London Police"  # police.uk's "Falls within" names
HOME_FORCE = "Metropolitan Police Service"  # every other borough's
HOME_FORCES = {borough: CITY_FORCE if borough == CITY else HOME_FORCE for borough in BOROUGHS}
"""{borough: the force whose months it is counted over}; a name outside BOROUGHS has none, and no month counts."""
KEY_SEPARATOR = "\x1f"  # joins force and month into one key; no force name or month contains it


@dataclass(frozen=True, slots=True)
class Coverage:
    """News beside recorded crime for some months and categories: one row per borough and what was left out."""

    boroughs: pd.DataFrame  # COVERAGE_COLUMNS, one row per borough with recorded crime in its covered months
    months: tuple[str, ...]  # the months asked for, YYYY-MM
    missing: tuple[tuple[str, tuple[str, ...]], ...]  # (home force, its months without imported data)
    rate: float | None  # London-wide news incidents per PER recorded crimes, None without recorded crime
    news_uncovered: int  # news incidents in the months and categories, left out: no recorded data for their month
    news_undated: int  # news incidents left out: no date
    news_unplaced: int  # news incidents left out: no borough
    news_unrecorded: int  # news incidents left out: a category with no recorded crime imported
    news_unmatched: int  # news incidents left out: their borough has no recorded crime in these months and categories
    not_recorded: tuple[str, ...]  # those categories, of the ones asked for (or all found in the news)


def recorded_frame(rows: Iterable[tuple]) -> pd.DataFrame:
    """Return store rows (RECORDED_COLUMNS order) as a DataFrame with those columns."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(RECORDED_COLUMNS))
    frame["count"] = frame["count"].astype("int64")
    return frame


def month_span(
    first: date | str | None, last: date | str | None, imported: Iterable[tuple[str, str]]
) -> tuple[str, ...]:
    """Return the months YYYY-MM from `first` to `last` inclusive; an open end takes the first or last month imported.

    No months at all when nothing is imported and an end is open, or when `first` is after `last`.
    """
    months = sorted(m for _, m in imported)
    start = _month(first) or (months[0] if months else None)
    end = _month(last) or (months[-1] if months else None)
    if start is None or end is None or start > end:
        return ()
    found = [start]
    while found[-1] < end:
        found.append(_next_month(found[-1]))
    return tuple(found)


def coverage(
    recorded: pd.DataFrame,
    imported: Collection[tuple[str, str]],
    news: pd.DataFrame,
    *,
    months: Sequence[str],
    categories: Collection[str] = (),
) -> Coverage:
    """Return news beside recorded crime per borough over `months`, for `categories` (all when empty).

    `recorded` has RECORDED_COLUMNS, `imported` the (force, month) pairs imported, `news` one row per news incident
    (or event) with `borough`, `date` (YYYY-MM-DD, YYYY-MM or missing) and `category`, or one row per group of them
    with how many in `n` (news_counts). A borough-month counts when the borough's home force imported that month;
    the rest is left out on both sides and reported.
    """
    imported = set(imported)
    recorded_categories = set(recorded["category"].unique())
    wanted = set(months)

    rec = recorded[recorded["month"].isin(wanted)]
    if categories:
        rec = rec[rec["category"].isin(categories)]
    rec = rec[_covered(rec["borough"], rec["month"], imported)]

    month = news["date"].astype("string").str.slice(0, 7)
    undated = ~month.str.fullmatch(r"\d{4}-\d{2}").fillna(False).astype(bool)
    in_categories = news["category"].isin(categories) if categories else pd.Series(True, index=news.index)
    asked = in_categories & month.isin(wanted).fillna(False).astype(bool)
    unplaced = asked & news["borough"].isna()
    # News of a category police.uk has no count of (none imported, or not a police.uk category) has no denominator.
    unrecorded = asked & news["borough"].notna() & ~news["category"].isin(recorded_categories)
    inside = asked & news["borough"].notna() & ~unrecorded
    covered = inside & _covered(news["borough"], month, imported)
    n = news["n"].to_numpy(dtype="int64") if "n" in news else np.ones(len(news), dtype="int64")

    def counted(mask: pd.Series) -> int:
        return int(n[mask.to_numpy(dtype=bool)].sum())

    per_borough = pd.DataFrame(
        {
            "recorded": rec.groupby("borough")["count"].sum(),
            # Arrays: a boolean Series of a million rows made pandas hash the ids (dashboard.positions).
            "news": pd.DataFrame({"borough": news["borough"].to_numpy(dtype=object), "n": n})[
                covered.to_numpy(dtype=bool)
            ]
            .groupby("borough")["n"]
            .sum(),
        }
    )
    per_borough = per_borough.fillna(0).astype("int64")
    # A borough with news but no recorded crime here has no ratio: its news is left out and said so.
    unmatched = int(per_borough.loc[per_borough["recorded"] == 0, "news"].sum())
    per_borough = per_borough[per_borough["recorded"] > 0].sort_index()
    total_recorded = int(per_borough["recorded"].sum())
    rate = PER * int(per_borough["news"].sum()) / total_recorded if total_recorded else None
    table = _banded(per_borough, rate)

    seen_categories = set(categories) or {
        c for c in pd.unique(news["category"].array[asked.to_numpy(dtype=bool)]) if isinstance(c, str)
    }
    # Only a home force's gaps leave months out, whether or not it was ever imported; another force's (British
    # Transport Police, or a force outside London imported from an all-forces archive) change nothing.
    forces = sorted(set(HOME_FORCES.values()))
    return Coverage(
        boroughs=table,
        months=tuple(months),
        missing=tuple(
            (force, tuple(m for m in months if (force, m) not in imported))
            for force in forces
            if any((force, m) not in imported for m in months)
        ),
        rate=rate,
        news_uncovered=counted(inside & ~covered),
        news_undated=counted(in_categories & undated),
        news_unplaced=counted(unplaced),
        news_unrecorded=counted(unrecorded),
        news_unmatched=unmatched,
        not_recorded=tuple(sorted(seen_categories - recorded_categories)),
    )


def month_ranges(months: Sequence[str]) -> str:
    """Return sorted months as text with runs of consecutive months joined: "2019-01 to 2019-03, 2019-06"."""
    runs: list[list[str]] = []
    for month in sorted(months):
        if runs and _next_month(runs[-1][-1]) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs)


def funnel_spec(found: Coverage) -> dict:
    """Return the Vega-Lite funnel plot: news per 1,000 recorded crimes against recorded crimes, one point per
    borough, London's rate as a line and its 95% and 99.8% limits as curves; boroughs with too few incidents grey."""
    table = found.boroughs
    points = [
        {
            "borough": row.borough,
            "recorded": int(row.recorded),
            "news": int(row.news),
            "per_1000": round(float(row.per_1000), 3),
            "band": row.band,
        }
        for row in table.itertuples(index=False)
    ]
    span = _x_span(table["recorded"])
    curves = _limit_curves(found.rate, span) if found.rate is not None and span else []
    scale = {"type": "log", "domain": list(span), "nice": False} if span else {"type": "log"}
    x = {"field": "recorded", "type": "quantitative", "scale": scale, "title": "Recorded crimes (log scale)"}
    y = {"field": "per_1000", "type": "quantitative", "title": f"News incidents per {PER:,} recorded crimes"}
    layers: list[dict] = [
        {
            "data": {"values": curves},
            "mark": {"type": "line", "clip": True},
            "encoding": {
                "x": x,
                "y": {**y, "field": "limit"},
                "detail": {"field": "curve"},
                "strokeDash": {
                    "field": "level",
                    "type": "nominal",
                    "title": "Limits",
                    "scale": {"domain": [name for name, _ in LIMITS], "range": [[6, 3], [2, 2]]},
                },
                "color": {"value": "#999999"},
            },
        },
        {
            "data": {"values": points},
            "mark": {"type": "circle", "size": 70, "opacity": 0.9},
            "encoding": {
                "x": x,
                "y": y,
                "color": {
                    "field": "band",
                    "type": "nominal",
                    "title": "Against London's rate",
                    "scale": {"domain": [b for b, _ in BANDS], "range": [c for _, c in BANDS]},
                },
                "tooltip": [
                    {"field": "borough", "title": "Borough"},
                    {"field": "recorded", "title": "Recorded crimes", "format": ","},
                    {"field": "news", "title": "News incidents", "format": ","},
                    {"field": "per_1000", "title": f"Per {PER:,} recorded", "format": ".2f"},
                    {"field": "band", "title": "Against London's rate"},
                ],
            },
        },
    ]
    if found.rate is not None:
        layers.insert(
            1,
            {
                "data": {"values": [{"rate": found.rate}]},
                "mark": {"type": "rule", "color": "#999999"},
                "encoding": {"y": {"field": "rate", "type": "quantitative"}},
            },
        )
    return {
        "height": 420,
        "layer": layers,
        "resolve": {"scale": {"color": "independent"}},
    }


def band(news: int, expected: float) -> str:
    """Return where a borough's news count falls against the count London's rate expects of it (a BANDS name)."""
    if expected < SMALL_EXPECTED:
        return BANDS[-1][0]
    # A count with Poisson variance about its expectation: z of the observed ratio against London's.
    z = (news - expected) / math.sqrt(expected)
    if z > LIMITS[1][1]:
        return BANDS[0][0]
    if z > LIMITS[0][1]:
        return BANDS[1][0]
    if z < -LIMITS[1][1]:
        return BANDS[4][0]
    if z < -LIMITS[0][1]:
        return BANDS[3][0]
    return BANDS[2][0]


def _covered(boroughs: pd.Series, months: pd.Series, imported: set[tuple[str, str]]) -> pd.Series:
    """Whether each (borough, month) has its home force's data; one string key per pair keeps it a column operation."""
    keys = boroughs.map(HOME_FORCES).astype("string") + KEY_SEPARATOR + months.astype("string")
    wanted = {f"{force}{KEY_SEPARATOR}{month}" for force, month in imported}
    return keys.isin(wanted).fillna(False).astype(bool)


def _banded(per_borough: pd.DataFrame, rate: float | None) -> pd.DataFrame:
    table = per_borough.reset_index(names="borough")
    table["per_1000"] = PER * table["news"] / table["recorded"]
    table["expected"] = (rate or 0.0) * table["recorded"] / PER
    table["band"] = [band(row.news, row.expected) for row in table.itertuples(index=False)]
    return table[list(COVERAGE_COLUMNS)]


def _x_span(recorded: pd.Series) -> tuple[float, float] | None:
    """The recorded-crime axis: from half the smallest borough to twice the largest, so no point sits on an edge."""
    if recorded.empty:
        return None
    return max(1.0, float(recorded.min()) / 2), float(recorded.max()) * 2


def _limit_curves(rate: float, span: tuple[float, float]) -> list[dict]:
    """The funnel's limits across the axis: rate ± z·sqrt(rate·PER / recorded)."""
    low, high = span
    steps = [low * (high / low) ** (i / (CURVE_STEPS - 1)) for i in range(CURVE_STEPS)]
    rows = []
    for level, z in LIMITS:
        for side, sign in (("upper", 1), ("lower", -1)):
            for n in steps:
                limit = rate + sign * z * math.sqrt(rate * PER / n)
                rows.append(
                    {
                        "recorded": round(n, 3),
                        "limit": max(0.0, round(limit, 4)),
                        "level": level,
                        "curve": f"{level} {side}",
                    }
                )
    return rows


def _month(value: date | str | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m") if isinstance(value, date) else value[:7]


def _next_month(month: str) -> str:
    y, m = map(int, month.split("-"))
    return f"{y + 1:04d}-01" if m == 12 else f"{y:04d}-{m + 1:02d}"
