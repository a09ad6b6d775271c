"""The specifics of a story that tell one incident from a look-alike: people named, distinctive proper words, whether
it is a follow-up (a charge, a trial, a sentence), and a MinHash signature of its wording for near-duplicate copies.

The vocabularies are data/name_words.csv, data/public_figures.txt and data/follow_up_words.txt.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from extract.datafiles import DATA_DIR, read_lines, read_rows
from extract.text.dates import first_characters
from extract.text.folding import fold_text

LEAD_CHARS = 400  # a follow-up says so early: "A man has been jailed ..."; later paragraphs recall arrests and charges
SIGNATURE_PERMUTATIONS = 32  # a copy (Jaccard 0.8) still differs by under 0.1 in the estimate
SIGNATURE_SEED = 1  # fixed, like the scheme: signatures stored in the database must stay comparable
SIGNATURE_SCHEME = "affine32"  # datasketch's default since 2.0: 32-bit hash values, 128 bytes a report
BAND_ROWS = 3  # LSH bands of 3 hash values: texts at 0.7 share one of the 10 bands 97% of the time, at 0.05 0.1%
SHINGLE_WORDS = 3  # three-word shingles: shared phrases of a copied release, not shared vocabulary
MIN_WORD_CHARS = 4  # shorter capitalised words are initials and abbreviations
BYLINE = "By "  # opening a line: the writer's name follows


def _ranges(characters: Iterable[str]) -> tuple[tuple[int, int], ...]:
    """Return the (first, last) code point ranges of `characters` (in ascending order)."""
    ranges: list[tuple[int, int]] = []
    for point in map(ord, characters):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    return tuple(ranges)


# Capitals and small letters of every script of the Basic Multilingual Plane, as Python's str.isupper and islower know
# them ("Ł", "É", "Ö", "Ж"; a titlecase "ǅ" counts as a capital), built once (about 10 ms): Python's re has no
# \p{Lu}. The scripts beyond U+FFFF (Adlam, Deseret, mathematical letters) are left out: re checks a class holding
# them range by range, which made NAME_WORD six times slower. Combining marks count as small letters, so that a name
# written with decomposed accents ("E" + U+0301 "lodie") is one word. dashboard/privacy.py writes the same ranges
# for RE2.
CAPITALS = _ranges(c for c in map(chr, range(0x10000)) if c.isupper() or c.istitle())
SMALLS = _ranges(c for c in map(chr, range(0x10000)) if c.islower() or unicodedata.category(c)[0] == "M")


def _python_class(*ranges: tuple[tuple[int, int], ...]) -> str:
    """Return a character class of Python's re holding the ranges."""
    return "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for r in ranges for a, b in r) + "]"


_CAPITAL, _SMALL, _LETTER = _python_class(CAPITALS), _python_class(SMALLS), _python_class(CAPITALS, SMALLS)
# A capitalised word: "Nessa", "O'Malley", "McDonald", "Malley-Kumar", "Łukasz", "O’Brien"; a possessive "'s"
# is left out. The dashboard's name masking (dashboard/privacy.py) finds names by the same pattern.
NAME_WORD = re.compile(
    rf"{_CAPITAL}{_SMALL}*(?:['\u2019]{_CAPITAL}{_SMALL}+)?(?:{_CAPITAL}{_SMALL}+)?(?:-{_CAPITAL}{_SMALL}+)*(?!{_LETTER})"
)
_POSSESSIVE = re.compile(r"['\u2019]s\b")
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:;\"\u201c\u2018(\n]|\s-)\s*$")
# Every byte but a-z and 0-9 made a space: split() then gives the tokens re.findall(rb"[a-z0-9]+") gives, in a
# third of its time.
_TOKEN_BYTES = bytes(b if b in b"abcdefghijklmnopqrstuvwxyz0123456789" else ord(" ") for b in range(256))
_DIGEST = type(hashlib.sha1()).digest
_DIGEST_HEAD = np.dtype([("head", "<u4"), ("rest", "V16")])  # a SHA-1 digest: its first 32 bits little-endian
WORD_BEFORE_CHARS = 30  # characters before a name read for the title or office before it ("detective inspector")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class SpecificsVocabulary:
    """The word lists behind specifics: name words by kind, public figures, and the follow-up phrase pattern."""

    titles: frozenset[str]
    officials: frozenset[str]
    not_names: frozenset[str]
    public_figures: frozenset[str]
    follow_up: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Specifics:
    """What a story names: people (full names and surnames, folded), distinctive proper words, and whether it is
    a follow-up report."""

    names: tuple[str, ...]
    words: tuple[str, ...]
    follow_up: bool


