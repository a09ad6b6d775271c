"""The generative crime lexicon: each crime verb written once as a lemma (data/crime_lemmas.csv), expanded into the
forms news uses, plus the multi-word weapon and method expressions (data/crime_methods.csv).

A lemma gives, as its `frames` column asks: the bare participle ("stabbed"); the passive after every auxiliary
("was stabbed", "got stabbed", "had been stabbed") and with one or two adverbs between ("was allegedly brutally
attacked"); the active voice with a person, place or thing as object ("robbed a jeweller's", "stole a car"); "to" +
verb after an attempt ("tried to rob"); its nouns ("a stabbing"); and its fatal forms ("stabbed to death", "fatally
shot", "died after being attacked"). Particle verbs ("break into", "set upon") carry their particle in every form.

Forms with a fixed wording are literal phrases (for an Aho-Corasick automaton); forms with an open slot (adverbs,
an object noun phrase, a weapon) are bounded regular expressions over folded text, each tried only when one of its
anchor words is in the text. Every form carries the crime cue's fields: type, weapon, fatal, event.

Example:
    forms = expand(load_lexicon())
    matcher = compile_forms(forms)
    [(m.form.lemma, m.form.kind) for m in find_forms("He was allegedly brutally attacked.", matcher=matcher)]
    # [('attack', 'passive')]
    python -m extract.text.lexicon --lemma stab   # prints every form of "stab"
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from extract.datafiles import DATA_DIR, read_rows
from extract.records import WEAPONS, ExtractError
from extract.text.folding import fold_text
from extract.text.scan import Hit, Scanner, Words, build_scanner, scan
from extract.text.spans import longest_first

FRAMES = ("bare", "participle", "passive", "object_passive", "active", "attempt", "noun")
OBJECT_SLOTS = ("person", "place", "vehicle", "bicycle", "thing")
WORD_SLOTS = ("auxiliary", "adverb", "attempt", "determiner", "pronoun", "stopword", *OBJECT_SLOTS, "drug", "hedge")
FATAL_FORMS = ("to death", "fatally", "dead", "and killed")
KINDS = ("bare", "passive", "active", "attempt", "noun", "fatal", "method")
DIED_AFTER = ("died after being", "dies after being")  # the victim's death told after the attack, in one phrase
MAX_ADVERBS = 2  # "was allegedly brutally attacked"; three in a row is rare and would loosen the pattern
MAX_MODIFIERS = 2  # words between an object's determiner and its noun ("a young delivery rider")
AGE = r"(?: \d+ years? old)?"  # "a 17-year-old boy", folded: the age is not one of the modifiers
FORM_REACH = 200  # characters a match may reach from its anchor word: an object of a few words, or twelve words
LEAD_CHARS = 30  # characters before an anchor read for the word right before it: longer than any lead word
CUES = "cues"  # the name of the vocabulary of forms and anchor words, in a scan (extract.text.scan)


@dataclass(frozen=True, slots=True)
class Lemma:
    """A crime verb with its forms and what it says about the crime; `objects` pairs an object slot with the type
    that object makes (None: the lemma's own)."""

    lemma: str
    past: tuple[str, ...]
    participle: tuple[str, ...]
    ing: str
    third: str
    particle: str
    type: str | None
    weapon: str | None
    fatal: bool | None
    frames: tuple[str, ...]
    objects: tuple[tuple[str, str | None], ...]
    fatal_forms: tuple[str, ...]
    fatal_type: str | None
    nouns: tuple[str, ...]
    ambiguous: bool  # other senses are common: a cue needs a victim, a target or evidence of a crime


@dataclass(frozen=True, slots=True)
class Weapon:
    """A weapon noun, its weapon class and the incident type of an attack with it."""

    noun: str
    weapon: str
    attack_type: str


@dataclass(frozen=True, slots=True)
class Method:
    """A multi-word weapon or method expression, possibly with a <weapon> or <drug> slot."""

    template: str
    type: str | None  # "<weapon>": the weapon noun's attack type
    weapon: str | None  # "<weapon>": the weapon noun's class
    fatal: bool | None
    event: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The lemmas, the closed word classes by slot, the weapon nouns and the method expressions."""

    lemmas: tuple[Lemma, ...]
    words: dict[str, tuple[str, ...]]
    weapons: tuple[Weapon, ...]
    methods: tuple[Method, ...]


@dataclass(frozen=True, slots=True)
class Form:
    """A generated form: a folded literal phrase (`pattern` None) or a readable template with its bounded regular
    expression and the anchor words one of which a text must contain for it to match."""

    text: str
    pattern: str | None
    anchors: tuple[str, ...]
    lemma: str
    kind: str  # one of KINDS
    type: str | None
    weapon: str | None
    fatal: bool | None
    event: bool
    ambiguous: bool = False  # a form of an ambiguous lemma
    reach: tuple[int, int] = (FORM_REACH, FORM_REACH)  # how far a match may start before an anchor and end after it
    lead: frozenset[str] = frozenset()  # words one of which must come right before an anchor inside the pattern


@dataclass(frozen=True, slots=True)
class FormMatch:
    """A form found in a text, with its character offsets."""

    start: int
    end: int
    form: Form


@dataclass(frozen=True, slots=True)
class FormMatcher:
    """The literal forms and the patterns' anchor words as one vocabulary to scan for (phrase -> its literal form or
    None, the indices of the patterns it anchors somewhere inside them, and of those it opens), the pattern forms, and
    their regular expressions, each compiled once: searched in a window, or tried in turn right at an anchor that opens
    it."""

    words: Words  # phrase -> (phrase, its literal form or None, the patterns it anchors inside, those it opens)
    scanner: Scanner  # of `words` alone, for a text no other scan has read
    patterns: tuple[Form, ...]
    compiled: dict[int, re.Pattern[str]]  # by pattern, filled on first use: a text anchors few of the patterns
    at_anchors: frozenset[int] = frozenset()  # patterns searched in a window whose every match starts at an anchor


def load_lexicon(directory: str | Path = DATA_DIR) -> Lexicon:
    """Read crime_lemmas.csv, crime_lexicon_words.csv, crime_weapons.csv and crime_methods.csv from `directory`;
    raises ExtractError naming the file and row of a bad row."""
    directory = Path(directory)
    types = {r["slug"] for r in read_rows(directory / "crime_types.csv")}
    words: dict[str, list[str]] = {slot: [] for slot in WORD_SLOTS}
    for n, row in table_rows(directory / "crime_lexicon_words.csv", ("slot", "word")):
        where = f"{directory / 'crime_lexicon_words.csv'}: row {n}"
        if row["slot"] not in words:
            raise ExtractError(f"{where}: unknown slot {row['slot']!r} (one of {', '.join(WORD_SLOTS)})")
        if row["word"] in words[row["slot"]]:
            raise ExtractError(f"{where}: {row['word']!r} is already a {row['slot']}")
        words[row["slot"]].append(_folded(row["word"], where))
    weapons = []
    for n, row in table_rows(directory / "crime_weapons.csv", ("noun", "weapon", "attack_type")):
        where = f"{directory / 'crime_weapons.csv'}: row {n}"
        weapons.append(
            Weapon(_folded(row["noun"], where), _weapon(row["weapon"], where), _type(row["attack_type"], types, where))
        )
    methods = []
    for n, row in table_rows(directory / "crime_methods.csv", ("template", "type", "weapon", "fatal", "event")):
        where = f"{directory / 'crime_methods.csv'}: row {n}"
        slot = "<weapon>"
        methods.append(
            Method(
                _folded(row["template"], where),
                None if not row["type"] else slot if row["type"] == slot else _type(row["type"], types, where),
                None if not row["weapon"] else slot if row["weapon"] == slot else _weapon(row["weapon"], where),
                _flag(row["fatal"], where),
                row["event"] == "1",
            )
        )
    columns = (
        *("lemma", "past", "participle", "ing", "particle", "type", "weapon", "fatal", "frames", "objects"),
        *("fatal_forms", "fatal_type", "nouns", "ambiguous"),
    )
    lemmas = [
        _lemma(row, types, f"{directory / 'crime_lemmas.csv'}: row {n}")
        for n, row in table_rows(directory / "crime_lemmas.csv", columns)
    ]
    return Lexicon(tuple(lemmas), {k: tuple(v) for k, v in words.items()}, tuple(weapons), tuple(methods))


def table_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The numbered rows of a lexicon file with every column, stripped; raises ExtractError naming the file when it
    cannot be read or a row lacks a column."""
    try:
        rows = read_rows(path)
    except (OSError, UnicodeDecodeError) as e:
        raise ExtractError(f"{path}: cannot read the lexicon file ({e})") from None
    out = []
    for n, row in enumerate(rows, 1):
        missing = [c for c in columns if row.get(c) is None]
        if missing:
            raise ExtractError(f"{path}: row {n} lacks {', '.join(missing)}")
        out.append((n, {c: row[c].strip() for c in columns}))
    return out


