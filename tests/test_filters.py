from datetime import date

import pytest
from dashboard_fixtures import CASES

from dashboard.data import coded
from dashboard.filters import (
    FIELDS,
    NO_FILTERS,
    WIDGET_DEFAULTS,
    Choices,
    Filters,
    Near,
    filter_choices,
    filter_incidents,
    from_widgets,
    load_type_labels,
    narrows,
    parse_params,
    to_params,
    widget_state,
    within_km,
)
from extract.records import Place

CHOICES = Choices(
    boroughs=("City of London", "Greenwich", "Hackney", "Kingston upon Thames", "Lambeth", "Southwark"),
    types=("burglary", "homicide", "robbery", "shooting", "stabbing"),
    categories=("violence and sexual offences", "robbery", "burglary"),
)
ALL_IDS = {f"{c.article_id}:0" for c in CASES}
RYE_LANE = Place(
    name="Rye Lane",
    lat=51.46972,
    lon=-0.0679,
    kind="street",
    precision="street",
    borough="Southwark",
    borough_code="E09000028",
    source="test",
)
FIELD = {field.param: field for field in FIELDS}
ROUND_TRIPS = [  # one good value per FIELDS row and its URL values
    ("borough", ("Kingston upon Thames", "City of London"), ["Kingston upon Thames", "City of London"]),
    ("type", ("stabbing", "robbery"), ["stabbing", "robbery"]),
    ("category", ("violence and sexual offences",), ["violence and sexual offences"]),
    ("from", date(2024, 4, 1), ["2024-04-01"]),
    ("to", date(2100, 12, 31), ["2100-12-31"]),
    ("fatal", True, ["1"]),
    ("weapon", "knife", ["knife"]),
    ("precision", "station", ["station"]),
    ("q", "Rye Lane, Peckham", ["Rye Lane, Peckham"]),
    ("near", Near("Rye Lane, SE15"), ["Rye Lane, SE15"]),
    ("km", 0.25, ["0.25"]),
    ("undated", True, ["1"]),
    ("view", "boroughs", ["boroughs"]),
    ("shade", "residents", ["residents"]),
    ("count", "reports", ["reports"]),
    ("incident", "peckham:0", ["peckham:0"]),
]
BAD_VALUES = [  # one bad URL value per FIELDS row that can drop one (any text is a search), and its notice
    ("borough", "Atlantis", "borough: unknown value 'Atlantis'"),
    ("type", "](javascript:alert(1))", "type: unknown value '](javascript:alert(1))'"),
    ("category", "murder", "category: unknown value 'murder'"),
    ("from", "2024-02-30", "from: not a date (YYYY-MM-DD) '2024-02-30'"),
    ("to", "2101-01-01", "to: not a date (YYYY-MM-DD) '2101-01-01'"),
    ("fatal", "perhaps", "fatal: not one of 1, 0, true, false 'perhaps'"),
    ("weapon", "sword", "weapon: unknown weapon 'sword'"),
    ("precision", "exact", "precision: unknown precision 'exact'"),
    ("q", "x" * 201, f"q: longer than 200 characters '{'x' * 39}…'"),
    ("near", "", "near: empty, or longer than 80 characters ''"),
    ("near", "x" * 81, f"near: empty, or longer than 80 characters '{'x' * 39}…'"),
    ("km", "0.05", "km: not a distance from 0.1 to 10 km '0.05'"),
    ("undated", "sometimes", "undated: not one of 1, 0, true, false 'sometimes'"),
    ("view", "3d", "view: unknown view '3d'"),
    ("shade", "area", "shade: unknown shade 'area'"),
    ("count", "articles", "count: unknown count 'articles'"),
    ("incident", "<img src=x>", "incident: malformed id '<img src=x>'"),
]


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
        ({"fatal": ["1"]}, Filters(fatal_only=True)),
        ({"fatal": ["true"]}, Filters(fatal_only=True)),
        ({"fatal": ["0"]}, Filters()),
        ({"weapon": ["Knife"], "precision": ["street"]}, Filters(weapon="knife", min_precision="street")),
        ({"q": ["  Rye Lane "]}, Filters(query="Rye Lane")),
        ({"q": ["x" * 200]}, Filters(query="x" * 200)),
        ({"near": [" Rye Lane, SE15 "], "km": ["2"]}, Filters(near=Near("Rye Lane, SE15"), km=2.0)),
        ({"near": ["x" * 80]}, Filters(near=Near("x" * 80))),
        ({"km": ["0.1"]}, Filters(km=0.1)),
        ({"km": ["10"]}, Filters(km=10.0)),
        ({"km": ["1.234"]}, Filters(km=1.23)),
        ({"km": ["1"]}, Filters()),
        ({"undated": ["true"], "from": ["2024-04-01"]}, Filters(undated=True, date_from=date(2024, 4, 1))),
        ({"undated": ["0"]}, Filters()),
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
        ({"from": ["2024-05-01"], "to": ["2024-04-30"]}, Filters(date_from=date(2024, 5, 1)), ["to: before from"]),
        ({"to": ["20240401"]}, Filters(), ["to: not a date (YYYY-MM-DD) '20240401'"]),
        ({"from": ["0001-01-01"]}, Filters(), ["from: not a date (YYYY-MM-DD) '0001-01-01'"]),
        ({"fatal": ["maybe"]}, Filters(), ["fatal: not one of 1, 0, true, false 'maybe'"]),
        ({"weapon": ["sword"]}, Filters(), ["weapon: unknown weapon 'sword'"]),
        ({"precision": ["exact"]}, Filters(), ["precision: unknown precision 'exact'"]),
        ({"view": ["satellite"]}, Filters(), ["view: unknown view 'satellite'"]),
        ({"view": ["density", "3d"]}, Filters(view="density"), ["view: unknown view '3d'"]),
        ({"km": ["10.01"]}, Filters(), ["km: not a distance from 0.1 to 10 km '10.01'"]),
        ({"km": ["-1"]}, Filters(), ["km: not a distance from 0.1 to 10 km '-1'"]),
        ({"km": ["nan"]}, Filters(), ["km: not a distance from 0.1 to 10 km 'nan'"]),
        ({"km": ["inf"]}, Filters(), ["km: not a distance from 0.1 to 10 km 'inf'"]),
        ({"km": ["1km"]}, Filters(), ["km: not a distance from 0.1 to 10 km '1km'"]),
        ({"km": ["2", "far"]}, Filters(km=2.0), ["km: not a distance from 0.1 to 10 km 'far'"]),
        ({"near": ["  "]}, Filters(), ["near: empty, or longer than 80 characters '  '"]),
        ({"undated": ["maybe"]}, Filters(), ["undated: not one of 1, 0, true, false 'maybe'"]),
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
        (
            Filters(near=Near("Rye Lane, SE15"), km=0.5, undated=True, date_to=date(2024, 4, 30)),
            {"to": ["2024-04-30"], "near": ["Rye Lane, SE15"], "km": ["0.5"], "undated": ["1"]},
        ),
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
            near=Near("Peckham Rye station"),
            km=2.5,
            undated=True,
            view="density",
            count="reports",
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
        ({"near": "  Rye Lane ", "km": 0.3, "undated": True}, Filters(near=Near("Rye Lane"), km=0.3, undated=True)),
        ({"near": "   ", "km": None, "undated": None}, Filters()),
        ({"km": 0.04}, Filters()),
        ({"count": True}, Filters(count="reports")),
        ({"count": False}, Filters()),
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
        (Filters(date_from=date(2024, 4, 2), undated=True), {"greenwich:0", "xss:0", "city:0", "nowhere:0"}),
        (Filters(date_to=date(2024, 3, 31), undated=True), {"kingston:0", "brixton:0", "nowhere:0"}),
        (Filters(undated=True), ALL_IDS),
        (Filters(types=("robbery",), date_from=date(2024, 5, 1), undated=True), {"nowhere:0"}),
        (Filters(near=Near("Rye Lane", RYE_LANE), km=1.0), {"peckham:0"}),
        (Filters(near=Near("Rye Lane", RYE_LANE), km=3.5), {"peckham:0", "brixton:0"}),
        (Filters(near=Near("Rye Lane", RYE_LANE), km=10.0), ALL_IDS - {"nowhere:0", "kingston:0"}),
        (Filters(near=Near("Atlantis")), ALL_IDS),
    ],
)
@pytest.mark.parametrize("as_coded", [False, True], ids=["text", "coded"])
def test_filter_incidents(frame, filters, ids, as_coded):
    assert set(filter_incidents(coded(frame) if as_coded else frame, filters).index) == ids


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


