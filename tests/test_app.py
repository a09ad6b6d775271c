"""The dashboard page under streamlit.testing.v1.AppTest, pointed at a fixture database through INCIDENTS_DB."""

import json
import sys
from datetime import date
from pathlib import Path

import pytest
from dashboard_fixtures import XSS_HEADLINE, build_incidents_db
from streamlit.testing.v1 import AppTest

from dashboard import maps
from dashboard.display import escape_markdown
from extract import store
from extract.pipeline import ingest_paths

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
ALL = {"city:0", "xss:0", "greenwich:0", "peckham:0", "kingston:0", "brixton:0"}  # the 7th has no place
PASTED = (
    "Man stabbed on Rye Lane\n\nA 19-year-old man was stabbed on Rye Lane in Peckham on Monday night, "
    "police said. He was taken to hospital."
)


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    return build_incidents_db(tmp_path_factory.mktemp("db") / "incidents.db")


@pytest.fixture
def app(fixture_db, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", str(fixture_db))
    monkeypatch.setattr(sys, "argv", ["app.py"])
    return AppTest.from_file(APP, default_timeout=60)


def run(at, **params):
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def deck(at):
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def drawn_ids(at):
    return {r["id"] for layer in deck(at)["layers"] if layer["id"] in maps.POINT_LAYERS for r in layer["data"]}


def count(at):
    return at.subheader[0].value


def markdown(at):
    return [m.value for m in at.markdown]


def test_default_page_shows_every_incident(app):
    at = run(app)
    assert count(at) == "7 incidents"
    assert drawn_ids(at) == ALL
    assert [layer["id"] for layer in deck(at)["layers"]] == ["outlines", "approximate", "incidents", "fatal"]
    assert dict(at.query_params) == {}
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download GeoJSON"]
    assert at.code[0].value == ""


@pytest.mark.parametrize(
    "params, widgets, shown, ids, link",
    [
        (
            {"borough": ["Greenwich", "Hackney"]},
            {"borough": ["Greenwich", "Hackney"]},
            "2 incidents",
            {"greenwich:0", "xss:0"},
            {"borough": ["Greenwich", "Hackney"]},
        ),
        (
            {"borough": ["kingston upon thames", "City of London"]},
            {"borough": ["Kingston upon Thames", "City of London"]},
            "2 incidents",
            {"kingston:0", "city:0"},
            {"borough": ["Kingston upon Thames", "City of London"]},
        ),
        (
            {"type": "shooting", "fatal": "0"},
            {"type": ["shooting"], "fatal": False},
            "2 incidents",
            {"xss:0", "city:0"},
            {"type": "shooting"},
        ),
        (
            {"from": "2024-04-01", "to": "2024-04-30", "weapon": "none"},
            {"from": date(2024, 4, 1), "to": date(2024, 4, 30), "weapon": "none"},
            "1 incident",
            {"greenwich:0"},
            {"from": "2024-04-01", "to": "2024-04-30", "weapon": "none"},
        ),
        (
            {"category": "robbery", "precision": "station"},
            {"category": ["robbery"], "precision": "station"},
            "1 incident",
            {"greenwich:0"},
            {"category": "robbery", "precision": "station"},
        ),
        ({"category": "robbery"}, {"category": ["robbery"]}, "2 incidents", {"greenwich:0"}, {"category": "robbery"}),
        ({"fatal": "true"}, {"fatal": True}, "2 incidents", {"peckham:0", "brixton:0"}, {"fatal": "1"}),
        ({"q": "Cheapside"}, {"q": "Cheapside"}, "1 incident", {"city:0"}, {"q": "Cheapside"}),
    ],
)
def test_link_sets_widgets_and_count(app, params, widgets, shown, ids, link):
    at = run(app, **params)
    for key, value in widgets.items():
        assert at.session_state[key] == value
    assert count(at) == shown
    assert drawn_ids(at) == ids
    assert at.query_params == link


def test_link_sets_the_view(app):
    at = run(app, view="density")
    assert at.radio(key="view").value == "density"
    assert [layer["@@type"] for layer in deck(at)["layers"]] == ["GeoJsonLayer", "H3HexagonLayer"]


def test_boroughs_view_is_a_choropleth_of_the_33_boroughs(app):
    at = run(app, view="boroughs")
    (layer,) = deck(at)["layers"]
    counts = {f["properties"]["name"]: f["properties"]["n"] for f in layer["data"]["features"]}
    assert len(counts) == 33
    assert {name: n for name, n in counts.items() if n} == {
        "City of London": 1,
        "Hackney": 1,
        "Greenwich": 1,
        "Southwark": 1,
        "Kingston upon Thames": 1,
        "Lambeth": 1,
    }


def test_changing_a_filter_changes_the_map_and_the_link(app):
    at = run(app)
    at.multiselect(key="type").select("robbery").run()
    assert count(at) == "2 incidents"
    assert drawn_ids(at) == {"greenwich:0"}
    assert at.query_params == {"type": "robbery"}
    at.multiselect(key="borough").select("Greenwich").run()
    at.checkbox(key="fatal").check().run()
    assert count(at) == "0 incidents"
    assert drawn_ids(at) == set()
    assert at.query_params == {"type": "robbery", "borough": "Greenwich", "fatal": "1"}
    at.radio(key="view").set_value("boroughs").run()
    assert at.query_params["view"] == "boroughs"
    assert "view=boroughs" in at.code[0].value and "fatal=1" in at.code[0].value


def test_selection_opens_details(app):
    at = run(app)
    at.session_state["map"] = {
        "selection": {"indices": {"incidents": [1]}, "objects": {"incidents": [{"id": "peckham:0"}]}}
    }
    at.run()
    assert not at.exception
    assert markdown(at)[:3] == [
        "#### [Man stabbed to death on Rye Lane](https://news.example/peckham)",
        "- **Date:** 2024\\-04\\-01\n- **Type:** Stabbing \\(violence and sexual offences\\)\n"
        "- **Place:** Rye Lane \\(street\\, Southwark\\)\n- **Fatal:** yes\n- **Weapon:** knife\n"
        "- **Victim ages:** 19\n- **Arrests:** 2",
        "> A man was :orange-background[stabbed] on :blue-background[Rye Lane] in Peckham on Monday night\\.",
    ]
    assert at.query_params == {"incident": "peckham:0"}
    at.button[0].click().run()
    assert markdown(at)[:1] != ["#### [Man stabbed to death on Rye Lane](https://news.example/peckham)"]
    assert at.query_params == {}


def test_incident_link_opens_details_and_centres_the_map(app):
    at = run(app, incident="peckham:0", type="robbery")
    assert markdown(at)[0] == "#### [Man stabbed to death on Rye Lane](https://news.example/peckham)"
    assert deck(at)["initialViewState"] == {"latitude": 51.46912, "longitude": -0.0692, "zoom": maps.INCIDENT_ZOOM}
    assert at.query_params == {"incident": "peckham:0", "type": "robbery"}


def test_untrusted_text_is_shown_escaped(app):
    at = run(app, incident="xss:0")
    assert markdown(at)[0] == "#### \\<img src\\=x onerror\\=alert\\(1\\)\\>"
    assert "- **Place:** Hackney \\<b\\>Central\\<\\/b\\> \\(area\\, Hackney\\)" in markdown(at)[1]
    assert markdown(at)[2] == (
        "> \\<script\\>alert\\(2\\)\\<\\/script\\> A :orange-background[shooting] in :blue-background[Hackney] "
        "\\[x\\]\\(javascript\\:alert\\(3\\)\\) \\!\\[i\\]\\(http\\:\\/\\/x\\.invalid\\/i\\.png\\)\\."
    )
    table = at.dataframe[1].value
    assert XSS_HEADLINE in list(table["Headline"])
    assert table.loc[table["Headline"] == XSS_HEADLINE, "Source"].isna().all()


def test_evidence_offsets_outside_the_sentence_are_not_highlighted(app):
    at = run(app, incident="brixton:0")
    assert markdown(at)[2] == "> The victim\\, 34\\, died in hospital after a homicide\\."


@pytest.mark.parametrize(
    "params, notices",
    [
        ({"borough": "Atlantis"}, ["borough: unknown value 'Atlantis'"]),
        (
            {"from": "2024-13-01", "to": "soon"},
            ["from: not a date (YYYY-MM-DD) '2024-13-01'", "to: not a date (YYYY-MM-DD) 'soon'"],
        ),
        ({"incident": "nope:9"}, ["incident: no incident has that id"]),
        ({"incident": "<img src=x>"}, ["incident: malformed id '<img src=x>'"]),
        (
            {"view": "3d", "fatal": "perhaps", "weapon": "sword", "precision": "exact"},
            [
                "fatal: not one of 1, 0, true, false 'perhaps'",
                "weapon: unknown weapon 'sword'",
                "precision: unknown precision 'exact'",
                "view: unknown view '3d'",
            ],
        ),
        ({"type": "](javascript:alert(1))"}, ["type: unknown value '](javascript:alert(1))'"]),
        ({"bogus": "1"}, ["unknown parameter 'bogus'"]),
    ],
)
def test_bad_parameters_are_dropped_with_a_notice(app, params, notices):
    at = run(app, **params)
    assert [w.value for w in at.warning] == [f"Ignored in the link: {escape_markdown(n)}" for n in notices]
    assert count(at) == "7 incidents"
    assert at.query_params == {}


def test_too_many_points_are_drawn_as_density(app, monkeypatch):
    monkeypatch.setattr(maps, "POINT_LIMIT", 3)
    at = run(app)
    assert at.info[0].value.startswith("6 points are too many to draw one by one")
    assert [layer["@@type"] for layer in deck(at)["layers"]] == ["GeoJsonLayer", "H3HexagonLayer"]
    assert at.radio(key="view").value == "points"


def test_empty_database(app, tmp_path, monkeypatch):
    empty = tmp_path / "empty.db"
    store.connect(empty).close()
    monkeypatch.setenv("INCIDENTS_DB", str(empty))
    at = run(app)
    assert count(at) == "0 incidents"
    assert at.info[0].value == "No incidents match these filters."


def test_db_argument_wins_over_the_environment(app, tmp_path, monkeypatch):
    other = build_incidents_db(tmp_path / "other.db", cases=())
    monkeypatch.setattr(sys, "argv", ["app.py", "--db", str(other)])
    assert count(run(app)) == "0 incidents"


def test_missing_database_is_built_from_the_seeds(app, tmp_path, monkeypatch):
    fresh = tmp_path / "fresh" / "incidents.db"
    monkeypatch.setenv("INCIDENTS_DB", str(fresh))
    at = run(app)
    assert not [p.name for p in fresh.parent.iterdir() if ".building" in p.name]
    seeds = sorted(p for p in (Path(APP).parent.parent / "seeds").iterdir() if p.is_file())
    reference = tmp_path / "cli.db"
    ingest_paths(seeds, db_path=reference)
    built, cli = store.connect_readonly(fresh), store.connect_readonly(reference)
    n = store.count_incidents(built)
    assert list(store.iter_incident_rows(built)) == list(store.iter_incident_rows(cli))
    assert (
        built.execute("SELECT count(*) FROM articles").fetchone()
        == cli.execute("SELECT count(*) FROM articles").fetchone()
    )
    built.close(), cli.close()
    assert count(at) == f"{n:,} incident" + ("" if n == 1 else "s")


def paste_and_save(at):
    at.text_area(key="pasted").input(PASTED).run()
    assert not at.exception, at.exception
    at.button(key="save").click().run()
    assert not at.exception, at.exception
    return at.success[0].value


def test_add_articles_previews_and_saves(app, tmp_path, monkeypatch):
    target = build_incidents_db(tmp_path / "target.db", cases=())
    monkeypatch.setenv("INCIDENTS_DB", str(target))
    at = run(app)
    at.switch_page("app_pages/add_articles.py").run()
    at.text_area(key="pasted").input(PASTED).run()
    assert not at.exception
    assert at.subheader[0].value == "1 incident in 1 article"
    preview = at.dataframe[0].value
    assert preview[["Headline", "Type", "Place", "Borough", "Date"]].values.tolist() == [
        ["Man stabbed on Rye Lane", "stabbing", "Rye Lane", "Southwark", None]
    ]
    conn = store.connect_readonly(target)
    assert store.count_incidents(conn) == 0
    at.button(key="save").click().run()
    assert at.success[0].value == "Saved 1 incident from 1 article. The map shows it now."
    assert store.count_incidents(conn) == 1
    conn.close()


def test_add_articles_reads_uploads_and_reports_bad_lines(app, tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", str(build_incidents_db(tmp_path / "target.db", cases=())))
    at = run(app)
    at.switch_page("app_pages/add_articles.py").run()
    good = json.dumps(
        {"id": "up1", "headline": "Man stabbed on Rye Lane", "text": PASTED.split("\n\n")[1], "published": "2024-04-02"}
    )
    at.file_uploader(key="uploads").upload("news.jsonl", f"{good}\n{{not json\n".encode(), "application/json").run()
    assert not at.exception
    assert [t.value for t in at.text] == [
        "⚠️ news.jsonl:2: not valid JSON (Expecting property name enclosed in double quotes, column 2)"
    ]
    assert at.subheader[0].value == "1 incident in 1 article"
    assert at.dataframe[0].value[["Headline", "Date"]].values.tolist() == [["Man stabbed on Rye Lane", "2024-04-01"]]


def test_add_articles_works_as_the_first_page_of_a_session(app, tmp_path, monkeypatch):
    target = build_incidents_db(tmp_path / "target.db", cases=())
    monkeypatch.setenv("INCIDENTS_DB", str(target))
    at = app.switch_page("app_pages/add_articles.py")  # before any run: the session opens on /add_articles
    run(at)
    assert [t.value for t in at.title] == ["Add articles"]
    assert paste_and_save(at) == "Saved 1 incident from 1 article. The map shows it now."
    conn = store.connect_readonly(target)
    assert store.count_incidents(conn) == 1
    conn.close()


def test_add_articles_page_alone_saves_to_the_configured_database(tmp_path, monkeypatch):
    target = build_incidents_db(tmp_path / "target.db", cases=())
    monkeypatch.setattr(sys, "argv", ["add_articles.py", "--db", str(target)])
    at = AppTest.from_file(str(Path(APP).parent / "app_pages" / "add_articles.py"), default_timeout=60)
    run(at)
    assert paste_and_save(at) == "Saved 1 incident from 1 article. The map shows it now."
    conn = store.connect_readonly(target)
    assert store.count_incidents(conn) == 1
    conn.close()
