"""The map: incident groups and their colours, the view a filter opens on, the basemap, and the pydeck layers of each
view in a compact deck.

Markers keep one size at every zoom: a filled dot for a place at a street or finer, a small hollow ring for a
coarser one (a station, postcode, area, ward or borough), never a disc as large as the area. Incidents at one point
are one marker with a count. Incidents placed only as "London" are not drawn.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from dashboard.positions import find_one
from extract.datafiles import DATA_DIR, read_rows
from extract.geo.gazetteer import LONDON_BBOX
from extract.records import PRECISION_ORDER, UNDRAWN_PRECISION

GROUPS_CSV = DATA_DIR / "incident_groups.csv"
CATEGORY_COLORS_CSV = DATA_DIR / "category_colors.csv"
POPULATION_CSV = DATA_DIR / "borough_population.csv"
PER_RESIDENTS = 100_000
POINT_LIMIT = 15_000  # above this the points view turns into density: about 250 bytes a point, see benchmarks/
HEADLINE_CHARS = 90
NO_HEADLINE = "(no headline)"
DECIMALS = 5  # about 1 m: incidents whose points round to the same are one marker
APPROXIMATE_FROM = PRECISION_ORDER["street"] + 1
POINT_LAYERS = ("incidents", "approximate")
STACK_TYPES = 3  # a stack's tooltip names this many types, then "…"
DOT_PX = 5
RING_PX = 6  # the hollow ring of a coarse place: as small as a dot, so that it claims no area
FATAL_PX = 9
HALO_PX = 12  # the white disc under the open incident's marker
PIXELS = "'pixels'"  # quoted: pydeck passes a quoted string on as text, and any other string as an accessor
OUTLINE_COLOR = (90, 90, 90, 160)
DOT_EDGE_COLOR = (40, 40, 40, 200)  # a dark edge keeps the light colours (yellow, grey) visible on light tiles
FATAL_COLOR = (0, 0, 0, 255)
NEAR_COLOR = (0, 0, 0, 200)
HALO_COLOR = (255, 255, 255, 235)
RING_FILL = (255, 255, 255, 140)  # a ring's pale middle: it still reads as hollow, and a click there picks it
# YlOrRd, five classes, light to dark (colorbrewer2.org)
SEQUENTIAL = ((255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38))
CLASSES = len(SEQUENTIAL)
BREAK_DIGITS = 2  # class breaks rounded up to two significant figures: 37 and 1,400, not 36.71 and 1,392.5
SHADE_ALPHA = 200

# Every view's initial view state is fitted to a box as small as the smallest map the page draws: a phone's full
# width (390 px less the page's margins) by the map's height. A wider map shows more around the same fit.
FIT_BOX_PX = (350, 500)
FIT_MARGIN = 0.95  # the fitted bounds fill 95% of the box, so markers at the edge are not cut
TILE_PX = 512  # deck.gl's and MapLibre's world is 512 px wide at zoom 0 (not the 256 of raster tiles)
MAX_FIT_ZOOM = 15.0  # one point, or a few close together: a few streets around them
INCIDENT_ZOOM = 14
KM_PER_DEGREE = 111.32  # of latitude; of longitude, times cos(latitude)

BASEMAPS = ("carto-light", "none")
"""The named basemaps; any other setting is the URL of a MapLibre style (a self-hosted tile server)."""
DEFAULT_BASEMAP = "carto-light"
STYLE_SCHEMES = ("http", "https")

# Templates are constants; Streamlit substitutes {field} from the picked object, and text tooltips are set with
# innerText, so untrusted values never become markup (streamlit frontend DeckGlJsonChart, setTooltip).
POINTS_TOOLTIP = {"text": "{headline}\n{type} · {place}\n{date}{more}"}
# Streamlit fills a tooltip's fields one by one, each in the first "{field}" of the text so far: a headline holding
# "{place}" would take the place's value there. A word joiner (invisible) after each "{" of a value keeps it literal.
TOOLTIP_BRACE = ("{", "{\u2060")
DENSITY_TOOLTIP = {"text": "{n} incidents in this hexagon"}
BOROUGHS_TOOLTIP = {"text": "{name}\n{n} incidents, {rate} per 100,000 residents"}


@dataclass(frozen=True, slots=True)
class Group:
    """An incident-type group the map colours by: the weapons and types it takes, its label and colour."""

    name: str
    label: str
    color: tuple[int, int, int]
    weapons: tuple[str, ...]
    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Category:
    """A police.uk category with its display label and colour (the filter's vocabulary)."""

    name: str
    label: str
    color: tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Shade:
    """One class of a shaded map: its colour, its lower bound (exclusive; None for the first) and its upper bound."""

    color: tuple[int, int, int]
    low: float | None
    high: float


class CompactDeck(pdk.Deck):
    """A pydeck Deck that serialises to JSON without indentation, which halves the payload st.pydeck_chart sends."""

    def to_json(self) -> str:
        """Return the deck as compact JSON."""
        return json.dumps(self, default=default_serialize, separators=(",", ":"))


def load_groups(path: str | Path = GROUPS_CSV) -> tuple[Group, ...]:
    """Return the incident groups in legend order from a CSV with columns group,label,color,weapons,types (the last
    two space-separated); the last group takes every incident no other one does."""
    return tuple(
        Group(
            row["group"], row["label"], _rgb(row["color"]), tuple(row["weapons"].split()), tuple(row["types"].split())
        )
        for row in read_rows(path)
    )


def load_categories(path: str | Path = CATEGORY_COLORS_CSV) -> tuple[Category, ...]:
    """Return the police.uk categories in display order from a CSV with columns category,label,color (#rrggbb)."""
    return tuple(Category(row["category"], row["label"], _rgb(row["color"])) for row in read_rows(path))


def load_population(path: str | Path = POPULATION_CSV) -> dict[str, int]:
    """Return {borough: usual residents at Census 2021} from a CSV with columns borough,population_2021."""
    return {row["borough"]: int(row["population_2021"]) for row in read_rows(path)}


def incident_groups(frame: pd.DataFrame, groups: Sequence[Group]) -> pd.Series:
    """Return each incident's group name: the weapon group listing its type (a stabbing is knife crime whatever else
    the story names), else the first group listing its weapon (a robbery at knifepoint), else the group listing its
    type, else the last group."""
    weapon_groups = [g for g in groups if g.weapons]
    by_weapon_type = {t: g.name for g in reversed(weapon_groups) for t in g.types}
    by_weapon = {w: g.name for g in reversed(weapon_groups) for w in g.weapons}
    by_type = {t: g.name for g in reversed(groups) for t in g.types}
    found = frame["type"].map(by_weapon_type).astype(object)
    for fallback in (frame["weapon"].map(by_weapon), frame["type"].map(by_type)):
        found = found.where(found.notna(), fallback.astype(object))
    return found.where(found.notna(), groups[-1].name if groups else None)


def drawable(frame: pd.DataFrame) -> pd.Series:
    """Return whether the map draws each incident: it has a point, placed more precisely than "London"."""
    return frame["lat"].notna() & frame["lon"].notna() & frame["precision"].ne(UNDRAWN_PRECISION).fillna(True)


def drawn(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the incidents the map draws (see `drawable`)."""
    return frame[drawable(frame).to_numpy(dtype=bool)]  # an array: see dashboard.positions


def shown_view(view: str, n_points: int) -> str:
    """Return the view to draw: the requested one, except points above POINT_LIMIT, which are drawn as density."""
    return "density" if view == "points" and n_points > POINT_LIMIT else view


def basemap_style(setting: str) -> tuple[str | None, str | None]:
    """Return pydeck's (map_provider, map_style) for a basemap setting: "carto-light", "none" (no tiles requested,
    the outlines and points alone) or the http(s) URL of a MapLibre style; anything else raises ValueError."""
    if setting == "carto-light":
        return "carto", "light"
    if setting == "none":
        return None, None
    parts = urlsplit(setting)
    if parts.scheme.lower() not in STYLE_SCHEMES or not parts.netloc:
        raise ValueError(f"basemap {setting!r} is not one of {', '.join(BASEMAPS)} or an http(s) style URL")
    return None, setting


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(
    south: float, west: float, north: float, east: float, *, box: tuple[int, int] = FIT_BOX_PX
) -> dict[str, float]:
    """Return the view state (latitude, longitude, zoom) that shows the bounds whole in a map of `box` pixels."""
    width, height = box
    y_south, y_north = _mercator_y(south), _mercator_y(north)
    zooms = [MAX_FIT_ZOOM]
    if east > west:
        zooms.append(math.log2(FIT_MARGIN * width * 360 / (TILE_PX * (east - west))))
    if y_north > y_south:
        zooms.append(math.log2(FIT_MARGIN * height * 2 * math.pi / (TILE_PX * (y_north - y_south))))
    latitude = math.degrees(2 * math.atan(math.exp((y_south + y_north) / 2)) - math.pi / 2)
    return {
        "latitude": round(latitude, DECIMALS),
        "longitude": round((west + east) / 2, DECIMALS),
        "zoom": round(min(zooms), 2),
    }


LONDON_VIEW = fit_view(LONDON_BBOX.south, LONDON_BBOX.west, LONDON_BBOX.north, LONDON_BBOX.east)
"""All 33 boroughs, also on a phone."""


def points_bounds(frame: pd.DataFrame) -> tuple[float, float, float, float] | None:
    """Return (south, west, north, east) of the points the points view draws of `frame`, or None without any."""
    mask = drawable(frame).to_numpy()
    if not mask.any():
        return None
    # Arrays, not Series: a Series masked takes its index of incident ids too (0.1 s at half a million).
    lats, lons = frame["lat"].to_numpy()[mask], frame["lon"].to_numpy()[mask]
    return float(lats.min()), float(lons.min()), float(lats.max()), float(lons.max())


def boroughs_bounds(boroughs: Mapping | None, names: Iterable[str]) -> tuple[float, float, float, float] | None:
    """Return (south, west, north, east) of the named boroughs' polygons in the borough GeoJSON, or None."""
    wanted = set(names)
    lons: list[float] = []
    lats: list[float] = []
    for feature in (boroughs or {}).get("features", []):
        if feature["properties"]["name"] in wanted:
            for lon, lat in _coordinates(feature["geometry"]):
                lons.append(lon)
                lats.append(lat)
    return (min(lats), min(lons), max(lats), max(lons)) if lats else None


def circle_bounds(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """Return (south, west, north, east) of the circle of `km` around (lat, lon)."""
    dlat = km / KM_PER_DEGREE
    dlon = km / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon


def opening_view(
    points: Callable[[], tuple[float, float, float, float] | None],
    *,
    centre: tuple[float, float] | None = None,
    near: tuple[float, float, float] | None = None,
    boroughs: Mapping | None = None,
    chosen: Sequence[str] = (),
    filtered: bool = False,
) -> dict[str, float]:
    """Return the view a map opens on: centred on `centre` (lat, lon) at INCIDENT_ZOOM; else fitted to the circle
    `near` (lat, lon, km), else to the `chosen` boroughs of the GeoJSON `boroughs`, else (when `filtered`) to the
    points drawn, whose bounds `points` gives (points_bounds; asked only then); else, or when nothing is drawn, all of
    London."""
    if centre:
        return {"latitude": round(centre[0], DECIMALS), "longitude": round(centre[1], DECIMALS), "zoom": INCIDENT_ZOOM}
    bounds: tuple[float, float, float, float] | None
    if near:
        bounds = circle_bounds(*near)
    elif chosen:
        bounds = boroughs_bounds(boroughs, chosen) or points()
    else:
        bounds = points() if filtered else None
    return fit_view(*bounds) if bounds else LONDON_VIEW


def incident_centre(frame: pd.DataFrame, incident: str | None) -> tuple[float, float] | None:
    """Return (lat, lon) of the incident `incident` of `frame` when it has a point, else None."""
    return _point_at(frame, find_one(frame.index, incident))


def _point_at(frame: pd.DataFrame, at: int | None) -> tuple[float, float] | None:
    """Return (lat, lon) of the incident at position `at` of `frame` when it has a point, else None."""
    if at is None or pd.isna(lat := frame["lat"].iat[at]):
        return None
    return float(lat), float(frame["lon"].iat[at])


def incidents_deck(
    frame: pd.DataFrame,
    *,
    view: str,
    groups: Sequence[Group],
    type_labels: Mapping[str, str],
    view_state: Mapping[str, float] | None = None,
    boroughs: dict | None = None,
    population: Mapping[str, int] | None = None,
    per_residents: bool = False,
    near: tuple[float, float, float] | None = None,
    selected: tuple[float, float] | None = None,
    basemap: str = DEFAULT_BASEMAP,
    noun: str = "incident",
    cells: pd.Series | None = None,
    borough_counts: pd.Series | None = None,
) -> CompactDeck:
    """Return the deck that draws `frame` in `view` (points, density or boroughs) from `view_state` (all London when
    None) over the basemap.

    `boroughs` is the borough GeoJSON: outlines under points and density, the polygons of the boroughs view, shaded
    by incidents or, with `per_residents`, by incidents per 100,000 of `population`. `near` is (lat, lon, km): the
    circle of a place search. `selected` is the (lat, lon) of the open incident, marked under its marker. `noun` is
    what a row is, as the tooltips count them ("incident", or "report"). `cells` is cell_counts(frame) and
    `borough_counts` the incidents of each borough name when the caller has them: then the density and boroughs views
    draw them, and `frame` may hold no rows (the legend counts them too: at ten million, 0.15 s each time).
    """
    outlines = [outline_layer(boroughs)] if boroughs else []
    circle = [near_layer(*near)] if near else []
    if view == "points":
        halo = [halo_layer(selected)] if selected else []
        colors = {g.name: list(g.color) for g in groups}
        points = point_layers(frame, groups=groups, colors=colors, type_labels=type_labels, noun=noun)
        layers, tooltip = outlines + circle + halo + points, POINTS_TOOLTIP
    elif view == "density":
        counts = cell_counts(frame) if cells is None else cells
        layers, tooltip = outlines + circle + [density_layer(counts)], DENSITY_TOOLTIP
    elif view == "boroughs":
        counts = frame["borough"].value_counts() if borough_counts is None else borough_counts
        shaded = (
            [borough_layer(boroughs, counts, population=population, per_residents=per_residents)] if boroughs else []
        )
        layers, tooltip = shaded + circle, BOROUGHS_TOOLTIP
    else:
        raise ValueError(f"unknown view {view!r}")
    if noun != "incident":
        tooltip = {"text": tooltip["text"].replace("incidents", f"{noun}s")}
    provider, style = basemap_style(basemap)
    options = {"map_provider": provider} | ({"map_style": style} if style else {})
    return CompactDeck(
        layers=layers, initial_view_state=pdk.ViewState(**(view_state or LONDON_VIEW)), tooltip=tooltip, **options
    )


def point_layers(
    frame: pd.DataFrame,
    *,
    groups: Sequence[Group],
    colors: Mapping[str, list[int]],
    type_labels: Mapping[str, str],
    noun: str = "incident",
) -> list:
    """Return the point layers: hollow rings for coarse places, dots for precise ones, a black ring on the fatal and
    the count beside each stack."""
    placed = drawn(frame)
    approximate = placed["precision_rank"] >= APPROXIMATE_FROM
    group_of = incident_groups(placed, groups)
    options = {"group_of": group_of, "colors": colors, "type_labels": type_labels, "noun": noun}
    rings = point_records(placed[approximate], **options)
    dots = point_records(placed[~approximate], **options)
    fatal = _positions(placed[placed["fatal"].eq(1).fillna(False)])
    counts = [{"p": r["p"], "t": str(r["n"])} for r in rings + dots if r["n"] > 1]
    common = {"get_position": "p", "radius_units": PIXELS, "pickable": True, "auto_highlight": True}
    return [
        pdk.Layer(
            "ScatterplotLayer",
            id="approximate",
            data=rings,
            get_radius=RING_PX,
            get_line_color="c",
            get_fill_color=list(RING_FILL),
            stroked=True,
            filled=True,
            line_width_min_pixels=2.5,
            **common,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="incidents",
            data=dots,
            get_radius=DOT_PX,
            get_fill_color="c",
            get_line_color=list(DOT_EDGE_COLOR),
            stroked=True,
            line_width_min_pixels=1,
            **common,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="fatal",
            data=[{"p": p} for p in dict.fromkeys(map(tuple, fatal))],
            get_position="p",
            radius_units=PIXELS,
            get_radius=FATAL_PX,
            filled=False,
            stroked=True,
            get_line_color=list(FATAL_COLOR),
            line_width_min_pixels=2,
            pickable=False,
        ),
        pdk.Layer(
            "TextLayer",
            id="counts",
            data=counts,
            get_position="p",
            get_text="t",
            get_size=12,
            get_color=[20, 20, 20, 255],
            get_text_anchor="'start'",  # quoted, as PIXELS
            get_alignment_baseline="'bottom'",
            get_pixel_offset=[5, -4],
            background=True,
            get_background_color=[255, 255, 255, 230],
            background_padding=[3, 1, 3, 1],
            font_weight=700,
            pickable=False,
        ),
    ]


def quoted_excerpt(evidence: str) -> str:
    """Stand-in title for a story without a headline (a teaser on a page): the start of its evidence, quoted."""
    if not evidence:
        return NO_HEADLINE
    return f"“{evidence[: HEADLINE_CHARS - 3]}…”" if len(evidence) > HEADLINE_CHARS - 2 else f"“{evidence}”"


def point_records(
    frame: pd.DataFrame,
    *,
    group_of: pd.Series,
    colors: Mapping[str, list[int]],
    type_labels: Mapping[str, str],
    noun: str = "incident",
) -> list[dict]:
    """Return one small dict per marker, in `frame`'s order: the incidents whose points round alike are one marker
    with their count `n`, the id of the first, and the colour of their most common group (`group_of` by incident).

    The tooltip fields of a single incident are its own; a stack's are its first headline, all its types, the
    span of its dates, and (in `more`) how many incidents (or reports: `noun`) it holds.
    """
    headlines = frame["headline"].where(
        frame["headline"].str.len() <= HEADLINE_CHARS, frame["headline"].str.slice(0, HEADLINE_CHARS - 1) + "…"
    )
    headlines = headlines.where(headlines.str.len() > 0, frame["evidence"].map(quoted_excerpt))
    places = frame["place_name"].fillna(frame["location_text"]).fillna("place unknown")
    # Plain lists: iterating pandas' Arrow-backed strings row by row costs more than the rest of this function.
    ids, heads, kinds = frame["incident_id"].tolist(), _literal(headlines), _literal(frame["type"])
    where, days, group_list = _literal(places), frame["date"].tolist(), group_of.reindex(frame.index).tolist()
    positions = _positions(frame)
    stacks: dict[tuple[float, float], list[int]] = {}
    for i, p in enumerate(positions):
        stacks.setdefault((p[0], p[1]), []).append(i)
    order = {g: i for i, g in enumerate(colors)}
    records = []
    for rows in stacks.values():
        first = rows[0]
        if len(rows) == 1:
            group = group_list[first]
        else:
            counted = Counter(group_list[i] for i in rows)
            group = min(counted, key=lambda g: (-counted[g], order.get(g, len(order))))
        record = {
            "id": ids[first],
            "p": positions[first],
            "c": colors.get(group, list(OUTLINE_COLOR[:3])),
            "n": len(rows),
            "headline": heads[first],
            "type": type_labels.get(kinds[first], kinds[first]),
            "place": where[first],
            "date": _day(days[first]),
            "more": "",
        }
        if len(rows) > 1:
            labels = list(dict.fromkeys(type_labels.get(kinds[i], kinds[i]) for i in rows))
            known = sorted(days[i] for i in rows if isinstance(days[i], str))
            record |= {
                "type": ", ".join(labels[:STACK_TYPES]) + (", …" if len(labels) > STACK_TYPES else ""),
                "date": (known[0] if known[0] == known[-1] else f"{known[0]} to {known[-1]}")
                if known
                else "dates unknown",
                "more": f"\n{len(rows)} {noun}s here: click to list them",
            }
        records.append(record)
    return records


def _literal(texts: pd.Series) -> list:
    """Return the texts as a list, each "{" followed by TOOLTIP_BRACE's word joiner (None and NaN kept)."""
    if not texts.str.contains("{", regex=False).any():  # nearly always: the list as it is
        return texts.tolist()
    return texts.str.replace(*TOOLTIP_BRACE, regex=False).tolist()


def stack_of(frame: pd.DataFrame, incident: str) -> list[str]:
    """Return the ids of the incidents of `frame` drawn in one marker with `incident` (itself first), or just
    `incident` when it has no marker there."""
    if (at := find_one(frame.index, incident)) is None:
        return [incident]
    mask = drawable(frame)  # a mask, not a copy of the frame: this runs on every rerun with details open
    if not mask.iat[at]:
        return [incident]
    row = frame.iloc[at]
    same = mask & same_marker(frame, row["lat"], row["lon"], approximate=row["precision_rank"] >= APPROXIMATE_FROM)
    return [incident] + [i for i in frame.index[same.to_numpy(dtype=bool)] if i != incident]


def same_marker(frame: pd.DataFrame, lat: float, lon: float, *, approximate: bool) -> pd.Series:
    """Return whether each incident of `frame`, when drawn, is drawn in the marker at (lat, lon) that is
    `approximate` (a ring) or not (a dot): its point rounds to the same at DECIMALS, and its place is as coarse."""
    return (
        frame["lat"].round(DECIMALS).eq(round(lat, DECIMALS))
        & frame["lon"].round(DECIMALS).eq(round(lon, DECIMALS))
        & (frame["precision_rank"] >= APPROXIMATE_FROM).eq(approximate)
    )


def approximate(precision: str | None) -> bool:
    """Return whether an incident placed this precisely is drawn as an approximate place (a ring), not a dot."""
    return PRECISION_ORDER.get(precision, -1) >= APPROXIMATE_FROM  # type: ignore[arg-type]


def group_counts(pairs: pd.DataFrame, groups: Sequence[Group]) -> list[tuple[Group, int]]:
    """Return the groups present among the incidents the points view draws, with their counts, in legend order;
    `pairs` counts those incidents by type and weapon (dashboard.shown.Shown.pairs: columns type, weapon and n)."""
    counted = pairs["n"].groupby(incident_groups(pairs, groups).to_numpy()).sum()
    return [(g, int(counted[g.name])) for g in groups if counted.get(g.name, 0)]


def near_layer(lat: float, lon: float, km: float) -> pdk.Layer:
    """Return the circle of a place search: `km` around (lat, lon), a dark outline on a faint fill."""
    return pdk.Layer(
        "ScatterplotLayer",
        id="near",
        data=[{"p": [round(lon, DECIMALS), round(lat, DECIMALS)]}],
        get_position="p",
        get_radius=km * 1000,
        get_fill_color=[0, 0, 0, 18],
        get_line_color=list(NEAR_COLOR),
        stroked=True,
        line_width_min_pixels=2,
        pickable=False,
    )


def halo_layer(point: tuple[float, float]) -> pdk.Layer:
    """Return a white disc with a dark edge under the marker at (lat, lon), the incident whose details are open."""
    return pdk.Layer(
        "ScatterplotLayer",
        id="selected",
        data=[{"p": [round(point[1], DECIMALS), round(point[0], DECIMALS)]}],
        get_position="p",
        radius_units=PIXELS,
        get_radius=HALO_PX,
        get_fill_color=list(HALO_COLOR),
        get_line_color=list(FATAL_COLOR),
        stroked=True,
        line_width_min_pixels=1.5,
        pickable=False,
    )


def present(counted: pd.Series) -> pd.Series:
    """Return the values of a count (Series.value_counts) that occur: a categorical's counts list its other values
    too, with 0."""
    return counted[counted > 0]


def cell_counts(frame: pd.DataFrame) -> pd.Series:
    """Return the number of incidents the map draws in each H3 cell, most first."""
    # By position: a mask over a Series of a text index builds the index's hash table on every call (0.15 s at half a
    # million). value_counts leaves out cells that are None (dropna costs 4 times more).
    return present(pd.Series(frame["cell"].array[drawable(frame).to_numpy()]).value_counts())


def density_layer(counts: pd.Series) -> pdk.Layer:
    """Return the incidents counted per H3 cell on the server (cell_counts), as an H3HexagonLayer shaded by class of
    count."""
    colors = shade_colors(counts.to_list(), class_breaks(counts.to_list()))
    data = [{"h": cell, "n": int(n), "c": color} for (cell, n), color in zip(counts.items(), colors)]
    return pdk.Layer(
        "H3HexagonLayer",
        id="density",
        data=data,
        get_hexagon="h",
        get_fill_color="c",
        extruded=False,
        stroked=False,
        opacity=0.75,
        pickable=True,
        auto_highlight=True,
    )


def borough_values(
    boroughs: dict, counts: pd.Series, *, population: Mapping[str, int] | None
) -> list[tuple[str, int, float | None]]:
    """Return (name, incidents, incidents per 100,000 residents or None) for each borough of the GeoJSON; `counts`
    holds the incidents of each borough name (dashboard.shown.Shown.counts)."""
    found = []
    for feature in boroughs["features"]:
        name = feature["properties"]["name"]
        n = int(counts.get(name, 0))
        residents = (population or {}).get(name)
        found.append((name, n, round(n * PER_RESIDENTS / residents, 1) if residents else None))
    return found


def shaded_values(
    *,
    view: str,
    cells: pd.Series,
    borough_counts: pd.Series,
    boroughs: dict | None,
    population: Mapping[str, int] | None,
    per_residents: bool = False,
) -> list[float]:
    """Return the values a shaded view colours, for its legend: the incidents drawn per hexagon (density: `cells`, as
    cell_counts gives them), or per borough of the GeoJSON or per 100,000 of its residents (boroughs: `borough_counts`,
    the incidents of each borough name); [] for other views."""
    if view == "density":
        return [float(n) for n in cells]
    if view == "boroughs" and boroughs:
        values = borough_values(boroughs, borough_counts, population=population)
        return _borough_shades(values, per_residents=per_residents)
    return []


def borough_layer(
    boroughs: dict, counts: pd.Series, *, population: Mapping[str, int] | None = None, per_residents: bool = False
) -> pdk.Layer:
    """Return the borough polygons shaded by class of incidents (`counts`: of each borough name), or of incidents per
    100,000 residents."""
    values = borough_values(boroughs, counts, population=population)
    shaded = _borough_shades(values, per_residents=per_residents)
    colors = shade_colors(shaded, class_breaks(shaded))
    features = [
        {
            "type": "Feature",
            "geometry": f["geometry"],
            "properties": {"name": name, "n": n, "rate": "—" if rate is None else f"{rate:,.1f}", "c": color},
        }
        for f, (name, n, rate), color in zip(boroughs["features"], values, colors)
    ]
    return pdk.Layer(
        "GeoJsonLayer",
        id="boroughs",
        data={"type": "FeatureCollection", "features": features},
        get_fill_color="properties.c",
        get_line_color=list(OUTLINE_COLOR),
        line_width_min_pixels=1,
        opacity=0.7,
        stroked=True,
        filled=True,
        pickable=True,
        auto_highlight=True,
    )


def outline_layer(boroughs: dict) -> pdk.Layer:
    """Return the borough boundaries as thin lines, so the map has a geography without a basemap."""
    return pdk.Layer(
        "GeoJsonLayer",
        id="outlines",
        data=boroughs,
        filled=False,
        stroked=True,
        get_line_color=list(OUTLINE_COLOR),
        line_width_min_pixels=0.7,
        pickable=False,
    )


def class_breaks(values: Sequence[float], *, classes: int = CLASSES) -> list[float]:
    """Return the upper bounds of up to `classes` classes of the positive values: their quantiles, rounded up to two
    significant figures, each above the last, the last the largest value; [] when none is positive."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    breaks: list[float] = []
    for i in range(1, classes + 1):
        at = positive[min(len(positive) - 1, math.ceil(i * len(positive) / classes) - 1)]
        bound = _round_up(at)
        if not breaks or bound > breaks[-1]:
            breaks.append(bound)
    return breaks


def shade_colors(values: Sequence[float], breaks: Sequence[float]) -> list[list[int]]:
    """Return each value's colour: its class's (the first break at or above it), transparent for 0."""
    palette = class_palette(len(breaks))
    return [
        [*palette[next(i for i, b in enumerate(breaks) if v <= b)], SHADE_ALPHA] if v > 0 else [0, 0, 0, 0]
        for v in values
    ]


def class_palette(n: int) -> list[tuple[int, int, int]]:
    """Return `n` colours of SEQUENTIAL spread from light to dark (the darkest alone for one class)."""
    if n <= 1:
        return list(SEQUENTIAL[-1:]) * n
    return [SEQUENTIAL[round(i * (CLASSES - 1) / (n - 1))] for i in range(n)]


def shades(values: Sequence[float]) -> list[Shade]:
    """Return the classes a shaded map draws `values` in, light to dark, for its legend."""
    breaks = class_breaks(values)
    return [
        Shade(color, breaks[i - 1] if i else None, high)
        for i, (color, high) in enumerate(zip(class_palette(len(breaks)), breaks))
    ]


def marker_point(frame: pd.DataFrame, incident: str | None) -> tuple[float, float] | None:
    """Return (lat, lon) of the marker that draws `incident` of `frame`, or None when the map does not draw it."""
    if (at := find_one(frame.index, incident)) is None or not drawable(frame.iloc[[at]]).iloc[0]:
        return None
    return _point_at(frame, at)  # found once: on a filtered frame each look-up is a scan


def selected_incident(event: Mapping | None) -> str | None:
    """Return the incident id picked in a pydeck selection event (`{"selection": {"objects": ...}}`), or None."""
    objects = ((event or {}).get("selection") or {}).get("objects") or {}
    for layer in POINT_LAYERS:
        for obj in objects.get(layer) or ():
            if isinstance(obj, Mapping) and isinstance(obj.get("id"), str):
                return obj["id"]
    return None


def _borough_shades(values: Iterable[tuple[str, int, float | None]], *, per_residents: bool) -> list[float]:
    return [(rate or 0.0) if per_residents else float(n) for _, n, rate in values]


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


def _positions(frame: pd.DataFrame) -> list[list[float]]:
    return [[round(lon, DECIMALS), round(lat, DECIMALS)] for lon, lat in zip(frame["lon"], frame["lat"])]


def _day(day: object) -> str:
    return day if isinstance(day, str) else "date unknown"


def _round_up(value: float) -> float:
    if value <= 0:
        return value
    scale = 10 ** (math.floor(math.log10(value)) - BREAK_DIGITS + 1)
    return round(math.ceil(round(value / scale, 9)) * scale, 10)


def _coordinates(geometry: Mapping) -> Iterable[tuple[float, float]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        for ring in polygon:
            for lon, lat, *_ in ring:
                yield lon, lat
