"""The name screen: whether a text could hold a private person's name as the dashboard's masking finds them
(dashboard/privacy.py), in one RE2 pass (pyarrow.compute) that finds something in every text masking would change.

The screen is kept with every stored incident (store.py writes it, the public search reads it), marked with the
screen's key: a screen of other word lists (data/first_names.txt, data/name_words.csv, data/name_cues.txt) is not
this one's, and the dashboard screens those texts again.

Example:
    vocabulary = load_name_vocabulary()
    may_name([pa.array(["Jo Smith, 34, was hurt", "A bag was taken"])], vocabulary)  # array([ True, False])
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence, Sized
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from extract.datafiles import DATA_DIR, read_lines, read_rows
from extract.text.specifics import CAPITALS, SMALLS, load_specifics_vocabulary

if TYPE_CHECKING:
    import pyarrow as pa

PREFIX_CHARS = 30  # how far before a run of capitalised words masking looks for a title or a rank
# Lower-case letters that Unicode does not decompose into a letter and accents, in ASCII ("łukasz", "søren").
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"}
)


@dataclass(frozen=True, slots=True)
class NameVocabulary:
    """The word lists behind masking (folded to lower case): first names, titles before a name, ranks and offices
    whose holder's name stays, words never part of a person's name, public figures, and the cues before a name."""

    first_names: frozenset[str]
    titles: frozenset[str]
    officials: frozenset[str]
    not_names: frozenset[str]
    public_figures: frozenset[str]
    cues: re.Pattern[str]
    cue_phrases: tuple[str, ...]  # what `cues` finds, longest first
    particles: frozenset[str] = frozenset()  # lower-case words inside a surname ("de", "van")
    common_words: frozenset[str] = frozenset()  # of not_names, those prose writes in lower case ("in", "after")
    place_words: frozenset[str] = frozenset()  # of not_names, those ending a place's name ("street", "academy")
    person_words: frozenset[str] = frozenset()  # of not_names, nouns for a person, a name may follow ("teenager")
    # Given names beyond first_names, unaccented: a name with a capitalised word after it ("Sabina Lowe"), not alone
    given_names: frozenset[str] = frozenset()


def load_first_names(data_dir: Path = DATA_DIR) -> frozenset[str]:
    """Return the lower-case first names and titles of first_names.txt in `data_dir` (a one-word place after one is
    a surname; a capitalised word that is one may be a private person's name)."""
    return frozenset(name.lower() for name in read_lines(data_dir / "first_names.txt"))


def load_name_vocabulary(data_dir: Path = DATA_DIR) -> NameVocabulary:
    """Read first_names.txt, given_names.txt, name_words.csv, public_figures.txt and name_cues.txt of `data_dir`."""
    words = load_specifics_vocabulary(data_dir)
    phrases = sorted(read_lines(data_dir / "name_cues.txt"), key=len, reverse=True)
    rows = list(read_rows(data_dir / "name_words.csv"))
    return NameVocabulary(
        first_names=frozenset(map(unaccented, load_first_names(data_dir))) - words.titles - words.officials,
        titles=words.titles,
        officials=words.officials,
        not_names=words.not_names,
        public_figures=words.public_figures,
        cues=re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\s*[,:]?\s+$", re.IGNORECASE),
        cue_phrases=tuple(phrases),
        particles=frozenset(r["word"] for r in rows if r["kind"] == "particle"),
        common_words=frozenset(r["word"] for r in rows if r["kind"] == "word"),
        place_words=frozenset(r["word"] for r in rows if r["kind"] == "place"),
        person_words=frozenset(r["word"] for r in rows if r["kind"] == "person"),
        given_names=frozenset(read_lines(data_dir / "given_names.txt")),
    )


def unaccented(word: str) -> str:
    """Return `word` (lower case) without accents, as first_names.txt spells names ("zoë" -> "zoe", "łukasz" ->
    "lukasz"); fold_text keeps accents, as it keeps every offset."""
    if word.isascii():
        return word
    return "".join(
        c for c in unicodedata.normalize("NFKD", word.translate(_UNDECOMPOSED)) if not unicodedata.combining(c)
    )


@lru_cache(maxsize=4)  # a process's vocabulary: built once (5 ms), not at each screening
def screen_pattern(vocabulary: NameVocabulary) -> str:
    """Return a regular expression in RE2's syntax (pyarrow.compute's) that finds something in every text in which
    the dashboard's `find_names` finds a name (it may find something in texts without one): a text it finds nothing
    in is shown as it is, unmasked, without running find_names.

    A private name needs a first name (a capitalised word), a title before or inside a run of capitalised words, a
    cue right before a capitalised word, or an age after one (find_names' _private); each alternative below is a
    looser form of one of these, in classes that hold every character Python's \\s and \\d match. Capitals and
    letters are NAME_WORD's own ranges (CAPITALS, SMALLS), not RE2's \\p{Lu}, whose Unicode version may differ from
    Python's. A first name spelled in ASCII is matched as such; a capitalised word with a letter beyond ASCII might
    fold to one (`unaccented`: "Zoë", "Łukasz", a Kelvin sign for a "K"), so any such word is found. The last
    alternative covers a title found within PREFIX_CHARS only as the end of a word cut at the start of that window:
    a run of blanks that long.
    """

    def token(word: str) -> str:  # a NAME_WORD folding to `word`: its first letter a capital
        return _re2_literal(word[0].upper()) + "(?i:" + _re2_literal(word[1:]) + ")"

    def one_of(words: Iterable[str]) -> str:  # as Python's re.IGNORECASE matches them (the cues' pattern)
        # Longest first, then in order: the same text in every process (a set's order is its hashes'), as the key is.
        return "(?i:" + "|".join(_re2_caseless(w) for w in sorted(words, key=lambda w: (-len(w), w))) + ")"

    titles = vocabulary.titles
    capital, small, letter = _re2_class(CAPITALS), _re2_class(SMALLS), _re2_class(CAPITALS, SMALLS)
    alternatives = [
        "(?:" + "|".join(token(w) for w in sorted(vocabulary.first_names | titles)) + ")(?:[^A-Za-z]|$)",
        f"{_re2_class(CAPITALS, start=0x80)}|{capital}{small}*{_re2_class(SMALLS, start=0x80)}",
        "(?:^|[^A-Za-z])" + one_of(titles) + "[^A-Za-z0-9]*" + capital,
        one_of(vocabulary.cue_phrases) + "[^A-Za-z0-9]*" + capital,
        letter + r",[^A-Za-z\p{Nd}]*(?:aged[^A-Za-z\p{Nd}]*)?\p{Nd}",
        r"\(\p{Nd}",
        # The title, an optional full stop, then blanks fill the window: the blanks are the rest of it.
        f"[^A-Za-z0-9]{{{PREFIX_CHARS - 1 - max(map(len, titles), default=0)},}}",
    ]
    return "|".join(alternatives)


@lru_cache(maxsize=4)
def screen_key(vocabulary: NameVocabulary) -> int:
    """Return the key of the screen of `vocabulary`: a 31-bit checksum of its pattern and its given names, the same
    in every process and release for the same word lists, another (but for a checksum's collision) when they
    change."""
    given = "\n".join(sorted(vocabulary.given_names))
    return zlib.crc32(f"{screen_pattern(vocabulary)}\n{given}".encode()) & 0x7FFFFFFF


@cache
def data_screen() -> tuple[NameVocabulary, int]:
    """Return the name vocabulary of the data files and its screen's key, loaded once a process: the screen a
    store writes with its rows."""
    vocabulary = load_name_vocabulary()
    return vocabulary, screen_key(vocabulary)


def stored_screens(found: np.ndarray, key: int) -> np.ndarray:
    """Return the values a store keeps of screens `found` (may_name's) made with the screen of `key`: 2 * key + 1
    where it found something, + 0 where not."""
    return 2 * np.int64(key) + found.astype(np.int64)


def data_screens(headlines: Sequence[str | None], evidence: Sequence[str | None]) -> list[int]:
    """Return the values a store keeps of the screens of these incidents' headlines and evidence (stored_screens of
    may_name of both, by the data files' screen), in one pass."""
    vocabulary, key = data_screen()
    return stored_screens(may_name([headlines, evidence], vocabulary), key).tolist()


def read_screens(stored: np.ndarray, key: int) -> np.ndarray:
    """Return, per value `stored` (stored_screens', or -1 for none), 1 when the screen of `key` found something, 0
    when it found nothing, and -1 when it is none or another screen's."""
    return np.where((stored >= 0) & (stored >> 1 == key), stored & 1, -1)


def may_name(columns: Sequence[Sized], vocabulary: NameVocabulary) -> np.ndarray:
    """Return, per row of `columns` (texts of equal length each: Arrow arrays, or what pyarrow.array reads, such as
    a pandas Series; a null counts as empty), whether the screen finds something in any of its texts. RE2 scans a
    million evidence sentences in about a second, find_names a minute."""
    import pyarrow as pa  # imported here: a module that only reads names (the place matcher) needs no Arrow
    import pyarrow.compute as pc

    rows = len(columns[0]) if columns else 0
    # Every column in one array: pyarrow compiles the pattern at each call (3-7 ms), which a search calling once
    # per column of each piece of a million rows paid 40 times.
    column = pa.concat_arrays([_large_strings(c) for c in columns]) if columns else _built_strings([])
    # Nothing here converts Python objects to Arrow or Arrow to numpy (fill_null(False), to_numpy): either imports
    # pandas at its first call, 0.2 s of CPU and 40 MB for an ingest, which screens its texts here and needs no pandas.
    matched = pc.match_substring_regex(column, screen_pattern(vocabulary))
    found = pc.and_kleene(matched, pc.is_valid(matched)).cast(pa.uint8())  # a null is no match
    flags = np.frombuffer(found.buffers()[1] or b"", dtype=np.uint8, count=len(found), offset=found.offset)
    flags = flags | _given_names_in(column, vocabulary)
    return np.asarray(flags.reshape(len(columns), rows).any(axis=0))


# A capitalised ASCII word, inner capitals and all ("LaToya", "McKenzie", "SABINA"), as find_names folds its words; a
# word with a letter beyond ASCII the pattern's second alternative finds.
GIVEN_NAME_TOKEN = r"[A-Z][A-Za-z]+"


def _given_names_in(column: pa.Array, vocabulary: NameVocabulary) -> np.ndarray:
    """Return, per text of `column`, 1 when a capitalised ASCII word of it is one of the given names, else 0: looked
    up word by word, as RE2 runs an alternation of thousands of names a hundred times slower (a DFA too large for its
    memory). Read from the results' buffers, as may_name reads its own."""
    import pyarrow as pa
    import pyarrow.compute as pc

    flags = np.zeros(len(column), dtype=np.uint8)
    if not vocabulary.given_names or not len(column):
        return flags
    tokens = pc.split_pattern_regex(column, r"[^A-Za-z]+")
    # Only the capitalised words are lower-cased and looked up: a text's words are mostly in lower case.
    capitalised = pc.match_substring_regex(pc.list_flatten(tokens), f"^{GIVEN_NAME_TOKEN}$")
    words = pc.filter(pc.list_flatten(tokens), capitalised)
    rows = pc.filter(pc.list_parent_indices(tokens), capitalised).cast(pa.int64())
    hit = pc.is_in(pc.utf8_lower(words), value_set=_given_array(vocabulary.given_names)).cast(pa.uint8())
    found = np.frombuffer(hit.buffers()[1] or b"", dtype=np.uint8, count=len(hit), offset=hit.offset).astype(bool)
    at = np.frombuffer(rows.buffers()[1] or b"", dtype=np.int64, count=len(rows), offset=rows.offset)
    flags[at[found]] = 1
    return flags


@lru_cache(maxsize=4)
def _given_array(names: frozenset[str]) -> pa.Array:
    return _built_strings(sorted(names))


def _large_strings(texts: object) -> pa.Array:
    """Return `texts` as one Arrow array of large strings (no Python objects for Arrow or pandas' Arrow strings)."""
    import pyarrow as pa

    if isinstance(texts, pa.ChunkedArray):
        return texts.cast(pa.large_string()).combine_chunks()
    if isinstance(texts, pa.Array):
        return texts.cast(pa.large_string())
    if isinstance(texts, (list, tuple)):
        return _built_strings(texts)
    return pa.array(texts, type=pa.large_string())


def _built_strings(texts: Sequence[str | None]) -> pa.Array:
    """Return a list of texts (or None) as an Arrow array of large strings, built from its buffers (see may_name:
    pyarrow.array would import pandas). A text that is no UTF-8 (a lone surrogate) is left to pyarrow, which refuses
    it as it always has."""
    import pyarrow as pa

    try:
        encoded = [b"" if t is None else t.encode("utf-8") for t in texts]
    except UnicodeEncodeError:
        return pa.array(texts, type=pa.large_string())
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    valid = np.packbits(np.array([t is not None for t in texts], dtype=bool), bitorder="little")
    buffers = [pa.py_buffer(valid), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.large_string(), len(encoded), buffers)


def _re2_literal(text: str) -> str:
    """Return `text` as an RE2 pattern matching it literally: letters, digits and spaces as they are, every other
    character by its code point."""
    return "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\x{{{ord(c):x}}}" for c in text)


def _re2_class(*ranges: Iterable[tuple[int, int]], start: int = 0) -> str:
    """Return an RE2 character class holding the code point ranges from `start` on."""
    parts = [(max(a, start), b) for r in ranges for a, b in r if b >= start]
    return "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" if a < b else f"\\x{{{a:x}}}" for a, b in parts) + "]"


def _re2_caseless(text: str) -> str:
    """Return `text` as an RE2 pattern that, inside (?i:...), matches what Python's re.IGNORECASE matches: RE2 folds
    "k" with the Kelvin sign and "s" with the long s as Python does, but not "i" with the dotless and dotted I."""
    return "".join("[i\\x{131}\\x{130}]" if c in "iI" else _re2_literal(c) for c in text)
