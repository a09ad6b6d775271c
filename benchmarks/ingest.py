"""Ingest throughput: per-core articles per second (this process's CPU time, loading excluded) and wall time of the
whole ingest path (ingest_paths: reading a JSON Lines file, extraction, the store and event matching, into a fresh
SQLite database) and of extraction alone; load_extractor's time; the peak RSS of the `ingest` command run on the same
file in a child process; with --stages, the share of CPU per stage, from stack samples taken every millisecond of
CPU (with --cprofile, from cProfile, whose cost per call inflates the stages made of many small calls).

The corpus is the team's development articles (../shared/data/news-dev/articles.jsonl, read at run time and never
copied into the repository: nearly all London crime) repeated under new ids to at least --articles; with --world,
the 1,135 articles of the four public geoparsing corpora (news from everywhere, a third with a crime word), likewise
repeated; with --corpus, the articles of any files or folders ingest reads (other real news), likewise repeated;
without those files, or with --synthetic, made-up London news built from the templates below and gazetteer names,
with a fixed seed. Repeated articles are copies under their own ids: each is stored, and event matching groups the
copies, as it would a story reprinted by many outlets.

--runs N measures each N times, alternating, and prints the range: the machine may be shared, and another job's
load inflates CPU time too; the figures printed and recorded are the median run's. --record-baseline FILE writes this
machine's figures for the corpus into FILE (JSON, one entry per corpus); --baseline FILE compares with them and exits
1 when a throughput is more than MAX_DROP below. Use it before merging; it is not a test (a busy machine can fail it).

Example:
    .venv/bin/python benchmarks/ingest.py
    .venv/bin/python benchmarks/ingest.py --world --stages
    .venv/bin/python benchmarks/ingest.py --corpus other-news.jsonl --runs 3
    .venv/bin/python benchmarks/ingest.py --stages --cprofile --no-rss
    .venv/bin/python benchmarks/ingest.py --baseline benchmarks/baseline.json
    .venv/bin/python benchmarks/ingest.py --synthetic --articles 2000 --no-rss
    .venv/bin/python benchmarks/ingest.py --runs 3 --no-rss
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import platform
import pstats
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import FrameType

from extract import events, store  # noqa: F401  imported here, so that ingest_paths' timing excludes loading them
from extract.articles import read_articles
from extract.pipeline import Extractor, IngestReport, extract_incidents, ingest_paths, load_extractor
from extract.records import Article

ROOT = Path(__file__).resolve().parent.parent

DEV_ARTICLES = ROOT.parent / "shared" / "data" / "news-dev" / "articles.jsonl"
WORLD_CORPORA = [
    ROOT.parent / "shared" / "data" / "geoparse-bench" / f"{name}.xml.gz"
    for name in ("lgl", "GWN", "TR-News", "GeoVirus")
]
ARTICLES = 5000  # the corpus: news-dev repeated to 5,000 articles with distinct ids
TARGET = 1500  # articles per second per core, whole ingest (issue 14)
RSS_TARGET_MB = 400  # peak RSS of a 5,000-article ingest (issue 14)
SAMPLE_SECONDS = 0.001  # of CPU between two stack samples of --stages: thousands over an ingest, each a few us
MAX_DROP = 0.15  # --baseline fails when a throughput falls more than this fraction below the recorded one
SEED = 11

# Where each module's own CPU time goes, by path prefix under the repository (first match wins); time spent in the
# standard library, site-packages or built-ins goes to the stage of the project function that called it.
STAGES = (
    ("extract/geo/places.py", "place finding"),
    ("extract/text/scan.py", "place finding"),
    ("extract/text/cues.py", "cues"),
    ("extract/text/lexicon.py", "cues"),
    ("extract/text/senses.py", "cues"),
    ("extract/text/sentences.py", "sentences"),
    ("extract/text/spans.py", "sentences"),
    ("extract/reading/story.py", "sentences"),
    ("extract/reading/london.py", "london checks"),
    ("extract/reading/scene.py", "scene/geocoding"),
    ("extract/geo/", "scene/geocoding"),
    ("extract/reading/details.py", "details"),
    ("extract/text/numbers.py", "details"),
    ("extract/text/dates.py", "dates"),
    ("extract/reading/dating.py", "dates"),
    ("extract/text/signals.py", "signals"),
    ("extract/store.py", "store"),
    ("extract/events.py", "events/matching"),
    ("extract/matching.py", "events/matching"),
    ("extract/text/specifics.py", "events/matching"),
    ("extract/articles.py", "reading"),
    ("extract/text/folding.py", "folding"),
    ("extract/", "glue"),
)

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


def repeated(base: list[Article], count: int) -> list[Article]:
    """`base` repeated under new ids ("<id>-<n>") to exactly `count` articles."""
    rounds = -(-count // len(base))
    return [dataclasses.replace(a, article_id=f"{a.article_id}-{n}") for n in range(rounds) for a in base][:count]


def dev_corpus(count: int) -> list[Article]:
    """The development articles repeated under new ids to `count`."""
    return articles_of([DEV_ARTICLES], count)


def articles_of(paths: list[Path], count: int) -> list[Article]:
    """The articles of `paths` (files or folders of any input ingest reads) repeated under new ids to `count`."""
    errors: list = []
    base = list(read_articles(paths, errors=errors))
    if errors or not base:
        raise SystemExit(f"cannot read {', '.join(map(str, paths))}: {errors[:1] or 'no article'}")
    return repeated(base, count)


def world_corpus(count: int) -> list[Article]:
    """The geoparsing corpora's articles repeated under new ids to `count`."""
    from extract.evaluation.corpus_check import read_corpus

    return repeated([a for path in WORLD_CORPORA for a, _ in read_corpus(path)], count)


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


