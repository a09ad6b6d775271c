import sys
from pathlib import Path

import h3
import pandas as pd
import pytest
from dashboard_fixtures import CASES, MORE_CASES, build_incidents_db, incident_of, place
from streamlit.testing.v1 import AppTest

from dashboard import data
from dashboard.filters import Filters, filter_incidents
from dashboard.privacy import public_incidents
from extract import corrections, store
from extract.datafiles import DEFAULT_DB
from extract.records import PRECISIONS, Article
from extract.text.cues import CrimeType

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
    assert frame.loc["nowhere:0", "cell"] is None
    assert list(frame.index) == ["city:0", "xss:0", "greenwich:0", "peckham:0", "kingston:0", "brixton:0", "nowhere:0"]


def test_read_incidents_of_empty_store(tmp_path):
    store.connect(tmp_path / "empty.db").close()
    empty = data.read_incidents(tmp_path / "empty.db")
    assert len(empty) == 0
    assert set(filter_incidents(empty, Filters(query="x", fatal_only=True, min_precision="street")).index) == set()


def test_incidents_are_read_again_when_the_database_changes(tmp_path):
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES[:2])
    assert list(data.incidents(path).index) == ["greenwich:0", "peckham:0"]
    assert list(data.incidents(path).index) == ["greenwich:0", "peckham:0"]
    case = CASES[2]
    article = Article(article_id=case.article_id, text=case.text, headline=case.headline, source="test")
    assert data.save_found(path, [(article, [incident_of(case)])], editor="test") == 1
    assert list(data.incidents(path).index) == ["greenwich:0", "peckham:0", "kingston:0"]


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

    pd.testing.assert_frame_equal(frame[columns], expected)
    assert frame.loc["nowhere:0", "cell"] == h3.latlng_to_cell(51.5, -0.1, data.H3_RESOLUTION)
    assert frame["candidates"].dtype == "int64"


def test_read_incidents_in_pieces_types_columns_as_one_read(tmp_path, monkeypatch):
    path = build_incidents_db(tmp_path / "incidents.db", cases=CASES + MORE_CASES)
    whole = data.read_incidents(path)
    monkeypatch.setattr(data, "LOAD_BATCH", 2)  # pieces where a column is all None, others where it is full
    pd.testing.assert_frame_equal(data.read_incidents(path), whole)


def test_read_incidents_cells_are_the_stored_ones(tmp_path):
    path = build_incidents_db(tmp_path / "incidents.db")
    conn = store.connect(path)
    with conn:
        conn.execute("UPDATE incidents SET h3_r8 = 1 WHERE incident_id = 'peckham:0'")  # a mark only the store has
    conn.close()
    assert data.read_incidents(path).loc["peckham:0", "cell"] == "1"


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
