"""Tests for extract/geocode.py: the online adapter behind a fake geopy transport, the fallback chain, the factory."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.exc import GeocoderTimedOut, GeocoderUnavailable
from geopy.extra import rate_limiter as geopy_rate_limiter
from shapely.geometry import Point, box

from extract.geo.geocode import FallbackGeocoder, GazetteerGeocoder, OnlineGeocoder, make_geocoder
from extract.records import ExtractError, Place

SELF_HOSTED = "geo.example.test:8080"
AGENT = "london-crime-map-tests/0.1"


class FakeGazetteer:
    """Two rectangular boroughs and a dictionary of names: enough for borough_at() and locate()."""

    boroughs = (
        ("Southwark", "E09000028", box(-0.11, 51.42, -0.03, 51.51)),
        ("Westminster", "E09000033", box(-0.22, 51.49, -0.11, 51.54)),
    )

    def __init__(self, places: dict[str, Place] | None = None) -> None:
        self.places = places or {}
        self.contexts: list[tuple[str, tuple[str, ...]]] = []

    def locate(self, query, *, context=()):
        self.contexts.append((query, tuple(context)))
        return self.places.get(query)

    def borough_at(self, lat, lon):
        point = Point(lon, lat)
        return next(((name, code) for name, code, shape in self.boroughs if shape.covers(point)), None)


class FakeTransport:
    """Canned provider answers, handed out in order; records every request; an unexpected request fails the test."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.requests: list[dict] = []

    def adapter_factory(self, *, proxies, ssl_context):
        return FakeAdapter(self, proxies=proxies, ssl_context=ssl_context)

    @property
    def urls(self) -> list[str]:
        return [request["url"] for request in self.requests]


class FakeAdapter(BaseSyncAdapter):
    def __init__(self, transport: FakeTransport, *, proxies, ssl_context) -> None:
        super().__init__(proxies=proxies, ssl_context=ssl_context)
        self.transport = transport

    def get_json(self, url, *, timeout, headers):
        self.transport.requests.append({"url": url, "timeout": timeout, "headers": headers})
        assert self.transport.answers, f"unexpected request {url}"
        answer = self.transport.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get_text(self, url, *, timeout, headers):
        return json.dumps(self.get_json(url, timeout=timeout, headers=headers))


def nominatim(lat, lon, cls, type_, *, name="", addresstype=None, display_name="somewhere"):
    """A one-result Nominatim format=json answer."""
    result = {
        "place_id": 1,
        "lat": str(lat),
        "lon": str(lon),
        "class": cls,
        "type": type_,
        "name": name,
        "display_name": display_name,
    }
    if addresstype:
        result["addresstype"] = addresstype
    return [result]


def photon(lat, lon, osm_key, osm_value, type_, *, name=None):
    """A one-feature Photon GeoJSON answer."""
    properties = {"osm_key": osm_key, "osm_value": osm_value, "type": type_, "city": "London", "country": "UK"}
    if name:
        properties["name"] = name
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}
        ],
    }


NOMINATIM_RYE_LANE = nominatim(51.4692, -0.0690, "highway", "secondary", name="Rye Lane", addresstype="road")
RYE_LANE = Place(
    name="Rye Lane",
    lat=51.4692,
    lon=-0.069,
    kind="street",
    precision="street",
    borough="Southwark",
    borough_code="E09000028",
    source="nominatim",
)
RICHMOND_VIRGINIA = (37.5407, -77.4360)
PHOTON_EMPTY = {"type": "FeatureCollection", "features": []}


def online(transport, **options):
    options = {
        "provider": "nominatim",
        "user_agent": AGENT,
        "gazetteer": FakeGazetteer(),
        "min_delay_seconds": 0,
        "adapter_factory": transport.adapter_factory,
    } | options
    return OnlineGeocoder(**options)


def place(name, lat, lon, precision, borough, code, source):
    return Place(
        name=name,
        lat=lat,
        lon=lon,
        kind=precision,
        precision=precision,
        borough=borough,
        borough_code=code,
        source=source,
    )


