import collections
import contextlib
import json
import time
from dataclasses import replace
from datetime import date

import pandas as pd
import psycopg
import pytest
from dashboard_fixtures import NAMED, Case, build_incidents_db, place, varied_cases
from events_fixtures import build_merges_db

from dashboard import data, maps
from dashboard import shown as shown_module
from dashboard.data import coded, read_incidents
from dashboard.filters import NO_FILTERS, Filters, Near, filter_choices, filter_incidents
from dashboard.shown import FrameShown, QueryShown, selection_of
from extract import corrections, selection, store
from extract.pipeline import ingest_paths
from extract.records import Place

FILTERS = [
    NO_FILTERS,
    Filters(boroughs=("Southwark",)),
    Filters(fatal_only=True),
    Filters(types=("robbery", "burglary")),
    Filters(min_precision="street"),
    Filters(boroughs=("Barnet",)),  # none
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("coding", [lambda f: f, coded], ids=["plain", "coded"])
def test_frame_shown_answers_as_the_filtered_frame(frame, filters, coding):
    whole = coding(frame)
    rows = filter_incidents(whole, filters)
    drawn = rows[maps.drawable(rows).to_numpy(dtype=bool)]
    shown = FrameShown(whole, filters)
    assert (len(shown), list(shown.newest()), list(shown.newest(2))) == (
        len(rows),
        list(rows.index),
        list(rows.index[:2]),
    )
    for column in ("type", "borough", "date", "precision"):
        assert shown.counts(column).to_dict() == rows[column].value_counts().loc[lambda c: c > 0].to_dict()
        assert shown.missing(column) == rows[column].isna().sum()
    assert shown.counts("cell", drawn=True).to_dict() == maps.cell_counts(rows).to_dict()
    assert (shown.drawable(), list(shown.drawn())) == (len(drawn), list(drawn.index))
    assert shown.bounds() == maps.points_bounds(rows)
    pairs = {(t, w): n for t, w, n in shown.pairs("type", "weapon", drawn=True).itertuples(index=False)}
    expected = drawn.groupby(["type", "weapon"], dropna=False, observed=True).size()
    assert pairs == {(t, None if pd.isna(w) else w): n for (t, w), n in expected.items()}
    for incident in (*rows.index[:3], "nowhere:0"):
        assert shown.marker(incident) == maps.marker_point(rows, incident)
        assert shown.stack(incident) == maps.stack_of(rows, incident)


def test_pairs_keep_a_missing_value_as_none(frame):
    pairs = FrameShown(frame, NO_FILTERS).pairs("type", "weapon")
    assert pairs["n"].sum() == len(frame)
    assert pairs["weapon"].map(lambda w: w is None or isinstance(w, str)).all()


@pytest.fixture(autouse=True)
def asked_afresh():
    """Each test asks its own statements: the answers data.queried keeps per link and database version would carry
    one test's (asked under its patched limits, say) into the next."""
    data._cached_answers.clear()
    data._cached_rows.clear()
    yield
    data._cached_answers.clear()
    data._cached_rows.clear()


@pytest.fixture(scope="module")
def varied_postgres(postgres_server):
    """A PostgreSQL database of varied_cases, and its frame as the dashboard reads it (data.read_incidents)."""
    url = postgres_server.new_database()
    build_incidents_db(url, cases=varied_cases(240))
    conn = store.connect_readonly(url)
    yield conn, coded(read_incidents(url))
    conn.close()


PLACE = Place(
    "Somewhere", 51.55, -0.05, kind="street", precision="street", borough=None, borough_code=None, source="test"
)
QUERY_FILTERS = [
    *FILTERS,
    Filters(boroughs=("Hackney",), types=("robbery",)),
    Filters(categories=("burglary",)),
    Filters(date_from=date(2024, 4, 1)),
    Filters(date_from=date(2024, 4, 1), date_to=date(2024, 4, 1), undated=True),
    Filters(date_to=date(2024, 3, 31)),
    Filters(weapon="knife", min_precision="junction"),
    Filters(min_precision="borough"),
    Filters(near=Near("somewhere", PLACE), km=3.0),
    Filters(near=Near("somewhere", PLACE), km=2.5, fatal_only=True),
    # Whole months and what is left at either end (selection.in_parts), a date of a month only ("2024-04") at an end.
    Filters(date_from=date(2024, 3, 31)),
    Filters(date_from=date(2023, 12, 20), date_to=date(2024, 4, 1), undated=True),
]


CELL_DEGREES = 0.02  # more than an H3 cell of the counts' resolution is wide or high, in London


def assert_alike(asked, loaded, ids, message=None):
    """Assert that a QueryShown answers all that a FrameShown does: the same, but bounds that may be the cells' of the
    points (no more than a cell wider) rather than the points' own."""
    asked_answers, loaded_answers = answers(asked, ids), answers(loaded, ids)
    box, points = asked_answers.pop("bounds"), loaded_answers.pop("bounds")
    assert asked_answers == loaded_answers, message
    assert (box is None) == (points is None), message
    if box is not None:
        south, west, north, east = points
        wider = (south - box[0], west - box[1], box[2] - north, box[3] - east)
        assert all(0 <= d <= CELL_DEGREES for d in wider), (box, points, message)


def answers(shown, ids):
    """Everything a Shown answers, for comparing two."""
    counts = {
        c: shown.counts(c).sort_index().to_dict() for c in ("type", "borough", "date", "month", "precision", "weapon")
    }
    pairs = shown.pairs("type", "weapon", drawn=True)
    return {
        "len": len(shown),
        "newest": list(shown.newest()),
        "first": list(shown.newest(7)),
        "counts": counts,
        "cells": shown.counts("cell", drawn=True).sort_index().to_dict(),
        "missing": {c: shown.missing(c) for c in ("date", "borough", "weapon", "lat", "precision")},
        "drawable": shown.drawable(),
        "drawn": list(shown.drawn()),
        "bounds": shown.bounds(),
        "pairs": sorted(((t, w, n) for t, w, n in pairs.itertuples(index=False)), key=repr),
        "markers": [shown.marker(i) for i in ids],
        "stacks": [shown.stack(i) for i in ids],
    }


@pytest.mark.parametrize("filters", QUERY_FILTERS)
@pytest.mark.parametrize("extra_rows", [0, 9], ids=["all-stored", "some-derived"])
@pytest.mark.parametrize("few_share", [10**9, 0], ids=["walked", "few"])  # ordered by the index, or found first
@pytest.mark.parametrize("exact_bounds", [10**9, 0], ids=["points' box", "cells' box"])
def test_query_shown_answers_as_the_frame_does(
    varied_postgres, filters, extra_rows, few_share, exact_bounds, monkeypatch
):
    monkeypatch.setattr(shown_module, "FEW_SHARE", few_share)
    monkeypatch.setattr(shown_module, "EXACT_BOUNDS", exact_bounds)
    conn, frame = varied_postgres
    # The rows the dashboard would derive itself (corrected, protected): every 27th, answered by a frame.
    derived = list(frame.index[::27][:extra_rows])
    extra = FrameShown(frame.loc[derived], filters) if derived else None
    shown = QueryShown(lambda: contextlib.nullcontext(conn), selection_of(filters, left_out=derived), extra=extra)
    ids = [*frame.index[:40:4], *derived[:3], "nowhere:0"]
    assert_alike(shown, FrameShown(frame, filters), ids)


def counting(conn):
    """Return a Connect lending `conn`, and the list of the statements asked through it."""
    asked = []

    class Counting:
        def execute(self, sql, parameters=()):
            asked.append(sql)
            return conn.execute(sql, parameters)

    return (lambda: contextlib.nullcontext(Counting())), asked


TALLIED = [  # questions of tallies: (columns, of the drawn only)
    (shown_module.CUBE, False),
    (("month",), False),
    (("cell",), True),
    (("type", "weapon"), True),
    (("month",), False),  # asked twice: answered twice, counted once
    (("borough", "date"), False),
]


@pytest.mark.parametrize(
    "kept",
    [
        selection.Selection(),
        selection.Selection(events=True, near=selection.Near(PLACE.lat, PLACE.lon, 3.0)),
        selection.Selection(near=selection.Near(PLACE.lat, PLACE.lon, 2.5), fatal_only=True, left_out=("varied002:0",)),
        selection.Selection(events=True, date_from="2024-04-02", left_out_types=("robbery",)),
    ],
)
def test_tallies_count_in_one_statement_what_each_tally_counts(varied_postgres, kept):
    conn, _ = varied_postgres
    connect, asked = counting(conn)
    with connect() as counted:
        answers = selection.tallies(counted, kept, TALLIED)
    assert len(asked) == 1
    for (columns, drawn), rows in zip(TALLIED, answers, strict=True):
        assert sorted(rows, key=repr) == sorted(selection._tally_rows(conn, kept, columns, drawn=drawn), key=repr)
    assert any(rows for rows in answers)


@pytest.mark.parametrize(
    ("filters", "statements"),
    [
        (Filters(near=Near("somewhere", PLACE), km=3.0), 1),  # the cube, months and cells
        # No whole month: the cube and cells; the months and types from the counts by day.
        (Filters(date_from=date(2024, 4, 2), date_to=date(2024, 4, 20)), 3),
    ],
)
def test_the_page_counts_read_from_the_table_are_read_in_one_statement(varied_postgres, filters, statements):
    conn, _ = varied_postgres
    connect, asked = counting(conn)
    shown = QueryShown(connect, selection_of(filters))
    len(shown), shown.counts("month"), shown.counts("cell", drawn=True), shown.counts("type"), shown.missing("date")
    shown.pairs("type", "weapon", drawn=True), shown.drawable(), shown.missing("lat")
    assert len(asked) == statements
    (table,) = [sql for sql in asked if "FROM incidents" in sql]
    assert "GROUPING SETS" in table


@pytest.mark.parametrize(
    ("filters", "few"),
    [
        (Filters(date_from=date(2024, 4, 1)), False),  # a third of the rows, but all of its range's
        (Filters(date_from=date(2024, 4, 1), boroughs=("Hackney",), types=("robbery",)), True),
        (Filters(boroughs=("Hackney",), types=("robbery",)), True),
        (NO_FILTERS, False),
    ],
)
def test_a_page_of_few_rows_is_found_first_and_a_date_range_walked(varied_postgres, filters, few, monkeypatch):
    monkeypatch.setattr(shown_module, "FEW_SHARE", 2)
    conn, _ = varied_postgres
    conn.execute("ANALYZE incidents")  # how many are stored: the planner's count (selection.stored)
    connect, asked = counting(conn)
    shown = QueryShown(connect, selection_of(filters))
    assert len(shown.newest(5)) == 5
    assert any("OFFSET 0" in sql for sql in asked) == few  # found first, then ordered


def test_query_shown_counts_in_one_statement_what_the_page_counts(varied_postgres):
    conn, _ = varied_postgres
    connect, asked = counting(conn)
    shown = QueryShown(connect, selection_of(NO_FILTERS))
    len(shown), shown.counts("type"), shown.counts("borough"), shown.missing("lat"), shown.drawable()
    shown.pairs("type", "weapon", drawn=True), shown.counts("precision"), shown.missing("weapon")
    assert len(asked) == 1


@pytest.mark.parametrize("filters", [Filters(date_from=date(2024, 4, 1)), Filters(weapon="knife", fatal_only=True)])
def test_the_box_of_many_points_is_their_cells_counted_for_the_density_view(varied_postgres, filters, monkeypatch):
    # Counted from the table (a date range) or ahead (fatal and a weapon): no statement reads the points' own box.
    monkeypatch.setattr(shown_module, "EXACT_BOUNDS", 0)
    conn, _ = varied_postgres
    connect, asked = counting(conn)
    shown = QueryShown(connect, selection_of(filters))
    cells = shown.counts("cell", drawn=True)
    box = shown.bounds()
    assert len(cells) > 1 and box == selection.cells_bounds(cells.index)
    assert not [sql for sql in asked if "min(i.lat)" in sql] and len(asked) == 2  # the cells, and how many are drawn


ATTACKED = {
    "id": "sex-c",
    "headline": "Woman attacked in Peckham",
    "published": "2024-01-16",
    "url": "https://news.example/sex-c",
    "text": "A woman was attacked and punched on Rye Lane in Peckham on Saturday night, police said. Officers are "
    "appealing for witnesses.",
}
ASSAULTED = Case(  # a sexual offence at a station: the public view moves its point to its hexagon's centre
    "assaulted",
    "Woman assaulted at Dalston Junction station",
    "A woman was sexually assaulted at Dalston Junction station.",
    "A woman was sexually assaulted at Dalston Junction station.",
    "sexual_offence",
    "violence and sexual offences",
    "sexually assaulted",
    place("Dalston Junction station", 51.5461, -0.0752, "station", "Hackney", "E09000012", kind="station"),
    "Dalston Junction station",
    "2024-04-01",
    False,
    None,
)


@pytest.fixture(scope="module")
def edited_postgres(postgres_server, small_extractor, tmp_path_factory):
    """A PostgreSQL database of events told by several outlets (one a sexual offence), varied single reports (one a
    sexual offence), and an editor's corrections: one report hidden, one article taken down, a date and a borough
    corrected, two verified (one placed coarsely). The Rye Lane and Mare Street events stand as stored (the first's
    reports disagree)."""
    url = postgres_server.new_database()
    folder = tmp_path_factory.mktemp("merges")
    build_merges_db(folder, small_extractor, db=url)
    # Another outlet tells the sexual offence as an assault: its event is told by the protected reports alone.
    (folder / "more.jsonl").write_text(json.dumps(ATTACKED), encoding="utf-8")
    ingest_paths([folder / "more.jsonl"], db_path=url, extractor=small_extractor)
    build_incidents_db(url, cases=(*varied_cases(120, seed=3), ASSAULTED, NAMED))
    conn = store.connect(url)
    try:
        ids = dict(conn.execute("SELECT article_id, incident_id FROM incidents"))
        corrections.hide(conn, ids["den"], "duplicate", editor="test")
        corrections.correct_date(conn, ids["cold-c"], "2024-02-28", editor="test")
        corrections.correct_borough(conn, ids["varied020"], "Islington", "E09000019", editor="test")
        corrections.take_down(conn, "varied004", "delete", editor="test", reason="legal")
        corrections.verify(conn, ids["varied010"], editor="test")
        coarse = conn.execute("SELECT min(incident_id) FROM incidents WHERE precision = 'london'").fetchone()[0]
        corrections.verify(conn, coarse, editor="test")  # the Review page lists it no more
    finally:
        conn.close()
    return url


SEARCHES = [  # words of many reports, of a name readers see masked, outside ASCII, overlapping the mask, readers' neutral
    Filters(query=query)
    for query in ("stabbed", "Peckham", "case 1", "Mensah", "kofi mensah", "café", "[name]", "me", "sexual offence")
]


def assert_same_rows(asked: pd.DataFrame, loaded: pd.DataFrame) -> None:
    """The rows the page shows are the same, value by value (a list of reports as a tuple, missing as None)."""

    def plain(value):
        if isinstance(value, str) or not hasattr(value, "__len__"):
            return None if value is None or pd.isna(value) else value
        return tuple(value)

    assert (list(asked.index), sorted(asked.columns)) == (list(loaded.index), sorted(loaded.columns))
    for column in asked.columns:
        assert list(map(plain, asked[column])) == list(map(plain, loaded[column])), column


@pytest.mark.parametrize("filters", [*QUERY_FILTERS[:12], *SEARCHES, Filters(query="case", boroughs=("Hackney",))])
@pytest.mark.parametrize("public_view", [False, True], ids=["editors", "public"])
@pytest.mark.parametrize("events_view", [False, True], ids=["reports", "events"])
def test_queried_answers_as_the_loaded_frames_do(edited_postgres, filters, public_view, events_view):
    # The statements and the few rows derived apart give what the whole frames give, corrections, privacy and events
    # applied.
    loaded = data.framed(edited_postgres, filters, public_view=public_view, events_view=events_view)
    asked = data.queried(edited_postgres, filters, public_view=public_view, events_view=events_view)
    ids = [*loaded.newest(12), "nowhere:0"]
    assert_alike(asked, loaded, ids)
    assert_same_rows(
        data.shown_rows(edited_postgres, ids[:-1], public_view=public_view, events_view=events_view),
        data.framed_rows(edited_postgres, ids[:-1], public_view=public_view, events_view=events_view),
    )
    derived = data.derived_rows(edited_postgres, public_view=public_view, events_view=events_view).rows
    assert 0 < len(derived) < len(data.without_texts(edited_postgres, public_view=public_view, events_view=events_view))


def test_news_counts_and_totals_asked_as_the_loaded_frames_count_them(edited_postgres):
    # The News vs recorded page's news: the editors' events by borough, month and category, corrections applied.
    events = data.events(edited_postgres, public_view=False)
    reports = data.incidents(edited_postgres)
    month = events["date"].astype("string").str.slice(0, 7)
    loaded = collections.Counter(zip(events["borough"], month.astype(object), events["category"]))
    nan_free = {tuple(None if pd.isna(v) else v for v in key): n for key, n in loaded.items()}
    asked = data.news_counts(edited_postgres)
    assert {tuple(row[:3]): row[3] for row in asked.itertuples(index=False)} == nan_free
    assert len(events) < len(reports)  # events of several reports count once
    totals = (len(events), len(reports), reports["article_id"].nunique())
    assert data.news_totals(edited_postgres) == totals


@pytest.mark.parametrize("n", [1, 4, 1000])
def test_uncertain_places_asked_as_the_loaded_frame_lists_them(edited_postgres, n):
    # The Review page's list: unverified reports without a place, placed coarsely, or among many of a name.
    frame = data.incidents(edited_postgres)
    candidates = pd.to_numeric(frame["candidates"], errors="coerce").fillna(1)
    coarse = frame["precision"].isna() | frame["precision"].isin(data.COARSE_PRECISIONS)
    listed = frame[~frame["verified"] & (coarse | (candidates >= data.LOW_CONFIDENCE_CANDIDATES))]
    count, first = data.uncertain_places(edited_postgres, n)
    assert (count, list(first.index)) == (len(listed), list(listed.index[:n]))
    assert count > 4 and (frame["verified"] & coarse).any()
    columns = ["type", "place_name", "precision", "article_id", "date", "candidates"]
    pd.testing.assert_frame_equal(first[columns], listed.head(n)[columns], check_dtype=False)


@pytest.mark.parametrize("column", ["type", "category", "date", "fatal", "weapon", "month"])
def test_the_planner_knows_how_many_values_an_events_column_holds(edited_postgres, column):
    # Migration 15's statistics of the expressions. Without them the planner took each for a tenth of the rows (13 of
    # the 133 here; at ten million, a million, and sorted them on disk where a hash took half the time).
    conn = store.connect(edited_postgres)
    try:
        conn.execute("ANALYZE incidents")
        read = selection.EVENT_COLUMNS[column]
        sql = f"SELECT {read}, count(*) FROM incidents i WHERE i.event_role <> {store.ROLE_TOLD} GROUP BY 1"
        planned = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()[0][0]["Plan"]["Plan Rows"]
        held = len(conn.execute(sql).fetchall())
    finally:
        conn.close()
    assert held <= 10 and abs(planned - held) <= 1


HEADLINES_ONLY = [Filters(query=query) for query in ("inquiry", "two men arrested", "tributes")]  # not in evidence


@pytest.mark.parametrize("few", [0, data.FEW_HEADLINES], ids=["found by each statement", "found first"])
@pytest.mark.parametrize("public_view", [False, True], ids=["editors", "public"])
@pytest.mark.parametrize("events_view", [False, True], ids=["reports", "events"])
def test_a_search_finds_the_same_whether_its_articles_are_found_first_or_not(
    edited_postgres, monkeypatch, few, public_view, events_view
):
    # Its articles, the incidents it finds and the leads of the events it finds, each found first or by each statement.
    monkeypatch.setattr(data, "FEW_HEADLINES", few)
    monkeypatch.setattr(data, "FEW_FOUND", few)
    data._cached_search.clear()  # Searches of either kind, kept per database version
    try:
        for filters in [*SEARCHES, *HEADLINES_ONLY]:
            loaded = data.framed(edited_postgres, filters, public_view=public_view, events_view=events_view)
            asked = data.queried(edited_postgres, filters, public_view=public_view, events_view=events_view)
            ids = [*loaded.newest(12), "nowhere:0"]
            assert_alike(asked, loaded, ids, filters.query)
            search = asked.kept.search
            for found_first in (search.articles, search.found, search.leads):  # at most none, when it finds none
                assert found_first is not None if few else not found_first
    finally:
        data._cached_search.clear()


@pytest.mark.parametrize("events", [False, True], ids=["reports", "events"])
@pytest.mark.parametrize("left_out_types", [(), ("sexual_offence",)], ids=["editors", "public"])
@pytest.mark.parametrize(
    "questions",
    [[(("cell",), True)], [*shown_module.PAGE_COUNTS]],
    ids=["cells", "the page's counts"],
)
def test_a_date_ranges_counts_are_read_from_an_index_alone(
    varied_postgres, monkeypatch, events, left_out_types, questions
):
    # Migration 18's indexes hold what those counts read: their expressions and columns must stay theirs. Other plans
    # are priced out, so that the planner shows it can use them on a table this small.
    conn, _ = varied_postgres
    kept = selection.Selection(
        date_from="2024-04-02",
        date_to="2024-05-30",
        events=events,
        left_out_types=left_out_types,
        precisions=("building", "street"),  # fatal too would be read from migration 19's indexes (below)
    )
    assert selection.in_parts(kept) is None  # no whole month: counted from the table
    index = "incidents_events_counted_by_date" if events else "incidents_counted_by_date"
    assert_read_from_index_alone(conn, monkeypatch, kept, questions, index)


def assert_read_from_index_alone(conn, monkeypatch, kept, questions, index):
    """selection.tallies counts `questions` of `kept` in one statement, which finds some rows, and the planner can
    answer it by an index-only scan of `index` once VACUUM has marked the table's pages all visible (as autovacuum
    does: whether it has yet, here, is chance), the other plans priced out, so that it shows it can use it on a table
    this small."""
    sent = []
    execute = store.PostgresConnection.execute
    monkeypatch.setattr(store.PostgresConnection, "execute", lambda c, *a: sent.append(a) or execute(c, *a))
    counted = selection.tallies(conn, kept, questions)
    monkeypatch.undo()
    assert any(counted) and len(sent) == 1
    sql, parameters = sent[0]
    with psycopg.connect(conn.raw.info.dsn, autocommit=True) as vacuuming:
        vacuuming.execute("VACUUM ANALYZE incidents")
    for plan_type in ("seqscan", "bitmapscan"):
        conn.execute(f"SET enable_{plan_type} = off")
    try:
        plan = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}", parameters).fetchone()[0][0]["Plan"]
    finally:
        for plan_type in ("seqscan", "bitmapscan"):
            conn.execute(f"RESET enable_{plan_type}")
    planned = json.dumps(plan)
    assert '"Node Type": "Index Only Scan"' in planned and f'"Index Name": "{index}"' in planned
    assert plan["Total Cost"] < 1e9, planned  # no plan type turned off, which PostgreSQL prices at 1e10


