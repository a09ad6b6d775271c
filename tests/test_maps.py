import csv
import itertools
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from dashboard_fixtures import XSS_HEADLINE

from dashboard import maps
from dashboard.data import coded
from dashboard.filters import NO_FILTERS, VIEWS, Filters, filter_incidents
from dashboard.shown import FrameShown
from extract.datafiles import read_rows
from extract.geo.gazetteer import BOROUGHS

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


GROUPS = maps.load_groups()
COLORS = {g.name: list(g.color) for g in GROUPS}
# Machado, Oliveira and Fernandes (2009), severity 1, applied to linear RGB.
COLOUR_VISION = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}
MIN_DELTA_E = 14  # CIE76; about 2.3 is just noticeable, and the weakest pair of Okabe-Ito's seven is at 16


def deck_json(frame, view, **options):
    deck = maps.incidents_deck(frame, view=view, groups=GROUPS, type_labels=LABELS, **options)
    return deck.to_json()


def lab(rgb, vision):
    """CIELAB (D65) of an sRGB colour as seen with `vision`."""
    c = np.array(rgb) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(
        COLOUR_VISION[vision] @ linear, 0, 1
    )
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_categories_are_the_police_uk_categories():
    categories = maps.load_categories()
    assert tuple(c.name for c in categories) == POLICE_UK_CATEGORIES
    assert categories[0] == maps.Category("violence and sexual offences", "Violence and sexual offences", (214, 39, 40))
    assert len({c.color for c in categories}) == 14


def test_groups_are_the_issues_eleven_in_legend_order():
    assert [g.label for g in GROUPS] == [
        "Knife crime",
        "Gun crime",
        "Other violence",
        "Sexual offences",
        "Robbery",
        "Burglary",
        "Theft",
        "Vehicle crime",
        "Arson and damage",
        "Drugs",
        "Other",
    ]
    assert GROUPS[0] == maps.Group("knife", "Knife crime", (213, 94, 0), ("knife",), ("stabbing",))


def test_every_crime_type_is_in_one_group():
    listed = [t for g in GROUPS for t in g.types]
    assert sorted(listed) == sorted(row["slug"] for row in read_rows(maps.DATA_DIR / "crime_types.csv"))


@pytest.mark.parametrize("vision", COLOUR_VISION)
def test_group_colours_stay_apart_with_colour_blind_vision(vision):
    seen = {g.label: lab(g.color, vision) for g in GROUPS}
    closest = min((float(np.linalg.norm(seen[a] - seen[b])), a, b) for a, b in itertools.combinations(seen, 2))
    assert closest[0] >= MIN_DELTA_E, closest


@pytest.mark.parametrize(
    "weapon, type_, group",
    [
        ("knife", "stabbing", "knife"),
        (None, "stabbing", "knife"),
        ("knife", "robbery", "knife"),  # at knifepoint
        ("gun", "stabbing", "knife"),  # the type names the weapon
        ("knife", "shooting", "gun"),
        ("gun", "homicide", "gun"),
        ("none", "homicide", "other_violence"),
        ("corrosive", "acid_attack", "other_violence"),
        (None, "sexual_offence", "sexual"),
        (None, "shoplifting", "theft"),
        (None, "criminal_damage", "arson_damage"),
        ("vehicle", "hit_and_run", "other"),
        (None, "a_type_added_later", "other"),
    ],
)
def test_incident_groups(weapon, type_, group):
    frame = pd.DataFrame({"weapon": [weapon], "type": [type_]}, index=["a:0"])
    assert maps.incident_groups(frame, GROUPS).tolist() == [group]


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
    assert [layer["id"] for layer in spec["layers"]] == ["outlines", "approximate", "incidents", "fatal", "counts"]
    assert [r["id"] for r in layers["incidents"]["data"]] == ["city:0", "peckham:0", "brixton:0"]
    assert [r["id"] for r in layers["approximate"]["data"]] == ["xss:0", "greenwich:0", "kingston:0"]
    assert (layers["approximate"]["getRadius"], layers["approximate"]["getFillColor"]) == (
        maps.RING_PX,
        [255, 255, 255, 140],
    )
    assert {layers[i]["radiusUnits"] for i in ("approximate", "incidents", "fatal")} == {"pixels"}
    assert layers["fatal"]["data"] == [{"p": [-0.0692, 51.46912]}, {"p": [-0.114, 51.467]}]
    assert layers["fatal"]["pickable"] is False and layers["incidents"]["pickable"] is True
    assert layers["counts"]["data"] == []
    assert layers["incidents"]["data"][1] == {
        "id": "peckham:0",
        "p": [-0.0692, 51.46912],
        "c": COLORS["knife"],
        "n": 1,
        "headline": "Man stabbed to death on Rye Lane",
        "type": "Stabbing",
        "place": "Rye Lane",
        "date": "2024-04-01",
        "more": "",
    }
    assert spec["initialViewState"] == {**maps.LONDON_VIEW}


