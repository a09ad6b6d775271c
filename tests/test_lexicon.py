"""The generative crime lexicon: inflection, the forms generated from data/crime_lemmas.csv, matching them in text,
and the errors a bad lexicon file gives."""

import dataclasses
import re
import shutil

import pytest

from extract.datafiles import DATA_DIR
from extract.evaluation.phrasing import load_suite
from extract.records import ExtractError
from extract.text.cues import load_vocabulary
from extract.text.folding import fold_text
from extract.text.lexicon import (
    CUES,
    Form,
    FormMatch,
    compile_forms,
    every_form,
    expand,
    find_forms,
    load_lexicon,
    main,
    regular_ing,
    regular_past,
    regular_third,
    starts_at_anchor,
)
from extract.text.scan import scan

LEXICON_FILES = ("crime_types.csv", "crime_lemmas.csv", "crime_lexicon_words.csv", "crime_weapons.csv")
LEXICON_FILES += ("crime_methods.csv",)


@pytest.fixture(scope="module")
def forms() -> tuple[Form, ...]:
    return expand(load_lexicon())


@pytest.fixture(scope="module")
def matcher(forms):
    return compile_forms(forms)


@pytest.mark.parametrize(
    ("verb", "past", "ing", "third"),
    [
        ("attack", "attacked", "attacking", "attacks"),
        ("burgle", "burgled", "burgling", "burgles"),
        ("knife", "knifed", "knifing", "knifes"),
        ("punch", "punched", "punching", "punches"),
        ("harass", "harassed", "harassing", "harasses"),
        ("bully", "bullied", "bullying", "bullies"),
        ("tie", "tied", "tying", "ties"),
        ("flee", "fleed", "fleeing", "flees"),  # irregular verbs spell their past in the file
    ],
)
def test_regular_forms(verb, past, ing, third):
    assert (regular_past(verb), regular_ing(verb), regular_third(verb)) == (past, ing, third)


def test_irregular_and_particle_lemmas_read_from_the_file():
    lemmas = {(lemma.lemma, lemma.particle): lemma for lemma in load_lexicon().lemmas}
    steal = lemmas["steal", ""]
    assert (steal.past, steal.participle, steal.ing, steal.third) == (("stole",), ("stolen",), "stealing", "steals")
    assert steal.objects == (("thing", None), ("vehicle", "vehicle_crime"), ("bicycle", "bicycle_theft"))
    mow = lemmas["mow", "down"]
    assert (mow.past, mow.participle, mow.type, mow.weapon) == (("mowed",), ("mown", "mowed"), "hit_and_run", "vehicle")
    sexual = lemmas["sexually assault", ""]
    assert (sexual.past, sexual.ing, sexual.third) == (
        ("sexually assaulted",),
        "sexually assaulting",
        "sexually assaults",
    )