@pytest.mark.parametrize("events", [False, True], ids=["reports", "events"])
@pytest.mark.parametrize("left_out_types", [(), ("sexual_offence",)], ids=["editors", "public"])
@pytest.mark.parametrize("weapon", [None, "knife"])
def test_the_cells_of_fatal_incidents_with_a_precision_are_read_from_an_index_alone(
    varied_postgres, monkeypatch, events, left_out_types, weapon
):
    # No kind of counts holds fatal, a precision and the cell at once: migration 19's indexes hold the fatal rows
    # with what those cells are counted by.
    conn, _ = varied_postgres
    kept = selection.Selection(
        fatal_only=True, precisions=("building", "street"), weapon=weapon, events=events, left_out_types=left_out_types
    )
    index = "incidents_events_fatal_counted" if events else "incidents_fatal_counted"
    assert_read_from_index_alone(conn, monkeypatch, kept, [(("cell",), True)], index)


@pytest.mark.parametrize("public_view", [False, True], ids=["editors", "public"])
def test_a_derived_report_opens_the_event_row_that_shows_it(edited_postgres, public_view):
    derived = data.derived_rows(edited_postgres, public_view=public_view, events_view=True)
    told = {report: row for row, reports in derived.whole["report_ids"].items() for report in reports}
    assert len(told) > len(derived.whole)  # events of several among them
    for report in [*derived.reports.index, "nowhere:0"]:
        assert data.event_row(edited_postgres, report, public_view=public_view) == told.get(report)


