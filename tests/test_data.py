import dataclasses
import gc
import itertools
import os
import sqlite3
import sys
import time
import weakref
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pytest
from dashboard_fixtures import CASES, MORE_CASES, NAMED, build_incidents_db, incident_of, place
from streamlit.testing.v1 import AppTest
from test_privacy import ON_STREET, SEXUAL

from dashboard import data
from dashboard.filters import Filters, filter_choices, filter_incidents, query_matches
from dashboard.privacy import SNAP_RESOLUTION, may_name, public_incidents
from extract import columnar, corrections, store
from extract.datafiles import DEFAULT_DB
from extract.records import PRECISIONS, Article
from extract.text.cues import CrimeType
from extract.text.screening import screen_key

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.mark.parametrize(
    "argv, environ, expected",
    [
        ([], {}, DEFAULT_DB),
        ([], {"INCIDENTS_DB": "env.db"}, Path("env.db")),
        (["--db", "arg.db"], {"INCIDENTS_DB": "env.db"}, Path("arg.db")),
        (["--db=arg.db"], {}, Path("arg.db")),
        (["--server.port", "8502", "--db", "arg.db", "extra"], {}, Path("arg.db")),
        (["--db", ""], {"INCIDENTS_DB": "env.db"}, Path("env.db")),
        ([], {"INCIDENTS_DB": ""}, DEFAULT_DB),
    ],
)
def test_database_path(argv, environ, expected):
    assert data.database_path(argv, environ) == expected


def test_database_path_of_this_process(monkeypatch):
    monkeypatch.setattr("sys.argv", ["app.py", "--db", "arg.db"])
    monkeypatch.setenv("INCIDENTS_DB", "env.db")
    assert data.database_path() == Path("arg.db")
    monkeypatch.setattr("sys.argv", ["app.py"])
    assert data.database_path() == Path("env.db")


def test_read_incidents_columns(frame):
    ranks = [PRECISIONS.index("street"), PRECISIONS.index("borough"), -1]
    assert list(frame.loc[["peckham:0", "kingston:0", "nowhere:0"], "precision_rank"]) == ranks
    assert frame.loc["peckham:0", "cell"] == "88194ad063fffff"  # h3.latlng_to_cell(51.46912, -0.0692, 8)
    assert pd.isna(frame.loc["nowhere:0", "cell"])
    assert list(frame.index) == ["city:0", "xss:0", "greenwich:0", "peckham:0", "kingston:0", "brixton:0", "nowhere:0"]


def test_read_incidents_of_empty_store(tmp_path):
    store.connect(tmp_path / "empty.db").close()
    empty = data.read_incidents(tmp_path / "empty.db")
    assert len(empty) == 0
    matches = data.text_matches(tmp_path / "empty.db", "stabbed", public_view=True, events_view=False)
    filtered = filter_incidents(
        empty, Filters(query="stabbed", fatal_only=True, min_precision="street"), matches=matches
    )
    assert set(filtered.index) == set()
    assert data.shown_rows(tmp_path / "empty.db", [], public_view=True, events_view=True).empty


def test_incidents_are_read_again_when_the_database_changes(tmp_path):
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES[:2])
    assert list(data.incidents(path).index) == ["greenwich:0", "peckham:0"]
    assert list(data.incidents(path).index) == ["greenwich:0", "peckham:0"]
    case = CASES[2]
    article = Article(article_id=case.article_id, text=case.text, headline=case.headline, source="test")
    assert data.save_found(path, [(article, [incident_of(case)])], editor="test") == 1
    assert list(data.incidents(path).index) == ["greenwich:0", "peckham:0", "kingston:0"]


def test_a_change_lets_go_of_the_older_versions_frames(tmp_path):
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES[:2])
    frames = [data.incidents(path), data.public(path), data.events(path, public_view=True)]
    frames.append(data.without_texts(path, public_view=True, events_view=True))
    frames.append(data.text_matches(path, "stabbed", public_view=True, events_view=False))
    held = [weakref.ref(frame) for frame in frames]
    del frames
    assert all(ref() is not None for ref in held)  # shared by the caches
    case = CASES[2]
    article = Article(article_id=case.article_id, text=case.text, headline=case.headline, source="test")
    assert data.save_found(path, [(article, [incident_of(case)])], editor="test") == 1
    assert len(data.events(path, public_view=True)) == 3
    gc.collect()
    assert [ref() is None for ref in held] == [True] * 5


def test_a_problem_report_or_a_feed_polled_keeps_the_frames_and_their_kept_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "SNAPSHOT_ROWS", 1)
    monkeypatch.setenv("CRIMEMAP_CACHE_DIR", str(tmp_path / "cache"))
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES[:2])
    frames = [data.incidents(path), data.public(path), data.events(path, public_view=True)]
    columnar.copies_written()
    [kept] = (tmp_path / "cache" / "frames").glob("*.arrow")
    before = data.database_version(path)
    assert data.report_problem(path, "peckham:0", "wrong_place", "") == 1
    conn = store.connect(path)
    store.save_feed_state(conn, store.FeedState("https://news.example/rss", "News", 304))
    conn.close()
    assert data.database_version(path) != before  # the file was written
    again = [data.incidents(path), data.public(path), data.events(path, public_view=True)]
    assert [a is b for a, b in zip(again, frames)] == [True] * 3
    assert columnar.refresh(path) == 0  # the copy of this version is kept already
    assert list((tmp_path / "cache" / "frames").glob("*.arrow")) == [kept]


@pytest.mark.parametrize(
    "correct, read_again",
    [
        (lambda conn: corrections.verify(conn, "peckham:0", editor="t"), False),
        (lambda conn: corrections.correct_date(conn, "peckham:0", "2020-01-02", editor="t"), False),
        (lambda conn: corrections.hide(conn, "peckham:0", "not_london", editor="t"), True),
        (lambda conn: corrections.take_down(conn, "peckham", "delete", editor="t", reason="legal"), True),
        # The store erases the article's stored texts: its rows are written.
        (lambda conn: corrections.take_down(conn, "peckham", "text", editor="t", reason="legal"), True),
    ],
    ids=["verify", "date", "hide", "delete", "text"],
)
def test_a_correction_reads_the_kept_copy_unless_it_leaves_an_incident_out(tmp_path, monkeypatch, correct, read_again):
    monkeypatch.setattr(columnar, "SNAPSHOT_ROWS", 1)
    monkeypatch.setenv("CRIMEMAP_CACHE_DIR", str(tmp_path / "cache"))
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES[:3])
    before = data.incidents(path)
    columnar.copies_written()
    conn = store.connect(path)
    correct(conn)
    conn.close()
    reads = []
    monkeypatch.setattr(columnar, "_read", lambda *a, **k: reads.append(a) or read(*a, **k))
    corrected = data.incidents(path)
    assert corrected is not before  # a new version of the map's rows
    assert bool(reads) is read_again
    monkeypatch.setenv("CRIMEMAP_CACHE_DIR", "")  # no copy: every row read and corrected
    pd.testing.assert_frame_equal(corrected, data.read_incidents(path))


read = columnar._read


class FixedGeocoder:
    """The place search of a place correction: every query is Somewhere in Camden."""

    def geocode(self, query, **options):
        return place("Somewhere", 51.5, -0.1, "street", "Camden", "E09000007")


