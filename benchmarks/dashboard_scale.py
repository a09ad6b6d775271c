"""Dashboard scale: server time per rerun and bytes sent to the browser, for 10k, 100k and 1M synthetic incidents.

Builds synthetic databases under benchmarks/out/ (kept between runs; delete them to rebuild), then for each size:
- the load the page caches once per database version (SQLite rows -> DataFrame), and what a cache hit costs
  (st.cache_data hands out an unpickled copy);
- AppTest runs of the real page for a few links: the first run of a session and a rerun, in seconds, with the
  deck JSON and all elements' protobuf bytes (what goes over the websocket).
Synthetic points are uniform over Greater London's bounding box, so nearly every incident has its own point
(the worst case for the H3 indexing at load; real incidents share gazetteer points).

Example:
    .venv/bin/python benchmarks/dashboard_scale.py              # 10k, 100k, 1M
    .venv/bin/python benchmarks/dashboard_scale.py 10000 100000
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import data, maps
from dashboard.filters import CRIME_TYPES_CSV, Filters, filter_incidents, load_type_labels
from extract import store
from extract.datafiles import read_rows
from extract.geo.gazetteer import BOROUGHS
from extract.records import WEAPONS

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "benchmarks" / "out"
APP = ROOT / "dashboard" / "app.py"
SIZES = (10_000, 100_000, 1_000_000)
BATCH = 50_000  # incidents per transaction while building: few commits, bounded memory
BBOX = (51.29, 51.69, -0.51, 0.33)  # lat min, lat max, lon min, lon max
LINKS = {
    "default": {},
    "borough+type": {"borough": "Hackney", "type": ["stabbing", "robbery"]},
    "2023 only": {"from": "2023-01-01", "to": "2023-12-31"},
    "search q": {"q": "Road"},
    "near 2 km": {"near": "Mare Street", "km": "2"},
    "boroughs view": {"view": "boroughs"},
}
WORDS = (
    "police",
    "man",
    "woman",
    "teenager",
    "street",
    "night",
    "officers",
    "scene",
    "hospital",
    "arrested",
    "attack",
    "witnesses",
    "appeal",
    "inquiry",
    "detectives",
    "charged",
    "victim",
    "car",
    "shop",
    "station",
)
STREETS = ("High Street", "Station Road", "Church Road", "Park Road", "London Road", "Green Lane", "Mill Lane")


def build_db(path: Path, n: int, *, seed: int = 1) -> None:
    """Write `n` synthetic incidents (one article each) into a new incidents database at `path`."""
    rng = random.Random(seed)
    types = [(row["slug"], row["category"]) for row in read_rows(CRIME_TYPES_CSV)]
    precisions = ("street",) * 6 + ("building", "station", "postcode", "area", "area", "ward", "borough", "london")
    start = date(2018, 1, 1)
    path.unlink(missing_ok=True)
    conn = store.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    # Rows go in by column name, so the builder keeps working when the store adds a column with a default.
    incident_columns = [c for c in store.INCIDENT_COLUMNS if c not in store.ARTICLE_COLUMNS]
    insert_incident = (
        f"INSERT INTO incidents ({', '.join(incident_columns)}) VALUES ({', '.join(':' + c for c in incident_columns)})"
    )
    insert_article = (
        "INSERT INTO articles (article_id, headline, url, published, source, n_incidents, ingested_at) "
        "VALUES (:article_id, :headline, :url, :published, 'synthetic', 1, :published)"
    )
    rows = []
    for i in range(n):
        slug, category = rng.choice(types)
        street = rng.choice(STREETS)
        headline = f"{slug.replace('_', ' ').capitalize()} on {street}: " + " ".join(rng.choices(WORDS, k=8))
        evidence = f"A {slug.replace('_', ' ')} happened on {street} " + " ".join(rng.choices(WORDS, k=18)) + "."
        day = (start + timedelta(days=rng.randrange(7 * 365))).isoformat()
        article_id = f"a{i:07d}"
        rows.append(
            {
                "incident_id": f"{article_id}:0",
                "article_id": article_id,
                "headline": headline,
                "url": f"https://news.example/{article_id}",
                "published": day,
                "type": slug,
                "category": category,
                "location_text": street,
                "place_name": street,
                "place_kind": "street",
                "lat": rng.uniform(*BBOX[:2]),
                "lon": rng.uniform(*BBOX[2:]),
                "precision": rng.choice(precisions),
                "borough": rng.choice(BOROUGHS),
                "borough_code": None,
                "geocode_source": "synthetic",
                "candidates": 1,
                "date": day,
                "date_basis": "stated",
                "fatal": int(rng.random() < 0.05),
                "weapon": rng.choice(WEAPONS + (None,)),
                "victim_ages": "[]",
                "arrests": None,
                "evidence": evidence,
                "evidence_start": 0,
                "type_start": 2,
                "type_end": 2 + len(slug),
                "place_start": evidence.index(street),
                "place_end": evidence.index(street) + len(street),
            }
        )
        if len(rows) == BATCH or i == n - 1:
            with conn:
                conn.executemany(insert_article, rows)
                conn.executemany(insert_incident, rows)
            rows = []
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def database(n: int) -> Path:
    """Return the synthetic database of `n` incidents, building it when it is missing or has another size."""
    path = OUT / f"incidents_{n}.db"
    if path.exists():
        conn = store.connect_readonly(path)
        try:
            if store.count_incidents(conn) == n:
                return path
        finally:
            conn.close()
    started = time.perf_counter()
    build_db(path, n)
    print(f"built {path.relative_to(ROOT)} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def timed(function, *args, **kwargs):
    """Return what `function(*args, **kwargs)` returns and the seconds it took."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def page_run(path: Path, params: dict) -> dict:
    """Run the page for one link twice (a session's first run, then a rerun); return seconds and bytes."""
    os.environ["INCIDENTS_DB"] = str(path)
    at = AppTest.from_file(str(APP), default_timeout=600)
    at.query_params.update(params)
    _, first = timed(at.run)
    assert not at.exception, at.exception
    _, rerun = timed(at.run)
    deck = at.get("deck_gl_json_chart")[0].proto.json
    layers = [layer["@@type"].replace("Layer", "") for layer in json.loads(deck)["layers"] if layer["id"] != "outlines"]
    return {
        "first": first,
        "rerun": rerun,
        "deck": len(deck.encode()),
        "sent": sum(e.proto.ByteSize() for e in at._tree if getattr(e, "proto", None)),
        "shown": at.subheader[0].value,
        "layers": "+".join(layers),
    }