def load_specifics_vocabulary(data_dir: Path = DATA_DIR) -> SpecificsVocabulary:
    """Read name_words.csv, public_figures.txt and follow_up_words.txt of `data_dir`."""
    kinds: dict[str, set[str]] = {
        kind: set() for kind in ("title", "official", "not_name", "person", "place", "word", "particle")
    }
    for row in read_rows(data_dir / "name_words.csv"):
        kinds[row["kind"]].add(row["word"])
    kinds["not_name"] |= kinds["person"] | kinds["place"] | kinds["word"]  # none of these is ever part of a name
    folded = [fold_text(p) for p in sorted(read_lines(data_dir / "follow_up_words.txt"), key=len, reverse=True)]
    return SpecificsVocabulary(
        frozenset(kinds["title"]),
        frozenset(kinds["official"]),
        frozenset(kinds["not_name"]),
        frozenset(fold_text(name) for name in read_lines(data_dir / "public_figures.txt")),
        re.compile(rf"{first_characters(folded)}\b(?:{'|'.join(re.escape(p) for p in folded)})\b"),
    )


def find_specifics(
    text: str,
    *,
    headline: str | None,
    vocabulary: SpecificsVocabulary,
    places: Sequence[tuple[int, int]] = (),
) -> Specifics:
    """Return the people, distinctive words and follow-up flag of a story; `places` are the (start, end) spans of
    its place names, which are neither people nor distinctive words.

    Example:
        >>> v = load_specifics_vocabulary()
        >>> find_specifics("Teacher Sabina Nessa was found in Cator Park.", headline=None, vocabulary=v)
        Specifics(names=('nessa', 'sabina nessa'), words=('cator',), follow_up=False)
    """
    names: set[str] = set()
    words: set[str] = set()
    for run in _runs(text, places):
        _read_run(text, run, vocabulary, names, words)
    lead = fold_text((headline or "") + "\n" + text[:LEAD_CHARS])
    return Specifics(tuple(sorted(names)), tuple(sorted(words)), vocabulary.follow_up.search(lead) is not None)


def _runs(text: str, places: Sequence[tuple[int, int]]) -> list[list[re.Match[str]]]:
    """Group the capitalised words outside place names into runs separated by single spaces."""
    inside = sorted(places)
    runs: list[list[re.Match[str]]] = []
    j = 0
    for m in NAME_WORD.finditer(text):
        while j < len(inside) and inside[j][1] <= m.start():
            j += 1
        if j < len(inside) and inside[j][0] < m.end():
            runs.append([])  # a place name breaks a run: "Sabina Nessa" is no part of "Cator Park"
            continue
        if runs and runs[-1] and text[runs[-1][-1].end() : m.start()] == " ":
            runs[-1].append(m)
        else:
            runs.append([m])
    return [r for r in runs if r]


def _read_run(
    text: str, run: list[re.Match[str]], vocab: SpecificsVocabulary, names: set[str], words: set[str]
) -> None:
    """Add the people and distinctive words of one run of capitalised words ("Det Insp Simon Harding" is an
    official's name, "Ms Nessa" a surname, "Sabina Nessa" a full name)."""
    part: list[re.Match[str]] = []
    start = run[0].start()
    if text.startswith(BYLINE, start) and (start == 0 or text[start - 1] == "\n"):
        return  # "By Sam Whitcombe, Crime Correspondent": the writer's name, in every story of theirs
    before = _word_before(text, start)
    # "title" or "official": the words before the name, also in lower case ("said detective inspector Matt Webb")
    prefix = "official" if before and before.lower() in vocab.officials else None
    for m in run:
        word = m[0].lower()
        if word in vocab.not_names or word in vocab.titles or word in vocab.officials:
            _add_part(text, part, prefix, vocab, names, words)
            part = []
            if word in vocab.not_names:
                prefix = None
            elif word in vocab.officials or prefix == "official":
                prefix = "official"  # "Det Chief Insp", "Commissioner Sir"
            else:
                prefix = "title"
            continue
        part.append(m)
        if _POSSESSIVE.match(text, m.end()):  # "Sabina Nessa's family": the name ends here
            _add_part(text, part, prefix, vocab, names, words)
            part, prefix = [], None
    _add_part(text, part, prefix, vocab, names, words)