def records(frame, **options):
    return maps.point_records(frame, group_of=maps.incident_groups(frame, GROUPS), **options)


def test_point_records_keep_untrusted_text_as_data(frame):
    record = records(frame.loc[["xss:0"]], colors={}, type_labels={})[0]
    assert record == {
        "id": "xss:0",
        "p": [-0.0556, 51.547],
        "c": list(maps.OUTLINE_COLOR[:3]),
        "n": 1,
        "headline": XSS_HEADLINE,
        "type": "shooting",
        "place": "Hackney <b>Central</b>",
        "date": "2024-04-20",
        "more": "",
    }


def shown_tooltip(template: str, record: dict) -> str:
    """The tooltip Streamlit's frontend shows (DeckGlJsonChart's interpolation): each "{field}" of the template, in
    order, replaced where the text so far first holds it."""
    text = template
    for field in re.findall(r"{(.*?)}", template):
        text = text.replace("{" + field + "}", str(record[field]), 1)
    return text


@pytest.mark.parametrize(
    "headline, place",
    [("{place} {id} {date} {more} braces", "Rye Lane"), ("Man stabbed", "Rye {date} {{Lane}}"), ("{", "}")],
)
def test_a_tooltip_shows_braces_in_untrusted_text_as_written(frame, headline, place):
    one = frame.loc[["peckham:0"]].assign(headline=headline, place_name=place)
    (record,) = records(one, colors=COLORS, type_labels=LABELS)
    shown = shown_tooltip(maps.POINTS_TOOLTIP["text"], record)
    assert shown.replace("\u2060", "") == f"{headline}\nStabbing · {place}\n2024-04-01"


def stacked(frame):
    """The fixture with Greenwich's robbery moved to Rye Lane's point: a stack of two, one a knife crime."""
    moved = frame.copy()
    moved.loc["greenwich:0", ["lat", "lon", "precision", "precision_rank"]] = [51.469121, -0.069204, "street", 3]
    return moved


def test_incidents_at_one_point_are_one_marker(frame):
    found = records(maps.drawn(stacked(frame)), colors=COLORS, type_labels=LABELS)
    assert [(r["id"], r["n"]) for r in found] == [
        ("city:0", 1),
        ("xss:0", 1),
        ("greenwich:0", 2),
        ("kingston:0", 1),
        ("brixton:0", 1),
    ]
    assert found[2] == {
        "id": "greenwich:0",
        "p": [-0.0692, 51.46912],
        "c": COLORS["knife"],  # a tie: the group first in the legend
        "n": 2,
        "headline": "Phone snatched outside Greenwich station",
        "type": "Robbery, Stabbing",
        "place": "Greenwich station",
        "date": "2024-04-01 to 2024-04-10",
        "more": "\n2 incidents here: click to list them",
    }


