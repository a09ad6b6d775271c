"""Crime words in their other senses, told apart by context: a figurative object ("stole the show", "robbed of a
win"), a doer of another sense ("murdered by critics", "hailstones smashed"), a word that makes the cue another thing
("heart attack", "daylight robbery"), a comparison ("like they were stolen"), a sentence of another domain with no
evidence of a crime, and, for ambiguous verbs, a sentence with no victim, target or evidence at all. The context words
are data/crime_senses.csv; the lexicon adds its people, places, vehicles and things (victims and targets), its
weapons (evidence), its stopwords (which end an object) and its auxiliaries and adverbs (skipped to reach a subject).

Example:
    senses = load_senses(load_lexicon())
    text = "The singer stole the show on Sunday."
    context = read_context(text, fold_text(text), senses=senses)
    other_sense(context, 11, 16, noun=False, ambiguous=True, senses=senses)  # 'thing: show'
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from extract.datafiles import DATA_DIR
from extract.records import ExtractError
from extract.text.folding import fold_text
from extract.text.lexicon import OBJECT_SLOTS, Lexicon, table_rows
from extract.text.spans import longest_first

ROLES = ("thing", "agent", "before", "simile", "marker", "evidence", "victim")
OBJECT_WORDS = 6  # words after a cue read as its object or complement: "was shot down by his own backbenchers"
SUBJECT_SKIP = 3  # auxiliaries and adverbs skipped before a cue to reach its subject: "had allegedly been"
SIMILE_WORDS = 3  # words before a cue searched for a comparison ("like they were stolen") or a before word
BEFORE_CHARS = 120  # characters before a cue read for its subject: a few words, whatever their length
PARTICLES = frozenset({"of", "off", "by", "to", "down", "out", "up", "past", "away"})  # open a complement
NOUN_PARTICLES = PARTICLES | {"on"}  # "an attack on the plan"; after a verb, "on" starts a place or a day
BE_AUXILIARIES = frozenset({"is", "are", "was", "were", "be", "been", "being", "got", "gets", "get", "getting"})
# Words between "was" and a predicate noun ("was daylight robbery", "was a real killer"); subjects that make such a
# noun the incident itself ("it was a targeted attack").
PREDICATE_SKIP = frozenset({"a", "an", "the", "real", "pure", "sheer", "absolute", "total", "daylight", "highway"})
EVENT_SUBJECTS = frozenset({"it", "this", "that", "which", "there", "what"})
PERFECT = frozenset({"has", "have", "had", "will", "would", "may", "might", "must"})  # between a subject and "been"
ARTICLE_BEFORE = re.compile(r"(?<![\w'])(a|an|the) $")  # right before a cue
COPULAS = frozenset({"is", "are", "was", "were", "be", "been"})
CANCELLING = frozenset({"thing", "agent", "before", "simile"})  # roles read only near the cue
PRESENT = frozenset({"victim", "evidence"})  # what an ambiguous verb needs in its sentence
VICTIM = frozenset({"victim"})
WORD = re.compile(r"[\w']+")
NAME_END = re.compile(r" ([A-Z][a-z]+)\b")  # the word after one that may start a name
AGED = re.compile(r"\b\d{1,3} years? old$")  # folded: "15-year-old" reads "15 year old"
AGED_CHARS = 16
RELATIVE = re.compile(r"\bwho\b(?![^,;]*[,;])")  # a relative clause not closed before the subject
YEAR_CHARS = 24  # a year this close before a cue, or after it past "in", dates the crime
OLD_YEAR_BEFORE = re.compile(r"\b(1[89]\d\d)\b(?: \w+){0,2} $")
OLD_YEAR_AFTER = re.compile(r" (?:\w+ ){0,3}?in (1[89]\d\d)\b")
# Every character but ASCII letters and digits as a space (one byte each, so offsets hold), so that context words
# match between spaces: a byte table is far faster than a regular expression, and an accented letter becomes a space
# in the words of the file and in the text alike.
SPACED = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + bytes([32] * 128)
# ". ", "! ", "? " or a line break: what ends a sentence, for a cue's context (sentences.py splits with care); written
# to start with one character set, which sre skips ahead to.
BREAK = re.compile(r"[.!?\n](?:(?<=[.!?]) |(?<=\n))")
SENTENCE_CHARS = 300  # characters searched on each side of a cue for its sentence's ends
QUOTES = "'\"\u2018\u2019\u201c\u201d"
# A few words in quotes that end on a word, not on the speaker's punctuation: a phrase held at arm's length ("an
# 'assault on small businesses'", "'killer app'"), unlike quoted speech ("'He was stabbed,' said a witness").
SCARE_QUOTE_WORDS = 6
OPENING_QUOTE = re.compile(rf"(?<![^\s(\[])[{QUOTES}](?=[^\W_])")
CLOSING_QUOTE = re.compile(rf"(?<=[^\W_])[{QUOTES}](?![^\W_])|[.!?,;:][{QUOTES}]")  # a word's, or speech's
# A sports score ("a 2-1 defeat", "beaten 4-0"): a marker of sport, as its words are; a range ("aged 20-25") is none.
SCORE = re.compile(
    r"\b(?:won|lost|drew|beat|beaten|thrashed|trailed|led|battered|hammered|thumped|crushed|routed) \d{1,2}-\d{1,2}\b"
    r"|\b\d{1,2}-\d{1,2} (?:win|wins|defeat|defeats|victory|draw|loss|lead|thrashing|scoreline)\b"
)
SCORE_SIGN = re.compile(r"\d-\d")  # in every score: found fast (sre skips to a digit), it spares most sentences SCORE


@dataclass(frozen=True, slots=True)
class Senses:
    """The compiled context words (folded phrase -> its roles) and the lexicon's closed word classes the rules use."""

    automaton: ahocorasick.Automaton
    stopwords: frozenset[str]  # end an object: "stabbed on Monday", "attacked after the match"
    skipped: frozenset[str]  # between a subject and its verb: auxiliaries, adverbs, "had", "would"
    name_ends: frozenset[str] = frozenset()  # last words of a street's name: "Gale Street" is no gale