@pytest.mark.parametrize("public_view", [False, True], ids=["editors", "public"])
def test_a_views_derived_reports_are_read_once_for_its_events_and_its_reports(
    edited_postgres, monkeypatch, public_view
):
    # At ten million the readers' are every protected report: 7.3 s to read, a second time for the other view.
    read = []
    rows_of = store.iter_map_rows_of
    monkeypatch.setattr(store, "iter_map_rows_of", lambda conn, ids, **kw: read.append(ids) or rows_of(conn, ids, **kw))
    data._cached_derived.clear()
    data._cached_derived_reports.clear()
    try:
        events = data.derived_rows(edited_postgres, public_view=public_view, events_view=True)
        reports = data.derived_rows(edited_postgres, public_view=public_view, events_view=False)
    finally:
        data._cached_derived.clear()
        data._cached_derived_reports.clear()
    assert len(read) == 1
    assert reports.reports is events.reports and len(reports.reports)


def test_a_readers_search_reads_no_protected_reports_texts(edited_postgres, monkeypatch):
    # Readers see the neutral headline and sentence of each, whatever it stored (the search's answers: above).
    derived = data.derived_rows(edited_postgres, public_view=True, events_view=False).reports
    protected = set(derived.index[derived["protected"]])
    read = []
    iter_texts = store.iter_map_texts
    monkeypatch.setattr(store, "iter_map_texts", lambda conn, ids: read.extend(ids) or iter_texts(conn, ids))
    data._cached_derived_matches.clear()
    try:
        for query in ("sexual offence", "stabbed", "Peckham"):
            shown = data.queried(edited_postgres, Filters(query=query), public_view=True, events_view=False)
            assert len(shown), query
    finally:
        data._cached_derived_matches.clear()
    assert protected and read and not protected & set(read)


