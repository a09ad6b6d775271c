"""fold_text against the table it applies: the same output as folding character by character, for every character of
the table and for random text, and the same length."""

import string

from hypothesis import given
from hypothesis import strategies as st

from extract.text.folding import FOLDS, fold_text

TABLE = str.maketrans(dict(FOLDS))


def folded_by_table(text: str) -> str:
    """The folding as a translation table: lower case (one character for one), then the table."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower()[:1] or c for c in text)
    return lowered.translate(TABLE)


def test_fold_text_folds_every_character_of_the_table():
    for character, replacement in FOLDS:
        assert fold_text(f"A{character}B") == f"a{replacement}b"


def test_fold_text_of_the_table_together():
    text = "".join(c for c, _ in FOLDS) * 2 + "\u0130stanbul \u03a3\u039f\u03a3"
    assert fold_text(text) == folded_by_table(text)


@given(
    st.text(alphabet=st.sampled_from([c for c, _ in FOLDS] + list(string.printable) + ["\u0130", "\u03a3", "\u00e9"]))
)
def test_fold_text_like_the_table_on_news_characters(text):
    assert fold_text(text) == folded_by_table(text)
    assert len(fold_text(text)) == len(text)


@given(st.text())
def test_fold_text_like_the_table_on_any_text(text):
    assert fold_text(text) == folded_by_table(text)
    assert len(fold_text(text)) == len(text)
