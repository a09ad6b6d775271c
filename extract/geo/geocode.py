"""Geocoders: the Geocoder protocol, the offline gazetteer default, and the opt-in online geopy adapter.

Every geocoder returns a Place inside Greater London, or None when it finds nothing there.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from extract.geo.gazetteer import LONDON_BBOX, Gazetteer
from extract.records import PRECISION_ORDER, PRECISIONS, ExtractError, Place

if TYPE_CHECKING:
    from geopy.location import Location

# geopy is imported when an online geocoder is made: 0.1 s of every start-up (ingest's, the dashboard's) that the
# offline default does not need.
PROVIDERS = ("nominatim", "photon")

DEFAULT_SCHEME = "https"
DEFAULT_TIMEOUT = 2.0
DEFAULT_MIN_DELAY_SECONDS = 1.0
"""One request a second: the public Nominatim usage policy's ceiling."""

LONDON_CENTRE = (51.5074, -0.1278)
COUNTRY_CODE = "gb"

LONDON_QUALIFIER = re.compile(r"\blondon\b", re.IGNORECASE)

PRECISION_BY_TAG = (
    # Stations first: Photon tags every point of interest, stations included, with type "house".
    ("station", frozenset({"station", "halt", "subway_entrance", "tram_stop"})),
    # Parks and open spaces before buildings too: Photon types a park "house" as well.
    ("site", frozenset({"leisure", "park", "common", "nature_reserve", "recreation_ground", "garden"})),
    ("building", frozenset({"house", "building", "house_number"})),
    ("street", frozenset({"highway", "road", "street"})),
    ("postcode", frozenset({"postcode", "postal_code"})),
    ("area", frozenset({"suburb", "neighbourhood", "quarter", "locality", "district"})),
)
"""Our precision for a provider's class/type tags, checked in order; anything else is an area."""

ONLINE_OPTIONS = frozenset(
    {
        "provider",
        "user_agent",
        "domain",
        "scheme",
        "timeout",
        "min_delay_seconds",
        "cache_path",
        "adapter_factory",
    }
)

CACHE_SCHEMA = """
CREATE TABLE IF NOT EXISTS geocode_cache (
    provider    TEXT NOT NULL,
    domain      TEXT NOT NULL,
    query       TEXT NOT NULL,
    place       TEXT,  -- JSON name/lat/lon/precision; NULL when the provider found nothing
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (provider, domain, query)
);
"""


class Geocoder(Protocol):
    """Anything that turns a place name into a Place inside Greater London."""

    def geocode(self, query: str, *, context: Sequence[str] = ()) -> Place | None:
        """Return the Place `query` names (helped by other place names from the same text), or None."""
        ...


class GazetteerGeocoder:
    """The offline default: look-ups in the London gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def geocode(self, query: str, *, context: Sequence[str] = ()) -> Place | None:
        """Return the gazetteer's Place for `query`, or None."""
        return self.gazetteer.locate(query, context=context)


