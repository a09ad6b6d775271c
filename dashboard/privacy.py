"""What the public view shows of people, pure: private persons' names masked as "[name]", and sexual offences no
more precise than a street's or an area's centre, told in a neutral sentence without the victim's age.

Names are found with word lists, not a trained recogniser (none fits offline in this project's dependencies): a
known first name (data/first_names.txt, accents aside: "Seán" is "sean") or a title ("Mrs") before capitalised
words, capitalised words after a cue ("named as", "victim": data/name_cues.txt) or before an age ("Ola Reyes, 34,"),
and later mentions of the same words. Officers quoted by role ("Det Insp ..."), public figures
(data/public_figures.txt) and institutions and places ("St Thomas' Hospital", "Adam Street") stay. Editors see the
full text; the command line's --out is the operator's own data and is not masked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from extract.datafiles import DATA_DIR, read_lines
from extract.geo.places import load_first_names
from extract.records import PRECISION_ORDER
from extract.text.specifics import CAPITALS, NAME_WORD, SMALLS, load_specifics_vocabulary

NAME_MASK = "[name]"
PROTECTED_TYPES = frozenset({"sexual_offence"})  # the incident type: police.uk's category also holds all violence
# Points finer than a street's or an area's centre: a building, a junction, a site, a station, a postcode.
SNAPPED_PRECISIONS = frozenset({"building", "junction", "site", "station", "postcode"})
SNAP_RESOLUTION = 8  # H3 hexagons of about 0.7 km² (the density view's): a neighbourhood, not an address
SNAPPED_PRECISION = "area"
NEUTRAL_EVIDENCE = "A sexual offence was reported. The details are not shown here, to protect the people involved."
CUE_CHARS = 40  # how far before a name its cue may start ("named locally as", then a comma and spaces)
_PREFIX_CHARS = 30  # how far before a run _prefix looks for a title or a rank

# An age right after a name: "Ola Reyes, 34,", "Ola Reyes (34)", "Ola Reyes, aged 34."
_AGE_AFTER = re.compile(r",\s*(?:aged\s+)?\d{1,3}\b|\s*\(\d{1,3}\)")
_POSSESSIVE = re.compile(r"['\u2019]s?(?![A-Za-z])")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.?\s+$")
_SPACE_THEN_WORD = re.compile(r" ([A-Z][a-z]+)")
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


def load_name_vocabulary(data_dir: Path = DATA_DIR) -> NameVocabulary:
    """Read first_names.txt, name_words.csv, public_figures.txt and name_cues.txt of `data_dir`."""
    words = load_specifics_vocabulary(data_dir)
    phrases = sorted(read_lines(data_dir / "name_cues.txt"), key=len, reverse=True)
    return NameVocabulary(
        first_names=frozenset(map(_unaccented, load_first_names(data_dir))) - words.titles - words.officials,
        titles=words.titles,
        officials=words.officials,
        not_names=words.not_names,
        public_figures=words.public_figures,
        cues=re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\s*[,:]?\s+$", re.IGNORECASE),
        cue_phrases=tuple(phrases),
    )


def find_names(
    text: str, vocabulary: NameVocabulary, *, keep: Sequence[tuple[int, int]] = (), known: Iterable[str] = ()
) -> list[tuple[int, int]]:
    """Return the (start, end) spans of private persons' names in `text`, sorted; a span overlapping one in `keep`
    (the place) is left out, and `known` words (names found in another text of the same story) count as names."""
    words = list(NAME_WORD.finditer(text))
    spans: list[tuple[int, int]] = []
    for part, private in _parts(text, words, vocabulary):
        if private and not _overlaps(part[0].start(), part[-1].end(), keep):
            spans.append((part[0].start(), part[-1].end()))
    named = {m[0].lower() for start, end in spans for m in NAME_WORD.finditer(text, start, end)}
    named |= {w.lower() for w in known}
    for m in words:  # later mentions of a name: "Reyes" after "Ola Reyes"
        if (
            m[0].lower() in named
            and not _overlaps(m.start(), m.end(), spans)
            and not _overlaps(m.start(), m.end(), keep)
            and _prefix(text, m.start(), vocabulary) != "official"
        ):
            spans.append((m.start(), m.end()))
    return sorted(spans)


def mask_names(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Return `text` with each span (sorted, not overlapping) replaced by NAME_MASK."""
    parts, at = [], 0
    for start, end in spans:
        parts += [text[at:start], NAME_MASK]
        at = end
    return "".join(parts) + text[at:]


