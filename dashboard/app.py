"""The London crime map from the news: incidents read from articles, on a map of London, filtered and shareable.

Example:
    streamlit run dashboard/app.py                        # data/incidents.db, built from seeds/ when missing
    streamlit run dashboard/app.py -- --db other.db       # or INCIDENTS_DB=other.db streamlit run ...
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pandas as pd
import streamlit as st

from dashboard import maps
from dashboard.filters import (
    ANY,
    DATE_RANGE,
    VIEWS,
    WIDGET_DEFAULTS,
    Choices,
    filter_incidents,
    from_widgets,
    incidents_frame,
    load_type_labels,
    parse_params,
    to_params,
    widget_state,
)
from extract import exports, store
from extract.datafiles import DEFAULT_DB
from extract.geo.gazetteer import BOROUGHS, load_borough_geojson
from extract.pipeline import ingest_paths
from extract.records import PRECISIONS, WEAPONS

ROOT = Path(__file__).resolve().parent.parent

SEEDS_DIR = ROOT / "seeds"
TABLE_ROWS = 1_000
MAP_HEIGHT = 560
MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character may be escaped
WHITESPACE = re.compile(r"\s+")


def incident_map() -> None:
    """The map page: filters in the sidebar, the map with its legend and details, summaries, table, downloads."""
    incidents = load_incidents(st.session_state["db_path"], database_version(st.session_state["db_path"]))
    categories = maps.load_categories()
    type_labels = load_type_labels()
    choices = filter_choices(incidents, categories, type_labels)
    read_link_once(incidents, choices)

    st.title("London crime map from the news")
    for notice in st.session_state.pop("notices", []):
        st.warning(f"Ignored in the link: {escape_markdown(notice)}")

    with st.sidebar:
        st.header("Filters")
        st.multiselect("Borough", choices.boroughs, key="borough")
        st.multiselect("Incident type", choices.types, key="type", format_func=lambda t: type_labels.get(t, t))
        st.multiselect("Category", choices.categories, key="category")
        st.date_input(
            "From", value=None, min_value=DATE_RANGE[0], max_value=DATE_RANGE[1], key="from", format="YYYY-MM-DD"
        )
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
    st.subheader(f"{len(shown):,} incident" + ("" if len(shown) == 1 else "s"))

    n_points = int(shown["lat"].notna().sum())
    drawn = maps.shown_view(view, n_points)
    if drawn != view:
        st.info(
            f"{n_points:,} points are too many to draw one by one (the limit is {maps.POINT_LIMIT:,}), "
            "so the map shows their density. Narrow the filters to see the points."
        )
    boroughs = borough_shapes()
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
            centre=st.session_state.get("centre"),
        )
        st.pydeck_chart(deck, key="map", on_select="rerun", selection_mode="single-object", height=MAP_HEIGHT)
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
        st.code(share_link(params), language=None, wrap_lines=True)


def read_link_once(incidents: pd.DataFrame, choices: Choices) -> None:
    """On a session's first run put the URL's filters into the widgets; later, give missing widgets their default."""
    if "link_read" in st.session_state:
        for key, value in WIDGET_DEFAULTS.items():
            st.session_state.setdefault(key, value)
        return
    found, notices = parse_params({key: st.query_params.get_all(key) for key in st.query_params}, choices=choices)
    if found.incident is not None and found.incident not in incidents.index:
        notices.append("incident: no incident has that id")
        found = from_widgets(widget_state(found))
    st.session_state.update(widget_state(found))
    st.session_state["incident"] = found.incident
    st.session_state["centre"] = incident_position(incidents, found.incident)
    st.session_state["notices"] = notices
    st.session_state["link_read"] = True


def selected_incident(incidents: pd.DataFrame) -> str | None:
    """Return the incident whose details are open: the one last picked on the map, or the one the link named."""
    picked = maps.selected_incident(st.session_state.get("map"))
    if picked != st.session_state.get("picked"):
        st.session_state["picked"] = picked
        st.session_state["incident"] = picked
    incident = st.session_state.get("incident")
    return incident if incident in incidents.index else None


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
            height=35 * (len(categories) + 1) + 3,
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
    with st.container(border=True, key="details"):
        headline = escape_markdown(row["headline"] or maps.quoted_excerpt(row["evidence"]))
        url = safe_url(row["url"])
        st.markdown(f"#### [{headline}]({url})" if url else f"#### {headline}")
        place = row["place_name"] if isinstance(row["place_name"], str) else row["location_text"]
        facts = {
            "Date": row["date"] if isinstance(row["date"], str) else "unknown",
            "Type": f"{type_labels.get(row['type'], row['type'])} ({row['category']})",
            "Place": f"{place or 'unknown'}"
            + (f" ({row['precision']}, {row['borough'] or 'London'})" if isinstance(row["precision"], str) else ""),
            "Fatal": {1: "yes", 0: "no"}.get(row["fatal"], "unknown"),
            "Weapon": row["weapon"] if isinstance(row["weapon"], str) else "unknown",
            "Victim ages": ", ".join(str(a) for a in victim_ages(row["victim_ages"])) or "unknown",
            "Arrests": str(int(row["arrests"])) if pd.notna(row["arrests"]) else "unknown",
        }
        st.markdown("\n".join(f"- **{label}:** {escape_markdown(str(value))}" for label, value in facts.items()))
        st.markdown(highlighted_evidence(row))
        st.button("Close details", on_click=close_details)


def close_details() -> None:
    """Forget the open incident (the map keeps its own selection, so the same point is not reopened)."""
    st.session_state["incident"] = None


def highlighted_evidence(row: Mapping) -> str:
    """Return the evidence sentence as escaped markdown, the place and the type highlighted where offsets allow."""
    evidence, start = str(row["evidence"] or ""), int(row["evidence_start"] or 0)
    spans = []
    for kind, first, last in (
        ("place", row["place_start"], row["place_end"]),
        ("type", row["type_start"], row["type_end"]),
    ):
        if pd.isna(first) or pd.isna(last):
            continue
        first, last = int(first) - start, int(last) - start
        # Offsets point into the article; a span outside this sentence (or overlapping the other) is not shown.
        if 0 <= first < last <= len(evidence) and all(last <= s or first >= e for _, s, e in spans):
            spans.append((kind, first, last))
    parts, at = [], 0
    for kind, first, last in sorted(spans, key=lambda s: s[1]):
        colour = "blue" if kind == "place" else "orange"
        parts += [escape_markdown(evidence[at:first]), f":{colour}-background[{escape_markdown(evidence[first:last])}]"]
        at = last
    parts.append(escape_markdown(evidence[at:]))
    return "> " + "".join(parts) if evidence else "_No evidence sentence._"


def incident_table(shown: pd.DataFrame, type_labels: Mapping[str, str]) -> pd.DataFrame:
    """Return the filtered incidents as the table shows them (untrusted text is drawn as text by the grid)."""
    return pd.DataFrame(
        {
            "Date": shown["date"],
            "Headline": shown["headline"],
            "Type": shown["type"].map(lambda t: type_labels.get(t, t)),
            "Category": shown["category"],
            "Place": shown["place_name"].fillna(shown["location_text"]),
            "Borough": shown["borough"],
            "Precision": shown["precision"],
            "Fatal": shown["fatal"].map({1: "yes", 0: "no"}),
            "Weapon": shown["weapon"],
            "Source": shown["url"].map(safe_url),
        }
    )


def filter_choices(
    incidents: pd.DataFrame, categories: tuple[maps.Category, ...], type_labels: Mapping[str, str]
) -> Choices:
    """Return the options of the multi-valued filters: the vocabularies plus any other value stored."""

    def with_stored(known, column):
        return tuple(known) + tuple(sorted(set(incidents[column].dropna().unique()) - set(known)))

    return Choices(
        boroughs=with_stored(BOROUGHS, "borough"),
        types=tuple(sorted(with_stored(type_labels, "type"), key=lambda t: type_labels.get(t, t).lower())),
        categories=with_stored([c.name for c in categories], "category"),
    )


def show_counts(
    column,
    title: str,
    values: pd.Series,
    *,
    labels: Mapping[str, str] | None = None,
    horizontal: bool = False,
    by_value: bool = False,
) -> None:
    """Show a bar chart of how often each known value occurs, in `column`; most frequent first unless `by_value`."""
    found = values.dropna().value_counts().rename("incidents")
    if labels:
        found.index = found.index.map(lambda value: labels.get(value, value))
    column.caption(title)
    if found.empty:
        column.caption("Not known for these incidents.")
    else:
        column.bar_chart((found.sort_index() if by_value else found).to_frame(), horizontal=horizontal)


def csv_download(shown: pd.DataFrame) -> str:
    """Return the incidents as CSV (run when the download button is pressed)."""
    return exports.incidents_csv(export_rows(shown))


def geojson_download(shown: pd.DataFrame) -> str:
    """Return the incidents as GeoJSON text (run when the download button is pressed)."""
    return json.dumps(exports.incidents_geojson(export_rows(shown)))


def export_rows(shown: pd.DataFrame) -> list[dict]:
    """Return the incidents as dicts keyed by store.INCIDENT_COLUMNS, with None for missing values."""
    frame = shown[list(store.INCIDENT_COLUMNS)].astype(object)
    return frame.where(frame.notna(), None).to_dict("records")


def share_link(params: Mapping[str, list[str]]) -> str:
    """Return the link to the current view: this page's URL (when the browser told it) and the parameters."""
    query = urlencode(params, doseq=True, quote_via=quote)
    return (st.context.url or "") + (f"?{query}" if query else "")


