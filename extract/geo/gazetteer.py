"""The offline London gazetteer: load the committed files once, then pure look-ups.

Example:
    gaz = load_gazetteer()
    gaz.locate("Bells Hill, High Barnet")  # Place(name='Bells Hill', borough='Barnet', precision='street', ...)

`crimemap gazetteer build --source ../shared/data/london` regenerates data/gazetteer/ (see extract.geo.build).
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import pickle
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from shapely import STRtree
from shapely.geometry import Point, shape

from extract.datafiles import DATA_DIR, GAZETTEER_DIR, read_lines, read_rows
from extract.geo.names import name_heads, name_key, street_strength
from extract.records import Place

BOROUGHS = (
    "Barking and Dagenham",
    "Barnet",
    "Bexley",
    "Brent",
    "Bromley",
    "Camden",
    "City of London",
    "Croydon",
    "Ealing",
    "Enfield",
    "Greenwich",
    "Hackney",
    "Hammersmith and Fulham",
    "Haringey",
    "Harrow",
    "Havering",
    "Hillingdon",
    "Hounslow",
    "Islington",
    "Kensington and Chelsea",
    "Kingston upon Thames",
    "Lambeth",
    "Lewisham",
    "Merton",
    "Newham",
    "Redbridge",
    "Richmond upon Thames",
    "Southwark",
    "Sutton",
    "Tower Hamlets",
    "Waltham Forest",
    "Wandsworth",
    "Westminster",
)
"""The official names of the 32 London boroughs and the City of London."""


BOROUGH_EDGE_DEGREES = 0.004
"""A point this close to a borough polygon (about 300 m) is in that borough: the Thames is outside every polygon."""


REGION_KM = 15.0  # a namesake this close to a compass region's point ("west London") is the one it means
REGION_SUPPORT = 0.5  # a tie-breaker only: below a borough's or an area's named in the story
WHOLE_LONDON = frozenset({"london", "greater london", "central london"})  # regions that tell no part of London


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """A latitude/longitude box; `corners` gives it as ((south, west), (north, east)), the order geopy takes."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        """True when the point is strictly inside the box."""
        return self.west < lon < self.east and self.south < lat < self.north

    @property
    def corners(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (self.south, self.west), (self.north, self.east)


LONDON_BBOX = BoundingBox(south=51.28, west=-0.52, north=51.70, east=0.34)
"""A box around Greater London (also the box the geoparsing benchmark's London subset was cut with)."""


def polygon_at(polygons: STRtree, lat: float, lon: float) -> int | None:
    """Return the index in `polygons` of the polygon containing the point, else of the nearest one if it is within
    BOROUGH_EDGE_DEGREES; None when there is none."""
    p = Point(lon, lat)
    for i in polygons.query(p, predicate="intersects"):
        return int(i)
    i = polygons.nearest(p)
    if i is not None and polygons.geometries[int(i)].distance(p) < BOROUGH_EDGE_DEGREES:
        return int(i)
    return None


NEAR_KM = (1.0, 2.5, 5.0)
MAX_SUPPORT = 4.5  # the most one context entry gives a candidate: near it or in its outcode or ward (4), same borough
SAME_STREET_KM = 2.0  # candidates of one name this close together are taken as one street
JUNCTION_KM = 1.5  # two streets' nearest points further apart than this do not meet: a street's point is the middle
# of its postcodes in one district, so the points of two crossing streets can lie a kilometre apart
FULL_POSTCODE = re.compile(r"^([a-z]{1,2}\d[a-z\d]?) ?(\d[a-z]{2})$")
LONDON_POSTCODE = re.compile(r"^london\s+(?=[a-z]{1,2}\d)", re.IGNORECASE)  # "London SE15" is the district SE15
# "junction of A and B", "corner of A and B", "A / B", "A at its junction with B", "A junction with B"
JUNCTION = re.compile(
    r"^(?:(?:the\s+)?(?:junction|corner)\s+(?:of|between)\s+(?P<a>.+?)\s+(?:and|with|&)\s+(?P<b>.+)"
    r"|(?P<c>.+?)(?:\s*/\s*|\s+at\s+(?:its|the)\s+(?:junction|corner)\s+(?:with|of)\s+"
    r"|\s+(?:junction|corner)\s+(?:with|of)\s+)(?P<d>.+))$",
    re.IGNORECASE,
)
AREA_STREET = re.compile(r"^(.+?) (high road|high street|broadway|market place|road)$")
AREA_STREETS = frozenset({"high road", "high street", "broadway", "market place"})
# A name ending in these is a street even where GeoNames labels a postcode district with it ("Coldharbour Lane"):
# when its streets are ambiguous, the label does not stand in for them
THOROUGHFARE_WORDS = frozenset({"road", "street", "lane", "avenue"})
STATION_WORDS = re.compile(r" (tube|underground|overground|railway|rail|train|dlr|bus|elizabeth line)? ?station$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer row: a named point of a given kind, with the borough it falls in."""

    kind: str
    precision: str
    name: str
    key: str
    lat: float
    lon: float
    borough_code: str
    outcode: str
    ward: str
    locality: str
    weight: int
    source: str


KM_PER_DEGREE = 6371.0 * math.pi / 180
HALF_DEGREE = math.pi / 360  # radians in half a degree: the mean latitude's cosine from the sum of two latitudes


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the distance in kilometres between two WGS84 points (equirectangular; fine within London)."""
    # 6371 km * radians(d) folded into one constant: this runs for every candidate and context name of a story
    return KM_PER_DEGREE * math.hypot((lon2 - lon1) * math.cos((lat1 + lat2) * HALF_DEGREE), lat2 - lat1)


class Gazetteer:
    """Look-ups over the London gazetteer: candidates by name, context-aware `locate`, and `borough_at`."""

    def __init__(
        self,
        entries: list[Entry],
        borough_geojson: dict,
        *,
        non_london: frozenset[str],
        postcodes_path: Path | None,
        historic_counties: Mapping[str, frozenset[str]] | None = None,
    ):
        self._entries: list[Entry] | None = entries
        self._by_key: dict[str, list[Entry]] = {}
        for e in entries:
            self._by_key.setdefault(e.key, []).append(e)
        self._packed: dict[str, str] = {}  # key -> its rows as text, for a gazetteer unpickled (see __setstate__)
        feats = borough_geojson["features"]
        self._borough = [(f["properties"]["name"], f["properties"]["code"]) for f in feats]
        self.borough_names = dict((code, name) for name, code in self._borough)
        self._polygons = STRtree([shape(f["geometry"]) for f in feats])
        self.non_london = non_london
        self.historic_counties = historic_counties or {}  # county key -> GSS codes of the boroughs made from it
        self._postcodes_path = postcodes_path
        self._postcodes: dict[str, str] | None = None
        self._context_memo: dict[str, list[Entry]] = {}

    def __getstate__(self) -> dict[str, object]:
        """Pickle the entries as one string of rows per key (see _pack): their Entry objects are made again only for
        the keys a text looks up, as tens of thousands of them would take longer to unpickle than the rest of the
        extractor. The postcodes and the context memo are left out: they load and fill again on use."""
        packed = self._packed
        if self._entries is not None and not packed:  # built from its entries, not unpickled
            index = {id(e): i for i, e in enumerate(self._entries)}
            packed = {key: _pack(es, [index[id(e)] for e in es]) for key, es in self._by_key.items()}
        return self.__dict__ | {
            "_entries": None,
            "_by_key": {},
            "_packed": packed,
            "_postcodes": None,
            "_context_memo": {},
        }

    @property
    def entries(self) -> list[Entry]:
        """Every entry, in the order of the gazetteer's files."""
        if self._entries is None:
            rows: list[tuple[int, Entry]] = []
            for key, packed in self._packed.items():
                unpacked = _unpack(key, packed)
                made = self._by_key.setdefault(key, [e for _, e in unpacked])  # the objects candidates() gives
                rows += zip([i for i, _ in unpacked], made, strict=True)
            self._entries = [e for _, e in sorted(rows, key=lambda row: row[0])]
        return self._entries

    @property
    def by_key(self) -> Mapping[str, list[Entry]]:
        """Every key with its entries."""
        return {key: self.candidates(key) for key in {**self._packed, **self._by_key}}

    def candidates(self, key: str) -> list[Entry]:
        """Return every entry whose canonical key is `key` (see extract.geo.names.name_key)."""
        found = self._by_key.get(key)
        if found is None:
            packed = self._packed.get(key)
            if packed is None:
                return []
            found = self._by_key[key] = [e for _, e in _unpack(key, packed)]
        return found

    def borough_at(self, lat: float, lon: float) -> tuple[str, str] | None:
        """Return (official borough name, GSS code) of the borough containing the point, or None outside London."""
        i = polygon_at(self._polygons, lat, lon)
        return None if i is None else self._borough[i]

    def postcode(self, postcode: str) -> Entry | None:
        """Return the entry of a live full postcode ("SE10 8SF", any case or spacing), or None."""
        if self._postcodes is None:
            self._postcodes = _read_postcodes(self._postcodes_path)
        compact = postcode.replace(" ", "").upper()
        hit = self._postcodes.get(compact)
        if not hit:
            return None
        lat, lon, code = hit.split(",")
        name = f"{compact[:-3]} {compact[-3:]}"
        return Entry(
            "postcode",
            "postcode",
            name,
            name.lower(),
            float(lat),
            float(lon),
            code,
            compact[:-3],
            "",
            "",
            1,
            "codepoint_open",
        )

    def _known(self, name: str) -> bool:
        key = name_key(name)
        return bool(self.candidates(key)) or bool(FULL_POSTCODE.match(key) and self.postcode(key))

    def is_non_london(self, name: str) -> bool:
        """True when `name` is a place outside Greater London (a county, town, city, state or country)."""
        return name_key(name) in self.non_london

    def locate(self, query: str, *, context: Sequence[str] = ()) -> Place | None:
        """Geocode a London place name; `context` holds other place names from the same text.

        "Bells Hill, High Barnet": the parts after the first comma are context too. A qualifier outside London
        ("Edmonton, Alberta") gives None. A name with candidates in several places is decided by the context;
        without context it falls back to the borough all candidates share, else None.
        """
        parts = [LONDON_POSTCODE.sub("", p.strip(), count=1) for p in query.split(",")]
        parts = [p for p in parts if p]
        if not parts:
            return None
        # "Bromley, Kent" is London: a county a borough was made from qualifies that borough's places
        counties = [p for p in parts[1:] if name_key(p) in self.historic_counties]
        if any(self.is_non_london(p) for p in parts if p not in counties):
            return None
        target, qualifiers = parts[0], [p for p in parts[1:] if p not in counties]
        if qualifiers and not any(self._known(q) for q in qualifiers):
            return None  # "Kingston, Jamaica": a qualifier London does not know places the name elsewhere
        key = name_key(target)
        if qualifiers and key in AREA_STREETS:  # "High Street, Shoreditch" is Shoreditch High Street
            joined = f"{name_key(qualifiers[0])} {key}"
            if any(e.kind == "street" for e in self.candidates(joined)):
                key, target = joined, f"{qualifiers[0]} {target}"
        near = self._context(qualifiers)
        ctx = near + self._context([c for c in context if c])
        place = self._locate_key(key, target, ctx, near=near)
        if place is None and not self.candidates(key):
            place = self._junction(target, ctx, near=near)
        if place is not None and counties:
            allowed = set().union(*(self.historic_counties[name_key(c)] for c in counties))
            return place if place.borough_code in allowed else None  # "Dartford, Kent" is not "Bexley, Kent"
        return place

    def _junction(self, name: str, ctx: list[Entry], *, near: list[Entry]) -> Place | None:
        """Return where two streets meet ("junction of A and B", "A / B"): the middle of the nearest pair of their
        points in one borough, when they lie within JUNCTION_KM; None when `name` names no junction."""
        m = JUNCTION.match(name.strip())
        if not m:
            return None
        a_name, b_name = (m.group("a"), m.group("b")) if m.group("a") else (m.group("c"), m.group("d"))
        a_cands = [e for e in self.candidates(name_key(a_name)) if e.kind == "street"]
        b_cands = [e for e in self.candidates(name_key(b_name)) if e.kind == "street"]
        placing = [e for e in near if e.kind != "region"]
        pairs = [
            (km(a.lat, a.lon, b.lat, b.lon), a, b)
            for a in a_cands
            for b in b_cands
            if a.borough_code == b.borough_code
            and (not placing or self._support(a, placing, qualifier=True) or self._support(b, placing, qualifier=True))
        ]
        if not pairs:
            return None
        d, a, b = min(pairs, key=lambda t: (t[0], -self._support(t[1], ctx) - self._support(t[2], ctx)))
        if d > JUNCTION_KM:
            return None
        lat, lon = (a.lat + b.lat) / 2, (a.lon + b.lon) / 2
        return Place(
            name=f"{a.name} / {b.name}",
            lat=round(lat, 5),
            lon=round(lon, 5),
            kind="junction",
            precision="junction",
            borough=self.borough_names.get(a.borough_code),
            borough_code=a.borough_code or None,
            source=a.source if a.source == b.source else f"{a.source}+{b.source}",
            candidates=len(pairs),
        )

    def _locate_key(self, key: str, display: str, ctx: list[Entry], *, near: list[Entry]) -> Place | None:
        m = FULL_POSTCODE.match(key)
        if m:
            e = self.postcode(key)
            return self._place(e, 1) if e else None
        cands = self.candidates(key)
        station = STATION_WORDS.sub("", key)
        if station != key:  # "Waterloo station" is the station, not the Land Registry address "Waterloo Station"
            cands = [e for e in self.candidates(station) if e.kind == "station"] or cands or self.candidates(station)
        if not cands:
            m = AREA_STREET.match(key)  # "Tottenham High Road": the High Road near Tottenham
            if m and self.candidates(m.group(1)):
                near_area = [e for e in self.candidates(m.group(1)) if e.kind != "street"]
                streets = [e for e in self.candidates(m.group(2)) if e.kind == "street"]
                if near_area and streets:
                    return self._choose(streets, near_area + ctx, display, near=near_area)
            return None
        preferred = self.preferred_kind(key, cands)
        placing = [e for e in near if e.kind != "region"]
        if placing and not any(self._support(c, placing, qualifier=True) for c in preferred):
            # "Cheapside, City of London": the street its qualifier places, not GeoNames' area of that name
            supported = [c for c in cands if self._support(c, placing, qualifier=True)]
            preferred = self.preferred_kind(key, supported) if supported else preferred
        named_after = self._named_after(key)
        place = self._choose(preferred, ctx, display, near=near, named_after=named_after)
        if place is None and len(preferred) < len(cands) and key.rsplit(" ", 1)[-1] not in THOROUGHFARE_WORDS:
            # "Stamford Hill": the street is in two boroughs, the area of that name in one
            chosen = {id(c) for c in preferred}
            rest = [c for c in cands if id(c) not in chosen]
            place = self._choose(self.preferred_kind(key, rest), ctx, display, near=near, named_after=named_after)
        return place

    def _named_after(self, key: str) -> list[Entry]:
        """Return the area a street is named after ("Sydenham Road": Sydenham; "Bromley High Street": Bromley, the
        longest of its first words that names one), the last resort between namesakes: such a road runs through or
        towards its area, its namesakes elsewhere do not."""
        if street_strength(key) is None:  # "Stratford Broadway" too: a weak street word
            return []
        for head in name_heads(key):
            if areas := [e for e in self.candidates(head) if e.kind in ("area", "station")]:
                return areas
        return []

    def preferred_kind(self, key: str, cands: list[Entry]) -> list[Entry]:
        """Keep the candidates of the kind a bare name most likely means.

        "Coldharbour Lane" is a street; "Muswell Hill" (also a street) is the area; "Croydon" is the town inside
        the borough of that name, but "Hammersmith and Fulham" is the borough.
        """
        by_kind: dict[str, list[Entry]] = defaultdict(list)
        for e in cands:
            by_kind[e.kind].append(e)
        if "street" in by_kind and (street_strength(key) == "strong" or len(by_kind) == 1):
            return by_kind["street"]
        if "borough" in by_kind:
            code = by_kind["borough"][0].borough_code
            towns = [e for e in by_kind.get("area", []) if e.borough_code == code]
            return towns or by_kind["borough"]
        # The hand-made landmarks first: GeoNames puts "Clapham Common" or "Wimbledon Common" 1.7-2.5 km away. An
        # area or station named after a park ("Finsbury Park") is what a bare name usually means; a site comes next.
        for kind in ("landmark", "area", "station", "site", "ward", "outcode", "street", "region"):
            if kind in by_kind:
                return by_kind[kind]
        return cands

    def _context(self, names: Sequence[str]) -> list[Entry]:
        """Resolve context names to the entries they can mean (areas, stations, boroughs, postcodes, and streets
        with one location); each name's entries are memoised, as a story geocodes many names against one context."""
        out: list[Entry] = []
        for n in names:
            hit = self._context_memo.get(n)
            if hit is None:
                if len(self._context_memo) > 4096:
                    self._context_memo.clear()
                hit = self._context_memo[n] = self._context_entries(n)
            out.extend(hit)
        return out

    def _context_entries(self, name: str) -> list[Entry]:
        key = name_key(name)
        if FULL_POSTCODE.match(key):
            e = self.postcode(key)
            return [e] if e else []
        cands = self.candidates(key)
        places = [e for e in cands if e.kind != "street"]
        if not places and cands and self._clustered(cands):
            places = cands  # a street with one location ("junction with Queensbridge Road") places others
        return places

    def _choose(
        self,
        cands: list[Entry],
        ctx: list[Entry],
        display: str,
        *,
        near: list[Entry],
        named_after: Sequence[Entry] = (),
    ) -> Place | None:
        """Pick among same-name candidates: the qualifier ("..., High Barnet") first, then the whole context, then
        the area a street is named after.

        A street whose qualifier places none of its candidates ("High Street, Hoxton") is not found, nor a place
        whose qualifier is an area or station far from it ("Croydon, Victoria" is in Australia). A place qualified by a
        borough none of its candidates is in ("Manor Park, Sutton": the park, not Newham's Manor Park) is placed in
        that borough, at its precision.
        """
        placing = [e for e in near if e.kind != "region"]
        if placing and not any(self._support(c, placing, qualifier=True) for c in cands):
            boroughs = [e.borough_code for e in placing if e.kind == "borough"]
            if boroughs and any(c.kind != "street" for c in cands):
                return self._borough_place(boroughs[0], display, len(cands))
            return None
        if len(cands) == 1:
            return self._place(cands[0], 1)
        total = len(cands)
        # the area a street is named after decides only between namesakes in different boroughs: one borough's long
        # road ("Purley Way") is that borough's, not the end of it nearest its namesake
        named = named_after if len({c.borough_code for c in cands}) > 1 else ()
        for context in (near, ctx, named):
            if not context:
                continue
            scored = sorted(
                ((self._support(c, context, qualifier=context is near), c.weight, i) for i, c in enumerate(cands)),
                reverse=True,
            )
            if scored[0][0] > 0:
                top = [cands[i] for s, _, i in scored if s == scored[0][0]]
                # One place, or the stretches of one long road the context places alike ("Cranbrook Road" near
                # Ilford: IG1, IG2 and IG6): the heaviest of them.
                if len(top) == 1 or self._clustered(top) or self._chained(top):
                    return self._place(cands[scored[0][2]], total)
                cands = top
        if self._clustered(cands):
            return self._place(max(cands, key=lambda e: e.weight), total)
        codes = {c.borough_code for c in cands}
        if len(codes) != 1:
            return None
        if cands[0].kind != "street":  # an area spanning several postcode districts is still that area
            lat = sum(c.lat for c in cands) / len(cands)
            lon = sum(c.lon for c in cands) / len(cands)
            return self._place(min(cands, key=lambda c: km(lat, lon, c.lat, c.lon)), total)
        return self._borough_place(codes.pop(), display, total)

    def _support(self, c: Entry, ctx: Sequence[Entry], *, qualifier: bool = False) -> float:
        """Score how well the context places a candidate: same outcode, ward, locality, borough, distance.

        A qualifier must be within 2.5 km, or within 5 km in the same borough.
        """
        score = 0.0
        names = (name_key(c.ward), name_key(c.locality))
        lat, lon, code = c.lat, c.lon, c.borough_code
        for e in ctx:
            kind = e.kind
            if kind == "region":
                # "Hayes, west London": a compass region weakly places the namesake near its point, a tie-breaker only
                if e.key in WHOLE_LONDON:
                    continue
                s = REGION_SUPPORT if km(lat, lon, e.lat, e.lon) < REGION_KM else 0.0
                if s > score:
                    score = s
                continue
            if kind == "borough":
                s = 3.0 if e.borough_code == code else 0.0
            else:
                # km() written out: this loop runs for every candidate and context entry of every look-up
                d = KM_PER_DEGREE * math.hypot((e.lon - lon) * math.cos((lat + e.lat) * HALF_DEGREE), e.lat - lat)
                s = 4.0 if d < NEAR_KM[0] else 3.0 if d < NEAR_KM[1] else 1.0 if d < NEAR_KM[2] else 0.0
                if qualifier and s == 1.0 and e.borough_code != code:
                    s = 0.0  # "High Street, Shoreditch" is not Stratford High Street, 4 km away in Newham
                if s < 4.0 and (kind == "outcode" and e.outcode == c.outcode or e.key and e.key in names):
                    s = 4.0
                if e.borough_code == code:
                    s += 0.5
            if s > score:
                score = s
                if score == MAX_SUPPORT:
                    break  # no entry can score more
        return score

    @staticmethod
    def _chained(cands: list[Entry]) -> bool:
        """True when `cands` are stretches of one street in one borough, each within SAME_STREET_KM of another."""
        if len({(c.kind, c.key, c.borough_code) for c in cands}) != 1 or cands[0].kind != "street":
            return False
        reached, todo = {0}, [0]
        while todo:
            a = cands[todo.pop()]
            for j, b in enumerate(cands):
                if j not in reached and km(a.lat, a.lon, b.lat, b.lon) <= SAME_STREET_KM:
                    reached.add(j)
                    todo.append(j)
        return len(reached) == len(cands)

    @staticmethod
    def _clustered(cands: list[Entry]) -> bool:
        anchor = max(cands, key=lambda e: e.weight)
        return all(km(anchor.lat, anchor.lon, c.lat, c.lon) <= SAME_STREET_KM for c in cands)

    def _place(self, e: Entry, n: int) -> Place:
        borough = self.borough_names.get(e.borough_code)
        return Place(
            name=e.name,
            lat=e.lat,
            lon=e.lon,
            kind=e.kind,
            precision=e.precision,
            borough=borough,
            borough_code=e.borough_code or None,
            source=e.source,
            candidates=n,
        )

    def _borough_place(self, code: str, display: str, n: int) -> Place:
        b = next(e for e in self.candidates(name_key(self.borough_names[code])) if e.kind == "borough")
        name = b.name if name_key(display) == b.key else f"{display} ({b.name})"
        return Place(
            name=name,
            lat=b.lat,
            lon=b.lon,
            kind="borough",
            precision="borough",
            borough=b.name,
            borough_code=code,
            source=b.source,
            candidates=n,
        )


FIELDS = 12  # what _pack writes per entry: its place in the order, then every Entry field but the key
FIELD_END, ROW_END = "\x1f", "\x1e"  # ASCII unit and record separators: no name in the gazetteer holds them


def _pack(entries: list[Entry], indexes: list[int]) -> str:
    """Return the entries of one key (and their places in the gazetteer's order) as one string; floats as their
    repr, which float() reads back to the same number. A field holding a separator cannot be packed: PicklingError
    (the extractor is then used uncached)."""
    packed = ROW_END.join(
        FIELD_END.join(
            (
                str(i),
                e.kind,
                e.precision,
                e.name,
                repr(e.lat),
                repr(e.lon),
                e.borough_code,
                e.outcode,
                e.ward,
                e.locality,
                str(e.weight),
                e.source,
            )
        )
        for i, e in zip(indexes, entries, strict=True)
    )
    if packed.count(ROW_END) != len(entries) - 1 or packed.count(FIELD_END) != len(entries) * (FIELDS - 1):
        raise pickle.PicklingError(f"a gazetteer entry of {entries[0].key!r} holds a separator")
    return packed


def _unpack(key: str, packed: str) -> list[tuple[int, Entry]]:
    """Return the entries _pack wrote for `key`, each with its place in the gazetteer's order."""
    out = []
    for row in packed.split(ROW_END):
        i, kind, precision, name, *rest = row.split(FIELD_END)
        out.append((int(i), _entry(kind, precision, name, key, *rest)))
    return out


def _entry(*fields: str) -> Entry:
    """Return the Entry of a row of places.csv.gz (the packing holds the same fields as text)."""
    kind, precision, name, key, lat, lon, code, outcode, ward, locality, weight, source = fields
    return Entry(kind, precision, name, key, float(lat), float(lon), code, outcode, ward, locality, int(weight), source)


def _read_postcodes(path: Path | None) -> dict[str, str]:
    """Return postcode -> "lat,lon,borough code" as the postcodes file writes them (no field there is quoted): the
    numbers are read only for the postcodes looked up, as reading all 180,000 rows with csv costs 0.25 s the first
    time a text holds a postcode."""
    if path is None or not path.exists():
        return {}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = f.read().splitlines()
    return dict(row.split(",", 1) for row in rows[1:])


def load_borough_geojson(gazetteer_dir: Path = GAZETTEER_DIR) -> dict:
    """Return the 33 borough polygons of `gazetteer_dir` as a GeoJSON FeatureCollection (properties: name, code)."""
    return json.loads((gazetteer_dir / "boroughs.geojson").read_text(encoding="utf-8"))


def load_gazetteer(gazetteer_dir: Path = GAZETTEER_DIR, *, data_dir: Path = DATA_DIR) -> Gazetteer:
    """Load the built gazetteer of `gazetteer_dir` (places, borough polygons; postcodes load on first use) and the
    borough aliases, regions and non-London names of `data_dir`."""
    entries: list[Entry] = []
    with gzip.open(gazetteer_dir / "places.csv.gz", "rt", encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        entries.extend(_entry(*row) for row in rows)
    boroughs = load_borough_geojson(gazetteer_dir)
    code_of = {f["properties"]["name"]: f["properties"]["code"] for f in boroughs["features"]}
    point_of = {e.borough_code: e for e in entries if e.kind == "borough"}
    for r in read_rows(data_dir / "borough_aliases.csv"):
        b = point_of[code_of[r["borough"]]]
        entries.append(
            Entry(
                "borough",
                "borough",
                b.name,
                name_key(r["alias"]),
                b.lat,
                b.lon,
                b.borough_code,
                "",
                "",
                "",
                b.weight,
                "alias",
            )
        )
    for r in read_rows(data_dir / "regions.csv"):
        entries.append(
            Entry(
                "region",
                "london",
                r["name"],
                name_key(r["name"]),
                float(r["lat"]),
                float(r["lon"]),
                "",
                "",
                "",
                "",
                1,
                "regions",
            )
        )
    counties: dict[str, set[str]] = defaultdict(set)
    for r in read_rows(data_dir / "historic_counties.csv"):
        counties[name_key(r["county"])].add(code_of[r["borough"]])
    return Gazetteer(
        entries,
        boroughs,
        non_london=load_elsewhere(data_dir),
        postcodes_path=gazetteer_dir / "postcodes.csv.gz",
        historic_counties={k: frozenset(v) for k, v in counties.items()},
    )


def load_elsewhere(data_dir: Path = DATA_DIR) -> frozenset[str]:
    """Return the canonical keys of places outside Greater London: the hand list non_london.txt, the counties and
    regions of elsewhere_regions.txt and the GeoNames towns and countries of elsewhere_geonames.txt in `data_dir`."""
    names = read_lines(data_dir / "non_london.txt") + read_lines(data_dir / "elsewhere_regions.txt")
    # elsewhere_geonames.txt holds keys already: thousands of lines, read without normalising them again
    return frozenset([name_key(n) for n in names] + read_lines(data_dir / "elsewhere_geonames.txt"))