def test_read_incidents_equals_the_rows_as_corrected_one_by_one(tmp_path):
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES + MORE_CASES)
    conn = store.connect(path)
    corrections.hide(conn, "brixton:0", "not_london", editor="t")
    corrections.verify(conn, "city:0", editor="t")
    corrections.correct_type(conn, "centre:0", CrimeType("robbery", "Robbery", "robbery", 3), editor="t")
    corrections.correct_date(conn, "greenwich:0", "2020-01-02", editor="t")
    corrections.correct_borough(conn, "kingston:0", "Camden", "E09000007", editor="t")
    # The only incident without a place gets one: the column of candidates is whole numbers again.
    corrections.correct_place(conn, "nowhere:0", "Somewhere", geocoder=FixedGeocoder(), editor="t")
    corrections.take_down(conn, "xss", "text", editor="t", reason="legal")
    corrections.take_down(conn, "ryelane2", "delete", editor="t", reason="legal")
    found = list(store.iter_corrections(conn))
    rows = [dict(zip(store.INCIDENT_COLUMNS, row)) for row in store.iter_incident_rows(conn)]
    conn.close()
    columns = [*store.INCIDENT_COLUMNS, "verified"]
    expected = pd.DataFrame.from_records(corrections.apply_corrections(rows, found), columns=columns)
    expected.index = pd.Index(expected["incident_id"], name=None)
    expected[["headline", "evidence"]] = expected[["headline", "evidence"]].fillna("")

    frame = data.read_incidents(path)
    texts = data.texts_of(path, frame.index, public_view=False)

    lean = [c for c in columns if c not in store.MAP_TEXTS]
    pd.testing.assert_frame_equal(frame[lean], expected[lean])
    assert plain(texts) == plain(expected[list(store.MAP_TEXTS)])
    assert frame.loc["nowhere:0", "cell"] == h3.latlng_to_cell(51.5, -0.1, data.H3_RESOLUTION)
    assert frame["candidates"].dtype == "int64"


def test_read_incidents_in_pieces_types_columns_as_one_read(tmp_path, monkeypatch):
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES + MORE_CASES)
    whole = data.read_incidents(path)
    monkeypatch.setattr(columnar, "LOAD_BATCH", 2)  # pieces where a column is all None, others where it is full
    pd.testing.assert_frame_equal(data.read_incidents(path), whole)


def test_read_incidents_with_text_in_a_number_column_as_from_records(tmp_path, monkeypatch):
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES + MORE_CASES)
    conn = store.connect(path)
    with conn:  # SQLite keeps text that is no number in an INTEGER column: a column Arrow cannot type
        conn.execute("UPDATE incidents SET candidates = 'many' WHERE incident_id = 'brixton:0'")
    rows = list(store.iter_map_rows(conn))
    conn.close()
    expected = pd.DataFrame.from_records(rows, columns=[*store.MAP_COLUMNS, *store.MAP_EXTRAS])
    expected = expected.set_index(expected["incident_id"].rename(None))

    for batch in (1_000, 2, 1):  # the text in the first piece, in a later one, or a piece of its own
        monkeypatch.setattr(columnar, "LOAD_BATCH", batch)
        frame = data.read_incidents(path)
        assert list(frame.index) == list(expected.index)  # iter_map_rows is ordered
        assert [None if pd.isna(v) else v for v in frame["candidates"]] == [
            None if pd.isna(v) else v for v in expected.loc[frame.index, "candidates"]
        ]
        assert frame.loc["brixton:0", "candidates"] == "many"


def test_next_server_reads_the_stored_frame_kept_for_the_same_version(tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "SNAPSHOT_ROWS", 1)
    monkeypatch.setenv("CRIMEMAP_CACHE_DIR", str(tmp_path / "cache"))
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES + MORE_CASES)
    first = data.read_incidents(path)
    columnar.copies_written()  # written in a thread of its own
    kept = list((tmp_path / "cache" / "frames").glob("*.arrow"))
    assert len(kept) == 1

    with monkeypatch.context() as patched:  # the database's rows are not read again
        patched.setattr(store, "iter_map_rows", lambda *a, **k: iter(()))
        pd.testing.assert_frame_equal(data.read_incidents(path), first)

    conn = store.connect(path)
    corrections.hide(conn, "brixton:0", "not_london", editor="t")
    corrections.take_down(conn, "ryelane2", "delete", editor="t", reason="legal")
    conn.close()
    again = data.read_incidents(path)
    assert list(again.index) == [i for i in first.index if i not in {"brixton:0", "ryelane2:0"}]
    # The old version's file is gone: what was taken down is not kept on disk.
    columnar.copies_written()  # written in a thread of its own
    assert [p for p in (tmp_path / "cache" / "frames").glob("*.arrow")] != kept
    assert len(list((tmp_path / "cache" / "frames").glob("*.arrow"))) == 1


def test_stored_frame_kept_cut_short_is_read_from_the_database(tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "SNAPSHOT_ROWS", 1)
    monkeypatch.setenv("CRIMEMAP_CACHE_DIR", str(tmp_path / "cache"))
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    first = data.read_incidents(path)
    columnar.copies_written()  # written in a thread of its own
    [kept] = (tmp_path / "cache" / "frames").glob("*.arrow")
    kept.write_bytes(kept.read_bytes()[:100])
    pd.testing.assert_frame_equal(data.read_incidents(path), first)


def test_partial_copies_left_by_a_killed_server_are_removed_once_old(tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "SNAPSHOT_ROWS", 1)
    monkeypatch.setenv("CRIMEMAP_CACHE_DIR", str(tmp_path / "cache"))
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    data.read_incidents(path)
    columnar.copies_written()  # written in a thread of its own
    [kept] = (tmp_path / "cache" / "frames").glob("*.arrow")
    place = kept.name.split("-")[0]
    old, fresh, other = (kept.parent / f".{p}-x.tmp" for p in (place, place + "f", "0" * len(place)))
    for partial in (old, fresh, other):
        partial.write_bytes(b"partial")
    hour_ago = time.time() - columnar.SNAPSHOT_PARTIAL_SECONDS - 1
    os.utime(old, (hour_ago, hour_ago))
    os.utime(other, (hour_ago, hour_ago))
    fresh.rename(kept.parent / f".{place}-y.tmp")  # another server of this database writing now
    data.read_incidents(path)
    left = sorted(p.name for p in kept.parent.glob(".*.tmp"))
    assert left == sorted([f".{place}-y.tmp", other.name])  # another database's partial is its own server's to clear


def test_a_server_start_that_writes_nothing_keeps_the_database_version(tmp_path):
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES)
    data.read_incidents(path)  # a reader may add the log's file
    before = data.database_version(path)
    time.sleep(0.01)
    data.upgrade_database.__wrapped__(str(path))  # opened to write, closed: the empty log made anew
    assert data.database_version(path) == before


def test_small_databases_are_not_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("CRIMEMAP_CACHE_DIR", str(tmp_path / "cache"))
    data.read_incidents(build_incidents_db(tmp_path / "incidents.db", cases=CASES))
    columnar.copies_written()  # one would be written in a thread of its own
    assert not (tmp_path / "cache" / "frames").exists()


@pytest.mark.parametrize(
    "correct, moved",
    [
        (None, False),
        (lambda conn: corrections.verify(conn, "peckham:0", editor="t"), False),
        (
            lambda conn: corrections.correct_type(
                conn, "peckham:0", CrimeType("robbery", "Robbery", "robbery", 3), editor="t"
            ),
            False,
        ),
        (lambda conn: corrections.correct_date(conn, "peckham:0", "2020-01-02", editor="t"), False),
        (
            lambda conn: corrections.correct_place(
                conn, "peckham:0", "Somewhere", geocoder=FixedGeocoder(), editor="t"
            ),
            True,
        ),
    ],
    ids=["stored", "verify", "type", "date", "place"],
)
def test_read_incidents_cells_are_the_stored_ones_unless_the_point_moved(tmp_path, correct, moved):
    path = build_incidents_db(tmp_path / "incidents.db")
    conn = store.connect(path)
    with conn:
        conn.execute("UPDATE incidents SET h3_r8 = 1 WHERE incident_id = 'peckham:0'")  # a mark only the store has
    if correct is not None:
        correct(conn)
    conn.close()
    read = data.read_incidents(path).loc["peckham:0"]
    assert read["cell"] == (h3.latlng_to_cell(51.5, -0.1, data.H3_RESOLUTION) if moved else "1")