@dataclass(frozen=True, slots=True)
class Hit:
    """A context word found in a text, with its roles."""

    start: int
    end: int
    roles: frozenset[str]


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence's context words and the roles found among them."""

    hits: tuple[Hit, ...]
    roles: frozenset[str]


@dataclass(frozen=True, slots=True)
class Context:
    """One text, folded, with the context words of the sentences read so far."""

    text: str
    folded: str
    senses: Senses
    sure: tuple[tuple[int, int], ...]  # the spans of cues that need no context: they confirm others near them
    read: dict[tuple[int, int], Sentence]  # a sentence's context words, read when a cue there asks
    last: list[int]  # the last sentence's start and end
    breaks: tuple[list[int], list[int]]  # the starts and the ends of the sentence breaks (BREAK) of the text


def load_senses(lexicon: Lexicon, data_dir: Path = DATA_DIR) -> Senses:
    """Compile crime_senses.csv of `data_dir` with the lexicon's victims, targets, weapons and word classes, and the
    last words of street names (street_words.csv); raises ExtractError naming the row of an unknown role or an
    unfolded word."""
    path = data_dir / "crime_senses.csv"
    words: dict[str, set[str]] = {}
    for n, row in table_rows(path, ("word", "role", "sense")):
        if row["role"] not in ROLES:
            raise ExtractError(f"{path}: row {n}: unknown role {row['role']!r} (one of {', '.join(ROLES)})")
        if not row["word"] or fold_text(row["word"]) != row["word"]:
            raise ExtractError(f"{path}: row {n}: {row['word']!r} must be a non-empty lower-case word without dashes")
        words.setdefault(row["word"], set()).add(row["role"])
    for slot in OBJECT_SLOTS:  # pronouns only ever stand for a victim inside a cue ("stabbed him"), which has one
        for word in lexicon.words[slot]:
            words.setdefault(word, set()).add("victim")
    for weapon in lexicon.weapons:
        words.setdefault(weapon.noun, set()).add("evidence")
    automaton = ahocorasick.Automaton()
    for word, roles in words.items():
        # Keys between spaces match whole words only in a text whose other characters are spaces (read_context).
        automaton.add_word(f" {_spaced(word)} ", (len(word), frozenset(roles)))
    automaton.make_automaton()
    skipped = {w for phrase in lexicon.words["auxiliary"] for w in phrase.split()}
    skipped |= set(lexicon.words["adverb"]) | {"had", "has", "have", "would", "will", "could", "not", "never"}
    name_ends = frozenset(row["word"] for _, row in table_rows(data_dir / "street_words.csv", ("word", "strength")))
    return Senses(automaton, frozenset(lexicon.words["stopword"]), frozenset(skipped), name_ends)


