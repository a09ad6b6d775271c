"""Run the extractor on a phrasing suite of one-sentence articles; prints figures, asserts nothing.

A suite is a directory with two CSV files ("#" lines are comments):
- `crimes.csv`: id, sentence, type, weapon, fatal, borough, place, form. Each sentence is a complete one-sentence
  report of a London crime. `type` and `weapon` list the accepted answers separated by "|" (a blank weapon is not
  checked), `fatal` is 1 or 0, `place` is the scene as written in the sentence and `form` names the phrasing
  (passive, active, ing, attempt, particle, method, fatal, noun, ...) so that misses can be counted by form.
- `figurative.csv`: id, sentence, sense. Each sentence names a London street and a weekday but reports no crime
  (sport, politics, business, entertainment, idiom, medical, weather, other): any incident found is a false flag.

Every sentence is read as an article of its own, published on PUBLISHED.

Example:
    python -m extract.evaluation.phrasing data/evaluation/phrasing --mistakes
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from extract.datafiles import DATA_DIR, read_rows
from extract.records import WEAPONS, Article, ExtractError, Incident

DEFAULT_SUITE = DATA_DIR / "evaluation" / "phrasing"
PUBLISHED = "2024-03-20"  # a Wednesday, so that "on Monday" and "on Saturday" both resolve to the days before it
CRIME_COLUMNS = ("id", "sentence", "type", "weapon", "fatal", "borough", "place", "form")
FIGURATIVE_COLUMNS = ("id", "sentence", "sense")


@dataclass(frozen=True, slots=True)
class CrimeCase:
    """A one-sentence crime report and what the extractor should read from it."""

    case_id: str
    sentence: str
    types: tuple[str, ...]  # accepted incident type slugs
    weapons: tuple[str, ...]  # accepted weapons; empty when not checked
    fatal: bool
    borough: str
    place: str
    form: str


@dataclass(frozen=True, slots=True)
class FigurativeCase:
    """A one-sentence story that uses crime words figuratively or reports no crime."""

    case_id: str
    sentence: str
    sense: str


@dataclass(frozen=True, slots=True)
class Suite:
    """The crime and figurative sentences of one suite directory."""

    crimes: tuple[CrimeCase, ...]
    figurative: tuple[FigurativeCase, ...]


@dataclass(frozen=True, slots=True)
class CrimeResult:
    """A crime case with the first incident the extractor found in it (None when it found none)."""

    case: CrimeCase
    incident: Incident | None

    @property
    def type_ok(self) -> bool:
        return self.incident is not None and self.incident.type in self.case.types

    @property
    def weapon_ok(self) -> bool:
        return self.incident is not None and (not self.case.weapons or self.incident.weapon in self.case.weapons)

    @property
    def fatal_ok(self) -> bool:
        return self.incident is not None and self.incident.fatal == self.case.fatal

    @property
    def borough_ok(self) -> bool:
        place = self.incident.place if self.incident else None
        return place is not None and place.borough == self.case.borough


@dataclass(frozen=True, slots=True)
class FigurativeResult:
    """A figurative case with the first incident the extractor (wrongly) found in it, if any."""

    case: FigurativeCase
    incident: Incident | None


@dataclass(frozen=True, slots=True)
class SuiteResults:
    """The results of one suite, case by case."""

    crimes: tuple[CrimeResult, ...]
    figurative: tuple[FigurativeResult, ...]


def load_suite(directory: str | Path = DEFAULT_SUITE, *, types: Iterable[str] | None = None) -> Suite:
    """Read crimes.csv and figurative.csv from `directory`; raises ExtractError naming the file and row of a bad
    row (missing column, unknown type slug or weapon, fatal not 0/1, place not in its sentence, repeated id)."""
    directory = Path(directory)
    known = set(types) if types is not None else {r["slug"] for r in read_rows(DATA_DIR / "crime_types.csv")}
    crimes = []
    for n, row in _rows(directory / "crimes.csv", CRIME_COLUMNS):
        where = f"{directory / 'crimes.csv'}: row {n}"
        case_types = tuple(t for t in row["type"].split("|") if t)
        weapons = tuple(w for w in row["weapon"].split("|") if w)
        if not case_types or set(case_types) - known:
            raise ExtractError(f"{where}: unknown incident type {row['type']!r}")
        if set(weapons) - set(WEAPONS):
            raise ExtractError(f"{where}: unknown weapon {row['weapon']!r} (one of {', '.join(WEAPONS)})")
        if row["fatal"] not in ("0", "1"):
            raise ExtractError(f"{where}: fatal must be 0 or 1, not {row['fatal']!r}")
        if not row["place"] or row["place"] not in row["sentence"]:
            raise ExtractError(f"{where}: place {row['place']!r} is not in the sentence")
        if not row["borough"]:
            raise ExtractError(f"{where}: no borough")
        crimes.append(
            CrimeCase(
                row["id"],
                row["sentence"],
                case_types,
                weapons,
                row["fatal"] == "1",
                row["borough"],
                row["place"],
                row["form"] or "-",
            )
        )
    figurative = [
        FigurativeCase(row["id"], row["sentence"], row["sense"] or "-")
        for _, row in _rows(directory / "figurative.csv", FIGURATIVE_COLUMNS)
    ]
    ids = [c.case_id for c in crimes] + [c.case_id for c in figurative]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ExtractError(f"{directory}: repeated ids {', '.join(repeated)}")
    return Suite(tuple(crimes), tuple(figurative))


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The numbered rows of a suite file, each with every column, stripped; raises ExtractError when it cannot."""
    try:
        rows = read_rows(path)
    except (OSError, UnicodeDecodeError) as e:
        raise ExtractError(f"{path}: cannot read the suite file ({e})") from None
    out = []
    for n, row in enumerate(rows, 1):
        missing = [c for c in columns if row.get(c) is None or (c in ("id", "sentence") and not row[c].strip())]
        if missing:
            raise ExtractError(f"{path}: row {n} lacks {', '.join(missing)}")
        out.append((n, {c: row[c].strip() for c in columns}))
    return out