def shift(offset: int, spans: Sequence[tuple[int, int]]) -> int | None:
    """Return where `offset` of a text lands once the spans are masked; None inside a masked span."""
    moved = offset
    for start, end in spans:
        if start < offset < end:
            return None
        if end <= offset:
            moved += len(NAME_MASK) - (end - start)
    return moved


@lru_cache(maxsize=4)  # a server's vocabulary: built once (5 ms), not at each screening
def screen_pattern(vocabulary: NameVocabulary) -> str:
    """Return a regular expression in RE2's syntax (pyarrow.compute's) that finds something in every text in which
    `find_names` finds a name (it may find something in texts without one): a text it finds nothing in is shown as
    it is, unmasked, without running find_names.

    A private name needs a first name (a capitalised word), a title before or inside a run of capitalised words, a
    cue right before a capitalised word, or an age after one (_private); each alternative below is a looser form of
    one of these, in classes that hold every character Python's \\s and \\d match. Capitals and letters are
    NAME_WORD's own ranges (CAPITALS, SMALLS), not RE2's \\p{Lu}, whose Unicode version may differ from Python's. A
    first name spelled in ASCII is matched as such; a capitalised word with a letter beyond ASCII might fold to one
    (_unaccented: "Zoë", "Łukasz", a Kelvin sign for a "K"), so any such word is found. The last alternative covers a
    title found by _prefix only as the end of a word cut at the start of its window: a run of blanks that long.
    """

    def token(word: str) -> str:  # a NAME_WORD folding to `word`: its first letter a capital
        return _re2_literal(word[0].upper()) + "(?i:" + _re2_literal(word[1:]) + ")"

    def one_of(words: Iterable[str]) -> str:  # as Python's re.IGNORECASE matches them (the cues' pattern)
        return "(?i:" + "|".join(_re2_caseless(w) for w in sorted(words, key=len, reverse=True)) + ")"

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
        f"[^A-Za-z0-9]{{{_PREFIX_CHARS - 1 - max(map(len, titles), default=0)},}}",
    ]
    return "|".join(alternatives)


def may_name(texts: pd.Series | pd.DataFrame, vocabulary: NameVocabulary) -> np.ndarray:
    """Return, per text (None counts as empty), whether `find_names` could find a name in it (screen_pattern): the
    others need no masking; of a frame, per row, whether it could in any of its columns. RE2 scans a million evidence
    sentences in about a second, find_names a minute."""
    columns = [texts[c] for c in texts.columns] if isinstance(texts, pd.DataFrame) else [texts]
    # The frame's Arrow strings as they are (no Python objects), every column in one array: pyarrow compiles the
    # pattern at each call (7 ms), which a search calling once per column of each piece of a million rows paid 40 times.
    column = pa.concat_arrays([pa.array(c, type=pa.large_string()) for c in columns])
    found = pc.match_substring_regex(column, screen_pattern(vocabulary)).fill_null(False)
    return found.to_numpy(zero_copy_only=False).reshape(len(columns), len(texts)).any(axis=0)


