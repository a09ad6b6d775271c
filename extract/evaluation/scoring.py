"""Score extraction against a labelled set (the news-dev gold schema); prints figures, asserts nothing.

Example:
    python -m extract evaluate --gold ../shared/data/news-dev/gold.jsonl ../shared/data/news-dev/articles.jsonl
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from extract.geo.names import name_key, street_strength
from extract.records import Article, ExtractError, Incident

STREET_LEVEL = frozenset({"building", "junction", "site", "street", "postcode"})
"""Precisions that count as street-level when the gold location names a street: a point a reader can walk to."""
WEAPON_GOLD = {
    "knife": "knife",
    "gun": "gun",
    "corrosive": "other",
    "vehicle": "other",
    "other": "other",
    "none": "none",
    None: "unknown",
}


@dataclass
class Tally:
    """A running correct/total count."""

    correct: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.correct += bool(ok)

    @property
    def rate(self) -> float | None:
        return self.correct / self.total if self.total else None


@dataclass
class Scores:
    """Article-level detection counts and per-incident attribute tallies over matched incidents."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    gold_incidents: int = 0
    matched: int = 0
    predicted: int = 0  # incidents extracted from detected articles
    predicted_matched: int = 0  # of those, paired with a gold incident (main or secondary)
    borough: Tally = field(default_factory=Tally)
    category: Tally = field(default_factory=Tally)
    street: Tally = field(default_factory=Tally)
    date: Tally = field(default_factory=Tally)
    fatal: Tally = field(default_factory=Tally)
    weapon: Tally = field(default_factory=Tally)
    mistakes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


GOLD_KEYS = ("id", "is_incident", "incidents")
GOLD_INCIDENT_KEYS = ("borough", "category")


def load_gold(path: str | Path) -> dict[str, dict]:
    """Read a gold JSON Lines file into {article id: record}; raises ExtractError naming the file and bad line."""
    gold = {}
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ExtractError(f"{path}:{n}: bad gold record ({e})") from None
                missing = [k for k in GOLD_KEYS if not isinstance(rec, dict) or k not in rec]
                missing += [
                    f"incidents[].{k}"
                    for i in (rec.get("incidents") or [] if not missing else [])
                    for k in GOLD_INCIDENT_KEYS
                    if not isinstance(i, dict) or k not in i
                ]
                if missing:
                    raise ExtractError(f"{path}:{n}: gold record lacks {', '.join(sorted(set(missing)))}")
                gold[rec["id"]] = rec
    except (OSError, UnicodeDecodeError) as e:
        raise ExtractError(f"{path}: cannot read the gold file ({e})") from None
    return gold


def names_street(location_text: str | None) -> bool:
    """True when a gold location phrase names a street (a part ending in Road, Street, Lane, ...)."""
    if not location_text:
        return False
    return any(street_strength(name_key(part)) == "strong" for part in location_text.replace(" near ", ",").split(","))


def score(gold: dict[str, dict], predictions: Iterable[tuple[Article, list[Incident]]]) -> Scores:
    """Compare each article's incidents with its gold record; main-role gold incidents are scored."""
    s = Scores()
    for article, incidents in predictions:
        g = gold.get(article.article_id)
        if g is None:
            continue
        mains = [i for i in g["incidents"] if i.get("role", "main") == "main"]
        positive = bool(g["is_incident"] and g.get("in_london", True) and mains)
        predicted = bool(incidents)
        if positive and predicted:
            s.tp += 1
        elif predicted:
            s.fp += 1
            s.mistakes.append(
                f"{article.article_id}: false positive ({incidents[0].type} at {incidents[0].location_text})"
            )
        elif positive:
            s.fn += 1
            s.mistakes.append(f"{article.article_id}: missed ({mains[0]['type']})")
        else:
            s.tn += 1
        if not (positive and predicted):
            continue
        s.gold_incidents += len(mains)
        pairs = _match(mains, incidents)
        for gi, pi in pairs:
            s.matched += 1
            _score_pair(s, article.article_id, gi, pi)
        s.predicted += len(incidents)
        rest = [pi for pi in incidents if all(pi is not p for _, p in pairs)]
        seconds = [i for i in g["incidents"] if i.get("role") == "secondary"]
        s.predicted_matched += sum(
            1 for gi, pi in pairs + _match(seconds, rest) if gi["borough"] in (_borough(pi), "unknown")
        )
    return s


