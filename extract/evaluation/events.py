"""Score event matching against a gold grouping of articles (the news-dedup-dev schema); prints figures, asserts
nothing.

An article's predicted event is the event of its first incident; an article without incidents is an event of its
own. Figures: pairwise precision, recall and F1 over article pairs, B-cubed F1, and predicted against gold events.

Example:
    python -m extract evaluate-events --gold ../shared/data/news-dedup-dev/gold.jsonl \
        ../shared/data/news-dedup-dev/articles.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from extract.records import Article, ExtractError, Incident


@dataclass(frozen=True, slots=True)
class EventGold:
    """The gold event of each article, and the events each event is a deliberate near-miss of."""

    event: Mapping[str, str]
    near_misses: Mapping[str, frozenset[str]]


@dataclass
class EventScores:
    """Pairwise and B-cubed agreement of a predicted grouping with the gold one."""

    pair_tp: int = 0
    pair_fp: int = 0
    pair_fn: int = 0
    bcubed_precision: float = 0.0
    bcubed_recall: float = 0.0
    gold_events: int = 0
    predicted_events: int = 0
    articles: int = 0
    near_miss_pairs: int = 0
    near_miss_merged: int = 0
    mistakes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.pair_tp / (self.pair_tp + self.pair_fp) if self.pair_tp + self.pair_fp else 0.0

    @property
    def recall(self) -> float:
        return self.pair_tp / (self.pair_tp + self.pair_fn) if self.pair_tp + self.pair_fn else 0.0

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)

    @property
    def bcubed_f1(self) -> float:
        return _f1(self.bcubed_precision, self.bcubed_recall)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def load_event_gold(path: str | Path) -> EventGold:
    """Read a gold JSON Lines file of {id, event, near_miss_of?} records; raises ExtractError naming the file and
    bad line."""
    event: dict[str, str] = {}
    near: dict[str, set[str]] = {}
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ExtractError(f"{path}:{n}: bad gold record ({e})") from None
                if not isinstance(rec, dict) or not isinstance(rec.get("id"), str) or not rec.get("event"):
                    raise ExtractError(f"{path}:{n}: gold record lacks id or event")
                event[rec["id"]] = str(rec["event"])
                near.setdefault(str(rec["event"]), set()).update(map(str, rec.get("near_miss_of") or ()))
    except (OSError, UnicodeDecodeError) as e:
        raise ExtractError(f"{path}: cannot read the gold file ({e})") from None
    return EventGold(event, {e: frozenset(v) for e, v in near.items()})


def score_events(gold: EventGold, predicted: Mapping[str, str], *, explain=None) -> EventScores:
    """Compare predicted events ({article id: event id}) with the gold over the articles both know; `explain`
    (article a, article b) -> str describes a wrong pair in the mistakes."""
    ids = sorted(a for a in predicted if a in gold.event)
    s = EventScores(articles=len(ids))
    s.gold_events = len({gold.event[a] for a in ids})
    s.predicted_events = len({predicted[a] for a in ids})
    for a, b in combinations(ids, 2):
        same_gold = gold.event[a] == gold.event[b]
        same_pred = predicted[a] == predicted[b]
        s.pair_tp += same_gold and same_pred
        s.pair_fp += same_pred and not same_gold
        s.pair_fn += same_gold and not same_pred
        near = gold.event[b] in gold.near_misses.get(gold.event[a], ()) or gold.event[a] in gold.near_misses.get(
            gold.event[b], ()
        )
        s.near_miss_pairs += near
        s.near_miss_merged += near and same_pred
        if same_gold != same_pred:
            what = "merged apart from gold" if same_pred else "kept apart"
            why = f": {explain(a, b)}" if explain else ""
            s.mistakes.append(f"{a} {b} ({gold.event[a]}, {gold.event[b]}) {what}{why}")
    gold_groups = _groups({a: gold.event[a] for a in ids})
    pred_groups = _groups({a: predicted[a] for a in ids})
    if ids:
        s.bcubed_precision = _bcubed(ids, pred_groups, gold_groups, predicted, gold.event)
        s.bcubed_recall = _bcubed(ids, gold_groups, pred_groups, gold.event, predicted)
    return s


def _groups(assignment: Mapping[str, str]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for article, group in assignment.items():
        groups.setdefault(group, set()).add(article)
    return groups


def _bcubed(
    ids: Sequence[str],
    own: Mapping[str, set[str]],
    other: Mapping[str, set[str]],
    own_of: Mapping[str, str],
    other_of: Mapping[str, str],
) -> float:
    """Mean over articles of the share of its own group that is also in its group on the other side."""
    return sum(len(own[own_of[a]] & other[other_of[a]]) / len(own[own_of[a]]) for a in ids) / len(ids)


def report_events(s: EventScores) -> str:
    """Format the figures, one per line."""
    return "\n".join(
        [
            f"articles            {s.articles}",
            f"pairwise            precision={s.precision:.3f} recall={s.recall:.3f} F1={s.f1:.3f} "
            f"(tp={s.pair_tp} fp={s.pair_fp} fn={s.pair_fn})",
            f"B-cubed             precision={s.bcubed_precision:.3f} recall={s.bcubed_recall:.3f} F1={s.bcubed_f1:.3f}",
            f"events              {s.predicted_events} predicted, {s.gold_events} gold",
            f"near-miss pairs     {s.near_miss_merged}/{s.near_miss_pairs} wrongly merged",
        ]
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, shared by `python -m extract evaluate-events` and this module's main."""
    parser.add_argument("--gold", required=True, help="JSON Lines of {id, event, near_miss_of}")
    parser.add_argument("articles", nargs="+", help="the articles, in any format ingest reads")
    parser.add_argument("--mistakes", action="store_true", help="list every wrong pair with the matching reasons")
    parser.add_argument(
        "--shuffles", type=int, default=3, metavar="N", help="match N shuffled orders too and compare (default 3)"
    )


