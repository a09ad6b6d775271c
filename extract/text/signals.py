"""Story signal words: phrases that say when (days, clock times) or mark a specific telling (ages, "police were
called"), statistics, asides, separate incidents, plans and fiction, and the lines that link to other stories; the
vocabulary is data/story_signals.csv."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from extract.datafiles import DATA_DIR, read_rows
from extract.text.scan import Hit, Scanner, Words, build_scanner, scan

Found = dict[str, list[tuple[int, str]]]
"""Signal name -> [(start, phrase), ...] in text order, as find_signals returns it."""

# Ages make a sentence specific too ("18-year-old", folded "18 year old"; "aged 17"); clock times ("21:40", "9pm")
# say when, like a day. The pattern opens on one character ("a" or a digit), which the regular expression engine
# scans for fast, and checks the word boundary before it only then.
NUMBERS = re.compile(
    r"[0-9a](?<=\b[0-9a])(?:(?<=a)ged [0-9]{1,2}|(?<=[0-9])[0-9]?(?: year old|[.:][0-9]{2}| ?(?:am|pm)))\b"
)
# An aside with words inserted: "it came just two days after", "the stabbing comes less than a week after", "this
# latest attack follows"; bounded gaps, so the scan stays linear.
ASIDE = re.compile(
    r"\b(?:it|this|that|which|the (?:latest )?(?:attack|stabbing|shooting|incident|robbery|killing|murder|death"
    r"|assault|burglary|raid))(?: \w+){0,2} (?:comes?|came|follows?|followed)(?: [\w']+){0,5} (?:after|since)\b"
)
ASIDE_VERBS = (" comes ", " came ", " follows ", " followed ")
ASIDE_BEFORE = 40  # characters before an aside's verb its subject may start: "the latest fatal stabbing came"
ASIDE_AFTER = 60  # and after it, where its "after" may be: "came less than twenty four hours after"
LINK_WORD_CHARS = 40  # a link line's first characters, lower-cased to test its opening phrase
LINK_END = (
    r"[ \t]*(?::|\||>|-|\u2013|\u2014)(?P<rest>[^\n]*)"  # a link's prefix ends in a colon or a bar, then its headline
)
NEWS_FLASHES = ("latest",)  # of the link prefixes, those a live page puts before its own news too, unlike "read more"
LINK_SENTENCE_WORDS = 12  # after "LATEST:", a sentence this long ending in a full stop is the story's own news
SIGNALS = "signals"  # the name of the vocabulary of signal phrases, in a scan (extract.text.scan)


@dataclass(frozen=True, slots=True)
class Signals:
    """The signal words of data/story_signals.csv (folded phrase -> signal name) with their scanner, and the pattern
    of a line that links to another story."""

    words: Words
    scanner: Scanner  # of `words` alone, for a text no other scan has read
    links: re.Pattern[str]
    link_words: tuple[str, ...]  # the phrases a link line starts with, for a cheap test before the pattern


def load_signals(data_dir: Path = DATA_DIR) -> Signals:
    """Compile story_signals.csv (phrase,signal; "#" lines are comments) of `data_dir`."""
    phrases: list[tuple[str, str]] = []
    links: list[str] = []
    for r in read_rows(data_dir / "story_signals.csv"):
        if r["signal"] == "link":
            links.append(r["phrase"])
        else:
            phrases.append((r["phrase"], r["signal"]))
    alternatives = "|".join(re.escape(p) for p in sorted(links, key=len, reverse=True))
    words = Words(SIGNALS, dict(phrases))  # a phrase listed twice: the later signal, as the file reads
    links_pattern = re.compile(rf"(?i)[ \t]*(?:{alternatives}){LINK_END}")
    return Signals(words, build_scanner([words]), links_pattern, tuple(links))


def without_links(text: str, *, signals: Signals) -> str:
    """`text` with each line that links to another story ("Read more: Leeds man stabbed") blanked out by spaces, so
    that its words are no part of the story and every offset stays valid; a line telling the story's own news after
    such a prefix (`_own_news`: "LATEST: ...") stays."""
    blanked, start = [], 0
    for line in text.split("\n"):  # a line's words are tested first: few lines open like a link
        if line.lstrip(" \t")[:LINK_WORD_CHARS].lower().startswith(signals.link_words):
            m = signals.links.match(line)
            if m and not (line.lstrip(" \t").lower().startswith(NEWS_FLASHES) and _own_news(m["rest"])):
                blanked.append((start, start + m.end()))
        start += len(line) + 1
    for s, e in blanked:
        text = text[:s] + " " * (e - s) + text[e:]
    return text


def _own_news(rest: str) -> bool:
    """Whether what follows a link's prefix is a sentence of the story's own ("LATEST: A man was stabbed to death in
    Church Street, Enfield, on Friday night, police said."), not a headline of another story: a long sentence ending
    in a full stop, which headlines do not."""
    text = rest.strip()
    return text.endswith(".") and len(text.split()) >= LINK_SENTENCE_WORDS


def find_signals(
    folded: str, *, signals: Signals, hits: Iterable[Hit] | None = None
) -> dict[str, list[tuple[int, str]]]:
    """Return {signal: [(start, phrase), ...]} for whole-word signal phrases in folded text, in text order; `hits`
    are the SIGNALS hits of a scan of the text, when it has been scanned already (see extract.text.scan)."""
    found: dict[str, list[tuple[int, str]]] = {}
    if hits is None:
        hits = scan(folded, folded, scanner=signals.scanner).of(SIGNALS)
    for start, end, signal in hits:
        found.setdefault(signal, []).append((start, folded[start:end]))
    for m in NUMBERS.finditer(folded):  # one pass for ages and clock times
        number = m.group(0)
        found.setdefault("specific" if number.endswith("old") or number[0] == "a" else "when", []).append(
            (m.start(), number)
        )
    # The aside pattern runs only around its verbs ("came", "follows"), which plain string search finds fast.
    done = -1
    for verb in ASIDE_VERBS:
        verb_at = folded.find(verb)
        while verb_at >= 0:
            for m in ASIDE.finditer(folded, max(done, verb_at - ASIDE_BEFORE), verb_at + ASIDE_AFTER):
                found.setdefault("aside", []).append((m.start(), m.group(0)))
                done = m.end()
            verb_at = folded.find(verb, verb_at + len(verb))
    for signal_hits in found.values():
        signal_hits.sort()
    return found
