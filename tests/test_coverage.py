"""News beside recorded crime (dashboard/coverage.py): months, home forces, the per-borough table, bands, the chart."""

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from dashboard.coverage import (
    BANDS,
    COVERAGE_COLUMNS,
    LIMITS,
    SMALL_EXPECTED,
    band,
    coverage,
    funnel_spec,
    month_ranges,
    month_span,
    recorded_frame,
)

CITY = "City of London Police"
MET = "Metropolitan Police Service"
BTP = "British Transport Police"
IMPORTED = {(CITY, "2019-01"), (CITY, "2019-02"), (MET, "2019-01"), (BTP, "2019-01")}
RECORDED = recorded_frame(
    [
        (CITY, "2019-01", "City of London", "burglary", 40),
        (CITY, "2019-01", "City of London", "robbery", 10),
        (CITY, "2019-02", "City of London", "burglary", 50),
        (CITY, "2019-01", "Camden", "burglary", 3),  # the City's rows in Camden; the Met is Camden's home force
        (MET, "2019-01", "City of London", "burglary", 2),
        (MET, "2019-01", "Camden", "burglary", 900),
        (MET, "2019-01", "Camden", "robbery", 100),
        (MET, "2019-01", "Hackney", "burglary", 1000),
        (BTP, "2019-01", "Camden", "robbery", 4),  # home to no borough: its missing February leaves nothing out
    ]
)
NEWS = pd.DataFrame.from_records(
    [
        ("Camden", "2019-01-05", "burglary"),
        ("Camden", "2019-01-20", "robbery"),
        ("Camden", "2019-02-03", "burglary"),  # the Met has no February: left out
        ("City of London", "2019-02-11", "burglary"),  # the City has February
        ("Hackney", None, "burglary"),  # no date
        (None, "2019-01-09", "robbery"),  # no borough
        ("Hackney", "2018-12-31", "burglary"),  # before the months asked for
        ("Westminster", "2019-01-15", "drugs"),  # no recorded crime of drugs anywhere
        ("Westminster", "2019-01-16", "burglary"),  # the Met has January, but no crime recorded in Westminster
    ],
    columns=["borough", "date", "category"],
)
MONTHS = ("2019-01", "2019-02")


@pytest.mark.parametrize(
    ("first", "last", "imported", "expected"),
    [
        (None, None, IMPORTED, ("2019-01", "2019-02")),
        (date(2018, 11, 30), None, IMPORTED, ("2018-11", "2018-12", "2019-01", "2019-02")),
        (None, date(2019, 1, 1), IMPORTED, ("2019-01",)),
        ("2019-12", "2020-02", (), ("2019-12", "2020-01", "2020-02")),
        ("2019-03", "2019-01", IMPORTED, ()),
        (None, "2019-03", (), ()),
    ],
)
def test_month_span(first, last, imported, expected):
    assert month_span(first, last, imported) == expected


@pytest.mark.parametrize(
    ("months", "text"),
    [
        ((), ""),
        (("2019-01",), "2019-01"),
        (("2019-03", "2019-01", "2019-02"), "2019-01 to 2019-03"),
        (("2019-11", "2019-12", "2020-01", "2020-06"), "2019-11 to 2020-01, 2020-06"),
    ],
)
def test_month_ranges(months, text):
    assert month_ranges(months) == text


def test_coverage_counts_each_borough_over_its_home_force_months():
    found = coverage(RECORDED, IMPORTED, NEWS, months=MONTHS)
    rows = found.boroughs[["borough", "recorded", "news"]].values.tolist()
    assert rows == [["Camden", 1007, 2], ["City of London", 102, 1], ["Hackney", 1000, 0]]
    assert found.rate == pytest.approx(1000 * 3 / 2109)
    assert found.boroughs["per_1000"].tolist() == pytest.approx([2000 / 1007, 1000 / 102, 0.0])
    assert found.months == MONTHS
    assert found.missing == ((MET, ("2019-02",)),)
    assert (found.news_uncovered, found.news_undated, found.news_unplaced, found.news_unrecorded) == (1, 1, 1, 1)
    assert found.news_unmatched == 1
    assert found.not_recorded == ("drugs",)
    assert list(found.boroughs.columns) == list(COVERAGE_COLUMNS)


def test_coverage_of_some_categories():
    found = coverage(RECORDED, IMPORTED, NEWS, months=MONTHS, categories=("robbery",))
    assert found.boroughs[["borough", "recorded", "news"]].values.tolist() == [
        ["Camden", 104, 1],
        ["City of London", 10, 0],
    ]
    assert (found.news_uncovered, found.news_undated, found.news_unplaced, found.news_unrecorded) == (0, 0, 1, 0)
    assert found.news_unmatched == 0
    assert found.not_recorded == ()