def run_suite(suite: Suite, *, extract: Callable[[Article], list[Incident]]) -> SuiteResults:
    """Read every sentence of `suite` as an article of its own with `extract` and keep its first incident."""

    def first(case_id: str, sentence: str) -> Incident | None:
        found = extract(Article(case_id, sentence, published=PUBLISHED, source=case_id))
        return found[0] if found else None

    return SuiteResults(
        tuple(CrimeResult(c, first(c.case_id, c.sentence)) for c in suite.crimes),
        tuple(FigurativeResult(c, first(c.case_id, c.sentence)) for c in suite.figurative),
    )


def _share(n: int, total: int) -> str:
    return f"{n / total:.3f} ({n}/{total})" if total else "n/a"


def _by(label: str, groups: dict[str, list[bool]]) -> str:
    """One line: each group's share of True, worst first."""
    parts = sorted(groups.items(), key=lambda kv: (sum(kv[1]) / len(kv[1]), kv[0]))
    return f"{label:<20} " + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in parts)


def report(results: SuiteResults, *, mistakes: bool = False) -> str:
    """Format the figures, one per line: recall on the crime sentences (found, and found with the right type,
    weapon, fatal flag and borough), the share of figurative sentences flagged, precision over both, and the
    figures by phrasing form, incident type and figurative sense; with `mistakes`, one line per disagreement."""
    crimes, figurative = results.crimes, results.figurative
    found = sum(r.incident is not None for r in crimes)
    flagged = sum(r.incident is not None for r in figurative)
    weapon_checked = [r for r in crimes if r.case.weapons]
    all_ok = [r.type_ok and r.weapon_ok and r.fatal_ok and r.borough_ok for r in crimes]
    by_form: dict[str, list[bool]] = defaultdict(list)
    by_type: dict[str, list[bool]] = defaultdict(list)
    by_sense: dict[str, list[bool]] = defaultdict(list)
    for r in crimes:
        by_form[r.case.form].append(r.incident is not None)
        by_type[r.case.types[0]].append(r.incident is not None)
    for f in figurative:
        by_sense[f.case.sense].append(f.incident is None)
    lines = [
        f"phrasing suite      {len(crimes)} crime sentences, {len(figurative)} figurative or non-crime sentences",
        f"crime recall        {_share(found, len(crimes))}  (an incident found)",
        f"  with right type   {_share(sum(r.type_ok for r in crimes), len(crimes))}",
        f"  with right weapon {_share(sum(r.weapon_ok for r in weapon_checked), len(weapon_checked))}"
        "  (sentences naming or implying one)",
        f"  with right fatal  {_share(sum(r.fatal_ok for r in crimes), len(crimes))}",
        f"  with right borough {_share(sum(r.borough_ok for r in crimes), len(crimes))}",
        f"  all four right    {_share(sum(all_ok), len(crimes))}",
        f"figurative flagged  {_share(flagged, len(figurative))}  (lower is better)",
        f"precision           {_share(found, found + flagged)}  (crime sentences among all flagged)",
        _by("found by form", by_form),
        _by("found by type", by_type),
        _by("rejected by sense", by_sense),
    ]
    if mistakes:
        lines += _mistakes(results)
    return "\n".join(lines)


def _mistakes(results: SuiteResults) -> list[str]:
    lines = []
    for r in results.crimes:
        c, i = r.case, r.incident
        if i is None:
            lines.append(f"{c.case_id} missed [{c.form}, {'|'.join(c.types)}]: {c.sentence}")
            continue
        wrong = []
        if not r.type_ok:
            wrong.append(f"type {i.type} != {'|'.join(c.types)}")
        if not r.weapon_ok:
            wrong.append(f"weapon {i.weapon} != {'|'.join(c.weapons)}")
        if not r.fatal_ok:
            wrong.append(f"fatal {i.fatal} != {c.fatal}")
        if not r.borough_ok:
            wrong.append(f"borough {i.place.borough if i.place else None} ({i.location_text}) != {c.borough}")
        if wrong:
            lines.append(f"{c.case_id} {'; '.join(wrong)}: {c.sentence}")
    for f in results.figurative:
        if f.incident is not None:
            i = f.incident
            lines.append(
                f"{f.case.case_id} flagged [{f.case.sense}] as {i.type} at {i.location_text}: {f.case.sentence}"
            )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite in the directory given on the command line (default data/evaluation/phrasing) and print
    the report."""
    parser = argparse.ArgumentParser(prog="python -m extract.evaluation.phrasing", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return evaluate(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, shared by `python -m extract evaluate-phrasing` and this module's main."""
    parser.add_argument(
        "suite", nargs="?", default=str(DEFAULT_SUITE), help="directory with crimes.csv, figurative.csv"
    )
    parser.add_argument("--mistakes", action="store_true", help="list every miss, wrong detail and false flag")


def evaluate(args: argparse.Namespace) -> int:
    """Load the suite named by `args`, run the extractor on it and print the report; 1 when the suite is bad."""
    from extract.pipeline import extract_incidents, load_extractor  # here, so that the CLI parses without it

    try:
        suite = load_suite(args.suite)
    except ExtractError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    results = run_suite(suite, extract=partial(extract_incidents, extractor=load_extractor()))
    print(report(results, mistakes=args.mistakes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
