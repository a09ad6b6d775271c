"""The dashboard page under streamlit.testing.v1.AppTest, pointed at a fixture database through INCIDENTS_DB."""

import json
import re
import sys
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from dashboard_fixtures import CASES, MORE_CASES, XSS_HEADLINE, build_incidents_db
from postgres_server import BACKENDS, new_store
from streamlit.elements.widgets.button import ButtonMixin
from streamlit.testing.v1 import AppTest

from dashboard import data, maps
from dashboard.display import SOURCE_SHOWN, csv_download, escape_markdown, geojson_download
from dashboard.filters import Filters, filter_incidents
from extract import store
from extract.geo.gazetteer import load_borough_geojson, load_gazetteer
from extract.pipeline import ingest_paths

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
ALL = {"city:0", "xss:0", "greenwich:0", "peckham:0", "kingston:0", "brixton:0"}  # the 7th has no place
PASTED = (
    "Man stabbed on Rye Lane\n\nA 19-year-old man was stabbed on Rye Lane in Peckham on Monday night, "
    "police said. He was taken to hospital."
)


RYE_LANE = (51.46912, -0.06920)
STACKED = CASES + MORE_CASES


@pytest.fixture(scope="module", params=BACKENDS)
def fixture_db(tmp_path_factory, request):
    """The fixture database: a SQLite file, and a database of the test PostgreSQL server."""
    db = new_store(request, tmp_path_factory.mktemp("db"), "app")
    build_incidents_db(db)
    return db


@pytest.fixture(scope="module")
def stacked_db(tmp_path_factory):
    return build_incidents_db(tmp_path_factory.mktemp("db") / "stacked.db", cases=STACKED)


