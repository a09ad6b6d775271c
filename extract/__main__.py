"""Command line: `python -m extract ingest|geocode|evaluate ...`; turns ExtractError into a message and exit code.

Examples:
    python -m extract ingest seeds/ --db data/incidents.db --out incidents.geojson
    python -m extract geocode "Bells Hill, High Barnet" "SE10 8SF"
    python -m extract evaluate --gold gold.jsonl articles.jsonl
    python -m extract evaluate-phrasing data/evaluation/phrasing --mistakes
    python -m extract policeuk 2019-01.zip 2019-02-metropolitan-street.csv.gz --db data/incidents.db
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from extract.datafiles import DEFAULT_DB, GEOCODE_CACHE
from extract.evaluation import phrasing
from extract.records import ExtractError


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run one command, return the exit code (1 when anything failed)."""
    parser = argparse.ArgumentParser(prog="python -m extract", description="London crime incidents from the news")
    sub = parser.add_subparsers(dest="command", required=True)

    ing = sub.add_parser("ingest", help="extract incidents from files or directories into SQLite")
    ing.add_argument("paths", nargs="+", help="txt, html, jsonl, rss/atom files, or directories of them")
    ing.add_argument("--db", default=str(DEFAULT_DB), help="SQLite database (default: data/incidents.db)")
    ing.add_argument("--out", help="also write this run's incidents to FILE (.jsonl, .csv or .geojson)")
    ing.add_argument("--published", help="publication date YYYY-MM-DD for inputs that have none")
    ing.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _online_options(ing)

    geo = sub.add_parser("geocode", help="geocode London place names, one JSON line per query")
    geo.add_argument("queries", nargs="+")
    geo.add_argument("--context", action="append", default=[], help="another place named in the text (repeatable)")
    _online_options(geo)

    ev = sub.add_parser("evaluate", help="score extraction against a labelled set")
    ev.add_argument("--gold", required=True)
    ev.add_argument("articles", nargs="+")
    ev.add_argument("--mistakes", action="store_true", help="list every disagreement with the gold")

    puk = sub.add_parser("policeuk", help="import police.uk recorded crime (street-level CSV, .csv.gz, monthly zip)")
    puk.add_argument("paths", nargs="+", help="street-level CSV files, gzipped or not, or data.police.uk zip archives")
    puk.add_argument("--db", default=str(DEFAULT_DB), help="SQLite database (default: data/incidents.db)")

    gaz = sub.add_parser("gazetteer", help="rebuild data/gazetteer/ from the raw London open data")
    gaz_sub = gaz.add_subparsers(dest="action", required=True)
    build = gaz_sub.add_parser("build", help="regenerate the committed gazetteer files")
    build.add_argument("--source", type=Path, required=True, help="the raw open data (see its SOURCES.md)")
    build.add_argument("--out", type=Path, help="output directory (default: data/gazetteer/)")

    phr = sub.add_parser("evaluate-phrasing", help="score extraction on one-sentence crime and figurative articles")
    phrasing.add_arguments(phr)

    args = parser.parse_args(argv)
    try:
        return {
            "ingest": _ingest,
            "geocode": _geocode,
            "evaluate": _evaluate,
            "evaluate-phrasing": phrasing.evaluate,
            "gazetteer": _gazetteer,
            "policeuk": _policeuk,
        }[args.command](args)
    except ExtractError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def _online_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--online",
        choices=("nominatim", "photon"),
        help="opt-in online fallback for names the gazetteer lacks (needs --user-agent)",
    )
    p.add_argument("--user-agent", help="identifies this application to the online geocoder")
    p.add_argument("--domain", help="self-hosted geocoder host[:port][/path]")


def _geocoder(args, gazetteer):
    from extract.geo.geocode import make_geocoder

    online = None
    if args.online:
        online = {
            "provider": args.online,
            "user_agent": args.user_agent,
            "domain": args.domain,
            "cache_path": GEOCODE_CACHE,
        }
    return make_geocoder(gazetteer=gazetteer, online=online)


def _ingest(args) -> int:
    from extract import exports, store
    from extract.geo.gazetteer import load_gazetteer
    from extract.pipeline import ingest_paths, load_extractor

    gaz = load_gazetteer()
    extractor = load_extractor(gazetteer=gaz, geocoder=_geocoder(args, gaz))
    rows: list[dict] = []
    on_article = (lambda _article, incs: rows.extend(store.incident_row(i) for i in incs)) if args.out else None
    if args.out and Path(args.out).suffix.lower() not in (".jsonl", ".csv", ".geojson"):
        raise ExtractError(f"{args.out}: --out must end in .jsonl, .csv or .geojson")
    report = ingest_paths(
        args.paths,
        db_path=args.db,
        published=args.published,
        extractor=extractor,
        on_article=on_article,
        progress=not args.no_progress,
    )
    for message in report.errors:
        print(f"error: {message}", file=sys.stderr)
    if args.out:
        exports.write_incidents(rows, args.out)
    print(
        f"{report.articles} articles, {report.incidents} incidents -> {args.db}"
        + (f" and {args.out}" if args.out else ""),
        file=sys.stderr,
    )
    return 1 if report.errors else 0


def _geocode(args) -> int:
    from extract.geo.gazetteer import load_gazetteer

    geocoder = _geocoder(args, load_gazetteer())
    status = 0
    for q in args.queries:
        place = geocoder.geocode(q, context=args.context)
        if place is None:
            print(
                json.dumps(
                    {
                        "query": q,
                        "lat": None,
                        "lon": None,
                        "reason": "not found in Greater London (unknown, ambiguous without context, or outside London)",
                    }
                )
            )
            status = 1
        else:
            print(json.dumps({"query": q, **dataclasses.asdict(place)}))
    return status


def _evaluate(args) -> int:
    from extract.articles import read_articles
    from extract.evaluation.scoring import load_gold, report, score
    from extract.pipeline import extract_incidents, load_extractor

    gold = load_gold(args.gold)
    extractor = load_extractor()
    errors: list[ExtractError] = []
    predictions = [(a, extract_incidents(a, extractor=extractor)) for a in read_articles(args.articles, errors=errors)]
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    scores = score(gold, predictions)
    print(report(scores))
    if args.mistakes:
        print("\n".join(scores.mistakes))
    return 1 if errors else 0


def _policeuk(args) -> int:
    from extract.geo.gazetteer import load_gazetteer
    from extract.policeuk import import_street_files

    report = import_street_files(args.paths, db_path=args.db, borough_at=load_gazetteer().borough_at)
    for message in report.errors:
        print(f"error: {message}", file=sys.stderr)
    for m in report.months:
        print(f"{m.force}\t{m.month}\t{m.rows} in London\t{m.outside_london} outside\t{m.unlocated} unlocated")
    print(
        f"{report.rows} recorded crimes in London from {len(report.months)} force months -> {args.db}; dropped "
        f"{report.outside_london} outside Greater London and {report.unlocated} with neither LSOA nor coordinates",
        file=sys.stderr,
    )
    return 1 if report.errors else 0


def _gazetteer(args) -> int:
    from extract.geo.build import build
    from extract.geo.gazetteer import GAZETTEER_DIR

    counts = build(args.source, args.out or GAZETTEER_DIR)
    for kind, n in sorted(counts.items()):
        print(f"{kind}\t{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
