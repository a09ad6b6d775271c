"""The News vs recorded page under AppTest, on a real SQLite database holding police.uk counts and news incidents."""

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from dashboard_fixtures import refuse_whole_frames
from postgres_server import BACKENDS, new_store
from streamlit.testing.v1 import AppTest

from dashboard.display import escape_markdown
from extract import store
from extract.geo.gazetteer import load_gazetteer
from extract.policeuk import import_street_files
from extract.records import Article, Incident, Place

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
PAGE = "app_pages/recorded.py"
SAMPLE = sorted((Path(__file__).parent / "fixtures" / "policeuk").glob("*.csv"))
SNAP_POINTS = (
    "- Police.uk locations are anonymised snap points: each crime is counted in the borough of its area (LSOA), "
    "which near a boundary may not be where it happened."
)
NEWS = (  # (borough, date, category, how many)
    ("City of London", "2019-01-14", "other theft", 20),
    ("City of London", "2019-02-03", "burglary", 20),
    ("Camden", "2019-01-20", "burglary", 2),
    ("Westminster", "2019-03-09", "burglary", 1),  # a month no force has imported
    ("Hackney", None, "robbery", 1),  # no date
    (None, "2019-01-05", "robbery", 1),  # no borough
)


def save_news(db: Path | str, news=NEWS) -> None:
    """Store one made-up article per incident."""
    conn = store.connect(db)
    n = 0
    for borough, day, category, count in news:
        for _ in range(count):
            n += 1
            text = f"Police were called to a {category} in {borough or 'London'}."
            article = Article(f"news{n}", text, headline=f"Report {n}", published=day, source="test")
            place = Place(borough, 51.5, -0.1, "borough", "borough", borough, None, "test") if borough else None
            incident = Incident(f"news{n}:0", article.article_id, "theft", category, borough, place, day, None, None)
            store.save_article(conn, article, [incident])
    conn.close()


@pytest.fixture(scope="module", params=BACKENDS)
def both_db(tmp_path_factory, request):
    """Recorded crime and news in one store: a SQLite file, and a database of the test PostgreSQL server."""
    db = new_store(request, tmp_path_factory.mktemp("db"), "recorded")
    report = import_street_files(SAMPLE, db_path=db, borough_at=load_gazetteer().borough_at)
    assert report.rows == 310
    save_news(db)
    return db


def link_event(db: Path, incident_ids: list[str], event: dict) -> None:
    """Store the incidents as the reports of one event, whose row (store.EVENT_COLUMNS) is `event`, as matching
    would have."""
    conn = store.connect(db)
    with conn:
        for incident_id in incident_ids:
            conn.execute(
                "INSERT INTO incident_events (incident_id, article_id, event_id, component_id, reason, report, "
                "signature) SELECT incident_id, article_id, ?, ?, 'test', '{}', x'' FROM incidents "
                "WHERE incident_id = ?",
                (event["event_id"], incident_ids[0], incident_id),
            )
        columns = ", ".join(store.EVENT_COLUMNS)
        conn.execute(
            f"INSERT INTO events ({columns}) VALUES ({', '.join('?' * len(store.EVENT_COLUMNS))})",
            [event[c] for c in store.EVENT_COLUMNS],
        )
    conn.close()


def page(db: Path, monkeypatch, **params) -> AppTest:
    refuse_whole_frames(db, monkeypatch)
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    monkeypatch.setattr(sys, "argv", ["app.py"])
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(PAGE)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def caveats(at) -> list[str]:
    return at.info[0].value.split("\n")


def rows(at, *boroughs) -> list[list]:
    table = at.dataframe[0].value
    return table[table["Borough"].isin(boroughs)].values.tolist()


def chart(at) -> dict:
    return json.loads(at.get("vega_lite_chart")[0].proto.spec)


def test_default_view_compares_every_imported_month(both_db, monkeypatch):
    at = page(both_db, monkeypatch)
    assert at.title[0].value == "News vs recorded crime"
    assert caveats(at) == [
        SNAP_POINTS,
        "- Every month shown (2019-01 to 2019-02) has imported police.uk data.",
        "- The news side counts each incident once, however many reports tell it (45 incidents told by 45 reports "
        "in 45 articles), and only those found in the articles this project has ingested, not all that was "
        "reported. Not counted: 1 with no date; 1 with no borough.",
    ]
    assert [m.value for m in at.metric] == ["310", "42", "135.48"]
    assert len(at.dataframe[0].value) == 33
    assert rows(at, "Camden", "City of London", "Hackney") == [
        ["Camden", 8, 2, pytest.approx(250.0), "too few to say"],
        ["City of London", 144, 40, pytest.approx(277.78, abs=0.01), "above 99.8% limit"],
        ["Hackney", 7, 0, 0.0, "too few to say"],
    ]
    points = {p["borough"]: p for p in chart(at)["layer"][-1]["data"]["values"]}
    assert points["City of London"] == {
        "borough": "City of London",
        "recorded": 144,
        "news": 40,
        "per_1000": 277.778,
        "band": "above 99.8% limit",
    }
    assert dict(at.query_params) == {}