def test_a_search_finds_few_incidents_once_and_each_statement_by_their_ids(edited_postgres, monkeypatch):
    # Found by the search's own test (the texts' index), the few rows are found once, not by each statement.
    filters = Filters(query="stabbed")
    data._cached_search.clear()
    sent = []
    execute = store.PostgresConnection.execute
    monkeypatch.setattr(store.PostgresConnection, "execute", lambda c, sql, *a: sent.append(sql) or execute(c, sql, *a))
    try:
        asked = data.queried(edited_postgres, filters, public_view=False, events_view=True)
        searched = [sql for sql in sent if "LIKE" in sql]
        sent.clear()
        answers(asked, [])
        assert asked.kept.search.found and asked.kept.search.leads  # reports of events of several among them
        assert len(searched) == 2 and sent and not [sql for sql in sent if "LIKE" in sql]
        assert not [sql for sql in sent if "incident_events" in sql]  # nor the leads of the events it finds
    finally:
        data._cached_search.clear()


COUNTED_SELECTIONS = [
    selection.Selection(),
    selection.Selection(events=True),
    selection.Selection(types=("robbery", "stabbing")),
    selection.Selection(events=True, categories=("burglary", "robbery")),
    selection.Selection(boroughs=("Hackney", "Southwark"), fatal_only=True),
    selection.Selection(events=True, weapon="knife", precisions=("street", "building", "junction")),
    selection.Selection(left_out_types=("sexual_offence",)),
    selection.Selection(events=True, left_out_types=("sexual_offence",), left_out=("varied003:0", "varied007:0")),
    selection.Selection(boroughs=("Hackney", "Southwark", "Camden"), types=("robbery", "stabbing", "burglary")),
    selection.Selection(events=True, fatal_only=True, categories=("violence and sexual offences",)),
    selection.Selection(precisions=("street", "building"), left_out_types=("sexual_offence",)),
    # Whole months (by day or by month), or not (by day only); a date of a month only is before its first day.
    selection.Selection(date_from="2024-04-01", date_to="2024-04-30"),
    selection.Selection(events=True, boroughs=("Hackney",), date_to="2024-03-31", undated=True),
    selection.Selection(fatal_only=True, date_from="2024-04-01"),
    selection.Selection(types=("robbery", "burglary"), date_from="2024-04-02", undated=True),
    selection.Selection(boroughs=("Southwark",), date_from="2024-04-02", date_to="2024-04-30"),
]
COUNTED_QUESTIONS = [
    (shown_module.CUBE, False),
    (shown_module.CUBE, True),
    (("date",), False),
    (("month",), False),
    (("type", "month"), False),
    (("cell",), True),
    (("category", "cell"), True),
]