def test_stack_of_lists_the_incidents_of_one_marker(frame):
    moved = stacked(frame)
    assert maps.stack_of(moved, "peckham:0") == ["peckham:0", "greenwich:0"]
    assert maps.stack_of(moved, "greenwich:0") == ["greenwich:0", "peckham:0"]
    assert maps.stack_of(moved, "city:0") == ["city:0"]
    assert maps.stack_of(moved, "nowhere:0") == ["nowhere:0"]
    assert maps.stack_of(moved.drop("peckham:0"), "peckham:0") == ["peckham:0"]


def test_a_precise_and_a_coarse_place_at_one_point_are_two_markers(frame):
    moved = frame.copy()
    moved.loc["greenwich:0", ["lat", "lon"]] = [51.46912, -0.0692]  # still a station: drawn as a ring
    assert maps.stack_of(moved, "peckham:0") == ["peckham:0"]
    layers = {layer.id: layer for layer in maps.point_layers(moved, groups=GROUPS, colors=COLORS, type_labels={})}
    assert [r["n"] for r in layers["incidents"].data + layers["approximate"].data] == [1] * 6


def test_places_only_as_london_are_not_drawn(frame):
    vague = frame.copy()
    vague.loc["city:0", ["precision", "precision_rank"]] = ["london", maps.PRECISION_ORDER["london"]]
    assert list(maps.drawn(vague).index) == ["xss:0", "greenwich:0", "peckham:0", "kingston:0", "brixton:0"]
    assert maps.points_bounds(vague.loc[["city:0", "nowhere:0"]]) is None
    spec = json.loads(deck_json(vague, "density"))
    assert sum(r["n"] for r in spec["layers"][0]["data"]) == 5


def test_group_counts_list_the_groups_drawn(frame):
    assert [
        (g.name, n)
        for g, n in maps.group_counts(FrameShown(frame, NO_FILTERS).pairs("type", "weapon", drawn=True), GROUPS)
    ] == [
        ("knife", 1),
        ("gun", 2),
        ("other_violence", 1),
        ("robbery", 1),
        ("burglary", 1),
    ]


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
    assert records(row, colors={}, type_labels={})[0]["headline"] == shown


def test_point_records_round_coordinates(frame):
    row = frame.loc[["peckham:0"]].assign(lat=51.123456789, lon=-0.987654321)
    assert records(row, colors={}, type_labels={})[0]["p"] == [-0.98765, 51.12346]


def test_density_view_counts_cells_on_the_server(frame):
    spec = json.loads(deck_json(frame, "density"))
    (layer,) = spec["layers"]
    assert layer["@@type"] == "H3HexagonLayer"
    assert sorted(r["n"] for r in layer["data"]) == [1, 1, 1, 1, 1, 1]
    assert {r["h"] for r in layer["data"]} == set(frame["cell"].dropna())


def test_density_layer_and_legend_show_the_cells_counted_by_the_caller(frame):
    one = frame.loc[["peckham:0"]]
    cells = maps.cell_counts(one)
    (layer,) = json.loads(deck_json(frame, "density", cells=cells))["layers"]
    assert [r["h"] for r in layer["data"]] == [frame.loc["peckham:0", "cell"]]
    counted = {"boroughs": None, "population": None, "borough_counts": frame["borough"].value_counts()}
    legend = maps.shaded_values(view="density", cells=cells, **counted)
    assert legend == [1.0] != maps.shaded_values(view="density", cells=maps.cell_counts(frame), **counted)


def test_cell_counts_of_coded_rows_leave_out_the_cells_filtered_out(frame):
    kept = coded(frame).loc[["peckham:0", "greenwich:0"]]
    assert maps.cell_counts(kept).to_dict() == {frame.loc[i, "cell"]: 1 for i in kept.index}


