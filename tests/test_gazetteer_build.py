"""The gazetteer build's placing of GeoNames places that share one point of their district (extract.geo.build)."""

from __future__ import annotations

import pytest

from extract.geo.build import JUNK_STREET, _in_district, _placed_by_namesakes
from extract.geo.names import name_key

SHARED = (51.5225, -0.0857)  # GeoNames' one point for EC2's places, in Islington
EC2_MIDDLE = (51.52037, -0.08992)


def _row(kind: str, name: str, lat: float, lon: float, outcode: str = "") -> dict:
    return {
        "kind": kind,
        "name": name,
        "key": name_key(name),
        "lat": f"{lat:.5f}",
        "lon": f"{lon:.5f}",
        "borough_code": "E09000019" if (lat, lon) == SHARED else "?",
        "outcode": outcode,
    }


@pytest.mark.parametrize(
    ("namesakes", "expected"),
    [
        pytest.param([("street", 51.51386, -0.09362, "EC2V")], (51.51386, -0.09362), id="a street in a lettered part"),
        pytest.param(
            [("street", 51.5170, -0.0800, "EC2M"), ("street", 51.5150, -0.0810, "EC2N")],
            (51.5160, -0.0805),
            id="a street through two parts: its middle",
        ),
        pytest.param([("station", 51.5130, -0.0890, "")], (51.5130, -0.0890), id="a station near the district"),
        pytest.param(
            [("station", 51.5130, -0.0890, ""), ("street", 51.5150, -0.0810, "EC2N")],
            (51.5130, -0.0890),
            id="the station before the street",
        ),
        pytest.param([("station", 51.4000, -0.0890, "")], SHARED, id="a station far from the district: left"),
        pytest.param([("street", 51.5150, -0.0810, "N13")], SHARED, id="a street in another district: left"),
        pytest.param(
            [("street", 51.5150, -0.0810, "EC2N"), ("street", 51.5500, -0.0810, "EC2A")],
            SHARED,
            id="two streets of the name miles apart: left",
        ),
        pytest.param([], SHARED, id="no namesake: left"),
    ],
)
def test_a_shared_point_is_moved_to_a_namesake_in_its_district(namesakes, expected):
    area = _row("area", "Cheapside", *SHARED, outcode="EC2")
    rows = [area] + [_row(kind, "Cheapside", lat, lon, outcode) for kind, lat, lon, outcode in namesakes]
    _placed_by_namesakes([area], rows, {"EC2": EC2_MIDDLE}, lambda lon, lat: "E09000001")
    assert (float(area["lat"]), float(area["lon"])) == pytest.approx(expected)
    assert area["borough_code"] == ("E09000019" if expected == SHARED else "E09000001")


@pytest.mark.parametrize(
    ("outcode", "district", "expected"),
    [("EC2V", "EC2", True), ("EC2", "EC2", True), ("EC1V", "EC2", False), ("SE10", "SE1", False), ("N1C", "N1", True)],
)
def test_in_district(outcode, district, expected):
    assert _in_district(outcode, district) is expected


@pytest.mark.parametrize(
    "name, junk",
    [
        ("PART OF", True),  # Price Paid's legal descriptions of a plot
        ("BEING PART OF", True),
        ("LAND AT REAR OF", True),
        ("LAND ADJOINING", True),
        ("LAND ASSOCIATED WITH", True),
        ("THE FORMER SITE OF", True),
        ("12 HIGH STREET", True),
        ("FLAT 3", True),
        ("PARTRIDGE ROAD", False),
        ("LANDOR ROAD", False),
        ("PARK OF THE ROYAL", False),
        ("THE MALL", False),
    ],
)
def test_junk_street_names(name, junk):
    assert bool(JUNK_STREET.search(name)) is junk