@pytest.mark.parametrize("param, value, params", ROUND_TRIPS)
def test_field_round_trips(param, value, params):
    field = FIELD[param]
    assert field.write_values(value) == params
    assert field.read(field.write_values(value), CHOICES) == (value, [])
    assert field.write_values(field.default) == []
    assert field.read([], CHOICES) == (field.default, [])


@pytest.mark.parametrize("param, bad, notice", BAD_VALUES)
def test_field_drops_a_bad_value(param, bad, notice):
    field = FIELD[param]
    assert field.read([bad], CHOICES) == (field.default, [notice])


def test_tables_cover_every_field():
    assert [param for param, _, _ in ROUND_TRIPS] == [field.param for field in FIELDS]
    assert list(dict.fromkeys(param for param, _, _ in BAD_VALUES)) == [field.param for field in FIELDS]


def test_fields_set_every_filter_once():
    assert sorted(field.attr for field in FIELDS) == sorted(Filters.__dataclass_fields__)


def test_filter_choices_add_stored_values_to_the_vocabularies(frame):
    labels = {"stabbing": "Stabbing", "robbery": "Robbery", "homicide": "Murder or manslaughter"}
    choices = filter_choices(frame, boroughs=("Hackney", "Barnet"), categories=("robbery",), type_labels=labels)
    assert choices == Choices(
        boroughs=("Hackney", "Barnet", "City of London", "Greenwich", "Kingston upon Thames", "Lambeth", "Southwark"),
        types=("burglary", "homicide", "robbery", "shooting", "stabbing"),
        categories=("robbery", "burglary", "violence and sexual offences"),
    )


@pytest.mark.parametrize(
    "lat, lon, km, ids",
    [
        (51.46912, -0.06920, 0.1, {"peckham:0"}),  # the point itself
        (51.46912, -0.06920 + 0.0146, 0.99, set()),  # 1.01 km east along the parallel
        (51.46912, -0.06920 + 0.0146, 1.02, {"peckham:0"}),
        (51.46912 + 0.0089, -0.06920, 1.0, {"peckham:0"}),  # 0.99 km north
    ],
)
def test_within_km_is_great_circle_distance(frame, lat, lon, km, ids):
    assert set(frame.index[within_km(frame, lat, lon, km)]) == ids


@pytest.mark.parametrize(
    "filters, narrowing",
    [
        (NO_FILTERS, False),
        (Filters(view="boroughs", shade="residents", km=5.0, undated=True, incident="peckham:0"), False),
        (Filters(boroughs=("Barnet",)), True),
        (Filters(near=Near("Atlantis")), True),
        (Filters(query="knife"), True),
    ],
)
def test_narrows(filters, narrowing):
    assert narrows(filters) is narrowing