def test_boroughs_view_counts_incidents_per_borough(frame):
    spec = json.loads(deck_json(frame, "boroughs", boroughs=SQUARES, population={"Greenwich": 200_000}))
    (layer,) = spec["layers"]
    assert layer["@@type"] == "GeoJsonLayer"
    assert [f["properties"] for f in layer["data"]["features"]] == [
        {"name": "Greenwich", "n": 1, "rate": "0.5", "c": [*maps.SEQUENTIAL[-1], maps.SHADE_ALPHA]},
        {"name": "Hackney", "n": 1, "rate": "—", "c": [*maps.SEQUENTIAL[-1], maps.SHADE_ALPHA]},
        {"name": "Barnet", "n": 0, "rate": "—", "c": [0, 0, 0, 0]},
    ]
    assert SQUARES["features"][0]["properties"] == {"name": "Greenwich", "code": "E09000011"}


def test_boroughs_view_shades_per_residents(frame):
    population = {"Greenwich": 200_000, "Hackney": 50_000, "Barnet": 400_000}
    spec = json.loads(deck_json(frame, "boroughs", boroughs=SQUARES, population=population, per_residents=True))
    shades = [f["properties"]["c"] for f in spec["layers"][0]["data"]["features"]]
    assert shades == [[*maps.SEQUENTIAL[0], maps.SHADE_ALPHA], [*maps.SEQUENTIAL[-1], maps.SHADE_ALPHA], [0, 0, 0, 0]]
    assert maps.borough_values(SQUARES, frame["borough"].value_counts(), population=population) == [
        ("Greenwich", 1, 0.5),
        ("Hackney", 1, 2.0),
        ("Barnet", 0, 0.0),
    ]