def public_incidents(incidents: pd.DataFrame, vocabulary: NameVocabulary) -> pd.DataFrame:
    """Return the dashboard's incidents as the public sees them: names masked in headlines and evidence (the
    highlighted spans moved to match), and sexual offences with a neutral sentence, no victim ages, and a point
    no more precise than a street's or an area's centre."""
    frame = incidents.copy(deep=False)  # copy-on-write: the columns left alone stay shared with `incidents`
    protected = frame["type"].isin(PROTECTED_TYPES)
    if "evidence" in frame:  # the dashboard's shared frames have no texts: it masks those of the rows it shows
        frame = _masked_texts(frame, protected, vocabulary)
    # A mask, not a Series: a Series indexed by the incident ids is first aligned with the frame's index, which hashed
    # a million ids (0.23 s).
    snapped = (protected & frame["precision"].isin(SNAPPED_PRECISIONS) & frame["lat"].notna()).to_numpy(dtype=bool)
    if snapped.any():
        points = list(zip(frame.loc[snapped, "lat"].tolist(), frame.loc[snapped, "lon"].tolist()))
        centre_of = {p: h3.cell_to_latlng(h3.latlng_to_cell(*p, SNAP_RESOLUTION)) for p in set(points)}
        centres = [centre_of[p] for p in points]
        frame.loc[snapped, "lat"] = [lat for lat, _ in centres]
        frame.loc[snapped, "lon"] = [lon for _, lon in centres]
        if "cell" in frame:
            cells = frame.loc[snapped, "cell"].tolist()
            moved = [
                h3.latlng_to_cell(*centre, h3.get_resolution(cell)) if isinstance(cell, str) else cell
                for centre, cell in zip(centres, cells)
            ]
            frame.loc[snapped, "cell"] = np.array(moved, dtype=object)
    frame.loc[snapped, "place_name"] = frame.loc[snapped, "borough"].fillna("London")
    # The place as the text wrote it is among the texts, which the dashboard's shared frames leave out.
    frame.loc[snapped, [c for c in ("location_text", "place_kind") if c in frame]] = None
    frame.loc[snapped, "precision"] = SNAPPED_PRECISION
    if "precision_rank" in frame:
        frame.loc[snapped, "precision_rank"] = PRECISION_ORDER[SNAPPED_PRECISION]
    return frame


def _masked_texts(frame: pd.DataFrame, protected: pd.Series, vocabulary: NameVocabulary) -> pd.DataFrame:
    """Return `frame` with names masked in its headlines and evidence and the spans' offsets moved to match, and its
    `protected` rows told by the neutral sentence, without offsets or victim ages."""
    columns = ("headline", "evidence", "type_start", "type_end", "place_start", "place_end")
    for column in ("type_start", "type_end", "place_start", "place_end"):
        frame[column] = pd.array(frame[column], dtype="Int64")
    for column in ("headline", "evidence"):
        frame[column] = frame[column].fillna("")
    # Only the texts that could name someone are masked: the others come out of _masked_row as they went in.
    screened = may_name(frame[["headline", "evidence"]], vocabulary)
    at = np.flatnonzero(screened)
    if len(at):
        rows = frame.iloc[at]
        values = zip(*(rows[column].tolist() for column in ("evidence_start", *columns)))
        masked = pd.DataFrame([_masked_row(row, vocabulary) for row in values], columns=list(columns))
        for column in columns:
            # A copy: to_numpy of an object column gives the column's own array, copy=True or not (pandas 3.1).
            values = frame[column].to_numpy(dtype=object, na_value=None).copy()
            values[at] = masked[column].to_numpy(dtype=object)
            frame[column] = pd.array(values, dtype=frame[column].dtype)
    frame.loc[protected, "evidence"] = NEUTRAL_EVIDENCE
    frame.loc[protected, ["evidence_start"]] = 0
    frame.loc[protected, ["type_start", "type_end", "place_start", "place_end"]] = pd.NA
    frame.loc[protected, "victim_ages"] = "[]"
    return frame


def _masked_row(row: tuple, vocabulary: NameVocabulary) -> tuple:
    """Mask one incident's headline and evidence; the article offsets of its spans moved to the masked evidence."""
    evidence_start, headline, evidence, *offsets = row
    headline = headline if isinstance(headline, str) else ""
    evidence = evidence if isinstance(evidence, str) else ""
    start = int(evidence_start) if _known(evidence_start) else 0
    keep = [
        (int(a) - start, int(b) - start) for a, b in (offsets[2:], offsets[:2]) if _known(a) and _known(b)
    ]  # the place and the crime cue are never names
    in_headline, in_evidence = find_names(headline, vocabulary), find_names(evidence, vocabulary, keep=keep)
    own_headline, own_evidence = _name_words(headline, in_headline), _name_words(evidence, in_evidence)
    # A text looks again only when the other names words it has not found itself: otherwise the same spans come back
    # (most incidents name nobody, and this halves the masking time of a million).
    if own_evidence - own_headline:
        in_headline = find_names(headline, vocabulary, known=own_evidence)
    if own_headline - own_evidence:
        in_evidence = find_names(evidence, vocabulary, keep=keep, known=own_headline)
    moved = []
    for offset in offsets:
        at = shift(int(offset) - start, in_evidence) if _known(offset) else None
        moved.append(None if at is None else at + start)
    return (mask_names(headline, in_headline), mask_names(evidence, in_evidence), *moved)


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


