"""Tests for extract/gazetteer.py: locate() over real London names, borough_at(), and the build's data fixes."""

from __future__ import annotations

import pickle

import pytest
from shapely import STRtree
from shapely.geometry import box

from extract.geo.gazetteer import (
    BOROUGH_EDGE_DEGREES,
    BOROUGHS,
    LONDON_BBOX,
    Entry,
    Gazetteer,
    km,
    load_gazetteer,
    polygon_at,
)

TOWN_BOROUGHS = frozenset(
    {
        "Barnet",
        "Bexley",
        "Bromley",
        "Camden",
        "Croydon",
        "Ealing",
        "Enfield",
        "Greenwich",
        "Hackney",
        "Harrow",
        "Hillingdon",
        "Hounslow",
        "Islington",
        "Kingston upon Thames",
        "Lambeth",
        "Lewisham",
        "Redbridge",
        "Southwark",
        "Sutton",
        "Wandsworth",
        "Westminster",  # the area about Parliament (GeoNames had it in Lambeth, at SW1's shared point)
    }
)
"""Boroughs named after a town or district inside them: the bare name means that place, at area precision."""


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


def _whole(place) -> tuple | None:
    return None if place is None else (place.name, place.borough, place.kind, place.precision)


@pytest.mark.parametrize(
    ("query", "context", "expected"),
    [
        # streets, alone and with a qualifier or context
        ("Bells Hill, High Barnet", (), ("Bells Hill", "Barnet", "street", "street")),
        ("Bells Hill", (), ("Bells Hill", "Barnet", "street", "street")),
        ("Prior Street, Greenwich", (), ("Prior Street", "Greenwich", "street", "street")),
        ("Topham Street", (), ("Topham Street", "Islington", "street", "street")),
        ("Whitechapel Road", (), ("Whitechapel Road", "Tower Hamlets", "street", "street")),
        ("Old Kent Road", (), ("Old Kent Road", "Southwark", "street", "street")),
        ("Mare Street, Hackney", (), ("Mare Street", "Hackney", "street", "street")),
        ("Atlantic Road", ("Brixton",), ("Atlantic Road", "Lambeth", "street", "street")),
        ("Coldharbour Lane, Brixton", (), ("Coldharbour Lane", "Lambeth", "street", "street")),
        ("Coldharbour Lane, Camberwell", (), ("Coldharbour Lane", "Southwark", "street", "street")),
        ("Coldharbour Lane, Hayes", (), ("Coldharbour Lane", "Hillingdon", "street", "street")),
        ("Coldharbour Lane, SW9", (), ("Coldharbour Lane", "Lambeth", "street", "street")),
        ("Coldharbour Lane", ("Rainham",), ("Coldharbour Lane", "Havering", "street", "street")),
        ("Coldharbour Lane", ("Purley",), ("Coldharbour Lane", "Croydon", "street", "street")),
        ("Church Road, Harlesden", (), ("Church Road", "Brent", "street", "street")),
        ("Church Road", ("Leyton",), ("Church Road", "Waltham Forest", "street", "street")),
        ("Harrow Road", ("Kensal Green",), ("Harrow Road", "Brent", "street", "street")),
        ("Brick Lane", ("Whitechapel", "Spitalfields"), ("Brick Lane", "Tower Hamlets", "street", "street")),
        ("Station Road, Harrow", (), ("Station Road", "Harrow", "street", "street")),
        ("Streatham High Road", (), ("Streatham High Road", "Lambeth", "street", "street")),
        ("Tottenham High Road", (), ("Tottenham High Road", "Haringey", "street", "street")),
        ("High Road, Tottenham", (), ("Tottenham High Road", "Haringey", "street", "street")),
        ("High Street, Harrow", (), ("High Street", "Harrow", "street", "street")),
        ("Fenchurch Street", (), ("Fenchurch Street", "City of London", "street", "street")),
        # one name, several streets in one borough: the borough
        ("Purley Way", (), ("Purley Way (Croydon)", "Croydon", "borough", "borough")),
        ("Great South West Road", (), ("Great South West Road (Hounslow)", "Hounslow", "borough", "borough")),
        ("Erith Road", (), ("Erith Road (Bexley)", "Bexley", "borough", "borough")),
        # areas
        ("Peckham", (), ("Peckham", "Southwark", "area", "area")),
        ("Brixton", (), ("Brixton", "Lambeth", "area", "area")),
        ("Camden Town", (), ("Camden Town", "Camden", "area", "area")),
        ("Muswell Hill", (), ("Muswell Hill", "Haringey", "area", "area")),
        ("High Barnet", (), ("High Barnet", "Barnet", "area", "area")),
        ("Edmonton", (), ("Edmonton", "Enfield", "area", "area")),
        ("Hayes, Hillingdon", (), ("Hayes", "Hillingdon", "area", "area")),
        ("Hayes, Bromley", (), ("Hayes", "Bromley", "area", "area")),
        ("Notting Hill", (), ("Notting Hill", "Kensington and Chelsea", "area", "area")),
        ("South Kensington", (), ("South Kensington", "Kensington and Chelsea", "area", "area")),
        ("Isle of Dogs", (), ("Isle of Dogs", "Tower Hamlets", "area", "area")),
        ("Stratford", (), ("Stratford", "Newham", "area", "area")),
        ("Aldgate", (), ("Aldgate", "City of London", "area", "area")),
        ("Tower Hill", (), ("Tower Hill", "Tower Hamlets", "area", "area")),
        ("Richmond", (), ("Richmond", "Richmond upon Thames", "area", "area")),
        # landmarks
        ("Clapham Common", (), ("Clapham Common", "Lambeth", "landmark", "site")),
        ("Hampstead Heath", (), ("Hampstead Heath", "Camden", "landmark", "site")),
        # sites: parks, estates and public buildings, from bus-stop names, the park register and landmarks.csv
        ("Burgess Park", (), ("Burgess Park", "Southwark", "site", "site")),
        ("Peckham Library", (), ("Peckham Library", "Southwark", "site", "site")),
        ("Broadwater Farm Estate", (), ("Broadwater Farm Estate", "Haringey", "site", "site")),
        ("Brockwell Park", (), ("Brockwell Park", "Lambeth", "site", "site")),
        ("Ruskin Park, Lambeth", (), ("Ruskin Park", "Lambeth", "landmark", "site")),
        ("Harrods", (), ("Harrods", "Kensington and Chelsea", "landmark", "building")),
        ("Victoria Park", (), ("Victoria Park", "Tower Hamlets", "area", "area")),  # the area named after it
        # districts the area lists lacked, and wards drawn since 2018
        ("Harlington", (), ("Harlington", "Hillingdon", "area", "area")),
        ("De Beauvoir Town", (), ("De Beauvoir Town", "Hackney", "area", "area")),
        ("Brixton Acre Lane", (), ("Brixton Acre Lane", "Lambeth", "ward", "ward")),
        # postcode districts qualify a street
        ("Bellenden Road, SE15", (), ("Bellenden Road", "Southwark", "street", "street")),
        ("Bellenden Road, London SE15", (), ("Bellenden Road", "Southwark", "street", "street")),
        ("Rye Lane, SE15", (), ("Rye Lane", "Southwark", "street", "street")),
        # junctions: the middle of the two streets' nearest points in one borough
        (
            "junction of Holloway Road and Seven Sisters Road, N7",
            (),
            ("Holloway Road / Seven Sisters Road", "Islington", "junction", "junction"),
        ),
        (
            "Holloway Road / Seven Sisters Road",
            (),
            ("Holloway Road / Seven Sisters Road", "Islington", "junction", "junction"),
        ),
        (
            "Rye Lane at its junction with Peckham High Street",
            (),
            ("Rye Lane / Peckham High Street", "Southwark", "junction", "junction"),
        ),
        # a street named after its area, between namesakes in different boroughs
        ("Sydenham Road", (), ("Sydenham Road", "Lewisham", "street", "street")),
        # the counties London's boroughs were made from still qualify them
        ("Bromley, Kent", (), ("Bromley", "Bromley", "area", "area")),
        ("Romford, Essex", (), ("Romford", "Havering", "area", "area")),
        ("Harrow, Middlesex", (), ("Harrow", "Harrow", "area", "area")),
        ("Heathrow Airport", (), ("Heathrow Airport", "Hillingdon", "landmark", "area")),
        ("Wembley Stadium", (), ("Wembley Stadium", "Brent", "landmark", "building")),
        # stations
        ("Seven Sisters station", (), ("Seven Sisters", "Haringey", "station", "station")),
        ("Brixton tube station", (), ("Brixton", "Lambeth", "station", "station")),
        ("Victoria station", (), ("Victoria", "Westminster", "station", "station")),
        ("Waterloo station", (), ("Waterloo", "Lambeth", "station", "station")),
        ("Tooting Broadway station", (), ("Tooting Broadway", "Wandsworth", "station", "station")),
        ("Clapham Junction station", (), ("Clapham Junction", "Wandsworth", "station", "station")),
        ("Fenchurch Street station", (), ("Fenchurch Street", "City of London", "station", "station")),
        ("St Pancras station", (), ("St Pancras", "Camden", "station", "station")),
        ("Monument", (), ("Monument", "City of London", "station", "station")),
        # postcodes and outward codes
        ("SE10 8SF", (), ("SE10 8SF", "Greenwich", "postcode", "postcode")),
        ("se108sf", (), ("SE10 8SF", "Greenwich", "postcode", "postcode")),
        ("SE15", (), ("SE15", "Southwark", "outcode", "area")),
        ("N17", (), ("N17", "Haringey", "outcode", "area")),
        ("ec1r", (), ("EC1R", "Islington", "outcode", "area")),
        # a district split into lettered ones, written whole ("Oxford Street, W1")
        ("W1", (), ("W1", "Westminster", "outcode", "area")),
        ("EC2", (), ("EC2", "City of London", "outcode", "area")),
        ("SW1", (), ("SW1", "Westminster", "outcode", "area")),
        # GeoNames puts EC2's places at one point in Islington: moved to their streets in the City
        ("Cheapside", (), ("Cheapside", "City of London", "area", "area")),
        ("Bishopsgate", (), ("Bishopsgate", "City of London", "area", "area")),
        ("London Wall", (), ("London Wall", "City of London", "area", "area")),
        # a borough qualifier that none of the name's places is in: the writer's borough, at its precision
        ("Manor Park, Sutton", (), ("Manor Park (Sutton)", "Sutton", "borough", "borough")),
        ("Manor Park, Newham", (), ("Manor Park", "Newham", "area", "area")),
        # namesakes in two boroughs: the one by the area the street is named after, whatever its street word
        ("Stratford Broadway", (), ("Stratford Broadway", "Newham", "street", "street")),
        ("Bromley High Street", (), ("Bromley High Street", "Bromley", "street", "street")),  # not Bow's, in E3
        # an area's high street or market place the data names without the area
        ("Sutton High Street", (), ("High Street", "Sutton", "street", "street")),
        ("Romford Market Place", (), ("Market Place", "Havering", "street", "street")),
        # a long road whose stretches the context places alike: the road, not its borough
        ("Cranbrook Road", ("Ilford",), ("Cranbrook Road", "Redbridge", "street", "street")),
        # aliases of boroughs
        ("Hammersmith & Fulham", (), ("Hammersmith and Fulham", "Hammersmith and Fulham", "borough", "borough")),
        ("Barking & Dagenham", (), ("Barking and Dagenham", "Barking and Dagenham", "borough", "borough")),
        ("Kensington & Chelsea", (), ("Kensington and Chelsea", "Kensington and Chelsea", "borough", "borough")),
        ("Kingston", (), ("Kingston upon Thames", "Kingston upon Thames", "borough", "borough")),
        ("Royal Borough of Greenwich", (), ("Greenwich", "Greenwich", "borough", "borough")),
        ("City of Westminster", (), ("Westminster", "Westminster", "borough", "borough")),
        ("Square Mile", (), ("City of London", "City of London", "borough", "borough")),
        # spelling variants: case, St/Saint, Rd/Road, Ave/Avenue, &/and, apostrophes, hyphens
        ("KINGS CROSS", (), ("King's Cross", "Camden", "area", "area")),
        ("King\u2019s Cross", (), ("King's Cross", "Camden", "area", "area")),
        ("King's Cross station", (), ("Kings Cross", "Camden", "station", "station")),
        ("Saint Johns Wood", (), ("St John's Wood", "Westminster", "area", "area")),
        ("st. john's wood", (), ("St John's Wood", "Westminster", "area", "area")),
        ("St. John's Wood Rd", (), ("St John's Wood Road", "Westminster", "street", "street")),
        ("Whitechapel Rd", (), ("Whitechapel Road", "Tower Hamlets", "street", "street")),
        ("Electric Ave, Brixton", (), ("Electric Avenue", "Lambeth", "street", "street")),
        ("Lewisham High St", (), ("Lewisham High Street", "Lewisham", "street", "street")),
        ("Elephant and Castle", (), ("Elephant & Castle", "Southwark", "area", "area")),
        ("Highbury and Islington station", (), ("Highbury & Islington", "Islington", "station", "station")),
        ("Bromley-by-Bow", (), ("Bromley by Bow", "Tower Hamlets", "area", "area")),
        ("Shepherd's Bush", (), ("Shepherds Bush", "Hammersmith and Fulham", "area", "area")),
        # London-wide phrases
        ("south-east London", (), ("South-east London", None, "region", "london")),
        ("South East London", (), ("South-east London", None, "region", "london")),
        ("north London", (), ("North London", None, "region", "london")),
        ("London", (), ("London", None, "region", "london")),
    ],
)
def test_locate(gazetteer, query, context, expected):
    assert _whole(gazetteer.locate(query, context=context)) == expected


