from pathlib import Path

import pytest
from dashboard_fixtures import CASES, build_incidents_db, incident_of

from dashboard import data
from dashboard.filters import Filters, filter_incidents
from extract import store
from extract.datafiles import DEFAULT_DB
from extract.records import PRECISIONS, Article


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
