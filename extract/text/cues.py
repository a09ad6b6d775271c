"""Find crime cues (incident types, weapons, deaths) in a text. The vocabulary is data/crime_types.csv (each type's
label, police.uk category, severity and the generic types it is a kind of), the generative lexicon
(data/crime_lemmas.csv and its word, weapon and method files, expanded by extract.text.lexicon), data/crime_cues.csv
(nouns and fixed phrases that are no verb form of a lemma) and data/crime_patterns.csv (phrases with a few free
words, as regular expressions). The literal phrases and the patterns' anchor words share one
Aho-Corasick automaton; a pattern runs only when one of its anchors is in the text.

Example:
    vocab = load_vocabulary()
    [(c.type, c.lemma) for c in find_cues("A man was stabbed in Peckham.", vocab=vocab)]  # [('stabbing', 'stab')]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from extract.datafiles import DATA_DIR, read_rows
from extract.records import ExtractError
from extract.text.folding import fold_text
from extract.text.lexicon import Form, FormMatcher, compile_forms, every_form, expand, load_lexicon
from extract.text.scan import Hit
from extract.text.senses import Senses, load_senses, other_sense, read_context, story_domain
from extract.text.spans import longest_first

LISTED = "phrase"  # the kind of a cue listed in crime_cues.csv
PATTERNED = "pattern"  # and of one written as a pattern in crime_patterns.csv


@dataclass(frozen=True, slots=True)
class CrimeType:
    """An incident type slug with its label, police.uk category and severity (higher wins in a story)."""

    slug: str
    label: str
    category: str
    severity: int
    kind_of: frozenset[str] = frozenset()  # the generic types it is a kind of: a stabbing is an assault


@dataclass(frozen=True, slots=True)
class Cue:
    """A crime phrase found in a text: what it says about type, weapon and death, whether it reports an event, and
    where it comes from (the lexicon lemma or method and the kind of form; LISTED or PATTERNED otherwise)."""

    phrase: str
    start: int
    end: int
    type: str | None
    weapon: str | None
    fatal: bool | None
    event: bool
    lemma: str = ""
    kind: str = LISTED
    threat: bool = False  # a crime verb after "would", "threatened to": a threat, not the crime done (is_threat)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The crime types by slug, every cue form (listed phrases, patterns, the lexicon's forms) compiled into one
    matcher, the context words that tell other senses, and the lemmas whose cues need a victim or evidence."""

    types: dict[str, CrimeType]
    matcher: FormMatcher
    senses: Senses
    ambiguous: frozenset[str]


def load_vocabulary(data_dir: Path = DATA_DIR) -> Vocabulary:
    """Load the crime types, the lexicon, the listed cue phrases and the cue patterns from `data_dir` and compile
    them; raises ExtractError for an unknown type or a listed phrase that is also a form of a lemma."""
    types = {
        r["slug"]: CrimeType(
            r["slug"], r["label"], r["category"], int(r["severity"]), frozenset((r.get("kind_of") or "").split())
        )
        for r in read_rows(data_dir / "crime_types.csv")
    }
    lexicon = load_lexicon(data_dir)
    generated = expand(lexicon)
    lemma_of = {f.text: f.lemma for f in generated if f.pattern is None}
    listed = []
    for r in read_rows(data_dir / "crime_cues.csv"):
        phrase = fold_text(r["phrase"]).strip()
        if r["type"] and r["type"] not in types:
            raise ExtractError(f"crime_cues.csv: unknown type {r['type']!r} for {phrase!r}")
        if phrase in lemma_of:
            raise ExtractError(f"crime_cues.csv: {phrase!r} is a form of the lemma {lemma_of[phrase]!r}: list it once")
        fatal = {"1": True, "0": False}.get(r["fatal"])
        listed.append(
            Form(phrase, None, (), "", LISTED, r["type"] or None, r["weapon"] or None, fatal, r["event"] == "1")
        )
    for r in read_rows(data_dir / "crime_patterns.csv"):
        if r["type"] and r["type"] not in types:
            raise ExtractError(f"crime_patterns.csv: unknown type {r['type']!r}")
        # Patterns use only bounded repetition ({0,2}), so matching stays linear in the text.
        fatal = {"1": True, "0": False}.get(r["fatal"])
        anchors = tuple(r["anchors"].split("|"))
        form = Form(
            r["pattern"],
            r["pattern"],
            anchors,
            "",
            PATTERNED,
            r["type"] or None,
            r["weapon"] or None,
            fatal,
            r["event"] == "1",
        )
        listed.append(form)
    ambiguous = frozenset(f"{lemma.lemma} {lemma.particle}".strip() for lemma in lexicon.lemmas if lemma.ambiguous)
    return Vocabulary(types, compile_forms([*listed, *generated]), load_senses(lexicon, data_dir), ambiguous)