@pytest.mark.parametrize(
    ("query", "context"),
    [
        pytest.param("Coldharbour Lane", (), id="street-in-five-boroughs"),
        pytest.param("Church Road", (), id="street-in-many-boroughs"),
        pytest.param("Hayes", (), id="area-in-two-boroughs"),
        pytest.param("Brick Lane", ("Manchester",), id="context-outside-london"),
        pytest.param("High Street, Hoxton", (), id="qualifier-places-no-candidate"),
        pytest.param("Bells Hill, Croydon", (), id="qualifier-contradicts-the-only-street"),
        pytest.param("Edmonton, Alberta", (), id="canadian-edmonton"),
        pytest.param("Richmond, Virginia", (), id="american-richmond"),
        pytest.param("London, Ontario", (), id="canadian-london"),
        pytest.param("Manchester", (), id="english-city"),
        pytest.param("Watford", (), id="outside-the-boundary"),
        pytest.param("ZZ99 9ZZ", (), id="unknown-postcode"),
        pytest.param("SW99", (), id="non-geographic-outcode"),
        pytest.param("Nowhere Street", (), id="unknown-name"),
        pytest.param("", (), id="empty"),
        pytest.param(" , ", (), id="only-commas"),
    ],
)
def test_locate_finds_nothing(gazetteer, query, context):
    assert gazetteer.locate(query, context=context) is None


