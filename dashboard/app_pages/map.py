"""The Map page: filters in the sidebar, the filtered incidents on the map with their legend and details, summaries,
the table with downloads, and the link to this view.

The sidebar's widgets are keyed by their URL parameters (dashboard.filters.FIELDS); a link sets them on a session's
first run, and every run writes them back to the URL.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, maps
from dashboard.display import (
    csv_download,
    details_facts,
    details_heading,
    escape_markdown,
    geojson_download,
    highlighted_evidence,
    incident_table,
    plural,
    share_link,
    updated_ago,
)
from dashboard.filters import (
    ANY,
    DATE_RANGE,
    VIEWS,
    WIDGET_DEFAULTS,
    Choices,
    filter_choices,
    filter_incidents,
    from_widgets,
    load_type_labels,
    parse_params,
    to_params,
    widget_state,
)
from extract.geo.gazetteer import BOROUGHS
from extract.records import PRECISIONS, WEAPONS

TABLE_ROWS = 1_000  # the newest; a longer grid is slow to send, and the downloads hold every row
MAP_HEIGHT = 560
LEGEND_ROW_PX = 35  # st.dataframe's row height: the legend shows every category without a scrollbar


def read_link_once(incidents: pd.DataFrame, choices: Choices) -> None:
    """On a session's first run put the URL's filters into the widgets; later, give missing widgets their default."""
    if data.LINK_READ in st.session_state:
        for key, value in WIDGET_DEFAULTS.items():
            st.session_state.setdefault(key, value)
        return
    found, notices = parse_params({key: st.query_params.get_all(key) for key in st.query_params}, choices=choices)
    if found.incident is not None and found.incident not in incidents.index:
        notices.append("incident: no incident has that id")
        found = from_widgets(widget_state(found))
    st.session_state.update(widget_state(found))
    st.session_state[data.INCIDENT] = found.incident
    st.session_state[data.CENTRE] = maps.incident_centre(incidents, found.incident)
    st.session_state[data.NOTICES] = notices
    st.session_state[data.LINK_READ] = True


def selected_incident(incidents: pd.DataFrame) -> str | None:
    """Return the incident whose details are open: the one last picked on the map, or the one the link named."""
    picked = maps.selected_incident(st.session_state.get(data.MAP))
    if picked != st.session_state.get(data.PICKED):
        st.session_state[data.PICKED] = picked
        st.session_state[data.INCIDENT] = picked
    incident = st.session_state.get(data.INCIDENT)
    return incident if incident in incidents.index else None


def close_details() -> None:
    """Forget the open incident (the map keeps its own selection, so the same point is not reopened)."""
    st.session_state[data.INCIDENT] = None


def show_legend(shown: pd.DataFrame, categories: tuple[maps.Category, ...], drawn: str) -> None:
    """Show what the colours and marks of the drawn view mean."""
    if drawn == "points":
        in_view = shown["category"].value_counts()
        legend = pd.DataFrame(
            {
                " ": ["" for _ in categories],
                "Category": [c.label for c in categories],
                "Shown": [int(in_view.get(c.name, 0)) for c in categories],
            }
        )
        swatches = [f"background-color: #{r:02x}{g:02x}{b:02x}" for r, g, b in (c.color for c in categories)]
        st.dataframe(
            legend.style.apply(lambda _: swatches, subset=[" "]),
            hide_index=True,
            height=LEGEND_ROW_PX * (len(categories) + 1) + 3,
            column_config={
                " ": st.column_config.TextColumn(width=20),
                "Shown": st.column_config.NumberColumn(width=48),
            },
        )
        st.caption("Dot: street or better. Faint ring: approximate place, larger when coarser. Black ring: fatal.")
    elif drawn == "density":
        st.caption("Hexagons of about 0.7 km², light yellow (fewest incidents) to dark red (the most).")
    else:
        st.caption("Boroughs from light yellow (fewest incidents) to dark red (the most).")


def show_details(row: pd.Series, type_labels: Mapping[str, str]) -> None:
    """Show one incident: headline linked to its source, facts, and the evidence with place and type highlighted."""
    with st.container(border=True, key=data.DETAILS):
        st.markdown(details_heading(row))
        st.markdown(details_facts(row, type_labels))
        st.markdown(highlighted_evidence(row))
        st.button("Close details", on_click=close_details)


def show_counts(
    column: Any,
    title: str,
    values: pd.Series,
    *,
    labels: Mapping[str, str] | None = None,
    horizontal: bool = False,
    by_value: bool = False,
) -> None:
    """Show in `column` a bar chart of how often each known value occurs; most frequent first unless `by_value`."""
    found = values.dropna().value_counts().rename("incidents")
    if labels:
        found.index = found.index.map(lambda value: labels.get(value, value))
    column.caption(title)
    if found.empty:
        column.caption("Not known for these incidents.")
    else:
        column.bar_chart((found.sort_index() if by_value else found).to_frame(), horizontal=horizontal)


incidents = data.incidents(data.database_path())
categories = maps.load_categories()
type_labels = load_type_labels()
choices = filter_choices(incidents, boroughs=BOROUGHS, categories=[c.name for c in categories], type_labels=type_labels)
read_link_once(incidents, choices)

st.title("London crime map from the news")
for notice in st.session_state.pop(data.NOTICES, []):
    st.warning(f"Ignored in the link: {escape_markdown(notice)}")

with st.sidebar:
    st.header("Filters")
    st.multiselect("Borough", choices.boroughs, key="borough")
    st.multiselect("Incident type", choices.types, key="type", format_func=lambda t: type_labels.get(t, t))
    st.multiselect("Category", choices.categories, key="category")
    st.date_input("From", value=None, min_value=DATE_RANGE[0], max_value=DATE_RANGE[1], key="from", format="YYYY-MM-DD")
    st.date_input("To", value=None, min_value=DATE_RANGE[0], max_value=DATE_RANGE[1], key="to", format="YYYY-MM-DD")
    st.checkbox("Fatal only", key="fatal")
    st.selectbox("Weapon", (ANY, *WEAPONS), key="weapon")
    st.selectbox(
        "Minimum precision",
        (ANY, *PRECISIONS),
        key="precision",
        format_func=lambda p: "any, or no place" if p == ANY else f"{p} or better",
    )
    st.text_input("Search headlines and evidence", key="q")

view = st.radio("View", VIEWS, key="view", horizontal=True, format_func=str.capitalize)
incident = selected_incident(incidents)
filters = from_widgets({key: st.session_state.get(key) for key in WIDGET_DEFAULTS}, incident=incident)
shown = filter_incidents(incidents, filters)
st.subheader(plural(len(shown), "incident"))
if updated := data.last_update(data.database_path()):
    st.caption(updated_ago(updated))

n_points = int(shown["lat"].notna().sum())
drawn = maps.shown_view(view, n_points)
if drawn != view:
    st.info(
        f"{n_points:,} points are too many to draw one by one (the limit is {maps.POINT_LIMIT:,}), "
        "so the map shows their density. Narrow the filters to see the points."
    )
boroughs = data.borough_shapes()
if drawn == "boroughs" and boroughs is None:
    st.info("The borough boundaries are not available.")
map_column, legend_column = st.columns([5, 2])
with map_column:
    deck = maps.incidents_deck(
        shown,
        view=drawn,
        categories=categories,
        type_labels=type_labels,
        boroughs=boroughs,
        centre=st.session_state.get(data.CENTRE),
    )
    st.pydeck_chart(deck, key=data.MAP, on_select="rerun", selection_mode="single-object", height=MAP_HEIGHT)
with legend_column:
    show_legend(shown, categories, drawn)
if incident:
    show_details(incidents.loc[incident], type_labels)

if len(shown):
    st.header("Summaries")
    by_type, by_borough, over_time = st.columns(3)
    show_counts(by_type, "By type", shown["type"], labels=type_labels, horizontal=True)
    show_counts(by_borough, "By borough", shown["borough"], horizontal=True)
    show_counts(over_time, "By month", shown["date"].str.slice(0, 7), by_value=True)

    st.header("Incidents")
    if len(shown) > TABLE_ROWS:
        st.caption(f"The newest {TABLE_ROWS:,} of {len(shown):,}; the downloads hold all of them.")
    st.dataframe(
        incident_table(shown.head(TABLE_ROWS), type_labels),
        hide_index=True,
        column_config={"Source": st.column_config.LinkColumn("Source")},
    )
    csv_column, geojson_column = st.columns(2)
    csv_column.download_button(
        "Download CSV",
        functools.partial(csv_download, shown),
        file_name="incidents.csv",
        mime="text/csv",
        on_click="ignore",
    )
    geojson_column.download_button(
        "Download GeoJSON",
        functools.partial(geojson_download, shown),
        file_name="incidents.geojson",
        mime="application/geo+json",
        on_click="ignore",
    )
else:
    st.info("No incidents match these filters.")

params = to_params(filters)
if params != {key: st.query_params.get_all(key) for key in st.query_params}:
    st.query_params.from_dict(params)
with st.sidebar:
    st.caption("Copy link to this view")
    st.code(share_link(st.context.url or "", params), language=None, wrap_lines=True)
