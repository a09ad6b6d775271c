"""The Map page counting events (the default) or every report (`count=reports`), under AppTest, over a database
the real pipeline built from tests/events_fixtures.py: three reports of one stabbing and one of a shooting."""

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from events_fixtures import build_events_db
from postgres_server import BACKENDS, new_store
from streamlit.testing.v1 import AppTest
from test_app import captions, chart_values, count, drawn_ids, headings, layers, markdown, pick, run

from dashboard import data
from dashboard.events_view import event_frame
from extract import store

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
RYE_A = "#### [Boy\\, 15\\, stabbed on Rye Lane](https://news.example/rye-a)"
RYE_B = "#### [Rye Lane knife attack\\: two men arrested](https://www.local.example/rye-b)"
RYE_A_EVIDENCE = (
    "> A 15\\-year\\-old boy :orange-background[was stabbed] on :blue-background[Rye Lane] in Peckham on Sunday "
    "afternoon\\, police said\\."
)


@pytest.fixture(scope="module", params=BACKENDS)
def events_db(tmp_path_factory, small_extractor, request):
    """The events fixture database: a SQLite file, and a database of the test PostgreSQL server."""
    folder = tmp_path_factory.mktemp("events")
    return build_events_db(folder, small_extractor, db=new_store(request, folder, "events"))


@pytest.fixture(scope="module")
def ids(events_db):
    """{article id: incident id} of the fixture database."""
    conn = store.connect(events_db)
    try:
        return {a: i for i, a in conn.execute("SELECT incident_id, article_id FROM incidents")}
    finally:
        conn.close()


@pytest.fixture
def app(events_db, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", str(events_db))
    monkeypatch.delenv("CRIMEMAP_BASEMAP", raising=False)
    monkeypatch.setattr(sys, "argv", ["app.py"])
    return AppTest.from_file(APP, default_timeout=60)


def legend(at):
    return at.dataframe[0].value[["Group", "Shown"]].values.tolist()


def test_the_map_counts_events_by_default(app, ids):
    at = run(app)
    assert count(at) == "2 incidents"
    assert drawn_ids(at) == {ids["rye-a"], ids["mare"]}
    assert legend(at) == [["Knife crime", 1], ["Gun crime", 1]]
    assert chart_values(at, 0) == [{"value": "Shooting", "incidents": 1}, {"value": "Stabbing", "incidents": 1}]
    table = at.dataframe[1].value
    assert table[["Headline", "Reports"]].values.tolist() == [
        ["Boy, 15, stabbed on Rye Lane", 3],
        ["Man shot on Mare Street", 1],
    ]
    assert [h.value for h in at.header] == ["Summaries", "Incidents", "Filters"]
    assert at.toggle(key="count").value is False
    assert at.query_params == {}


def test_every_report_counts_each_report(app, ids):
    at = run(app, count="reports")
    assert count(at) == "4 reports"
    assert legend(at) == [["Knife crime", 3], ["Gun crime", 1]]
    assert chart_values(at, 0) == [{"value": "Stabbing", "incidents": 3}, {"value": "Shooting", "incidents": 1}]
    assert len(at.dataframe[1].value) == 4 and "Reports" not in at.dataframe[1].value
    assert [h.value for h in at.header] == ["Summaries", "Reports", "Filters"]
    assert at.toggle(key="count").value is True
    assert at.query_params == {"count": "reports"}
    assert "count=reports" in at.code[0].value


def test_every_report_counts_reports_on_the_map(app):
    at = run(app, count="reports")
    dots = layers(at)["incidents"]["data"]
    assert [(r["n"], r["more"]) for r in dots] == [(3, "\n3 reports here: click to list them"), (1, "")]
    at.radio(key="view").set_value("density").run()
    assert json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip) == {"text": "{n} reports in this hexagon"}
    assert "Reports per hexagon of about 0.7 km²; the classes hold about as many hexagons each." in captions(at)


def test_the_toggle_switches_counts_and_the_link(app):
    at = run(app)
    at.toggle(key="count").set_value(True).run()
    assert (count(at), at.query_params) == ("4 reports", {"count": "reports"})
    at.toggle(key="count").set_value(False).run()
    assert (count(at), at.query_params) == ("2 incidents", {})


