"""The summaries' charts, pure: counts ranked most first, and months on a continuous time axis with the empty months
drawn as zero (Vega-Lite through altair)."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from dashboard.maps import present

BAR_PX = 24  # a ranked bar's height: every label has room, and a long list scrolls the page, not the chart
MONTH_CHART_PX = 220


def ranked_counts(counted: pd.Series, *, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Return how often each known value occurs (columns value, incidents), most first, values shown by label;
    `counted` holds the incidents of each value (dashboard.shown.Shown.counts)."""
    counted = present(counted)
    found = pd.DataFrame({"value": counted.index.astype(str), "incidents": counted.to_numpy(dtype=int)})
    if labels:
        found["value"] = found["value"].map(lambda value: labels.get(value, value))
    return found.sort_values(["incidents", "value"], ascending=[False, True], ignore_index=True)


def month_counts(per_date: pd.Series) -> pd.DataFrame:
    """Return the incidents per month (columns month and end, the first days of it and of the next as "YYYY-MM-DD",
    and incidents) of every month from the first date to the last, months without any included as 0; `per_date` holds
    the incidents of each date or month (dashboard.shown.Shown.counts), which are cut to their months."""
    per_date = present(per_date)
    counted = per_date.groupby(per_date.index.astype(str).str.slice(0, 7)).sum()
    counted = counted[counted.index.str.match(r"^\d{4}-\d{2}$")]  # a few hundred months, not every date
    if counted.empty:
        return pd.DataFrame(
            {"month": pd.Series(dtype=str), "end": pd.Series(dtype=str), "incidents": pd.Series(dtype=int)}
        )
    span = pd.period_range(counted.index.min(), counted.index.max(), freq="M")
    return pd.DataFrame(
        {
            "month": [f"{p}-01" for p in span],
            "end": [f"{p + 1}-01" for p in span],
            "incidents": [int(counted.get(str(p), 0)) for p in span],
        }
    )


def ranked_chart(found: pd.DataFrame, *, title: str, measure: str = "Incidents") -> alt.Chart:
    """Return horizontal bars of `ranked_counts`, kept in its order (most first); `measure` names what they count."""
    return (
        alt.Chart(found, title=title, height=alt.Step(BAR_PX))
        .mark_bar()
        .encode(
            y=alt.Y("value:N", sort=None, title=None, axis=alt.Axis(labelLimit=180, labelOverlap=False)),
            x=alt.X("incidents:Q", title=measure, axis=alt.Axis(tickMinStep=1)),
            tooltip=[alt.Tooltip("value:N", title=title), alt.Tooltip("incidents:Q", title=measure)],
        )
    )


def month_chart(found: pd.DataFrame, *, measure: str = "Incidents") -> alt.Chart:
    """Return `month_counts` as bars on a continuous time axis, each as wide as its month: a gap of years is as wide
    as those years; `measure` names what they count."""
    return (
        alt.Chart(found, title="By month", height=MONTH_CHART_PX)
        .mark_bar()
        .encode(
            x=alt.X("month:T", title=None),
            x2="end:T",
            y=alt.Y("incidents:Q", title=measure, axis=alt.Axis(tickMinStep=1)),
            y2=alt.datum(0),  # a bar with a start and an end in x needs its base in y said too
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%B %Y"),
                alt.Tooltip("incidents:Q", title=measure),
            ],
        )
    )