NAME_OPENERS = ".!?:\"'\u201c\u2018(-\u2014\u2013\n"  # what a sentence, quote or clause opens after
NAME_WORD_CHARS = 40  # read before a capitalised cue for the word before it


def _in_a_name(text: str, start: int, end: int) -> bool:
    """True for a capitalised cue inside a title-case name mid-sentence: a capitalised word after it ("Shooting Stars
    Children's Hospice") or before it ("the Great Train Robbery inquiry")."""
    if not text[start : start + 1].isupper():
        return False
    if text[end : end + 1] == " " and text[end + 1 : end + 2].isupper():
        before = text[max(0, start - 3) : start].rstrip()
        return bool(before) and before[-1] not in NAME_OPENERS
    head = text[max(0, start - NAME_WORD_CHARS) : start]
    words = head.split()
    if not words or not head.endswith(" ") or not words[-1][:1].isupper() or len(words) < 2:
        return False  # the word before opens the text or is too far back to tell
    return words[-2][-1:] not in NAME_OPENERS  # "...said. Robbery" opens a sentence; "Great Train Robbery" does not


TITLE_CASE_CHARS = 250  # longer than a headline: a text this long is prose, whatever it capitalises
TITLE_CASE_SHARE = 0.6  # of its words capitalised, beyond which a short text is in Title Case
TITLE_CASE_READ = 300  # characters whose words are counted: past TITLE_CASE_CHARS, all a headline can have


def title_cased(text: str) -> bool:
    """Whether `text` is a headline in Title Case ("Man Stabbed In Peckham"): short, of three words or more, most of
    them capitalised, so that a capital says nothing of a name."""
    words = text[:TITLE_CASE_READ].split()
    return (
        len(text) < TITLE_CASE_CHARS
        and len(words) > 2
        and sum(w[:1].isupper() for w in words) > TITLE_CASE_SHARE * len(words)
    )


def find_cues(
    text: str,
    *,
    vocab: Vocabulary,
    folded: str | None = None,
    hits: Iterable[Hit] | None = None,
    domain: str | None = None,
) -> list[Cue]:
    """Return the crime cues in `text` at word boundaries, longest first without overlaps, in text order, leaving
    out those used in another sense ("stole the show", "heart attack"; see extract.text.senses), and in a story of
    another `domain` (other_domain) those needing context with no evidence in their sentence. `folded` and `hits`
    (the CUES hits of a scan, see extract.text.scan) are given when the caller has them already."""
    return read_cues(text, vocab=vocab, folded=folded, hits=hits, domain=domain)[0]


def read_cues(
    text: str,
    *,
    vocab: Vocabulary,
    folded: str | None = None,
    hits: Iterable[Hit] | None = None,
    domain: str | None = None,
) -> tuple[list[Cue], list[tuple[Cue, str]]]:
    """The crime cues of `text` as find_cues gives them, and those it leaves out, each with the reason; in a story
    of another `domain` (other_domain's reason), a cue needing context needs evidence in its sentence."""
    folded = fold_text(text) if folded is None else folded
    # A headline in Title Case ("Man Stabbed In Peckham") capitalises every cue: no name test there.
    titled = title_cased(text)
    found = [
        m
        for m in every_form(folded, matcher=vocab.matcher, hits=hits)
        if m.form.pattern is not None or titled or not _in_a_name(text, m.start, m.end)
    ]
    cues = []
    for m in longest_first(found):  # it reads offsets only: Cues are built for the matches it keeps
        f = m.form
        phrase = folded[m.start : m.end] if f.pattern else f.text
        threat = (
            f.kind == "active"  # a verb with its object: the form a threat takes ("would stab her")
            and not f.event
            and THREAT_BEFORE.search(folded, max(0, m.start - THREAT_CHARS), m.start) is not None
        )
        cues.append(Cue(phrase, m.start, m.end, f.type, f.weapon, f.fatal, f.event, f.lemma, f.kind, threat))
    if not cues:
        return [], []
    sure = [(c.start, c.end) for c in cues if c.type and _sure(c, vocab)]
    context = read_context(text, folded, senses=vocab.senses, sure=sure)
    kept, rejected = [], []
    for c in cues:
        # Untyped cues ("died", "knife") are read by the story only next to typed ones: no sense of their own.
        reason = None
        if c.type:
            form, ambiguous, listed = _form(c, vocab)
            reason = other_sense(
                context,
                c.start,
                c.end,
                form=form,
                ambiguous=ambiguous,
                listed=listed,
                senses=vocab.senses,
                domain=domain,
            )
        if reason is None:
            kept.append(c)
        else:
            rejected.append((c, reason))
    return kept, rejected