def evaluate(args: argparse.Namespace) -> int:
    """Extract the articles named by `args`, match their incidents into events in the given order (and in shuffled
    orders), print the figures; 1 when a file was bad."""
    from extract.articles import read_articles  # here, so that the CLI parses without them
    from extract.events import EventMatcher, MemoryIndex, load_report_reader, read_reports
    from extract.matching import compare
    from extract.pipeline import extract_incidents, load_extractor

    gold = load_event_gold(args.gold)
    extractor = load_extractor()
    reader = load_report_reader(matcher=extractor.matcher)
    errors: list[ExtractError] = []
    articles = [(a, extract_incidents(a, extractor=extractor)) for a in read_articles(args.articles, errors=errors)]
    reports = {a.article_id: read_reports(a, incidents, reader=reader) for a, incidents in articles}

    def grouping(order: Sequence[tuple[Article, list[Incident]]]) -> dict[str, str]:
        index = MemoryIndex()
        matcher = EventMatcher(index, families=reader.families)
        for article, _ in order:
            matcher.match_article(article.article_id, reports[article.article_id])
        # An article is in its first incident's event; an article without incidents is an event of its own.
        return {
            a.article_id: (index.event_of(incidents[0].incident_id) or "") if incidents else "article " + a.article_id
            for a, incidents in articles
        }

    def explain(a: str, b: str) -> str:
        if not reports[a] or not reports[b]:
            return "no incident extracted"
        decision = compare(reports[a][0], reports[b][0])
        return f"score {decision.score:g}: " + "; ".join(decision.reasons)

    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    predicted = grouping(articles)
    scores = score_events(gold, predicted, explain=explain)
    print(report_events(scores))
    partition = _partition(predicted)
    same = 0
    for seed in range(args.shuffles):
        order = list(articles)
        random.Random(seed).shuffle(order)
        same += _partition(grouping(order)) == partition
    if args.shuffles:
        print(f"ingest order        {same}/{args.shuffles} shuffled orders give the same events")
    if args.mistakes:
        print("\n".join(scores.mistakes))
    return 1 if errors else 0


def _partition(assignment: Mapping[str, str]) -> list[list[str]]:
    return sorted(sorted(group) for group in _groups(assignment).values())


def main(argv: Sequence[str] | None = None) -> int:
    """Run `evaluate` with the command line's arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return evaluate(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
