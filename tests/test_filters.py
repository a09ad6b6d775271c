from datetime import date

import pytest
from dashboard_fixtures import CASES

from dashboard.filters import (
    WIDGET_DEFAULTS,
    Choices,
    Filters,
    filter_incidents,
    from_widgets,
    incidents_frame,
    load_type_labels,
    parse_params,
    to_params,
    widget_state,
)
from extract import store

CHOICES = Choices(
    boroughs=("City of London", "Greenwich", "Hackney", "Kingston upon Thames", "Lambeth", "Southwark"),
    types=("burglary", "homicide", "robbery", "shooting", "stabbing"),
    categories=("violence and sexual offences", "robbery", "burglary"),
)
ALL_IDS = {f"{c.article_id}:0" for c in CASES}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, Filters()),
        (
            {"borough": ["Kingston upon Thames", "City of London"]},
            Filters(boroughs=("Kingston upon Thames", "City of London")),
        ),
        ({"borough": ["kingston upon thames", "Kingston upon Thames"]}, Filters(boroughs=("Kingston upon Thames",))),
        (
            {"type": ["stabbing", "robbery"], "category": ["robbery"]},
            Filters(types=("stabbing", "robbery"), categories=("robbery",)),
        ),
        (
            {"from": ["2024-04-01"], "to": ["2024-04-30"]},
            Filters(date_from=date(2024, 4, 1), date_to=date(2024, 4, 30)),
        ),
        (
            {"from": ["2024-05-01"], "to": ["2024-04-30"]},
            Filters(date_from=date(2024, 5, 1), date_to=date(2024, 4, 30)),
        ),
        ({"fatal": ["1"]}, Filters(fatal_only=True)),
        ({"fatal": ["true"]}, Filters(fatal_only=True)),
        ({"fatal": ["0"]}, Filters()),
        ({"weapon": ["Knife"], "precision": ["street"]}, Filters(weapon="knife", min_precision="street")),
        ({"q": ["  Rye Lane "]}, Filters(query="Rye Lane")),
        ({"q": ["x" * 500]}, Filters(query="x" * 200)),
        ({"view": ["density"]}, Filters(view="density")),
        ({"view": ["points", "boroughs"]}, Filters(view="boroughs")),
        ({"incident": ["peckham:0"]}, Filters(incident="peckham:0")),
    ],
)
def test_parse_params(params, expected):
    assert parse_params(params, choices=CHOICES) == (expected, [])


@pytest.mark.parametrize(
    "params, expected, notices",
    [
        (
            {"borough": ["Atlantis", "Greenwich"]},
            Filters(boroughs=("Greenwich",)),
            ["borough: unknown value 'Atlantis'"],
        ),
        ({"type": ["<script>"]}, Filters(), ["type: unknown value '<script>'"]),
        ({"category": ["murder"]}, Filters(), ["category: unknown value 'murder'"]),
        ({"from": ["2024-13-01"]}, Filters(), ["from: not a date (YYYY-MM-DD) '2024-13-01'"]),
        ({"to": ["yesterday"]}, Filters(), ["to: not a date (YYYY-MM-DD) 'yesterday'"]),
        ({"to": ["20240401"]}, Filters(), ["to: not a date (YYYY-MM-DD) '20240401'"]),
        ({"from": ["0001-01-01"]}, Filters(), ["from: not a date (YYYY-MM-DD) '0001-01-01'"]),
        ({"fatal": ["maybe"]}, Filters(), ["fatal: not one of 1, 0, true, false 'maybe'"]),
        ({"weapon": ["sword"]}, Filters(), ["weapon: unknown weapon 'sword'"]),
        ({"precision": ["exact"]}, Filters(), ["precision: unknown precision 'exact'"]),
        ({"view": ["satellite"]}, Filters(), ["view: unknown view 'satellite'"]),
        ({"view": ["density", "3d"]}, Filters(view="density"), ["view: unknown view '3d'"]),
        ({"incident": ["a b<c>"]}, Filters(), ["incident: malformed id 'a b<c>'"]),
        ({"utm_source": ["x"]}, Filters(), ["unknown parameter 'utm_source'"]),
        ({"borough": ["B" * 60]}, Filters(), [f"borough: unknown value '{'B' * 39}…'"]),
    ],
)
def test_parse_params_fail(params, expected, notices):
    assert parse_params(params, choices=CHOICES) == (expected, notices)