def _folded(phrase: str, where: str) -> str:
    if not phrase or fold_text(phrase) != phrase:
        raise ExtractError(f"{where}: {phrase!r} must be a non-empty lower-case phrase without dashes")
    return phrase


def _type(slug: str, types: set[str], where: str) -> str:
    if slug not in types:
        raise ExtractError(f"{where}: unknown incident type {slug!r}")
    return slug


def _weapon(weapon: str, where: str) -> str:
    if weapon not in WEAPONS:
        raise ExtractError(f"{where}: unknown weapon {weapon!r} (one of {', '.join(WEAPONS)})")
    return weapon


def _flag(value: str, where: str, column: str = "fatal") -> bool | None:
    if value not in ("", "0", "1"):
        raise ExtractError(f"{where}: {column} must be blank, 0 or 1, not {value!r}")
    return {"1": True, "0": False}.get(value)


def _choices(value: str, allowed: tuple[str, ...], what: str, where: str) -> tuple[str, ...]:
    chosen = tuple(v for v in value.split("|") if v)
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise ExtractError(f"{where}: unknown {what} {', '.join(unknown)} (one of {', '.join(allowed)})")
    return chosen


def _lemma(row: dict[str, str], types: set[str], where: str) -> Lemma:
    """One row of crime_lemmas.csv, with the regular forms filled in for blank columns."""
    *prefix, head = _folded(row["lemma"], where).split(" ")
    lead = " ".join(prefix) + " " if prefix else ""  # "sexually assault": the adverb stays before every form
    objects = []
    for spec in row["objects"].split("|") if row["objects"] else []:
        slot, _, slug = spec.partition("=")
        _choices(slot, OBJECT_SLOTS, "object", where)
        objects.append((slot, _type(slug, types, where) if slug else None))
    frames = _choices(row["frames"], FRAMES, "frame", where)
    if "active" in frames and not objects:
        raise ExtractError(f"{where}: the active frame needs objects")
    return Lemma(
        lemma=row["lemma"],
        past=tuple(lead + f for f in (row["past"] or regular_past(head)).split("|")),
        participle=tuple(lead + f for f in (row["participle"] or regular_past(head)).split("|")),
        ing=lead + (row["ing"] or regular_ing(head)),
        third=lead + regular_third(head),
        particle=_folded(row["particle"], where) if row["particle"] else "",
        type=_type(row["type"], types, where) if row["type"] else None,
        weapon=_weapon(row["weapon"], where) if row["weapon"] else None,
        fatal=_flag(row["fatal"], where),
        frames=frames,
        objects=tuple(objects),
        fatal_forms=_choices(row["fatal_forms"], FATAL_FORMS, "fatal form", where),
        fatal_type=_type(row["fatal_type"], types, where) if row["fatal_type"] else None,
        nouns=tuple(_folded(n, where) for n in row["nouns"].split("|") if n),
        ambiguous=_flag(row["ambiguous"], where, "ambiguous") is True,
    )