class StationGeocoder:
    """The place search of a place correction: every query is a station in Camden."""

    def geocode(self, query, **options):
        return place("Somewhere station", 51.51, -0.12, "station", "Camden", "E09000007", kind="station")


def test_a_protected_incident_a_correction_moves_shows_at_its_new_hexagons_centre(tmp_path):
    path = build_incidents_db(tmp_path / "incidents.db", cases=(SEXUAL,))
    conn = store.connect(path)
    corrections.correct_place(conn, "common:0", "Somewhere station", geocoder=StationGeocoder(), editor="t")
    conn.close()
    shown = data.public(path).loc["common:0"]
    centre = h3.cell_to_latlng(h3.latlng_to_cell(51.51, -0.12, SNAP_RESOLUTION))
    assert (shown["lat"], shown["lon"], shown["precision"]) == (*centre, "area")
    assert shown["cell"] == h3.latlng_to_cell(51.51, -0.12, data.H3_RESOLUTION)


def test_pages_leave_the_shared_frames_unchanged(tmp_path, monkeypatch):
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES + MORE_CASES)
    monkeypatch.setenv("INCIDENTS_DB", str(path))
    monkeypatch.setattr(sys, "argv", ["app.py"])
    links = (
        {},
        {"q": "stabbed", "view": "density"},
        {"incident": "peckham:0"},
        {"count": "reports"},
        {"view": "boroughs"},
    )
    for editing in ("", "1"):
        monkeypatch.setenv("CRIMEMAP_LOCAL_EDITING", editing)
        for link in links:
            at = AppTest.from_file(APP, default_timeout=60)
            at.query_params.update(link)
            at.run()
            assert not at.exception, (link, at.exception)
    fresh = data.read_incidents(path)
    pd.testing.assert_frame_equal(data.incidents(path), fresh)
    pd.testing.assert_frame_equal(data.public(path), public_incidents(fresh, data.name_vocabulary()))


@pytest.fixture(scope="module")
def searched_db(tmp_path_factory):
    """Incidents naming private persons, sexual offences (told by the neutral sentence to readers) and the rest."""
    cases = (*CASES, *MORE_CASES, SEXUAL, ON_STREET, NAMED)
    return build_incidents_db(tmp_path_factory.mktemp("db") / "searched.db", cases=cases)


def page_frame(path, *, public_view, events_view):
    """The page's frame, each row whole, as the rows it shows are."""
    ids = (data.events(path, public_view=public_view) if events_view else data.incidents(path)).index
    return data.shown_rows(path, ids, public_view=public_view, events_view=events_view)


def plain(frame):
    """The frame's rows as lists of values, None for every kind of missing value: texts read from the database and
    from a frame of all rows compare equal."""
    return [[None if pd.isna(v) else v for v in row] for row in frame.astype(object).itertuples(index=True)]


@pytest.mark.parametrize("events_view", [False, True])
@pytest.mark.parametrize("public_view", [True, False])
@pytest.mark.parametrize(
    "query",
    ["stabbed", "STABBED ON", "Mensah", "kofi mensah", "[name]", "name", "e], 22", "offence was reported", "zara"]
    + ["acre lane", "ye", "x", '"', "no such words"],
)
def test_text_matches_keep_what_searching_every_row_keeps(searched_db, query, public_view, events_view):
    frame = page_frame(searched_db, public_view=public_view, events_view=events_view)
    matches = data.text_matches(searched_db, query, public_view=public_view, events_view=events_view)
    expected = filter_incidents(frame, Filters(query=query))
    assert list(filter_incidents(frame, Filters(query=query), matches=matches).index) == list(expected.index)


@pytest.mark.parametrize(
    "query, public_view, expected",
    [
        ("Mensah", False, ["named:0"]),
        ("Mensah", True, []),  # masked for readers, so a search cannot tell who the story names
        ("[name]", True, ["named:0"]),
        ("Zara", True, []),
        ("clapham common", False, ["common:0"]),
        ("clapham common", True, []),  # its headline and evidence are the neutral ones: they tell no place
        ("sexual offence reported", True, ["common:0", "street:0"]),
        ("offence was reported", True, ["common:0", "street:0"]),
        ("offence was reported", False, []),
    ],
)
def test_text_matches_search_what_readers_see(searched_db, query, public_view, expected):
    matches = data.text_matches(searched_db, query, public_view=public_view, events_view=False)
    assert sorted(matches.index[matches]) == expected


def test_text_matches_without_a_query(searched_db):
    assert data.text_matches(searched_db, "", public_view=True, events_view=False) is None


def test_filter_choices_are_those_of_the_frame(searched_db):
    vocabularies = {"boroughs": ["Southwark"], "categories": ["robbery"], "type_labels": {"stabbing": "Stabbing"}}
    expected = filter_choices(data.incidents(searched_db), **vocabularies)
    assert data.filter_choices(searched_db, **vocabularies) == expected


ROWIDS = ["row", "article_row"]  # the numbers of the frames' rows: SQLite's rowids, PostgreSQL's row_id


@pytest.mark.slow
def test_postgresql_gives_the_frames_and_searches_sqlite_gives(searched_db, postgres_url):
    cases = (*CASES, *MORE_CASES, SEXUAL, ON_STREET, NAMED)
    build_incidents_db(postgres_url, cases=cases)
    for frame_of in (data.read_incidents, data.incidents, data.public):
        on_postgres, on_sqlite = frame_of(postgres_url), frame_of(searched_db)
        assert on_postgres[ROWIDS].notna().all(axis=None) and on_sqlite[ROWIDS].notna().all(axis=None)
        pd.testing.assert_frame_equal(on_postgres.drop(columns=ROWIDS), on_sqlite.drop(columns=ROWIDS))
    # Wildcards and quotes of ILIKE and FTS5 taken literally; a masked name's brackets; a capital met in any case.
    queries = ("stabbed", "Mensah", "offence was reported", "ye", "%", "_", "\\", '"', "'", "[name", "STABBED", "e r")
    for query in queries:
        for public_view in (True, False):
            on_postgres = data.text_matches(postgres_url, query, public_view=public_view, events_view=False)
            on_sqlite = data.text_matches(searched_db, query, public_view=public_view, events_view=False)
            pd.testing.assert_series_equal(on_postgres, on_sqlite)
            # and both as searching every text the page shows
            rows = (data.public if public_view else data.incidents)(searched_db).index
            shown = data.texts_of(searched_db, rows, public_view=public_view)
            assert on_sqlite.tolist() == query_matches(shown, query).tolist(), (query, public_view)


@pytest.mark.slow
def test_an_ascii_search_of_postgresql_reads_no_text_and_keeps_what_sqlite_keeps(
    searched_db, postgres_url, monkeypatch
):
    """PostgreSQL's search of its folded texts answers an ASCII search by the numbers of the rows it finds
    (_indexed_rows), as SQLite's index does: but for the rows masking may change, which are read whole, no text is
    read, and both keep the same rows."""
    build_incidents_db(postgres_url, cases=(*CASES, *MORE_CASES, SEXUAL, ON_STREET, NAMED))
    on_sqlite = {
        (query, public_view): data.text_matches(searched_db, query, public_view=public_view, events_view=False)
        for query in INDEX_ALONE_QUERIES
        for public_view in (True, False)
    }
    monkeypatch.setattr(data, "_searched_texts", lambda *a, **k: pytest.fail("the texts were read"))
    for (query, public_view), expected in on_sqlite.items():
        data._cached_matches.clear()
        on_postgres = data.text_matches(postgres_url, query, public_view=public_view, events_view=False)
        pd.testing.assert_series_equal(on_postgres, expected)
    data._cached_matches.clear()