@pytest.mark.parametrize(
    ("lemma", "kind", "text"),
    [
        ("stab", "bare", "stabbed"),
        ("stab", "passive", "is stabbed"),
        ("stab", "passive", "was stabbed"),
        ("stab", "passive", "were stabbed"),
        ("stab", "passive", "got stabbed"),
        ("stab", "passive", "gets stabbed"),
        ("stab", "passive", "being stabbed"),
        ("stab", "passive", "been stabbed"),
        ("stab", "passive", "had been stabbed"),
        ("stab", "passive", "has been stabbed"),
        ("stab", "passive", "<auxiliary> <adverb>{1,2} stabbed"),
        ("stab", "active", "stabbed him"),
        ("stab", "active", "stabbed|stabbing <person>"),
        ("stab", "active", "stab|stabs <person>"),
        ("stab", "attempt", "tried to stab"),
        ("stab", "noun", "stabbing"),
        ("stab", "fatal", "stabbed to death"),
        ("stab", "fatal", "was stabbed to death"),
        ("stab", "fatal", "fatally stabbed"),
        ("stab", "fatal", "died after being stabbed"),
        ("shoot", "fatal", "shot dead"),
        ("shoot", "fatal", "shot and killed"),
        ("shoot", "passive", "got shot"),
        ("rob", "attempt", "tried to rob"),
        ("rob", "attempt", "<attempt> to rob <place>"),
        ("rob", "active", "robbed|robbing <place>"),
        ("rob", "bare", "robbed"),
        ("kill", "bare", "killed"),
        ("kill", "noun", "killer"),
        ("beat", "bare", "beaten"),
        ("steal", "bare", "stolen <vehicle>"),
        ("steal", "passive", "<vehicle> <auxiliary> <adverb>{0,2} stolen"),
        ("shoot at", "passive", "was shot at"),
        ("indecently expose himself", "bare", "indecently exposed himself"),
        ("break into", "bare", "broke into"),
        ("break into", "passive", "was broken into"),
        ("break into", "attempt", "attempted to break into"),
        ("break into", "passive", "<vehicle> <auxiliary> <adverb>{0,2} broken into"),
        ("set upon", "passive", "was set upon"),
        ("set upon", "active", "set upon him"),
        ("set fire to", "attempt", "tried to set fire to"),
        ("mow down", "passive", "was mown down"),
        ("mow down", "passive", "was mowed down"),
        ("beat", "fatal", "beaten to death"),
        ("steal", "passive", "<bicycle> <auxiliary> <adverb>{0,2} stolen"),
        ("at knifepoint", "method", "at knifepoint"),
        ("armed with <weapon>", "method", "armed with <knife weapon>"),
        ("brandishing <weapon>", "method", "brandishing <gun weapon>"),
        ("dealing <drug>", "method", "dealing <drug>"),
    ],
)
def test_form_is_generated(forms, lemma, kind, text):
    assert [(f.lemma, f.kind) for f in forms if f.text == text and f.lemma == lemma] == [(lemma, kind)]


@pytest.mark.parametrize(
    "text",
    [
        "shot",  # sport, filming, vaccines: a shooting needs a passive, an object or a fatal form
        "beat",  # "beat their rivals": only "beaten" stands alone
        "struck",
        "was struck",  # "struck by lightning"
    ],
)
def test_ambiguous_bare_forms_are_not_generated(forms, text):
    assert [f for f in forms if f.text == text] == []


@pytest.mark.parametrize("text", ["killed", "stole", "robbed", "held up", "slashed"])
def test_ambiguous_bare_forms_are_generated_for_the_cue_reader(forms, text):
    """ "killed the bill", "stole the show", "slashed prices": rejected by their context (extract.text.senses)."""
    assert [f.ambiguous for f in forms if f.text == text] == [True]


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("stabbed a man", True),
        ("stabbing a man", True),
        ("stabs a man", False),  # a habit, or a headline's present
        ("stab a man", False),  # "will stab a man", "to stab a man"
        ("stabs him", False),
        ("stabbed him", True),
    ],
)
def test_the_simple_present_tells_no_event(matcher, text, event):
    assert [m.form.event for m in find_forms(text, matcher=matcher)] == [event]


