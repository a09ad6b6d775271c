"""One pass over a text for every vocabulary at once: the keys of several vocabularies (places, crime cues, story
signals, signs of elsewhere, London institutions) in one Aho-Corasick automaton over folded text, its matches kept
at word boundaries and handed to each vocabulary's reader, so that an article is scanned once, not once a vocabulary.

Example:
    scanner = build_scanner([Words("signals", {"police were called": "specific"})])
    text = "Police were called at 9pm."
    scan(text, fold_text(text), scanner=scanner).of("signals")  # ((0, 18, 'specific'),)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ahocorasick

from extract.text.folding import fold_text


@dataclass(frozen=True, slots=True)
class Words:
    """A vocabulary to scan for: its name and its entries (key -> value). Keys are folded text (see fold_text), or,
    when `exact`, written as the text must have them, case included ("Essex Police"): those are folded into the
    automaton and compared with the text where it matches."""

    name: str
    entries: Mapping[str, Any]
    exact: bool = False


Hit = tuple[int, int, Any]
"""A key of one vocabulary found as a whole word: (start, end exclusive, the value the vocabulary gave it). A plain
tuple, as an article has dozens: a frozen dataclass would cost 0.8 us each to build, a tuple next to nothing."""


@dataclass(frozen=True, slots=True)
class Hits:
    """The hits of one scan by vocabulary name, each vocabulary's in the order of their ends (the longer first at one
    end): the order its own automaton would give them."""

    by_name: Mapping[str, tuple[Hit, ...]]

    def of(self, name: str) -> tuple[Hit, ...]:
        """The hits of the vocabulary `name` (none when it has none)."""
        return self.by_name.get(name, ())


@dataclass(frozen=True, slots=True)
class Scanner:
    """The compiled vocabularies: folded key -> (its length, ((vocabulary, value, exact key or None), ...))."""

    automaton: ahocorasick.Automaton
    names: tuple[str, ...]


def build_scanner(vocabularies: Iterable[Words]) -> Scanner:
    """Compile `vocabularies` into one automaton; a key several of them hold carries each one's value."""
    keys: dict[str, tuple[tuple[str, Any, str | None], ...]] = {}
    names = []
    for words in vocabularies:
        name = words.name
        names.append(name)
        for key, value in words.entries.items():
            written = key if words.exact else None
            # Folding keeps the length, so a folded match of an exact key spans the same characters as the key.
            folded = fold_text(key) if words.exact else key
            entries = keys.get(folded, ())
            keys[folded] = (*entries, (name, value, written))  # most keys belong to one vocabulary
    automaton = ahocorasick.Automaton()
    for key, entries in keys.items():
        automaton.add_word(key, (len(key), entries))
    automaton.make_automaton()
    return Scanner(automaton, tuple(names))


def scan(text: str, folded: str, *, scanner: Scanner, only: str | None = None) -> Hits:
    """Find every vocabulary's keys in `text` (`folded` is fold_text(text)) as whole words, overlapping ones included,
    exact keys only where the text has them as written; `only` keeps one vocabulary's hits."""
    found: dict[str, list[Hit]] = {}
    if len(scanner.automaton):
        size = len(folded)
        for last, (length, entries) in scanner.automaton.iter(folded):
            start, end = last + 1 - length, last + 1
            # whole_word written out (folding keeps which characters are word characters): a call per raw match of
            # every vocabulary was a third of the loop
            if start and ((before := folded[start - 1]).isalnum() or before == "_"):
                continue
            if end < size and ((after := folded[end]).isalnum() or after == "_"):
                continue
            for name, value, written in entries:
                if (only is None or name == only) and (written is None or text.startswith(written, start)):
                    hits = found.get(name)
                    if hits is None:
                        found[name] = [(start, end, value)]
                    else:
                        hits.append((start, end, value))
    return Hits({name: tuple(hits) for name, hits in found.items()})
