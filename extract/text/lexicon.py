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

import ahocorasick

from extract.datafiles import DATA_DIR, read_rows
from extract.records import WEAPONS, ExtractError
from extract.text.folding import fold_text
from extract.text.spans import longest_first, whole_word

FRAMES = ("bare", "passive", "active", "attempt", "noun")
OBJECT_SLOTS = ("person", "place", "vehicle", "bicycle", "thing")
WORD_SLOTS = ("auxiliary", "adverb", "attempt", "determiner", "pronoun", "stopword", *OBJECT_SLOTS, "drug")
FATAL_FORMS = ("to death", "fatally", "dead", "and killed")
KINDS = ("bare", "passive", "active", "attempt", "noun", "fatal", "method")
DIED_AFTER = ("died after being", "dies after being")  # the victim's death told after the attack, in one phrase
MAX_ADVERBS = 2  # "was allegedly brutally attacked"; three in a row is rare and would loosen the pattern
MAX_MODIFIERS = 2  # words between an object's determiner and its noun ("a young delivery rider")
AGE = r"(?: \d+ years? old)?"  # "a 17-year-old boy", folded: the age is not one of the modifiers


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


@dataclass(frozen=True, slots=True)
class FormMatch:
    """A form found in a text, with its character offsets."""

    start: int
    end: int
    form: Form


@dataclass(frozen=True, slots=True)
class FormMatcher:
    """The literal forms and the patterns' anchor words in one automaton (phrase -> its literal form or None, and
    the indices of the patterns it anchors), the pattern forms, and their regular expressions once compiled."""

    automaton: ahocorasick.Automaton
    patterns: tuple[Form, ...]
    compiled: dict[int, re.Pattern[str]]  # filled on first use: a text anchors few of the patterns


def load_lexicon(directory: str | Path = DATA_DIR) -> Lexicon:
    """Read crime_lemmas.csv, crime_lexicon_words.csv, crime_weapons.csv and crime_methods.csv from `directory`;
    raises ExtractError naming the file and row of a bad row."""
    directory = Path(directory)
    types = {r["slug"] for r in read_rows(directory / "crime_types.csv")}
    words: dict[str, list[str]] = {slot: [] for slot in WORD_SLOTS}
    for n, row in _rows(directory / "crime_lexicon_words.csv", ("slot", "word")):
        where = f"{directory / 'crime_lexicon_words.csv'}: row {n}"
        if row["slot"] not in words:
            raise ExtractError(f"{where}: unknown slot {row['slot']!r} (one of {', '.join(WORD_SLOTS)})")
        if row["word"] in words[row["slot"]]:
            raise ExtractError(f"{where}: {row['word']!r} is already a {row['slot']}")
        words[row["slot"]].append(_folded(row["word"], where))
    weapons = []
    for n, row in _rows(directory / "crime_weapons.csv", ("noun", "weapon", "attack_type")):
        where = f"{directory / 'crime_weapons.csv'}: row {n}"
        weapons.append(
            Weapon(_folded(row["noun"], where), _weapon(row["weapon"], where), _type(row["attack_type"], types, where))
        )
    methods = []
    for n, row in _rows(directory / "crime_methods.csv", ("template", "type", "weapon", "fatal", "event")):
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
        *("fatal_forms", "fatal_type", "nouns"),
    )
    lemmas = [
        _lemma(row, types, f"{directory / 'crime_lemmas.csv'}: row {n}")
        for n, row in _rows(directory / "crime_lemmas.csv", columns)
    ]
    return Lexicon(tuple(lemmas), {k: tuple(v) for k, v in words.items()}, tuple(weapons), tuple(methods))


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The numbered rows of a lexicon file with every column, stripped."""
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


def _flag(value: str, where: str) -> bool | None:
    if value not in ("", "0", "1"):
        raise ExtractError(f"{where}: fatal must be blank, 0 or 1, not {value!r}")
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


def _any(words: Iterable[str]) -> str:
    """A non-capturing alternation of literal words, longest first so that "had been" is tried before "been"."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))) + ")"