def test_population_is_census_2021_for_the_33_boroughs():
    population = maps.load_population()
    assert sorted(population) == sorted(BOROUGHS)
    assert (population["City of London"], population["Barnet"], sum(population.values())) == (8_500, 388_400, 8_781_900)
    with open(maps.POPULATION_CSV, encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["gss_code", "borough", "population_2011", "population_2021"]


@pytest.mark.parametrize(
    "view, tooltip",
    [
        ("points", maps.POINTS_TOOLTIP),
        ("density", maps.DENSITY_TOOLTIP),
        ("boroughs", maps.BOROUGHS_TOOLTIP),
    ],
)
def test_tooltips_are_constant_text_templates(frame, view, tooltip):
    deck = maps.incidents_deck(frame, view=view, groups=(), type_labels={}, boroughs=SQUARES)
    assert deck._tooltip == tooltip and set(tooltip) == {"text"}


@pytest.mark.parametrize(
    "view, tooltip",
    [
        ("points", maps.POINTS_TOOLTIP),  # its count is in each marker's `more`
        ("density", {"text": "{n} reports in this hexagon"}),
        ("boroughs", {"text": "{name}\n{n} reports, {rate} per 100,000 residents"}),
    ],
)
def test_tooltips_count_reports_when_a_row_is_a_report(frame, view, tooltip):
    deck = maps.incidents_deck(frame, view=view, groups=(), type_labels={}, boroughs=SQUARES, noun="report")
    assert deck._tooltip == tooltip


def test_deck_is_compact_json(frame):
    text = deck_json(frame, "points")
    assert "\n" not in text and ", " not in text.replace("[c[0], c[1], c[2], 40]", "")
    assert len(text) < len(json.dumps(json.loads(text), indent=2))


def test_deck_opens_on_its_view_state(frame):
    view = {"latitude": 51.46912, "longitude": -0.0692, "zoom": maps.INCIDENT_ZOOM}
    assert json.loads(deck_json(frame, "points", view_state=view))["initialViewState"] == view


def test_deck_draws_the_circle_and_the_open_incident(frame):
    spec = json.loads(deck_json(frame, "points", near=(51.47, -0.07, 1.5), selected=(51.46912, -0.0692)))
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert [layer["id"] for layer in spec["layers"]][:2] == ["near", "selected"]  # under the markers
    assert (layers["near"]["data"], layers["near"]["getRadius"]) == ([{"p": [-0.07, 51.47]}], 1500.0)
    assert layers["selected"]["data"] == [{"p": [-0.0692, 51.46912]}]
    assert not layers["near"]["pickable"] and not layers["selected"]["pickable"]


@pytest.mark.parametrize(
    "bounds, view",
    [
        ((51.28, -0.52, 51.70, 0.34), {"latitude": 51.49048, "longitude": -0.09, "zoom": 8.09}),
        ((51.5, -0.1, 51.5, -0.1), {"latitude": 51.5, "longitude": -0.1, "zoom": maps.MAX_FIT_ZOOM}),
        ((51.50, -0.11, 51.51, -0.10), {"latitude": 51.505, "longitude": -0.105, "zoom": 14.34}),
        ((51.40, -0.20, 51.60, -0.19), {"latitude": 51.50011, "longitude": -0.195, "zoom": 10.02}),  # by its height
        ((51.50, -0.40, 51.51, 0.20), {"latitude": 51.505, "longitude": -0.1, "zoom": 8.61}),  # by its width
    ],
)
def test_fit_view(bounds, view):
    assert maps.fit_view(*bounds) == view


def test_london_view_shows_every_borough_on_a_phone():
    zoom = maps.LONDON_VIEW["zoom"]
    degrees_per_px = 360 / (maps.TILE_PX * 2**zoom)
    assert (0.34 + 0.52) / degrees_per_px <= maps.FIT_BOX_PX[0]


@pytest.mark.parametrize(
    "options, view",
    [
        ({}, maps.LONDON_VIEW),
        ({"filtered": True}, maps.fit_view(51.4085, -0.3064, 51.547, -0.0133)),
        (
            {"centre": (51.46912, -0.0692), "near": (51.5, -0.1, 1.0)},
            {"latitude": 51.46912, "longitude": -0.0692, "zoom": 14},
        ),
        ({"near": (51.5, -0.1, 1.0), "chosen": ("Barnet",)}, maps.fit_view(*maps.circle_bounds(51.5, -0.1, 1.0))),
        ({"chosen": ("Barnet",), "boroughs": SQUARES}, maps.fit_view(51.4, -0.2, 51.5, -0.1)),
        ({"chosen": ("Barnet",)}, maps.fit_view(51.4085, -0.3064, 51.547, -0.0133)),
    ],
)
def test_opening_view(frame, options, view):
    assert maps.opening_view(lambda: maps.points_bounds(frame), **options) == view


def test_circle_bounds():
    south, west, north, east = maps.circle_bounds(51.5, -0.1, 1.0)
    assert (north - 51.5) * maps.KM_PER_DEGREE == pytest.approx(1.0)
    assert (east + 0.1) * maps.KM_PER_DEGREE * math.cos(math.radians(51.5)) == pytest.approx(1.0)
    assert (south, west) == (pytest.approx(51.5 - (north - 51.5)), pytest.approx(-0.1 - (east + 0.1)))


@pytest.mark.parametrize(
    "setting, provider, style",
    [
        ("carto-light", "carto", "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"),
        ("none", None, "__MAP_STYLE__"),
        ("https://tiles.example/styles/london.json", None, "https://tiles.example/styles/london.json"),
        ("HTTP://localhost:8080/style.json", None, "HTTP://localhost:8080/style.json"),
    ],
)
def test_basemap(frame, setting, provider, style):
    spec = json.loads(deck_json(frame, "points", basemap=setting))
    assert (spec.get("mapProvider"), spec.get("mapStyle")) == (provider, style)


@pytest.mark.parametrize(
    "setting",
    ["carto-dark", "", "javascript:alert(1)", "file:///tmp/style.json", "//tiles.example/style.json", "https://"],
)
def test_basemap_fail(setting):
    with pytest.raises(ValueError, match="is not one of carto-light, none or an http"):
        maps.basemap_style(setting)


def test_empty_frame_draws_empty_layers(frame):
    none = filter_incidents(frame, Filters(query="no such words"))
    for view in VIEWS:
        spec = json.loads(deck_json(none, view, boroughs=SQUARES))
        assert all(layer["data"] == [] for layer in spec["layers"] if isinstance(layer["data"], list))


@pytest.mark.parametrize(
    "values, breaks",
    [
        ([], []),
        ([0, 0], []),
        ([5, 0, 5], [5]),
        ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]),
        ([1, 1, 1, 1, 2], [1, 2]),
        ([0, 1, 1, 2, 3, 5, 8, 13, 100], [1, 3, 5, 13, 100]),
        ([0.31, 0.4, 11.76], [0.31, 0.4, 12]),
        ([137, 1392.5, 36.71], [37, 140, 1400]),
    ],
)
def test_class_breaks(values, breaks):
    assert maps.class_breaks(values) == breaks


