"""Build the committed gazetteer files under data/gazetteer/ from the raw open data in ../shared/data/london.

Run through `crimemap gazetteer build --source ../shared/data/london`. Only this module needs the raw data, pyproj
and pyshp; the app and the tests read the files it writes.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from shapely import STRtree
from shapely.geometry import mapping, shape

from extract.datafiles import DATA_DIR, read_lines, read_rows
from extract.geo.gazetteer import polygon_at
from extract.geo.names import name_key, street_words

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
    "park": "area",
    "area": "area",
    "outcode": "area",
    "ward": "ward",
    "borough": "borough",
}
JUNK_STREET = re.compile(r"^\d|\b(PLOT|APARTMENT|FLAT|UNIT|BLOCK)\b")
LONDON_TERMINUS = re.compile(r"^London (.+?)(?: International)?$")
STATION_SUFFIX = re.compile(r"\s+(LU|DLR|NR|TfL|Underground|Overground|Rail)$|\s*\(.*\)$")


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
    for r in _gz_csv(source / "streets" / "london_postcodes_codepoint2025_ons2022.csv.gz"):
        if not r["status"].startswith("live") or not r["lat"]:
            continue
        lon, lat = float(r["lon"]), float(r["lat"])
        pc_rows.append((r["postcode"].replace(" ", ""), f"{lat:.5f}", f"{lon:.5f}", r["borough_code"]))
        by_outcode[r["postcode"].split(" ")[0]].append((lon, lat))
    pc_rows.sort()
    with gzip.open(out / "postcodes.csv.gz", "wt", encoding="utf-8", newline="", compresslevel=9) as f:
        postcodes = csv.writer(f)
        postcodes.writerow(("postcode", "lat", "lon", "borough_code"))
        postcodes.writerows(pc_rows)
    for oc, pts in by_outcode.items():
        if len(pts) < 5:
            continue
        lon = sum(p[0] for p in pts) / len(pts)
        lat = sum(p[1] for p in pts) / len(pts)
        add("outcode", oc, lon, lat, outcode=oc, weight=len(pts), source_name="codepoint_open")

    # Areas: GeoNames postcode-district places first, then the Wikipedia list for names GeoNames lacks.
    area_keys = set()
    with open(source / "geonames_postcode_districts_london.tsv", encoding="utf-8", newline="") as f:
        geonames = list(csv.DictReader(f, delimiter="\t"))
    # GeoNames gives places it could not place London's own point: EC3 "Aldgate", "Tower Hill" at Charing Cross.
    london_points = {(r["latitude"], r["longitude"]) for r in geonames if r["place_name"] == "London"}
    labels = {name_key(line) for line in read_lines(data_dir / "borough_labels.txt")}
    for r in geonames:
        name = r["place_name"]
        if name == "London" or (r["latitude"], r["longitude"]) in london_points:
            continue  # the city as a whole is a region (data/regions.csv), not a GeoNames point
        if name_key(name) in labels:
            continue  # "Tower Hamlets" in E77 is GeoNames naming the district after its borough
        lon, lat = float(r["longitude"]), float(r["latitude"])
        add("area", name, lon, lat, outcode=r["postal_code"], weight=20, source_name="geonames")
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
    for feat in parks["features"]:
        pt = shape(feat["geometry"]).representative_point()
        lon, lat = to_wgs.transform(pt.x, pt.y)
        add("park", _title(feat["properties"]["Name"]), lon, lat, weight=30, source_name="historic_england")

    # Streets: the combined gazetteer (PPD, police.uk snap points, bus stops), with ward and locality from PPD.
    ward_locality = {}
    for r in _gz_csv(source / "streets" / "london_streets_ppd_codepoint.csv.gz"):
        ward_locality[(name_key(r["street"]), r["outcode"])] = (r["ward_name"], _title(r["ppd_locality"]))
    street_keys = set()
    for r in _gz_csv(source / "streets" / "london_street_gazetteer_combined.csv.gz"):
        if r["policeuk_generic_place"] == "1" or JUNK_STREET.search(r["name"].upper()):
            continue
        name = re.sub(r"'S\b", "'s", r["name"] if not r["name"].isupper() else _title(r["name"]))
        key = name_key(name)
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

    # Cycle-hire docks are named "Street, Area": they add streets (with an exact point) and tie them to areas.
    root = ET.parse(source / "tfl_cycle_hire_docks_2016.xml").getroot()
    for st in root.iter("station"):
        raw = st.findtext("name") or ""
        if "," not in raw:
            continue
        street, area = (p.strip() for p in raw.split(",", 1))
        lon, lat = float(st.findtext("long", "")), float(st.findtext("lat", ""))
        code = boroughs.code_at(lon, lat)
        if re.search(r"\d|station", street, re.I) or (name_key(street), code) in street_keys:
            continue
        add("street", street, lon, lat, locality=area, weight=3, source_name="tfl_cycle_hire")
        street_keys.add((name_key(street), code))

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

    rows.sort(key=lambda r: (r["key"], r["kind"], r["borough_code"], r["outcode"]))
    with gzip.open(out / "places.csv.gz", "wt", encoding="utf-8", newline="", compresslevel=9) as f:
        places = csv.DictWriter(f, fieldnames=PLACE_COLUMNS)
        places.writeheader()
        places.writerows(rows)
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["kind"]] += 1
    counts["postcode"] = len(pc_rows)
    return dict(counts)
