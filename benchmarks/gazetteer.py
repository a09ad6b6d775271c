"""Gazetteer speed: load time, matcher build time, locate() look-ups per second, find_places() articles per second.

Load times are medians of 5 fresh Python processes (imports timed apart from load_gazetteer()); the rest runs in
this process. The look-up mix and the articles are drawn from the gazetteer itself with a fixed seed.

Example:
    .venv/bin/python benchmarks/gazetteer.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from extract.geo.gazetteer import GAZETTEER_DIR, Gazetteer, load_gazetteer
from extract.geo.places import build_matcher, find_places

ROOT = Path(__file__).resolve().parent.parent

RUNS = 5
QUERIES_PER_KIND = 1000
ARTICLES = 300
SEED = 7

FRESH_LOAD = """
import json, time
t0 = time.perf_counter()
from extract.geo.gazetteer import load_gazetteer
t1 = time.perf_counter()
g = load_gazetteer()
t2 = time.perf_counter()
g.postcode("SE10 8SF")
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "postcodes": t3 - t2}))
"""

FILLER = (
    "Police were called at about 9pm.",
    "A man in his twenties was taken to hospital.",
    "Officers are appealing for witnesses.",
    "No arrests have been made.",
    "Anyone with information should call 101.",
    "The victim's family have been informed.",
    "Detectives believe the attack was targeted.",
    "A cordon remained in place overnight.",
)
TEMPLATES = (
    "A man was stabbed in {0}, {1}, on Friday night.",
    "Police were called to {0} near {1}.",
    "The car was found outside {0} station.",
    "Officers searched a flat in {0}.",
    "The robbery happened on {0} in {1}, police said.",
    "Witnesses saw a group running towards {0}.",
)


def fresh_loads() -> dict[str, float]:
    """Median seconds over RUNS new processes for importing, load_gazetteer() and the first postcode look-up."""
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", FRESH_LOAD], cwd=ROOT, check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(RUNS)
    ]
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def median_seconds(fn: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def query_mix(g: Gazetteer, rng: random.Random) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Realistic queries by kind: ambiguous streets with a qualifier or context, areas, stations, postcodes, misses."""
    areas = sorted({e.name for e in g.entries if e.kind == "area"})
    stations = sorted({e.name for e in g.entries if e.kind == "station"})
    streets: dict[str, list] = {}
    for e in g.entries:
        if e.kind == "street":
            streets.setdefault(e.key, []).append(e)
    shared = [es for es in streets.values() if len(es) > 1]
    single = [es[0] for es in streets.values() if len(es) == 1]
    postcodes = [e.name for e in (g.postcode(pc) for pc in _postcode_sample(rng)) if e]

    area_entries = [e for e in g.entries if e.kind == "area"]

    def near_area(e) -> str:
        return min(area_entries, key=lambda a: (a.lat - e.lat) ** 2 + (a.lon - e.lon) ** 2).name

    qualified = []
    for es in rng.sample(shared, QUERIES_PER_KIND):
        e = rng.choice(es)
        qualified.append((f"{e.name}, {near_area(e)}", ()))
    in_context = []
    for es in rng.sample(shared, QUERIES_PER_KIND):
        e = rng.choice(es)
        in_context.append((e.name, (near_area(e), rng.choice(areas), "London")))
    return {
        "street, qualifier": qualified,
        "street, context": in_context,
        "street, one place": [(e.name, ()) for e in rng.sample(single, QUERIES_PER_KIND)],
        "area": [(n, ()) for n in rng.choices(areas, k=QUERIES_PER_KIND)],
        "station": [(f"{n} station", ()) for n in rng.choices(stations, k=QUERIES_PER_KIND)],
        "postcode": [(pc, ()) for pc in postcodes[:QUERIES_PER_KIND]],
        "miss": [(f"{rng.choice(('Zyx', 'Qwerty', 'Nowhere'))} {i} Road", ()) for i in range(QUERIES_PER_KIND)],
    }


def _postcode_sample(rng: random.Random) -> list[str]:
    with gzip.open(GAZETTEER_DIR / "postcodes.csv.gz", "rt", encoding="utf-8") as f:
        codes = [line.split(",", 1)[0] for line in f][1:]
    return rng.sample(codes, QUERIES_PER_KIND)