@pytest.mark.parametrize(
    "provider, answer, expected",
    [
        ("nominatim", NOMINATIM_RYE_LANE, RYE_LANE),
        (
            "nominatim",
            nominatim(51.4700, -0.0700, "building", "yes", display_name="12, Rye Lane, London"),
            place("12, Rye Lane, London", 51.47, -0.07, "building", "Southwark", "E09000028", "nominatim"),
        ),
        (
            "nominatim",
            nominatim(51.5031, -0.1132, "railway", "station", name="Waterloo", addresstype="railway"),
            place("Waterloo", 51.5031, -0.1132, "station", "Westminster", "E09000033", "nominatim"),
        ),
        (
            "nominatim",
            nominatim(51.4740, -0.0690, "place", "postcode", name="SE15 4ST", addresstype="postcode"),
            place("SE15 4ST", 51.474, -0.069, "postcode", "Southwark", "E09000028", "nominatim"),
        ),
        (
            "nominatim",
            nominatim(51.4740, -0.0690, "place", "suburb", name="Peckham", addresstype="suburb"),
            place("Peckham", 51.474, -0.069, "area", "Southwark", "E09000028", "nominatim"),
        ),
        (
            "nominatim",
            nominatim(51.5000, -0.1300, "leisure", "park", name="St James's Park", addresstype="park"),
            place("St James's Park", 51.5, -0.13, "site", "Westminster", "E09000033", "nominatim"),
        ),
        (
            "photon",
            photon(51.4692, -0.0690, "highway", "secondary", "street", name="Rye Lane"),
            place("Rye Lane", 51.4692, -0.069, "street", "Southwark", "E09000028", "photon"),
        ),
        (
            "photon",
            photon(51.4700, -0.0700, "building", "yes", "house"),
            place("London, UK", 51.47, -0.07, "building", "Southwark", "E09000028", "photon"),
        ),
        # Photon types every point of interest "house", stations included.
        (
            "photon",
            photon(51.5031, -0.1132, "railway", "station", "house", name="Waterloo"),
            place("Waterloo", 51.5031, -0.1132, "station", "Westminster", "E09000033", "photon"),
        ),
        (
            "photon",
            photon(51.4740, -0.0690, "place", "suburb", "district", name="Peckham"),
            place("Peckham", 51.474, -0.069, "area", "Southwark", "E09000028", "photon"),
        ),
    ],
)
def test_geocode(provider, answer, expected):
    transport = FakeTransport(answer)
    assert online(transport, provider=provider).geocode("a place") == expected


@pytest.mark.parametrize(
    "provider, answer",
    [
        ("nominatim", nominatim(*RICHMOND_VIRGINIA, "boundary", "administrative", name="Richmond")),
        ("photon", photon(*RICHMOND_VIRGINIA, "place", "city", "city", name="Richmond")),
        ("nominatim", []),
        ("photon", PHOTON_EMPTY),
    ],
)
def test_outside_london_or_nothing_gives_none(provider, answer):
    transport = FakeTransport(answer)
    assert online(transport, provider=provider).geocode("Richmond") is None
    assert len(transport.requests) == 1


