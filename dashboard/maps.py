"""The map: view constants, the category colours, the pydeck layers of each view and the compact deck."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from extract.datafiles import DATA_DIR, read_rows
from extract.records import PRECISIONS

CATEGORY_COLORS_CSV = DATA_DIR / "category_colors.csv"
LONDON_VIEW = {"latitude": 51.4893, "longitude": -0.1096, "zoom": 9.0}
INCIDENT_ZOOM = 14
POINT_LIMIT = 15_000  # above this the points view turns into density: about 250 bytes a point, see benchmarks/
HEADLINE_CHARS = 90
NO_HEADLINE = "(no headline)"
DECIMALS = 5  # about 1 m
POINT_RADIUS_M = 40
APPROXIMATE_RADIUS_M = {"station": 150, "postcode": 150, "area": 500, "ward": 600, "borough": 1500, "london": 3000}
APPROXIMATE_FROM = PRECISIONS.index("street") + 1
POINT_LAYERS = ("incidents", "approximate")
UNKNOWN_COLOR = (120, 120, 120)
OUTLINE_COLOR = (90, 90, 90, 160)
FATAL_COLOR = (0, 0, 0, 255)
# YlOrRd, light to dark (colorbrewer2.org)
SEQUENTIAL = ((255, 255, 178), (254, 217, 118), (254, 178, 76), (253, 141, 60), (240, 59, 32), (189, 0, 38))

# Templates are constants; Streamlit substitutes {field} from the picked object, and text tooltips are set with
# innerText, so untrusted values never become markup (streamlit frontend DeckGlJsonChart, setTooltip).
POINTS_TOOLTIP = {"text": "{headline}\n{type} · {place}\n{date}"}
DENSITY_TOOLTIP = {"text": "{n} incidents in this hexagon"}
BOROUGHS_TOOLTIP = {"text": "{name}\n{n} incidents"}


@dataclass(frozen=True, slots=True)
class Category:
    """A police.uk category with its display label and map colour."""

    name: str
    label: str
    color: tuple[int, int, int]


class CompactDeck(pdk.Deck):
    """A pydeck Deck that serialises to JSON without indentation, which halves the payload st.pydeck_chart sends."""

    def to_json(self) -> str:
        """Return the deck as compact JSON."""
        return json.dumps(self, default=default_serialize, separators=(",", ":"))


def load_categories(path: str | Path = CATEGORY_COLORS_CSV) -> tuple[Category, ...]:
    """Return the police.uk categories in display order from a CSV with columns category,label,color (#rrggbb)."""
    return tuple(Category(row["category"], row["label"], _rgb(row["color"])) for row in read_rows(path))


def shown_view(view: str, n_points: int) -> str:
    """Return the view to draw: the requested one, except points above POINT_LIMIT, which are drawn as density."""
    return "density" if view == "points" and n_points > POINT_LIMIT else view


def incidents_deck(
    frame: pd.DataFrame,
    *,
    view: str,
    categories: tuple[Category, ...],
    type_labels: Mapping[str, str],
    boroughs: dict | None = None,
    centre: tuple[float, float] | None = None,
) -> CompactDeck:
    """Return the deck that draws `frame` in `view` (points, density or boroughs), centred on London or `centre`.

    `boroughs` is the borough GeoJSON: outlines under points and density, the polygons of the boroughs view.
    """
    outlines = [outline_layer(boroughs)] if boroughs else []
    if view == "points":
        colors = {c.name: list(c.color) for c in categories}
        layers, tooltip = outlines + point_layers(frame, colors=colors, type_labels=type_labels), POINTS_TOOLTIP
    elif view == "density":
        layers, tooltip = outlines + [density_layer(frame)], DENSITY_TOOLTIP
    elif view == "boroughs":
        layers, tooltip = (
            ([borough_layer(boroughs, frame["borough"].value_counts())] if boroughs else []),
            BOROUGHS_TOOLTIP,
        )
    else:
        raise ValueError(f"unknown view {view!r}")
    if centre:
        view_state = pdk.ViewState(latitude=centre[0], longitude=centre[1], zoom=INCIDENT_ZOOM)
    else:
        view_state = pdk.ViewState(**LONDON_VIEW)
    return CompactDeck(layers=layers, initial_view_state=view_state, map_style=None, tooltip=tooltip)


def point_layers(frame: pd.DataFrame, *, colors: Mapping[str, list[int]], type_labels: Mapping[str, str]) -> list:
    """Return the point layers: approximate points as large faint rings, precise points as dots, rings on the fatal."""
    placed = frame[frame["lat"].notna() & frame["lon"].notna()]
    approximate = placed["precision_rank"] >= APPROXIMATE_FROM
    return [
        pdk.Layer(
            "ScatterplotLayer",
            id="approximate",
            data=point_records(placed[approximate], colors=colors, type_labels=type_labels, radius=True),
            get_position="p",
            get_radius="r",
            get_fill_color="[c[0], c[1], c[2], 40]",
            get_line_color="c",
            stroked=True,
            filled=True,
            line_width_min_pixels=1.5,
            radius_min_pixels=6,
            pickable=True,
            auto_highlight=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="incidents",
            data=point_records(placed[~approximate], colors=colors, type_labels=type_labels),
            get_position="p",
            get_radius=POINT_RADIUS_M,
            get_fill_color="c",
            radius_min_pixels=4,
            radius_max_pixels=14,
            stroked=False,
            pickable=True,
            auto_highlight=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="fatal",
            data=[{"p": p} for p in _positions(placed[placed["fatal"].eq(1)])],
            get_position="p",
            get_radius=POINT_RADIUS_M * 2,
            radius_min_pixels=7,
            radius_max_pixels=20,
            filled=False,
            stroked=True,
            get_line_color=list(FATAL_COLOR),
            line_width_min_pixels=2,
            pickable=False,
        ),
    ]


def quoted_excerpt(evidence: str) -> str:
    """Stand-in title for a story without a headline (a teaser on a page): the start of its evidence, quoted."""
    if not evidence:
        return NO_HEADLINE
    return f"“{evidence[: HEADLINE_CHARS - 3]}…”" if len(evidence) > HEADLINE_CHARS - 2 else f"“{evidence}”"


def point_records(
    frame: pd.DataFrame, *, colors: Mapping[str, list[int]], type_labels: Mapping[str, str], radius: bool = False
) -> list[dict]:
    """Return one small dict per incident with a point: id, position, colour and the tooltip fields only."""
    headlines = frame["headline"].where(
        frame["headline"].str.len() <= HEADLINE_CHARS, frame["headline"].str.slice(0, HEADLINE_CHARS - 1) + "…"
    )
    headlines = headlines.where(headlines.str.len() > 0, frame["evidence"].map(quoted_excerpt))
    places = frame["place_name"].fillna(frame["location_text"]).fillna("place unknown")
    records = [
        {
            "id": i,
            "p": p,
            "c": colors.get(category, list(UNKNOWN_COLOR)),
            "headline": h,
            "type": type_labels.get(t, t),
            "place": place,
            "date": d if isinstance(d, str) else "date unknown",
        }
        for i, p, category, h, t, place, d in zip(
            frame["incident_id"], _positions(frame), frame["category"], headlines, frame["type"], places, frame["date"]
        )
    ]
    if radius:
        for record, precision in zip(records, frame["precision"]):
            record["r"] = APPROXIMATE_RADIUS_M.get(precision, POINT_RADIUS_M)
    return records


def density_layer(frame: pd.DataFrame) -> pdk.Layer:
    """Return the incidents counted per H3 cell on the server, as an H3HexagonLayer coloured by count."""
    counts = frame["cell"].dropna().value_counts()
    colors = sequential_colors(counts.to_list())
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


def borough_layer(boroughs: dict, counts: pd.Series) -> pdk.Layer:
    """Return the borough polygons coloured by incident count (`counts` by official borough name)."""
    values = [int(counts.get(f["properties"]["name"], 0)) for f in boroughs["features"]]
    colors = sequential_colors(values)
    features = [
        {
            "type": "Feature",
            "geometry": f["geometry"],
            "properties": {"name": f["properties"]["name"], "n": n, "c": color},
        }
        for f, n, color in zip(boroughs["features"], values, colors)
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


def sequential_colors(values: list[int]) -> list[list[int]]:
    """Return a colour per count on a log scale from light (the smallest count above 0) to dark (the largest).

    Zero is transparent; when every count is the same they all take the darkest colour.
    """
    positive = [v for v in values if v > 0]
    low, high = math.log(min(positive, default=1)), math.log(max(positive, default=1))
    steps = len(SEQUENTIAL) - 1
    return [
        [*SEQUENTIAL[round(steps * (math.log(v) - low) / (high - low)) if high > low else steps], 200]
        if v > 0
        else [0, 0, 0, 0]
        for v in values
    ]


def incident_centre(frame: pd.DataFrame, incident: str | None) -> tuple[float, float] | None:
    """Return (lat, lon) of the incident `incident` of `frame` when it has a point, else None."""
    if incident is None or pd.isna(frame.at[incident, "lat"]):
        return None
    return float(frame.at[incident, "lat"]), float(frame.at[incident, "lon"])


def selected_incident(event: Mapping | None) -> str | None:
    """Return the incident id picked in a pydeck selection event (`{"selection": {"objects": ...}}`), or None."""
    objects = ((event or {}).get("selection") or {}).get("objects") or {}
    for layer in POINT_LAYERS:
        for obj in objects.get(layer) or ():
            if isinstance(obj, Mapping) and isinstance(obj.get("id"), str):
                return obj["id"]
    return None


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


def _positions(frame: pd.DataFrame) -> list[list[float]]:
    return [[round(lon, DECIMALS), round(lat, DECIMALS)] for lon, lat in zip(frame["lon"], frame["lat"])]