def matches_both_ways(url, query, public_view, monkeypatch, reader):
    """Return the text matches of `query` at `url` read by ADBC's driver, then with columnar's `reader` of it gone, as
    without the driver: through psycopg."""
    data._cached_matches.clear()
    through_arrow = data.text_matches(url, query, public_view=public_view, events_view=False)
    with monkeypatch.context() as patched:
        patched.setattr(columnar, reader, lambda *a: None)
        data._cached_matches.clear()
        through_psycopg = data.text_matches(url, query, public_view=public_view, events_view=False)
    return through_arrow, through_psycopg


@pytest.mark.slow
@pytest.mark.parametrize("query", ["ye", "Mensah"])  # under the index's trigram: every row's texts are scanned
def test_postgresql_scan_through_arrow_equals_the_scan_through_psycopg(postgres_url, monkeypatch, query):
    build_incidents_db(postgres_url, cases=(*CASES, *MORE_CASES, SEXUAL, ON_STREET, NAMED))
    monkeypatch.setattr(data, "SEARCH_SCAN_ROWS", 1)
    monkeypatch.setattr(data, "SEARCH_SCAN_SHARE", 10**6)  # a limit of no text: the index never answers
    scans = []
    tables = columnar.postgres_tables
    monkeypatch.setattr(columnar, "postgres_tables", lambda *a: scans.append(a[1]) or tables(*a))
    for public_view in (True, False):
        through_arrow, through_psycopg = matches_both_ways(
            postgres_url, query, public_view, monkeypatch, "postgres_tables"
        )
        pd.testing.assert_series_equal(through_arrow, through_psycopg)
        assert through_arrow.any() or public_view  # editors find both; readers may not find a masked name
    assert len(scans) >= 2  # the scan went through ADBC's driver (the map's rows too)
    data._cached_matches.clear()


CAFE = dataclasses.replace(
    NAMED,
    article_id="cafe",
    headline="Man stabbed outside Café Nero in Peckham",
    text="A man was stabbed outside Café Nero on Rye Lane in Peckham. Police are appealing for witnesses.",
    evidence="A man was stabbed outside Café Nero on Rye Lane in Peckham.",
    ages=(),
)


@pytest.mark.slow
@pytest.mark.parametrize("query", ["CAFÉ", "é n", "stabbé"])  # outside ASCII: the index's texts are read and checked
def test_postgresql_texts_the_index_finds_through_arrow_equal_those_through_psycopg(postgres_url, monkeypatch, query):
    build_incidents_db(postgres_url, cases=(*CASES, NAMED, CAFE))
    read = []
    results = columnar.postgres_results
    monkeypatch.setattr(
        columnar, "postgres_results", lambda url, statements: read.append(statements) or results(url, statements)
    )
    for public_view in (True, False):
        through_arrow, through_psycopg = matches_both_ways(
            postgres_url, query, public_view, monkeypatch, "postgres_results"
        )
        pd.testing.assert_series_equal(through_arrow, through_psycopg)
        assert sorted(through_arrow.index[through_arrow]) == (["cafe:0"] if query != "stabbé" else [])
    assert read and all(len(statements) == 2 for statements in read)  # the evidence's and the headline's, by ADBC
    data._cached_matches.clear()


@pytest.mark.slow
@pytest.mark.parametrize("taken", [None, 1])  # every batch, or the first only (the page stops reading)
def test_postgresql_scan_reads_each_batch_once_in_order_and_closes_them(postgres_url, monkeypatch, taken):
    """The scan reads the driver's next batch while one is searched: the batches come out as read, in order, and
    are closed once no read of them is running, whether read to the end or left."""
    build_incidents_db(postgres_url, cases=(*CASES, *MORE_CASES, SEXUAL, ON_STREET, NAMED))
    conn = store.connect_readonly(postgres_url)
    ((select, _),) = store.search_selects(conn, None, columns=data._SEARCHED)
    conn.close()
    whole = pa.concat_tables(list(columnar.postgres_tables(postgres_url, select)))
    events = []

    def batches(url, select):
        try:
            for at in range(0, whole.num_rows, 3):
                events.append(("read", at))
                yield whole.slice(at, 3)
        finally:
            events.append(("closed", None))

    monkeypatch.setattr(columnar, "postgres_tables", batches)
    read = data._searched_texts(postgres_url, "ye", limit=0)  # the index never answers: every row is scanned
    got = list(itertools.islice(read, taken)) if taken else list(read)
    read.close()
    expected = [whole.slice(at, 3) for at in range(0, whole.num_rows, 3)][:taken]
    assert [t.to_pylist() for t in got] == [data._typed_texts_table(t).to_pylist() for t in expected]
    assert events[-1] == ("closed", None) and events.count(("closed", None)) == 1
    assert [at for kind, at in events if kind == "read"] == list(range(0, whole.num_rows, 3))[
        : (taken + 1 if taken else None)
    ]


@pytest.mark.slow
def test_postgresql_rows_through_arrow_equal_the_rows_read_through_psycopg(postgres_url, monkeypatch):
    build_incidents_db(postgres_url, cases=(*CASES, *MORE_CASES, SEXUAL, ON_STREET, NAMED))
    conn = store.connect(postgres_url)
    corrections.hide(conn, "brixton:0", "not_london", editor="t")
    corrections.take_down(conn, "ryelane2", "delete", editor="t", reason="legal")
    conn.close()
    conn = store.connect_readonly(postgres_url)
    try:
        assert columnar._arrow_rows(postgres_url, conn, hidden=set(), deleted=set())  # ADBC's driver read them
    finally:
        conn.close()
    read = data.read_incidents(postgres_url)
    assert "brixton:0" not in read.index and "ryelane2:0" not in read.index
    monkeypatch.setattr(columnar, "_arrow_rows", lambda *a, **k: [])  # as without the driver
    pd.testing.assert_frame_equal(data.read_incidents(postgres_url), read)


@pytest.mark.parametrize("query", ["stabbed", "Mensah", "offence was reported", "no such words"])
def test_text_matches_scan_when_the_index_finds_too_many(searched_db, query, monkeypatch):
    monkeypatch.setattr(data, "SEARCH_SCAN_ROWS", 1)
    monkeypatch.setattr(data, "SEARCH_SCAN_SHARE", len(data.incidents(searched_db)) + 1)  # a limit of one text
    data._cached_matches.clear()
    for public_view in (True, False):
        frame = page_frame(searched_db, public_view=public_view, events_view=False)
        matches = data.text_matches(searched_db, query, public_view=public_view, events_view=False)
        expected = filter_incidents(frame, Filters(query=query))
        assert list(filter_incidents(frame, Filters(query=query), matches=matches).index) == list(expected.index)
    data._cached_matches.clear()


SEARCH_WAYS = (  # SEARCH_SCAN_ROWS, _SHARE (None: more than the rows), _PIECES, _PIECE_ROWS, and the index alone
    (data.SEARCH_SCAN_ROWS, data.SEARCH_SCAN_SHARE, 1, data.SEARCH_SCAN_PIECE_ROWS, True),  # no text read if it can
    (data.SEARCH_SCAN_ROWS, data.SEARCH_SCAN_SHARE, 1, data.SEARCH_SCAN_PIECE_ROWS, False),  # the index's candidates
    (1, None, 1, data.SEARCH_SCAN_PIECE_ROWS, False),  # every row's texts, in one piece
    (1, None, 3, data.SEARCH_SCAN_PIECE_ROWS, False),  # in three at once, of which only one holds rows
    (1, None, 3, 2, False),  # in ranges of two rowids, three at a time
    (1, None, 2, 1, False),  # a rowid a range
)