@pytest.fixture
def app(fixture_db, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", str(fixture_db))
    monkeypatch.delenv("CRIMEMAP_BASEMAP", raising=False)
    monkeypatch.setattr(sys, "argv", ["app.py"])
    return AppTest.from_file(APP, default_timeout=60)


@pytest.fixture
def stacked(app, stacked_db, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", str(stacked_db))
    return app


def run(at, **params):
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def deck(at):
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def drawn_ids(at):
    return {r["id"] for layer in deck(at)["layers"] if layer["id"] in maps.POINT_LAYERS for r in layer["data"]}


def layers(at):
    return {layer["id"]: layer for layer in deck(at)["layers"]}


def count(at):
    return at.subheader[0].value


def markdown(at):
    return [m.value for m in at.markdown]


def captions(at):
    return [c.value for c in at.caption]


def headings(at):
    return [m for m in markdown(at) if m.startswith("#### ")]


def pick(at, incident, *, layer="incidents", round_=0):
    """Select `incident`'s marker as the browser would, in the map widget of round `round_`."""
    at.session_state[f"map-{round_}"] = {"selection": {"indices": {layer: [0]}, "objects": {layer: [{"id": incident}]}}}
    at.run()
    assert not at.exception, at.exception
    return at


def chart_values(at, i):
    (dataset,) = at.get("vega_lite_chart")[i].proto.datasets
    return pa.ipc.open_stream(dataset.data.data).read_pandas().to_dict("records")


def test_default_page_shows_every_incident(app):
    at = run(app)
    assert count(at) == "7 incidents"
    assert drawn_ids(at) == ALL
    assert [layer["id"] for layer in deck(at)["layers"]] == ["outlines", "approximate", "incidents", "fatal", "counts"]
    assert deck(at)["initialViewState"] == maps.LONDON_VIEW
    assert (deck(at)["mapProvider"], deck(at)["mapStyle"]) == (
        "carto",
        "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json",
    )
    assert dict(at.query_params) == {}
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download GeoJSON"]
    assert at.code[0].value == ""


@pytest.mark.parametrize("every_report", [False, True])
def test_downloads_hold_every_row_shown_with_its_texts(app, fixture_db, monkeypatch, every_report):
    made = {}
    original = ButtonMixin.download_button

    def recording(self, label, data, *args, **kwargs):  # the page hands the download's maker to this button
        made[label] = data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(ButtonMixin, "download_button", recording)
    run(app, borough=["Southwark", "Greenwich"], **({"count": "reports"} if every_report else {}))
    reports = data.public(fixture_db)
    reports = data.shown_rows(fixture_db, reports.index, public_view=True, events_view=False)
    events = data.events(fixture_db, public_view=True)
    frame = reports if every_report else data.shown_rows(fixture_db, events.index, public_view=True, events_view=True)
    shown = filter_incidents(frame, Filters(boroughs=("Southwark", "Greenwich")))
    made_of = None if every_report else reports
    assert made["Download CSV"]() == csv_download(shown, reports=made_of)
    assert made["Download GeoJSON"]() == geojson_download(shown, reports=made_of)
    assert "Rye Lane" in made["Download CSV"]()


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
    at = pick(run(app), "peckham:0")
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


def test_untrusted_text_is_shown_escaped(app):  # a word joiner keeps the URL from becoming a link
    at = run(app, incident="xss:0")
    assert markdown(at)[0] == "#### \\<img src\\=x onerror\\=alert\\(1\\)\\>"
    assert "- **Place:** Hackney \\<b\\>Central\\<\\/b\\> \\(area\\, Hackney\\)" in markdown(at)[1]
    assert markdown(at)[2] == (
        "> \\<script\\>alert\\(2\\)\\<\\/script\\> A :orange-background[shooting] in :blue-background[Hackney] "
        "\\[x\\]\\(javascript\\:alert\\(3\\)\\) \\!\\[i\\]\\(http\u2060\\:\\/\\/x\\.invalid\\/i\\.png\\)\\."
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
    assert [w.value for w in at.warning] == [f"Ignored in the link: {'; '.join(map(escape_markdown, notices))}"]
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
    at.text_area(key="pasted").input(PASTED)
    at.text_input(key="source_url").input("https://news.example/rye-lane").run()
    assert not at.exception, at.exception
    at.button(key="save").click().run()
    assert not at.exception, at.exception
    return at.success[0].value


def test_add_articles_previews_and_saves(app, tmp_path, monkeypatch):
    target = build_incidents_db(tmp_path / "target.db", cases=())
    monkeypatch.setenv("INCIDENTS_DB", str(target))
    monkeypatch.setenv("CRIMEMAP_LOCAL_EDITING", "1")  # Add articles is for editors (tests/test_review.py)
    at = run(app)
    at.switch_page("app_pages/add_articles.py").run()
    at.text_area(key="pasted").input(PASTED)
    at.checkbox(key="no_source").check().run()
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
    monkeypatch.setenv("CRIMEMAP_LOCAL_EDITING", "1")
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
    monkeypatch.setenv("CRIMEMAP_LOCAL_EDITING", "1")
    at = app.switch_page("app_pages/add_articles.py")  # before any run: the session opens on /add_articles
    run(at)
    assert [t.value for t in at.title] == ["Add articles"]
    assert paste_and_save(at) == "Saved 1 incident from 1 article. The map shows it now."
    conn = store.connect_readonly(target)
    assert store.count_incidents(conn) == 1
    conn.close()


def test_add_articles_page_alone_saves_to_the_configured_database(tmp_path, monkeypatch):
    target = build_incidents_db(tmp_path / "target.db", cases=())
    monkeypatch.setenv("CRIMEMAP_LOCAL_EDITING", "1")
    monkeypatch.setattr(sys, "argv", ["add_articles.py", "--db", str(target)])
    at = AppTest.from_file(str(Path(APP).parent / "app_pages" / "add_articles.py"), default_timeout=60)
    run(at)
    assert paste_and_save(at) == "Saved 1 incident from 1 article. The map shows it now."
    conn = store.connect_readonly(target)
    assert store.count_incidents(conn) == 1
    conn.close()


@pytest.mark.parametrize(
    "params, shown, ids, circle, link",
    [
        (
            {"near": "Rye Lane, SE15", "km": "1"},
            "1 incident within 1 km of Rye Lane\\, SE15",
            {"peckham:0"},
            [[-0.0679, 51.46972], 1000.0],
            {"near": "Rye Lane, SE15"},
        ),
        (
            {"near": "rye lane", "km": "3.5"},
            "2 incidents within 3.5 km of rye lane",
            {"peckham:0", "brixton:0"},
            [[-0.0679, 51.46972], 3500.0],
            {"near": "rye lane", "km": "3.5"},
        ),
        (
            {"near": "SE10 8SF", "km": "0.5"},
            "1 incident within 0.5 km of SE10 8SF",
            {"greenwich:0"},
            [[-0.01082, 51.47637], 500.0],
            {"near": "SE10 8SF", "km": "0.5"},
        ),
        (
            {"near": "Bank station", "km": "0.1"},
            "0 incidents within 0.1 km of Bank station",
            set(),
            [[-0.0873, 51.51292], 100.0],
            {"near": "Bank station", "km": "0.1"},
        ),
        (
            {"near": "Bank station", "km": "10"},
            "5 incidents within 10 km of Bank station",
            {"city:0", "xss:0", "greenwich:0", "peckham:0", "brixton:0"},
            [[-0.0873, 51.51292], 10000.0],
            {"near": "Bank station", "km": "10"},
        ),
    ],
)
def test_near_a_place_counts_filters_and_draws_the_circle(app, params, shown, ids, circle, link):
    at = run(app, **params)
    assert count(at) == shown
    assert drawn_ids(at) == ids
    near = layers(at)["near"]
    assert [near["data"][0]["p"], near["getRadius"]] == circle
    lon, lat = circle[0]
    assert deck(at)["initialViewState"] == maps.fit_view(*maps.circle_bounds(lat, lon, circle[1] / 1000))
    assert at.text_input(key="near").value == params["near"]
    assert at.query_params == link
    assert not at.warning


def test_the_place_search_loads_the_gazetteer_alone(app, monkeypatch):
    """A reader's place search loads no extractor (its matchers are the editors' pages'): the gazetteer alone, from
    the cache, places as one built from the data files."""
    data.extractor.clear()
    data.gazetteer.clear()
    monkeypatch.setattr(data, "load_extractor", lambda: pytest.fail("the extractor was loaded"))
    at = run(app, near="Rye Lane, SE15", km="1")
    assert count(at) == "1 incident within 1 km of Rye Lane\\, SE15"
    built = load_gazetteer()
    for place in ("Rye Lane, SE15", "SE10 8SF", "Bank station", "Brixton", "Atlantis Boulevard", "London"):
        assert data.gazetteer().locate(place) == built.locate(place), place
    data.gazetteer.clear()


def test_a_search_longer_than_the_box_holds_is_dropped_with_a_notice(app):
    at = run(app, q="stabbed " * 26)
    assert [w.value for w in at.warning] == [
        "Ignored in the link: q\\: longer than 200 characters \\'stabbed stabbed stabbed stabbed stabbed…\\'"
    ]
    assert count(at) == "7 incidents"
    assert at.text_input(key="q").value == "" and "q" not in at.query_params


@pytest.mark.parametrize(
    "params, warnings",
    [
        (
            {"near": "Atlantis Boulevard"},
            [
                "No place called “Atlantis Boulevard” was found in London. Try a street, a postcode, a station or "
                "an area. The map shows incidents anywhere."
            ],
        ),
        ({"near": "London"}, ["That is all of London. Try a street, a postcode, a station or an area."]),
        (
            {"near": "<b>x</b>"},
            [
                "No place called “\\<b\\>x\\<\\/b\\>” was found in London. Try a street, a postcode, a station "
                "or an area. The map shows incidents anywhere."
            ],
        ),
        ({"near": " "}, ["Ignored in the link: near\\: empty\\, or longer than 80 characters \\' \\'"]),
        ({"km": "0.05"}, ["Ignored in the link: km\\: not a distance from 0\\.1 to 10 km \\'0\\.05\\'"]),
        ({"km": "11", "near": "Rye Lane"}, ["Ignored in the link: km\\: not a distance from 0\\.1 to 10 km \\'11\\'"]),
        ({"km": "one"}, ["Ignored in the link: km\\: not a distance from 0\\.1 to 10 km \\'one\\'"]),
    ],
)
def test_near_a_place_that_cannot_be_used_gives_a_notice(app, params, warnings):
    at = run(app, **params)
    assert [w.value for w in at.warning] == warnings
    assert at.number_input(key="km").value == 1.0
    if params.get("near") == "Rye Lane":  # the radius was dropped, the place is kept
        assert count(at) == "1 incident within 1 km of Rye Lane"
    else:
        assert count(at) == "7 incidents"
        assert "near" not in layers(at)


def test_typing_a_place_and_a_radius_updates_the_map_and_the_link(app):
    at = run(app)
    at.text_input(key="near").input("Brixton Road").run()
    assert count(at) == "1 incident within 1 km of Brixton Road"
    assert at.query_params == {"near": "Brixton Road"}
    at.number_input(key="km").set_value(3.5).run()
    assert drawn_ids(at) == {"brixton:0", "peckham:0"}
    assert at.query_params == {"near": "Brixton Road", "km": "3.5"}
    at.text_input(key="near").input("").run()
    assert count(at) == "7 incidents"
    assert "near" not in layers(at)
    assert deck(at)["initialViewState"] == maps.LONDON_VIEW


@pytest.mark.parametrize(
    "params, shown, note, switch",
    [
        ({"from": "2024-04-02"}, "3 incidents", "1 incident without a date is not shown.", False),
        ({"from": "2024-04-02", "undated": "1"}, "4 incidents", "1 incident without a date is shown.", True),
        ({"to": "2024-03-31", "undated": "true"}, "3 incidents", "1 incident without a date is shown.", True),
        ({"from": "2024-04-02", "undated": "0"}, "3 incidents", "1 incident without a date is not shown.", False),
        ({"undated": "1"}, "7 incidents", None, None),
        ({"type": "shooting", "from": "2024-01-01"}, "2 incidents", None, None),
    ],
)
def test_undated_incidents_under_a_date_filter(app, params, shown, note, switch):
    at = run(app, **params)
    assert count(at) == shown
    assert [c for c in captions(at) if "without a date" in c and "chart" not in c] == ([note] if note else [])
    assert [t.value for t in at.toggle if t.key == "undated"] == ([switch] if note else [])


def test_the_undated_switch_is_in_the_link(app):
    at = run(app, **{"from": "2024-04-02"})
    at.toggle(key="undated").set_value(True).run()
    assert count(at) == "4 incidents"
    assert at.query_params == {"from": "2024-04-02", "undated": "1"}
    assert "nowhere:0" in list(at.dataframe[1].value.index) or "Robbery reported, place withheld" in list(
        at.dataframe[1].value["Headline"]
    )


def test_bad_undated_value_is_dropped_with_a_notice(app):
    at = run(app, undated="perhaps")
    assert [w.value for w in at.warning] == [
        "Ignored in the link: undated\\: not one of 1\\, 0\\, true\\, false \\'perhaps\\'"
    ]
    assert at.query_params == {}


def test_date_slider_follows_from_and_to_and_sets_them(app):
    at = run(app, to="2024-04-15")
    assert at.slider(key="dates").value == (date(2024, 2, 10), date(2024, 4, 15))
    at.slider(key="dates").set_range(date(2024, 3, 1), date(2024, 5, 1)).run()
    assert (at.date_input(key="from").value, at.date_input(key="to").value) == (date(2024, 3, 1), None)
    assert at.query_params == {"from": "2024-03-01"}
    assert count(at) == "5 incidents"


@pytest.mark.parametrize("stored, shown", [("2999-03-04", date(2100, 12, 31)), ("1066-10-14", date(1900, 1, 1))])
def test_a_date_beyond_the_pickers_bounds_keeps_the_page(app, tmp_path, monkeypatch, stored, shown):
    """A database holding a date no slider can show (written before ingest refused such publication dates, or by
    another writer) still opens: the slider stops at DATE_RANGE's end, and the incident is shown."""
    db = build_incidents_db(tmp_path / "far.db", cases=CASES[:2])
    conn = store.connect(db)
    with conn:
        conn.execute("UPDATE incidents SET date = ? WHERE article_id = ?", (stored, CASES[0].article_id))
    conn.close()
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    at = run(app)
    assert not at.exception, [e.message for e in at.exception]
    assert count(at) == "2 incidents"
    assert shown in at.slider(key="dates").value


SHAPES = load_borough_geojson()


@pytest.mark.parametrize(
    "params, view",
    [
        ({}, maps.LONDON_VIEW),
        ({"view": "density"}, maps.LONDON_VIEW),
        ({"borough": "Barnet"}, maps.fit_view(*maps.boroughs_bounds(SHAPES, ["Barnet"]))),
        (
            {"borough": ["Hackney", "Greenwich"], "view": "boroughs"},
            maps.fit_view(*maps.boroughs_bounds(SHAPES, ["Hackney", "Greenwich"])),
        ),
        ({"type": "robbery"}, {"latitude": 51.478, "longitude": -0.0133, "zoom": maps.MAX_FIT_ZOOM}),
        ({"type": "shooting"}, maps.fit_view(51.514, -0.093, 51.547, -0.0556)),
        ({"q": "no such words"}, maps.LONDON_VIEW),
        ({"incident": "brixton:0", "type": "robbery"}, {"latitude": 51.467, "longitude": -0.114, "zoom": 14}),
    ],
)
def test_the_map_opens_fitted_to_the_filter(app, params, view):
    assert deck(run(app, **params))["initialViewState"] == view


def test_stacked_incidents_are_one_marker_with_a_count(stacked):
    at = run(stacked)
    dots = layers(at)["incidents"]["data"]
    assert [r for r in dots if r["n"] > 1] == [
        {
            "id": "peckham:0",
            "p": [RYE_LANE[1], RYE_LANE[0]],
            "c": [213, 94, 0],
            "n": 2,
            "headline": "Man stabbed to death on Rye Lane",
            "type": "Stabbing, Robbery",
            "place": "Rye Lane",
            "date": "2024-03-20 to 2024-04-01",
            "more": "\n2 incidents here: click to list them",
        }
    ]
    assert layers(at)["counts"]["data"] == [{"p": [RYE_LANE[1], RYE_LANE[0]], "t": "2"}]
    assert drawn_ids(at) == ALL
    assert "1 incident placed only as London and 1 incident without a place are in the table, not on the map." in (
        captions(at)
    )


def test_a_stack_opens_all_its_incidents_beside_the_map(stacked):
    at = pick(run(stacked), "peckham:0")
    assert headings(at) == [
        "#### [Man stabbed to death on Rye Lane](https://news.example/peckham)",
        "#### [Teenager robbed on Rye Lane](https://news.example/ryelane2)",
    ]
    assert "2 incidents at this place" in captions(at)
    assert at.query_params == {"incident": "peckham:0"}
    assert layers(at)["selected"]["data"] == [{"p": [RYE_LANE[1], RYE_LANE[0]]}]


def test_a_link_to_one_incident_of_a_stack_lists_it_first(stacked):
    at = run(stacked, incident="ryelane2:0")
    assert headings(at) == [
        "#### [Teenager robbed on Rye Lane](https://news.example/ryelane2)",
        "#### [Man stabbed to death on Rye Lane](https://news.example/peckham)",
    ]


def test_closing_details_and_picking_the_same_marker_opens_them_at_once(app):
    at = pick(run(app), "peckham:0")
    next(b for b in at.button if b.label == "Close details").click().run()
    assert headings(at) == []
    assert at.query_params == {}
    at = pick(at, "peckham:0", round_=1)  # the map is a new widget: the first click selects
    assert headings(at) == ["#### [Man stabbed to death on Rye Lane](https://news.example/peckham)"]


def test_undoing_the_pick_on_the_map_closes_the_details(app):
    at = pick(run(app), "peckham:0")
    at.session_state["map-0"] = {"selection": {"indices": {}, "objects": {}}}
    at.run()
    assert headings(at) == []
    assert at.query_params == {}


def test_selecting_a_table_row_opens_it_beside_the_map_and_in_the_link(app):
    at = run(app, type="robbery")
    assert list(at.dataframe[1].value["Headline"]) == [
        "Phone snatched outside Greenwich station",
        "Robbery reported, place withheld",
    ]
    at.session_state["table-0"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert headings(at) == ["#### [Phone snatched outside Greenwich station](https://news.example/greenwich)"]
    assert at.query_params == {"type": "robbery", "incident": "greenwich:0"}
    assert deck(at)["initialViewState"] == {"latitude": 51.478, "longitude": -0.0133, "zoom": maps.INCIDENT_ZOOM}
    assert layers(at)["selected"]["data"] == [{"p": [-0.0133, 51.478]}]
    at.session_state["table-0"] = {"selection": {"rows": [1], "columns": []}}
    at.run()
    assert headings(at) == ["#### Robbery reported\\, place withheld"]
    assert "selected" not in layers(at)


def test_changing_a_filter_clears_a_table_selection(app):
    at = run(app)
    at.session_state["table-0"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert at.query_params == {"incident": "city:0"}
    at.multiselect(key="type").select("robbery").run()
    assert at.query_params == {"type": "robbery", "incident": "city:0"}  # still open
    assert headings(at) == ["#### [Shots fired on Cheapside](https://news.example/city)"]
    at.session_state["table-1"] = {"selection": {"rows": [0], "columns": []}}  # the new table: row 0 is another
    at.run()
    assert at.query_params == {"type": "robbery", "incident": "greenwich:0"}


def test_legend_lists_the_groups_present_with_their_counts(stacked):
    legend = run(stacked).dataframe[0].value
    assert legend[["Group", "Shown"]].values.tolist() == [
        ["Knife crime", 1],
        ["Gun crime", 2],
        ["Other violence", 1],
        ["Robbery", 2],
        ["Burglary", 1],
    ]


def test_boroughs_view_shades_per_100000_residents(app):
    at = run(app, view="boroughs", shade="residents")
    (layer,) = deck(at)["layers"]
    found = {
        f["properties"]["name"]: (f["properties"]["n"], f["properties"]["rate"]) for f in layer["data"]["features"]
    }
    assert (found["City of London"], found["Hackney"], found["Barnet"]) == ((1, "11.8"), (1, "0.4"), (0, "0.0"))
    assert at.dataframe[0].value[["Per 100,000 residents", "Boroughs"]].values.tolist() == [
        ["up to 0.3", 3],
        ["0.3–0.4", 1],
        ["0.4–0.6", 1],
        ["0.6–12", 1],
    ]
    assert "1 incident without a borough is not counted here." in captions(at)
    assert at.query_params == {"view": "boroughs", "shade": "residents"}


def test_density_legend_counts_hexagons(app):
    at = run(app, view="density")
    assert at.dataframe[0].value[["Incidents", "Hexagons"]].values.tolist() == [["1", 6]]
    assert not at.radio(key="view").value == "boroughs" and not [r for r in at.radio if r.key == "shade"]


def test_boroughs_view_shades_incidents_by_default(app):
    at = run(app, view="boroughs")
    assert at.radio(key="shade").value == "incidents"
    assert at.dataframe[0].value[["Incidents", "Boroughs"]].values.tolist() == [["1", 6]]


@pytest.mark.parametrize(
    "setting, provider, style, warning",
    [
        ("none", None, "__MAP_STYLE__", None),
        ("https://tiles.example/styles/london.json", None, "https://tiles.example/styles/london.json", None),
        (
            "file:///etc/passwd",
            None,
            "__MAP_STYLE__",
            "basemap \\'file\\:\\/\\/\\/etc\\/passwd\\' is not one of carto\\-light\\, none or an http\\(s\\) style "
            "URL: the map is drawn without tiles.",
        ),
    ],
)
def test_basemap_setting(app, monkeypatch, setting, provider, style, warning):
    monkeypatch.setenv("CRIMEMAP_BASEMAP", setting)
    at = run(app)
    assert (deck(at).get("mapProvider"), deck(at).get("mapStyle")) == (provider, style)
    assert [w.value for w in at.warning] == ([warning] if warning else [])
    assert [layer["id"] for layer in deck(at)["layers"]][0] == "outlines"


def test_basemap_argument_wins_over_the_environment(app, monkeypatch):
    monkeypatch.setenv("CRIMEMAP_BASEMAP", "https://tiles.example/style.json")
    monkeypatch.setattr(sys, "argv", ["app.py", "--basemap", "none"])
    assert deck(run(app)).get("mapStyle") == "__MAP_STYLE__"


def test_charts_rank_by_count_and_count_months_on_a_continuous_axis(stacked):
    at = run(stacked)
    assert [(r["value"], r["incidents"]) for r in chart_values(at, 0)] == [
        ("Robbery", 4),
        ("Shooting", 2),
        ("Burglary", 1),
        ("Homicide", 1),
        ("Stabbing", 1),
    ]
    assert [(r["month"], r["incidents"]) for r in chart_values(at, 2)] == [
        ("2023-11-01", 1),
        ("2023-12-01", 0),
        ("2024-01-01", 0),
        ("2024-02-01", 1),
        ("2024-03-01", 2),
        ("2024-04-01", 3),
        ("2024-05-01", 1),
    ]


def test_table_shows_a_dash_for_what_is_not_known(app):
    row = run(app, type="robbery").dataframe[1].value.loc["nowhere:0"]
    facts = ["—", "Robbery reported, place withheld", "Robbery", "robbery"] + ["—"] * 5
    assert row.drop("Source").tolist() == facts + [1]  # one report tells it
    assert row.isna()["Source"]


def test_the_browsers_back_shows_the_view_before(app):
    """Back puts the previous address under the page: its filters are read, not overwritten by the widgets'."""
    at = run(app, borough="Southwark")
    at.checkbox(key="fatal").check().run()
    at.radio(key="view").set_value("density").run()
    assert at.query_params == {"borough": "Southwark", "fatal": "1", "view": "density"}
    at.query_params.clear()
    run(at, borough="Southwark", fatal="1")  # Back
    assert (at.radio(key="view").value, at.checkbox(key="fatal").value) == ("points", True)
    assert at.query_params == {"borough": "Southwark", "fatal": "1"}
    at.query_params.clear()
    run(at, borough="Southwark")  # Back again
    assert (at.checkbox(key="fatal").value, at.multiselect(key="borough").value) == (False, ["Southwark"])
    assert at.query_params == {"borough": "Southwark"}
    assert not at.warning  # nothing in the link was dropped


@pytest.mark.parametrize("other", ["app_pages/sources.py", "app_pages/recorded.py"])
def test_coming_back_from_another_page_keeps_the_maps_view(app, other):
    at = run(app, borough="Southwark", view="density", incident="peckham:0")
    shown = at.subheader[0].value
    at.switch_page(other).run()
    at.query_params.clear()  # a page link to the map carries no parameters
    at.switch_page("app_pages/map.py").run()
    assert not at.exception, at.exception
    assert (at.multiselect(key="borough").value, at.radio(key="view").value) == (["Southwark"], "density")
    assert at.subheader[0].value == shown
    assert at.query_params == {"borough": "Southwark", "view": "density", "incident": "peckham:0"}


def test_a_link_with_to_before_from_drops_to(app):
    at = run(app, **{"from": "2024-05-01", "to": "2024-03-01"})
    assert [w.value for w in at.warning] == [r"Ignored in the link: to\: before from"]
    assert at.query_params == {"from": "2024-05-01"}


def test_dates_picked_the_wrong_way_round_are_said_so(app):
    at = run(app)
    at.date_input(key="to").set_value(date(2024, 4, 1)).run()
    at.date_input(key="from").set_value(date(2024, 4, 15)).run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == ["From is after To: no date is between them."]
    assert at.subheader[0].value.startswith("0 incidents")
    assert not at.slider  # the stored dates' slider would show other dates


def test_a_link_to_an_incident_in_the_density_view_opens_on_what_it_draws(app):
    density = run(app, incident="peckham:0", view="density")
    points = run(AppTest.from_file(APP, default_timeout=60), incident="peckham:0")
    opened = {"latitude": 51.46912, "longitude": -0.0692, "zoom": maps.INCIDENT_ZOOM}
    assert deck(points)["initialViewState"] == opened
    assert deck(density)["initialViewState"] == maps.LONDON_VIEW  # every incident, as a session's switch to it shows
    assert headings(density) == headings(points)  # the details are open all the same


def test_the_table_shows_each_source_by_its_host(app):
    """A link's slug often names the people of the story: the table shows the outlet's host and links the article."""
    at = run(app)
    table = at.dataframe[-1]
    config = json.loads(table.proto.columns)["Source"]["type_config"]
    assert config == {"type": "link", "display_text": SOURCE_SHOWN}
    pattern = re.compile(SOURCE_SHOWN)  # a JS regular expression, which Python reads alike here
    hosts = {pattern.match(url)[1] for url in table.value["Source"] if isinstance(url, str)}
    assert hosts == {"news.example"}
    assert pattern.match("https://www.news.example:8443/kofi-mensah-stabbed")[1] == "news.example"