def _unaccented(word: str) -> str:
    """Return `word` (lower case) without accents, as first_names.txt spells names ("zoë" -> "zoe", "łukasz" ->
    "lukasz"); fold_text keeps accents, as it keeps every offset."""
    if word.isascii():
        return word
    return "".join(
        c for c in unicodedata.normalize("NFKD", word.translate(_UNDECOMPOSED)) if not unicodedata.combining(c)
    )


def _known(value: object) -> bool:
    """Whether an offset is known: not None, NaN or NA (pd.notna per value costs a microsecond at a million rows)."""
    return value is not None and value is not pd.NA and value == value


def _name_words(text: str, spans: Sequence[tuple[int, int]]) -> set[str]:
    """Return the words (folded to lower case) inside the name spans of `text`."""
    return {m[0].lower() for start, end in spans for m in NAME_WORD.finditer(text, start, end)}


def _parts(text: str, words: list[re.Match[str]], vocab: NameVocabulary) -> Iterable[tuple[list[re.Match[str]], bool]]:
    """Yield each run of capitalised words split at titles, ranks and other words that are never names, with
    whether the part is a private person's name."""
    for run in _runs(text, words):
        prefix = _prefix(text, run[0].start(), vocab)
        after_not_name = False  # "St Thomas", "Queen Elizabeth": a place or an institution, not a person
        part: list[re.Match[str]] = []
        for m in run:
            word = m[0].lower()
            if word in vocab.not_names or word in vocab.titles or word in vocab.officials:
                if part:
                    yield part, _private(text, part, prefix, after_not_name, vocab)
                part = []
                after_not_name = word in vocab.not_names
                if word in vocab.not_names:
                    prefix = None
                elif word in vocab.officials or prefix == "official":
                    prefix = "official"  # "Det Chief Insp", "Commissioner Sir"
                else:
                    prefix = "title"
                continue
            part.append(m)
        if part:
            yield part, _private(text, part, prefix, after_not_name, vocab)


def _private(
    text: str, part: list[re.Match[str]], prefix: str | None, after_not_name: bool, vocab: NameVocabulary
) -> bool:
    """Whether one part of a run is a private person's name."""
    if prefix == "official" or after_not_name:
        return False
    folded = [m[0].lower() for m in part]
    if " ".join(folded) in vocab.public_figures or " ".join(folded[-2:]) in vocab.public_figures:
        return False
    end = part[-1].end()
    possessive = _POSSESSIVE.match(text, end)
    following = _SPACE_THEN_WORD.match(text, possessive.end() if possessive else end)
    if following and following[1].lower() in vocab.not_names:
        return False  # "Adam Street", "Charles Darwin Academy", "Thomas' Hospital"
    if prefix == "title" or _unaccented(folded[0]) in vocab.first_names:
        return True
    if vocab.cues.search(text, max(0, part[0].start() - CUE_CHARS), part[0].start()):
        return True
    return len(part) >= 2 and _AGE_AFTER.match(text, end) is not None


def _runs(text: str, words: list[re.Match[str]]) -> list[list[re.Match[str]]]:
    """Group capitalised words into runs separated by single spaces."""
    runs: list[list[re.Match[str]]] = []
    for m in words:
        if runs and text[runs[-1][-1].end() : m.start()] == " ":
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def _prefix(text: str, start: int, vocab: NameVocabulary) -> str | None:
    """Return "official" when a rank or office (any case: "said detective inspector") comes right before `start`,
    "title" after a title, else None."""
    before = _WORD_BEFORE.search(text, max(0, start - _PREFIX_CHARS), start)
    if before is None:
        return None
    word = before[1].lower()
    return "official" if word in vocab.officials else "title" if word in vocab.titles else None


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)