def search_way(monkeypatch, frame: pd.DataFrame, way: tuple) -> None:
    """Make the searches go SEARCH_WAYS' `way` for `frame` (its cached results let go)."""
    rows, share, pieces, piece_rows, index_alone = way
    monkeypatch.setattr(data, "SEARCH_SCAN_ROWS", rows)
    monkeypatch.setattr(data, "SEARCH_SCAN_SHARE", share or len(frame) + 1)
    monkeypatch.setattr(data, "SEARCH_SCAN_PIECES", pieces)
    monkeypatch.setattr(data, "SEARCH_SCAN_PIECE_ROWS", piece_rows)
    monkeypatch.setattr(data, "_indexed_rows", INDEXED_ROWS if index_alone else lambda *_: None)
    data._cached_matches.clear()


INDEXED_ROWS = data._indexed_rows


@pytest.mark.parametrize(
    "query, public_view, expected",
    [
        ("walking home", True, []),  # a protected row's evidence: readers see the neutral sentence
        ("walking home", False, ["common:0"]),
        ("sexual assault was reported", True, []),
        ("sexual assault was reported", False, ["street:0"]),
        ("not shown here", True, ["common:0", "street:0"]),  # the neutral sentence, in no stored text
        ("TO PROTECT THE PEOPLE", True, ["common:0", "street:0"]),
        ("not shown here", False, []),
        ("path near clapham", True, []),  # a protected row's headline: readers see the neutral one
        ("path near clapham", False, ["common:0"]),
        ("assault reported on", True, []),
        ("assault reported on", False, ["street:0"]),
        ("SEXUAL OFFENCE REPORTED", True, ["common:0", "street:0"]),  # the neutral headline, in no stored text
        ("sexual offence reported", False, []),
    ],
)
def test_text_matches_of_protected_rows(searched_db, query, public_view, expected, monkeypatch):
    frame = page_frame(searched_db, public_view=public_view, events_view=False)
    assert sorted(filter_incidents(frame, Filters(query=query)).index) == expected  # what searching every row keeps
    for way in SEARCH_WAYS:
        search_way(monkeypatch, frame, way)
        matches = data.text_matches(searched_db, query, public_view=public_view, events_view=False)
        assert sorted(matches.index[matches]) == expected, way
    data._cached_matches.clear()


def copy_with_screens(searched_db: Path, path: Path, screen: int | None) -> Path:
    """A copy of `searched_db` at `path` whose every incident's stored name screen (store.SCREEN) is `screen`."""
    source = sqlite3.connect(searched_db)
    target = sqlite3.connect(path)
    source.backup(target)
    source.close()
    target.execute("UPDATE incidents SET name_screen = ?", (screen,))
    target.commit()
    target.close()
    return path


INDEX_ALONE_QUERIES = ("stabbed", "STABBED", "Mensah", "kofi mensah", "Rye Lane", "offence was reported", "e r", '"Rye')


@pytest.mark.parametrize("public_view", [True, False])
@pytest.mark.parametrize("events_view", [False, True])
def test_an_ascii_search_of_sqlite_reads_no_text_and_keeps_what_searching_every_row_keeps(
    searched_db, public_view, events_view, monkeypatch
):
    """SQLite's search index alone answers an ASCII search of rows whose name screens are stored (_indexed_rows):
    but for the rows masking may change, which are read whole, no text is read."""
    shown = page_frame(searched_db, public_view=public_view, events_view=events_view)
    monkeypatch.setattr(data, "_searched_texts", lambda *a, **k: pytest.fail("the texts were read"))
    for query in INDEX_ALONE_QUERIES:
        data._cached_matches.clear()
        matches = data.text_matches(searched_db, query, public_view=public_view, events_view=events_view)
        assert list(matches.index[matches]) == list(filter_incidents(shown, Filters(query=query)).index), query
    data._cached_matches.clear()


@pytest.mark.parametrize("query", ["[name]", "name", "nam", "e], 22", "[name] was stabbed"])
def test_a_search_masking_could_put_in_reads_only_the_rows_masking_may_change(
    searched_db, tmp_path, query, monkeypatch
):
    """A readers' search that could overlap the name mask reads whole the rows whose stored screen says masking may
    change them, the others answered by the index alone; rows stored without a screen make it read every row."""
    shown = page_frame(searched_db, public_view=True, events_view=False)
    expected = list(filter_incidents(shown, Filters(query=query)).index)
    masked, read = [], []
    masked_matches, texts_frame = data._masked_matches, data._texts_frame
    monkeypatch.setattr(data, "_masked_matches", lambda *a: masked.append(a[0]) or masked_matches(*a))
    monkeypatch.setattr(
        data, "_texts_frame", lambda path, rows, **k: texts_frame(path, read.extend(rows := list(rows)) or rows, **k)
    )
    data._cached_matches.clear()
    matches = data.text_matches(searched_db, query, public_view=True, events_view=False)
    assert list(matches.index[matches]) == expected and not masked
    screens = data._cached_screens(str(searched_db), data._frames_version(searched_db), data.public(searched_db))
    may_change = set(data.public(searched_db).index[screens == 1])
    assert may_change and {row[0] for row in read} <= may_change  # only those texts read
    unscreened = copy_with_screens(searched_db, tmp_path / "unscreened.db", None)
    matches = data.text_matches(unscreened, query, public_view=True, events_view=False)
    assert list(matches.index[matches]) == expected and masked == [str(unscreened)]
    data._cached_matches.clear()


def test_an_index_search_finds_headlines_by_their_articles_rowids(tmp_path, monkeypatch):
    """An article's rowid is not its incidents': after an article without incidents, every article's rowid is one
    more than its incident's, and a headline found by the index marks its own article's incidents."""
    path = tmp_path / "articles.db"
    conn = store.connect(path)
    market = Article("market", "The market reopens on Sunday.", headline="Rye Lane market", published="2024-04-01")
    store.save_article(conn, market, [])
    conn.close()
    build_incidents_db(path, cases=(*CASES, *MORE_CASES, SEXUAL, ON_STREET, NAMED))
    frame = data.incidents(path)
    assert (frame["article_row"] == frame["row"] + 1).all()
    monkeypatch.setattr(data, "_searched_texts", lambda *a, **k: pytest.fail("the texts were read"))
    for public_view in (True, False):
        shown = page_frame(path, public_view=public_view, events_view=False)
        for query in ("Rye Lane", "stabbed to death", "Greenwich", "robbed on"):
            data._cached_matches.clear()
            matches = data.text_matches(path, query, public_view=public_view, events_view=False)
            expected = filter_incidents(shown, Filters(query=query)).index
            assert list(matches.index[matches]) == list(expected), (query, public_view)
    data._cached_matches.clear()


@pytest.mark.parametrize(
    "query, why",
    [
        ("café", "not ASCII: the index may fold its case otherwise"),
        ("stab\tbed", "a control character"),
        ("st", "shorter than a trigram"),
        ("stabbed", "the database written since the frames' version"),
    ],
)
def test_the_index_alone_does_not_answer(searched_db, query, why):
    frame = data.incidents(searched_db)
    version = data._frames_version(searched_db)
    assert data._indexed_rows(str(searched_db), version, "stabbed", frame) is not None
    if why.startswith("the database written"):
        version = ("map", -1)
    assert data._indexed_rows(str(searched_db), version, query.replace("\\t", "\t"), frame) is None, why


FOLDING_TEXTS = [f"qq{chr(c)}zz" for c in range(0x80, 0x30000) if not 0xD800 <= c < 0xE000]
"""A text of each character from U+0080 to U+2FFFF between ASCII letters."""