def test_forms_are_folded_and_anchored(forms):
    for f in forms:
        if f.pattern is None:
            assert fold_text(f.text) == f.text and f.anchors == ()
        else:
            assert f.anchors and all(fold_text(a) == a for a in f.anchors)
            re.compile(f.pattern)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "A man was repeatedly stabbed on Rye Lane.",
            [("was repeatedly stabbed", "stab", "passive", "stabbing", "knife", None)],
        ),
        (
            "He was allegedly brutally attacked.",
            [("was allegedly brutally attacked", "attack", "passive", "assault", None, None)],
        ),
        ("A teenager got stabbed on Saturday.", [("got stabbed", "stab", "passive", "stabbing", "knife", None)]),
        ("A man had been shot twice.", [("had been shot", "shoot", "passive", "shooting", "gun", None)]),
        ("after being mugged at a cash machine", [("being mugged", "mug", "passive", "robbery", None, None)]),
        (
            "Thieves robbed a jeweller's in Hatton Garden.",
            [("robbed a jeweller's", "rob", "active", "robbery", None, None)],
        ),
        (
            "A gunman shot a 17-year-old boy outside.",
            [("shot a 17 year old boy", "shoot", "active", "shooting", "gun", None)],
        ),
        (
            "A man stabbed a 16-year-old on Monday.",
            [("stabbed a 16 year old", "stab", "active", "stabbing", "knife", None)],
        ),
        (
            "Moped thieves snatched a phone.",
            [("snatched a phone", "snatch", "active", "theft_from_person", None, None)],
        ),
        ("A gang snatched a businessman.", [("snatched a businessman", "snatch", "active", "kidnapping", None, None)]),
        (
            "Thieves snatched a woman's phone.",
            [("snatched a woman's phone", "snatch", "active", "theft_from_person", None, None)],
        ),
        ("Thieves stole a Range Rover.", [("stole a range rover", "steal", "active", "vehicle_crime", None, None)]),
        ("A thief stole an e-bike.", [("stole an e bike", "steal", "active", "bicycle_theft", None, None)]),
        ("A racing bike was stolen.", [("bike was stolen", "steal", "passive", "bicycle_theft", None, None)]),
        (
            "Three cars have been broken into.",
            [("cars have been broken into", "break into", "passive", "vehicle_crime", None, None)],
        ),
        ("Thieves broke into a pharmacy.", [("broke into a pharmacy", "break into", "active", "burglary", None, None)]),
        ("Four youths set upon a man.", [("set upon a man", "set upon", "active", "assault", None, None)]),
        ("He tried to murder his wife.", [("tried to murder his wife", "murder", "attempt", "homicide", None, False)]),
        (
            "A man tried to rob a post office.",
            [("tried to rob a post office", "rob", "attempt", "robbery", None, None)],
        ),
        (
            "A 17-year-old boy was stabbed to death.",
            [("was stabbed to death", "stab", "fatal", "stabbing", "knife", True)],
        ),
        (
            "He was brutally beaten to death.",
            [("was brutally beaten to death", "beat", "fatal", "homicide", "none", True)],
        ),
        (
            "A man stabbed his neighbour to death.",
            [("stabbed his neighbour to death", "stab", "fatal", "stabbing", "knife", True)],
        ),
        ("A teenager was fatally stabbed.", [("fatally stabbed", "stab", "fatal", "stabbing", "knife", True)]),
        ("Gunmen shot and killed a man.", [("shot and killed a man", "shoot", "fatal", "shooting", "gun", True)]),
        ("A man died after being attacked.", [("died after being attacked", "attack", "fatal", "assault", None, True)]),
        ("A man was fatally wounded by gunfire.", [("fatally wounded", "wound", "fatal", None, None, True)]),
        (
            "A man armed with a large kitchen knife.",
            [
                (
                    "armed with a large kitchen knife",
                    "armed with <weapon>",
                    "method",
                    "weapons_possession",
                    "knife",
                    None,
                )
            ],
        ),
        (
            "Two men brandishing machetes.",
            [("brandishing machetes", "brandishing <weapon>", "method", "weapons_possession", "knife", None)],
        ),
        (
            "A loaded handgun was found in a bin.",
            [("a loaded handgun was found", "<weapon> was found", "method", "weapons_possession", "gun", None)],
        ),
        (
            "Bicycles are being stolen to order.",
            [("bicycles are being stolen", "steal", "passive", "bicycle_theft", None, None)],
        ),
        ("Police found two stolen mopeds.", [("stolen mopeds", "steal", "bare", "vehicle_crime", None, None)]),
        ("A woman was pushed down the stairs.", [("was pushed", "push", "passive", "assault", "none", None)]),
        (
            "A man indecently exposed himself to a woman.",
            [("indecently exposed himself", "indecently expose himself", "bare", "sexual_offence", None, None)],
        ),
        (
            "He was attacked with a hammer.",
            [("attacked with a hammer", "attacked with <weapon>", "method", "assault", "other", None)],
        ),
        (
            "She was sprayed with a noxious substance.",
            [("sprayed with a noxious substance", "sprayed with <weapon>", "method", "acid_attack", "corrosive", None)],
        ),
        (
            "He was robbed at knifepoint.",
            [
                ("was robbed", "rob", "passive", "robbery", None, None),
                ("at knifepoint", "at knifepoint", "method", "robbery", "knife", None),
            ],
        ),
        (
            "A rider had acid thrown in his face.",
            [("acid thrown", "<weapon> thrown", "method", "acid_attack", "corrosive", None)],
        ),
        (
            "Two men threw a noxious liquid at a driver.",
            [("threw a noxious liquid at", "threw <weapon> at", "method", "acid_attack", "corrosive", None)],
        ),
        (
            "He was caught carrying a zombie knife.",
            [("carrying a zombie knife", "carrying <weapon>", "method", "weapons_possession", "knife", None)],
        ),
        (
            "Gunmen fired into a crowded bar.",
            [("fired into a crowded bar", "fire into", "active", "shooting", "gun", None)],
        ),
        (
            "A teenager was caught dealing crack cocaine.",
            [("dealing crack cocaine", "dealing <drug>", "method", "drugs", None, None)],
        ),
        (
            "A woman was sexually assaulted.",
            [("was sexually assaulted", "sexually assault", "passive", "sexual_offence", None, None)],
        ),
        ("A cyclist was mown down.", [("was mown down", "mow down", "passive", "hit_and_run", "vehicle", None)]),
    ],
)
def test_find_forms(matcher, text, found):
    matches = find_forms(text, matcher=matcher)
    folded = fold_text(text)
    assert [
        (folded[m.start : m.end], m.form.lemma, m.form.kind, m.form.type, m.form.weapon, m.form.fatal) for m in matches
    ] == found


