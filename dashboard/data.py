"""The dashboard's data: which database, the one incidents frame loader, every st.cache_*, and session-state keys.

Every page asks `database_path()` for the database, so any page can be the first one a session opens.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import itertools
import os
import queue
import sqlite3
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import h3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import streamlit as st

from dashboard import filters, maps, positions
from dashboard.coverage import recorded_frame
from dashboard.events_view import (
    REPORT_IDS,
    REPORTS,
    StoredMerges,
    event_frame,
    event_row_of,
    events_of_reports,
    report_events,
    stored_merges,
)
from dashboard.filters import Choices, Filters
from dashboard.maps import DEFAULT_BASEMAP
from dashboard.privacy import (
    NAME_MASK,
    NEUTRAL_EVIDENCE,
    NEUTRAL_HEADLINE,
    PROTECTED_TYPES,
    may_name,
    protected_rows,
    public_incidents,
)
from dashboard.shown import FrameShown, QueryShown, Shown, dated, ordered, selection_of, summed
from extract import columnar, corrections, selection, store
from extract.columnar import LOAD_BATCH, WHOLE_NUMBERS, hand_back_memory
from extract.datafiles import DEFAULT_DB
from extract.geo.gazetteer import Gazetteer, load_borough_geojson
from extract.matching import CrimeFamilies, load_families
from extract.pipeline import Extractor, IngestReport, ingest_paths, load_extractor, load_places
from extract.records import PRECISIONS, Article, ExtractError, Incident, Reason
from extract.text.screening import NameVocabulary, data_screen, read_screens, screen_key

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
DB_ENV = "INCIDENTS_DB"
BASEMAP_ENV = "CRIMEMAP_BASEMAP"
H3_RESOLUTION = 8  # hexagons of about 0.7 km2: streets stay apart, a borough has a few dozen
CACHED_DATABASES = 2  # databases whose frames a server keeps; of each, only its latest version (_frames_version)
FRAME_EXTRAS = ("verified", "precision_rank", "cell", "event_id", "row", "article_row", store.SCREEN, "protected")
"""The columns read_incidents adds to store.MAP_COLUMNS."""
TEXT_COLUMNS = ("place_name", "report_ids", "article_id", "published", "borough_code", "date_basis", "place_kind")
"""The columns of the page's frames that only the rows shown need: no filter, count or aggregate reads them."""
UNCOUNTED = ("incident_id", "candidates", "verified", "event_id", "row", "article_row", store.SCREEN, "protected")
"""Other columns no filter, count or aggregate reads (the index holds the incident id): without_texts leaves them out
too, so that filtering copies fewer (572,000 rows of 1M: 89 -> 52 ms)."""
CODED = ("type", "category", "borough", "precision", "weapon", "date", "cell")
"""The columns without_texts keeps as pandas categoricals (a code per row, each value once): tens to a few thousand
values, which the page's filters and counts test and count once each rather than once per row (at 10M incidents, a
borough filter 0.34 s and a count of the cells 0.3 s as text)."""
CACHED_LINKS = 32  # links whose answers a server keeps per PostgreSQL database (queried): counts, ids and bounds,
# a few MB at most each
CACHED_ROWS = 16  # sets of rows shown whole a server keeps per PostgreSQL database: up to POINT_LIMIT rows each
CACHED_QUERIES = 16  # text searches kept per server: a boolean per row each, so 1 MB at a million incidents
# When the index finds more texts than this part of the rows (a fifth), reading them with its rows costs more than
# reading every incident's (at a million, by ADBC: every incident's two texts 1 us a row; the index's 2.3 us a text
# for "Road", 10 us for "teenager arrested"), so the search scans.
SEARCH_SCAN_SHARE = 5
SEARCH_SCAN_ROWS = 10_000  # small frames: the index still answers a search that matches many of their rows
# PRAGMA quick_check reads every page: a second per 250 MB here (7 s of a million incidents' first load). Larger files
# are checked by reading each table's first and last rows; a bad page elsewhere shows where the page reads it.
QUICK_CHECK_BYTES = 64 * 2**20
# A PostgreSQL database without the store's tables: SQLite's missing file is built from seeds/, a server's is not.
EMPTY_SERVER_DATABASE = "it holds no incidents yet: fill it with crimemap ingest FILES --db URL, or crimemap watch"
# Rows of texts (texts_of) kept per database version and view: the points drawn (POINT_LIMIT), the table and details of
# a few links' reruns, without a read; about 40 MB at 500 bytes a row.
CACHED_TEXTS = 80_000
# A text search's articles (those whose headline holds it) are found once, first, when no more than this many, and
# its statements take their ids (selection.headlines_holding); more, each statement finds them. With the ids, a
# statement's search is two indexes' bitmaps, where it read every incident (at a million, a search finding a hundred:
# 0.097 -> 0.018 s a statement). A list of millions would be sent and hashed by each statement.
FEW_HEADLINES = 10_000
# The incidents a text search finds are found once, first, when no more than this many, and so are the leads of the
# events of several whose reports it finds: its statements take their ids, found by the primary key. At ten million,
# a search finding a thousand: a statement 0.19 -> 0.004 s, where the search's index (trigrams) found them each time;
# of events 1.4 -> 0.005 s, where the leads' subquery read every incident.
FEW_FOUND = 10_000
QUERY_WORK_MEM = "64MB"  # per sort or hash of a page's statement on PostgreSQL (dashboard.shown.QueryShown)

# Session-state keys. The sidebar's filter widgets are keyed by their URL parameters (filters.FIELDS).
LINK_READ = "link_read"  # present once the session's first run has put the link's filters into the widgets
LINK_WRITTEN = "link_written"  # the URL parameters the map page last wrote: an address unlike them is a Back
NOTICES = "notices"  # what the link held that was dropped, shown once
INCIDENT = "incident"  # the incident whose details are open
PICKED = "picked"  # {MAP or TABLE: the incident last picked there}, so a rerun does not reopen details closed since
CENTRE = "centre"  # (lat, lon) the map opens on: the point of the incident a link or a table row opened
MAP = "map"  # the map's selection event (the pydeck chart's key, with its round: "map-0")
TABLE = "table"  # the table's row selection (the dataframe's key, with its round)
ROUNDS = "rounds"  # {MAP or TABLE: n}: a new key for the widget is a new widget, with nothing selected
FILTERED = "filtered"  # the last run's filters as URL parameters: a change clears the selections, refits the map
DATES = "dates"  # the sidebar's date-range slider, kept in step with From and To
DETAILS = "details"  # the details box (its container's key, so the browser test can find it)
PASTED = "pasted"  # Add articles: the pasted text
UPLOADS = "uploads"  # Add articles: the uploaded files
SAVE = "save"  # Add articles: the save button
RECORDED_LINK_READ = "recorded_link_read"  # News vs recorded: present once the session has read that page's link
EDITOR_TOKEN = "editor_token"  # the token of this session's password sign-in (dashboard.auth keeps who it is)
REPORTS_SENT = "reports_sent"  # Map: when this session sent its problem reports (time.monotonic), for the rate limit
SOURCE_URL = "source_url"  # Add articles: the pasted text's source link
NO_SOURCE = "no_source"  # Add articles: the pasted text has no source link, said explicitly
REVIEW_DONE = "review_done"  # Review: (what the last correction did, the fix it was made on), shown on that fix
FIX_SHOWN = "fix_shown"  # Review: the incident (with its values) whose fix the widgets were last set up for


