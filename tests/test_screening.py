"""Tests for extract/text/screening.py: the name screen's key, and the screen of texts in the forms they come in."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from extract.datafiles import DATA_DIR
from extract.text.screening import load_name_vocabulary, may_name, screen_key

KEY = "from extract.text.screening import load_name_vocabulary, screen_key; print(screen_key(load_name_vocabulary()))"
WORD_LISTS = (
    *("first_names.txt", "given_names.txt", "name_words.csv", "public_figures.txt", "name_cues.txt"),
    "follow_up_words.txt",
)


@pytest.fixture(scope="module")
def vocabulary():
    return load_name_vocabulary()


@pytest.mark.parametrize("seed", ["0", "1", "2"])
def test_screen_key_is_the_same_in_every_process(vocabulary, seed):
    """Stored screens are read by other processes: the key may not depend on the order of a set, which the
    process's hash seed decides."""
    key = subprocess.run(
        [sys.executable, "-c", KEY],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": seed},
    )
    assert int(key.stdout) == screen_key(vocabulary)


@pytest.mark.parametrize(
    "file, line",
    [
        ("first_names.txt", "Zebedee"),
        ("given_names.txt", "zebedee"),
        ("name_cues.txt", "known to friends as"),
        ("name_words.csv", "archdeacon,title"),
    ],
)
def test_screen_key_changes_with_the_word_lists(tmp_path, vocabulary, file, line):
    for name in WORD_LISTS:
        shutil.copy(DATA_DIR / name, tmp_path / name)
    assert screen_key(load_name_vocabulary(tmp_path)) == screen_key(vocabulary)
    with (tmp_path / file).open("a", encoding="utf-8") as f:
        f.write(f"\n{line}\n")
    assert screen_key(load_name_vocabulary(tmp_path)) != screen_key(vocabulary)


HEADLINES = ["Ola Reyes, 34, stabbed", "Robbery in Brixton", None, "Fire in Deptford"]
EVIDENCE = ["A man was hurt.", "A phone was snatched.", "He was named as Tom Hart.", None]
FOUND = [True, False, True, False]


@pytest.mark.parametrize(
    "form",
    [
        list,
        pa.array,
        lambda texts: pa.array(texts, pa.large_string()),
        lambda texts: pa.chunked_array([texts[:1], texts[1:]]),
        lambda texts: pd.Series(texts, dtype=object),
        lambda texts: pd.Series(texts, dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
    ],
)
def test_may_name_reads_texts_in_every_form_by_row(vocabulary, form):
    assert may_name([form(HEADLINES), form(EVIDENCE)], vocabulary).tolist() == FOUND
    assert may_name([form(HEADLINES)], vocabulary).tolist() == [True, False, False, False]
    assert may_name([form([])], vocabulary).tolist() == []