class OnlineGeocoder:
    """An opt-in Nominatim or Photon geocoder, rate-limited, cached in SQLite and kept inside Greater London.

    Example:
        OnlineGeocoder(provider="nominatim", user_agent="london-crime-map/0.1 (you@example.org)",
                       gazetteer=load_gazetteer(), cache_path="data/geocode_cache.sqlite")
    """

    def __init__(
        self,
        *,
        gazetteer: Gazetteer,
        provider: str = "nominatim",
        user_agent: str | None = None,
        domain: str | None = None,
        scheme: str = DEFAULT_SCHEME,
        timeout: float = DEFAULT_TIMEOUT,
        min_delay_seconds: float = DEFAULT_MIN_DELAY_SECONDS,
        cache_path: str | Path | None = None,
        adapter_factory: Callable[..., Any] | None = None,
    ) -> None:
        """Check the options and open the cache (in memory when `cache_path` is None); raise ExtractError if bad."""
        from geopy.adapters import RequestsAdapter
        from geopy.exc import GeopyError
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim, Photon

        if provider not in PROVIDERS:
            raise ExtractError(f"unknown geocoding provider {provider!r}; expected one of {sorted(PROVIDERS)}")
        if not user_agent or not user_agent.strip():
            raise ExtractError(f"{provider}: a user_agent naming this application and a contact is required")
        if timeout <= 0:
            raise ExtractError(f"{provider}: timeout must be positive, got {timeout!r}")
        if min_delay_seconds < 0:
            raise ExtractError(f"{provider}: min_delay_seconds must not be negative, got {min_delay_seconds!r}")
        self.provider = provider
        self.gazetteer = gazetteer
        self.min_delay_seconds = min_delay_seconds
        options: dict[str, Any] = {
            "user_agent": user_agent.strip(),
            "scheme": scheme,
            "timeout": timeout,
            # geopy's default RequestsAdapter retries twice: a server that never answers costs 3 timeouts, not 1.
            "adapter_factory": adapter_factory or functools.partial(RequestsAdapter, max_retries=0),
        }
        if domain is not None:
            options["domain"] = domain
        try:
            self._client = (Nominatim if provider == "nominatim" else Photon)(**options)
        except GeopyError as error:
            raise ExtractError(f"{provider}: bad configuration: {error}") from None
        self.domain = self._client.domain
        self._limited_geocode = RateLimiter(
            self._client.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
            # RateLimiter asserts error_wait_seconds >= min_delay_seconds; with no retries it never waits on errors.
            error_wait_seconds=min_delay_seconds,
            swallow_exceptions=False,
        )
        self.cache_path = cache_path
        self._cache = _open_cache(cache_path)
        self._cache_lock = threading.Lock()

    def geocode(self, query: str, *, context: Sequence[str] = ()) -> Place | None:
        """Return the provider's Place for `query` inside Greater London, else None; ExtractError on a provider error.

        `context` is accepted for the protocol and not used: the providers take one free-text query.
        """
        text = " ".join(query.split())
        if not text:
            return None
        if not LONDON_QUALIFIER.search(text):
            text = f"{text}, London"
        key = text.casefold()
        found, place = self._cached(key)
        if not found:
            place = self._ask(text)
            self._remember(key, place)
        return self._inside_london(place) if place is not None else None

    def close(self) -> None:
        """Close the cache and the provider's connections."""
        self._cache.close()
        self._client.__exit__(None, None, None)

    def _ask(self, text: str) -> Place | None:
        from geopy.exc import GeopyError

        try:
            if self.provider == "nominatim":
                location = self._limited_geocode(
                    text,
                    exactly_one=True,
                    viewbox=LONDON_BBOX.corners,
                    bounded=True,
                    country_codes=COUNTRY_CODE,
                )
            else:
                # geopy's Photon takes no country filter; the Greater London check covers it.
                location = self._limited_geocode(
                    text,
                    exactly_one=True,
                    bbox=LONDON_BBOX.corners,
                    location_bias=LONDON_CENTRE,
                )
            return None if location is None else self._parse(location)
        # The non-geopy errors are malformed answers: JSON without the fields geopy or we read.
        except (GeopyError, KeyError, IndexError, TypeError, ValueError) as error:
            raise ExtractError(
                f"{self.provider} ({self.domain}) failed on {text!r}: {type(error).__name__}: {error}"
            ) from None

    def _parse(self, location: Location) -> Place:
        raw = location.raw
        if self.provider == "nominatim":
            tags = {raw.get("class"), raw.get("type"), raw.get("addresstype")}
            name = raw.get("name")
        else:
            properties = raw["properties"]
            tags = {properties.get("osm_key"), properties.get("osm_value"), properties.get("type")}
            name = properties.get("name")
        precision = next((p for p, known in PRECISION_BY_TAG if tags & known), "area")
        return self._point(name or location.address, float(location.latitude), float(location.longitude), precision)

    def _point(self, name: str, lat: float, lon: float, precision: str) -> Place:
        # The borough is filled in by the London check, after the cache.
        return Place(
            name=name,
            lat=lat,
            lon=lon,
            kind=precision,
            precision=precision,
            borough=None,
            borough_code=None,
            source=self.provider,
        )

    def _inside_london(self, place: Place) -> Place | None:
        borough = self.gazetteer.borough_at(place.lat, place.lon)
        if borough is None:
            return None
        return replace(place, borough=borough[0], borough_code=borough[1])

    def _cached(self, key: str) -> tuple[bool, Place | None]:
        with self._cache_lock:
            row = self._cache.execute(
                "SELECT place FROM geocode_cache WHERE provider = ? AND domain = ? AND query = ?",
                (self.provider, self.domain, key),
            ).fetchone()
        if row is None:
            return False, None
        if row[0] is None:
            return True, None
        fields = json.loads(row[0])
        return True, self._point(fields["name"], fields["lat"], fields["lon"], fields["precision"])

    def _remember(self, key: str, place: Place | None) -> None:
        # The point is stored before the London check, so a better boundary file needs no new request.
        value = (
            None
            if place is None
            else json.dumps({"name": place.name, "lat": place.lat, "lon": place.lon, "precision": place.precision})
        )
        with self._cache_lock, self._cache:
            self._cache.execute(
                "INSERT OR REPLACE INTO geocode_cache VALUES (?, ?, ?, ?, ?)",
                (self.provider, self.domain, key, value, datetime.now(UTC).isoformat(timespec="seconds")),
            )


