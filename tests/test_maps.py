import json

import pandas as pd
import pytest
from dashboard_fixtures import XSS_HEADLINE

from dashboard import maps
from dashboard.filters import VIEWS, Filters, filter_incidents

POLICE_UK_CATEGORIES = (
    "violence and sexual offences",
    "robbery",
    "burglary",
    "drugs",
    "possession of weapons",
    "criminal damage and arson",
    "theft from the person",
    "vehicle crime",
    "bicycle theft",
    "other theft",
    "public order",
    "anti-social behaviour",
    "other crime",
    "shoplifting",
)
LABELS = {"stabbing": "Stabbing", "robbery": "Robbery", "shooting": "Shooting", "burglary": "Burglary"}
SQUARES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": name, "code": code},
            "geometry": {"type": "Polygon", "coordinates": [[[x, 51.4], [x + 0.1, 51.4], [x + 0.1, 51.5], [x, 51.4]]]},
        }
        for name, code, x in (
            ("Greenwich", "E09000011", 0.0),
            ("Hackney", "E09000012", -0.1),
            ("Barnet", "E09000003", -0.2),
        )
    ],
}


def deck_json(frame, view, **options):
    deck = maps.incidents_deck(frame, view=view, categories=maps.load_categories(), type_labels=LABELS, **options)
    return deck.to_json()


def test_categories_are_the_police_uk_categories():
    categories = maps.load_categories()
    assert tuple(c.name for c in categories) == POLICE_UK_CATEGORIES
    assert categories[0] == maps.Category("violence and sexual offences", "Violence and sexual offences", (214, 39, 40))
    assert len({c.color for c in categories}) == 14


@pytest.mark.parametrize(
    "view, n_points, shown",
    [
        ("points", 0, "points"),
        ("points", maps.POINT_LIMIT, "points"),
        ("points", maps.POINT_LIMIT + 1, "density"),
        ("density", 10, "density"),
        ("boroughs", maps.POINT_LIMIT + 1, "boroughs"),
    ],
)
def test_shown_view(view, n_points, shown):
    assert maps.shown_view(view, n_points) == shown


def test_points_view_layers(frame):
    spec = json.loads(deck_json(frame, "points", boroughs=SQUARES))
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert [layer["id"] for layer in spec["layers"]] == ["outlines", "approximate", "incidents", "fatal"]
    assert [r["id"] for r in layers["incidents"]["data"]] == ["city:0", "peckham:0", "brixton:0"]
    assert [(r["id"], r["r"]) for r in layers["approximate"]["data"]] == [
        ("xss:0", 500),
        ("greenwich:0", 150),
        ("kingston:0", 1500),
    ]
    assert layers["fatal"]["data"] == [{"p": [-0.0692, 51.46912]}, {"p": [-0.114, 51.467]}]
    assert layers["fatal"]["pickable"] is False and layers["incidents"]["pickable"] is True
    assert layers["incidents"]["data"][1] == {
        "id": "peckham:0",
        "p": [-0.0692, 51.46912],
        "c": [214, 39, 40],
        "headline": "Man stabbed to death on Rye Lane",
        "type": "Stabbing",
        "place": "Rye Lane",
        "date": "2024-04-01",
    }
    assert spec["initialViewState"] == {**maps.LONDON_VIEW}


def test_point_records_keep_untrusted_text_as_data(frame):
    record = maps.point_records(frame.loc[["xss:0"]], colors={}, type_labels={})[0]
    assert record == {
        "id": "xss:0",
        "p": [-0.0556, 51.547],
        "c": list(maps.UNKNOWN_COLOR),
        "headline": XSS_HEADLINE,
        "type": "shooting",
        "place": "Hackney <b>Central</b>",
        "date": "2024-04-20",
    }


@pytest.mark.parametrize(
    "headline, evidence, shown",
    [
        ("Short", "A man was stabbed.", "Short"),
        ("", "", maps.NO_HEADLINE),
        ("", "A man was stabbed.", "“A man was stabbed.”"),
        ("", "y" * 100, "“" + "y" * (maps.HEADLINE_CHARS - 3) + "…”"),
        ("x" * maps.HEADLINE_CHARS, "", "x" * maps.HEADLINE_CHARS),
        ("x" * (maps.HEADLINE_CHARS + 1), "", "x" * (maps.HEADLINE_CHARS - 1) + "…"),
    ],
)
def test_point_records_shorten_headlines(frame, headline, evidence, shown):
    row = frame.loc[["peckham:0"]].assign(headline=headline, evidence=evidence)
    assert maps.point_records(row, colors={}, type_labels={})[0]["headline"] == shown


def test_point_records_round_coordinates(frame):
    row = frame.loc[["peckham:0"]].assign(lat=51.123456789, lon=-0.987654321)
    assert maps.point_records(row, colors={}, type_labels={})[0]["p"] == [-0.98765, 51.12346]


def test_density_view_counts_cells_on_the_server(frame):
    spec = json.loads(deck_json(frame, "density"))
    (layer,) = spec["layers"]
    assert layer["@@type"] == "H3HexagonLayer"
    assert sorted(r["n"] for r in layer["data"]) == [1, 1, 1, 1, 1, 1]
    assert {r["h"] for r in layer["data"]} == set(frame["cell"].dropna())


