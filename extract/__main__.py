"""Command line: `python -m extract ingest|geocode|evaluate ...`; turns ExtractError into a message and exit code.

Examples:
    python -m extract ingest seeds/ --db data/incidents.db --out incidents.geojson
    python -m extract geocode "Bells Hill, High Barnet" "SE10 8SF"
    python -m extract evaluate --gold gold.jsonl articles.jsonl
    python -m extract explain news.jsonl --id dv044 --json
    python -m extract evaluate-phrasing data/evaluation/phrasing --mistakes
    python -m extract evaluate-events --gold gold.jsonl articles.jsonl --mistakes
    python -m extract policeuk 2019-01.zip 2019-02-metropolitan-street.csv.gz --db data/incidents.db
    python -m extract watch --every 15m --user-agent "crimemap (you@example.org)"
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from extract.datafiles import DEFAULT_DB, GEOCODE_CACHE
from extract.evaluation import events as event_evaluation
from extract.evaluation import phrasing
from extract.fetching import DEFAULT_DELAY
from extract.records import ExtractError

INTERRUPTED = "interrupted: what was committed is kept, nothing half-written; the same command again does the rest"
INTERRUPTED_STATUS = 130  # 128 + SIGINT, as a shell reports a command Ctrl-C stopped


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run one command, return the exit code (1 when anything failed)."""
    parser = argparse.ArgumentParser(prog="crimemap", description="London crime incidents from the news")
    sub = parser.add_subparsers(dest="command", required=True)

    ing = sub.add_parser("ingest", help="extract incidents from files or directories into the incidents database")
    ing.add_argument("paths", nargs="+", help="txt, html, jsonl, rss/atom files, or directories of them")
    ing.add_argument(
        "--db", default=str(DEFAULT_DB), help="SQLite file or postgresql:// URL (default: data/incidents.db)"
    )
    ing.add_argument("--out", help="also write this run's incidents to FILE (.jsonl, .csv or .geojson)")
    ing.add_argument("--published", help="publication date YYYY-MM-DD for inputs that have none")
    ing.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    fan = ing.add_mutually_exclusive_group()
    fan.add_argument("--workers", type=_positive, default=1, metavar="N", help="extract in N processes (default 1)")
    fan.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="extract on the Dask cluster whose scheduler is at ADDRESS; its workers read the paths (same names there)"
        " and store into a postgresql:// --db themselves",
    )
    ing.add_argument(
        "--follow-symlinks", action="store_true", help="read symbolic links that lead out of the directories given"
    )
    _online_options(ing)

    geo = sub.add_parser("geocode", help="geocode London places or phrases naming one, one JSON line per query")
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

    wat = sub.add_parser("watch", help="poll London news feeds and store the incidents of their new articles")
    wat.add_argument("urls", nargs="*", help="feed URLs or local feed files, polled alone unless --feeds is given")
    wat.add_argument("--feeds", help="CSV list of feeds (default: data/feeds.csv when no URL is given)")
    wat.add_argument("--db", default=str(DEFAULT_DB), help="SQLite database (default: data/incidents.db)")
    when = wat.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="one round, exit 1 if a feed or page failed (the default)")
    when.add_argument("--every", type=_interval, metavar="INTERVAL", help="a round every 15m, 1h... until SIGTERM")
    wat.add_argument("--user-agent", required=True, metavar="NAME", help="e.g. 'crimemap (you@example.org)'")
    wat.add_argument("--delay", type=float, default=DEFAULT_DELAY, metavar="SECONDS", help="per host (default 3)")
    wat.add_argument("--max-articles", type=_positive, metavar="N", help="read at most N new articles per round")

    gaz = sub.add_parser("gazetteer", help="rebuild data/gazetteer/ from the raw London open data")
    gaz_sub = gaz.add_subparsers(dest="action", required=True)
    build = gaz_sub.add_parser("build", help="regenerate the committed gazetteer files")
    build.add_argument("--source", type=Path, required=True, help="the raw open data (see its SOURCES.md)")
    build.add_argument("--out", type=Path, help="output directory (default: data/gazetteer/)")

    phr = sub.add_parser("evaluate-phrasing", help="score extraction on one-sentence crime and figurative articles")
    phrasing.add_arguments(phr)

    eve = sub.add_parser("evaluate-events", help="score event matching against a gold grouping of articles")
    event_evaluation.add_arguments(eve)

    exp = sub.add_parser("explain", help="why each story is on the map or not: cues, places, gates, scene, date")
    exp.add_argument("path", help="a txt, html, jsonl or rss/atom file, or a directory of them")
    exp.add_argument("--id", help="explain only the article with this id (events are matched over all)")
    exp.add_argument("--json", action="store_true", help="one JSON object per story instead of text")
    exp.add_argument("--db", help="a database the input was ingested into: say which stored event each incident is in")
    exp.add_argument("--published", help="publication date YYYY-MM-DD for inputs that have none, as ingest takes it")

    args = parser.parse_args(argv)
    try:
        status = {
            "ingest": _ingest,
            "geocode": _geocode,
            "evaluate": _evaluate,
            "evaluate-phrasing": phrasing.evaluate,
            "evaluate-events": event_evaluation.evaluate,
            "explain": _explain,
            "gazetteer": _gazetteer,
            "policeuk": _policeuk,
            "watch": _watch,
        }[args.command](args)
        sys.stdout.flush()  # inside the try: a reader that went away shows here, not at exit
        return status
    except ExtractError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Ctrl-C: every write is in a transaction, so the one under way is rolled back and the committed ones stay.
        print(INTERRUPTED, file=sys.stderr)
        return INTERRUPTED_STATUS
    except BrokenPipeError:
        # `geocode ... | head` closed our output: stop quietly, as
        # https://docs.python.org/3/library/signal.html#note-on-sigpipe advises.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
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
    rows: dict[str, list[dict]] = {}  # by article id: an article read twice keeps its later incidents, as stored

    def keep_rows(article, incidents) -> None:
        rows[article.article_id] = [store.incident_row(i) for i in incidents]

    on_article = keep_rows if args.out else None
    if args.out and Path(args.out).suffix.lower() not in (".jsonl", ".csv", ".geojson"):
        raise ExtractError(f"{args.out}: --out must end in .jsonl, .csv or .geojson")
    if args.online and (args.workers > 1 or args.dask):
        raise ExtractError("--online works in one process: leave out --workers and --dask")
    report = ingest_paths(
        args.paths,
        db_path=args.db,
        published=args.published,
        extractor=extractor,
        on_article=on_article,
        progress=not args.no_progress,
        follow_symlinks=args.follow_symlinks,
        workers=args.workers,
        dask=args.dask,
    )
    for message in report.errors:
        print(f"error: {message}", file=sys.stderr)
    for message in report.warnings:
        print(f"warning: {message}", file=sys.stderr)
    if args.out:
        out_rows = [row for article_rows in rows.values() for row in article_rows]
        # Written once the run is over, with each incident's final event: a later article may merge events.
        conn = store.connect(args.db)
        try:
            event_ids = store.incident_event_ids(conn, [row["incident_id"] for row in out_rows])
        finally:
            conn.close()
        exports.write_incidents(
            [row | {"event_id": event_ids.get(row["incident_id"])} for row in out_rows],
            args.out,
            columns=(*store.INCIDENT_COLUMNS, "event_id"),
        )
    print(
        f"{report.articles} articles, {report.incidents} incidents -> {store.target_name(args.db)}"
        + (f" and {args.out}" if args.out else ""),
        file=sys.stderr,
    )
    _keep_map_copy(args.db)
    return 1 if report.errors else 0