class FallbackGeocoder:
    """The offline geocoder first, the online one when the offline one finds nothing or nothing precise enough."""

    def __init__(self, offline: Geocoder, online: Geocoder, *, min_precision: str | None = None) -> None:
        """Chain `offline` and `online`; `min_precision` (in PRECISIONS) also sends coarser offline results online."""
        if min_precision is not None and min_precision not in PRECISIONS:
            raise ExtractError(f"unknown min_precision {min_precision!r}; expected one of {list(PRECISIONS)}")
        self.offline = offline
        self.online = online
        self.min_precision = min_precision
        self.online_errors = 0

    def geocode(self, query: str, *, context: Sequence[str] = ()) -> Place | None:
        """Return the more precise of the offline and online Places (offline on a tie); online errors are counted."""
        place = self.offline.geocode(query, context=context)
        if place is not None and not self._too_coarse(place):
            return place
        try:
            online = self.online.geocode(query, context=context)
        except ExtractError:
            self.online_errors += 1
            return place
        if online is None:
            return place
        if place is None or PRECISION_ORDER[online.precision] < PRECISION_ORDER[place.precision]:
            return online
        return place

    def _too_coarse(self, place: Place) -> bool:
        return self.min_precision is not None and PRECISION_ORDER[place.precision] > PRECISION_ORDER[self.min_precision]


def make_geocoder(*, gazetteer: Gazetteer, online: dict[str, Any] | None = None) -> Geocoder:
    """Return the offline gazetteer geocoder, or, given `online` options, the offline-then-online chain.

    `online` takes OnlineGeocoder's keyword options (without `gazetteer`) plus `min_precision`.

    Example:
        make_geocoder(gazetteer=gazetteer, online={"user_agent": "london-crime-map/0.1 (you@example.org)",
                                                   "cache_path": "data/geocode_cache.sqlite"})
    """
    offline = GazetteerGeocoder(gazetteer)
    if online is None:
        return offline
    options = dict(online)
    unknown = set(options) - ONLINE_OPTIONS - {"min_precision"}
    if unknown:
        raise ExtractError(f"unknown online geocoder options {sorted(unknown)}; expected {sorted(ONLINE_OPTIONS)}")
    min_precision = options.pop("min_precision", None)
    return FallbackGeocoder(offline, OnlineGeocoder(gazetteer=gazetteer, **options), min_precision=min_precision)


def _open_cache(cache_path: str | Path | None) -> sqlite3.Connection:
    try:
        if cache_path is None:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            Path(cache_path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(cache_path), timeout=30, check_same_thread=False)
        conn.executescript(CACHE_SCHEMA)
    except (OSError, sqlite3.Error) as error:
        raise ExtractError(f"{cache_path}: cannot open the geocoding cache: {error}") from None
    return conn