@dataclasses.dataclass(frozen=True, slots=True)
class Timing:
    cpu: float  # this process's CPU seconds
    wall: float


def timed(run: Callable[[], object]) -> Timing:
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return Timing(time.process_time() - cpu, time.perf_counter() - wall)


def stage_shares(profile: cProfile.Profile) -> Counter[str]:
    """CPU seconds per stage of a profiled run: each function's own time goes to its module's stage (STAGES), or
    for code outside the project, to its callers' stages in proportion to the time it spent for each."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    root = str(ROOT) + "/"
    resolved: dict[tuple, Counter[str]] = {}

    def stage_of(func: tuple) -> Counter[str]:
        """The stages one second of `func`'s own time belongs to, as fractions."""
        if func in resolved:
            return resolved[func]
        path = func[0][len(root) :] if func[0].startswith(root) else None
        if path is not None and not path.startswith(".venv/"):
            resolved[func] = Counter({_stage(path): 1.0})
            return resolved[func]
        resolved[func] = Counter({"other": 1.0})  # a cycle of library calls: not attributed further
        callers = stats[func][4]
        total = sum(t[2] for t in callers.values()) or sum(t[3] for t in callers.values())
        if not callers or not total:
            return resolved[func]
        share: Counter[str] = Counter()
        for caller, t in callers.items():
            weight = (t[2] if sum(c[2] for c in callers.values()) else t[3]) / total
            for stage, fraction in stage_of(caller).items():
                share[stage] += weight * fraction
        resolved[func] = share
        return share

    seconds: Counter[str] = Counter()
    for func, (_, _, own, _, _) in stats.items():
        for stage, fraction in stage_of(func).items():
            seconds[stage] += own * fraction
    return seconds


def _stage(path: str) -> str:
    """The stage of a file of the project (`path` relative to the repository)."""
    return next((s for p, s in STAGES if path.startswith(p)), "other")