@pytest.mark.parametrize(
    "text",
    [
        "Kane shot past the keeper from 20 yards.",
        "Spurs shot their way to victory on Saturday.",
        "The home side struck twice in the second half.",
        "Commuters were killing time in a cafe.",
        "A man had a stroke while shopping.",
        "Hundreds queued for a shot of the flu vaccine.",
        "The council leader said the cut had struck a blow to youth clubs.",
    ],
)
def test_figurative_uses_without_a_frame_match_nothing(matcher, text):
    """Nouns ("killing") are found but report no event; the bare forms of ambiguous verbs ("killed the bill") are
    left to the cue reader's context rules (tests/test_senses.py)."""
    assert [fold_text(text)[m.start : m.end] for m in find_forms(text, matcher=matcher) if m.form.event] == []


def test_a_word_inside_another_is_not_a_form(matcher):
    assert find_forms("The restabbed and unshot.", matcher=matcher) == []


def windowed(pattern: str, anchors: str) -> Form:
    return Form(pattern, pattern, tuple(anchors.split("|")), "", "pattern", "theft", None, None, True)


@pytest.mark.parametrize(
    ("pattern", "anchors", "starts"),
    [
        (r"\b(stole|took)( \S+){0,8} from (a|the) (shop|store)\b", "stole|took", True),
        (r"\btreat(ed|ing)( \w+){0,12} as arson\b", "treated|treating", True),
        (r"\bhit and run (mugging|robbery)\b", "hit and run", True),
        (r"(?<!officers )(?<!police )\b(stormed|burst into) (a|the) (shop|bank)\b", "stormed|burst into", True),
        (r"\bheadbutt(s|ed|ing)?\b", "headbutt|headbutts|headbutted|headbutting", False),  # the ? is no fixed text
        (r"\b(stole|took)( \S+){0,8} from (a|the) (shop|store)\b", "stole", False),  # "took" starts no anchor
        (r"\b(stole|took)( \S+){0,8} from (a|the) (shop|store)\b", "from", False),  # an anchor inside it
        (r"(stole|took) from (a|the) shop\b", "stole|took", False),  # no word boundary first: "mistook from"
        (r"\b(stole|took)\S* from (a|the) shop\b", "stole|took", False),  # "stolen" goes on past the anchor
        (r"\b(stole|took)(\S+ ){0,2}from\b", "stole|took", False),  # a word character may follow the anchor
        (r"\b(stole|took)", "stole|took", False),  # whatever follows may go on with the word
        (r"\b(stole|took)\b", "stole|took", True),
        (r"\b(stole|took)(?= (a|the)\b)", "stole|took", False),  # a look-ahead is not read: safely no
        (r"\bstole(n)? (a|the) (car|van)\b", "stole|stolen", False),  # the optional "n": not fixed text
        (r"\b(stole|took)n? (a|the) (car|van)\b", "stole|took", False),  # "stolen" goes past the anchor
        # A flag changes what the pattern's letters or \b match, which the anchors' scan does not follow.
        (r"(?i)\bstole\b", "stole", False),  # "ſtole": "s" matches "ſ", which folding keeps
        (r"\b(?i:stole)\b", "stole", False),
        (r"(?a)\bstole\b", "stole", False),  # "éstole": \b before "s" under ASCII rules, no whole word to the scan
        (r"\bstole(?a:\b)", "stole", False),
        (r"\b(stole|(?:to(?i:o)k))\b", "stole|took", False),  # a flag deep inside an alternation
    ],
)
def test_starts_at_anchor(pattern, anchors, starts):
    """A pattern searched in a window is matched at its anchors instead only when every match must start there."""
    assert starts_at_anchor(windowed(pattern, anchors)) is starts