def made_ahead_and_counted_afresh(conn) -> list[tuple]:
    """Each question of COUNTED_QUESTIONS of each of COUNTED_SELECTIONS that the counts made ahead answer, answered
    from them (selection.tally) and from the table (every row read)."""
    answers = []
    for kept in COUNTED_SELECTIONS:
        for columns, drawn in COUNTED_QUESTIONS:
            if (kind := selection._counted_kind(kept, columns, drawn=drawn)) is not None:
                ahead = sorted(selection.tally(conn, kept, columns, drawn=drawn), key=repr)
                afresh = sorted(selection._tally_rows(conn, kept, columns, drawn=drawn), key=repr)
                answers.append((kind, ahead, afresh))
    return answers


def test_the_counts_made_ahead_are_the_tables_counts_whatever_wrote_them(postgres_server, small_extractor, tmp_path):
    # Made by migrations 16 and 17 over the rows already stored, then kept by the trigger through an ingest (events and
    # their roles), a report hidden, an article taken down and the rows emptied; the changes moved or not.
    url = postgres_server.new_database()
    build_merges_db(tmp_path, small_extractor, db=url)
    build_incidents_db(url, cases=(*varied_cases(60, seed=5), ASSAULTED))
    conn = store.connect(url)
    with conn:  # back to migration 15, as a store made before it
        conn.execute("DROP TABLE incident_counts, incident_count_changes")
        conn.execute("DROP FUNCTION incident_counts_changed, incident_counts_emptied CASCADE")
        conn.execute("DROP INDEX incidents_counted_by_date, incidents_events_counted_by_date")  # migration 18's
        conn.execute("DROP INDEX incidents_fatal_counted, incidents_events_fatal_counted")  # migration 19's
        conn.execute("UPDATE schema_version SET version = 15")
    conn.close()
    conn = store.connect(url)
    assert conn.execute("SELECT count(*) FROM incident_count_changes").fetchone()[0] == 0
    ids = dict(conn.execute("SELECT article_id, incident_id FROM incidents"))
    assert {ids["varied003"], ids["varied007"]} == {"varied003:0", "varied007:0"}  # left out by id above
    (tmp_path / "more.jsonl").write_text(json.dumps(ATTACKED), encoding="utf-8")
    ingest_paths([tmp_path / "more.jsonl"], db_path=url, extractor=small_extractor)
    corrections.hide(conn, ids["den"], "duplicate", editor="test")
    corrections.take_down(conn, "varied004", "delete", editor="test", reason="legal")
    steps = {"migrated, then written": made_ahead_and_counted_afresh(conn)}
    assert conn.execute("SELECT count(*) FROM incident_count_changes").fetchone()[0] > 0  # the takedown's
    store.compact_counts(conn)
    assert conn.execute("SELECT count(*) FROM incident_count_changes").fetchone()[0] == 0
    steps["changes moved"] = made_ahead_and_counted_afresh(conn)
    with conn:
        conn.execute("TRUNCATE articles, incidents CASCADE")
    steps["emptied"] = made_ahead_and_counted_afresh(conn)
    conn.close()
    assert len(steps["migrated, then written"]) == 76
    assert {kind for kind, *_ in steps["migrated, then written"]} == set(store.COUNTED)  # every kind answers some
    for step, answers in steps.items():
        for _, ahead, afresh in answers:
            assert ahead == afresh, step
    assert all(afresh for *_, afresh in steps["changes moved"]) and not any(a for _, a, _ in steps["emptied"])