def _word_before(text: str, start: int) -> str | None:
    """The ASCII word ending right before `start` with a space, or with a full stop and a space ("Insp. "), within
    WORD_BEFORE_CHARS; as re.search(r"([A-Za-z]+)\\.? $") over those characters finds it (its group), whose `$` also
    matches before a line break ending them. Read backwards: the regex was tried at each of the 30 positions, a
    fifth of reading a story's specifics."""
    lo = max(0, start - WORD_BEFORE_CHARS)
    space = start - 1 if start - 1 >= lo and text[start - 1] != "\n" else start - 2
    if space < lo or text[space] != " ":
        return None
    end = space - 1 if space - 1 >= lo and text[space - 1] == "." else space
    first = end
    while first > lo and text[first - 1] in _LETTERS:
        first -= 1
    return text[first:end] if first < end else None


def _add_part(
    text: str,
    part: list[re.Match[str]],
    prefix: str | None,
    vocab: SpecificsVocabulary,
    names: set[str],
    words: set[str],
) -> None:
    if not part or prefix == "official":
        return
    folded = [m[0].lower() for m in part]
    if len(part) >= 2 or prefix == "title":
        if " ".join(folded) in vocab.public_figures or " ".join(folded[-2:]) in vocab.public_figures:
            return
        if len(part) >= 2:
            names.add(" ".join(folded[-2:]))
        if len(folded[-1]) >= MIN_WORD_CHARS - 1:
            names.add(folded[-1])
        return
    first = part[0]
    opening = _SENTENCE_OPENING.search(text, max(0, first.start() - 3), first.start()) is not None
    if not opening and len(folded[0]) >= MIN_WORD_CHARS:
        words.add(folded[0])  # one capitalised word inside a sentence: the name of a place, business or thing


def text_signature(text: str, *, folded: str | None = None) -> bytes:
    """Return the MinHash signature of the text's three-word shingles (folded: `folded` is fold_text(text) when the
    caller has it), as bytes to store."""
    # The tokens are ASCII: read from the UTF-8 bytes, as from the text, a longer character (a lone surrogate too)
    # separating them. A text of fewer words is one shingle; each shingle's digest is made, and its first four bytes
    # read, by C loops (map, numpy): the minimum needs no set of distinct shingles.
    data = (fold_text(text) if folded is None else folded).encode("utf-8", "surrogatepass")
    tokens = data.translate(_TOKEN_BYTES).split()
    shingles: Iterable[bytes] = [b" ".join(tokens)]
    if len(tokens) >= SHINGLE_WORDS:
        shingles = map(b" ".join, zip(*(tokens[k:] for k in range(SHINGLE_WORDS))))
    # datasketch's MinHash (scheme affine32) of the shingles, as update_batch makes it, without importing datasketch
    # (it imports scipy: half a second at the first article): the 32-bit hashes read from the digests at once, the
    # MurmurHash3 finalizer, then the permutations.
    digests = b"".join(map(_DIGEST, map(hashlib.sha1, shingles)))
    hashes = np.frombuffer(digests, dtype=_DIGEST_HEAD)["head"].astype(np.uint32)
    hashes ^= hashes >> np.uint32(16)
    hashes *= np.uint32(0x85EBCA6B)
    hashes ^= hashes >> np.uint32(13)
    hashes *= np.uint32(0xC2B2AE35)
    hashes ^= hashes >> np.uint32(16)
    a, b = _permutations()
    return (hashes.reshape(-1, 1) * a + b).min(axis=0).tobytes()


@cache  # drawn from SIGNATURE_SEED, the same for every signature: drawing them takes longer than hashing a text
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations h -> a * h + b (mod 2^32, `a` odd), drawn as MinHash draws them."""
    draw = np.random.RandomState(SIGNATURE_SEED)
    a = draw.randint(0, 1 << 31, SIGNATURE_PERMUTATIONS, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, SIGNATURE_PERMUTATIONS, dtype=np.uint32)
    return a, b


def text_similarity(a: bytes, b: bytes) -> float:
    """Return the estimated Jaccard similarity of two texts' shingles from their signatures (0.0 when either is
    empty): the share of hash values they agree on, as datasketch's MinHash.jaccard."""
    if not a or not b:
        return 0.0
    va, vb = _values(a), _values(b)
    return float(np.count_nonzero(va == vb)) / float(len(va))


@lru_cache(maxsize=1 << 12)  # each report's signature is compared with all its candidates
def _values(signature: bytes) -> np.ndarray:
    return np.frombuffer(signature, dtype=np.uint32)


def text_bands(signature: bytes) -> tuple[str, ...]:
    """Return the locality-sensitive bands of a signature ("3:9f2c..."): near-duplicate texts share one."""
    values = np.frombuffer(signature, dtype=np.uint32)
    return tuple(
        f"{k}:{values[k * BAND_ROWS : (k + 1) * BAND_ROWS].tobytes().hex()}" for k in range(len(values) // BAND_ROWS)
    )