def test_the_search_index_folds_case_as_the_page_search_for_ascii_queries(tmp_path):
    """For a query of ASCII characters, SQLite's trigram index (read by the ADBC driver, as _indexed_rows reads it)
    finds exactly the texts the page's search (filters.query_matches, on Arrow strings) finds, whatever character
    each text holds: so the index alone may answer it."""
    path = tmp_path / "folding.db"
    texts = FOLDING_TEXTS
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE incident_text USING fts5(evidence, tokenize = 'trigram')")
    conn.execute("CREATE VIRTUAL TABLE article_text USING fts5(headline, tokenize = 'trigram')")
    conn.executemany("INSERT INTO incident_text (rowid, evidence) VALUES (?, ?)", enumerate(texts))
    conn.commit()
    frame = pd.DataFrame({"headline": "", "evidence": pd.array(texts, dtype=pd.StringDtype("pyarrow"))})
    for middle in (chr(c) for c in range(0x20, 0x7F)):
        query = f"qq{middle}zz"
        statements = store.search_rowids(conn, query)
        assert statements is not None
        (found, _) = columnar.sqlite_tables(path, [(sql, parameters, len(texts)) for sql, parameters in statements])
        expected = np.flatnonzero(query_matches(frame, query).to_numpy())
        assert sorted(found.column(0).to_pylist()) == expected.tolist(), query
    conn.close()


@pytest.fixture(params=["default", "tr-TR"])
def folding_database(request, postgres_server):
    """A new PostgreSQL database whose default collation is the server's (C.UTF-8), or ICU's Turkish, whose own
    lower-casing takes "I" to a dotless "ı"."""
    if request.param == "default":
        return postgres_server.new_database("folding")
    name = "folding_tr"
    postgres_server.sql(f"DROP DATABASE IF EXISTS {name}")
    postgres_server.sql(
        f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'tr-TR' "
        "LOCALE 'C.UTF-8'"
    )
    return postgres_server.url(name)


@pytest.mark.slow
def test_postgresql_folds_case_as_the_page_search_for_ascii_queries(folding_database):
    """For a query of ASCII characters, PostgreSQL's search of the folded texts (store.search_rowids, read by the ADBC
    driver as _indexed_rows reads them, its trigram indexes used) finds exactly the texts the page's search
    (filters.query_matches) finds, whatever character each holds and whatever the database's locale; for a query with
    other characters, the pattern the search of texts asks (each such character as any one) finds every text the
    page's search finds."""
    texts = [f"qq{chr(c)}zz" for c in range(0x20, 0x7F)] + FOLDING_TEXTS + WORDS_IN_CASES
    with psycopg.connect(folding_database, autocommit=True) as setup:
        setup.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # The two tables as migration 13 leaves them, but for their other columns, each holding every text.
        for table, text in (("incidents", "evidence"), ("articles", "headline")):
            folded = f"{text}_folded TEXT GENERATED ALWAYS AS ({store._FOLDED.format(text)}) STORED"
            setup.execute(f"CREATE TABLE {table} (row_id BIGINT, {text} TEXT, {folded})")
            with setup.cursor().copy(f"COPY {table} (row_id, {text}) FROM STDIN") as copy:
                for row in enumerate(texts):
                    copy.write_row(row)
            setup.execute(f"CREATE INDEX ON {table} USING gin ({text}_folded gin_trgm_ops)")
        setup.execute(f"ALTER DATABASE {folding_database.rsplit('/', 1)[1]} SET enable_seqscan = off")
    conn = store.connect_readonly(folding_database)
    assert (
        conn.execute("EXPLAIN SELECT row_id FROM incidents WHERE evidence_folded LIKE '%qqkzz%'")
        .fetchall()[0][0]
        .startswith("Bitmap Heap Scan")
    )  # by the index, as a large table is searched
    frame = pd.DataFrame({"headline": "", "evidence": pd.array(texts, dtype=pd.StringDtype("pyarrow"))})
    for middle in (chr(c) for c in range(0x20, 0x7F)):
        query = f"qq{middle}zz"
        statements = store.search_rowids(conn, query)
        assert statements is not None
        expected = np.flatnonzero(query_matches(frame, query).to_numpy()).tolist()
        assert middle not in "kKsS" or len(expected) == 3, query  # itself, the other case and one outside ASCII
        for found in columnar.postgres_results(folding_database, statements):
            assert sorted(found.column(0).to_pylist()) == expected, query
    for query in (
        *WORDS_IN_CASES,
        "CAF\u00c9",
        "stra\u00dfe",
        "\u017ftreet",
        "\u03c3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2",
    ):
        expected = set(np.flatnonzero(query_matches(frame, query).to_numpy()).tolist())
        statements = store.search_rowids(conn, query)
        if query.isascii():  # as above, in words
            assert statements is not None
            for read in columnar.postgres_results(folding_database, statements):
                assert set(read.column(0).to_pylist()) == expected, query
            continue
        assert statements is None  # outside ASCII: the texts are read and checked
        pattern = store.like_pattern(query, folded=True, any_outside_ascii=True)  # as search_selects asks it
        sql = "SELECT row_id FROM incidents WHERE evidence_folded LIKE ?"
        found = {row[0] for row in conn.execute(sql, (pattern,))}
        assert expected and expected <= found and len(found) < len(texts) / 2, query
    conn.close()


WORDS_IN_CASES = [
    *("on the caf\u00e9 terrace", "ON THE CAFE TERRACE", "ON THE CAF\u00c9 TERRACE"),
    *("in stra\u00dfe drei", "IN STRASSE DREI", "IN STRA\u1e9eE DREI"),
    *("on \u017ftreet corner", "on street corner", "ON STREET CORNER"),
    *("a \ufb01ne day", "a fine day", "from \u0130stanbul", "from istanbul", "from \u0131stanbul"),
    *(
        "\u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3 rolled",
        "\u03c3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2 rolled",
        "\u6771\u4eac\u90fd station",
    ),
]
"""Words in their cases, in characters outside ASCII and in ASCII ones a case-insensitive search may take for them."""


def test_text_matches_screen_each_row_once_a_version(searched_db, tmp_path, monkeypatch):
    """Whether masking may change a row's texts, when not stored with it (rows stored before the screen), is
    screened once, by the first search whose query its stored texts hold; later searches take it as it is, and keep
    what searching every row keeps. The texts read to screen them are placed by their rowids."""
    path = copy_with_screens(searched_db, tmp_path / "unscreened.db", None)
    data._cached_matches.clear()
    data._cached_screens.clear()
    placed_by = []
    positions_of = data._positions
    monkeypatch.setattr(
        data, "_positions", lambda index, places, *a: placed_by.append(places) or positions_of(index, places, *a)
    )
    whole = page_frame(path, public_view=False, events_view=False)  # the stored texts: nothing corrected
    shown = page_frame(path, public_view=True, events_view=False)
    held = pd.Index([])
    for query in ("stabbed", "Peckham stabbing", "Rye Lane", "stabbed"):
        matches = data.text_matches(path, query, public_view=True, events_view=False)
        assert list(matches.index[matches]) == list(filter_incidents(shown, Filters(query=query)).index), query
        held = held.union(filter_incidents(whole, Filters(query=query)).index)
    vocabulary = data.name_vocabulary()
    screened = may_name(whole["headline"], vocabulary) | may_name(whole["evidence"], vocabulary)
    expected = [int(s) if i in held else -1 for i, s in zip(whole.index, screened)]
    assert set(expected) == {-1, 0, 1}  # rows of each kind: not held, held without a name, held naming someone
    assert list(data._cached_screens(str(path), data._frames_version(path), data.public(path))) == expected
    assert placed_by and None not in placed_by
    data._cached_matches.clear()