@pytest.mark.parametrize("public_view", [False, True], ids=["editors", "public"])
@pytest.mark.parametrize("events_view", [False, True], ids=["reports", "events"])
def test_the_default_map_is_counted_from_the_counts_made_ahead(edited_postgres, public_view, events_view, monkeypatch):
    # Of the table, only the rows left out by id are counted (by id, to be taken off): readers' sexual offences are
    # left out by their type, which the counts hold.
    among = []
    tally_rows = selection._tally_rows
    monkeypatch.setattr(
        selection, "_tally_rows", lambda *a, **k: among.append(len(k.get("among", ()))) or tally_rows(*a, **k)
    )
    asked = data.queried(edited_postgres, NO_FILTERS, public_view=public_view, events_view=events_view)
    len(asked), asked.counts("date"), asked.counts("cell", drawn=True), asked.pairs("type", "weapon", drawn=True)
    assert among and all(among)
    assert asked.kept.left_out_types == (("sexual_offence",) if public_view else ())
    conn = store.connect_readonly(edited_postgres)
    protected = {i for (i,) in conn.execute("SELECT incident_id FROM incidents WHERE type = 'sexual_offence'")}
    conn.close()
    assert bool(protected & set(asked.kept.left_out)) == (not public_view)  # editors': those of events, by id