def read_context(text: str, folded: str, *, senses: Senses, sure: Iterable[tuple[int, int]] = ()) -> Context:
    """The context of the cues of `text`, given the spans of those that need none (an unambiguous verb, a method);
    each sentence's context words are read when a cue there asks."""
    starts, ends = [], []
    for m in BREAK.finditer(text):  # once, rather than four searches each way for each cue's sentence
        starts.append(m.start())
        ends.append(m.end())
    return Context(text, folded, senses, tuple(sure), {}, [], (starts, ends))


def story_domain(folded: str, *, senses: Senses) -> tuple[frozenset[str], frozenset[str]]:
    """The distinct markers of another domain and the distinct evidence words of a crime in a whole folded text
    ("referee", "stoppage time"; "police", "knife"): a story of many markers and little evidence is no crime story."""
    markers, evidence = set(), set()
    spaced = f" {_spaced(folded)} "  # as _sentence_hits reads a sentence, without the hits' objects
    for e, (length, roles) in senses.automaton.iter(spaced):
        if "marker" in roles:
            markers.add(spaced[e - length : e])
        elif "evidence" in roles:
            evidence.add(spaced[e - length : e])
    return frozenset(markers), frozenset(evidence)


def _sentence_hits(context: Context, start: int, end: int) -> Sentence:
    """The context words of the sentence [start, end) (whole words, longest first) and the roles among them, read
    once."""
    sentence = context.read.get((start, end))
    if sentence is None:
        spaced = f" {_spaced(context.folded[start:end])} "  # a match ending at `e` ends its word at e - 1
        found, roles = [], set()
        for e, (length, word_roles) in context.senses.automaton.iter(spaced):
            hit = Hit(start + e - length - 1, start + e - 1, word_roles)
            if _in_name(context, hit):
                continue
            roles |= word_roles
            if word_roles != VICTIM:  # victims count only as present: no position needed
                found.append(hit)
        # Found in order of their ends; only a phrase overlapping a word ("injury time", "injury") needs sorting out.
        if any(a.end > b.start for a, b in zip(found, found[1:])):
            found = longest_first(found)  # "injury time" is sport, not an injury
            roles = {r for h in found for r in h.roles} | (roles & VICTIM)
        sentence = context.read[start, end] = Sentence(tuple(found), frozenset(roles))
    return sentence


def _in_name(context: Context, hit: Hit) -> bool:
    """Whether a context word is the start of a street's name in the text ("Gale Street", "Storm Road"): capitalised
    and followed by a capitalised last word of a street's name."""
    if not context.text[hit.start : hit.start + 1].isupper():
        return False
    after = NAME_END.match(context.text, hit.end)
    return after is not None and after.group(1).lower() in context.senses.name_ends