def test_boroughs_view_counts_incidents_per_borough(frame):
    spec = json.loads(deck_json(frame, "boroughs", boroughs=SQUARES))
    (layer,) = spec["layers"]
    assert layer["@@type"] == "GeoJsonLayer"
    assert [(f["properties"]["name"], f["properties"]["n"]) for f in layer["data"]["features"]] == [
        ("Greenwich", 1),
        ("Hackney", 1),
        ("Barnet", 0),
    ]
    assert layer["data"]["features"][2]["properties"]["c"] == [0, 0, 0, 0]
    assert SQUARES["features"][0]["properties"] == {"name": "Greenwich", "code": "E09000011"}


@pytest.mark.parametrize(
    "view, tooltip",
    [
        ("points", maps.POINTS_TOOLTIP),
        ("density", maps.DENSITY_TOOLTIP),
        ("boroughs", maps.BOROUGHS_TOOLTIP),
    ],
)
def test_tooltips_are_constant_text_templates(frame, view, tooltip):
    deck = maps.incidents_deck(frame, view=view, categories=(), type_labels={}, boroughs=SQUARES)
    assert deck._tooltip == tooltip and set(tooltip) == {"text"}


def test_deck_is_compact_json(frame):
    text = deck_json(frame, "points")
    assert "\n" not in text and ", " not in text.replace("[c[0], c[1], c[2], 40]", "")
    assert len(text) < len(json.dumps(json.loads(text), indent=2))


def test_deck_centres_on_an_incident(frame):
    spec = json.loads(deck_json(frame, "points", centre=(51.46912, -0.0692)))
    assert spec["initialViewState"] == {"latitude": 51.46912, "longitude": -0.0692, "zoom": maps.INCIDENT_ZOOM}


def test_empty_frame_draws_empty_layers(frame):
    none = filter_incidents(frame, Filters(query="no such words"))
    for view in VIEWS:
        spec = json.loads(deck_json(none, view, boroughs=SQUARES))
        assert all(layer["data"] == [] for layer in spec["layers"] if isinstance(layer["data"], list))


@pytest.mark.parametrize(
    "values, colors",
    [
        ([], []),
        ([0], [[0, 0, 0, 0]]),
        ([1], [[*maps.SEQUENTIAL[5], 200]]),
        ([1, 10, 100], [[*maps.SEQUENTIAL[0], 200], [*maps.SEQUENTIAL[2], 200], [*maps.SEQUENTIAL[5], 200]]),
        ([100, 1000, 10000], [[*maps.SEQUENTIAL[0], 200], [*maps.SEQUENTIAL[2], 200], [*maps.SEQUENTIAL[5], 200]]),
        ([120, 0, 130], [[*maps.SEQUENTIAL[0], 200], [0, 0, 0, 0], [*maps.SEQUENTIAL[5], 200]]),
        ([5, 0, 5], [[*maps.SEQUENTIAL[5], 200], [0, 0, 0, 0], [*maps.SEQUENTIAL[5], 200]]),
    ],
)
def test_sequential_colors(values, colors):
    assert maps.sequential_colors(values) == colors


@pytest.mark.parametrize(
    "event, incident",
    [
        ({"selection": {"indices": {"incidents": [0]}, "objects": {"incidents": [{"id": "peckham:0"}]}}}, "peckham:0"),
        ({"selection": {"indices": {"approximate": [2]}, "objects": {"approximate": [{"id": "xss:0"}]}}}, "xss:0"),
        ({"selection": {"indices": {}, "objects": {}}}, None),
        ({"selection": {"objects": {"density": [{"h": "88194ad063fffff", "n": 3}]}}}, None),
        ({"selection": {"objects": {"incidents": [{"id": 7}]}}}, None),
        ({"selection": {"objects": {"incidents": ["peckham:0"]}}}, None),
        ({"selection": None}, None),
        ({}, None),
        (None, None),
    ],
)
def test_selected_incident(event, incident):
    assert maps.selected_incident(event) == incident


def test_load_categories_from_a_file(tmp_path):
    path = tmp_path / "colors.csv"
    path.write_text("category,label,color\nrobbery,Robbery,#ff7f0e\ndrugs,Drugs,#2CA02C\n", encoding="utf-8")
    assert maps.load_categories(path) == (
        maps.Category("robbery", "Robbery", (255, 127, 14)),
        maps.Category("drugs", "Drugs", (44, 160, 44)),
    )


def test_unknown_view_fails(frame):
    with pytest.raises(ValueError, match="unknown view 'satellite'"):
        maps.incidents_deck(frame, view="satellite", categories=(), type_labels={})


def test_frame_without_points_draws_nothing():
    empty = pd.DataFrame(
        columns=[
            "incident_id",
            "lat",
            "lon",
            "precision_rank",
            "fatal",
            "category",
            "headline",
            "evidence",
            "type",
            "place_name",
            "location_text",
            "date",
            "precision",
            "cell",
            "borough",
        ]
    )
    assert [layer.data for layer in maps.point_layers(empty, colors={}, type_labels={})] == [[], [], []]