@pytest.mark.parametrize(
    ("date_from", "date_to", "parts"),
    [
        ("2024-03-15", None, [("2024-04-01", None), ("2024-03-15", "2024-04")]),
        (None, "2024-03-15", [(None, "2024-02-29"), ("2024-03", "2024-03-15")]),
        (
            "2023-12-20",
            "2024-04-01",
            [("2024-01-01", "2024-03-31"), ("2023-12-20", "2024-01"), ("2024-04", "2024-04-01")],
        ),
        ("2024-02-01", "2024-03-30", [("2024-02-01", "2024-02-29"), ("2024-03", "2024-03-30")]),
        ("2024-03-02", "2024-03-31", None),  # no whole month
        ("2024-03-15", "2024-04-14", None),
        ("2024-03-01", "2024-04-30", None),  # whole months already
        (None, None, None),
    ],
)
def test_a_date_range_in_parts_is_its_whole_months_then_its_ends(date_from, date_to, parts):
    kept = selection.Selection(date_from=date_from, date_to=date_to, undated=True, types=("robbery",))
    found = selection.in_parts(kept)
    if parts is None:
        assert found is None
        return
    assert [(p.date_from, p.date_to) for p in found] == parts
    assert [p.undated for p in found] == [True] + [False] * (len(parts) - 1)  # the undated are counted once
    assert {p.types for p in found} == {("robbery",)}


