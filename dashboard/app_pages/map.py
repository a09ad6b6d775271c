"""The Map page: filters in the sidebar, a place search, the filtered incidents on the map (fitted to them) with the
open incident's details beside it and the legend, summaries, the table with downloads, and the link to this view.

By default a point is an event, the reports of one incident merged (dashboard.events_view), and every count counts
events; the toggle "Every report" (`count=reports` in the link) shows each report instead.

The filter widgets are keyed by their URL parameters (dashboard.filters.FIELDS); a link sets them on a session's
first run, and every run writes them back to the URL. An incident opens from a marker, a table row or a link.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import auth, charts, data, maps
from dashboard.display import (
    SOURCE_SHOWN,
    be,
    count_line,
    csv_download,
    details_facts,
    details_heading,
    escape_markdown,
    geojson_download,
    highlighted_evidence,
    incident_table,
    link_notice,
    plural,
    report_source,
    shade_label,
    share_link,
    table_incident,
    undrawn_note,
    updated_ago,
)
from dashboard.events_view import REPORT_IDS
from dashboard.filters import (
    ANY,
    DATE_RANGE,
    KM_RANGE,
    MAX_PLACE_CHARS,
    MAX_QUERY_CHARS,
    SHADES,
    VIEWS,
    WIDGET_DEFAULTS,
    Choices,
    Filters,
    Near,
    dated_filter,
    from_widgets,
    load_type_labels,
    narrows,
    parse_params,
    to_params,
    widget_state,
)
from dashboard.problem_reports import report_problem_form
from dashboard.shown import Shown
from extract.geo.gazetteer import BOROUGHS
from extract.records import PRECISIONS, WEAPONS

# Widgets every run of this page draws and no other page does (News vs recorded draws From, To and Category): gone from
# the session once another page has run.
ALWAYS_DRAWN = ("borough", "type", "q")
TABLE_ROWS = 1_000  # the newest; a longer grid is slow to send, and the downloads hold every row
MAP_HEIGHT = 560
LEGEND_ROW_PX = 35  # st.dataframe's row height: the legend shows every group without a scrollbar
ISO = "YYYY-MM-DD"  # the date pickers show dates as links write them
STACK_SHOWN = 25  # a marker's incidents listed in its details; a borough's centre can hold hundreds
SHADE_LABELS = {"incidents": "Incidents", "residents": "Per 100,000 residents"}
# The title on one or two lines on a phone, rather than three (Streamlit's h1 is 2.75rem at every width).
PHONE_CSS = "<style>@media (max-width: 640px) { h1 { font-size: 1.75rem !important; } }</style>"
KM_WIDTH_PX = 120
COUNT_HELP = (
    "Off: one point per incident, the news reports of it merged, and every count counts incidents. "
    "On: one point per news report, so an incident told by three outlets counts three times."
)
MARKS = (
    "Dot: placed at a street or more precisely. Ring: placed only at a station, postcode, area, ward or borough. "
    "Black ring: fatal. A number: that many incidents at one place, coloured by their most common group."
)


def read_link(choices: Choices, *, public_view: bool) -> None:
    """Put the URL's filters into the widgets on a session's first run, and when the address is not the one this page
    last wrote (the browser's Back or Forward); coming back from another page without parameters, whose run let go of
    this page's widgets, put back the filters it last showed; otherwise give missing widgets their default."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    if data.LINK_READ in st.session_state:
        written = st.session_state.get(data.LINK_WRITTEN, {})
        returning = not any(key in st.session_state for key in ALWAYS_DRAWN)
        if params != written and (params or not returning):  # Back or Forward, or a link to this page
            _read(params, choices, public_view=public_view)
            return
        if returning:
            st.session_state.update(widget_state(parse_params(written, choices=choices)[0]))
        for key, value in WIDGET_DEFAULTS.items():
            st.session_state.setdefault(key, value)
        return
    _read(params, choices, public_view=public_view)


def _read(params: Mapping[str, Sequence[str]], choices: Choices, *, public_view: bool) -> None:
    """Put the filters and the incident of the link `params` (a report's, or an event's) into the session, with
    notices of what was dropped."""
    found, notices = parse_params(params, choices=choices)
    held, centre = data.located(data.database_path(), found.incident, public_view=public_view, events_view=False)
    if found.incident is not None and not held:
        notices.append("incident: no incident has that id")
        found = from_widgets(widget_state(found))
    st.session_state.update(widget_state(found))
    st.session_state[data.INCIDENT] = found.incident
    st.session_state[data.CENTRE] = centre
    st.session_state[data.NOTICES] = notices
    st.session_state[data.LINK_READ] = True


def widget_key(base: str) -> str:
    """Return the key of the map's or the table's selection (data.MAP or data.TABLE) in its current round."""
    return f"{base}-{st.session_state.get(data.ROUNDS, {}).get(base, 0)}"


def clear_selection(*bases: str) -> None:
    """Give the map's or the table's selection a new key: a new widget, with nothing selected."""
    rounds = st.session_state.setdefault(data.ROUNDS, {})
    picked = st.session_state.setdefault(data.PICKED, {})
    for base in bases:
        rounds[base] = rounds.get(base, 0) + 1
        picked.pop(base, None)


def refit_on_change(filters: Filters) -> None:
    """When the filters differ from the last run's, let the map fit them again and clear the selections: a row or
    marker position of the old incidents would pick another incident among the new."""
    params = to_params(replace(filters, incident=None))
    if st.session_state.get(data.FILTERED, params) != params:
        clear_selection(data.MAP, data.TABLE)
        st.session_state[data.CENTRE] = None
    st.session_state[data.FILTERED] = params


def follow_pick(base: str, picked: str | None, *, centre: bool, public_view: bool, events_view: bool) -> None:
    """Open the incident newly picked on the map or in the table (data.MAP or data.TABLE; centred on the map when
    `centre`) and clear the other's selection; close the details when the pick that opened them is undone."""
    picks = st.session_state.setdefault(data.PICKED, {})
    before = picks.get(base)
    if picked == before:
        return
    picks[base] = picked
    if picked is not None:
        st.session_state[data.INCIDENT] = picked
        if centre:
            _, st.session_state[data.CENTRE] = data.located(
                data.database_path(), picked, public_view=public_view, events_view=events_view
            )
        clear_selection(data.TABLE if base == data.MAP else data.MAP)
    elif st.session_state.get(data.INCIDENT) == before:
        st.session_state[data.INCIDENT] = None


def close_details() -> None:
    """Close the details, and clear the map's and the table's selections, so that the next pick opens at once."""
    st.session_state[data.INCIDENT] = None
    clear_selection(data.MAP, data.TABLE)


def open_event(*, public_view: bool) -> None:
    """Open the event of the report that a link, or the page showing every report, opened; the map centres on the
    event's marker when it centred on the report's."""
    incident = st.session_state.get(data.INCIDENT)
    found = data.event_row(data.database_path(), incident, public_view=public_view)
    if found != incident:
        st.session_state[data.INCIDENT] = found
        if st.session_state.get(data.CENTRE) is not None:
            _, st.session_state[data.CENTRE] = data.located(
                data.database_path(), found, public_view=public_view, events_view=True
            )


def download(make: Callable[..., str], filters: Filters, *, public_view: bool, events_view: bool) -> str:
    """Return `make` (display.csv_download or geojson_download) of the rows `filters` keep, whole
    (data.shown_rows), with the reports of each when they are events, when a download is asked for.

    The button keeps this until the session's next run: given the rows, an idle session kept its filtered frame
    (or, unfiltered, a database version's whole frame after the database changed)."""
    db_path = data.database_path()
    ids = data.shown(db_path, filters, public_view=public_view, events_view=events_view).newest()
    found = data.shown_rows(db_path, ids, public_view=public_view, events_view=events_view)
    return make(found, reports=reports_of(found, public_view=public_view) if events_view else None)


def reports_of(events: pd.DataFrame, *, public_view: bool) -> pd.DataFrame:
    """Return the reports of these events whole (data.shown_rows), indexed by incident id."""
    ids = list(dict.fromkeys(i for told in events[REPORT_IDS] for i in told))
    return data.shown_rows(data.database_path(), ids, public_view=public_view, events_view=False)


def resolve_near(near: Near | None) -> tuple[Near | None, str | None]:
    """Return the place search with where the offline gazetteer puts it, and what to tell when it found no place
    narrower than London."""
    if near is None:
        return None, None
    place = data.gazetteer().locate(near.text)
    if place is None:
        return near, (
            f"No place called “{escape_markdown(near.text)}” was found in London. Try a street, a postcode, "
            "a station or an area. The map shows incidents anywhere."
        )
    if place.precision == maps.UNDRAWN_PRECISION:
        return near, "That is all of London. Try a street, a postcode, a station or an area."
    return replace(near, place=place), None


def date_slider(stored: tuple[str, str] | None) -> None:
    """Show a slider over the dates `stored` (data.stored_dates), in step with From and To: it shows them, and moving
    it sets them."""
    if stored is None:
        return
    try:  # the store keeps ISO dates; anything else leaves the From and To boxes alone
        first, last = date.fromisoformat(stored[0]), date.fromisoformat(stored[1])
    except (TypeError, ValueError):
        return
    # Within the pickers' bounds: Streamlit refuses a slider reaching past 2255, and a date beyond DATE_RANGE (stored
    # before ingest refused such publication dates, or by another writer) would stop the page.
    first, last = max(first, DATE_RANGE[0]), min(last, DATE_RANGE[1])
    if first >= last:
        return
    chosen_from, chosen_to = st.session_state.get("from"), st.session_state.get("to")
    if (chosen_from and chosen_from > last) or (chosen_to and chosen_to < first):
        return  # the dates chosen are beyond those stored: a slider clamped to them would show other dates
    if chosen_from and chosen_to and chosen_from > chosen_to:
        return
    low = min(max(st.session_state.get("from") or first, first), last)
    high = max(min(st.session_state.get("to") or last, last), low)
    st.session_state[data.DATES] = (low, high)
    st.slider("Dates", min_value=first, max_value=last, key=data.DATES, on_change=dates_moved, args=(first, last))


def dates_moved(first: date, last: date) -> None:
    """Set From and To to the slider's ends; an end at the first or last date stored leaves that side open."""
    low, high = st.session_state[data.DATES]
    st.session_state["from"] = low if low > first else None
    st.session_state["to"] = high if high < last else None


def show_undated(shown: Shown, filters: Filters, noun: str, kept: Callable[[Filters], Shown]) -> None:
    """Under a date filter, say how many incidents (or reports: `noun`) without a date it leaves out (or includes),
    with the switch; `kept` gives what other filters keep (data.shown)."""
    if not dated_filter(filters):
        return
    n = (shown if filters.undated else kept(replace(filters, undated=True))).missing("date")
    if n or filters.undated:
        st.caption(f"{plural(n, noun)} without a date {be(n)} {'shown' if filters.undated else 'not shown'}.")
        st.toggle(f"Include {noun}s without a date", key="undated")


def show_legend(
    shown: Shown,
    drawn: str,
    groups: Sequence[maps.Group],
    values: Sequence[float],
    *,
    per_residents: bool,
    noun: str,
) -> None:
    """Show what the colours and marks of the drawn view mean: the groups present with their counts, or the classes
    of the shading (incidents or reports, as `noun` says, or incidents per 100,000 residents) with their ranges."""
    if drawn == "points":
        present = maps.group_counts(shown.pairs("type", "weapon", drawn=True), groups)
        rows = pd.DataFrame({" ": [""] * len(present), "Group": [g.label for g, _ in present]})
        rows["Shown"] = [n for _, n in present]
        colors = [g.color for g, _ in present]
        heading = "Shown"
    else:
        shades = maps.shades(values)
        measure = SHADE_LABELS["residents"] if per_residents else f"{noun}s".capitalize()
        heading = "Boroughs" if drawn == "boroughs" else "Hexagons"
        rows = pd.DataFrame(
            {" ": [""] * len(shades), measure: [shade_label(s, whole=not per_residents) for s in shades]}
        )
        rows[heading] = [sum(1 for v in values if (s.low or 0) < v <= s.high) for s in shades]
        colors = [s.color for s in shades]
    if rows.empty:
        st.caption("Nothing to draw for these filters.")
    else:
        swatches = [f"background-color: #{r:02x}{g:02x}{b:02x}" for r, g, b in colors]
        st.dataframe(
            rows.style.apply(lambda _: swatches, subset=[" "]),
            hide_index=True,
            height=LEGEND_ROW_PX * (len(rows) + 1) + 3,
            column_config={
                " ": st.column_config.TextColumn(width=20),
                heading: st.column_config.NumberColumn(width=56),
            },
        )
    if drawn == "points":
        st.caption(MARKS)
    elif drawn == "density":
        st.caption(f"{noun.capitalize()}s per hexagon of about 0.7 km²; the classes hold about as many hexagons each.")
    else:
        st.caption(f"The classes hold about as many boroughs each; boroughs without {noun}s are not shaded.")


def show_details(rows: pd.DataFrame, type_labels: Mapping[str, str], *, reports: pd.DataFrame | None) -> None:
    """Show the open incident and the others drawn in its marker: each headline linked to its source, facts, and the
    evidence with place and type highlighted; for events (`reports` holds the reports of the first STACK_SHOWN),
    every report's evidence and its outlet, date and link."""
    with st.container(border=True, key=data.DETAILS, height=MAP_HEIGHT if len(rows) > 1 else "content"):
        if len(rows) > 1:
            st.caption(f"{plural(len(rows), 'incident' if reports is not None else 'report')} at this place")
        about: dict[str, str] = {}  # what a problem report may be about: each report shown, by incident id
        for i, (_, row) in enumerate(rows.head(STACK_SHOWN).iterrows()):
            if i:
                st.divider()
            st.markdown(details_heading(row))
            st.markdown(details_facts(row, type_labels))
            if reports is None:
                st.markdown(highlighted_evidence(row))
                about[str(row["incident_id"])] = row["headline"]
                continue
            told = reports.loc[list(row[REPORT_IDS])]
            about.update((str(r["incident_id"]), r["headline"]) for _, r in told.iterrows())
            if len(told) > 1:
                st.caption(f"Told by {plural(len(told), 'report')}:")
            for _, report in told.iterrows():
                st.markdown(highlighted_evidence(report))
                # The heading links a lone report already.
                st.markdown(report_source(report, headline=len(told) > 1))
        if len(rows) > STACK_SHOWN:
            st.caption(f"And {len(rows) - STACK_SHOWN:,} more: narrow the filters, or see the table.")
        st.button("Close details", on_click=close_details)
        report_problem_form(about)


def show_ranked(column: st.delta_generator.DeltaGenerator, title: str, found: pd.DataFrame, noun: str) -> None:
    """Show in `column` a bar chart of `charts.ranked_counts` of incidents (or reports: `noun`), most first."""
    if found.empty:
        column.caption(f"{title}: not known for these {noun}s.")
    else:
        column.altair_chart(charts.ranked_chart(found, title=title, measure=f"{noun}s".capitalize()), width="stretch")


# Editors see the full text; readers see names masked and sexual offences protected (dashboard.privacy).
public_view = not auth.current_editor()
groups = maps.load_groups()
categories = maps.load_categories()
type_labels = load_type_labels()
population = maps.load_population()
boroughs = data.borough_shapes()
choices = data.filter_choices(
    data.database_path(), boroughs=BOROUGHS, categories=[c.name for c in categories], type_labels=type_labels
)
read_link(choices, public_view=public_view)

st.html(PHONE_CSS)
st.title("London crime map from the news")
if notice := link_notice(st.session_state.pop(data.NOTICES, [])):
    st.warning(notice)

with st.sidebar:
    st.header("Filters")
    st.multiselect("Borough", choices.boroughs, key="borough")
    st.multiselect("Incident type", choices.types, key="type", format_func=lambda t: type_labels.get(t, t))
    st.multiselect("Category", choices.categories, key="category")
    date_from, date_to = st.columns(2)
    for column, label, key in ((date_from, "From", "from"), (date_to, "To", "to")):
        column.date_input(label, value=None, min_value=DATE_RANGE[0], max_value=DATE_RANGE[1], key=key, format=ISO)
    date_slider(data.stored_dates(data.database_path()))
    st.checkbox("Fatal only", key="fatal")
    st.selectbox("Weapon", (ANY, *WEAPONS), key="weapon")
    st.selectbox(
        "Minimum precision",
        (ANY, *PRECISIONS),
        key="precision",
        format_func=lambda p: "any, or no place" if p == ANY else f"{p} or better",
    )
    st.text_input("Search headlines and evidence", key="q", max_chars=MAX_QUERY_CHARS)

# Rows that stay rows on a phone (st.columns stack below 640 px), so that the map starts higher up.
with st.container(horizontal=True, vertical_alignment="bottom"):
    st.text_input(
        "Near a place",
        key="near",
        max_chars=MAX_PLACE_CHARS,
        placeholder="Street, postcode, station or area",
        width="stretch",
    )
    st.number_input(
        "Within km", min_value=KM_RANGE[0], max_value=KM_RANGE[1], step=0.5, key="km", format="%g", width=KM_WIDTH_PX
    )
with st.container(horizontal=True):
    view = st.radio("View", VIEWS, key="view", horizontal=True, format_func=str.capitalize, width="content")
    if view == "boroughs":
        st.radio(
            "Shade by", SHADES, key="shade", horizontal=True, format_func=SHADE_LABELS.__getitem__, width="content"
        )
    st.toggle("Every report", key="count", help=COUNT_HELP)

filters = from_widgets({key: st.session_state.get(key) for key in WIDGET_DEFAULTS})
every_report = filters.count == "reports"
noun = "report" if every_report else "incident"
if not every_report:
    open_event(public_view=public_view)
near, near_problem = resolve_near(filters.near)
filters = replace(filters, near=near)
if near_problem:
    st.warning(near_problem)
refit_on_change(filters)
# Filters, counts and aggregates are asked of what the filters keep (data.shown), without texts; the rows shown get
# theirs (data.shown_rows): an event's from the events frame, then from its lead report.
kept = functools.partial(data.shown, data.database_path(), public_view=public_view, events_view=not every_report)
shown_rows = functools.partial(
    data.shown_rows, data.database_path(), public_view=public_view, events_view=not every_report
)
shown = kept(filters)
table_rows = shown_rows(shown.newest(TABLE_ROWS))
picked = functools.partial(follow_pick, public_view=public_view, events_view=not every_report)
picked(data.MAP, maps.selected_incident(st.session_state.get(widget_key(data.MAP))), centre=False)
picked(data.TABLE, table_incident(st.session_state.get(widget_key(data.TABLE)), table_rows.index), centre=True)
incident = st.session_state.get(data.INCIDENT)
held, _ = data.located(data.database_path(), incident, public_view=public_view, events_view=not every_report)
filters = replace(filters, incident=incident if held else None)

place = near.place if near else None
if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
    st.warning("From is after To: no date is between them.")
st.subheader(count_line(len(shown), km=filters.km, place=near.text if near and place else None, noun=noun))
if updated := data.last_update(data.database_path()):
    st.caption(updated_ago(updated))

if place:
    st.caption(
        f"Found as {escape_markdown(place.name)}, a {place.precision} in {escape_markdown(place.borough or 'London')}."
    )
show_undated(shown, filters, noun, kept)

n_points = shown.drawable()
drawn = maps.shown_view(view, n_points)
if drawn != view:
    st.info(
        f"{n_points:,} points are too many to draw one by one (the limit is {maps.POINT_LIMIT:,}), "
        "so the map shows their density. Narrow the filters to see the points."
    )
if drawn == "boroughs" and boroughs is None:
    st.info("The borough boundaries are not available.")
basemap = data.basemap()
try:
    maps.basemap_style(basemap)
except ValueError as e:
    st.warning(f"{escape_markdown(e)}: the map is drawn without tiles.")
    basemap = "none"
per_residents = drawn == "boroughs" and filters.shade == "residents"
circle = (place.lat, place.lon, filters.km) if place else None
# Counted once: the layer and the legend show them.
cells = shown.counts("cell", drawn=True).sort_values(ascending=False) if drawn == "density" else pd.Series()
borough_counts = shown.counts("borough") if drawn == "boroughs" else pd.Series()
map_column, side_column = st.columns([3, 2])
with map_column:
    deck = maps.incidents_deck(
        shown_rows(shown.drawn()) if drawn == "points" else pd.DataFrame(),
        view=drawn,
        groups=groups,
        type_labels=type_labels,
        view_state=maps.opening_view(
            shown.bounds,
            # Only points show the open incident: another view opens on what it draws, from a link as in a session.
            centre=st.session_state.get(data.CENTRE) if filters.incident and drawn == "points" else None,
            near=circle,
            boroughs=boroughs,
            chosen=filters.boroughs,
            filtered=narrows(filters),
        ),
        boroughs=boroughs,
        population=population,
        per_residents=per_residents,
        near=circle,
        selected=shown.marker(filters.incident),
        basemap=basemap,
        noun=noun,
        cells=cells,
        borough_counts=borough_counts,
    )
    st.pydeck_chart(
        deck, key=widget_key(data.MAP), on_select="rerun", selection_mode="single-object", height=MAP_HEIGHT
    )
    if drawn == "boroughs":
        no_borough = shown.missing("borough")
        if no_borough:
            st.caption(f"{plural(no_borough, noun)} without a borough {be(no_borough)} not counted here.")
        if per_residents:
            st.caption(
                "Residents: ONS Census 2021 usual residents. The City of London has about 8,500, so a few "
                "incidents give it a high rate."
            )
    elif note := undrawn_note(
        int(shown.counts("precision").get(maps.UNDRAWN_PRECISION, 0)), shown.missing("lat"), noun=noun
    ):
        st.caption(note)
with side_column:
    if filters.incident:
        stack = shown_rows(shown.stack(filters.incident))
        told = None if every_report else reports_of(stack.head(STACK_SHOWN), public_view=public_view)
        show_details(stack, type_labels, reports=told)
    elif drawn == "points" and n_points:
        st.caption("Select a marker on the map or a row of the table to read about it here.")
    shaded = maps.shaded_values(
        view=drawn,
        cells=cells,
        borough_counts=borough_counts,
        boroughs=boroughs,
        population=population,
        per_residents=per_residents,
    )
    show_legend(shown, drawn, groups, shaded, per_residents=per_residents, noun=noun)

if len(shown):
    st.header("Summaries")
    by_type, by_borough = st.columns(2)
    show_ranked(by_type, "By type", charts.ranked_counts(shown.counts("type"), labels=type_labels), noun)
    show_ranked(by_borough, "By borough", charts.ranked_counts(shown.counts("borough")), noun)
    months = charts.month_counts(shown.counts("month"))
    if months.empty:
        st.caption(f"By month: no dates known for these {noun}s.")
    else:
        st.altair_chart(charts.month_chart(months, measure=f"{noun}s".capitalize()), width="stretch")
        if undated := shown.missing("date"):
            st.caption(f"{plural(undated, noun)} without a date {be(undated)} not in this chart.")

    st.header(f"{noun}s".capitalize())
    if len(shown) > TABLE_ROWS:
        st.caption(f"The newest {TABLE_ROWS:,} of {len(shown):,}; the downloads hold all of them.")
    st.dataframe(
        incident_table(table_rows, type_labels),
        hide_index=True,
        column_config={"Source": st.column_config.LinkColumn("Source", display_text=SOURCE_SHOWN)},
        key=widget_key(data.TABLE),
        on_select="rerun",
        selection_mode="single-row",
    )
    st.caption("Select a row to open it beside the map.")
    # Events: one row per incident with its number of reports and every source link; or every report.
    csv_column, geojson_column = st.columns(2)
    csv_column.download_button(
        "Download CSV",
        functools.partial(download, csv_download, filters, public_view=public_view, events_view=not every_report),
        file_name=f"{noun}s.csv",
        mime="text/csv",
        on_click="ignore",
    )
    geojson_column.download_button(
        "Download GeoJSON",
        functools.partial(download, geojson_download, filters, public_view=public_view, events_view=not every_report),
        file_name=f"{noun}s.geojson",
        mime="application/geo+json",
        on_click="ignore",
    )
else:
    st.info(f"No {noun}s match these filters.")

params = to_params(filters)
if params != {key: st.query_params.get_all(key) for key in st.query_params}:
    st.query_params.from_dict(params)
st.session_state[data.LINK_WRITTEN] = params
with st.sidebar:
    st.caption("Copy link to this view")
    st.code(share_link(st.context.url or "", params), language=None, wrap_lines=True)

# This page's functions hold its module's variables, and the module them: those wait for a garbage collection, which
# may come runs later. The filtered rows are let go of now (a broad search's, at a million incidents, 0.16 GB of
# Arrow strings that the next run's peak added to).
del shown, table_rows, cells