def regular_past(verb: str) -> str:
    """The regular past tense and participle: attack -> attacked, burgle -> burgled, bully -> bullied."""
    if verb.endswith("e"):
        return verb + "d"
    if len(verb) > 1 and verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


def regular_ing(verb: str) -> str:
    """The regular -ing form: attack -> attacking, burgle -> burgling, tie -> tying, flee -> fleeing."""
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


def regular_third(verb: str) -> str:
    """The regular third person singular: attack -> attacks, punch -> punches, bully -> bullies."""
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if len(verb) > 1 and verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _last(words: Iterable[str]) -> frozenset[str]:
    """The last word of each of `words` ("had been" -> "been"): what comes right before the next slot."""
    return frozenset(w.rsplit(" ", 1)[-1] for w in words)


def _longest(words: Iterable[str]) -> int:
    """The length of the longest of `words`: how far a slot filled by one of them reaches."""
    return max(map(len, words), default=0)


def _any(words: Iterable[str]) -> str:
    """A non-capturing alternation of literal words, longest first so that "had been" is tried before "been"."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))) + ")"


def noun_phrase(
    nouns: Iterable[str], words: dict[str, tuple[str, ...]], *, first: bool = False, hedged: bool = False
) -> str:
    """A bounded pattern for " a 17-year-old delivery rider": a determiner or a number with an age and up to
    MAX_MODIFIERS words that are not stopwords, then one of `nouns`; or the noun alone ("robbed shoppers"). It
    starts with a space, unless `first` (the phrase opens the pattern: "acid thrown"). `hedged`, a hedge may come
    first (" what is believed to be a corrosive liquid")."""
    modifier = rf"(?:£[\d,.]+[km]?|(?!{_any(words['stopword'])}\b)[\w']+)"  # "a £95,000 Range Rover"
    lead = rf"(?:{_any(words['determiner'])}|\d+){AGE}(?: {modifier}){{0,{MAX_MODIFIERS}}}"
    hedge = rf"(?: {_any(words['hedge'])})?" if hedged and words["hedge"] else ""
    # Not a possessive: "snatched a woman's phone" robs no woman.
    return rf"(?:{lead} )?{_any(nouns)}(?!')" if first else rf"{hedge}(?: {lead})? {_any(nouns)}(?!')"


def expand(lexicon: Lexicon) -> tuple[Form, ...]:
    """Every form of every lemma and method expression, in file order; a form generated twice with the same reading
    is kept once, and with two readings raises ExtractError naming both lemmas."""
    forms: dict[tuple[str, str | None], Form] = {}
    generated = [f for lemma in lexicon.lemmas for f in _lemma_forms(lemma, lexicon.words)]
    generated += [f for method in lexicon.methods for f in _method_forms(method, lexicon)]
    for form in generated:
        kept = forms.setdefault((form.text, form.pattern), form)
        if (kept.type, kept.weapon, kept.fatal, kept.event) != (form.type, form.weapon, form.fatal, form.event):
            raise ExtractError(f"{form.text!r} is a form of both {kept.lemma!r} and {form.lemma!r}, read differently")
    return tuple(forms.values())


def _lemma_forms(lemma: Lemma, words: dict[str, tuple[str, ...]]) -> Iterable[Form]:
    def v(form: str) -> str:
        return f"{form} {lemma.particle}" if lemma.particle else form

    name = f"{lemma.lemma} {lemma.particle}".strip()
    fatal_type = lemma.fatal_type or lemma.type

    def literal(text: str, kind: str, *, fatal: bool | None = lemma.fatal, event: bool = True) -> Form:
        type_ = fatal_type if kind == "fatal" else lemma.type
        return Form(text, None, (), name, kind, type_, lemma.weapon, fatal, event, lemma.ambiguous)

    def pattern(
        template: str,
        regex: str,
        anchors: Iterable[str],
        kind: str,
        type_: str | None,
        fatal: bool | None,
        *,
        event: bool = True,
        reach: tuple[int, int] = (0, FORM_REACH),  # most patterns open with their anchor
        lead: Iterable[str] = (),
    ) -> Form:
        anchored = tuple(dict.fromkeys(anchors))
        regex = rf"\b{regex}\b"
        return Form(
            template,
            regex,
            anchored,
            name,
            kind,
            type_,
            lemma.weapon,
            fatal,
            event,
            lemma.ambiguous,
            reach,
            _last(lead),
        )

    participles = [v(p) for p in lemma.participle]
    pasts = [v(p) for p in lemma.past]
    aux, adverbs = _any(words["auxiliary"]), _any(words["adverb"])
    gap = _longest(words["auxiliary"]) + MAX_ADVERBS * (_longest(words["adverb"]) + 1) + 1  # "had been ... stabbed"
    adverb_words = words["adverb"]
    adverb_gap = f"(?: {adverbs}){{1,{MAX_ADVERBS}}}"
    to_death = "to death" in lemma.fatal_forms
    if "bare" in lemma.frames:
        yield from (literal(p, "bare") for p in dict.fromkeys(pasts + participles))
    elif "participle" in lemma.frames:  # "beaten", without the past "beat" ("beat their rivals")
        yield from (literal(p, "bare") for p in participles)
    if "passive" in lemma.frames:
        for a in words["auxiliary"]:
            yield from (literal(f"{a} {p}", "passive") for p in participles)
            if to_death:
                yield from (literal(f"{a} {p} to death", "fatal", fatal=True) for p in participles)
        template = f"<auxiliary> <adverb>{{1,{MAX_ADVERBS}}} {'|'.join(participles)}"
        regex = f"{aux}{adverb_gap} {_any(participles)}"
        reach = (gap, 0)
        yield pattern(template, regex, participles, "passive", lemma.type, lemma.fatal, reach=reach, lead=adverb_words)
        if to_death:
            regex = f"{aux}{adverb_gap} {_any(participles)} to death"
            reach = (gap, len(" to death"))
            lead = adverb_words
            yield pattern(template + " to death", regex, participles, "fatal", fatal_type, True, reach=reach, lead=lead)
        if any(slot == "person" for slot, _ in lemma.objects):
            yield from (literal(f"{d} {p}", "fatal", fatal=True) for d in DIED_AFTER for p in participles)
    if "passive" in lemma.frames or "object_passive" in lemma.frames:
        for slot, slug in lemma.objects:
            if slug:  # "a car was stolen", "bicycles are being stolen", "stolen mopeds": as "stole a car" is
                regex = f"{_any(words[slot])} {aux}(?: being)?(?: {adverbs}){{0,{MAX_ADVERBS}}} {_any(participles)}"
                template = f"<{slot}> <auxiliary> <adverb>{{0,{MAX_ADVERBS}}} {'|'.join(participles)}"
                reach = (_longest(words[slot]) + len(" being ") + gap, 0)
                before = (*words["auxiliary"], *adverb_words, "being")
                yield pattern(template, regex, participles, "passive", slug, lemma.fatal, reach=reach, lead=before)
                regex = f"{_any(participles)} {_any(words[slot])}"
                yield pattern(f"{'|'.join(participles)} <{slot}>", regex, participles, "bare", slug, lemma.fatal)
    if "active" in lemma.frames:
        verbs = list(dict.fromkeys(pasts + [v(lemma.lemma), v(lemma.third), v(lemma.ing)]))
        # The simple present tells a habit or a headline ("burglars who then steal jewellery"), not an event.
        present = [f for f in dict.fromkeys([v(lemma.lemma), v(lemma.third)]) if f not in pasts]
        told = [f for f in verbs if f not in present]
        for slot, slug in lemma.objects:
            if slot == "person":
                for verb in verbs:
                    yield from (literal(f"{verb} {p}", "active", event=verb not in present) for p in words["pronoun"])
            obj = noun_phrase(words[slot], words)
            type_ = slug or lemma.type
            yield pattern(f"{'|'.join(told)} <{slot}>", f"{_any(told)}{obj}", told, "active", type_, lemma.fatal)
            regex = f"{_any(present)}{obj}"
            yield pattern(f"{'|'.join(present)} <{slot}>", regex, present, "active", type_, lemma.fatal, event=False)
            template = f"{'|'.join(verbs)} <{slot}>"
            if to_death and slot == "person":
                regex = f"{_any(verbs)}{obj} to death"
                yield pattern(template + " to death", regex, verbs, "fatal", fatal_type, True)
            if "and killed" in lemma.fatal_forms and slot == "person":  # longer than "killed a man" alone
                regex = f"{_any(pasts)} and killed{obj}"
                yield pattern(f"{'|'.join(pasts)} and killed <person>", regex, pasts, "fatal", fatal_type, True)
    if "attempt" in lemma.frames:
        tried = False if lemma.fatal else None  # "tried to murder": nobody died
        yield from (literal(f"{a} to {v(lemma.lemma)}", "attempt", fatal=tried) for a in words["attempt"])
        for slot, slug in lemma.objects:  # "tried to rob a post office" outranks "rob a post office"
            regex = f"{_any(words['attempt'])} to {re.escape(v(lemma.lemma))}{noun_phrase(words[slot], words)}"
            template = f"<attempt> to {v(lemma.lemma)} <{slot}>"
            reach = (_longest(words["attempt"]) + len(" to "), FORM_REACH)  # anchored by its verb, after "tried to"
            type_ = slug or lemma.type
            yield pattern(template, regex, [v(lemma.lemma)], "attempt", type_, tried, reach=reach, lead=["to"])
    if "noun" in lemma.frames:
        yield from (literal(n, "noun", event=False) for n in lemma.nouns)
    for fatal_form in lemma.fatal_forms:
        if fatal_form == "to death":
            yield from (literal(f"{p} to death", "fatal", fatal=True) for p in participles)
        elif fatal_form == "fatally":
            yield from (literal(f"fatally {p}", "fatal", fatal=True) for p in participles)
        elif fatal_form == "dead":
            yield from (literal(f"{p} dead", "fatal", fatal=True) for p in participles)
        elif fatal_form == "and killed":
            yield from (literal(f"{p} and killed", "fatal", fatal=True) for p in pasts)


def _method_forms(method: Method, lexicon: Lexicon) -> Iterable[Form]:
    name = method.template
    if "<weapon>" in method.template:
        groups: dict[tuple[str, str], list[str]] = {}
        for w in lexicon.weapons:
            groups.setdefault((w.weapon, w.attack_type), []).append(w.noun)
        before, _, after = method.template.partition("<weapon>")
        for (weapon, attack_type), nouns in groups.items():
            phrase = noun_phrase(nouns, lexicon.words, first=not before.strip(), hedged=True)
            regex = re.escape(before.strip()) + phrase + re.escape(after.rstrip())
            type_ = attack_type if method.type == "<weapon>" else method.type
            weapon_ = weapon if method.weapon == "<weapon>" else method.weapon
            text = method.template.replace("<weapon>", f"<{weapon} weapon>")
            # The fixed words, whole: "in possession of", "was found" ("in" or "was" alone would run it on every text).
            anchors = (before.strip() or after.strip(),)
            reach = (0, FORM_REACH) if before.strip() else (FORM_REACH, 0)
            lead = frozenset() if before.strip() else _last(nouns)  # "<weapon> was found": a weapon noun ends it
            regex = rf"\b{regex}\b"
            method_reading = (type_, weapon_, method.fatal, method.event, False)
            yield Form(text, regex, anchors, name, "method", *method_reading, reach, lead)
    elif "<drug>" in method.template:
        before, _, after = method.template.partition("<drug>")
        regex = f"{re.escape(before)}{_any(lexicon.words['drug'])}{re.escape(after)}"
        anchors = (before.split(" ")[0],)
        pattern = rf"\b{regex}\b"
        reach = (0, FORM_REACH)
        yield Form(
            name, pattern, anchors, name, "method", method.type, method.weapon, method.fatal, method.event, False, reach
        )
    else:
        yield Form(name, None, (), name, "method", method.type, method.weapon, method.fatal, method.event)


def compile_forms(forms: Iterable[Form]) -> FormMatcher:
    """Put the literal forms and the anchor words of the pattern forms in one vocabulary, CUES, and its scanner."""
    entries: dict[str, tuple[Form | None, list[int], list[int]]] = {}
    patterns: list[Form] = []
    for form in forms:
        if form.pattern is None:
            literal, inside, opening = entries.get(form.text, (None, [], []))
            entries[form.text] = (form, inside, opening)
            continue
        for anchor in form.anchors:
            _, inside, opening = entries.setdefault(anchor, (None, [], []))
            (opening if form.reach[0] == 0 else inside).append(len(patterns))
        patterns.append(form)
    values = {}
    for phrase, (literal, inside, opening) in entries.items():
        # The patterns an anchor opens are tried as one alternation, the longest template first: "stabbed <person>
        # to death" before "stabbed <person>".
        opening.sort(key=lambda i: -len(patterns[i].text))
        values[phrase] = (phrase, literal, tuple(inside), tuple(opening))
    words = Words(CUES, values)
    at_anchors = frozenset(
        i for i, form in enumerate(patterns) if form.reach[0] and not form.lead and starts_at_anchor(form)
    )
    return FormMatcher(words, build_scanner([words]), tuple(patterns), {}, at_anchors)


HEADS = 512  # the most spellings of a pattern's opening words starts_at_anchor reads: more, and it says no


def starts_at_anchor(form: Form) -> bool:
    """Whether every match of the form's pattern starts with one of its anchors as a whole word: the pattern opens
    with a word boundary (after any look-behinds), then fixed words, an alternation of them or a few such in a row,
    each spelling of which is an anchor followed by a character no word has. False when that cannot be read from the
    pattern, which is always safe: the pattern is then searched in its window."""
    try:  # the standard library's own parser of regular expressions: a private module, so any change means False
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]

        parsed = parser.parse(form.pattern or "")
        # A flag changes what a character or \b matches: under (?i) "s" matches "ſ", which folding keeps and the
        # automaton's anchor "stole" does not; under (?a) \b and the scan's whole-word test disagree on "é".
        if parsed.state.flags & ~re.UNICODE or _flagged(list(parsed), sre):
            return False
        items = list(parsed)
        heads, k = _opening(items, sre)
        after = _first_characters(items[k:], sre)
    except (ImportError, AttributeError, TypeError, ValueError, re.error):
        return False
    if heads is None:
        return False
    anchors = [a for a in form.anchors if a and _wordy(a[0]) and _wordy(a[-1])]

    def whole(head: str, anchor: str) -> bool:
        if len(head) > len(anchor):
            return not _wordy(head[len(anchor)])
        return len(head) == len(anchor) and after is not None and not any(map(_wordy, after))

    return all(any(head.startswith(a) and whole(head, a) for a in anchors) for head in heads)


def _flagged(items: list, sre: ModuleType) -> bool:
    """Whether a parsed pattern sets or clears a flag in a group anywhere ("(?i:...)")."""
    for op, av in items:
        if op is sre.SUBPATTERN and (av[1] or av[2]):
            return True
        for part in av if isinstance(av, tuple) else ():
            nested = part if isinstance(part, list) else [part]
            for sub in nested:
                if hasattr(sub, "data") and _flagged(list(sub), sre):
                    return True
    return False


def _wordy(c: str) -> bool:
    return c.isalnum() or c == "_"


def _opening(items: list, sre: ModuleType) -> tuple[set[str] | None, int]:
    """The spellings of the fixed text a parsed pattern opens with after its look-behinds and a word boundary (None
    without that boundary), and the index of the first item past it."""
    k, bounded = 0, False
    while k < len(items):
        op, av = items[k]
        if op is sre.ASSERT_NOT and av[0] == -1:  # a look-behind
            k += 1
        elif op is sre.AT and av is sre.AT_BOUNDARY:
            bounded, k = True, k + 1
        else:
            break
    if not bounded:
        return None, k
    heads, spelt = _spellings(items[k:], sre)
    return heads, k + spelt


def _spellings(items: list, sre: ModuleType) -> tuple[set[str], int]:
    """Every text the first items of a parsed run match, as long as each is a character, a group or an alternation of
    such and they have no more than HEADS spellings together; and how many items that is."""
    heads = {""}
    for n, (op, av) in enumerate(items):
        options: set[str] | None = None
        if op is sre.LITERAL:
            options = {chr(av)}
        elif op is sre.SUBPATTERN:
            options = _whole_spellings(list(av[3]), sre)
        elif op is sre.BRANCH:
            branches = [_whole_spellings(list(branch), sre) for branch in av[1]]
            options = None if None in branches else set().union(*(b for b in branches if b is not None))
        if options is None or len(heads) * len(options) > HEADS:
            return heads, n
        heads = {a + b for a in heads for b in options}
    return heads, len(items)


def _whole_spellings(items: list, sre: ModuleType) -> set[str] | None:
    """Every text a parsed run matches (_spellings of all its items), None when some item has none."""
    heads, spelt = _spellings(items, sre)
    return heads if spelt == len(items) else None


def _first_characters(items: list, sre: ModuleType) -> set[str] | None:
    """The characters a parsed pattern's rest can start with: a word boundary there (after a word's last character)
    adds none; None when they cannot be told (a class, the end of the pattern: any character may follow)."""
    found: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            return found | {chr(av)}
        if op is sre.AT and av is sre.AT_BOUNDARY:
            return found
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            least, _, body = av
            first = _first_characters(list(body), sre)
            if first is None:
                return None
            found |= first
            if least:
                return found
        elif op in (sre.SUBPATTERN, sre.BRANCH):
            branches = [list(av[3])] if op is sre.SUBPATTERN else [list(b) for b in av[1]]
            for branch in branches:
                first = _first_characters(branch, sre)
                if first is None:  # an empty branch too: what follows the group comes first
                    return None
                found |= first
            return found
        else:
            return None
    return None


def find_forms(text: str, *, matcher: FormMatcher, folded: str | None = None) -> list[FormMatch]:
    """Return the forms found in `text` as whole words, longest first without overlaps, in text order; a pattern
    is run only when the automaton has found one of its anchors."""
    return longest_first(every_form(fold_text(text) if folded is None else folded, matcher=matcher))


def every_form(folded: str, *, matcher: FormMatcher, hits: Iterable[Hit] | None = None) -> list[FormMatch]:
    """Every form found in folded text as whole words, overlapping ones included: the literal forms in the order
    the automaton ends them, then the patterns' matches. A pattern runs only around its anchors (whole words), as far
    as its reach: the patterns an anchor opens are tried once right there, together; the others are searched within
    a window, so that a common anchor word costs little (a pattern whose every match starts at an anchor is tried at
    each anchor in the window instead, which finds the same). `hits` are the CUES hits of a scan of the text, when it
    has been scanned already (see extract.text.scan)."""
    found = []
    inside: dict[int, list[tuple[int, int]]] = {}
    opened = []
    patterns = matcher.patterns
    if hits is None:  # "rob" in "robbery" anchors nothing: hits are whole words
        hits = scan(folded, folded, scanner=matcher.scanner).of(CUES)
    for start, end, (_, form, windowed, opening) in hits:
        previous = None
        for i in windowed:
            lead = patterns[i].lead
            if lead:
                if previous is None:  # the word right before the anchor
                    previous = folded[max(0, start - LEAD_CHARS) : start].rstrip().rsplit(" ", 1)[-1]
                if previous not in lead:
                    continue
            inside.setdefault(i, []).append((start, end))
        if opening:
            opened.append((start, opening))
        if form is not None:
            found.append(FormMatch(start, end, form))
    for start, opening in opened:
        # The first that matches right there, as one alternation of them would find. Compiled one by one, a pattern
        # that several anchors open (or a window is searched for) is compiled once, not once in each alternation: the
        # compiling in a process's first articles took 0.48 s of CPU, now 0.22 s (an alternation ran to 19,000
        # characters).
        for i in opening:
            if m := _compiled(matcher, i).match(folded, start):  # bounded, so a match cannot run past its reach
                found.append(FormMatch(m.start(), m.end(), patterns[i]))
                break
    for i in sorted(inside):
        form = patterns[i]
        regex = _compiled(matcher, i)
        before, after = form.reach
        anchored = i in matcher.at_anchors
        starts = sorted({s for s, _ in inside[i]}) if anchored else []
        k = 0
        for lo, hi in _merged([(max(0, s - before), e + after) for s, e in inside[i]]):
            # An anchor is a whole word; past it, the window ends at a word's end, where the closing \b holds.
            end = _word_end(folded, hi) if after else hi
            if not anchored:
                found += [FormMatch(m.start(), m.end(), form) for m in regex.finditer(folded, lo, end)]
                continue
            # What finditer over the window finds, tried only where a match can start: at its anchors. A match is
            # never empty (it holds an anchor), so the next try is past its end, as finditer's.
            free = lo
            while k < len(starts) and starts[k] < end:
                if starts[k] >= free and (m := regex.match(folded, starts[k], end)):
                    found.append(FormMatch(m.start(), m.end(), form))
                    free = m.end()
                k += 1
    return found


def _compiled(matcher: FormMatcher, i: int) -> re.Pattern[str]:
    """The regular expression of `matcher`'s pattern `i`, compiled the first time it is asked for."""
    regex = matcher.compiled.get(i)
    if regex is None:
        regex = matcher.compiled[i] = re.compile(matcher.patterns[i].pattern or "")
    return regex