@pytest.mark.parametrize(
    "options, query, expected_url, expected_params",
    [
        (
            {},
            "Rye Lane",
            "https://nominatim.openstreetmap.org/search",
            {
                "q": ["Rye Lane, London"],
                "format": ["json"],
                "limit": ["1"],
                "viewbox": ["-0.52,51.28,0.34,51.7"],
                "bounded": ["1"],
                "countrycodes": ["gb"],
            },
        ),
        (
            {},
            "  Rye   Lane, Peckham, London SE15 ",
            "https://nominatim.openstreetmap.org/search",
            {
                "q": ["Rye Lane, Peckham, London SE15"],
                "format": ["json"],
                "limit": ["1"],
                "viewbox": ["-0.52,51.28,0.34,51.7"],
                "bounded": ["1"],
                "countrycodes": ["gb"],
            },
        ),
        (
            {"domain": SELF_HOSTED, "scheme": "http"},
            "Rye Lane",
            f"http://{SELF_HOSTED}/search",
            {
                "q": ["Rye Lane, London"],
                "format": ["json"],
                "limit": ["1"],
                "viewbox": ["-0.52,51.28,0.34,51.7"],
                "bounded": ["1"],
                "countrycodes": ["gb"],
            },
        ),
        (
            {"domain": f"{SELF_HOSTED}/nominatim/"},
            "Rye Lane",
            f"https://{SELF_HOSTED}/nominatim/search",
            {
                "q": ["Rye Lane, London"],
                "format": ["json"],
                "limit": ["1"],
                "viewbox": ["-0.52,51.28,0.34,51.7"],
                "bounded": ["1"],
                "countrycodes": ["gb"],
            },
        ),
        (
            {"provider": "photon"},
            "Rye Lane",
            "https://photon.komoot.io/api",
            {
                "q": ["Rye Lane, London"],
                "limit": ["1"],
                "lat": ["51.5074"],
                "lon": ["-0.1278000"],
                "bbox": ["-0.52,51.28,0.34,51.7"],
            },
        ),
        (
            {"provider": "photon", "domain": SELF_HOSTED, "scheme": "http"},
            "Greater London",
            f"http://{SELF_HOSTED}/api",
            {
                "q": ["Greater London"],
                "limit": ["1"],
                "lat": ["51.5074"],
                "lon": ["-0.1278000"],
                "bbox": ["-0.52,51.28,0.34,51.7"],
            },
        ),
    ],
)
def test_request(options, query, expected_url, expected_params):
    answer = PHOTON_EMPTY if options.get("provider") == "photon" else []
    transport = FakeTransport(answer)
    online(transport, timeout=3.5, **options).geocode(query)
    [request] = transport.requests
    url = urlsplit(request["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == expected_url
    assert parse_qs(url.query) == expected_params
    assert (request["timeout"], request["headers"]["User-Agent"]) == (3.5, AGENT)


def test_empty_query_makes_no_request():
    transport = FakeTransport()
    assert online(transport).geocode("  ") is None
    assert transport.requests == []


@pytest.mark.parametrize(
    "options, message",
    [
        ({"user_agent": None}, "nominatim: a user_agent naming this application and a contact is required"),
        ({"user_agent": ""}, "nominatim: a user_agent naming this application and a contact is required"),
        ({"user_agent": "  ", "provider": "photon"}, "photon: a user_agent naming this application"),
        ({"provider": "google"}, "unknown geocoding provider 'google'; expected one of \\['nominatim', 'photon'\\]"),
        ({"timeout": 0}, "nominatim: timeout must be positive, got 0"),
        ({"min_delay_seconds": -1}, "nominatim: min_delay_seconds must not be negative, got -1"),
        ({"scheme": "ftp"}, "nominatim: bad configuration: Supported schemes are `http` and `https`."),
    ],
)
def test_online_geocoder_fail(options, message):
    with pytest.raises(ExtractError, match=message):
        online(FakeTransport(), **options)


def test_bad_cache_path_fails_at_construction(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(ExtractError, match="cannot open the geocoding cache"):
        online(FakeTransport(), cache_path=tmp_path / "file" / "cache.db")


def test_second_identical_query_makes_no_request(tmp_path):
    transport = FakeTransport(NOMINATIM_RYE_LANE)
    geocoder = online(transport, cache_path=tmp_path / "cache.db")
    assert geocoder.geocode("Rye Lane") == RYE_LANE
    assert geocoder.geocode("rye  lane") == RYE_LANE
    assert geocoder.geocode("Rye Lane, London") == RYE_LANE
    assert len(transport.requests) == 1


@pytest.mark.parametrize(
    "provider, answer",
    [
        ("nominatim", []),
        ("photon", PHOTON_EMPTY),
        ("nominatim", nominatim(*RICHMOND_VIRGINIA, "boundary", "administrative", name="Richmond")),
    ],
)
def test_miss_is_cached(tmp_path, provider, answer):
    transport = FakeTransport(answer)
    geocoder = online(transport, provider=provider, cache_path=tmp_path / "cache.db")
    assert [geocoder.geocode("Nowhere"), geocoder.geocode("Nowhere")] == [None, None]
    assert len(transport.requests) == 1


@pytest.mark.parametrize(
    "provider, error, message",
    [
        (
            "nominatim",
            GeocoderTimedOut("timed out"),
            "nominatim \\(nominatim.openstreetmap.org\\) failed on 'Rye Lane, London': GeocoderTimedOut: timed out",
        ),
        (
            "nominatim",
            GeocoderUnavailable("connection refused"),
            "nominatim \\(nominatim.openstreetmap.org\\) failed on 'Rye Lane, London': GeocoderUnavailable: "
            "connection refused",
        ),
        # geopy maps HTTP 503 to GeocoderTimedOut: geopy/geocoders/base.py ERROR_CODE_MAP.
        (
            "nominatim",
            AdapterHTTPError("boom", status_code=503, headers={}, text="busy"),
            "nominatim \\(nominatim.openstreetmap.org\\) failed on 'Rye Lane, London': GeocoderTimedOut: boom",
        ),
        (
            "nominatim",
            AdapterHTTPError("slow down", status_code=429, headers={}, text=""),
            "failed on 'Rye Lane, London': GeocoderRateLimited: slow down",
        ),
        (
            "photon",
            GeocoderTimedOut("timed out"),
            "photon \\(photon.komoot.io\\) failed on 'Rye Lane, London': GeocoderTimedOut: timed out",
        ),
        ("photon", {"message": "not GeoJSON"}, "photon \\(photon.komoot.io\\) failed on 'Rye Lane, London': KeyError"),
    ],
)
def test_error_raises_and_is_not_cached(tmp_path, provider, error, message):
    success = photon(51.4692, -0.0690, "highway", "secondary", "street", name="Rye Lane")
    transport = FakeTransport(error, NOMINATIM_RYE_LANE if provider == "nominatim" else success)
    geocoder = online(transport, provider=provider, cache_path=tmp_path / "cache.db")
    with pytest.raises(ExtractError, match=message) as raised:
        geocoder.geocode("Rye Lane")
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert geocoder.geocode("Rye Lane").name == "Rye Lane"
    assert len(transport.requests) == 2


def test_cache_persists_across_instances(tmp_path):
    cache_path = tmp_path / "cache" / "geocode.db"
    first = FakeTransport(NOMINATIM_RYE_LANE, [])
    geocoder = online(first, cache_path=cache_path)
    assert [geocoder.geocode("Rye Lane"), geocoder.geocode("Nowhere")] == [RYE_LANE, None]
    geocoder.close()
    second = FakeTransport()
    geocoder = online(second, cache_path=cache_path)
    assert [geocoder.geocode("Rye Lane"), geocoder.geocode("Nowhere")] == [RYE_LANE, None]
    assert second.requests == []


def test_cache_is_per_provider_and_domain(tmp_path):
    cache_path = tmp_path / "geocode.db"
    online(FakeTransport(NOMINATIM_RYE_LANE), cache_path=cache_path).geocode("Rye Lane")
    transport = FakeTransport([])
    assert online(transport, cache_path=cache_path, domain=SELF_HOSTED).geocode("Rye Lane") is None
    assert len(transport.requests) == 1


def test_london_check_runs_on_cached_points(tmp_path):
    cache_path = tmp_path / "geocode.db"
    online(FakeTransport(NOMINATIM_RYE_LANE), cache_path=cache_path).geocode("Rye Lane")
    nowhere = FakeGazetteer()
    nowhere.boroughs = ()
    assert online(FakeTransport(), cache_path=cache_path, gazetteer=nowhere).geocode("Rye Lane") is None


@pytest.mark.parametrize(
    "options, expected_delay",
    [
        ({}, 1.0),
        ({"min_delay_seconds": 0.25}, 0.25),
    ],
)
def test_rate_limiter_options(monkeypatch, options, expected_delay):
    seen = []
    rate_limiter = geopy_rate_limiter.RateLimiter

    def recording_rate_limiter(func, **kwargs):
        seen.append(kwargs)
        return rate_limiter(func, **kwargs)

    monkeypatch.setattr(geopy_rate_limiter, "RateLimiter", recording_rate_limiter)  # imported when one is made
    OnlineGeocoder(
        provider="nominatim",
        user_agent=AGENT,
        gazetteer=FakeGazetteer(),
        adapter_factory=FakeTransport().adapter_factory,
        **options,
    )
    assert seen == [
        {
            "min_delay_seconds": expected_delay,
            "max_retries": 0,
            "error_wait_seconds": expected_delay,
            "swallow_exceptions": False,
        }
    ]


def test_rate_limiter_waits_between_requests():
    transport = FakeTransport([], [])
    geocoder = online(transport, min_delay_seconds=0.3)
    started = time.monotonic()
    geocoder.geocode("Nowhere")
    geocoder.geocode("Elsewhere")
    assert time.monotonic() - started >= 0.3


def test_default_adapter_does_not_retry():
    geocoder = OnlineGeocoder(provider="nominatim", user_agent=AGENT, gazetteer=FakeGazetteer())
    assert geocoder._client.adapter.session.get_adapter("https://x.example.test").max_retries.total == 0
    geocoder.close()


OFFLINE_AREA = place("Peckham", 51.474, -0.069, "area", "Southwark", "E09000028", "geonames")
OFFLINE_STREET = place("Rye Lane", 51.4691, -0.0691, "street", "Southwark", "E09000028", "ppd")
ONLINE_AREA = place("Peckham", 51.474, -0.069, "area", "Southwark", "E09000028", "nominatim")
NOMINATIM_PECKHAM = nominatim(51.474, -0.069, "place", "suburb", name="Peckham", addresstype="suburb")


@pytest.mark.parametrize(
    "offline, min_precision, answers, expected, requests, errors",
    [
        (OFFLINE_STREET, None, [], OFFLINE_STREET, 0, 0),
        (None, None, [NOMINATIM_RYE_LANE], RYE_LANE, 1, 0),
        (None, None, [[]], None, 1, 0),
        (None, None, [GeocoderUnavailable("down")], None, 1, 1),
        (OFFLINE_AREA, None, [], OFFLINE_AREA, 0, 0),
        (OFFLINE_AREA, "area", [], OFFLINE_AREA, 0, 0),
        (OFFLINE_STREET, "street", [], OFFLINE_STREET, 0, 0),
        (OFFLINE_AREA, "street", [NOMINATIM_RYE_LANE], RYE_LANE, 1, 0),
        (OFFLINE_AREA, "street", [NOMINATIM_PECKHAM], OFFLINE_AREA, 1, 0),
        (OFFLINE_AREA, "street", [[]], OFFLINE_AREA, 1, 0),
        (OFFLINE_AREA, "street", [GeocoderTimedOut("slow")], OFFLINE_AREA, 1, 1),
    ],
)
def test_fallback(offline, min_precision, answers, expected, requests, errors):
    gazetteer = FakeGazetteer({"Rye Lane": offline} if offline else {})
    transport = FakeTransport(*answers)
    fallback = FallbackGeocoder(
        GazetteerGeocoder(gazetteer), online(transport, gazetteer=gazetteer), min_precision=min_precision
    )
    assert fallback.geocode("Rye Lane", context=("Peckham",)) == expected
    assert (len(transport.requests), fallback.online_errors) == (requests, errors)
    assert gazetteer.contexts == [("Rye Lane", ("Peckham",))]


def test_fallback_counts_every_online_error():
    transport = FakeTransport(GeocoderTimedOut("slow"), GeocoderUnavailable("down"))
    fallback = FallbackGeocoder(GazetteerGeocoder(FakeGazetteer()), online(transport))
    assert [fallback.geocode("Rye Lane"), fallback.geocode("Rye Lane")] == [None, None]
    assert fallback.online_errors == 2


def test_fallback_fail():
    with pytest.raises(ExtractError, match="unknown min_precision 'exact'; expected one of \\['building', "):
        FallbackGeocoder(GazetteerGeocoder(FakeGazetteer()), GazetteerGeocoder(FakeGazetteer()), min_precision="exact")


def test_gazetteer_geocoder_is_the_gazetteer_lookup():
    gazetteer = FakeGazetteer({"Rye Lane": OFFLINE_STREET})
    geocoder = GazetteerGeocoder(gazetteer)
    assert [geocoder.geocode("Rye Lane", context=("Peckham",)), geocoder.geocode("Nowhere")] == [OFFLINE_STREET, None]
    assert gazetteer.contexts == [("Rye Lane", ("Peckham",)), ("Nowhere", ())]


def test_make_geocoder_offline_by_default():
    gazetteer = FakeGazetteer({"Rye Lane": OFFLINE_STREET})
    geocoder = make_geocoder(gazetteer=gazetteer)
    assert type(geocoder) is GazetteerGeocoder
    assert geocoder.geocode("Rye Lane") == OFFLINE_STREET


def test_make_geocoder_online(tmp_path):
    transport = FakeTransport(NOMINATIM_RYE_LANE)
    geocoder = make_geocoder(
        gazetteer=FakeGazetteer(),
        online={
            "user_agent": AGENT,
            "domain": SELF_HOSTED,
            "min_delay_seconds": 0,
            "min_precision": "street",
            "cache_path": str(tmp_path / "cache.db"),
            "adapter_factory": transport.adapter_factory,
        },
    )
    assert (type(geocoder), geocoder.min_precision, geocoder.online.domain) == (FallbackGeocoder, "street", SELF_HOSTED)
    assert geocoder.geocode("Rye Lane") == RYE_LANE
    assert transport.urls[0].startswith(f"https://{SELF_HOSTED}/search?")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"user_agent": AGENT, "host": SELF_HOSTED}, "unknown online geocoder options \\['host'\\]"),
        ({}, "nominatim: a user_agent naming this application and a contact is required"),
        ({"user_agent": AGENT, "provider": "bing"}, "unknown geocoding provider 'bing'"),
    ],
)
def test_make_geocoder_fail(options, message):
    with pytest.raises(ExtractError, match=message):
        make_geocoder(gazetteer=FakeGazetteer(), online=options)