def _keep_map_copy(db: str) -> None:
    """Keep the map's columnar copy of a large SQLite database current (extract.columnar.refresh), so that a
    dashboard's next first load reads it instead of every row; after the writes, once their connections are closed."""
    from extract import columnar, store

    try:
        kept = columnar.refresh(db)
    except columnar.REFRESH_ERRORS as e:  # the writes are done: a copy not kept costs the dashboard a slower read
        print(f"warning: {store.target_name(db)}: the map's copy for the dashboard was not kept ({e})", file=sys.stderr)
        return
    if kept:
        print(f"kept the map's copy of {kept:,} incidents for the dashboard", file=sys.stderr)


def _geocode(args) -> int:
    from extract.geo.gazetteer import load_gazetteer
    from extract.geo.places import build_matcher
    from extract.reading.scene import locate_phrase

    gazetteer = load_gazetteer()
    geocoder, matcher = _geocoder(args, gazetteer), build_matcher(gazetteer)
    status = 0
    for q in args.queries:
        place, _ = locate_phrase(q, matcher=matcher, geocoder=geocoder, context=args.context)
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


def _explain(args) -> int:
    import sqlite3

    from extract import store
    from extract.articles import read_articles
    from extract.explain import explain_articles, trail_json, trail_text
    from extract.pipeline import load_extractor

    errors: list[ExtractError] = []
    articles = list(read_articles([args.path], published=args.published, errors=errors))
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if args.id is not None and not any(a.article_id == args.id for a in articles):
        raise ExtractError(f"{args.path}: no article with id {args.id!r}")
    try:
        conn = store.connect_readonly(args.db) if args.db else None
    except sqlite3.Error as e:
        raise ExtractError(f"{store.target_name(args.db)}: cannot read the incidents database ({e})") from None
    try:
        trails = explain_articles(articles, extractor=load_extractor(), conn=conn)
    finally:
        if conn is not None:
            conn.close()
    for trail in trails:
        if args.id in (None, trail.article.article_id):
            print(json.dumps(trail_json(trail), ensure_ascii=False) if args.json else trail_text(trail) + "\n")
    return 1 if errors else 0