_WORD_END = re.compile(r"\W|$")


def _word_end(folded: str, at: int) -> int:
    """The end of the word at offset `at` (or `at` itself between words): a window ending there lets no pattern's
    closing \\b match inside a word."""
    m = _WORD_END.search(folded, min(at, len(folded)))
    return m.start() if m else len(folded)


def _merged(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping (start, end) windows, in text order, merged into one."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(windows):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Print the generated forms, one a line: kind, text (or template), type, weapon, fatal, event, lemma."""
    parser = argparse.ArgumentParser(prog="python -m extract.text.lexicon", description=__doc__.splitlines()[0])
    parser.add_argument("--lemma", action="append", default=[], help="only this lemma (repeatable), e.g. 'break into'")
    parser.add_argument("--kind", action="append", default=[], choices=KINDS, help="only forms of this kind")
    parser.add_argument("--patterns", action="store_true", help="also print each pattern's regular expression")
    args = parser.parse_args(argv)
    try:
        forms = expand(load_lexicon())
    except ExtractError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    shown = [f for f in forms if (not args.lemma or f.lemma in args.lemma) and (not args.kind or f.kind in args.kind)]
    for f in shown:
        fatal = {True: "1", False: "0", None: ""}[f.fatal]
        line = f"{f.kind}\t{f.text}\t{f.type or ''}\t{f.weapon or ''}\t{fatal}\t{int(f.event)}\t{f.lemma}"
        print(line + (f"\t{f.pattern}" if args.patterns and f.pattern else ""))
    patterns = sum(f.pattern is not None for f in shown)
    print(f"{len(shown)} forms: {len(shown) - patterns} phrases, {patterns} patterns", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