def test_coverage_never_takes_another_force_for_a_home_force_not_imported():
    """With only the City of London Police imported, its stray rows in Camden are no count of Camden's crime: Camden's
    months are the Met's, which are all missing, and said so."""
    only_city = {(CITY, "2019-01"), (CITY, "2019-02")}
    recorded = RECORDED[RECORDED["force"] == CITY]
    found = coverage(recorded, only_city, NEWS, months=MONTHS)
    assert found.boroughs[["borough", "recorded", "news"]].values.tolist() == [["City of London", 100, 1]]
    assert found.missing == ((MET, MONTHS),)
    assert found.rate == pytest.approx(1000 * 1 / 100)
    # Camden's three and Westminster's one are in months the Met has not imported.
    assert (found.news_uncovered, found.news_unmatched) == (4, 0)


def test_coverage_without_recorded_crime():
    found = coverage(recorded_frame([]), set(), NEWS, months=())
    assert found.boroughs.empty
    assert (found.rate, found.missing) == (None, ())
    spec = funnel_spec(found)
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "circle"]
    assert spec["layer"][0]["data"]["values"] == []


@pytest.mark.parametrize(
    ("news", "expected", "name"),
    [
        (0, SMALL_EXPECTED - 0.01, "too few to say"),
        (30, SMALL_EXPECTED - 0.01, "too few to say"),
        (100, 100, "within limits"),
        (119, 100, "within limits"),  # z = 1.9
        (120, 100, "above 95% limit"),  # z = 2.0
        (131, 100, "above 99.8% limit"),  # z = 3.1
        (81, 100, "within limits"),
        (80, 100, "below 95% limit"),
        (69, 100, "below 99.8% limit"),
        (0, 25, "below 99.8% limit"),
    ],
)
def test_bands_against_the_funnel(news, expected, name):
    assert band(news, expected) == name


def test_funnel_spec_points_limits_and_colours():
    found = coverage(RECORDED, IMPORTED, NEWS, months=MONTHS)
    spec = funnel_spec(found)
    lines, rule, points = spec["layer"]
    assert points["data"]["values"] == [
        {"borough": "Camden", "recorded": 1007, "news": 2, "per_1000": 1.986, "band": "too few to say"},
        {"borough": "City of London", "recorded": 102, "news": 1, "per_1000": 9.804, "band": "too few to say"},
        {"borough": "Hackney", "recorded": 1000, "news": 0, "per_1000": 0.0, "band": "too few to say"},
    ]
    assert points["encoding"]["color"]["scale"] == {"domain": [b for b, _ in BANDS], "range": [c for _, c in BANDS]}
    assert rule["data"]["values"] == [{"rate": found.rate}]
    assert points["encoding"]["x"]["scale"] == {"type": "log", "domain": [51.0, 2014.0], "nice": False}
    curves = lines["data"]["values"]
    assert {c["curve"] for c in curves} == {f"{level} {side}" for level, _ in LIMITS for side in ("upper", "lower")}
    assert min(c["recorded"] for c in curves) == 51 and max(c["recorded"] for c in curves) == 2014
    assert all(c["limit"] >= 0 for c in curves)
    upper = sorted((c["recorded"], c["limit"]) for c in curves if c["curve"] == "95% upper")
    assert [limit for _, limit in upper] == sorted((limit for _, limit in upper), reverse=True)  # the funnel narrows


@pytest.mark.parametrize("categories", [(), ("robbery",), ("burglary", "drugs")])
@pytest.mark.parametrize("months", [MONTHS, ("2019-01",), ()])
def test_news_counted_by_borough_month_and_category_cover_as_its_rows(months, categories):
    """A database's news comes as counts (dashboard.data.news_counts): each group's `n` counts as that many rows."""
    doubled = pd.concat([NEWS, NEWS.iloc[[0, 3, 4, 5, 7]]], ignore_index=True)
    month = doubled["date"].str.slice(0, 7)
    keys = [doubled["borough"], month, doubled["category"]]
    counted = doubled.groupby(keys, dropna=False).size().rename("n").reset_index()
    counted.columns = ["borough", "date", "category", "n"]
    counted = counted.astype({"borough": object, "date": object}).replace({float("nan"): None})
    assert counted["n"].max() == 2  # some groups stand for two rows
    whole = coverage(RECORDED, IMPORTED, doubled, months=months, categories=categories)
    found = coverage(RECORDED, IMPORTED, counted, months=months, categories=categories)
    pd.testing.assert_frame_equal(found.boroughs, whole.boroughs)
    assert replace(found, boroughs=None) == replace(whole, boroughs=None)