def other_domain(folded: str, *, vocab: Vocabulary) -> str | None:
    """Why a whole text is of another domain, whose crime words are all figurative unless sure (a match report, a
    weather story: "robbed", "smash-and-grab", "battered"): STORY_MARKERS distinct markers or more, and more than
    MARKERS_PER_EVIDENCE times its distinct evidence words; None for a text that may be a crime story."""
    markers, evidence = story_domain(folded, senses=vocab.senses)
    if len(markers) < STORY_MARKERS or len(markers) <= MARKERS_PER_EVIDENCE * len(evidence):
        return None
    return f"a story of another domain: {', '.join(sorted(markers)[:STORY_MARKERS])}"


def is_weak(cue: Cue, vocab: Vocabulary) -> bool:
    """True for a typed cue that needs context: neither an unambiguous verb told as an event nor a method."""
    return cue.type is not None and not _sure(cue, vocab)


def _form(cue: Cue, vocab: Vocabulary) -> tuple[str, bool, bool]:
    """How extract.text.senses reads a cue: its form (a noun, a verb, a verb holding its object), whether it is a
    form of an ambiguous lemma, and whether it is a listed phrase or pattern."""
    if cue.kind == "noun" or (cue.kind == LISTED and not cue.event):
        form = "noun"
    elif cue.kind in ("active", "attempt", "fatal", "method") and not cue.phrase.endswith(" her"):
        form = "object"  # "her" may be a possessive: in "murdering her trade" the object comes after it
    else:
        form = "verb"
    return form, cue.lemma in vocab.ambiguous, cue.kind in (LISTED, PATTERNED)


def _sure(cue: Cue, vocab: Vocabulary) -> bool:
    """True for a cue that needs no context: a form of an unambiguous lemma told as an event, or a method ("at
    knifepoint", "armed with a knife")."""
    return cue.kind == "method" or (cue.event and cue.lemma != "" and cue.lemma not in vocab.ambiguous)


# Before a crime verb not told as an event: a threat, a wish or a plan ("said he would stab her", "threatened to kill
# him", "vowed to shoot"), not a crime done ("went on to stab him").
THREAT_BEFORE = re.compile(
    r"\b(?:would|will|could|might|wants? to|wanted to|threaten(?:s|ed|ing)? to|vow(?:s|ed)? to|promis(?:es|ed) to"
    r"|going to|gonna)\s+[\"'\u2018\u201c]?$"  # and a quote may open before the verb: he would "stab her"
)
THREAT_CHARS = len("threatening to '")  # characters before a cue searched for THREAT_BEFORE
# Sports reports and weather stories: distinct markers of another domain in a whole text (five or more in each of the
# development sets' match reports and weather stories, none in a crime story), outnumbering its evidence words more
# than twice (a film about a crime names police and criminals as often).
STORY_MARKERS = 5
MARKERS_PER_EVIDENCE = 2
METHOD_TYPES = frozenset({"stabbing", "shooting", "hit_and_run", "acid_attack", "arson"})
OTHER = "other"  # a crime the cues cannot type ("raiders")
GENERIC_TYPES = frozenset({"assault", "theft", OTHER})  # "attack", "stole": often told of a more specific crime
# "armed with a knife", "threatening staff": often the means of another crime (a robbery), and an offence of its own.
SECONDARY_TYPES = frozenset({"weapons_possession", "public_order"})
# Force and a theft told of one victim in one sentence are a robbery (police.uk: theft with force or its threat).
FORCE_TYPES = frozenset({"assault", "weapons_possession", "public_order"})
THEFT_TYPES = frozenset({"theft", "theft_from_person"})
# A vehicle or bike taken from its rider by violence is a robbery; with only a threat told (to neighbours who came
# out, say), a vehicle crime.
RIDDEN_TYPES = frozenset({"vehicle_crime", "bicycle_theft"})
VIOLENCE = "assault"
ROBBERY = "robbery"