@pytest.mark.parametrize(
    "values, breaks, colors",
    [
        ([], [], []),
        ([0], [], [[0, 0, 0, 0]]),
        ([3, 0], [3], [[*maps.SEQUENTIAL[4], maps.SHADE_ALPHA], [0, 0, 0, 0]]),
        ([1, 2, 3], [1, 2, 3], [[*maps.SEQUENTIAL[i], maps.SHADE_ALPHA] for i in (0, 2, 4)]),
        ([1.5, 2, 2.5], [2, 3], [[*maps.SEQUENTIAL[i], maps.SHADE_ALPHA] for i in (0, 0, 4)]),
    ],
)
def test_shade_colors(values, breaks, colors):
    assert maps.shade_colors(values, breaks) == colors


def test_shades_are_the_legend_of_the_classes():
    assert maps.shades([0, 1, 2, 4, 9]) == [
        maps.Shade(maps.SEQUENTIAL[0], None, 1),
        maps.Shade(maps.SEQUENTIAL[1], 1, 2),
        maps.Shade(maps.SEQUENTIAL[3], 2, 4),
        maps.Shade(maps.SEQUENTIAL[4], 4, 9),
    ]


@pytest.mark.parametrize(
    "event, incident",
    [
        ({"selection": {"indices": {"incidents": [0]}, "objects": {"incidents": [{"id": "peckham:0"}]}}}, "peckham:0"),
        ({"selection": {"indices": {"approximate": [2]}, "objects": {"approximate": [{"id": "xss:0"}]}}}, "xss:0"),
        ({"selection": {"objects": {"counts": [{"p": [0, 51], "t": "2"}]}}}, None),
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
        maps.incidents_deck(frame, view="satellite", groups=(), type_labels={})


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
            "weapon",
        ]
    )
    assert [layer.data for layer in maps.point_layers(empty, groups=GROUPS, colors={}, type_labels={})] == [[]] * 4


@pytest.mark.parametrize(
    "view, per_residents, values",
    [
        ("points", False, []),
        ("density", False, [1.0] * 6),
        ("boroughs", False, [1.0, 1.0, 0.0]),
        ("boroughs", True, [0.5, 2.0, 0.0]),
    ],
)
def test_shaded_values(frame, view, per_residents, values):
    population = {"Greenwich": 200_000, "Hackney": 50_000, "Barnet": 400_000}
    shown = FrameShown(frame, NO_FILTERS)
    found = maps.shaded_values(
        view=view,
        cells=shown.counts("cell", drawn=True),
        borough_counts=shown.counts("borough"),
        boroughs=SQUARES,
        population=population,
        per_residents=per_residents,
    )
    assert found == values


def test_marker_point_is_where_the_map_draws_the_incident(frame):
    vague = frame.copy()
    vague.loc["city:0", "precision"] = "london"
    assert maps.marker_point(vague, "peckham:0") == (51.46912, -0.0692)
    assert [maps.marker_point(vague, i) for i in ("city:0", "nowhere:0", "gone:0", None)] == [None] * 4