@pytest.mark.parametrize(
    "filters, params",
    [
        (Filters(), {}),
        (
            Filters(boroughs=("Kingston upon Thames", "City of London"), types=("stabbing",)),
            {"borough": ["Kingston upon Thames", "City of London"], "type": ["stabbing"]},
        ),
        (
            Filters(date_from=date(2024, 4, 1), date_to=date(2024, 4, 30), fatal_only=True),
            {"from": ["2024-04-01"], "to": ["2024-04-30"], "fatal": ["1"]},
        ),
        (
            Filters(weapon="gun", min_precision="area", query="Rye Lane", view="boroughs", incident="peckham:0"),
            {
                "weapon": ["gun"],
                "precision": ["area"],
                "q": ["Rye Lane"],
                "view": ["boroughs"],
                "incident": ["peckham:0"],
            },
        ),
        (Filters(categories=("robbery", "burglary"), view="points"), {"category": ["robbery", "burglary"]}),
    ],
)
def test_to_params_and_back(filters, params):
    assert to_params(filters) == params
    assert parse_params(params, choices=CHOICES) == (filters, [])


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(
            boroughs=("Greenwich",),
            types=("robbery", "shooting"),
            categories=("robbery",),
            date_from=date(2024, 1, 1),
            date_to=date(2024, 12, 31),
            fatal_only=True,
            weapon="none",
            min_precision="building",
            query="station",
            view="density",
        ),
    ],
)
def test_widget_state_and_back(filters):
    assert from_widgets(widget_state(filters)) == filters


@pytest.mark.parametrize(
    "values, expected",
    [
        ({}, Filters()),
        (WIDGET_DEFAULTS, Filters()),
        ({"weapon": "any", "precision": "any", "q": "  knife  ", "view": None}, Filters(query="knife")),
        ({"borough": None, "type": None}, Filters()),
    ],
)
def test_from_widgets(values, expected):
    assert from_widgets(values) == expected


@pytest.mark.parametrize(
    "filters, ids",
    [
        (Filters(), ALL_IDS),
        (Filters(view="density", incident="peckham:0"), ALL_IDS),
        (Filters(boroughs=("Greenwich", "Hackney")), {"greenwich:0", "xss:0"}),
        (Filters(types=("robbery",)), {"greenwich:0", "nowhere:0"}),
        (Filters(categories=("violence and sexual offences",)), {"peckham:0", "xss:0", "city:0", "brixton:0"}),
        (Filters(date_from=date(2024, 4, 1)), {"peckham:0", "greenwich:0", "xss:0", "city:0"}),
        (Filters(date_to=date(2024, 4, 1)), {"peckham:0", "kingston:0", "brixton:0"}),
        (Filters(date_from=date(2024, 4, 2), date_to=date(2024, 4, 30)), {"greenwich:0", "xss:0"}),
        (Filters(date_from=date(2024, 5, 2), date_to=date(2024, 4, 30)), set()),
        (Filters(fatal_only=True), {"peckham:0", "brixton:0"}),
        (Filters(weapon="gun"), {"xss:0", "city:0"}),
        (Filters(weapon="none"), {"greenwich:0"}),
        (Filters(min_precision="street"), {"peckham:0", "city:0", "brixton:0"}),
        (Filters(min_precision="station"), {"peckham:0", "city:0", "brixton:0", "greenwich:0"}),
        (Filters(min_precision="london"), ALL_IDS - {"nowhere:0"}),
        (Filters(query="rye lane"), {"peckham:0"}),
        (Filters(query="monday NIGHT"), {"peckham:0"}),
        (Filters(query="<script>"), {"xss:0"}),
        (Filters(query="(["), set()),
        (Filters(types=("shooting",), boroughs=("City of London",), fatal_only=False), {"city:0"}),
    ],
)
def test_filter_incidents(frame, filters, ids):
    assert set(filter_incidents(frame, filters).index) == ids


def test_incidents_frame_columns(frame):
    assert list(frame.loc[["peckham:0", "kingston:0", "nowhere:0"], "precision_rank"]) == [1, 6, -1]
    assert frame.loc["peckham:0", "cell"] == "88194ad063fffff"  # h3.latlng_to_cell(51.46912, -0.0692, 8)
    assert frame.loc["nowhere:0", "cell"] is None
    assert list(frame.index) == ["city:0", "xss:0", "greenwich:0", "peckham:0", "kingston:0", "brixton:0", "nowhere:0"]


def test_incidents_frame_of_empty_store(tmp_path):
    conn = store.connect(tmp_path / "empty.db")
    empty = incidents_frame(store.iter_incident_rows(conn))
    conn.close()
    assert len(empty) == 0
    assert set(filter_incidents(empty, Filters(query="x", fatal_only=True, min_precision="street")).index) == set()


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "slug,label,category\nstabbing,Stabbing,violence and sexual offences\nrobbery,Robbery,robbery\n",
            {"stabbing": "Stabbing", "robbery": "Robbery"},
        ),
        ("slug,label,category\n", {}),
    ],
)
def test_load_type_labels(tmp_path, text, expected):
    (tmp_path / "crime_types.csv").write_text(text, encoding="utf-8")
    assert load_type_labels(tmp_path / "crime_types.csv") == expected


def test_load_type_labels_of_missing_file(tmp_path):
    assert load_type_labels(tmp_path / "absent.csv") == {}