def incident_position(incidents: pd.DataFrame, incident: str | None) -> tuple[float, float] | None:
    """Return (lat, lon) of an incident that has a point, else None."""
    if incident is None or pd.isna(incidents.at[incident, "lat"]):
        return None
    return float(incidents.at[incident, "lat"]), float(incidents.at[incident, "lon"])


def victim_ages(stored: object) -> list[int]:
    """Return the victim ages from their stored JSON list; anything malformed gives []."""
    try:
        ages = json.loads(stored) if isinstance(stored, str) else []
    except ValueError:
        return []
    return [a for a in ages if isinstance(a, int)] if isinstance(ages, list) else []


def escape_markdown(text: str) -> str:
    """Return `text` as markdown that renders literally: punctuation escaped, whitespace runs made one space."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", WHITESPACE.sub(" ", str(text)))


def safe_url(url: object) -> str | None:
    """Return an http(s) URL with markdown-breaking characters percent-encoded, or None for anything else."""
    if not isinstance(url, str) or urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return None
    return quote(url.strip(), safe=":/?#[]@!$&'*+,;=%~-._")


def database_path(argv: list[str], environ: Mapping[str, str]) -> Path:
    """Return the incidents database: `--db PATH` after `--`, else $INCIDENTS_DB, else data/incidents.db."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    args, _ = parser.parse_known_args(argv)
    return Path(args.db or environ.get("INCIDENTS_DB") or DEFAULT_DB)