def main(sizes: tuple[int, ...]) -> None:
    """Print the load, filter and deck figures of each size, then the table of page runs per link."""
    OUT.mkdir(parents=True, exist_ok=True)
    sys.argv = [str(APP)]  # the page reads --db from argv; the benchmark's own arguments are not for it
    rows = []
    for n in sizes:
        path = database(n)
        frame, load_s = timed(data.read_incidents, path)
        blob = pickle.dumps(frame)
        _, hit_s = timed(pickle.loads, blob)
        shown, filter_s = timed(filter_incidents, frame, Filters(boroughs=("Hackney",), types=("stabbing", "robbery")))
        deck, deck_s = timed(
            lambda shown=shown: maps.incidents_deck(
                shown, view="points", groups=maps.load_groups(), type_labels=load_type_labels()
            ).to_json()
        )
        density, density_s = timed(
            lambda frame=frame: maps.incidents_deck(frame, view="density", groups=(), type_labels={}).to_json()
        )
        print(
            f"{n:>9,} incidents: load {load_s:.2f} s, cache hit (unpickle {len(blob) / 1e6:.0f} MB) {hit_s:.3f} s, "
            f"filter {filter_s * 1000:.0f} ms, points deck ({len(shown):,}) {deck_s * 1000:.0f} ms "
            f"{len(deck) / 1e6:.2f} MB, density deck of all {density_s * 1000:.0f} ms {len(density) / 1e6:.2f} MB",
            flush=True,
        )
        page_run(path, {})  # fills the page's own st.cache_data for this database
        for name, params in LINKS.items():
            rows.append((n, name, page_run(path, params)))
    print()
    print("| incidents | link | shown | layers drawn | first run s | rerun s | deck JSON MB | all elements MB |")
    print("|---:|---|---|---|---:|---:|---:|---:|")
    for n, name, r in rows:
        print(
            f"| {n:,} | {name} | {r['shown']} | {r['layers']} | {r['first']:.2f} | {r['rerun']:.2f} | "
            f"{r['deck'] / 1e6:.2f} | {r['sent'] / 1e6:.2f} |"
        )
    print()
    print(
        f"Points above {maps.POINT_LIMIT:,} are drawn as server-side H3 density; the table shows the newest "
        f"1,000 rows. Reruns are AppTest script runs with a warm cache (no browser rendering)."
    )


def size(text: str) -> int:
    """Return a database size from the command line: a whole number of incidents, at least 1."""
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a number of incidents (at least 1)")
    return n


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the benchmark's arguments: the database sizes to measure."""
    parser = argparse.ArgumentParser(
        description="Dashboard scale: server time per rerun and bytes sent, for synthetic incident databases."
    )
    parser.add_argument(
        "sizes",
        nargs="*",
        type=size,
        default=list(SIZES),
        metavar="N",
        help="incidents per database (default: %(default)s)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(tuple(parse_args().sizes))