def sampled_shares(run: Callable[[], object]) -> Counter[str]:
    """CPU seconds per stage of `run`, sampled: about every SAMPLE_SECONDS of this process's CPU time (a SIGPROF
    timer, which the kernel may deliver later and Python handles between two bytecodes), the stack is read, and the
    CPU time since the sample before goes to the stage of the innermost frame of the project's code; time in the
    standard library, site-packages or C (SQLite, the automaton) goes to the project function that called it. The
    store's time is split between event matching's reads and writes and the articles'."""
    root = str(ROOT) + "/"
    project, matching = root + "extract/", root + "extract/events.py"
    seconds: Counter[str] = Counter()
    last = [time.process_time()]

    def sample(signum: int, frame: FrameType | None) -> None:
        now = time.process_time()
        while frame is not None and not frame.f_code.co_filename.startswith(project):
            frame = frame.f_back
        stage = _stage(frame.f_code.co_filename[len(root) :]) if frame else "other"
        if stage == "store":
            while frame is not None and frame.f_code.co_filename != matching:
                frame = frame.f_back
            stage = "store: events" if frame else "store: articles"
        seconds[stage] += now - last[0]
        last[0] = now

    previous = signal.signal(signal.SIGPROF, sample)
    signal.setitimer(signal.ITIMER_PROF, SAMPLE_SECONDS, SAMPLE_SECONDS)
    try:
        run()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
    return seconds