@pytest.mark.parametrize(
    ("filters", "from_the_table"),
    [
        (Filters(date_from=date(2024, 4, 1), date_to=date(2024, 4, 30)), []),
        (Filters(date_to=date(2024, 3, 31), undated=True, categories=("robbery",)), []),
        (Filters(date_from=date(2024, 4, 1), types=("robbery", "stabbing")), []),
        # Not whole months; by borough, no kind of fatal. With the cube, the cells (counted by no kind of either).
        (Filters(date_from=date(2024, 4, 2), date_to=date(2024, 4, 30)), [shown_module.CUBE, ("cell",)]),
        (Filters(date_to=date(2024, 3, 31), fatal_only=True), [shown_module.CUBE, ("cell",)]),
        # Whole months from the counts, each end from the table (its cube, and its cells with it), unless no kind holds
        # the whole months' filters.
        (Filters(date_from=date(2024, 3, 31)), [shown_module.CUBE, ("cell",)]),
        (Filters(date_from=date(2023, 12, 20), date_to=date(2024, 4, 1)), [shown_module.CUBE, ("cell",)] * 2),
        (Filters(date_to=date(2024, 4, 1), undated=True, types=("robbery",)), [shown_module.CUBE, ("cell",)]),
        (
            Filters(date_from=date(2024, 3, 31), boroughs=("Hackney",), fatal_only=True),
            [c for c, _ in shown_module.PAGE_COUNTS],
        ),
    ],
)
def test_a_range_of_whole_months_is_counted_from_the_counts_made_ahead(
    varied_postgres, filters, from_the_table, monkeypatch
):
    # Each of the page's counts apart, where the table counts them all at once (the cube); the same counts.
    conn, frame = varied_postgres
    read = []  # the columns of each count read from the table
    tally_rows, tallies = selection._tally_rows, selection.tallies
    monkeypatch.setattr(selection, "_tally_rows", lambda *a, **k: read.append(a[2]) or tally_rows(*a, **k))
    monkeypatch.setattr(selection, "tallies", lambda *a: read.extend(c for c, _ in a[2]) or tallies(*a))
    shown = QueryShown(lambda: contextlib.nullcontext(conn), selection_of(filters))
    loaded = FrameShown(frame, filters)
    for ask in (
        len,
        lambda s: s.drawable(),
        lambda s: sorted(s.pairs("type", "weapon", drawn=True).itertuples(index=False), key=repr),
        *(lambda s, c=c: s.counts(c).sort_index().to_dict() for c in ("type", "borough", "precision", "month")),
        *(lambda s, c=c: s.missing(c) for c in ("lat", "borough", "date", "weapon")),
    ):
        assert ask(shown) == ask(loaded)
    assert read == from_the_table


def test_filter_choices_asked_as_the_loaded_frame_holds_them(postgres_server):
    # The stored values, counted ahead, but those of rows an editor's correction changed, and the corrected ones: the
    # one report in Bexley is corrected to Islington.
    url = postgres_server.new_database()
    bexley = replace(ASSAULTED, article_id="bexley", place=replace(ASSAULTED.place, borough="Bexley"))
    build_incidents_db(url, cases=(*varied_cases(20, seed=4), bexley))
    conn = store.connect(url)
    corrections.correct_borough(conn, "bexley:0", "Islington", "E09000019", editor="test")
    conn.close()
    vocabularies = {"boroughs": ["Southwark"], "categories": ["robbery"], "type_labels": {"stabbing": "Stabbing"}}
    expected = filter_choices(data.incidents(url), **vocabularies)
    assert "Bexley" not in expected.boroughs and "Islington" in expected.boroughs
    assert data.filter_choices(url, **vocabularies) == expected


def versions(sql: str) -> bool:
    """Whether `sql` asks the database's version (store.map_version), as every page run does."""
    return "pg_stat_user_tables" in sql or "pg_is_in_recovery" in sql


def test_a_links_answers_are_asked_once_for_its_reruns_until_the_map_changes(postgres_server, monkeypatch):
    # A rerun of the link (an incident opened or not) asks no statement, nor reads the rows it shows again; another
    # link asks its own, and so does the link once the map's rows change.
    url = postgres_server.new_database()
    build_incidents_db(url, cases=varied_cases(30, seed=5))
    asked = data.queried(url, NO_FILTERS, public_view=False, events_view=True)
    first = answers(asked, [])
    rows = data.shown_rows(url, asked.newest(7), public_view=False, events_view=True)
    sent = []
    execute = store.PostgresConnection.execute
    with monkeypatch.context() as patched:
        patched.setattr(store.PostgresConnection, "execute", lambda c, sql, *a: sent.append(sql) or execute(c, sql, *a))
        again = data.queried(url, replace(NO_FILTERS, incident="varied003:0"), public_view=False, events_view=True)
        assert again is asked and answers(again, []) == first
        shown = data.shown_rows(url, again.newest(7), public_view=False, events_view=True)
        pd.testing.assert_frame_equal(shown, rows)
        assert sent and not [sql for sql in sent if not versions(sql)]  # only the database's version was asked
        other = data.queried(url, Filters(types=("robbery",)), public_view=False, events_view=True)
        assert other is not asked and len(other) < first["len"] and [sql for sql in sent if not versions(sql)]
    version = data.map_version(url)
    build_incidents_db(url, cases=(NAMED,))
    deadline = time.monotonic() + 30  # the server counts a writer's rows within about a second of its session
    while data.map_version(url) == version and time.monotonic() < deadline:
        time.sleep(0.1)
    changed = data.queried(url, NO_FILTERS, public_view=False, events_view=True)
    assert changed is not asked and len(changed) == first["len"] + 1