def database_path(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> str | Path:
    """Return the incidents database: `--db PATH` after `--`, else $INCIDENTS_DB, else the project's default; a
    URL (postgresql://...) comes back as the string it is, a path as a Path.

    Example:
        streamlit run dashboard/app.py -- --db other.db     # argv and environ default to this process's
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    target = args.db or (os.environ if environ is None else environ).get(DB_ENV) or DEFAULT_DB
    return target if store.is_url(str(target)) else Path(target)


def read_incidents(db_path: str | Path) -> pd.DataFrame:
    """Return every incident stored at `db_path` as the dashboard's DataFrame, indexed by incident_id, without its
    texts (store.MAP_TEXTS: `texts_of` reads them for the rows a page shows).

    The editors' corrections are applied (extract.corrections): hidden incidents are left out and corrected fields
    replaced. Besides store.MAP_COLUMNS it has `verified` (an editor checked it), `precision_rank` (index in
    PRECISIONS, -1 without a place) and `cell` (the H3 cell of the point, or None), so that filtering and aggregation
    are column operations; `event_id` (the event the incident belongs to, missing when it was never matched); and
    `protected` (privacy.protected_rows: the public view protects it), kept with the rows it was found of, so that rows
    shown on their own are protected as in the whole frame, whatever was written since.
    """
    conn = store.connect_readonly(db_path)
    try:
        found = columnar.stored_corrections(conn)
        stored = columnar.stored_frame(db_path, conn, found)
    finally:
        conn.close()
    hand_back_memory()  # before the frame's columns are made: what the read and the sort freed
    return _frame(_corrected(stored, found))


def database_version(db_path: str | Path) -> tuple:
    """Return what changes when the database does, whichever table is written: mtime and size of the file and of
    its write-ahead log (unless empty); for a PostgreSQL URL, the rows written to it (store.data_version)."""
    if store.is_url(str(db_path)):
        return (_postgres_version(str(db_path)),)
    return columnar.file_version(db_path)


def map_version(db_path: str | Path) -> tuple:
    """Return what changes when the rows the map shows at `db_path` do (store.map_version), and not when only other
    tables are written: a reader's problem report or a feed polled by `watch` is no new version of the frames. A
    SQLite database's token is read again only once its file has changed (`database_version`)."""
    if store.is_url(str(db_path)):
        return (_postgres_version(str(db_path), store.map_version),)
    changed = columnar.file_version(db_path)  # first: a write after it shows as a change at the next call
    with _VERSION_LOCK:
        known = _map_versions().get(str(db_path))
    if known is not None and known[0] == changed:
        return known[1]
    version = columnar.map_version(db_path)
    with _VERSION_LOCK:
        _map_versions()[str(db_path)] = (changed, version)
    return version


@st.cache_resource(show_spinner=False)
def _map_versions() -> dict[str, tuple[tuple[int, ...], tuple]]:
    """Return {SQLite database: (the file's version, the map's version read at it)}, one per server."""
    return {}


def _postgres_version(url: str, version: Callable[[store.Connection], int | None] = store.data_version) -> int | None:
    """Return `version` (store.data_version or store.map_version) of the PostgreSQL database at `url`, asked on a
    connection the server keeps open: a page asks a dozen times a run, and a connection of its own each took 8.7 ms
    here against 0.6 ms. A connection lost (the server restarted) is opened again once."""
    with _VERSION_LOCK:
        held = _version_connections()
        if url not in held:
            held[url] = store.connect_readonly(url)
        try:
            return version(held[url])
        except store.DB_ERRORS:  # lost: once more, on a new connection
            with contextlib.suppress(*store.DB_ERRORS):
                held.pop(url).close()
            held[url] = store.connect_readonly(url)
            return version(held[url])


_VERSION_LOCK = threading.Lock()  # sessions run in threads of their own; a connection runs one statement at a time


@st.cache_resource(show_spinner=False)
def _version_connections() -> dict[str, store.Connection]:
    """Return {PostgreSQL URL: the read-only connection its version is asked on}, one per server."""
    return {}


def _frames_version(db_path: str | Path) -> tuple:
    """Return `map_version(db_path)`; when it is a new one for this database, first let go of the frames shared
    until now (every per-version cache of frames is cleared), so that a change does not hold two versions' frames at
    once: at a million incidents, each took 1.7 GB."""
    version = map_version(db_path)
    seen = _frames_versions()
    if seen.setdefault(str(db_path), version) != version:
        for cached in (*(_cached_incidents, _cached_public, _cached_events, _cached_without_texts), *_VERSION_CACHES):
            cached.clear()
        # Sessions gone may hold the last version's frames in reference cycles, which only a collection frees; then
        # handed back, the next version loads where the last one was (a million incidents: 1.06 -> 0.55 GB).
        gc.collect()
        hand_back_memory()
        seen[str(db_path)] = version
    return version


@st.cache_resource(show_spinner=False)
def _frames_versions() -> dict[str, tuple]:
    """Return {database: the version its shared frames were last asked for at}, one per server."""
    return {}


def database_problem(db_path: str | Path) -> str | None:
    """Return why the incidents database at `db_path` cannot be shown (not a file, not a database, malformed,
    another application's; a URL of another kind, or of a PostgreSQL server that cannot be reached) as one line for
    the page; None when it can be. Checked again when it changes, and at every run while it cannot be reached."""
    try:
        version = database_version(db_path)  # a URL's is asked of its server
    except (ExtractError, *store.DB_ERRORS) as e:
        return _problem_line(str(db_path), e)
    return _cached_problem(str(db_path), version)


def _problem_line(db_path: str, error: Exception) -> str:
    shown = store.redacted(db_path) if store.is_url(db_path) else db_path
    reason = str(error).removeprefix(f"{shown}: ")  # the store's messages name the database, which the line names
    return f"The incidents database {shown} cannot be used ({reason}). Start the dashboard with --db naming one."


@st.cache_data(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_problem(db_path: str, version: tuple[int, ...]) -> str | None:
    return read_problem(db_path)


def read_problem(db_path: str) -> str | None:
    """Return database_problem's line for the database at `db_path`, read now: no cache, nor anything else of a page's,
    for a caller outside one (dashboard/serve.py)."""
    url = store.is_url(db_path)
    try:
        if not url and not Path(db_path).is_file():
            raise ExtractError("not a regular file")
        conn = store.connect_readonly(db_path)
        try:
            if url and not conn.execute("SELECT to_regclass('articles') IS NOT NULL").fetchone()[0]:
                raise ExtractError(EMPTY_SERVER_DATABASE)
            # quick_check reads every page once: a malformed database shows here, not halfway through a page.
            small = not url and Path(db_path).stat().st_size <= QUICK_CHECK_BYTES
            if small and (found := conn.execute("PRAGMA quick_check").fetchone()[0]) != "ok":
                raise ExtractError(f"malformed: {found}")
            for table, key in (("articles", "article_id"), ("incidents", "incident_id")):
                conn.execute(f"SELECT {key} FROM {table} ORDER BY {key} LIMIT 1").fetchall()
                conn.execute(f"SELECT {key} FROM {table} ORDER BY {key} DESC LIMIT 1").fetchall()
        finally:
            conn.close()
    except (ExtractError, *store.DB_ERRORS) as e:
        return _problem_line(db_path, e)
    return None


def incidents(db_path: str | Path) -> pd.DataFrame:
    """Return `read_incidents(db_path)`, read again only when the database has changed since the last call.

    Every session and rerun shares one frame (st.cache_resource: no copy per rerun, which took a second at a million
    incidents), so it is read-only: derive new frames from it, never assign into it.
    """
    return _cached_incidents(str(db_path), _frames_version(db_path))


@st.cache_resource(show_spinner="Loading incidents…", max_entries=CACHED_DATABASES)
def _cached_incidents(db_path: str, version: tuple) -> pd.DataFrame:
    frame = read_incidents(db_path)
    hand_back_memory()  # what reading it freed, before the frames made from it
    return frame


def public(db_path: str | Path) -> pd.DataFrame:
    """Return `incidents(db_path)` as readers see them (dashboard.privacy): its `protected` rows (sexual offences and
    the other reports of their events) protected, the names in texts masked as texts_of reads them; shared and
    read-only like `incidents`."""
    return _cached_public(str(db_path), _frames_version(db_path))


@st.cache_resource(show_spinner="Loading incidents…", max_entries=CACHED_DATABASES)
def _cached_public(db_path: str, version: tuple) -> pd.DataFrame:
    frame = public_incidents(incidents(db_path), name_vocabulary())
    hand_back_memory()  # what masking freed, before the events are made from it
    return frame


def stored_dates(db_path: str | Path) -> tuple[str, str] | None:
    """Return the first and last date of the incidents stored (as text), None without any; once per database
    version: at 10M incidents, reading them took 0.4 s a run."""
    return _cached_dates(str(db_path), _frames_version(db_path))


@st.cache_resource(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_dates(db_path: str, version: tuple) -> tuple[str, str] | None:
    if store.is_url(db_path):
        known = _stored_values(db_path, "date")
    else:
        known = pd.Series(incidents(db_path)["date"].array).dropna()  # without the index, which dropna would take too
    return (known.min(), known.max()) if len(known) else None


def _stored_values(url: str, column: str) -> pd.Series:
    """Return the values of `column` the editors' view of the PostgreSQL database at `url` holds (its stored rows'
    but those derived, and those), each once, in no order; of `date` only the first and last (by index)."""
    derived = derived_rows(url, public_view=False, events_view=False)
    with lent_connection(url) as conn:
        stored = selection.values(conn, column, left_out=derived.left_out)
    values = pd.Series([*stored, *derived.reports[column]], dtype=object).dropna()
    return pd.Series(values.unique(), dtype=object)


def _reports(db_path: str | Path, *, public_view: bool) -> pd.DataFrame:
    """Return the reports of the view: `public(db_path)` when `public_view`, else `incidents(db_path)`."""
    return (public if public_view else incidents)(db_path)


def events(db_path: str | Path, *, public_view: bool) -> pd.DataFrame:
    """Return one row per event (dashboard.events_view) of `public(db_path)` when `public_view`, else of
    `incidents(db_path)`; built again only when the database has changed. Like the reports' frames it has no
    store.MAP_TEXTS: shown_rows gives the rows shown their lead report's."""
    return _cached_events(str(db_path), _frames_version(db_path), public_view)


@st.cache_resource(show_spinner="Grouping reports into events…", max_entries=2 * CACHED_DATABASES)
def _cached_events(db_path: str, version: tuple, public_view: bool) -> pd.DataFrame:
    frame = _reports(db_path, public_view=public_view)
    return event_frame(frame, families=crime_families(), memo=event_merges(), stored=stored_events(db_path))


def without_texts(db_path: str | Path, *, public_view: bool, events_view: bool) -> pd.DataFrame:
    """Return the Map page's frame (`events(db_path)` when `events_view`, else the reports: `public` or `incidents`
    by `public_view`) without TEXT_COLUMNS and UNCOUNTED, its CODED columns as categoricals, shared and read-only like
    it: filtering it copies no texts (a search keeping half a million rows copied them in a second), and the page
    takes the rows it shows whole from shown_rows. A count of a CODED column lists every value stored, with 0 for
    those a filter left out."""
    return _cached_without_texts(str(db_path), _frames_version(db_path), public_view, events_view)


@st.cache_resource(show_spinner=False, max_entries=4 * CACHED_DATABASES)
def _cached_without_texts(db_path: str, version: tuple, public_view: bool, events_view: bool) -> pd.DataFrame:
    frame = events(db_path, public_view=public_view) if events_view else _reports(db_path, public_view=public_view)
    return coded(frame.drop(columns=[c for c in (*TEXT_COLUMNS, *UNCOUNTED) if c in frame]))


def shown(db_path: str | Path, filters: Filters, *, public_view: bool, events_view: bool) -> Shown:
    """Return what the Map page shows of the rows of `without_texts(db_path, ...)` that `filters` keep (their text
    search by `text_matches`): counts, aggregates, points and ids, asked for as the page draws them (dashboard.shown).

    Example:
        found = shown(db_path, filters, public_view=True, events_view=True); table = found.newest(TABLE_ROWS)
    """
    if store.is_url(str(db_path)):
        return queried(str(db_path), filters, public_view=public_view, events_view=events_view)
    return framed(db_path, filters, public_view=public_view, events_view=events_view)


def framed(db_path: str | Path, filters: Filters, *, public_view: bool, events_view: bool) -> FrameShown:
    """Return `shown` answered from the page's shared frame (`without_texts`, whose rows the filters keep, their text
    search by `text_matches`): SQLite's way."""
    counted = without_texts(db_path, public_view=public_view, events_view=events_view)
    matches = text_matches(db_path, filters.query, public_view=public_view, events_view=events_view)
    return FrameShown(counted, filters, matches=matches)


def queried(url: str, filters: Filters, *, public_view: bool, events_view: bool) -> QueryShown:
    """Return `shown` of the PostgreSQL database at `url` asked of it statement by statement (dashboard.shown.
    QueryShown), but for the rows the dashboard derives itself (`derived_rows`), which a frame of them answers. The
    answers are kept for the link (its filters, whichever incident is open) and the database's version, CACHED_LINKS
    of them: a rerun that changes no filter, such as opening an incident or choosing a row of the table, asks no
    statement again (at ten million incidents, a text search finding a third of them took 12-15 s a run)."""
    link = (replace(filters, incident=None), public_view, events_view)
    make = functools.partial(_queried, url, filters, public_view=public_view, events_view=events_view)
    return _kept(_cached_answers(url, _frames_version(url)), link, make, most=CACHED_LINKS)


Kept = TypeVar("Kept")
_KEPT_LOCK = threading.Lock()  # sessions run in threads of their own


def _kept(held: OrderedDict[tuple, Kept], key: tuple, make: Callable[[], Kept], *, most: int) -> Kept:
    """Return held[key], made by `make` when `held` has none; `held` keeps the `most` last asked for."""
    with _KEPT_LOCK:
        if (found := held.get(key)) is not None:
            held.move_to_end(key)
            return found
    found = make()
    with _KEPT_LOCK:
        held[key] = found
        while len(held) > most:
            held.popitem(last=False)  # the one asked for longest ago
    return found


@st.cache_resource(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_answers(url: str, version: tuple) -> OrderedDict[tuple, QueryShown]:
    """Return {link: its QueryShown} of the database at `url` at `version`, the link last asked for last."""
    return OrderedDict()


@st.cache_resource(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_rows(url: str, version: tuple) -> OrderedDict[tuple, pd.DataFrame]:
    """Return {(ids, public_view, events_view): _queried_rows' rows} of the database at `url` at `version`."""
    return OrderedDict()


def _queried(url: str, filters: Filters, *, public_view: bool, events_view: bool) -> QueryShown:
    derived = derived_rows(url, public_view=public_view, events_view=events_view)
    search, matches = None, None
    if filters.query:
        search = _cached_search(url, _frames_version(url), filters.query, public_view, events_view)
        matches = _derived_matches(url, filters.query, public_view=public_view, events_view=events_view)
    kept = selection_of(filters, left_out=derived.left_out_ids)
    kept = replace(kept, events=events_view, search=search, left_out_types=derived.left_out_types)
    extra = FrameShown(derived.rows, filters, matches=matches) if len(derived.rows) else None
    return QueryShown(functools.partial(lent_connection, url), kept, extra=extra)


@dataclass(frozen=True)
class Derived:
    """The rows of the page's frame that a dashboard derives itself of a PostgreSQL database (extract.selection.
    derived: corrected, protected, or of events whose stored merge does not stand)."""

    rows: pd.DataFrame
    """Of without_texts' columns."""
    whole: pd.DataFrame
    """The same rows whole, as `public`, `incidents` or `events` has them (no texts)."""
    left_out: tuple[str, ...]
    """The stored reports they stand for, which statements leave out."""
    left_out_types: tuple[str, ...]
    """Types every stored report of which is among `left_out` (the public view's PROTECTED_TYPES), so that the Map
    page's statements leave them out by type: by id, a readers' page sent 420,000 ids with each statement at ten
    million incidents, and the counts made ahead (store.COUNTED) could not be read at all."""
    left_out_ids: tuple[str, ...]
    """The reports of `left_out` but those of `left_out_types`, which those statements leave out by id."""
    reports: pd.DataFrame
    """read_incidents' rows of those reports, corrected."""
    shown_at: np.ndarray
    """For each of `reports`, the position in `rows` of the row that shows it, -1 when none does (report_events)."""


def derived_rows(url: str, *, public_view: bool, events_view: bool) -> Derived:
    """Return the rows of the page's frame that the dashboard derives itself from the PostgreSQL database at `url`
    (Derived); once per database version."""
    return _cached_derived(url, _frames_version(url), public_view, events_view)


@st.cache_resource(show_spinner=False, max_entries=4 * CACHED_DATABASES)
def _cached_derived(url: str, version: tuple, public_view: bool, events_view: bool) -> Derived:
    ids, types, rest, reports, frame = _cached_derived_reports(url, version, public_view)
    if events_view:
        frame = event_frame(frame, families=crime_families(), memo=event_merges())
    rows = coded(frame.drop(columns=[c for c in (*TEXT_COLUMNS, *UNCOUNTED) if c in frame]))
    return Derived(rows, frame, ids, types, rest, reports, report_events(frame, reports))


@st.cache_resource(show_spinner=False, max_entries=2 * CACHED_DATABASES)
def _cached_derived_reports(
    url: str, version: tuple, public_view: bool
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], pd.DataFrame, pd.DataFrame]:
    """Derived's left_out, left_out_types, left_out_ids and reports of the view (readers' or editors'), and those
    reports as the view shows them: read once per version for both its events and its reports (at ten million each
    of the readers' two read their 416,667 protected reports itself, 7.3 s)."""
    found = corrections_of(url)
    with lent_connection(url) as conn:
        listed = selection.derived(
            conn,
            incidents=sorted({c.target for c in found if c.kind == "incident"}),
            articles=sorted({c.target for c in found if c.kind == "article"}),
            protected=sorted(PROTECTED_TYPES),
        )
        # In the public view every report of a protected type is derived too: statements leave them out by their
        # type, and they are read by it, not listed by id first (at ten million, 416,667 ids fetched and sorted: 1.2 s).
        rest = tuple(i for i, typed in listed if not (public_view and typed))
        types = tuple(sorted(PROTECTED_TYPES)) if public_view else ()
        reports = _incidents_by_id(conn, rest, found, types=types, url=url)
    ids = sorted({*(i for i, _ in listed), *reports.index})  # with those read by type
    frame = public_incidents(reports, name_vocabulary()) if public_view else reports
    return tuple(ids), types, rest, reports, frame


NEWS_COUNTED = ("borough", "date", "category")  # news_counts' groups: `date` a month, YYYY-MM
COARSE_PRECISIONS = ("ward", "borough", "london")  # coarser than an area: the point says little about the scene
LOW_CONFIDENCE_CANDIDATES = 3  # a name shared by three or more gazetteer places: context chose among them


def news_counts(db_path: str | Path) -> pd.DataFrame:
    """Return the editors' events (`events(db_path, public_view=False)`) counted by borough, month and category:
    columns NEWS_COUNTED and `n`, a missing value as None (dashboard.coverage's news); once per database version. Of
    PostgreSQL, a statement counts them, and the rows the dashboard derives itself (derived_rows) are counted apart:
    no frame of every event is made."""
    return _cached_news_counts(str(db_path), _frames_version(db_path))


@st.cache_resource(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_news_counts(db_path: str, version: tuple) -> pd.DataFrame:
    if not store.is_url(db_path):
        return _month_counts(events(db_path, public_view=False))
    derived = derived_rows(db_path, public_view=False, events_view=True)
    kept = selection.Selection(events=True, left_out=derived.left_out)
    with lent_connection(db_path) as conn:
        rows = selection.tally(conn, kept, ("borough", "month", "category"))
    stored = pd.DataFrame.from_records(rows, columns=[*NEWS_COUNTED, "n"])
    return summed(pd.concat([stored, _month_counts(derived.whole)], ignore_index=True), NEWS_COUNTED)


def _month_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of `frame` counted as news_counts counts them."""
    month = frame["date"].astype("string").str.slice(0, 7).to_numpy(dtype=object, na_value=None)
    groups = pd.DataFrame({"borough": frame["borough"].to_numpy(dtype=object), "date": month})
    groups["category"] = frame["category"].to_numpy(dtype=object)
    return summed(groups.assign(n=1), NEWS_COUNTED)


def news_totals(db_path: str | Path) -> tuple[int, int, int]:
    """Return how many editors' events, reports (`incidents(db_path)`) and articles of them there are; once per
    database version, and of PostgreSQL by statements, as news_counts."""
    return _cached_news_totals(str(db_path), _frames_version(db_path))


@st.cache_resource(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_news_totals(db_path: str, version: tuple) -> tuple[int, int, int]:
    if not store.is_url(db_path):
        reports = incidents(db_path)
        return len(events(db_path, public_view=False)), len(reports), int(reports["article_id"].nunique())
    derived = derived_rows(db_path, public_view=False, events_view=True)
    with lent_connection(db_path) as conn:
        stored, articles = selection.reports_and_articles(
            conn, left_out=derived.left_out, also=derived.reports["article_id"].dropna().tolist()
        )
    return int(news_counts(db_path)["n"].sum()), stored + len(derived.reports), articles


def uncertain_places(db_path: str | Path, n: int) -> tuple[int, pd.DataFrame]:
    """Return how many of the editors' reports (`incidents(db_path)`) an editor has not verified and that have no
    place, one of COARSE_PRECISIONS, or one chosen among LOW_CONFIDENCE_CANDIDATES or more places of its name; and
    the rows of the first `n` of them, in the page's order. Of PostgreSQL, asked by statements."""
    if not store.is_url(str(db_path)):
        frame = incidents(db_path)
        uncertain = frame[_uncertain(frame)]
        return len(uncertain), uncertain.head(n)
    url = str(db_path)
    derived = derived_rows(url, public_view=False, events_view=False)
    own = derived.reports[_uncertain(derived.reports)]
    kept = selection.Selection(left_out=derived.left_out)
    with lent_connection(url) as conn:
        stored, first = selection.uncertain(
            conn, kept, coarse=COARSE_PRECISIONS, candidates=LOW_CONFIDENCE_CANDIDATES, n=n
        )
        ids = [i for i, _ in ordered([*first, *dated(own)])][:n]
        rows = _incidents_by_id(conn, [i for i in ids if i not in own.index], corrections_of(url))
    return stored + len(own), pd.concat([rows, own]).loc[ids]


def _uncertain(frame: pd.DataFrame) -> np.ndarray:
    """Which rows of an incidents frame uncertain_places lists."""
    candidates = pd.to_numeric(frame["candidates"], errors="coerce").fillna(1)
    coarse = frame["precision"].isna() | frame["precision"].isin(COARSE_PRECISIONS)
    # An array: a Series made pandas hash the ids (see positions).
    return (~frame["verified"].astype(bool) & (coarse | (candidates >= LOW_CONFIDENCE_CANDIDATES))).to_numpy(dtype=bool)


def _derived_matches(url: str, query: str, *, public_view: bool, events_view: bool) -> pd.Series:
    """Return which rows of derived_rows the text search `query` keeps: any report it tells whose texts, as shown,
    hold it; once per database version."""
    return _cached_derived_matches(url, _frames_version(url), query, public_view, events_view)


@st.cache_resource(show_spinner=False, max_entries=CACHED_QUERIES)
def _cached_derived_matches(url: str, version: tuple, query: str, public_view: bool, events_view: bool) -> pd.Series:
    derived = derived_rows(url, public_view=public_view, events_view=events_view)
    reports = derived.reports
    # Readers see a protected report's texts as the neutral ones whatever it stored: its texts are not read (at ten
    # million, every sexual offence's: 5 s a search).
    neutral = reports["protected"].to_numpy(dtype=bool) if public_view else np.zeros(len(reports), dtype=bool)
    with lent_connection(url) as conn:
        rows = store.iter_map_texts(conn, list(reports.index[~neutral]))
        texts = _texts_frame(url, rows, public_view=public_view, whole=reports)
    held = neutral.copy() if neutral.any() and _neutral_holds(query) else np.zeros(len(reports), dtype=bool)
    at = positions.find(reports.index, texts.index[filters.query_matches(texts, query).to_numpy()])
    held[at[at >= 0]] = True
    # By positions: isin of Arrow strings went through the 420,000 ids in Python (1.4 s).
    keep = events_of_reports(derived.whole, reports, held, rows=derived.shown_at)
    return pd.Series(keep, index=derived.rows.index)


@st.cache_resource(show_spinner=False, max_entries=CACHED_QUERIES)
def _cached_search(url: str, version: tuple, query: str, public_view: bool, events_view: bool) -> selection.Search:
    """The Search of the stored rows (not derived) whose texts, as the page shows them, hold `query` (as `q` finds
    them: dashboard.filters.query_matches): an ASCII query by its pattern of the folded texts, but for the texts
    masking may change in the readers' view, which are read and searched here; another, or one that could overlap
    NAME_MASK, by reading and searching the texts of every row the pattern may find (or masking may change)."""
    # The reports derived are the same in either view: those of the view asked, which the page has derived already.
    derived = derived_rows(url, public_view=public_view, events_view=events_view)
    # By type those of a type all derived: at ten million, the readers' 416,667 sexual offences by id took 0.43 s
    # a statement, by type 0.26 s.
    left_out = {"left_out": derived.left_out_ids, "left_out_types": derived.left_out_types}
    unnamed = 2 * screen_key(name_vocabulary()) if public_view else None  # store.SCREEN: screened, no name found
    masks_in = _masks_in(query, public_view=public_view)
    exact = query.isascii() and not masks_in
    found = corrections_of(url)
    pattern = store.like_pattern(query, folded=True, any_outside_ascii=not exact)
    with lent_connection(url) as conn:
        articles = selection.headlines_holding(conn, pattern, most=FEW_HEADLINES)
        if exact:
            candidates = (
                [] if unnamed is None else selection.held(conn, pattern, unnamed=unnamed, **left_out, articles=articles)
            )
        else:
            candidates = selection.held(conn, pattern, unnamed=None, **left_out, articles=articles)
            if masks_in and unnamed is not None:
                candidates = sorted({*candidates, *selection.named(conn, unnamed=unnamed, **left_out)})
        checked: list[str] = []
        for at in range(0, len(candidates), LOAD_BATCH):
            batch = candidates[at : at + LOAD_BATCH]
            whole = _incidents_by_id(conn, batch, found)
            texts = _texts_frame(url, store.iter_map_texts(conn, batch), public_view=public_view, whole=whole)
            checked.extend(texts.index[filters.query_matches(texts, query).to_numpy()])
        search = selection.Search(pattern if exact else None, unnamed, tuple(checked), articles)
        search = replace(search, found=selection.found(conn, search, most=FEW_FOUND))
        return replace(search, leads=selection.leads_found(conn, search, most=FEW_FOUND))


def _queried_rows(url: str, ids: Sequence[str], *, public_view: bool, events_view: bool) -> pd.DataFrame:
    """Return shown_rows' rows of these ids of the PostgreSQL database at `url`, found by id: the stored ones read
    as read_incidents reads them (a lead of an event with the event's merged values, its reports first published
    first), the derived ones from derived_rows."""
    derived = derived_rows(url, public_view=public_view, events_view=events_view)
    wanted = pd.Index(ids)
    # Of the derived rows only these ids', found by their index's table (kept with the rows): the readers' derived rows
    # hold every protected report (416,667 at ten million), which put whole beside the stored rows made a new index to
    # look the ids up in at every run (0.35 s of a 0.65 s rerun of the Map page).
    whole, derived_reports = (_among(frame, wanted) for frame in (derived.whole, derived.reports))
    stored_ids = list(dict.fromkeys(wanted[~wanted.isin(whole.index)]))
    with lent_connection(url) as conn:
        stored = _incidents_by_id(conn, stored_ids, corrections_of(url))
        shown = _stored_events(conn, stored) if events_view else stored
    reports = pd.concat([stored, derived_reports]) if len(derived_reports) else stored
    texts = texts_of(url, ids, public_view=public_view, whole=reports)
    return rows_of(ids, texts, pd.concat([shown, whole]) if len(whole) else shown)


def _among(frame: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """Return the rows of `frame` (indexed by unique incident ids) with these ids, in the frame's order."""
    at = positions.find(frame.index, ids)
    return frame.iloc[np.unique(at[at >= 0])]


Point = tuple[float, float]


def located(
    db_path: str | Path, incident: str | None, *, public_view: bool, events_view: bool
) -> tuple[bool, Point | None]:
    """Return whether the page's rows (its events when `events_view`, else its reports: without_texts' rows before any
    filter) hold `incident`, and the point the map shows it at (None without one)."""
    if incident is None:
        return False, None
    if not store.is_url(str(db_path)):
        frame = events(db_path, public_view=public_view) if events_view else _reports(db_path, public_view=public_view)
        return positions.holds(frame.index, incident), maps.incident_centre(frame, incident)
    derived = derived_rows(str(db_path), public_view=public_view, events_view=events_view)
    if incident in derived.whole.index:
        return True, maps.incident_centre(derived.whole, incident)
    if incident in derived.left_out:
        return False, None
    with lent_connection(str(db_path)) as conn:
        found = selection.place_of(conn, incident, events=events_view)
    if found is None:
        return False, None
    return True, None if found[0] is None or found[1] is None else (float(found[0]), float(found[1]))


def event_row(db_path: str | Path, incident: str | None, *, public_view: bool) -> str | None:
    """Return the id of the events view's row that shows the report (or event) `incident`, None when none does."""
    if incident is None or located(db_path, incident, public_view=public_view, events_view=True)[0]:
        return incident
    if not store.is_url(str(db_path)):
        return event_row_of(
            events(db_path, public_view=public_view), _reports(db_path, public_view=public_view), incident
        )
    derived = derived_rows(str(db_path), public_view=public_view, events_view=True)
    if incident in derived.left_out:
        at = positions.find_one(derived.reports.index, incident)
        row = -1 if at is None else derived.shown_at[at]
        return None if row < 0 else derived.whole.index[row]
    with lent_connection(str(db_path)) as conn:
        return selection.lead_of(conn, incident)


def _incidents_by_id(
    conn: store.Connection,
    ids: Sequence[str],
    found: Sequence[store.Correction],
    *,
    types: Sequence[str] = (),
    url: str | None = None,
) -> pd.DataFrame:
    """Return read_incidents' rows of these incidents, and of those of `types` (`found` the corrections), read by id
    and by type (by Arrow's driver, given the PostgreSQL database's `url`: columnar.rows_frame)."""
    return _frame(_corrected(columnar.rows_frame(conn, ids, types=types, url=url), found))


def _stored_events(conn: store.Connection, reports: pd.DataFrame) -> pd.DataFrame:
    """Return these stored reports' rows (read_incidents') as the events view shows them: a lead's with its event's
    merged values (store.EVENT_VALUES), and each with its reports (REPORTS, REPORT_IDS: a lead's every report, first
    published first; another's, itself)."""
    ids = list(reports.index)
    leads = selection.merged(conn, ids)
    frame = reports.copy()
    report_ids: dict[str, list[str]] = {i: [] for i in ids}
    for lead, report in selection.told(conn, [lead[0] for lead in leads]):
        report_ids[lead].append(report)
    if leads:  # a column at a time: a cell at a time, the 6,600 of a month's points at a million took 0.35 s a run
        at = frame.index.get_indexer([lead for lead, *_ in leads])
        for k, column in enumerate(store.EVENT_VALUES, start=1):
            frame.iloc[at, frame.columns.get_loc(column)] = [merged[k] for merged in leads]
    frame[REPORT_IDS] = [tuple(report_ids[i]) or (i,) for i in ids]
    frame[REPORTS] = frame[REPORT_IDS].map(len)
    return frame


@contextlib.contextmanager
def lent_connection(url: str) -> Iterator[store.Connection]:
    """Lend a read-only connection to the PostgreSQL database at `url` from the server's pool, for a few statements:
    opened when none is free (8.7 ms here), kept when given back; one that failed is closed."""
    with _VERSION_LOCK:
        pool = _connection_pools().setdefault(url, queue.SimpleQueue())
    try:
        conn = pool.get_nowait()
    except queue.Empty:
        conn = store.connect_readonly(url)
        # A statement prepared by psycopg (its fifth run) may be planned once for any parameters; planned for each,
        # the ids a statement leaves out are hashed (PostgreSQL 15), not compared one by one with every row.
        conn.execute("SET plan_cache_mode = force_custom_plan")
        # Counts by several columns hashed in memory, not sorted on disk: the planner guesses their groups by
        # multiplying each column's (a hundred thousand of 6,600), and sorted them in 4 MB (a million: 1.09 -> 0.58 s).
        conn.execute(f"SET work_mem = '{QUERY_WORK_MEM}'")
    try:
        yield conn
    except BaseException:
        with contextlib.suppress(*store.DB_ERRORS):
            conn.close()
        raise
    pool.put(conn)


@st.cache_resource(show_spinner=False)
def _connection_pools() -> dict[str, queue.SimpleQueue]:
    """Return {PostgreSQL URL: its free read-only connections}, one per server."""
    return {}


def coded(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with its CODED columns as pandas categoricals: filtered and counted as the page filters and
    counts them as text, and each value tested or counted once (at a million incidents, 0.13 s to make)."""
    return frame.assign(**{column: frame[column].astype("category") for column in CODED if column in frame})


def rows_of(ids: Sequence[str], *frames: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of `frames` with these incident ids (of `without_texts` or `events`), in their order: each
    column taken from the first of `frames` that holds it (the events, then the reports: an event's texts are its
    lead report's), in the columns' order of the last of `frames`, then the others'.

    Example:
        table = rows_of(shown.index[:TABLE_ROWS], events(db_path, public_view=True), public(db_path))
    """
    ids = pd.Index(ids)
    pieces, held = [], set()
    for frame in frames:
        if missing := [c for c in frame.columns if c not in held]:
            pieces.append(frame[missing].iloc[positions.find(frame.index, ids)].set_axis(ids))
            held.update(missing)
    found = pd.concat(pieces, axis=1) if len(pieces) > 1 else pieces[0]
    order = [*frames[-1].columns, *(c for c in found.columns if c not in frames[-1].columns)]
    return found if list(found.columns) == order else found[order]


def shown_rows(db_path: str | Path, ids: Sequence[str], *, public_view: bool, events_view: bool) -> pd.DataFrame:
    """Return the rows the page shows for these incident ids (of `without_texts`), in their order, whole: the
    columns of `events(db_path)` when `events_view`, then those of the reports (`public` or `incidents` by
    `public_view`: an event's other columns are its lead report's), with their texts (`texts_of`), in
    store.INCIDENT_COLUMNS' order, then the others.

    Example:
        table = shown_rows(db_path, shown.index[:TABLE_ROWS], public_view=True, events_view=True)
    """
    if store.is_url(str(db_path)):
        # Kept for the version: a rerun that changes no filter shows the same rows (at a million, a month's drawn
        # points read by id took 0.37 s of a run).
        url, key = str(db_path), (tuple(ids), public_view, events_view)
        make = functools.partial(_queried_rows, url, ids, public_view=public_view, events_view=events_view)
        found = _kept(_cached_rows(url, _frames_version(url)), key, make, most=CACHED_ROWS)
    else:
        found = framed_rows(db_path, ids, public_view=public_view, events_view=events_view)
    first = [c for c in store.INCIDENT_COLUMNS if c in found]
    return found[[*first, *(c for c in found.columns if c not in first)]]


def framed_rows(db_path: str | Path, ids: Sequence[str], *, public_view: bool, events_view: bool) -> pd.DataFrame:
    """Return shown_rows' rows of these ids, in no order of columns, from the shared frames: SQLite's way."""
    reports = _reports(db_path, public_view=public_view)
    frames = (events(db_path, public_view=public_view), reports) if events_view else (reports,)
    return rows_of(ids, texts_of(db_path, ids, public_view=public_view), *frames)


def texts_of(
    db_path: str | Path, ids: Sequence[str], *, public_view: bool, whole: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the texts of these incidents (store.MAP_TEXTS, indexed by id in the order given) as the page shows
    them: as the editors corrected them and, when `public_view`, as readers see them (dashboard.privacy; masked
    with their rows in `whole`, by default `incidents(db_path)`); an id not stored has no texts. Read from the
    database, but for the last CACHED_TEXTS rows asked for at its version."""
    ids = pd.Index(ids)
    kept = _cached_texts(str(db_path), _frames_version(db_path), public_view)
    if missing := [i for i in dict.fromkeys(ids) if i not in kept]:
        conn = store.connect_readonly(db_path)
        try:
            read = _texts_frame(db_path, store.iter_map_texts(conn, missing), public_view=public_view, whole=whole)
        finally:
            conn.close()
        if len(read) > CACHED_TEXTS:  # a download of them all: kept for this call only
            kept = {**kept}
        elif len(kept) + len(read) > CACHED_TEXTS:
            kept.clear()
        kept.update(zip(read.index, read.itertuples(index=False, name=None)))
    frame = pd.DataFrame.from_records([kept.get(i, _NO_TEXTS) for i in ids], columns=list(store.MAP_TEXTS))
    return _typed_texts(frame.set_axis(ids))


_NO_TEXTS = tuple(  # store.MAP_TEXTS of an incident not stored
    (dict.fromkeys(store.MAP_TEXTS) | {"evidence": "", "victim_ages": "[]", "evidence_start": 0}).values()
)
_WHOLE_TEXTS = ("evidence_start", "type_start", "type_end", "place_start", "place_end", "arrests")  # typed Int64


@st.cache_resource(show_spinner=False, max_entries=2 * CACHED_DATABASES)
def _cached_texts(db_path: str, version: tuple, public_view: bool) -> dict[str, tuple]:
    """Return {incident id: its store.MAP_TEXTS as texts_of gives them}, kept per database version and view."""
    return {}


def _texts_frame(
    db_path: str | Path, rows: Iterable[tuple], *, public_view: bool, whole: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return store.iter_map_texts' `rows` as a frame of store.MAP_TEXTS indexed by incident id, corrected, and
    masked when `public_view`: each row is masked with the other columns of its incident (in `whole`, read_incidents'
    rows of them; by default `incidents(db_path)`), as dashboard.privacy masks whole incidents. Incidents a
    correction hides are left out."""
    texts = pd.DataFrame.from_records(list(rows), columns=["incident_id", *store.MAP_TEXTS])
    texts.index = pd.Index(texts["incident_id"], name=None)
    whole = incidents(db_path) if whole is None else whole
    # Positions, not isin: isin of a million ids goes through them in Python (1.8 s).
    at = positions.find(whole.index, texts.index)
    texts, at = texts[at >= 0], at[at >= 0]  # not hidden, its article not deleted
    article_ids = whole["article_id"].iloc[at].set_axis(texts.index)
    found = corrections_of(db_path)
    touched = _touched(texts.index, article_ids, found)
    if touched.any():
        told = texts.loc[touched].assign(article_id=article_ids[touched]).astype(object)
        fixed = corrections.apply_corrections(told.where(told.notna(), None).to_dict("records"), found)
        texts = texts.astype(object)
        texts.loc[[f["incident_id"] for f in fixed], list(store.MAP_TEXTS)] = [
            [f[c] for c in store.MAP_TEXTS] for f in fixed
        ]
    texts = _typed_texts(texts.drop(columns="incident_id"))
    if public_view and len(texts):
        masked = public_incidents(whole.iloc[at].set_axis(texts.index).join(texts), name_vocabulary())
        texts = _typed_texts(masked[list(store.MAP_TEXTS)])
    return texts


def _typed_texts(texts: pd.DataFrame) -> pd.DataFrame:
    """Return store.MAP_TEXTS typed as the page reads them: strings, headline and evidence "" when missing, offsets
    Int64."""
    typed = {c: texts[c].astype("str") for c in ("url", "victim_ages", "location_text", "geocode_source")}
    typed |= {c: texts[c].fillna("").astype("str") for c in ("headline", "evidence")}
    typed |= {c: pd.array(texts[c], dtype="Int64") for c in _WHOLE_TEXTS}
    return texts.assign(**typed)


def corrections_of(db_path: str | Path) -> list[store.Correction]:
    """Return the editors' corrections stored at `db_path`, read once per database version."""
    return _cached_corrections(str(db_path), _frames_version(db_path))


@st.cache_resource(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_corrections(db_path: str, version: tuple) -> list[store.Correction]:
    conn = store.connect_readonly(db_path)
    try:
        return columnar.stored_corrections(conn)
    finally:
        conn.close()


def stored_events(db_path: str | Path) -> StoredMerges | None:
    """Return the event merges stored at `db_path` with what the editors' corrections touch
    (dashboard.events_view.StoredMerges), read once per database version; None in a database opened read-only from
    before events."""
    return _cached_stored_events(str(db_path), _frames_version(db_path))


@st.cache_resource(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_stored_events(db_path: str, version: tuple) -> StoredMerges | None:
    conn = store.connect_readonly(db_path)
    try:
        found = columnar.stored_corrections(conn)
        try:
            return stored_merges(store.iter_shared_events(conn), found)
        except sqlite3.OperationalError:  # opened read-only, a database from before events
            return None
    finally:
        conn.close()


@st.cache_resource(show_spinner=False)
def event_merges() -> dict:
    """Return the event merges made so far (dashboard.events_view.event_frame's memo), kept across database versions
    and views: a new version changes few events."""
    return {}


def filter_choices(
    db_path: str | Path, *, boroughs: Sequence[str], categories: Sequence[str], type_labels: Mapping[str, str]
) -> Choices:
    """Return dashboard.filters.filter_choices of `incidents(db_path)`, computed once per database version (it took
    up to 0.8 s per rerun at a million incidents)."""
    labels = tuple(type_labels.items())
    return _cached_choices(str(db_path), _frames_version(db_path), tuple(boroughs), tuple(categories), labels)


@st.cache_resource(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_choices(
    db_path: str,
    version: tuple,
    boroughs: tuple[str, ...],
    categories: tuple[str, ...],
    type_labels: tuple[tuple[str, str], ...],
) -> Choices:
    if store.is_url(db_path):  # the values stored, not every row
        held = {c: _stored_values(db_path, c) for c in ("borough", "type", "category")}
        frame = pd.DataFrame({c: pd.Series(v.tolist(), dtype=object) for c, v in held.items()})
    else:
        frame = incidents(db_path)
    return filters.filter_choices(frame, boroughs=boroughs, categories=categories, type_labels=dict(type_labels))


def text_matches(db_path: str | Path, query: str, *, public_view: bool, events_view: bool) -> pd.Series | None:
    """Return which rows of the page's frame (`events(db_path)` when `events_view`, else the reports: `public` or
    `incidents` by `public_view`) the text search `query` keeps, as dashboard.filters' `q` keeps them, for
    filter_incidents' `matches`; None without a query. An event is kept when the headline or evidence of any of its
    reports is. Computed once per database version and query.

    The database finds the rows whose stored texts hold an ASCII query by their numbers alone (store.search_rowids:
    SQLite's index, PostgreSQL's folded texts); else it finds the candidates and reads their stored texts
    (store.search_selects), which are searched as `q` does; either way the result is the same as searching every row.
    Correcting and masking only take text away, but for what masking puts in: the neutral headline and sentence (they
    hold the query and every protected row is kept, or they do not) and NAME_MASK (a query that could overlap it
    reads, corrects and masks every row masking may change, or every row when the index alone cannot answer)."""
    if not query:
        return None
    return _cached_matches(str(db_path), _frames_version(db_path), query, public_view, events_view)


@st.cache_resource(show_spinner=False, max_entries=CACHED_QUERIES)
def _cached_matches(db_path: str, version: tuple, query: str, public_view: bool, events_view: bool) -> pd.Series:
    frame = _reports(db_path, public_view=public_view)
    if events_view:  # an event is found when any report it shows is: search the reports, then find their events
        shown = events(db_path, public_view=public_view)
        reports = _cached_matches(db_path, version, query, public_view, False).to_numpy()
        rows = _cached_report_events(db_path, version, public_view)
        return pd.Series(events_of_reports(shown, frame, reports, rows=rows), index=shown.index)
    masks_in = _masks_in(query, public_view=public_view)
    screens = _cached_screens(db_path, version, frame) if public_view else None
    kept = _stored_matches(db_path, version, frame, query, screens=screens, masks_in=masks_in)
    return pd.Series(kept, index=frame.index)


def _masks_in(query: str, *, public_view: bool) -> bool:
    """Whether masking a name could put `query` into a text the readers' view shows: it could overlap NAME_MASK."""
    return public_view and ("[" in query or "]" in query or query.casefold() in NAME_MASK.casefold())


def _masked_matches(db_path: str, frame: pd.DataFrame, query: str) -> np.ndarray:
    """Return which rows of the public `frame` the search `query` keeps, every incident's texts read, corrected and
    masked: a query that could overlap a masked name's NAME_MASK."""
    keep = np.zeros(len(frame), dtype=bool)
    conn = store.connect_readonly(db_path)
    try:
        rows = store.iter_map_texts(conn, None)
        while batch := list(itertools.islice(rows, LOAD_BATCH)):
            texts = _texts_frame(db_path, batch, public_view=True)
            at = positions.find(frame.index, texts.index[filters.query_matches(texts, query).to_numpy()])
            keep[at[at >= 0]] = True
    finally:
        conn.close()
    return keep


def _neutral_holds(query: str) -> bool:
    """Whether the text search `query` keeps the public view's protected rows: their neutral headline or sentence
    holds it."""
    neutral = pd.DataFrame({"headline": [NEUTRAL_HEADLINE], "evidence": [NEUTRAL_EVIDENCE]})
    return bool(filters.query_matches(neutral, query).iloc[0])


def _stored_matches(
    db_path: str, version: tuple, frame: pd.DataFrame, query: str, *, screens: np.ndarray | None, masks_in: bool
) -> np.ndarray:
    """Return which rows of `frame` (`public`, with its _cached_screens, or `incidents` and None; at `version`) the
    search `query` keeps; `masks_in` when masking could put the query in (it could overlap NAME_MASK): then every row
    masking may change is read whole and searched, by the index alone (_held_by_index), else by _masked_matches.

    Correcting and masking only take text away, but for the neutral headline and sentence: every protected row's
    texts, so they hold the query and all those rows are kept, or they do not and none is. So a row whose stored texts
    hold the query (by the index alone when it can tell, else among the rows whose texts it finds, or every row when
    it finds too many) is kept as they are unless a correction touched it or masking may change it (may_name); only
    those are read whole, corrected and masked to check, and no row whose stored texts miss the query is.
    """
    public_view = screens is not None
    keep = np.zeros(len(frame), dtype=bool)
    hidden = np.zeros(len(frame), dtype=bool)  # the rows whose stored texts are not shown
    if public_view:
        hidden = frame["protected"].to_numpy(dtype=bool)
        if _neutral_holds(query):
            keep |= hidden
    touched = _touched(frame.index, frame["article_id"], found) if (found := corrections_of(db_path)) else None
    indexed = _indexed_rows(db_path, version, query, frame)
    answered = None if indexed is None else _held_by_index(indexed, hidden, screens, touched, masks_in=masks_in)
    if answered is None and masks_in:
        return _masked_matches(db_path, frame, query)
    if answered is None:  # the texts read, and the rows they hold placed by their numbers
        places = _cached_places(db_path, version)
        answered = _held_by_texts(db_path, frame, query, places, hidden, screens, touched)
    kept, checked = answered
    keep |= kept
    if len(again := checked[~keep[checked]]):
        conn = store.connect_readonly(db_path)
        try:
            read = _texts_frame(db_path, store.iter_map_texts(conn, frame.index[again]), public_view=public_view)
        finally:
            conn.close()
        at = positions.find(frame.index, read.index[filters.query_matches(read, query).to_numpy()])
        keep[at[at >= 0]] = True
    return keep


def _held_by_texts(
    db_path: str,
    frame: pd.DataFrame,
    query: str,
    places: Places | None,
    hidden: np.ndarray,
    screens: np.ndarray | None,
    touched: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return what _held_by_index returns, from the stored texts of the rows the search index finds holding `query`,
    or of every row when it cannot tell or finds too many (_searched_texts), searched as `q` searches them; `places`
    are _cached_places. The rows held not screened yet are screened, once a version (_screened)."""
    keep = np.zeros(len(frame), dtype=bool)
    checked = [np.empty(0, dtype=np.intp)]
    limit = max(SEARCH_SCAN_ROWS, len(frame) // SEARCH_SCAN_SHARE)
    # Each piece read apart: a copy of them in one piece took a second at a million. An incident both texts hold is
    # read twice by the index, and looked at twice.
    for texts in _searched_texts(db_path, query, limit=limit):
        matched = filters.query_matches(_str_frame(texts), query).to_numpy()
        at = _positions(frame.index, places, texts, matched)
        held = matched & (at >= 0)  # not a hidden incident's
        held[held] = ~hidden[at[held]]  # a protected row's texts are the neutral ones, searched by the caller
        changed = np.zeros(len(held), dtype=bool)
        if touched is not None:
            changed[held] = touched[at[held]]
        if screens is not None:
            changed |= _screened(texts, held, at, screens)
        keep[at[held & ~changed]] = True
        checked.append(at[held & changed])
    return keep, np.unique(np.concatenate(checked))


def _held_by_index(
    indexed: tuple[np.ndarray, np.ndarray],
    hidden: np.ndarray,
    screens: np.ndarray | None,
    touched: np.ndarray | None,
    *,
    masks_in: bool,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return, of the frame rows whose stored evidence and whose stored headline hold a query (`indexed`, by
    _indexed_rows), which are kept as they are, and the positions of those to read whole, correct and mask to check
    (a correction `touched` them, or, in the readers' view, masking may change them by their `screens`; there the
    `hidden` rows' texts are the neutral ones, which the caller searched; when masking could put the query in
    (`masks_in`), every row it may change, held or not); None when a row to check is not screened yet: the search
    reads the texts, and screens them once a version."""
    by_evidence, by_headline = indexed
    held = (by_evidence | by_headline) & ~hidden
    changed = np.zeros(len(held), dtype=bool)
    if screens is not None:
        unknown = screens < 0 if masks_in else held & (screens < 0)
        if unknown.any():
            return None
        changed |= (screens == 1) if masks_in else held & (screens == 1)
    if touched is not None:  # as _held_by_texts: no correction changes a stored text (a takedown erases it) today
        changed |= held & touched
    return held & ~changed, np.flatnonzero(changed)


_SEARCHED = ("headline", "evidence")  # the texts the search reads


@dataclass(frozen=True)
class Places:
    """Where each stored row is in the readers' frames (`incidents` and `public`, their rows in one order): `rows`
    their numbers (store.MAP_EXTRAS' `row`: SQLite's rowid, PostgreSQL's row_id) in ascending order, `at` the frame
    position of each, and `ids` the frames' incident ids in their order."""

    rows: np.ndarray
    at: np.ndarray
    ids: pa.Array | pa.ChunkedArray


def _positions(index: pd.Index, places: Places | None, texts: pa.Table, wanted: np.ndarray) -> np.ndarray:
    """Return the position in the frame (whose index is `index`) of each row of `texts` (_TEXTS_READ) that is
    `wanted`, -1 for the others and for a row not in it: by its number in `places`, else (a frame without numbers:
    PostgreSQL before migration 13) by its incident id. A number placed must hold the incident the frame has there:
    SQLite gives a deleted row's rowid to the next row inserted, and a write may come between the frame's version and
    the read."""
    at = np.full(len(wanted), -1, dtype=np.intp)
    todo = np.flatnonzero(wanted)
    rows = texts["row"].take(pa.array(todo))
    if places is None or rows.null_count:
        if len(todo):
            at[todo] = positions.find(index, texts["incident_id"].take(pa.array(todo)).to_pylist())
    elif len(places.rows):
        rows = rows.to_numpy()
        found = np.searchsorted(places.rows, rows)
        found[found == len(places.rows)] = 0  # past the last rowid: not in the frame, as the comparison says
        placed = places.rows[found] == rows
        if placed.any():
            same = pc.equal(
                places.ids.take(pa.array(places.at[found[placed]])),
                texts["incident_id"].take(pa.array(todo[placed])),
            )
            placed[placed] = same.fill_null(False).to_numpy(zero_copy_only=False)
        at[todo[placed]] = places.at[found[placed]]
    return at


def _screened(texts: pa.Table, held: np.ndarray, at: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Return, per row of `texts` (_TEXTS_READ; `at` its position in the readers' frame), whether it is `held` and
    masking may change it (may_name of either text). The rows `known` (_cached_screens) are not screened again; the
    others are screened, both texts in one pass (the reader of the next piece works meanwhile), and kept in
    `known`."""
    rows = np.flatnonzero(held)
    if len(unknown := rows[known[at[rows]] < 0]):
        known[at[unknown]] = may_name(_str_frame(texts.take(unknown)), name_vocabulary())
    screened = np.zeros(len(held), dtype=bool)
    screened[rows] = known[at[rows]] == 1
    return screened


@st.cache_resource(show_spinner=False, max_entries=2 * CACHED_DATABASES)
def _cached_report_events(db_path: str, version: tuple, public_view: bool) -> np.ndarray:
    """Return dashboard.events_view.report_events of the page's events and reports at this version and view: hashing a
    million incidents' events once, not at every search (4 MB at 1M)."""
    frame = _reports(db_path, public_view=public_view)
    return report_events(events(db_path, public_view=public_view), frame)


@st.cache_resource(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_places(db_path: str, version: tuple) -> Places | None:
    """Return the Places of `incidents(db_path)` at this version; None when its rows have no number (PostgreSQL before
    migration 13): a search places the rows it reads by them, where looking up half a million incident ids in the
    frame's index took 0.4-0.65 s (and hashing the index first 0.4 s) at 1M."""
    frame = incidents(db_path)
    if frame["row"].isna().any():
        return None
    rows = frame["row"].to_numpy(dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    # Of the column's array: Arrow asks a Series for its Arrow interfaces by attribute, each a look-up in the index.
    return Places(rows[order], order.astype(np.intp), pa.array(frame["incident_id"].array, pa.string()))


def _indexed_rows(
    db_path: str, version: tuple, query: str, frame: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return which rows of the readers' `frame` (`incidents` or `public` at `version`) hold `query` in any case in
    their stored evidence, and which in their stored headline, by the numbers of the rows the database finds
    (store.search_rowids: SQLite's search index alone, PostgreSQL's search of its folded texts; no text read, where a
    search holding half a million rows read their texts in a second); None when the database cannot tell, or may fold
    the query's case otherwise than the page's search (filters.query_matches), or was written meanwhile: the caller
    reads the texts.

    The trigram tokenizer, and PostgreSQL's folding (store._FOLDED), fold each character as pyarrow's case-insensitive
    search does for an ASCII query (tested against every character from U+0080 to U+2FFFF, tests/test_data.py); other
    queries are not asked of them."""
    if not (query.isascii() and query.isprintable()) or frame[["row", "article_row"]].isna().any(axis=None):
        return None
    conn = store.connect_readonly(db_path)
    try:
        statements = store.search_rowids(conn, query)
    finally:
        conn.close()
    if statements is None:
        return None
    if store.is_url(db_path):
        read = columnar.postgres_results(db_path, statements)
    else:
        # A batch size only (articles without incidents and hidden incidents are found too): a column of whole
        # numbers is typed alike in every batch.
        batch = max(len(frame), ROWID_BATCH_ROWS)
        read = columnar.sqlite_tables(db_path, [(sql, parameters, batch) for sql, parameters in statements])
    # A number is the row's of the version read: SQLite gives a deleted row's rowid to the next one inserted.
    # PostgreSQL never gives one twice, but counts a write in the version a second or more after it (store.map_version):
    # meanwhile an incident stored again (a new number) is not found, as the frames do not show it anew either.
    if read is None or map_version(db_path) != version:
        return None
    evidence, headlines = (
        np.empty(0, dtype=np.int64) if table is None else table.column(0).to_numpy() for table in read
    )
    return (
        _held_rows(frame["row"].to_numpy(dtype=np.int64), evidence),
        _held_rows(frame["article_row"].to_numpy(dtype=np.int64), headlines),
    )


def _held_rows(rows: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Return, per entry of `rows` (the rows' numbers), whether it is among `found`: by a mark per number up to the
    largest, where sorting a million numbers took 0.08 s; by sorting when those marks would be many more than the
    numbers (PostgreSQL spends one at every upsert, so its largest follows the writes, not the rows)."""
    if not len(rows) or not len(found):
        return np.zeros(len(rows), dtype=bool)
    largest = max(int(rows.max()), int(found.max()))
    if largest > MARKS_PER_ROW * (len(rows) + len(found)):
        return np.isin(rows, found)
    marks = np.zeros(largest + 1, dtype=bool)
    marks[found] = True
    return marks[rows]


MARKS_PER_ROW = 16  # _held_rows' marks (a byte each) per number it is given, at most: 32 MB for a million


@st.cache_resource(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_screens(db_path: str, version: tuple, _frame: pd.DataFrame) -> np.ndarray:
    """Return, per row of `_frame` (`public(db_path)` at this version; not hashed), whether masking may change its
    stored texts (1, else 0): the screen stored with it when it is this one's (store.SCREEN), else -1 until a search
    screens it (a broad search screens half a million rows' texts in 0.3-0.7 s, and the next one finds most of them
    screened)."""
    stored = pd.to_numeric(_frame[store.SCREEN]).fillna(-1).to_numpy(dtype=np.int64)
    return read_screens(stored, data_screen()[1]).astype(np.int8)


# The scan of every incident's texts (a search the index cannot answer) is read in rounds of this many rowid ranges,
# each by its own connection in a thread, the next round read while one is searched; each range of
# SEARCH_SCAN_PIECE_ROWS rowids: the texts of a few ranges held at a time, not a million rows' (0.5 GB, which took a
# server to 1.4 GB). A search for "Road" at 1M, by the range: 100,000 rowids 2.4-3.0 s, peak 1.0 GB; 50,000 1.9-2.2 s,
# 0.82 GB; 25,000 2.35-2.65 s, 0.78-0.80 GB. Rounds of one range, the next read ahead, hold two ranges as rounds of two
# read in turn did: the process's peak in a search at 1M 837-870 MB (rounds of two read ahead: 912-935 MB), and wall
# seconds as those, or fewer when a core is free. Since the rows' name screens are stored (migration 12) the reading
# is what a scan waits for: rounds of two ranges of 25,000 rowids, read by two threads, hold as many rows as one of
# 50,000 and take "Road" 0.88-1.07 s against 1.02-1.34 s (peak 681-685 MB against 685-689 MB in a bare process); two
# ranges of 50,000 took 0.84-0.92 s but 40 MB more.
SEARCH_SCAN_PIECES = 2
SEARCH_SCAN_PIECE_ROWS = 25_000
ROWID_BATCH_ROWS = 65_536  # rowids a batch of _indexed_rows holds at least: a small frame may have many articles


def _str_frame(texts: pa.Table) -> pd.DataFrame:
    """Return the texts of `texts` (_SEARCHED) as a frame of the page's strings, without a copy: filters.query_matches
    searches them as the page's (a frame made from Arrow arrays went through Python strings: a second a million)."""
    strings = pd.StringDtype("pyarrow", na_value=np.nan)
    return texts.select(list(_SEARCHED)).to_pandas(types_mapper={pa.string(): strings}.get)


def _searched_texts(db_path: str, query: str, *, limit: int) -> Iterator[pa.Table]:
    """Yield _TEXTS_READ of the incidents whose stored texts the search index finds holding `query`
    (store.search_selects: one both texts hold is read twice, and rows without an incident come too); of every
    incident when the index cannot tell, or finds more than `limit` texts (reading them all costs less): in pieces,
    one chunk each, SEARCH_SCAN_PIECES of them read at a time (PostgreSQL's scan: a batch at a time)."""
    conn = store.connect_readonly(db_path)
    try:
        statements = store.search_selects(conn, query, columns=_SEARCHED, limit=limit)
        if statements is not None:
            found = _read_texts(db_path, conn, [(sql, parameters, limit + 2) for sql, parameters in statements])
            if sum(t["found"][0].as_py() for t in found) <= limit:
                yield from found
                return
            del found
        every = store.search_selects(conn, None, columns=_SEARCHED) or ()  # one statement
        pieces: list[tuple[str, tuple, int]] = [(sql, (), 0) for sql, _ in every]
        if isinstance(conn, sqlite3.Connection):
            # Each alone: SQLite reads min(rowid) and max(rowid) off the table's ends, but not inside another call.
            first, last = conn.execute(
                "SELECT (SELECT min(rowid) FROM incidents), (SELECT max(rowid) FROM incidents)"
            ).fetchone()
            first, last = first or 0, last or 0
            pieces = columnar.rowid_ranges(pieces[0][0], [*range(first, last + 1, SEARCH_SCAN_PIECE_ROWS), last + 1])
        elif (batches := columnar.postgres_tables(db_path, pieces[0][0])) is not None:
            # A batch at a time by ADBC's driver, not a million rows through psycopg at once (at 1M: 14 s); the next
            # batch read (the driver lets go of the GIL) while this one is searched.
            with ThreadPoolExecutor(1) as reader:
                batch = reader.submit(next, batches, None)
                try:
                    while (table := batch.result()) is not None:
                        if (typed := _typed_texts_table(table)) is None:  # as the first batch is, so are the others
                            break
                        batch = reader.submit(next, batches, None)
                        yield typed
                    else:
                        return
                finally:
                    wait([batch])  # the reader done with the batches before they are closed
                    batches.close()  # its connection
        rounds = [pieces[at : at + SEARCH_SCAN_PIECES] for at in range(0, len(pieces), SEARCH_SCAN_PIECES)]
        sqlite = isinstance(conn, sqlite3.Connection)
        with ThreadPoolExecutor(1) as ahead:
            # The driver reads the next round (letting go of the GIL) while this one is searched.
            coming = ahead.submit(_driver_texts, db_path, rounds[0]) if sqlite else None
            for at, scanned in enumerate(rounds):
                read = coming.result() if coming is not None else None
                after = rounds[at + 1] if at + 1 < len(rounds) else None
                coming = ahead.submit(_driver_texts, db_path, after) if sqlite and after is not None else None
                # The driver was tried (SQLite's round ahead, PostgreSQL's batches): not again for each round.
                yield from _read_texts(db_path, conn, scanned, driver=False) if read is None else read
                del read
                hand_back_memory()  # the driver's threads free the pieces read into arenas of their own
    finally:
        conn.close()


_TEXTS_READ = ("found", "incident_id", "row", *_SEARCHED)  # what store.search_selects' statements read
_TEXTS_TYPES = (pa.int64(), pa.string(), pa.int64(), *[pa.string()] * len(_SEARCHED))


def _typed_texts_table(table: pa.Table) -> pa.Table | None:
    """Return a table a driver read of _TEXTS_READ as _TEXTS_TYPES, None when a column is of another type; a column
    of nothing but nulls has a type of the driver's own, and large text is text (columnar.widened)."""
    columns = [
        pa.nulls(len(c), k) if c.null_count == len(c) else columnar.widened(c, k)
        for c, k in zip(table.columns, _TEXTS_TYPES)
    ]
    return pa.table(columns, _TEXTS_READ) if tuple(c.type for c in columns) == _TEXTS_TYPES else None


def _read_texts(
    db_path: str, conn: store.Connection, statements: Sequence[tuple[str, tuple, int]], *, driver: bool = True
) -> list[pa.Table]:
    """Return what each (statement, parameters, most rows) of store.search_selects reads, _TEXTS_READ as
    _TEXTS_TYPES: by the ADBC drivers, each statement at once (_driver_texts), or, when a driver cannot read them as
    such (or not `driver`: the caller tried it), through `conn`."""
    if driver and (read := _driver_texts(db_path, statements)) is not None:
        return read

    def table(statement: tuple[str, tuple, int], on: store.Connection) -> pa.Table:
        sql, parameters, _ = statement
        columns = list(zip(*on.execute(sql, parameters).fetchall())) or [()] * len(_TEXTS_READ)
        return pa.table([pa.array(c, k) for c, k in zip(columns, _TEXTS_TYPES)], _TEXTS_READ)

    if isinstance(conn, sqlite3.Connection) or len(statements) < 2:
        return [table(s, conn) for s in statements]

    # On a server, the search's statements (the evidence's, the headline's) each on a connection of its own at once,
    # side by side: at 1M, "teenager arrested" 1.35-1.48 -> 1.22-1.31 s (the evidence's alone used both cores).
    def apart(statement: tuple[str, tuple, int]) -> pa.Table:
        own = store.connect_readonly(db_path)
        try:
            return table(statement, own)
        finally:
            own.close()

    with ThreadPoolExecutor(len(statements)) as pool:
        return list(pool.map(apart, statements))


def _driver_texts(db_path: str, statements: Sequence[tuple[str, tuple, int]]) -> list[pa.Table] | None:
    """Return what _read_texts reads of the database at `db_path` by the ADBC drivers, each statement on a connection
    of its own at once (columnar.sqlite_tables, columnar.postgres_results: no Python object per value; at 1M on
    PostgreSQL, 59,459 texts (41,743 evidence, 17,716 headlines) in 0.99-1.46 s against 1.03-1.10 s through psycopg,
    the server's search most of it); None when a driver cannot read them as _TEXTS_TYPES; no connection of the
    caller's, so any thread may call it."""
    if store.is_url(db_path):
        found = columnar.postgres_results(db_path, [(sql, parameters) for sql, parameters, _ in statements])
        # A statement that read no row has no types: none of the search's does (its count comes with every row).
        read = None if found is None or any(t is None for t in found) else [t for t in found if t is not None]
    else:
        read = columnar.sqlite_tables(db_path, statements)
    typed = [_typed_texts_table(t) for t in read or ()]
    return None if read is None or any(t is None for t in typed) else [t for t in typed if t is not None]


# What _frames_version lets go too.
_VERSION_CACHES = (
    _cached_answers,
    _cached_rows,
    _cached_dates,
    _cached_stored_events,
    _cached_choices,
    _cached_matches,
    _cached_screens,
    _cached_places,
    _cached_report_events,
    _cached_texts,
    _cached_derived,
    _cached_derived_reports,
    _cached_search,
    _cached_derived_matches,
    _cached_corrections,
)


@st.cache_resource(show_spinner=False)
def crime_families() -> CrimeFamilies:
    """Return the crime families and severities behind an event's merged type, loaded once per server."""
    return load_families()


def name_vocabulary() -> NameVocabulary:
    """Return the word lists behind name masking, loaded once per server: the store's (screening.data_screen), so
    that the screens it writes and those the dashboard makes are of one vocabulary, loaded once."""
    return data_screen()[0]


@st.cache_resource(show_spinner=False)
def upgrade_database(db_path: str) -> str | None:
    """Bring the database at `db_path` to the current schema once per server (readers write nothing, but the
    editors' tables must exist); returns why it could not be, None when it is done."""
    try:
        store.connect(db_path).close()
    except ExtractError as e:
        return str(e)
    return None


def recorded_crime(db_path: str | Path) -> tuple[pd.DataFrame, frozenset[tuple[str, str]]]:
    """Return the police.uk counts stored at `db_path` (store.RECORDED_COLUMNS) and the (force, month) pairs imported,
    read again only when the database has changed; both empty in a database from before recorded crime."""
    return _cached_recorded_crime(str(db_path), database_version(db_path))


@st.cache_data(show_spinner="Loading recorded crime…", max_entries=CACHED_DATABASES)
def _cached_recorded_crime(db_path: str, version: tuple[int, ...]) -> tuple[pd.DataFrame, frozenset[tuple[str, str]]]:
    conn = store.connect_readonly(db_path)
    try:
        return recorded_frame(store.iter_recorded_crime(conn)), frozenset(store.recorded_months(conn))
    except sqlite3.OperationalError:  # opened read-only, a database older than migration 2 has not been upgraded
        return recorded_frame([]), frozenset()
    finally:
        conn.close()


def client_address() -> str | None:
    """Return this session's network address (st.context.ip_address), None when unknown: a connection from this
    machine, or a test's, whose stand-in is no address."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def last_update(db_path: str | Path) -> str | None:
    """Return when the latest `watch` round that read a feed finished (UTC ISO), None when none did; read again
    only when the database has changed."""
    return _cached_watch(str(db_path), database_version(db_path))[0]


def feed_sources(db_path: str | Path) -> pd.DataFrame:
    """Return one row per watched feed (store.SOURCE_COLUMNS), read again only when the database has changed."""
    return _cached_watch(str(db_path), database_version(db_path))[1]


@st.cache_data(show_spinner=False, max_entries=CACHED_DATABASES)
def _cached_watch(db_path: str, version: tuple[int, ...]) -> tuple[str | None, pd.DataFrame]:
    conn = store.connect_readonly(db_path)
    try:
        rows = list(store.iter_feed_sources(conn))
        return store.last_update(conn), pd.DataFrame.from_records(rows, columns=list(store.SOURCE_COLUMNS))
    except sqlite3.OperationalError:  # opened read-only, a database older than migration 3 has not been upgraded
        return None, pd.DataFrame(columns=list(store.SOURCE_COLUMNS))
    finally:
        conn.close()


@st.cache_resource(show_spinner=False)
def borough_shapes() -> dict | None:
    """Return the borough GeoJSON, or None when the gazetteer has none."""
    try:
        return load_borough_geojson()
    except FileNotFoundError:
        return None


def basemap(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Return the map's basemap setting: `--basemap X` after `--`, else $CRIMEMAP_BASEMAP, else DEFAULT_BASEMAP
    (dashboard.maps.basemap_style says what X may be).

    Example:
        streamlit run dashboard/app.py -- --basemap none     # no tiles: borough outlines and points only
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--basemap")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return args.basemap or (os.environ if environ is None else environ).get(BASEMAP_ENV) or DEFAULT_BASEMAP


@st.cache_resource(show_spinner=False)
def gazetteer() -> Gazetteer:
    """Return the London gazetteer for the place search, loaded once per server: alone (extract.pipeline.load_places),
    not with the extractor's matchers, which only the editors' pages use (a server at a million incidents took
    0.11 GB more for a reader's first place search). A server whose editors add articles holds both: 15 MB more."""
    return load_places()


@st.cache_resource(show_spinner="Loading the gazetteer…")
def extractor() -> Extractor:
    """Return the pipeline's extractor (gazetteer, matchers, offline geocoder), loaded once per server: from the
    user's cache (extract.cache) while the data files and the code are unchanged: 0.14 s, where reading the
    gazetteer alone took 0.37 s and compiling the matchers on it 0.9 s more."""
    return load_extractor()


def seed_database(db_path: Path) -> str | None:
    """Build the missing incidents database at `db_path` from seeds/ (build_database); return why it could not be
    (a path that is a URL, a directory that cannot be written) as database_problem's line, None when it is built."""
    try:
        store.refuse_url(db_path)  # before the build names its partial file
        build_database(str(db_path))
    except (ExtractError, OSError) as e:
        return _problem_line(str(db_path), e)
    return None


@st.cache_resource(show_spinner=False)
def build_database(db_path: str) -> IngestReport:
    """Build the incidents database at `db_path` from seeds/ with the CLI's pipeline, moved into place in one step.

    Cached, so the sessions that open a server without a database wait for one build.
    """
    target = Path(db_path)
    partial = target.with_name(target.name + ".building")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    report = ingest_paths(sorted(p for p in SEEDS_DIR.iterdir() if p.is_file()), db_path=partial)
    # Fold the write-ahead log into the file, so the rename moves every row.
    conn = store.connect(partial)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    os.replace(partial, target)
    return report


def save_found(
    db_path: str | Path,
    found: Iterable[tuple[Article, list[Incident]]],
    *,
    editor: str,
    reasons: Mapping[str, Reason] | None = None,
) -> int:
    """Store every article with its incidents at `db_path` (with the extractor's reason for an article that gave
    none, from `reasons` by article id), each logged as added by `editor`; returns the number of incidents stored."""
    conn = store.connect(db_path)
    try:
        saved = 0
        for article, incidents in found:
            saved += store.save_article(conn, article, incidents, reason=(reasons or {}).get(article.article_id))
            corrections.record_added(conn, article, incidents, editor=editor)
        return saved
    finally:
        conn.close()


def report_problem(db_path: str | Path, incident_id: str, reason: str, note: str) -> int:
    """Store a reader's problem report about the incident at `db_path`; returns its number."""
    conn = store.connect(db_path)
    try:
        return corrections.report_problem(conn, incident_id, reason, note)
    finally:
        conn.close()


def _corrected(frame: pd.DataFrame, found: Sequence[store.Correction]) -> pd.DataFrame:
    """Return the stored frame as corrections.apply_corrections corrects its rows, with `verified`: the few rows an
    editor touched go through it, the others stand as stored."""
    frame["verified"] = False
    touched = _touched(pd.Index(frame["incident_id"]), frame["article_id"], found)
    if not touched.any():
        return frame
    where = np.flatnonzero(touched)
    rows = frame.iloc[where][list(store.MAP_COLUMNS)].astype(object)
    fixed = pd.DataFrame.from_records(
        corrections.apply_corrections(rows.where(rows.notna(), None).to_dict("records"), found)
    )
    # The touched rows by id, not the frame's million: each (un)hashed once costs 0.3 s at a million incidents.
    position = dict(zip(rows["incident_id"], where))
    dropped = sorted(position.keys() - set(fixed.get("incident_id", ())))  # hidden, or their article deleted
    if not fixed.empty:
        frame = _fixed(frame, fixed, np.array([position[i] for i in fixed["incident_id"]], dtype=np.intp))
    if dropped:
        frame = frame.drop(index=frame.index[[position[i] for i in dropped]]).reset_index(drop=True)
    return frame


def _fixed(frame: pd.DataFrame, fixed: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """Return `frame` with the corrected rows `fixed` in place, at the positions `at`."""
    # A corrected place has a point of its own, whose cell _cells computes: the stored cell was the extracted
    # point's. A row whose point stayed keeps its cell, so that the column is not made anew for nothing. (The public
    # view moves a protected point to the centre of its cell: privacy.public_incidents.)
    stored = frame[["lat", "lon", "cell"]].iloc[at]
    moved = [
        not (_same(lat, new_lat) and _same(lon, new_lon))
        for lat, lon, new_lat, new_lon in zip(stored["lat"], stored["lon"], fixed["lat"], fixed["lon"])
    ]
    fixed["cell"] = [None if gone else cell for gone, cell in zip(moved, stored["cell"])]
    for column in (c for c in fixed.columns if c in frame):  # not the texts a correction changed: texts_of has them
        if all(map(_same, frame[column].iloc[at], fixed[column])):
            continue  # what a correction left as it was (most columns: a verification changes none) stays as read
        values = _with_values(frame[column], at, fixed[column].astype(object).to_numpy())
        # Read at once, integers without a missing one make an int64 column: so does a correction filling the gap.
        if column in WHOLE_NUMBERS and values.dtype == float and values.notna().all():
            values = values.astype("int64")
        frame[column] = values
    return frame


def _with_values(column: pd.Series, at: np.ndarray, values: np.ndarray) -> pd.Series:
    """Return `column` with `values` at the positions `at`: in the column's own type when it holds them (making
    Python objects of a whole column and back took 0.1-0.3 s a column at a million incidents), else in the type all
    its values infer, as a read types them (a column read as nothing but None has no type of its own)."""
    if column.dtype != object:
        changed = column.copy()
        try:
            changed.iloc[at] = values
            return changed
        except (TypeError, ValueError):  # pandas sets no value its type cannot hold
            pass
    changed = column.astype(object)
    changed.iloc[at] = values
    return changed.infer_objects()


def _same(stored: object, corrected: object) -> bool:
    """Whether a corrected value is the stored one: equal, or both missing (None, NaN or NA)."""
    if pd.isna(stored) or pd.isna(corrected):
        return bool(pd.isna(stored) and pd.isna(corrected))
    return bool(stored == corrected)


def _touched(incident_ids: pd.Index, article_ids: pd.Series, found: Sequence[store.Correction]) -> np.ndarray:
    """Return which of these incidents (`article_ids` their articles', in the same order) a correction in `found`
    touches, itself or through its article."""
    touched = incident_ids.isin({c.target for c in found if c.kind == "incident"})
    return touched | article_ids.isin({c.target for c in found if c.kind == "article"}).to_numpy()


def _frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame["verified"] = frame["verified"].fillna(False).astype(bool)
    frame.index = pd.Index(frame["incident_id"], name=None)
    frame["lat"] = pd.to_numeric(frame["lat"], errors="coerce")
    frame["lon"] = pd.to_numeric(frame["lon"], errors="coerce")
    # In Arrow: Series.map went through a million precisions in Python (0.35 s). Of the column's array: Arrow asks a
    # Series for its Arrow interfaces by attribute, each a look-up among the index's million ids (0.3 s).
    ranks = pc.index_in(pa.array(frame["precision"].array, pa.string()), value_set=pa.array(PRECISIONS))
    frame["precision_rank"] = ranks.fill_null(-1).to_numpy().astype(int)
    frame["cell"] = _cells(frame)
    if (ids := frame["event_id"]).dtype == object:  # Python objects (none is an event's): missing as None, not NaN
        frame["event_id"] = ids.where(ids.notna(), None)
    # Event ids read as text stay Arrow strings: as Python objects a million took 0.22 s to make, and 60 MB more.
    frame["protected"] = protected_rows(frame)
    return frame[[*store.MAP_COLUMNS, *FRAME_EXTRAS]]


def _cells(frame: pd.DataFrame) -> pd.Series:
    """Return each incident's H3 cell as Arrow text: the stored one, else (a corrected place, a database from before
    stored cells) computed from its point; missing without a point. (As Python strings, a million took 0.5 s more to
    make.)"""
    cells = frame["cell"].astype("str")
    missing = cells.isna() & frame["lat"].notna() & frame["lon"].notna()
    if not missing.any():
        return cells
    # Many incidents share a gazetteer point, so index each distinct point once.
    points = frame.loc[missing, ["lat", "lon"]].drop_duplicates()
    cell_of = {(lat, lon): h3.latlng_to_cell(lat, lon, H3_RESOLUTION) for lat, lon in points.itertuples(index=False)}
    cells[missing] = [cell_of[(lat, lon)] for lat, lon in zip(frame.loc[missing, "lat"], frame.loc[missing, "lon"])]
    return cells