def lookups_per_second(g: Gazetteer, queries: list[tuple[str, tuple[str, ...]]]) -> tuple[float, float, int]:
    """Return (first pass/s, repeat pass/s, queries found) for locate() over `queries`."""
    t = time.perf_counter()
    found = sum(1 for q, ctx in queries if g.locate(q, context=ctx) is not None)
    first = len(queries) / (time.perf_counter() - t)
    repeat = len(queries) / median_seconds(lambda: [g.locate(q, context=ctx) for q, ctx in queries], runs=3)
    return first, repeat, found


def synthetic_articles(g: Gazetteer, rng: random.Random) -> list[str]:
    """Articles of about 2,500 characters: crime sentences naming gazetteer places, between filler sentences."""
    streets = [e.name for e in g.entries if e.kind == "street" and " " in e.name]
    areas = [e.name for e in g.entries if e.kind == "area"]
    stations = [e.name for e in g.entries if e.kind == "station"]
    articles = []
    for _ in range(ARTICLES):
        sentences = []
        while sum(len(s) + 1 for s in sentences) < 2500:
            if rng.random() < 0.4:
                t = rng.choice(TEMPLATES)
                first = rng.choice(stations) if "station" in t else rng.choice(streets + areas)
                sentences.append(t.format(first, rng.choice(areas)))
            else:
                sentences.append(rng.choice(FILLER))
        articles.append(" ".join(sentences))
    return articles


def file_sizes() -> list[tuple[str, int]]:
    return [(p.name, p.stat().st_size) for p in sorted(GAZETTEER_DIR.iterdir()) if p.is_file()]


def main() -> int:
    rng = random.Random(SEED)
    fresh = fresh_loads()
    g = load_gazetteer()
    in_process = median_seconds(load_gazetteer)
    matcher_build = median_seconds(lambda: build_matcher(g), runs=3)
    matcher = build_matcher(g)

    print(f"gazetteer: {len(g.entries):,} entries, {len(g.by_key):,} keys")
    print(f"{'load (median of ' + str(RUNS) + ')':<34}{'seconds':>10}")
    print(f"{'  import extract.geo.gazetteer (fresh)':<34}{fresh['import']:>10.3f}")
    print(f"{'  load_gazetteer() (fresh process)':<34}{fresh['load']:>10.3f}")
    print(f"{'  load_gazetteer() (in process)':<34}{in_process:>10.3f}")
    print(f"{'  first postcode look-up (lazy)':<34}{fresh['postcodes']:>10.3f}")
    print(f"{'  build_matcher()':<34}{matcher_build:>10.3f}")
    print()

    print(f"{'locate() mix':<20}{'queries':>8}{'found':>8}{'first/s':>10}{'repeat/s':>10}")
    total_q, total_t = 0, 0.0
    for kind, queries in query_mix(g, rng).items():
        first, repeat, found = lookups_per_second(g, queries)
        total_q += len(queries)
        total_t += len(queries) / first
        print(f"{kind:<20}{len(queries):>8}{found:>8}{first:>10,.0f}{repeat:>10,.0f}")
    print(f"{'all (first pass)':<20}{total_q:>8}{'':>8}{total_q / total_t:>10,.0f}")
    print()

    articles = synthetic_articles(g, rng)
    chars = sum(len(a) for a in articles)
    t = median_seconds(lambda: [find_places(a, matcher=matcher) for a in articles], runs=3)
    mentions = sum(len(find_places(a, matcher=matcher)) for a in articles)
    print(
        f"find_places(): {len(articles)} synthetic articles, {chars / len(articles):,.0f} chars each, "
        f"{mentions / len(articles):.1f} mentions each"
    )
    print(f"  {len(articles) / t:,.0f} articles/s, {chars / t / 1e6:.2f} M chars/s")
    print()

    print(f"{'data/gazetteer/':<24}{'bytes':>12}")
    for name, size in file_sizes():
        print(f"  {name:<22}{size:>12,}")
    print(f"  {'total':<22}{sum(s for _, s in file_sizes()):>12,}")
    return 0


if __name__ == "__main__":
    argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0]).parse_args()  # no options: --help
    sys.exit(main())