def database_version(db_path: str) -> tuple[int, ...]:
    """Return what changes when the database does: mtime and size of the file and of its write-ahead log."""
    stats = [Path(p).stat() for p in (db_path, db_path + "-wal") if Path(p).exists()]
    return tuple(n for s in stats for n in (s.st_mtime_ns, s.st_size))


@st.cache_data(show_spinner="Loading incidents…", max_entries=2)
def load_incidents(db_path: str, version: tuple[int, ...]) -> pd.DataFrame:
    """Return every stored incident as the dashboard's DataFrame (cached per database version)."""
    conn = store.connect_readonly(db_path)
    try:
        return incidents_frame(store.iter_incident_rows(conn))
    finally:
        conn.close()


@st.cache_resource(show_spinner=False)
def borough_shapes() -> dict | None:
    """Return the borough GeoJSON, or None when the gazetteer has none."""
    try:
        return load_borough_geojson()
    except FileNotFoundError:
        return None


@st.cache_resource(show_spinner=False)
def build_database(db_path: str) -> object:
    """Build the incidents database from seeds/ with the CLI's pipeline, then move it into place in one step."""
    target = Path(db_path)
    partial = target.with_name(target.name + ".building")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    report = ingest_paths(sorted(p for p in SEEDS_DIR.iterdir() if p.is_file()), db_path=partial)
    # Fold the write-ahead log into the file, so the rename moves every row.
    conn = sqlite3.connect(partial)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    os.replace(partial, target)
    return report


st.set_page_config(page_title="London crime map from the news", page_icon=":material/map:", layout="wide")
db_path = database_path(sys.argv[1:], os.environ)
if not db_path.exists():
    with st.spinner("First run: building the incidents database from seeds/ …"):
        build_database(str(db_path))
st.session_state["db_path"] = str(db_path)
st.navigation(
    [
        st.Page(incident_map, title="Map", icon=":material/map:", default=True),
        st.Page(ROOT / "dashboard" / "app_pages" / "add_articles.py", title="Add articles", icon=":material/post_add:"),
    ]
).run()