def noun_phrase(nouns: Iterable[str], words: dict[str, tuple[str, ...]], *, first: bool = False) -> str:
    """A bounded pattern for " a 17-year-old delivery rider": a determiner or a number with an age and up to
    MAX_MODIFIERS words that are not stopwords, then one of `nouns`; or the noun alone ("robbed shoppers"). It
    starts with a space, unless `first` (the phrase opens the pattern: "acid thrown")."""
    modifier = rf"(?!{_any(words['stopword'])}\b)[\w']+"
    lead = rf"(?:{_any(words['determiner'])}|\d+){AGE}(?: {modifier}){{0,{MAX_MODIFIERS}}}"
    return rf"(?:{lead} )?{_any(nouns)}" if first else rf"(?: {lead})? {_any(nouns)}"


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
        return Form(text, None, (), name, kind, type_, lemma.weapon, fatal, event)

    def pattern(template: str, regex: str, anchors: Iterable[str], kind: str, type_: str | None, fatal: bool | None):
        return Form(
            template, rf"\b{regex}\b", tuple(dict.fromkeys(anchors)), name, kind, type_, lemma.weapon, fatal, True
        )

    participles = [v(p) for p in lemma.participle]
    pasts = [v(p) for p in lemma.past]
    aux, adverbs = _any(words["auxiliary"]), _any(words["adverb"])
    adverb_gap = f"(?: {adverbs}){{1,{MAX_ADVERBS}}}"
    to_death = "to death" in lemma.fatal_forms
    if "bare" in lemma.frames:
        yield from (literal(p, "bare") for p in dict.fromkeys(pasts + participles))
    if "passive" in lemma.frames:
        for a in words["auxiliary"]:
            yield from (literal(f"{a} {p}", "passive") for p in participles)
            if to_death:
                yield from (literal(f"{a} {p} to death", "fatal", fatal=True) for p in participles)
        template = f"<auxiliary> <adverb>{{1,{MAX_ADVERBS}}} {'|'.join(participles)}"
        yield pattern(
            template, f"{aux}{adverb_gap} {_any(participles)}", participles, "passive", lemma.type, lemma.fatal
        )
        if to_death:
            regex = f"{aux}{adverb_gap} {_any(participles)} to death"
            yield pattern(template + " to death", regex, participles, "fatal", fatal_type, True)
        if any(slot == "person" for slot, _ in lemma.objects):
            yield from (literal(f"{d} {p}", "fatal", fatal=True) for d in DIED_AFTER for p in participles)
        for slot, slug in lemma.objects:
            if slug:  # "a car was stolen" is vehicle crime, as "stole a car" is
                regex = f"{_any(words[slot])} {aux}(?: {adverbs}){{0,{MAX_ADVERBS}}} {_any(participles)}"
                template = f"<{slot}> <auxiliary> <adverb>{{0,{MAX_ADVERBS}}} {'|'.join(participles)}"
                yield pattern(template, regex, participles, "passive", slug, lemma.fatal)
    if "active" in lemma.frames:
        verbs = list(dict.fromkeys(pasts + [v(lemma.lemma), v(lemma.third), v(lemma.ing)]))
        for slot, slug in lemma.objects:
            if slot == "person":
                for verb in verbs:
                    yield from (literal(f"{verb} {p}", "active") for p in words["pronoun"])
            obj = noun_phrase(words[slot], words)
            template = f"{'|'.join(verbs)} <{slot}>"
            type_ = slug or lemma.type
            yield pattern(template, f"{_any(verbs)}{obj}", verbs, "active", type_, lemma.fatal)
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
            yield pattern(template, regex, [v(lemma.lemma)], "attempt", slug or lemma.type, tried)
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
            phrase = noun_phrase(nouns, lexicon.words, first=not before.strip())
            regex = re.escape(before.strip()) + phrase + re.escape(after.rstrip())
            type_ = attack_type if method.type == "<weapon>" else method.type
            weapon_ = weapon if method.weapon == "<weapon>" else method.weapon
            text = method.template.replace("<weapon>", f"<{weapon} weapon>")
            anchors = (before.split(" ")[0] if before.strip() else after.split()[0],)  # "<weapon> thrown": "thrown"
            yield Form(text, rf"\b{regex}\b", anchors, name, "method", type_, weapon_, method.fatal, method.event)
    elif "<drug>" in method.template:
        before, _, after = method.template.partition("<drug>")
        regex = f"{re.escape(before)}{_any(lexicon.words['drug'])}{re.escape(after)}"
        anchors = (before.split(" ")[0],)
        pattern = rf"\b{regex}\b"
        yield Form(name, pattern, anchors, name, "method", method.type, method.weapon, method.fatal, method.event)
    else:
        yield Form(name, None, (), name, "method", method.type, method.weapon, method.fatal, method.event)


def compile_forms(forms: Iterable[Form]) -> FormMatcher:
    """Put the literal forms and the anchor words of the pattern forms in one Aho-Corasick automaton."""
    entries: dict[str, tuple[Form | None, list[int]]] = {}
    patterns: list[Form] = []
    for form in forms:
        if form.pattern is None:
            entries[form.text] = (form, entries.get(form.text, (None, []))[1])
            continue
        for anchor in form.anchors:
            entries.setdefault(anchor, (None, []))[1].append(len(patterns))
        patterns.append(form)
    automaton = ahocorasick.Automaton()
    for phrase, (literal, anchored) in entries.items():
        automaton.add_word(phrase, (phrase, literal, tuple(anchored)))
    automaton.make_automaton()
    return FormMatcher(automaton, tuple(patterns), {})


def find_forms(text: str, *, matcher: FormMatcher, folded: str | None = None) -> list[FormMatch]:
    """Return the forms found in `text` as whole words, longest first without overlaps, in text order; a pattern
    is run only when the automaton has found one of its anchors."""
    folded = fold_text(text) if folded is None else folded
    found = []
    anchored: set[int] = set()
    if len(matcher.automaton):
        for end, (phrase, form, indices) in matcher.automaton.iter(folded):
            anchored.update(indices)
            start = end - len(phrase) + 1
            if form is not None and whole_word(folded, start, end + 1):
                found.append(FormMatch(start, end + 1, form))
    for i in sorted(anchored):
        regex = matcher.compiled.get(i)
        if regex is None:
            regex = matcher.compiled[i] = re.compile(matcher.patterns[i].pattern or "")
        found += [FormMatch(m.start(), m.end(), matcher.patterns[i]) for m in regex.finditer(folded)]
    return longest_first(found)


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