def other_sense(
    context: Context,
    start: int,
    end: int,
    *,
    form: str,
    ambiguous: bool,
    listed: bool,
    senses: Senses,
    domain: str | None = None,
) -> str | None:
    """Why the cue at [start, end) is not a crime, as "<rule>: <word>", or None when it reads as one. `form` is
    "noun" ("an attack"), "verb" ("was attacked", "robbed") or "object" (a verb with its object: "robbed a bank").

    In order: a `thing` in its object or complement ("thing: show"); an `agent` after "by" there ("agent: critics");
    for a verb, a `thing` as its subject or an `agent` as the subject of an active verb; a `before` word right before
    it ("before: heart"); for a verb, a `simile` among the words before it; for a noun, a predicate after "is"/"was"
    ("the quiz was a riot": "predicate: was"); a year of another century just before the cue or after it past "in"
    ("historical: 1966"); a `marker` of another domain in its sentence with no evidence of a crime there ("marker:
    striker"; a passive whose subject is someone of an age keeps its crime), for an `ambiguous` lemma's cue or a
    `listed` phrase the lexicon does not generate; and for an ambiguous verb without its object, a sentence with no
    victim, target or evidence ("no victim"), a passive verb having its victim in its subject. A sure cue in the
    sentence (see read_context) is evidence enough. In a story of another `domain` (cues.other_domain: a match
    report), an ambiguous or listed cue with no evidence in its sentence is left out whatever the sentence's own
    words, with `domain` as the reason.
    """
    folded = context.folded
    last = context.last
    if last and last[0] <= start and end <= last[1]:
        sentence_start, sentence_end = last  # cues come in text order: often several in one sentence
    else:
        sentence_start, sentence_end = context.last[:] = _sentence(context.text, start, end, context.breaks)
    sentence = _sentence_hits(context, sentence_start, sentence_end)
    roles, hits = sentence.roles, sentence.hits
    if form == "object" and (article := ARTICLE_BEFORE.search(folded, max(sentence_start, start - 4), start)):
        return f"before: {article.group(1)}"  # "a fire at a restaurant", "the shot at goal": a noun, not the verb
    if roles & CANCELLING:
        reason = _object(context, hits, start, end, sentence_end, form=form, senses=senses)
        reason = reason or _before(context, hits, start, end, sentence_start, form=form, senses=senses)
        if reason:
            return reason
    if form == "noun":
        reason = _predicate(folded, start, sentence_start)
        if reason:
            return reason
    # "the 1966 gangland shooting", "stabbed in 1998": a crime of another century is history, not news.
    # Each pattern only where the text has a "1" ("in 1" after): most cues have no year near them, and a search tries
    # the pattern at every position.
    before, after = max(sentence_start, start - YEAR_CHARS), min(sentence_end, end + YEAR_CHARS)
    if (folded.find("1", before, start) >= 0 and (year := OLD_YEAR_BEFORE.search(folded, before, start))) or (
        folded.find("in 1", end, after) >= 0 and (year := OLD_YEAR_AFTER.match(folded, end, after))
    ):
        return f"historical: {year.group(1)}"
    # Another crime cue that needs no context ("at knifepoint", "assaulted") shows the sentence tells a crime.
    confirmed = any(sentence_start <= s < sentence_end and (s, e) != (start, end) for s, e in context.sure)
    quoted = None if confirmed else scare_quoted(context.text, start, end, sentence_start, sentence_end)
    if quoted is not None and not any(
        "evidence" in h.roles for h in hits if h.end <= quoted[0] or h.start >= quoted[1]
    ):
        return f"quoted: {folded[quoted[0] : quoted[1]]}"
    # A marker of another domain, or a score, in the sentence cancels an ambiguous or listed cue with no evidence.
    weak = (ambiguous or listed) and not confirmed
    score = (
        SCORE.search(context.text, sentence_start, sentence_end)
        if weak and SCORE_SIGN.search(context.text, sentence_start, sentence_end)
        else None
    )
    if weak and ("marker" in roles or score):
        around = [h for h in hits if h.end <= start or h.start >= end]
        if not any("evidence" in h.roles for h in around):
            # A passive's subject is its victim, whatever its domain: "councillors were attacked".
            victim = (
                _subject(folded, start, sentence_start, senses=senses)
                if _passive(folded, start, end, senses=senses)
                else None
            )
            # Someone of an age as a passive's subject is a person it was done to: "a 15-year-old was stabbed".
            if victim is not None and AGED.search(folded, max(sentence_start, victim[1] - AGED_CHARS), victim[1]):
                return None
            # A marker holding the cue counts too: "killer blow", "killer pass".
            holding = [h for h in hits if h.start <= start and end <= h.end and h.end - h.start > end - start]
            marker = next((h for h in around + holding if "marker" in h.roles and (h.start, h.end) != victim), None)
            if marker is not None:
                return f"marker: {folded[marker.start : marker.end]}"
            if score is not None:
                return f"marker: {score.group(0)}"
    if weak and domain is not None and "evidence" not in roles:
        return domain
    if ambiguous and form == "verb" and not roles & PRESENT and not confirmed:
        if not _passive(folded, start, end, senses=senses):
            return "no victim"
    return None


