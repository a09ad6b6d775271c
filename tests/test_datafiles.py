"""Tests for extract/datafiles.py: the one reader of vocabulary files, on small files written in tmp_path."""

from __future__ import annotations

import pytest

from extract.datafiles import read_lines, read_rows


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("Peckham\nBrixton\n", ["Peckham", "Brixton"]),
        ("# a comment\nPeckham\n\n   \n# another\nBrixton", ["Peckham", "Brixton"]),
        ("  Peckham  \n\tthe other night\t2\n", ["Peckham", "the other night\t2"]),
        ("Peckham # not a comment\n", ["Peckham # not a comment"]),
        ("Caf\u00e9 Royal\r\nSt John\u2019s Wood\r\n", ["Caf\u00e9 Royal", "St John\u2019s Wood"]),
    ],
)
def test_read_lines(tmp_path, text, expected):
    path = tmp_path / "words.txt"
    path.write_bytes(text.encode("utf-8"))
    assert read_lines(path) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("word,strength\n", []),
        (
            "word,strength\nroad,strong\nhill,weak\n",
            [{"word": "road", "strength": "strong"}, {"word": "hill", "strength": "weak"}],
        ),
        ("# why these words\nword,strength\n# roads\nroad,strong\n", [{"word": "road", "strength": "strong"}]),
        ('phrase,signal\n"aged, about",specific\n', [{"phrase": "aged, about", "signal": "specific"}]),
    ],
)
def test_read_rows(tmp_path, text, expected):
    path = tmp_path / "words.csv"
    path.write_text(text, encoding="utf-8")
    assert read_rows(str(path)) == expected


def test_read_lines_of_a_missing_file_fails(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_lines(tmp_path / "absent.txt")