def test_matching_at_anchors_finds_what_the_window_search_finds():
    """Every form found, overlapping ones and their order included, is the same whether the patterns that start at
    their anchors are matched there or searched in their windows, on the phrasing suites' sentences (their own, made
    up) and on texts packing the listed patterns' anchors close together, where windows merge and matches overlap."""
    matcher = load_vocabulary().matcher
    searched = dataclasses.replace(matcher, at_anchors=frozenset(), compiled={})
    assert len(matcher.at_anchors) > 20  # the listed patterns that open with their anchors
    texts = [
        case.sentence
        for directory in sorted(DATA_DIR.glob("evaluation/phrasing*"))
        for case in (*load_suite(directory).crimes, *load_suite(directory).figurative)
    ]
    anchors = sorted({a for i in matcher.at_anchors for a in matcher.patterns[i].anchors})
    fillers = ("a phone from the shop", "his wallet from her bag", "the car", "from a van", "into a crowd", "and")
    for n in range(len(anchors)):
        texts.append(
            " ".join(f"{anchors[(n + k) % len(anchors)]} {fillers[(n * k) % len(fillers)]}" for k in range(12))
        )
    folded = [fold_text(text) for text in texts]
    found = [every_form(text, matcher=matcher) for text in folded]
    assert found == [every_form(text, matcher=searched) for text in folded]
    anchored = {matcher.patterns[i] for i in matcher.at_anchors}
    assert sum(m.form in anchored for forms in found for m in forms) > 100


def test_an_anchors_patterns_are_tried_in_turn_each_compiled_once():
    """The patterns an anchor opens are tried in turn right there, and the first that matches is found, as one
    alternation of them would find it; each pattern is compiled once, whichever anchors open it (on the phrasing
    suites' sentences)."""
    matcher = dataclasses.replace(load_vocabulary().matcher, compiled={})
    patterns = matcher.patterns
    folded = [
        fold_text(case.sentence)
        for directory in sorted(DATA_DIR.glob("evaluation/phrasing*"))
        for case in (*load_suite(directory).crimes, *load_suite(directory).figurative)
    ]
    found = [every_form(text, matcher=matcher) for text in folded]
    assert matcher.compiled and all(regex.pattern == patterns[i].pattern for i, regex in matcher.compiled.items())
    tried = 0
    for text, forms in zip(folded, found, strict=True):
        for start, _, (_, _, _, opening) in scan(text, text, scanner=matcher.scanner).of(CUES):
            if len(opening) < 2:
                continue
            one = re.compile("|".join(f"(?P<p{i}>{patterns[i].pattern})" for i in opening))
            opened = {patterns[i] for i in opening}
            here = [f for f in forms if f.start == start and f.form in opened]
            if m := one.match(text, start):
                tried += m.lastgroup != f"p{opening[0]}"  # a later pattern's match: the first did not match
                assert here == [FormMatch(m.start(), m.end(), patterns[int(m.lastgroup[1:])])]
            else:
                assert here == []
    assert tried > 10


def copy_lexicon(tmp_path):
    for name in LEXICON_FILES:
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