def test_link_sets_months_and_categories_and_names_the_months_left_out(both_db, monkeypatch):
    at = page(both_db, monkeypatch, **{"from": "2019-01-01", "to": "2019-03-31", "category": ["burglary"]})
    assert at.multiselect(key="category").value == ["burglary"]
    assert str(at.date_input(key="to").value) == "2019-03-31"
    assert caveats(at)[1:] == [
        "- Months without imported police.uk data are left out of the ratio, news included. City of London Police: "
        "2019-03; Metropolitan Police Service: 2019-03.",
        "- The news side counts each incident once, however many reports tell it (45 incidents told by 45 reports "
        "in 45 articles), and only those found in the articles this project has ingested, not all that was "
        "reported. Not counted: 1 in months without police.uk data.",
    ]
    assert [m.value for m in at.metric] == ["163", "22", "134.97"]
    assert rows(at, "Camden", "City of London") == [
        ["Camden", 6, 2, pytest.approx(333.33, abs=0.01), "too few to say"],
        ["City of London", 6, 20, pytest.approx(3333.33, abs=0.01), "too few to say"],  # 0.81 expected
    ]
    assert at.query_params == {"from": "2019-01-01", "to": "2019-03-31", "category": "burglary"}


def test_widgets_write_the_link(both_db, monkeypatch):
    at = page(both_db, monkeypatch)
    at.multiselect(key="category").set_value(["other theft", "burglary"]).run()
    at.date_input(key="to").set_value("2019-01-31").run()
    assert at.query_params == {"category": ["other theft", "burglary"], "to": "2019-01-31"}
    assert caveats(at)[1] == "- Every month shown (2019-01) has imported police.uk data."
    assert at.code[0].value == "?category=other%20theft&category=burglary&to=2019-01-31"


def test_bad_link_values_are_named_and_dropped(both_db, monkeypatch):
    at = page(both_db, monkeypatch, category=["arson", "Burglary"], borough="Camden", to="31/03/2019", zoom="3")
    notices = (
        "unknown parameter 'zoom'",
        "category: unknown value 'arson'",
        "to: not a date (YYYY-MM-DD) '31/03/2019'",
        "borough: not used on this view",
    )
    assert [w.value for w in at.warning] == ["Ignored in the link: " + "; ".join(map(escape_markdown, notices))]
    assert at.multiselect(key="category").value == ["burglary"]


def test_months_with_no_recorded_crime_at_all(both_db, monkeypatch):
    at = page(both_db, monkeypatch, **{"from": "2020-01-01", "to": "2020-02-29"})
    assert caveats(at)[1] == (
        "- Months without imported police.uk data are left out of the ratio, news included. City of London Police: "
        "2020-01 to 2020-02; Metropolitan Police Service: 2020-01 to 2020-02."
    )
    assert at.info[1].value == "No recorded crime in these months and categories."
    assert not at.dataframe


def test_database_without_recorded_crime(tmp_path, monkeypatch):
    db = tmp_path / "news-only.db"
    save_news(db)
    at = page(db, monkeypatch)
    assert caveats(at)[1] == "- No months to compare: import police.uk data, or widen the dates."
    assert at.info[1].value.startswith("No police.uk recorded crime has been imported yet")


def test_database_from_before_recorded_crime(tmp_path, monkeypatch):
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    store.migrate(conn, store.MIGRATIONS[:1])  # opened read-only, the dashboard does not upgrade it
    conn.close()
    at = page(db, monkeypatch)
    assert at.info[1].value.startswith("No police.uk recorded crime has been imported yet")


def test_reports_of_one_incident_count_once(tmp_path, monkeypatch):
    db = tmp_path / "incidents.db"
    import_street_files(SAMPLE, db_path=db, borough_at=load_gazetteer().borough_at)
    save_news(db)
    camden = {
        "event_id": "ev-camden",
        "type": "theft",
        "category": "burglary",
        "place_name": "Camden",
        "place_kind": "borough",
        "lat": 51.5,
        "lon": -0.1,
        "precision": "borough",
        "borough": "Camden",
        "borough_code": None,
        "date": "2019-01-20",
        "date_basis": "stated",
        "fatal": None,
        "weapon": None,
        "n_reports": 2,
        "first_seen": "2019-01-20",
        "last_seen": "2019-01-20",
    }
    link_event(db, ["news41:0", "news42:0"], camden)  # the two Camden burglaries
    at = page(db, monkeypatch)
    assert caveats(at)[2] == (
        "- The news side counts each incident once, however many reports tell it (44 incidents told by 45 reports "
        "in 45 articles), and only those found in the articles this project has ingested, not all that was "
        "reported. Not counted: 1 with no date; 1 with no borough."
    )
    assert [m.value for m in at.metric][1] == "41"
    assert rows(at, "Camden") == [["Camden", 8, 1, pytest.approx(125.0), "too few to say"]]