def scare_quoted(text: str, start: int, end: int, sentence_start: int, sentence_end: int) -> tuple[int, int] | None:
    """The span inside the quotes that hold [start, end) of `text` as a phrase held at arm's length (at most
    SCARE_QUOTE_WORDS words, the closing quote right after a word), within its sentence; None when it is not in
    such quotes. A quote opens after a space or a bracket, and closes before a space, punctuation or the end: an
    apostrophe inside a word ("it's") or after one ("the seamers' assault") does neither."""
    # Up to the cue's first letter, which the opening quote's look-ahead reads.
    openings = [m for m in OPENING_QUOTE.finditer(text, sentence_start, start + 1) if m.start() < start]
    if not openings:
        return None
    opening = openings[-1]  # the last one before the cue
    closing = CLOSING_QUOTE.search(text, end, sentence_end)
    if closing is None or closing.group(0)[0] not in QUOTES:
        return None  # unclosed in the sentence, or closed on the speaker's punctuation: speech
    inside = (opening.end(), closing.start())
    return inside if len(text[inside[0] : inside[1]].split()) <= SCARE_QUOTE_WORDS else None


def _object(
    context: Context, hits: tuple[Hit, ...], start: int, end: int, sentence_end: int, *, form: str, senses: Senses
) -> str | None:
    """A `thing` in the cue's object or complement, or an `agent` after "by" there. A verb's object runs up to
    punctuation or a stopword that opens no complement; a cue holding its object has it inside ("smashed its box
    office record") and takes only a complement opened by a particle ("robbed of a win"), as a noun does ("an attack
    on the plan"), which also takes the word right after it ("a murder mystery")."""
    folded = context.folded
    particles = NOUN_PARTICLES if form == "noun" else PARTICLES
    window_end, by_at, position = end, -1, end
    for n, m in enumerate(WORD.finditer(folded, end, sentence_end)):
        word = m.group(0)
        if n >= OBJECT_WORDS or folded[position : m.start()].strip():
            break  # punctuation ends the object
        if n == 0 and form != "verb" and word not in particles:
            window_end = m.end() if form == "noun" else end
            break
        if word in senses.stopwords and word not in particles:
            break
        if word == "by" and by_at < 0:
            by_at = m.start()
        window_end = position = m.end()
    held = folded.find(" ", start, end) if form == "object" else -1  # the object inside, after the verb
    for hit in _within(hits, held if held >= 0 else end, window_end):
        if "thing" in hit.roles:
            return f"thing: {folded[hit.start : hit.end]}"
        if "agent" in hit.roles and 0 <= by_at < hit.start:
            return f"agent: {folded[hit.start : hit.end]}"
    return None


def _before(
    context: Context, hits: tuple[Hit, ...], start: int, end: int, sentence_start: int, *, form: str, senses: Senses
) -> str | None:
    """For a verb, a `thing` as its subject or an `agent` as an active verb's subject (the nearest word before it
    past auxiliaries and adverbs) or a `simile` among the words before it; a `before` word right before any cue."""
    folded = context.folded
    words = list(WORD.finditer(folded, max(sentence_start, start - BEFORE_CHARS), start))
    if not words or folded[words[-1].end() : start].strip():
        return None  # the cue opens its sentence or clause
    near = words[-SIMILE_WORDS:]
    for hit in _within(hits, near[0].start(), start):
        if "before" in hit.roles and not folded[hit.end : start].strip():
            return f"before: {folded[hit.start : hit.end]}"
        if "simile" in hit.roles and form != "noun":
            return f"simile: {folded[hit.start : hit.end]}"
    if form == "noun":
        return None
    subject_start, subject_end = _subject(folded, start, sentence_start, senses=senses)
    passive = _passive(folded, start, end, senses=senses)
    # "a man who met a date through an app was robbed": the passive's subject is the man, before "who".
    relative = passive and RELATIVE.search(folded, max(sentence_start, subject_start - BEFORE_CHARS), subject_start)
    for hit in _within(hits, subject_start, subject_end):
        if "thing" in hit.roles and not relative:
            return f"thing: {folded[hit.start : hit.end]}"
        if "agent" in hit.roles and not passive:
            return f"agent: {folded[hit.start : hit.end]}"
    return None


