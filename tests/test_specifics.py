"""Specifics of a story for event matching: people named, distinctive words, follow-ups, wording signatures."""

import random
import re

import numpy as np
import pytest
from datasketch import MinHash

from extract.text.folding import fold_text
from extract.text.specifics import (
    Specifics,
    _word_before,
    find_specifics,
    load_specifics_vocabulary,
    text_bands,
    text_signature,
    text_similarity,
)


@pytest.fixture(scope="module")
def vocabulary():
    return load_specifics_vocabulary()


@pytest.mark.parametrize(
    "text,headline,expected",
    [
        (
            "Student Ama Owusu was found near the Lido. Ms Owusu's family paid tribute.",
            None,
            Specifics(("ama owusu", "owusu"), ("lido",), False),
        ),
        (
            "Detective Chief Inspector Kofi Mensah said the victim was known to police.",
            None,
            Specifics((), (), False),
        ),
        ('"We need answers," said detective inspector Jane Roe, who leads the case.', None, Specifics((), (), False)),
        (  # a byline's writer is in every story of theirs: no one the story is about
            "By Sam Whitcombe, Crime Correspondent\n\nA man was shot by Tyrell Ashby.",
            None,
            Specifics(("ashby", "tyrell ashby"), (), False),
        ),
        ("He was stabbed by Sam Whitcombe on Monday.", None, Specifics(("sam whitcombe", "whitcombe"), (), False)),
        (
            "Mayor Sadiq Khan said knife crime was falling. Sadiq Khan visited the scene.",
            None,
            Specifics((), (), False),
        ),
        (
            "The Met's Directorate of Professional Standards was told. Mr Tembo's brother spoke.",
            None,
            Specifics(("tembo",), (), False),
        ),
        (
            "A man has been jailed for life for the murder of Lena Marsh in March.",
            "Killer jailed",
            Specifics(("lena marsh", "marsh"), (), True),
        ),
        ("Police were called to a cafe on Friday.", "Man charged with attempted murder", Specifics((), (), True)),
        (
            "Student Łukasz Nowak was found near the Lido. Ms O\u2019Brien spoke to Zoë Ćwik.",
            None,
            Specifics(("nowak", "o\u2019brien", "zoë ćwik", "ćwik", "łukasz nowak"), ("lido",), False),
        ),
    ],
    ids=[
        "full name, surname, word",
        "official",
        "official in lower case",
        "a byline's writer",
        "a name after 'by' in a sentence",
        "public figure",
        "institution",
        "follow-up",
        "charge in headline",
        "letters beyond ASCII",
    ],
)
def test_find_specifics(vocabulary, text, headline, expected):
    assert find_specifics(text, headline=headline, vocabulary=vocabulary) == expected


def test_place_names_are_neither_people_nor_words(vocabulary):
    text = "Mia Clarke was attacked in Coldharbour Lane near Brixton Village."
    places = [(text.index(name), text.index(name) + len(name)) for name in ("Coldharbour Lane", "Brixton Village")]
    found = find_specifics(text, headline=None, vocabulary=vocabulary, places=places)
    assert found == Specifics(("clarke", "mia clarke"), (), False)


def test_copies_are_similar_and_share_a_band():
    release = (
        "Officers were called at 11pm on Tuesday to reports of a stabbing outside a shop on Mare Street. A man aged "
        "24 was found with knife injuries and taken to hospital; his condition is not life-threatening. No arrests."
    )
    rewrite = "Hackney: " + release.replace("No arrests.", "No one has been arrested.")
    other = "A cyclist was hurt when a van struck him at a junction in Walthamstow on Monday morning, police said."
    assert text_similarity(text_signature(release), text_signature(rewrite)) >= 0.5
    assert set(text_bands(text_signature(release))) & set(text_bands(text_signature(rewrite)))
    assert text_similarity(text_signature(release), text_signature(other)) < 0.2
    assert text_similarity(b"", text_signature(other)) == 0.0
    assert len(text_signature(release)) == 128


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Stabbed.",
        "A man stabbed",
        "A man was stabbed on Rye Lane, police said. A man was stabbed again!",
        "Café 12",
        "Shops on \u4e2d\u6587 Street were\u2014again\u2014raided",  # letters beyond ASCII separate tokens
        "A lone \ud800surrogate in a text read from JSON",
        "Tabs\tand\x0bvertical\x0cfeeds,\x1cseparators\x1f\x00and  spaces \r\n",  # none is part of a token
    ],
)
def test_signature_is_datasketch_minhash_of_the_shingles(text):
    """The signature is datasketch's MinHash (its default hash) of the folded three-word shingles, as first stored."""
    tokens = re.findall(r"[a-z0-9]+", fold_text(text))
    shingles = {" ".join(tokens[i : i + 3]).encode() for i in range(max(1, len(tokens) - 2))}
    reference = MinHash(num_perm=32, seed=1, scheme="affine32")
    reference.update_batch(sorted(shingles))
    assert text_signature(text) == reference.hashvalues.astype(np.uint32).tobytes()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("A man was stabbed on Rye Lane, police said.", "A man was stabbed on Rye Lane, officers said."),
        ("A man was stabbed on Rye Lane.", "A woman was robbed in Brixton on Friday night."),
        ("Stabbed.", "Stabbed."),
    ],
)
def test_similarity_is_datasketch_jaccard(first, second):
    """The similarity of two signatures is datasketch's MinHash.jaccard of the same signatures."""
    a, b = MinHash(num_perm=32, seed=1, scheme="affine32"), MinHash(num_perm=32, seed=1, scheme="affine32")
    for m, text in ((a, first), (b, second)):
        tokens = re.findall(r"[a-z0-9]+", fold_text(text))
        m.update_batch({" ".join(tokens[i : i + 3]).encode() for i in range(max(1, len(tokens) - 2))})
    assert text_similarity(text_signature(first), text_signature(second)) == a.jaccard(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("said Det Insp Matt", "Insp"),
        ("said Det Insp. Matt", "Insp"),
        ("said Det Insp.\nMatt", None),
        ("said Det Insp \nMatt", "Insp"),  # `$` matches before a line break ending the characters read
        ("said Det Insp  Matt", None),
        ("said Det-Insp Matt", "Insp"),
        ("said détective Matt", "tective"),
        ("Matt", None),
        (" Matt", None),
        ("x" * 40 + " Matt", "x" * 29),  # read within WORD_BEFORE_CHARS
    ],
)
def test_word_before(text, expected):
    assert _word_before(text, text.index("Matt")) == expected


def test_word_before_is_the_regex_it_replaces():
    pattern = re.compile(r"([A-Za-z]+)\.? $")
    draw = random.Random(5)
    for _ in range(20000):
        text = "".join(draw.choice("abXY. \n-'é") for _ in range(draw.randint(0, 50)))
        start = draw.randint(0, len(text))
        found = pattern.search(text, max(0, start - 30), start)
        assert _word_before(text, start) == (found[1] if found else None), (text, start)