HEADER = "lemma,past,participle,ing,particle,type,weapon,fatal,frames,objects,fatal_forms,fatal_type,nouns,ambiguous\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "crime_lemmas.csv",
            HEADER + "stab,,,,,knifing,,,bare,,,,,\n",
            "crime_lemmas.csv: row 1: unknown incident type 'knifing'",
        ),
        (
            "crime_lemmas.csv",
            HEADER + "stab,,,,,stabbing,sword,,bare,,,,,\n",
            "crime_lemmas.csv: row 1: unknown weapon 'sword'",
        ),
        (
            "crime_lemmas.csv",
            HEADER + "stab,,,,,stabbing,,2,bare,,,,,\n",
            "crime_lemmas.csv: row 1: fatal must be blank, 0 or 1, not '2'",
        ),
        (
            "crime_lemmas.csv",
            HEADER + "stab,,,,,stabbing,,,passive|shout,,,,,\n",
            "crime_lemmas.csv: row 1: unknown frame shout",
        ),
        (
            "crime_lemmas.csv",
            HEADER + "stab,,,,,stabbing,,,active,animal,,,,\n",
            "crime_lemmas.csv: row 1: unknown object animal",
        ),
        (
            "crime_lemmas.csv",
            HEADER + "stab,,,,,stabbing,,,active,,,,,\n",
            "crime_lemmas.csv: row 1: the active frame needs objects",
        ),
        (
            "crime_lemmas.csv",
            HEADER + "stab,,,,,stabbing,,,bare,,to hell,,,\n",
            "crime_lemmas.csv: row 1: unknown fatal form to hell",
        ),
        (
            "crime_lemmas.csv",
            HEADER + "Stab,,,,,stabbing,,,bare,,,,,\n",
            "crime_lemmas.csv: row 1: 'Stab' must be a non-empty lower-case phrase",
        ),
        ("crime_lemmas.csv", HEADER + "stab,,,,,stabbing\n", "crime_lemmas.csv: row 1 lacks weapon, fatal, frames"),
        (
            "crime_lemmas.csv",
            HEADER + "stab,,,,,stabbing,,,bare,,,,,yes\n",
            "crime_lemmas.csv: row 1: ambiguous must be blank, 0 or 1, not 'yes'",
        ),
        (
            "crime_lemmas.csv",
            HEADER + "stab,stabbed,,,,stabbing,knife,,bare,,,,,\nstab,stabbed,,,,assault,,,bare,,,,,\n",
            "'stabbed' is a form of both 'stab' and 'stab', read differently",
        ),
        ("crime_lexicon_words.csv", "slot,word\nadverb,badly\nadverb,badly\n", "row 2: 'badly' is already a adverb"),
        ("crime_lexicon_words.csv", "slot,word\nadjective,big\n", "row 1: unknown slot 'adjective'"),
        (
            "crime_weapons.csv",
            "noun,weapon,attack_type\nspoon,cutlery,assault\n",
            "crime_weapons.csv: row 1: unknown weapon 'cutlery'",
        ),
        (
            "crime_methods.csv",
            "template,type,weapon,fatal,event\nat knifepoint,heist,,,1\n",
            "crime_methods.csv: row 1: unknown incident type 'heist'",
        ),
    ],
)
def test_load_lexicon_fail(tmp_path, name, content, message):
    directory = copy_lexicon(tmp_path)
    (directory / name).write_text(content, encoding="utf-8")
    with pytest.raises(ExtractError, match=re.escape(message)):
        expand(load_lexicon(directory))


def test_load_lexicon_missing_file(tmp_path):
    directory = copy_lexicon(tmp_path)
    (directory / "crime_methods.csv").unlink()
    with pytest.raises(ExtractError, match="crime_methods.csv: cannot read the lexicon file"):
        load_lexicon(directory)


def test_main_prints_the_forms(capsys):
    assert main(["--lemma", "set upon", "--kind", "bare", "--kind", "attempt"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["bare\tset upon\tassault\t\t\t1\tset upon"]
    assert err == "1 forms: 1 phrases, 0 patterns\n"


def test_main_prints_patterns(capsys):
    assert main(["--lemma", "hold up", "--patterns"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("active")]
    assert [line.split("\t")[:2] for line in lines[-6:]] == [
        ["active", "held up|holding up <person>"],
        ["active", "hold up|holds up <person>"],
        ["active", "held up|holding up <place>"],
        ["active", "hold up|holds up <place>"],
        ["active", "held up|holding up <vehicle>"],
        ["active", "hold up|holds up <vehicle>"],
    ]
    assert all(len(line.split("\t")) == 8 for line in lines if line.split("\t")[1].endswith(">"))