@pytest.mark.parametrize("borough", BOROUGHS)
def test_every_official_borough_name(gazetteer, borough):
    place = gazetteer.locate(borough)
    expected = "area" if borough in TOWN_BOROUGHS else "borough"
    assert (place.name, place.borough, place.precision) == (borough, borough, expected)
    assert place.borough_code == gazetteer.borough_at(place.lat, place.lon)[1]


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (51.5007, -0.1246, "Westminster"),  # Big Ben
        (51.5081, -0.0759, "Tower Hamlets"),  # the Tower of London
        (51.5145, -0.0940, "City of London"),  # Cheapside
        (51.4700, -0.4543, "Hillingdon"),  # Heathrow
        (51.3727, -0.1099, "Croydon"),
        (51.6501, -0.2114, "Barnet"),  # Bells Hill
        (51.5008, -0.1219, "Westminster"),  # mid-river by Westminster Bridge: nearest bank within 300 m
    ],
)
def test_borough_at(gazetteer, lat, lon, expected):
    assert gazetteer.borough_at(lat, lon)[0] == expected


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        pytest.param(51.6565, -0.3903, id="watford"),
        pytest.param(51.4463, 0.2169, id="dartford"),
        pytest.param(51.3326, -0.2670, id="epsom"),
        pytest.param(48.8566, 2.3522, id="paris"),
        pytest.param(0.0, 0.0, id="null-island"),
    ],
)
def test_borough_at_outside_london(gazetteer, lat, lon):
    assert gazetteer.borough_at(lat, lon) is None


