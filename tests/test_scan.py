"""One scan for several vocabularies (extract/text/scan.py): whole words only, exact keys as written, each
vocabulary's hits in its own automaton's order; and, on the project's data, the same hits as each vocabulary's own
scanner finds."""

import re
import sys

import pytest

from extract.geo.places import PLACES
from extract.reading.london import FOREIGN, INSTITUTIONS
from extract.text.folding import fold_text
from extract.text.lexicon import CUES
from extract.text.scan import Words, build_scanner, scan
from extract.text.signals import SIGNALS

WORDS = (
    Words("crimes", {"stabbed": "stab", "rob": "rob", "stabbed to death": "stab fatally"}),
    Words("times", {"on monday": "day", "monday": "weekday"}),
    Words("places", {"peckham": "area", "rye lane": "street", "peckham rye": "station"}),
    Words("signs", {"Essex Police": 1, "N.J.": 2, "essex": 3}, exact=True),
)


@pytest.fixture(scope="module")
def scanner():
    return build_scanner(WORDS)


def found(text, scanner, **options):
    hits = scan(text, fold_text(text), scanner=scanner, **options)
    return {name: [(text[s:e], value) for s, e, value in hits.of(name)] for name in scanner.names if hits.of(name)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "A man was stabbed to death on Monday.",
            {
                "crimes": [("stabbed", "stab"), ("stabbed to death", "stab fatally")],
                "times": [("on Monday", "day"), ("Monday", "weekday")],  # by end, the longer first
            },
            id="overlapping hits of two vocabularies",
        ),
        pytest.param(
            "Robbery and robbers on Rye-Lane by Peckham Rye.",
            {"places": [("Rye-Lane", "street"), ("Peckham", "area"), ("Peckham Rye", "station")]},
            id="whole words only, dashes folded",
        ),
        pytest.param(
            "Essex Police said ESSEX POLICE and essex police met in Trenton, N.J. and U.N.J.",
            {"signs": [("Essex Police", 1), ("essex", 3), ("N.J.", 2), ("N.J.", 2)]},  # "." is no word character
            id="exact keys as written",
        ),
        pytest.param("Stabbed_x, 2rob, rob2, \u00e9rob", {}, id="letters, digits and underscores join words"),
        pytest.param("", {}, id="no text"),
    ],
)
def test_scan(scanner, text, expected):
    assert found(text, scanner) == expected


def test_scan_of_one_vocabulary(scanner):
    assert found("Stabbed in Peckham on Monday.", scanner, only="places") == {"places": [("Peckham", "area")]}


def test_scan_gives_hits_with_offsets(scanner):
    text = "Police in Peckham."
    assert scan(text, fold_text(text), scanner=scanner).of("places") == ((10, 17, "area"),)


def test_exact_keys_folded_alike_keep_their_own_values():
    scanner = build_scanner([Words("w", {"Knife": 1, "KNIFE": 2}, exact=True), Words("v", {"knife": 3})])
    assert found("a KNIFE, a knife, a Knife", scanner) == {
        "w": [("KNIFE", 2), ("Knife", 1)],
        "v": [("KNIFE", 3), ("knife", 3), ("Knife", 3)],
    }


def test_a_key_of_no_vocabulary_given_finds_nothing():
    assert found("anything at all", build_scanner([])) == {}


def test_folding_keeps_which_characters_are_word_characters():
    """A scan tests word boundaries in the folded text: they are the text's own."""
    word = re.compile(r"\w")
    differ = [
        hex(i) for i in range(sys.maxunicode + 1) if bool(word.match(chr(i))) is not bool(word.match(fold_text(chr(i))))
    ]
    assert differ == []


TEXTS = (
    "A 17-year-old boy was stabbed to death on Rye Lane in Peckham on Monday night, the Metropolitan Police said.",
    "Police were called to Brixton Road at 9pm after a robbery; the Met and British Transport Police attended.",
    "Essex Police said a man from Leeds was shot in Toronto, Ontario, and Scotland Yard was told. N.J. Canada.",
    "Read more: Man robbed in Camberwell Green\nA woman was attacked near Denmark Hill station in south-east London.",
)


@pytest.mark.parametrize("text", TEXTS)
def test_one_scan_finds_what_each_vocabulary_finds_alone(small_extractor, text):
    folded = fold_text(text)
    together = scan(text, folded, scanner=small_extractor.scanner)
    alone = {
        PLACES: scan(text, folded, scanner=small_extractor.matcher.scanner, only=PLACES),
        CUES: scan(text, folded, scanner=small_extractor.vocab.matcher.scanner),
        SIGNALS: scan(text, folded, scanner=small_extractor.signals.scanner),
        FOREIGN: scan(text, folded, scanner=small_extractor.signs.scanner),
        INSTITUTIONS: scan(text, folded, scanner=small_extractor.signs.scanner),
    }
    assert set(small_extractor.scanner.names) == set(alone)
    for name, hits in alone.items():
        assert together.of(name) == hits.of(name), name


def test_the_texts_compared_have_hits_of_every_vocabulary(small_extractor):
    names = {name for text in TEXTS for name in scan(text, fold_text(text), scanner=small_extractor.scanner).by_name}
    assert names == set(small_extractor.scanner.names)