def test_the_screens_stored_with_the_rows_are_known_before_any_search(searched_db):
    """The readers' frame carries each row's stored name screen: read as this screen's, every row's is known."""
    data._cached_screens.clear()
    whole = page_frame(searched_db, public_view=False, events_view=False)
    vocabulary = data.name_vocabulary()
    screened = may_name(whole["headline"], vocabulary) | may_name(whole["evidence"], vocabulary)
    screens = data._cached_screens(str(searched_db), data._frames_version(searched_db), data.public(searched_db))
    assert list(screens) == [int(s) for s in screened] and set(screens) == {0, 1}


SCREENED_QUERIES = ("stabbed", "Mensah", "kofi mensah", "Rye Lane", "offence was reported", "zara", "acre lane")


def test_text_matches_take_the_screens_stored_with_the_rows(searched_db, monkeypatch):
    """Rows stored with this screen (store.SCREEN) are not screened again: the searches keep what searching every
    row keeps without a screening of their own."""
    data._cached_matches.clear()
    data._cached_screens.clear()

    def screened(texts, vocabulary):
        raise AssertionError("a row stored with this screen was screened again")

    monkeypatch.setattr(data, "may_name", screened)
    shown = page_frame(searched_db, public_view=True, events_view=False)
    for query in SCREENED_QUERIES:
        matches = data.text_matches(searched_db, query, public_view=True, events_view=False)
        assert list(matches.index[matches]) == list(filter_incidents(shown, Filters(query=query)).index), query
    data._cached_matches.clear()


@pytest.mark.parametrize("stored", ["none", "another screen's, of no name"])
def test_text_matches_screen_the_rows_stored_without_this_screen(searched_db, tmp_path, stored):
    """Rows stored before the screen (NULL), or with the screen of other word lists, are screened as they are
    searched: taken as stored, a name among them would be found by a search that masking hides it from."""
    key = screen_key(data.name_vocabulary())
    path = copy_with_screens(searched_db, tmp_path / "screened.db", None if stored == "none" else 2 * (key + 1))
    data._cached_matches.clear()
    shown = page_frame(path, public_view=True, events_view=False)
    for query in SCREENED_QUERIES:
        matches = data.text_matches(path, query, public_view=True, events_view=False)
        assert list(matches.index[matches]) == list(filter_incidents(shown, Filters(query=query)).index), query
    data._cached_matches.clear()


@pytest.mark.parametrize("events_view", [False, True])
def test_rows_shown_to_readers_are_the_whole_rows_masked(searched_db, events_view):
    """Texts are masked as the rows are shown, the frames' other columns once for all rows: together they are
    exactly the whole incidents masked (dashboard.privacy)."""
    whole = page_frame(searched_db, public_view=False, events_view=False)
    masked = public_incidents(whole, data.name_vocabulary())
    shown = page_frame(searched_db, public_view=True, events_view=events_view)
    if events_view:  # an event's texts and their spans are its lead report's
        masked = masked.loc[shown.index]
        shown = shown[[c for c in masked.columns if c in store.MAP_TEXTS]]
    assert "[name]" in " ".join(shown["evidence"])
    assert plain(shown) == plain(masked[list(shown.columns)])


def test_texts_of_an_incident_not_stored_are_empty(searched_db):
    texts = data.texts_of(searched_db, ["named:0", "no such incident"], public_view=True)
    assert list(texts.index) == ["named:0", "no such incident"]
    assert texts.loc["no such incident", "evidence"] == "" and pd.isna(texts.loc["no such incident", "url"])
    assert texts.loc["named:0", "evidence"].startswith("[name]")


@pytest.fixture(scope="module")
def corrected_db(tmp_path_factory):
    """The searched incidents, with a text taken down, an incident hidden and a sexual offence moved."""
    cases = (*CASES, *MORE_CASES, SEXUAL, ON_STREET, NAMED)
    path = build_incidents_db(tmp_path_factory.mktemp("db") / "corrected.db", cases=cases)
    conn = store.connect(path)
    corrections.take_down(conn, NAMED.article_id, "text", editor="t", reason="legal")
    corrections.hide(conn, "peckham:0", "not_london", editor="t")
    corrections.correct_borough(conn, "street:0", "Camden", "E09000007", editor="t")
    conn.close()
    return path


@pytest.mark.parametrize("events_view", [False, True])
@pytest.mark.parametrize("public_view", [True, False])
@pytest.mark.parametrize("query", ["stabbed", "Mensah", "Rye Lane", "offence was reported", "[name]", "station"])
def test_text_matches_of_corrected_incidents_keep_what_searching_every_row_keeps(
    corrected_db, query, public_view, events_view
):
    frame = page_frame(corrected_db, public_view=public_view, events_view=events_view)
    for share in (data.SEARCH_SCAN_SHARE, len(frame) + 1):  # the index's candidates, then every row read
        data._cached_matches.clear()
        with pytest.MonkeyPatch.context() as patched:
            patched.setattr(data, "SEARCH_SCAN_ROWS", 1)
            patched.setattr(data, "SEARCH_SCAN_SHARE", share)
            matches = data.text_matches(corrected_db, query, public_view=public_view, events_view=events_view)
        expected = filter_incidents(frame, Filters(query=query))
        assert list(filter_incidents(frame, Filters(query=query), matches=matches).index) == list(expected.index)
    data._cached_matches.clear()


def test_read_incidents_through_sqlite3_equals_the_arrow_read(tmp_path, monkeypatch):
    path = build_incidents_db(tmp_path / "incidents.db", cases=(*CASES, *MORE_CASES, SEXUAL, ON_STREET, NAMED))
    conn = store.connect(path)
    corrections.hide(conn, "brixton:0", "not_london", editor="t")
    corrections.take_down(conn, "ryelane2", "delete", editor="t", reason="legal")
    corrections.correct_date(conn, "greenwich:0", "2020-01-02", editor="t")
    conn.close()
    conn = store.connect_readonly(path)
    assert columnar._arrow_rows(path, conn, hidden=set(), deleted=set())  # the Arrow read is the one used
    conn.close()
    read = data.read_incidents(path)
    monkeypatch.setattr(columnar, "_arrow_rows", lambda *a, **k: [])  # as when the driver cannot type a column
    pd.testing.assert_frame_equal(data.read_incidents(path), read)
    assert "brixton:0" not in read.index and "ryelane2:0" not in read.index


# A write while the pieces are read: only one of the stored rows makes them be read again, in one piece.
WRITES_MEANWHILE = [
    (None, False),
    (lambda conn: conn.execute("UPDATE incidents SET type = 'robbery' WHERE incident_id = 'brixton:0'"), True),
    (lambda conn: corrections.report_problem(conn, "brixton:0", "wrong_place"), False),
    (lambda conn: corrections.verify(conn, "brixton:0", editor="ed"), False),  # the map's rows: no stored row
]


@pytest.mark.parametrize("pieces", [2, 3, 7])
@pytest.mark.parametrize("write, read_again", WRITES_MEANWHILE)
def test_the_arrow_read_in_pieces_equals_the_read_in_one(tmp_path, monkeypatch, pieces, write, read_again):
    path = build_incidents_db(tmp_path / "incidents.db", cases=(*CASES, *MORE_CASES, SEXUAL, ON_STREET, NAMED))
    monkeypatch.setattr(columnar, "READ_PIECE_ROWS", 1)
    monkeypatch.setattr(columnar, "READ_PIECES", pieces)
    read = []

    def pieces_read(db, statements):
        if write is not None and not read:  # another connection's write, committed once the read has begun
            writer = store.connect(db)
            try:
                with writer:
                    write(writer)
            finally:
                writer.close()
        read.append(len(statements))
        return sqlite_tables(db, statements)

    monkeypatch.setattr(columnar, "sqlite_tables", pieces_read)
    conn = store.connect_readonly(path)
    try:
        frame = columnar.stored_frame(path, conn, [])
        monkeypatch.setattr(columnar, "sqlite_tables", sqlite_tables)
        whole = columnar.stored_frame(path, conn, [])  # after the write
    finally:
        conn.close()
    # Pieces whose columns are all missing (weapons, events) are typed by the others', as one piece types them.
    pd.testing.assert_frame_equal(frame, whole)
    assert read == ([pieces, 1] if read_again else [pieces])