def _policeuk(args) -> int:
    from extract import store
    from extract.articles import shown_name
    from extract.geo.gazetteer import load_gazetteer
    from extract.policeuk import import_street_files

    report = import_street_files(args.paths, db_path=args.db, borough_at=load_gazetteer().borough_at)
    for message in report.errors:
        print(f"error: {message}", file=sys.stderr)
    for m in report.months:
        counts = f"{m.rows} in London\t{m.outside_london} outside\t{m.unlocated} unlocated"
        print(f"{shown_name(m.force)}\t{m.month}\t{counts}")
    print(
        f"{report.rows} recorded crimes in London from {len(report.months)} force months -> "
        f"{store.target_name(args.db)}; dropped {report.outside_london} outside Greater London and "
        f"{report.unlocated} with neither LSOA nor coordinates",
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


def _interval(value: str) -> float:
    """Seconds in an interval written 90s, 15m, 1h or 1.5h (a bare number is seconds)."""
    import re

    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", value.strip().lower())
    if not match or float(match[1]) <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive interval such as 90s, 15m or 1h, got {value!r}")
    return float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return number


def _watch(args) -> int:
    import signal
    import threading

    from extract import feeds, store
    from extract.fetching import Fetcher
    from extract.pipeline import load_extractor

    chosen = [feeds.feed_at(url) for url in args.urls]
    if args.feeds or not args.urls:
        chosen = feeds.load_feeds(args.feeds or feeds.FEEDS_FILE) + chosen
    fetcher = Fetcher(user_agent=args.user_agent, delay=args.delay)
    extractor = load_extractor()
    conn = store.connect(args.db)
    store.refresh_screens(conn)  # rows another release's name lists screened
    stop = threading.Event()
    # The first signal ends the watch after the current article; the handlers are put back afterwards.
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        report = feeds.watch(
            chosen,
            conn=conn,
            fetcher=fetcher,
            extractor=extractor,
            every=args.every,
            max_articles=args.max_articles,
            stop=stop,
            on_round=functools.partial(_round_done, db=args.db),
        )
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        conn.close()
    # Closing the last connection moves the write-ahead log into the file: a new version, whose copy is kept now.
    _keep_map_copy(args.db)
    return 1 if report.failures and args.every is None else 0


def _round_done(report, *, db: str) -> None:
    """Log the round, and keep the map's copy for the dashboards reading meanwhile: every round writes (the feeds'
    polling state at least), so every round is a new version of the database."""
    _log_round(report)
    _keep_map_copy(db)


def _log_round(report) -> None:
    for message in report.failures:
        print(f"error: {message}", file=sys.stderr)
    for message in report.warnings:
        print(f"warning: {message}", file=sys.stderr)
    print(
        f"{report.finished_at} round: {report.polled} feeds polled ({report.failed_feeds} failed, "
        f"{report.backing_off} backing off), {report.new_items} new items, {report.articles} articles, "
        f"{report.incidents} incidents, {len(report.failures)} failures"
        + ("" if report.complete else ", stopped early"),
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