def command_rss(source: Path, db: Path) -> tuple[float, float]:
    """Run `python -m extract ingest` on `source` into `db` in a child process; its wall seconds and peak RSS in MB."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "extract", "ingest", str(source), "--db", str(db), "--no-progress"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux


def _ingest(source: Path, db: Path, extractor: Extractor, reports: list[IngestReport]) -> None:
    reports.append(ingest_paths([source], db_path=db, extractor=extractor))


def _median(runs: list[Timing]) -> Timing:
    """The run of median CPU time (the lower middle one of an even number)."""
    return sorted(runs, key=lambda t: t.cpu)[(len(runs) - 1) // 2]


def commit() -> str:
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True)
    return found.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", action="store_true", help="use made-up articles even if the dev set exists")
    parser.add_argument("--world", action="store_true", help="use the geoparsing corpora (news from everywhere)")
    parser.add_argument(
        "--corpus",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="use the articles of these files or folders (any input ingest reads), named by the first one's name",
    )
    parser.add_argument("--articles", type=int, default=ARTICLES, help=f"corpus size (default {ARTICLES})")
    parser.add_argument("--stages", action="store_true", help="also sample the whole ingest: CPU share per stage")
    parser.add_argument("--cprofile", action="store_true", help="with --stages, profile every call with cProfile")
    parser.add_argument("--no-rss", action="store_true", help="skip the ingest command run for its peak RSS")
    parser.add_argument("--runs", type=int, default=1, help="measure each this many times and print the range")
    parser.add_argument(
        "--baseline", type=Path, help=f"exit 1 when more than {MAX_DROP * 100:.0f}%% slower than this file"
    )
    parser.add_argument("--record-baseline", type=Path, help="write this run's figures into this JSON file")
    args = parser.parse_args()

    first = timed(load_extractor)  # builds the user's cache of the extractor when its inputs changed or it is missing
    load = timed(load_extractor)  # warm: what every later start-up costs
    extractor = load_extractor()
    use_dev = DEV_ARTICLES.exists() and not args.synthetic
    if args.corpus:
        name, corpus = args.corpus[0].stem, articles_of(args.corpus, args.articles)
    elif args.world and all(p.exists() for p in WORLD_CORPORA):
        name, corpus = "world", world_corpus(args.articles)
    elif use_dev:
        name, corpus = "news-dev", dev_corpus(args.articles)
    else:
        name, corpus = "synthetic", synthetic_corpus(args.articles)
    n = len(corpus)
    chars = sum(len(a.text) for a in corpus)

    latencies: list[float] = []
    incidents = 0

    def extract_all() -> None:
        nonlocal incidents
        for a in corpus:
            t = time.perf_counter()
            incidents += len(extract_incidents(a, extractor=extractor))
            latencies.append(time.perf_counter() - t)

    extractions: list[Timing] = []
    ingests: list[Timing] = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "corpus.jsonl"
        write_jsonl(corpus, source)
        reports = []
        for run in range(max(1, args.runs)):  # alternating, so that a busy spell of the machine slows both alike
            incidents = 0
            latencies.clear()
            extractions.append(timed(extract_all))
            ingests.append(timed(partial(_ingest, source, Path(tmp) / f"a{run}.db", extractor, reports)))
        extraction, ingest = _median(extractions), _median(ingests)
        shares: Counter[str] = Counter()
        if args.stages and args.cprofile:
            profile = cProfile.Profile(time.process_time)  # CPU, not wall: a busy disk or machine inflates wall
            profile.enable()
            ingest_paths([source], db_path=Path(tmp) / "b.db", extractor=extractor)
            profile.disable()
            shares = stage_shares(profile)
        elif args.stages:
            shares = sampled_shares(partial(_ingest, source, Path(tmp) / "b.db", extractor, []))
        command = None if args.no_rss else command_rss(source, Path(tmp) / "c.db")

    print(
        f"corpus: {name}, {n} articles, {chars / n:,.0f} characters per article, {incidents} incidents "
        f"(commit {commit()}, {platform.python_implementation()} {platform.python_version()})"
    )
    print(
        f"load_extractor(): {load.wall:.2f} s wall, {load.cpu:.2f} s CPU warm; first call {first.wall:.2f} s "
        "(the cache built when missing or stale; excluded below)"
    )
    print(f"\n{'':<36} {'CPU s':>7} {'articles/s per core':>20} {'wall s':>7} {'articles/s wall':>16}")
    for label, t, runs in (
        ("whole ingest (ingest_paths)", ingest, ingests),
        ("extraction alone (extract_incidents)", extraction, extractions),
    ):
        print(f"{label:<36} {t.cpu:>7.2f} {n / t.cpu:>20,.0f} {t.wall:>7.2f} {n / t.wall:>16,.0f}")
        if len(runs) > 1:
            rates = sorted(n / r.cpu for r in runs)
            print(f"{'':<36} {len(runs)} runs: {rates[0]:,.0f}-{rates[-1]:,.0f} articles/s per core")
    print(f"target: {TARGET:,} articles/s per core for the whole ingest")
    times = sorted(latencies)
    print(
        f"extract_incidents per article: median {1000 * statistics.median(times):.2f} ms, "
        f"p95 {1000 * times[int(0.95 * (n - 1))]:.2f} ms, max {1000 * times[-1]:.1f} ms"
    )
    report = reports[0]
    if report.errors or report.articles != n:
        print(f"ingest_paths: {report.articles} articles, {len(report.errors)} errors: {report.errors[:3]}")
    if command:
        print(
            f"`python -m extract ingest` in a child process: {command[0]:.2f} s wall with start-up, "
            f"peak RSS {command[1]:,.0f} MB (target {RSS_TARGET_MB} MB)"
        )
    if shares:
        total = sum(shares.values())
        how = "under cProfile" if args.cprofile else f"sampled every {1000 * SAMPLE_SECONDS:g} ms of CPU"
        print(f"\nCPU per stage of the whole ingest {how} ({total:.1f} s, profiling overhead included):")
        for stage, seconds in shares.most_common():
            print(f"  {stage:<18} {100 * seconds / total:5.1f}%  {1000 * seconds / n:6.3f} ms/article")

    figures = {
        "commit": commit(),
        "articles": n,
        "ingest_per_core": round(n / ingest.cpu),
        "extract_per_core": round(n / extraction.cpu),
        "load_seconds": round(load.wall, 2),
    }
    if args.record_baseline:
        recorded = json.loads(args.record_baseline.read_text()) if args.record_baseline.exists() else {}
        recorded[name] = figures
        args.record_baseline.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
        print(f"\nrecorded in {args.record_baseline} as {name!r}")
    if args.baseline:
        base = json.loads(args.baseline.read_text()).get(name)
        if base is None:
            print(f"\n{args.baseline} has no figures for {name!r}")
            return 1
        failed = False
        for key in ("ingest_per_core", "extract_per_core"):
            floor = base[key] * (1 - MAX_DROP)
            ok = figures[key] >= floor
            failed |= not ok
            print(
                f"{key}: {figures[key]:,} against {base[key]:,} recorded at {base['commit']} "
                f"({'ok' if ok else f'more than {MAX_DROP:.0%} slower'})"
            )
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