def _match(golds: list[dict], preds: list[Incident]) -> list[tuple[dict, Incident]]:
    """Pair gold and predicted incidents greedily by agreement (borough, category, place words)."""
    pairs = []
    for gi in golds:
        for pi in preds:
            agree = 2 * (_borough(pi) == gi["borough"]) + (_category_ok(gi, pi))
            words = set(name_key(gi.get("location_text") or "").split()) & set(name_key(pi.location_text or "").split())
            pairs.append((agree + len(words) * 0.1, id(gi), id(pi), gi, pi))
    pairs.sort(key=lambda t: t[0], reverse=True)
    used_g, used_p, out = set(), set(), []
    for _, g_id, p_id, gi, pi in pairs:
        if g_id in used_g or p_id in used_p:
            continue
        used_g.add(g_id)
        used_p.add(p_id)
        out.append((gi, pi))
    return out


def _borough(pi: Incident) -> str:
    return pi.place.borough if pi.place and pi.place.borough else "unknown"


def _category_ok(gi: dict, pi: Incident) -> bool:
    return pi.category in (gi["category"], gi.get("category_alt"))


def _score_pair(s: Scores, aid: str, gi: dict, pi: Incident) -> None:
    ok = _borough(pi) == gi["borough"]
    s.borough.add(ok)
    if not ok:
        s.mistakes.append(
            f"{aid}: borough {_borough(pi)} ({pi.location_text}) != {gi['borough']} ({gi.get('location_text')})"
        )
    ok = _category_ok(gi, pi)
    s.category.add(ok)
    if not ok:
        s.mistakes.append(f"{aid}: category {pi.category} ({pi.type}) != {gi['category']} ({gi['type']})")
    if names_street(gi.get("location_text")):
        ok = bool(pi.place and pi.place.precision in STREET_LEVEL)
        s.street.add(ok)
        if not ok:
            got = pi.place.precision if pi.place else None
            s.mistakes.append(f"{aid}: not street-level: {pi.location_text} ({got}) for {gi.get('location_text')}")
    if gi.get("date"):
        ok = pi.date == gi["date"]
        s.date.add(ok)
        if not ok:
            s.mistakes.append(f"{aid}: date {pi.date} != {gi['date']} ({gi.get('date_text')})")
    if gi.get("fatal") in (True, False):
        ok = pi.fatal == gi["fatal"]
        s.fatal.add(ok)
        if not ok:
            s.mistakes.append(f"{aid}: fatal {pi.fatal} != {gi['fatal']}")
    ok = WEAPON_GOLD.get(pi.weapon, pi.weapon) == gi.get("weapon")
    s.weapon.add(ok)
    if not ok:
        s.mistakes.append(f"{aid}: weapon {pi.weapon} != {gi.get('weapon')} ({gi.get('note', '')})")


def report(s: Scores) -> str:
    """Format the figures, one per line."""

    def pct(t: Tally) -> str:
        return f"{t.rate:.3f} ({t.correct}/{t.total})" if t.total else "n/a"

    return "\n".join(
        [
            f"articles            tp={s.tp} fp={s.fp} fn={s.fn} tn={s.tn}",
            f"detection           precision={s.precision:.3f} recall={s.recall:.3f} F1={s.f1:.3f}",
            f"incidents matched   {s.matched}/{s.gold_incidents} gold main incidents in detected articles; "
            f"{s.predicted_matched}/{s.predicted} extracted incidents pair with a gold one "
            f"(main or secondary) in the same borough",
            f"borough accuracy    {pct(s.borough)}",
            f"category accuracy   {pct(s.category)}",
            f"street-level rate   {pct(s.street)}  (gold location names a street)",
            f"date accuracy       {pct(s.date)}  (gold has a date)",
            f"fatal accuracy      {pct(s.fatal)}",
            f"weapon accuracy     {pct(s.weapon)}",
        ]
    )