@pytest.mark.parametrize(
    ("query", "lat", "lon"),
    [
        ("Seven Sisters station", 51.5823, -0.0749),
        ("Bells Hill, High Barnet", 51.6500, -0.2110),
        ("SE10 8SF", 51.4764, -0.0108),
        ("King's Cross station", 51.5308, -0.1238),
        ("Aldgate", 51.5139, -0.0755),
        ("Clapham Common", 51.4612, -0.1390),
    ],
)
def test_points_within_a_kilometre(gazetteer, query, lat, lon):
    place = gazetteer.locate(query)
    assert km(place.lat, place.lon, lat, lon) < 1.0


def test_candidates_counted_before_context(gazetteer):
    streets = [e for e in gazetteer.candidates("coldharbour lane") if e.kind == "street"]
    assert gazetteer.locate("Coldharbour Lane, Brixton").candidates == len(streets) == 7


def test_geonames_places_at_londons_own_point_are_dropped(gazetteer):
    assert [e for e in gazetteer.entries if (e.lat, e.lon) == (51.5085, -0.1257)] == []


def test_tower_hamlets_is_the_borough_not_a_geonames_district(gazetteer):
    assert [e.kind for e in gazetteer.candidates("tower hamlets")] == ["borough"]


def test_high_street_shoreditch_is_not_stratford_high_street(gazetteer):
    assert _whole(gazetteer.locate("High Street, Shoreditch")) == (
        "Shoreditch High Street",
        "Hackney",
        "street",
        "street",
    )


