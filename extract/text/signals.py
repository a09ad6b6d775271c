"""Story signal words: phrases that say when (days, clock times) or mark a specific telling (ages, "police were
called"), statistics, asides, separate incidents, plans and fiction; the vocabulary is data/story_signals.csv."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from extract.datafiles import DATA_DIR, read_rows
from extract.text.spans import whole_word

Found = dict[str, list[tuple[int, str]]]
"""Signal name -> [(start, phrase), ...] in text order, as find_signals returns it."""

# Ages make a sentence specific too ("18-year-old", folded "18 year old"; "aged 17"); clock times ("21:40", "9pm")
# say when, like a day.
AGE_SPECIFIC = re.compile(r"\b(?:\d{1,2} year old|aged \d{1,2})\b")
CLOCK_TIME = re.compile(r"\b(?:\d{1,2}[.:]\d{2}|\d{1,2} ?(?:am|pm))\b")


@dataclass(frozen=True, slots=True)
class Signals:
    """The compiled signal words of data/story_signals.csv: folded phrase -> signal name."""

    automaton: ahocorasick.Automaton


def load_signals(data_dir: Path = DATA_DIR) -> Signals:
    """Compile story_signals.csv (phrase,signal; "#" lines are comments) of `data_dir`."""
    auto = ahocorasick.Automaton()
    for r in read_rows(data_dir / "story_signals.csv"):
        auto.add_word(r["phrase"], (r["signal"], len(r["phrase"])))
    auto.make_automaton()
    return Signals(auto)


def find_signals(folded: str, *, signals: Signals) -> dict[str, list[tuple[int, str]]]:
    """Return {signal: [(start, phrase), ...]} for whole-word signal phrases in folded text, in text order."""
    found: dict[str, list[tuple[int, str]]] = {}
    for end, (signal, length) in signals.automaton.iter(folded):
        start = end - length + 1
        if not whole_word(folded, start, end + 1):
            continue
        found.setdefault(signal, []).append((start, folded[start : end + 1]))
    for signal, pattern in (("specific", AGE_SPECIFIC), ("when", CLOCK_TIME)):
        for m in pattern.finditer(folded):
            found.setdefault(signal, []).append((m.start(), m.group(0)))
    for hits in found.values():
        hits.sort()
    return found