def test_an_event_lists_every_report(app, ids):
    at = pick(run(app), ids["rye-a"])
    assert markdown(at) == [
        RYE_A,
        "- **Date:** 2024\\-05\\-05\n- **Type:** Stabbing \\(violence and sexual offences\\)\n"
        "- **Place:** Rye Lane \\(street\\, Southwark\\)\n- **Fatal:** no\n- **Weapon:** knife\n"
        "- **Victim ages:** 15\n- **Arrests:** unknown",
        RYE_A_EVIDENCE,
        "**news\\.example** · published 2024\\-05\\-06 · [Boy\\, 15\\, stabbed on Rye Lane](https://news.example/rye-a)",
        "> A boy aged 15 :orange-background[was stabbed] on :blue-background[Rye Lane]\\, Peckham\\, on Sunday\\.",
        "**local\\.example** · published 2024\\-05\\-07 · "
        "[Rye Lane knife attack\\: two men arrested](https://www.local.example/rye-b)",
        RYE_A_EVIDENCE,  # the copied appeal tells it in the same words
        # a javascript: link is no link, and the headline's markdown is shown as text
        "Source unknown · published 2024\\-05\\-08 · \\*Appeal\\* \\[after stabbing\\]\\(javascript\\:alert\\(1\\)\\)",
    ]
    assert "Told by 3 reports:" in captions(at)
    assert at.query_params == {"incident": ids["rye-a"]}


def test_an_event_of_one_report_names_its_outlet_under_the_linked_heading(app, ids):
    at = pick(run(app), ids["mare"])
    assert markdown(at)[0] == "#### [Man shot on Mare Street](https://news.example/mare)"
    assert markdown(at)[2:] == [
        "> A man :orange-background[was shot] on :blue-background[Mare Street] in Hackney on Wednesday night\\.",
        "**news\\.example** · published 2024\\-05\\-02",
    ]
    assert not [c for c in captions(at) if c.startswith("Told by")]


@pytest.mark.parametrize(
    "count_param, opened, shown, heading",
    [
        (None, "rye-b", "rye-a", RYE_A),  # a report opens its event
        (None, "rye-a", "rye-a", RYE_A),
        ("reports", "rye-b", "rye-b", RYE_B),
        ("reports", "rye-a", "rye-a", RYE_A),
    ],
)
def test_an_incident_link_opens_in_both_modes(app, ids, count_param, opened, shown, heading):
    mode = {"count": count_param} if count_param else {}
    at = run(app, incident=ids[opened], **mode)
    assert headings(at)[0] == heading
    # Every report is its own marker, and Rye Lane's three are one stack: the link's report first.
    assert len(headings(at)) == (3 if count_param else 1)
    assert at.query_params == {"incident": ids[shown]} | mode


def test_switching_to_events_keeps_the_open_report_s_event(app, ids):
    at = run(app, incident=ids["rye-c"], count="reports")
    at.toggle(key="count").set_value(False).run()
    assert headings(at) == [RYE_A]
    assert at.query_params == {"incident": ids["rye-a"]}


@pytest.mark.parametrize(
    "params, shown, drawn",
    [
        pytest.param({"q": "arrested"}, "1 incident", {"rye-a"}, id="a_later_report_s_headline_finds_its_event"),
        pytest.param({"q": "arrested", "count": "reports"}, "1 report", {"rye-b"}, id="and_that_report_alone"),
        pytest.param({"q": "Mare Street"}, "1 incident", {"mare"}, id="an_event_of_one_report"),
    ],
)
def test_text_search_finds_an_event_by_any_of_its_reports(app, ids, params, shown, drawn):
    at = run(app, **params)
    assert (count(at), drawn_ids(at)) == (shown, {ids[a] for a in drawn})


@pytest.mark.parametrize("public_view", [True, False])
def test_events_rows_are_the_events_of_the_reports_with_their_texts(events_db, public_view):
    reports = (data.public if public_view else data.incidents)(events_db)
    expected = event_frame(reports, families=data.crime_families(), stored=data.stored_events(events_db))
    events = data.events(events_db, public_view=public_view)
    assert not set(store.MAP_TEXTS) & set(events.columns)
    assert sorted(events["reports"]) == [1, 3]
    pd.testing.assert_frame_equal(data.rows_of(events.index, events, reports), expected)
    shown = data.without_texts(events_db, public_view=public_view, events_view=True).iloc[::-1]
    pd.testing.assert_frame_equal(data.rows_of(shown.index, events, reports), expected.iloc[::-1])
    assert data.rows_of([], events, reports).columns.equals(expected.columns)