def _force_and_theft(main: list[Cue], *, vocab: Vocabulary) -> Cue | None:
    """A robbery told as its parts in one sentence ("punched him and stole his phone", "threatened staff with a hammer
    and stole cash"; a vehicle or bike only with violence: "punched by a gang who stole his moped"): force and a
    theft, both as events, and nothing more severe than a robbery; the force's cue as a robbery, else None."""
    events = [c for c in main if c.event and c.type]
    force = [c for c in events if c.type in FORCE_TYPES]
    thefts = THEFT_TYPES | RIDDEN_TYPES if any(c.type == VIOLENCE for c in force) else THEFT_TYPES
    if not force or not any(c.type in thefts for c in events):
        return None
    if any(c.type and vocab.types[c.type].severity > vocab.types[ROBBERY].severity for c in events):
        return None  # "stabbed him and stole his phone": the stabbing
    return replace(force[0], type=ROBBERY)


def is_threat(cue: Cue) -> bool:
    """True for a crime verb threatened, not done ("he would stab her", "threatened to kill him"; not "went on to stab
    him"): neither its type nor its weapon is the incident's."""
    return cue.threat


def most_severe(cues: Iterable[Cue], *, vocab: Vocabulary) -> Cue | None:
    """The typed cue of the most severe crime type; a method ("stabbed", "hit-and-run") beats "killed", which
    only says the victim died, and any other crime beats a secondary one ("armed with a knife")."""
    typed = [c for c in cues if c.type]
    typed = [c for c in typed if not is_threat(c)] or typed
    if any(c.type not in SECONDARY_TYPES for c in typed):  # "threatened with a hammer ... tried to steal a motorbike"
        typed = [c for c in typed if c.type not in SECONDARY_TYPES]
    methods = [c for c in typed if c.type in METHOD_TYPES]
    if methods and all(c.type in METHOD_TYPES or c.type == "homicide" for c in typed):
        typed = methods
    return max(typed, key=lambda c: (_severity(c, vocab), c.event, -c.start)) if typed else None


def _severity(cue: Cue, vocab: Vocabulary) -> int:
    """The severity of the cue's crime type; 0 for a cue without one."""
    return vocab.types[cue.type].severity if cue.type else 0


def incident_type(
    main: Iterable[Cue], headline: Iterable[Cue], told: Iterable[Cue], story: Iterable[Cue], *, vocab: Vocabulary
) -> Cue | None:
    """The cue naming an incident's type: the most severe in its main sentence, else in the headline, else in the
    sentences telling it; a generic or secondary one ("attack", "armed with a knife") gives way to the crime the
    story names most, generic ones left out (a tie to the more severe), or the headline a graver one ("Shoplifters
    ..." of goods "stolen"; not "smashed" of a man hit with a bottle); a generic one only to a kind of it (the types'
    `kind_of`: an attack to a stabbing) or to a crime the story names more often than it."""
    main, headline = list(main), list(headline)
    if robbed := _force_and_theft(main, vocab=vocab):
        return robbed
    cue = most_severe(main, vocab=vocab) or most_severe(headline, vocab=vocab) or most_severe(told, vocab=vocab)
    if cue is not None and cue.type == OTHER:  # "Raiders struck ...; guard attacked": the crime named
        cue = most_severe([c for c in (*main, *headline, *told) if c.type not in (None, OTHER)], vocab=vocab) or cue
    if cue is not None and cue.type not in GENERIC_TYPES | SECONDARY_TYPES:
        return cue
    # A generic crime of the main sentence gives way to a specific one, not to a means told beside it ("hit over the
    # head with a bottle after she asked him to stop harassing her" is an assault).
    generic = cue is not None and cue.type in GENERIC_TYPES and cue in main
    beside = [c for c in main if c.type in SECONDARY_TYPES] if generic else []
    floor = _severity(cue, vocab) if cue is not None else 0
    graver = [c for c in headline if c.type and not is_threat(c) and _severity(c, vocab) > floor]
    specific = [
        (c.type, c)
        for c in [*story, *graver]
        if c.type and c.type not in GENERIC_TYPES and c not in beside and not is_threat(c)
    ]
    counts = Counter(t for t, _ in specific)
    # A generic crime gives way to a kind of it (an attack to a stabbing), and to another crime only when the story
    # names that one more often (not a man glassed to the glass smashed after it).
    kind = cue.type if cue is not None and cue.type in GENERIC_TYPES - {OTHER} else None
    if kind is not None:
        named = sum(1 for c in [*story, *headline] if c.type == kind and not is_threat(c))
        specific = [(t, c) for t, c in specific if kind in vocab.types[t].kind_of or counts[t] > named]
        counts = Counter(t for t, _ in specific)
    if not specific:
        return cue
    best = max(counts, key=lambda t: (counts[t], vocab.types[t].severity))
    return next(c for t, c in specific if t == best)