sqlite_tables = columnar.sqlite_tables


def test_texts_kept_stay_within_their_bound_and_read_the_same(searched_db, monkeypatch):
    ids = list(data.incidents(searched_db).index)
    whole = data.texts_of(searched_db, ids, public_view=True)
    monkeypatch.setattr(data, "CACHED_TEXTS", 3)
    data._cached_texts.clear()
    kept = data._cached_texts(str(searched_db), data.map_version(searched_db), True)
    assert plain(data.texts_of(searched_db, ids, public_view=True)) == plain(whole)
    assert len(kept) == 0  # more than the bound at once: read for that call only
    for at in range(0, len(ids), 2):  # two at a time: kept, until the next two would pass the bound
        pd.testing.assert_frame_equal(
            data.texts_of(searched_db, ids[at : at + 2], public_view=True), whole.iloc[at : at + 2]
        )
        assert 0 < len(kept) <= 3
    data._cached_texts.clear()


def test_a_database_whose_path_holds_uri_characters_is_read(tmp_path):
    folder = tmp_path / "news #1? 100% local"
    folder.mkdir()
    path = build_incidents_db(folder / "incidents.db", cases=CASES[:2])
    conn = store.connect_readonly(path)
    assert columnar._arrow_rows(path, conn, hidden=set(), deleted=set())  # through the Arrow read, not around it
    conn.close()
    assert list(data.read_incidents(path).index) == ["greenwich:0", "peckham:0"]
    (peckham,) = [c for c in CASES if c.article_id == "peckham"]
    assert list(data.texts_of(path, ["peckham:0"], public_view=False)["headline"]) == [peckham.headline]


@pytest.mark.parametrize("piece_rows, pieces", [(1, 1), (3, 2), (data.SEARCH_SCAN_PIECE_ROWS, 1)])
def test_a_search_places_the_rows_it_reads_by_their_rowids(corrected_db, piece_rows, pieces, monkeypatch):
    """The rows a search reads (by the index, or the scan in pieces) are placed in the frame by their SQLite rowids
    (_cached_places), never by looking up their incident ids: the frame is not in rowid order, and a hidden
    incident (stored, in no frame) is in none; searches keep what searching every row keeps. (An article taken down
    to delete is deleted with its incidents: the scan reads none of them.)"""
    frame = data.incidents(corrected_db)
    conn = store.connect_readonly(corrected_db)
    stored = dict(conn.execute("SELECT rowid, incident_id FROM incidents ORDER BY rowid").fetchall())
    conn.close()
    assert list(stored.values()) != list(frame.index)  # the frame is in another order
    assert set(stored.values()) - set(frame.index) == {"peckham:0"}  # hidden
    places = data._cached_places(str(corrected_db), data._frames_version(corrected_db))
    assert places is not None
    assert {int(r): frame.index[a] for r, a in zip(places.rows, places.at)} == {
        r: i for r, i in stored.items() if i in frame.index
    }
    monkeypatch.setattr(data, "SEARCH_SCAN_PIECE_ROWS", piece_rows)
    monkeypatch.setattr(data, "SEARCH_SCAN_PIECES", pieces)
    monkeypatch.setattr(data, "SEARCH_SCAN_ROWS", 1)
    for limit in (len(frame), 0):  # the index finds them, or every row is read
        for texts in data._searched_texts(str(corrected_db), "Peckham", limit=limit):
            rows = texts["row"].to_pylist()
            incident = np.array([r is not None for r in rows])  # not the row of the number found
            expected = [frame.index.get_loc(stored[r]) if stored.get(r) in frame.index else -1 for r in rows]
            with monkeypatch.context() as patched:  # placed by rowid: no incident id looked up in the frame's index
                patched.setattr(pd.Index, "get_indexer", lambda *a, **k: pytest.fail("an incident id looked up"))
                assert data._positions(frame.index, places, texts, incident).tolist() == expected
            # A rowid SQLite gave another incident since the frame's version (a deleted row's, to the next insert)
            ids = texts["incident_id"].to_pylist()
            other = texts.set_column(1, "incident_id", pa.array([i and f"{i}-new" for i in ids], pa.string()))
            assert set(data._positions(frame.index, places, other, incident).tolist()) <= {-1}
    for share, index_alone in ((1, True), (1, False), (len(frame) + 1, False)):
        # The index alone (no text read), its candidates read (a limit of all rows), or every row (of one text)
        monkeypatch.setattr(data, "SEARCH_SCAN_SHARE", share)
        monkeypatch.setattr(data, "_indexed_rows", INDEXED_ROWS if index_alone else lambda *_: None)
        for query in ("stabbed", "Rye Lane", "Peckham"):
            for public_view in (False, True):
                data._cached_matches.clear()
                shown = page_frame(corrected_db, public_view=public_view, events_view=False)
                matches = data.text_matches(corrected_db, query, public_view=public_view, events_view=False)
                expected = filter_incidents(shown, Filters(query=query)).index
                assert list(matches.index[matches]) == list(expected), (query, share, index_alone, public_view)
    data._cached_matches.clear()


@pytest.mark.parametrize("driver_reads", [(True,), (False,), (True, False), (False, True, True)], ids=str)
def test_scan_through_sqlite3_where_the_driver_cannot_read_keeps_what_searching_every_row_keeps(
    corrected_db, driver_reads, monkeypatch
):
    """The scan's rounds are read ahead by the driver; a round it cannot read (its calls in turn, as `driver_reads`
    says, repeated) is read through sqlite3 as the search reaches it."""
    frame = page_frame(corrected_db, public_view=True, events_view=False)
    calls = itertools.count()
    monkeypatch.setattr(
        columnar,
        "sqlite_tables",
        lambda *a: sqlite_tables(*a) if driver_reads[next(calls) % len(driver_reads)] else None,
    )
    monkeypatch.setattr(data, "SEARCH_SCAN_ROWS", 1)
    monkeypatch.setattr(data, "SEARCH_SCAN_SHARE", len(frame) + 1)  # a limit of one text: every row is read
    monkeypatch.setattr(data, "SEARCH_SCAN_PIECE_ROWS", 2)
    monkeypatch.setattr(data, "SEARCH_SCAN_PIECES", 2)
    monkeypatch.setattr(data, "_indexed_rows", lambda *_: None)  # which reads no text
    for query in ("stabbed", "Rye Lane", "offence was reported"):
        data._cached_matches.clear()
        matches = data.text_matches(corrected_db, query, public_view=True, events_view=False)
        assert list(matches.index[matches]) == list(filter_incidents(frame, Filters(query=query)).index), query
    assert next(calls) > 3  # rounds of two pieces of two rowids: several calls a search
    data._cached_matches.clear()


@pytest.mark.parametrize(
    "rows, found",
    [
        ([3, 1, 2, 7], [2, 7, 9]),  # marks
        ([5, 10**12, 6], [10**12, 4]),  # a number far past the rows': sorted, not a terabyte of marks
        ([1, 2], []),
        ([], [1]),
    ],
)
def test_held_rows_tell_the_rows_found(rows, found):
    held = data._held_rows(np.array(rows, dtype=np.int64), np.array(found, dtype=np.int64))
    assert held.tolist() == [r in found for r in rows]