def test_qualifier_four_km_away_in_another_borough_places_nothing(gazetteer):
    assert gazetteer.locate("High Street, Hoxton") is None


def test_landmark_beats_geonames_area_of_the_same_name(gazetteer):
    place = gazetteer.locate("Wimbledon Common")
    assert (place.kind, place.source) == ("landmark", "project_landmarks")


def test_waterloo_station_is_the_station_not_the_land_registry_street(gazetteer):
    assert _whole(gazetteer.locate("Waterloo station")) == ("Waterloo", "Lambeth", "station", "station")


def test_is_non_london(gazetteer):
    assert [gazetteer.is_non_london(n) for n in ("Alberta", "ESSEX", "Peckham", "London")] == [True, True, False, False]


@pytest.mark.parametrize(
    "query", ["Kingston, Jamaica", "Enfield, Connecticut", "Richmond, North Yorkshire", "Foo Road, Nowhere"]
)
def test_unknown_qualifier_places_the_name_elsewhere(gazetteer, query):
    assert gazetteer.locate(query) is None


SQUARES = STRtree([box(0.0, 0.0, 1.0, 1.0), box(2.0, 0.0, 3.0, 1.0)])  # (lon, lat) unit squares, a 1-degree gap


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (0.5, 0.5, 0),
        (0.5, 2.5, 1),
        (1.0, 1.0, 0),  # on the edge
        (0.5, 1.0 + BOROUGH_EDGE_DEGREES / 2, 0),  # just outside: the nearest polygon
        (0.5, 2.0 - BOROUGH_EDGE_DEGREES / 2, 1),
        (0.5, 1.0 + BOROUGH_EDGE_DEGREES * 2, None),
        (5.0, 5.0, None),
    ],
)
def test_polygon_at(lat, lon, expected):
    assert polygon_at(SQUARES, lat, lon) == expected


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (51.5074, -0.1278, True),  # Charing Cross
        (51.28, -0.1278, False),  # on the southern edge: strictly inside only
        (51.5074, 0.35, False),
        (48.8566, 2.3522, False),
    ],
)
def test_london_bbox_contains(lat, lon, expected):
    assert LONDON_BBOX.contains(lat, lon) is expected


def test_london_bbox_corners_are_south_west_then_north_east():
    assert LONDON_BBOX.corners == ((51.28, -0.52), (51.70, 0.34))


def test_unpickled_gazetteer_is_the_loaded_one(gazetteer):
    """The extractor's cache pickles the gazetteer with its entries packed, made again per key on first look-up."""
    unpickled = pickle.loads(pickle.dumps(gazetteer, protocol=pickle.HIGHEST_PROTOCOL))
    queries = [
        "Coldharbour Lane, Brixton",
        "Bells Hill, High Barnet",
        "Hayes",
        "SE10 8SF",
        "junction of Rye Lane and Peckham High Street",
    ]
    assert [unpickled.locate(q) for q in queries] == [gazetteer.locate(q) for q in queries]
    assert unpickled.candidates("hayes") == gazetteer.candidates("hayes")
    assert unpickled.candidates("nowhere street") == []
    assert unpickled.borough_at(51.47, -0.068) == ("Southwark", "E09000028")
    assert unpickled.is_non_london("Alberta")
    assert unpickled.entries == gazetteer.entries  # the files' order, which the place matcher is built in
    assert unpickled.by_key == gazetteer.by_key
    again = pickle.loads(pickle.dumps(unpickled))  # packed as it was unpickled, none made again
    assert again.entries == gazetteer.entries


def test_entry_holding_a_separator_is_not_pickled():
    """Packing joins fields with control characters: an entry holding one would come back as other entries."""
    entry = Entry("street", "street", "Rye\x1fLane", "rye lane", 51.47, -0.068, "E09000028", "SE15", "", "", 1, "test")
    gazetteer = Gazetteer([entry], {"features": []}, non_london=frozenset(), postcodes_path=None)
    with pytest.raises(pickle.PicklingError, match="'rye lane' holds a separator"):
        pickle.dumps(gazetteer)