def _subject(folded: str, start: int, sentence_start: int, *, senses: Senses) -> tuple[int, int]:
    """The span of a verb cue's subject: the nearest word before it past auxiliaries and adverbs ("the council had
    stabbed"); an empty span at the cue when it opens its clause."""
    words = list(WORD.finditer(folded, max(sentence_start, start - BEFORE_CHARS), start))
    if not words or folded[words[-1].end() : start].strip():
        return start, start
    k = len(words) - 1
    while k > 0 and len(words) - 1 - k < SUBJECT_SKIP and words[k].group(0) in senses.skipped:
        if folded[words[k - 1].end() : words[k].start()].strip():
            break
        k -= 1
    return words[k].start(), words[k].end()


def _predicate(folded: str, start: int, sentence_start: int) -> str | None:
    """A noun cue as the predicate of "is"/"was" ("the quiz was a riot", "would be murder for traffic"), unless the
    subject is the incident itself ("it was a targeted attack")."""
    before = folded[max(sentence_start, start - BEFORE_CHARS) : start]
    if not before.endswith(" "):
        return None  # the cue opens its sentence or clause
    words = before.split()[-(SUBJECT_SKIP + 2) :]
    k = len(words) - 1
    while k > 0 and len(words) - 1 - k < SUBJECT_SKIP and words[k] in PREDICATE_SKIP:
        k -= 1
    if k < 0 or words[k] not in COPULAS:
        return None
    subject = k - 1
    while subject > 0 and words[subject] in PERFECT:  # "there has been a stabbing"
        subject -= 1
    if k == 0 or words[subject] not in EVENT_SUBJECTS:
        return f"predicate: {words[k]}"
    return None


def _passive(folded: str, start: int, end: int, *, senses: Senses) -> bool:
    """True when the cue is a passive verb: a be or get auxiliary in it or in the auxiliaries and adverbs right
    before it ("was stolen", "had been burgled", "got badly beaten")."""
    if any(w in BE_AUXILIARIES for w in folded[start:end].split(" ")):
        return True
    for word in reversed(folded[max(0, start - BEFORE_CHARS) : start].split()[-SUBJECT_SKIP:]):
        if word in BE_AUXILIARIES:
            return True
        if word not in senses.skipped:
            return False
    return False


def _sentence(text: str, start: int, end: int, breaks: tuple[list[int], list[int]]) -> tuple[int, int]:
    """The sentence around [start, end): from the last sentence break before it (". ", "! ", "? " or a line break)
    to the first one after it, searched within SENTENCE_CHARS; `breaks` are the starts and ends of the text's breaks
    (see read_context). Cheaper than splitting the text, and a cue's context needs no more precision."""
    lo, hi = max(0, start - SENTENCE_CHARS), min(len(text), end + SENTENCE_CHARS)
    starts, ends = breaks
    # Breaks never overlap ("." and "\n" are no space), so their ends come in the order of their starts: the last
    # one ending by `start` is the nearest before it, and it starts at `lo` or after unless none does.
    i = bisect.bisect_right(ends, start) - 1
    j = bisect.bisect_left(starts, end)
    return (
        ends[i] if i >= 0 and starts[i] >= lo else lo,
        starts[j] if j < len(starts) and ends[j] <= hi else hi,
    )


def _spaced(text: str) -> str:
    """`text` with every character but an ASCII letter or digit as a space, of the same length."""
    return text.encode("ascii", "replace").translate(SPACED).decode("ascii")


def _within(hits: tuple[Hit, ...], start: int, end: int) -> list[Hit]:
    """The context words lying within [start, end)."""
    return [h for h in hits if start <= h.start and h.end <= end]
