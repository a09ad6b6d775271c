"""Score the offline gazetteer on the London toponyms of public geoparsing corpora; prints figures, asserts nothing.

Each toponym's `name` is geocoded with `Gazetteer.locate`, with the other place names found in its `context`
(about 120 characters either side) as context, and compared with the gold point.

Example:
    python -m extract.evaluation.geoparse_bench ../shared/data/geoparse-bench/london_bbox_toponyms.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from extract.geo.gazetteer import Gazetteer, km, load_gazetteer
from extract.geo.names import name_key
from extract.geo.places import Matcher, build_matcher, find_places
from extract.records import ExtractError, Place

CONTEXT_CHARS = 120
"""Characters of article text kept either side of the toponym in the benchmark file."""
NEAR_KM = (1.0, 5.0)
MISS_EXAMPLES = 6


@dataclass(frozen=True, slots=True)
class Toponym:
    """One gold toponym: its name as written, the gold point, and the text around it."""

    corpus: str
    article: str
    name: str
    start: int
    lat: float
    lon: float
    context: str


@dataclass(frozen=True, slots=True)
class Result:
    """A toponym with what the gazetteer made of it."""

    toponym: Toponym
    context_names: tuple[str, ...]
    place: Place | None
    error_km: float | None
    gold_in_london: bool
    known_name: bool


def load_toponyms(path: str | Path) -> list[Toponym]:
    """Read the benchmark JSONL (one toponym per line); ExtractError names the file and line of a bad row."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                out.append(
                    Toponym(
                        str(r["corpus"]),
                        str(r["article"]),
                        r["name"],
                        int(r["start"]),
                        float(r["lat"]),
                        float(r["lon"]),
                        r["context"],
                    )
                )
            except (ValueError, KeyError, TypeError) as e:
                raise ExtractError(f"{path}:{n}: not a toponym row ({e})") from e
    return out


def context_names(t: Toponym, *, matcher: Matcher) -> tuple[str, ...]:
    """Return the place names found in the toponym's context other than the toponym itself."""
    at = min(t.start, CONTEXT_CHARS)
    hits = [i for i in range(len(t.context)) if t.context.startswith(t.name, i)]
    if hits:
        at = min(hits, key=lambda i: abs(i - at))  # the context may be trimmed by a character or two
    end = at + len(t.name)
    return tuple(m.text for m in find_places(t.context, matcher=matcher) if m.end <= at or m.start >= end)


def score(toponyms: Sequence[Toponym], *, gazetteer: Gazetteer, matcher: Matcher) -> list[Result]:
    """Geocode every toponym with its context and measure the distance to the gold point."""
    results = []
    for t in toponyms:
        ctx = context_names(t, matcher=matcher)
        place = gazetteer.locate(t.name, context=ctx)
        error = km(place.lat, place.lon, t.lat, t.lon) if place else None
        key = name_key(t.name)
        results.append(
            Result(
                t,
                ctx,
                place,
                error,
                gazetteer.borough_at(t.lat, t.lon) is not None,
                bool(gazetteer.candidates(key) or gazetteer.postcode(key)),
            )
        )
    return results


def _share(n: int, total: int) -> str:
    return f"{n / total:6.1%} ({n}/{total})" if total else "     - (0/0)"


def _figures(label: str, results: Sequence[Result]) -> list[str]:
    resolved = [r for r in results if r.place]
    errors = [r.error_km for r in resolved if r.error_km is not None]
    lines = [f"{label} ({len(results)} toponyms)", f"  resolved             {_share(len(resolved), len(results))}"]
    for limit in NEAR_KM:
        near = sum(1 for e in errors if e <= limit)
        lines.append(
            f"  within {limit:g} km of gold  {_share(near, len(results))} of all, "
            f"{_share(near, len(resolved))} of resolved"
        )
    median = f"{statistics.median(errors):.2f} km" if errors else "-"
    lines.append(f"  median error         {median} (resolved)")
    return lines


def _examples(results: Sequence[Result], *, with_error: bool = False) -> str:
    names = Counter(r.toponym.name for r in results)
    if with_error:
        worst = {r.toponym.name: (r.place.name, r.place.borough, r.error_km) for r in results if r.place}
        return ", ".join(
            f"{n} x{c} -> {worst[n][0]} ({worst[n][1]}, {worst[n][2]:.1f} km)"
            for n, c in names.most_common(MISS_EXAMPLES)
        )
    return ", ".join(f"{n} x{c}" for n, c in names.most_common(MISS_EXAMPLES))


def report(results: Sequence[Result]) -> str:
    """Return the figures as text: all toponyms, those inside Greater London, those other than "London" itself,
    each corpus, and the misses by reason."""
    inside = [r for r in results if r.gold_in_london]
    not_london = [r for r in inside if name_key(r.toponym.name) != "london"]
    lines = _figures("all", results) + _figures("gold inside Greater London", inside)
    lines += _figures('inside Greater London, other than "London" itself', not_london)
    lines.append("by corpus (resolved, within 5 km of all)")
    for corpus in sorted({r.toponym.corpus for r in results}):
        rs = [r for r in results if r.toponym.corpus == corpus]
        within = sum(1 for r in rs if r.error_km is not None and r.error_km <= NEAR_KM[1])
        lines.append(f"  {corpus:<12} {_share(sum(1 for r in rs if r.place), len(rs))}  {_share(within, len(rs))}")
    misses = {
        "not found, gold outside Greater London": [r for r in results if not r.place and not r.gold_in_london],
        "not found, name not in the gazetteer": [
            r for r in results if not r.place and r.gold_in_london and not r.known_name
        ],
        "not found, ambiguous or refused": [r for r in results if not r.place and r.gold_in_london and r.known_name],
        "found, over 5 km from gold": [r for r in results if r.error_km is not None and r.error_km > NEAR_KM[1]],
        "found, 1-5 km from gold": [
            r for r in results if r.error_km is not None and NEAR_KM[0] < r.error_km <= NEAR_KM[1]
        ],
    }
    lines.append("misses")
    for label, rs in misses.items():
        lines.append(f"  {label:<40} {len(rs):3}  {_examples(rs, with_error=label.startswith('found'))}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Score the toponyms file given on the command line and print the report."""
    parser = argparse.ArgumentParser(
        prog="python -m extract.evaluation.geoparse_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("toponyms", help="london_bbox_toponyms.jsonl")
    args = parser.parse_args(argv)
    try:
        toponyms = load_toponyms(args.toponyms)
    except (OSError, ExtractError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    gazetteer = load_gazetteer()
    print(report(score(toponyms, gazetteer=gazetteer, matcher=build_matcher(gazetteer))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
