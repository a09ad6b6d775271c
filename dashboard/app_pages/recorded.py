"""The News vs recorded page: per borough, police.uk recorded crimes beside the news incidents ingested, as a funnel
plot of news incidents per 1,000 recorded crimes for the months and categories chosen, with its caveats always shown.
A news incident is an event (dashboard.events_view): the reports of one incident count once, at the event's borough,
month and category.

The sidebar's widgets are keyed by their URL parameters (from, to and category, read as on the map page); a link
sets them on a session's first run of this page, and every run writes them back to the URL.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, maps
from dashboard.coverage import BANDS, PER, SMALL_EXPECTED, Coverage, coverage, funnel_spec, month_ranges, month_span
from dashboard.display import escape_markdown, link_notice, plural, share_link
from dashboard.filters import (
    DATE_RANGE,
    PARAMS,
    WIDGET_DEFAULTS,
    Choices,
    from_widgets,
    parse_params,
    to_params,
    widget_state,
)
from extract.geo.gazetteer import BOROUGHS

OWN_PARAMS = ("from", "to", "category")  # the map's filters this view uses; its others would filter nothing here
TABLE_COLUMNS = {
    "borough": "Borough",
    "recorded": "Recorded crimes",
    "news": "News incidents",
    "per_1000": f"News per {PER:,} recorded",
    "band": "Against London's rate",
}


def read_link_once(choices: Choices) -> None:
    """On this page's first run in a session put the URL's months and categories into the widgets; later, give
    missing widgets their default."""
    if data.RECORDED_LINK_READ in st.session_state:
        for key in OWN_PARAMS:
            st.session_state.setdefault(key, WIDGET_DEFAULTS[key])
        return
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    found, notices = parse_params(params, choices=choices)
    notices += [f"{key}: not used on this view" for key in params if key in PARAMS and key not in OWN_PARAMS]
    state = widget_state(found)
    st.session_state.update({key: state[key] for key in OWN_PARAMS})
    st.session_state[data.NOTICES] = notices
    st.session_state[data.RECORDED_LINK_READ] = True


def show_caveats(
    found: Coverage, imported: frozenset[tuple[str, str]], *, incidents: int, reports: int, articles: int
) -> None:
    """Show what the comparison cannot say: anonymised locations, months left out, the news ingested only."""
    if found.missing:
        gaps = "; ".join(f"{escape_markdown(force)}: {month_ranges(months)}" for force, months in found.missing)
        months = f"Months without imported police.uk data are left out of the ratio, news included. {gaps}."
    elif found.months:
        months = f"Every month shown ({month_ranges(found.months)}) has imported police.uk data."
    else:
        months = "No months to compare: import police.uk data, or widen the dates."
    left_out = [
        (found.news_undated, "with no date"),
        (found.news_unplaced, "with no borough"),
        (found.news_uncovered, "in months without police.uk data"),
        (found.news_unrecorded, "of a category with no recorded crime imported"),
        (found.news_unmatched, "in boroughs with no recorded crime in these months and categories"),
    ]
    news = (
        f"The news side counts each incident once, however many reports tell it ({plural(incidents, 'incident')} "
        f"told by {plural(reports, 'report')} in {plural(articles, 'article')}), and only those found in the "
        "articles this project has ingested, not all that was reported."
    )
    not_counted = [f"{n:,} {why}" for n, why in left_out if n]
    if not_counted:
        news += " Not counted: " + "; ".join(not_counted) + "."
    st.info(
        "\n".join(
            [
                "- Police.uk locations are anonymised snap points: each crime is counted in the borough of its "
                "area (LSOA), which near a boundary may not be where it happened.",
                f"- {months}",
                f"- {news}",
            ]
        ),
        icon=":material/info:",
    )
    if found.not_recorded and imported:
        st.caption(f"No recorded crime imported for: {escape_markdown(', '.join(found.not_recorded))}.")


def borough_table(found: Coverage) -> pd.DataFrame:
    """Return the per-borough numbers in alphabetical order (a reference, not a ranking)."""
    table = found.boroughs[list(TABLE_COLUMNS)].rename(columns=TABLE_COLUMNS)
    return table.sort_values("Borough").reset_index(drop=True)


db_path = data.database_path()
recorded, imported = data.recorded_crime(db_path)
# The news side, the events counted by borough, month and category. The editors' events: their boroughs, months and
# categories are the public one's, and they need no masking when this page is a session's first.
news = data.news_counts(db_path)
known = [c.name for c in maps.load_categories()]
extra = set(recorded["category"]) | {c for c in news["category"] if isinstance(c, str)}
choices = Choices(boroughs=BOROUGHS, types=(), categories=tuple(known) + tuple(sorted(extra - set(known))))
read_link_once(choices)

st.title("News vs recorded crime")
if notice := link_notice(st.session_state.pop(data.NOTICES, [])):
    st.warning(notice)

with st.sidebar:
    st.header("Months and categories")
    st.date_input("From", value=None, min_value=DATE_RANGE[0], max_value=DATE_RANGE[1], key="from", format="YYYY-MM-DD")
    st.date_input("To", value=None, min_value=DATE_RANGE[0], max_value=DATE_RANGE[1], key="to", format="YYYY-MM-DD")
    st.multiselect("Category", choices.categories, key="category")
    st.caption("Whole months: police.uk publishes counts per month. Without dates, every month imported.")

filters = from_widgets({key: st.session_state.get(key) for key in OWN_PARAMS})
months = month_span(filters.date_from, filters.date_to, imported)
found = coverage(recorded, imported, news, months=months, categories=filters.categories)
events, reports, articles = data.news_totals(db_path)
show_caveats(found, imported, incidents=events, reports=reports, articles=articles)

if not imported:
    st.info("No police.uk recorded crime has been imported yet: `python -m extract policeuk FILES --db DATABASE`.")
elif found.boroughs.empty:
    st.info("No recorded crime in these months and categories.")
else:
    total, in_news, rate = st.columns(3)
    total.metric("Recorded crimes", f"{int(found.boroughs['recorded'].sum()):,}")
    in_news.metric("News incidents", f"{int(found.boroughs['news'].sum()):,}")
    rate.metric(f"News per {PER:,} recorded, London", f"{found.rate:.2f}")
    st.vega_lite_chart(funnel_spec(found), width="stretch")
    st.caption(
        f"Each point is a borough. The line is London's rate; a borough between the curves differs from it no more "
        f"than chance would explain (95% and 99.8% limits). {BANDS[-1][0].capitalize()} (grey): fewer than "
        f"{SMALL_EXPECTED:g} news incidents expected at London's rate, so its ratio says nothing yet."
    )
    st.dataframe(
        borough_table(found),
        hide_index=True,
        column_config={TABLE_COLUMNS["per_1000"]: st.column_config.NumberColumn(format="%.2f")},
    )

params = to_params(filters)
if params != {key: st.query_params.get_all(key) for key in st.query_params}:
    st.query_params.from_dict(params)
with st.sidebar:
    st.caption("Copy link to this view")
    st.code(share_link(st.context.url or "", params), language=None, wrap_lines=True)
