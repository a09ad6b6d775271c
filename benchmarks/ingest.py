"""Ingest throughput in one process: articles per second for SQLite storage alone, extraction alone, extraction plus
storage, and the whole ingest_paths (reading a JSON Lines file too); loading the extractor is timed apart.

The corpus is the team's development articles (../shared/data/news-dev/articles.jsonl, read at run time and never
copied into the repository: nearly all London crime) repeated under new ids to at least MIN_ARTICLES; with --world,
the 1,135 articles of the four public geoparsing corpora (news from everywhere, a third with a crime word), likewise
repeated; without those files, or with --synthetic, made-up London news built from the templates below and
gazetteer names, with a fixed seed.

Example:
    .venv/bin/python benchmarks/ingest.py
    .venv/bin/python benchmarks/ingest.py --world
    .venv/bin/python benchmarks/ingest.py --synthetic --articles 5000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from extract import store
from extract.articles import read_articles
from extract.pipeline import extract_incidents, ingest_paths, load_extractor
from extract.records import Article

ROOT = Path(__file__).resolve().parent.parent

DEV_ARTICLES = ROOT.parent / "shared" / "data" / "news-dev" / "articles.jsonl"
WORLD_CORPORA = [
    ROOT.parent / "shared" / "data" / "geoparse-bench" / f"{name}.xml.gz"
    for name in ("lgl", "GWN", "TR-News", "GeoVirus")
]
MIN_ARTICLES = 2300
TARGET = 1000  # articles per second
SEED = 11

CRIME = (
    "A {age}-year-old man was stabbed on {street} in {area} on {day} night, police said.",
    "Officers were called to {street} at about {hour}pm after reports of a robbery.",
    "A woman was shot in the leg outside a shop in {area} {when}.",
    "Burglars broke into a house on {street} in {area} {when} and stole jewellery.",
    "A {age}-year-old boy has been arrested on suspicion of attempted murder.",
    "A car was set alight on {street} in the early hours of {day}.",
)
DETAIL = (
    "Paramedics treated the victim at the scene before taking him to hospital.",
    "Detectives are appealing for witnesses and dashcam footage.",
    "A cordon was in place for several hours while officers searched the area.",
    "Anyone with information is asked to call 101 or Crimestoppers anonymously.",
    "The Metropolitan Police said the injuries were not thought to be life-threatening.",
    "Neighbours said they heard shouting shortly before the police arrived.",
)
OTHER = (
    "The council has approved plans for a new library on {street} in {area}.",
    "Residents in {area} say the bus service has improved since the spring.",
    "A new cycle lane on {street} will open on {day}, the borough said.",
    "Knife crime in London fell by 4 per cent last year, figures show.",
    "The mayor said the funding would support youth clubs across the capital.",
    "Traders in {area} reported a busy weekend after the market reopened.",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WHENS = ("last night", "yesterday", "on Friday evening", "on 2 March", "overnight")


def dev_corpus(count: int) -> list[Article]:
    """The development articles repeated under new ids until there are at least `count`."""
    errors: list = []
    base = list(read_articles([DEV_ARTICLES], errors=errors))
    if errors or not base:
        raise SystemExit(f"cannot read {DEV_ARTICLES}: {errors[:1]}")
    return [
        dataclasses.replace(a, article_id=f"{a.article_id}-{n}") for n in range(-(-count // len(base))) for a in base
    ]


def world_corpus(count: int) -> list[Article]:
    """The geoparsing corpora's articles repeated under new ids until there are at least `count`."""
    from extract.evaluation.corpus_check import read_corpus

    base = [a for path in WORLD_CORPORA for a, _ in read_corpus(path)]
    return [
        dataclasses.replace(a, article_id=f"{a.article_id}-{n}") for n in range(-(-count // len(base))) for a in base
    ]


def synthetic_corpus(count: int) -> list[Article]:
    """Made-up articles of 10-22 sentences: about half tell a crime at gazetteer streets and areas."""
    from extract.geo.gazetteer import load_gazetteer

    rng = random.Random(SEED)
    gazetteer = load_gazetteer()
    streets = sorted({e.name for e in gazetteer.entries if e.kind == "street" and " " in e.name})
    areas = sorted({e.name for e in gazetteer.entries if e.kind == "area"})
    articles = []
    for n in range(count):
        pool = CRIME + DETAIL if n % 2 == 0 else OTHER + DETAIL[3:]
        sentences = [
            rng.choice(pool).format(
                age=rng.randint(14, 70),
                street=rng.choice(streets),
                area=rng.choice(areas),
                day=rng.choice(DAYS),
                when=rng.choice(WHENS),
                hour=rng.randint(1, 11),
            )
            for _ in range(rng.randint(10, 22))
        ]
        articles.append(
            Article(f"synthetic-{n}", " ".join(sentences), headline=None, published="2024-03-06", source="synthetic")
        )
    return articles


def write_jsonl(articles: list[Article], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(
                json.dumps({"id": a.article_id, "text": a.text, "headline": a.headline, "published": a.published})
                + "\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", action="store_true", help="use made-up articles even if the dev set exists")
    parser.add_argument("--world", action="store_true", help="use the geoparsing corpora (news from everywhere)")
    parser.add_argument("--articles", type=int, default=MIN_ARTICLES, help="at least this many articles")
    args = parser.parse_args()

    t0 = time.perf_counter()
    extractor = load_extractor()
    load_seconds = time.perf_counter() - t0

    use_dev = DEV_ARTICLES.exists() and not args.synthetic
    if args.world and all(p.exists() for p in WORLD_CORPORA):
        corpus = world_corpus(args.articles)
    else:
        corpus = dev_corpus(args.articles) if use_dev else synthetic_corpus(args.articles)
    chars = sum(len(a.text) for a in corpus)

    latencies = []
    extracted = []
    t0 = time.perf_counter()
    for a in corpus:
        t1 = time.perf_counter()
        extracted.append(extract_incidents(a, extractor=extractor))
        latencies.append((time.perf_counter() - t1, a.article_id, len(a.text)))
    extract_seconds = time.perf_counter() - t0
    n_incidents = sum(len(incidents) for incidents in extracted)

    with tempfile.TemporaryDirectory() as tmp:
        conn = store.connect(Path(tmp) / "saved.db")
        t0 = time.perf_counter()
        for a, incidents in zip(corpus, extracted):
            store.save_article(conn, a, incidents)
        save_seconds = time.perf_counter() - t0
        conn.close()

        conn = store.connect(Path(tmp) / "incidents.db")
        t0 = time.perf_counter()
        for a in corpus:
            store.save_article(conn, a, extract_incidents(a, extractor=extractor))
        store_seconds = time.perf_counter() - t0
        conn.close()

        source = Path(tmp) / "corpus.jsonl"
        write_jsonl(corpus, source)
        t0 = time.perf_counter()
        report = ingest_paths([source], db_path=Path(tmp) / "ingest.db", extractor=extractor)
        ingest_seconds = time.perf_counter() - t0

    n = len(corpus)
    name = "geoparsing corpora repeated" if args.world else "news-dev repeated" if use_dev else "synthetic"
    print(
        f"corpus: {name}, {n} articles, {chars / n:,.0f} characters "
        f"per article on average, {n_incidents} incidents; target {TARGET} articles/s"
    )
    print(f"load_extractor(): {load_seconds:.2f} s (excluded below)")
    print()
    print(f"{'stage':<40} {'seconds':>8} {'articles/s':>11} {'ms/article':>11}")
    for stage, seconds in (
        ("save_article alone (one commit each)", save_seconds),
        ("extract_incidents", extract_seconds),
        ("extract_incidents + save_article", store_seconds),
        ("ingest_paths (read JSONL + both)", ingest_seconds),
    ):
        print(f"{stage:<40} {seconds:>8.2f} {n / seconds:>11,.0f} {1000 * seconds / n:>11.2f}")
    times = sorted(t for t, _, _ in latencies)
    slowest = max(latencies)
    print()
    print(
        f"extract_incidents per article: median {1000 * statistics.median(times):.2f} ms, "
        f"p95 {1000 * times[int(0.95 * (n - 1))]:.2f} ms, max {1000 * slowest[0]:.1f} ms "
        f"({slowest[1]}, {slowest[2]:,} characters)"
    )
    if report.errors or report.articles != n:
        print(f"ingest_paths: {report.articles} articles, {len(report.errors)} errors: {report.errors[:3]}")


if __name__ == "__main__":
    main()
