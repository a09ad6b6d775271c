"""What the public view shows of people, pure: private persons' names masked as "[name]", and sexual offences no
more precise than a street's or an area's centre, told in a neutral headline and sentence without the victim's age;
so are the other reports of an event that holds one (another outlet's report of the same attack, typed an assault,
tells its place and its victim too).

Names are found with word lists, not a trained recogniser (none fits offline in this project's dependencies): a
known first name (data/first_names.txt, accents aside: "Seán" is "sean") or a title ("Mrs") before capitalised
words, capitalised words after a cue ("named as", "victim": data/name_cues.txt) or before an age ("Ola Reyes, 34,"),
and later mentions of the same words. Officers quoted by role ("Det Insp ..."), public figures
(data/public_figures.txt) and institutions and places ("St Thomas' Hospital", "Adam Street") stay. Editors see the
full text; the command line's --out is the operator's own data and is not masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import h3
import numpy as np
import pandas as pd

from extract.records import PRECISION_ORDER
from extract.text import screening
from extract.text.cues import title_cased
from extract.text.screening import PREFIX_CHARS, NameVocabulary, unaccented
from extract.text.specifics import NAME_WORD

NAME_MASK = "[name]"
PROTECTED_TYPES = frozenset({"sexual_offence"})  # the incident type: police.uk's category also holds all violence
# Points finer than a street's or an area's centre: a building, a junction, a site, a station, a postcode.
SNAPPED_PRECISIONS = frozenset({"building", "junction", "site", "station", "postcode"})
SNAP_RESOLUTION = 8  # H3 hexagons of about 0.7 km² (the density view's): a neighbourhood, not an address
SNAPPED_PRECISION = "area"
NEUTRAL_EVIDENCE = "A sexual offence was reported. The details are not shown here, to protect the people involved."
NEUTRAL_HEADLINE = "Sexual offence reported"  # a headline tells the place and the victim's age as the sentence does
CUE_CHARS = 40  # how far before a name its cue may start ("named locally as", then a comma and spaces)

# An age right after a name: "Ola Reyes, 34,", "Ola Reyes (34)", "Ola Reyes, aged 34."
_AGE_AFTER = re.compile(r",\s*(?:aged\s+)?\d{1,3}\b|\s*\(\d{1,3}\)")
# An age closed as an apposition ("Kwabena Asante, 17, was", "(17)", ", aged 17"): after a word never in a name,
# "Oxford Circus, 12 people" and "West Ham United, 25" are no people.
_AGE_APPOSED = re.compile(r",\s*\d{1,3}\s*,|\s*\(\d{1,3}\)|,\s*aged\s+\d{1,3}\b")
_POSSESSIVE = re.compile(r"['\u2019]s?(?![A-Za-z])")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.?\s+$")
_SPACE_THEN_WORD = re.compile(r" ([A-Z][a-z]+)")


def find_names(
    text: str, vocabulary: NameVocabulary, *, keep: Sequence[tuple[int, int]] = (), known: Iterable[str] = ()
) -> list[tuple[int, int]]:
    """Return the (start, end) spans of private persons' names in `text`, sorted; a span overlapping one in `keep`
    (the place) is left out, and `known` words (names found in another text of the same story) count as names."""
    words = list(NAME_WORD.finditer(text))
    spans: list[tuple[int, int]] = []
    for part, private in _parts(text, words, vocabulary, titled=title_cased(text)):
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


def may_name(texts: pd.Series | pd.DataFrame, vocabulary: NameVocabulary) -> np.ndarray:
    """Return, per text (None counts as empty), whether `find_names` could find a name in it (screening.may_name):
    the others need no masking; of a frame, per row, whether it could in any of its columns."""
    return screening.may_name(
        [texts[c] for c in texts.columns] if isinstance(texts, pd.DataFrame) else [texts], vocabulary
    )


def protected_rows(incidents: pd.DataFrame) -> np.ndarray:
    """Return which rows of the dashboard's incidents the public view protects: sexual offences (PROTECTED_TYPES),
    and every report of an event that holds one."""
    own = incidents["type"].isin(PROTECTED_TYPES).to_numpy(dtype=bool)
    if "event_id" not in incidents or not own.any():
        return own
    events = incidents["event_id"]
    held = events[own].dropna().unique()
    return own | events.isin(held).to_numpy(dtype=bool) if len(held) else own


def public_incidents(incidents: pd.DataFrame, vocabulary: NameVocabulary) -> pd.DataFrame:
    """Return the dashboard's incidents as the public sees them: names masked in headlines and evidence (the
    highlighted spans moved to match), and the protected rows (its `protected` column, which the dashboard's frames
    hold, found over all their rows; else protected_rows of `incidents`) with a neutral headline and sentence, no
    victim ages, and a point no more precise than a street's or an area's centre."""
    frame = incidents.copy(deep=False)  # copy-on-write: the columns left alone stay shared with `incidents`
    protected = frame["protected"].to_numpy(dtype=bool) if "protected" in frame else protected_rows(frame)
    if "evidence" in frame:  # the dashboard's shared frames have no texts: it masks those of the rows it shows
        frame = _masked_texts(frame, protected, vocabulary)
    # A mask, not a Series: a Series indexed by the incident ids is first aligned with the frame's index, which hashed
    # a million ids (0.23 s).
    snapped = protected & (frame["precision"].isin(SNAPPED_PRECISIONS) & frame["lat"].notna()).to_numpy(dtype=bool)
    if not snapped.any():
        return frame
    # Whole columns, not .loc: each .loc assignment went through the million rows in pandas (0.08 s for seven).
    frame = frame.assign(**_snapped_points(frame, snapped))
    frame["place_name"] = frame["place_name"].mask(snapped, frame["borough"].fillna("London").array)
    # The place as the text wrote it is among the texts, which the dashboard's shared frames leave out; its source
    # (a station list) tells its kind.
    for column in ("location_text", "place_kind", "geocode_source"):
        if column in frame:
            frame[column] = frame[column].mask(snapped, None)
    frame["precision"] = frame["precision"].mask(snapped, SNAPPED_PRECISION)
    if "precision_rank" in frame:
        frame["precision_rank"] = frame["precision_rank"].mask(snapped, PRECISION_ORDER[SNAPPED_PRECISION])
    return frame


def _snapped_points(
    frame: pd.DataFrame, snapped: np.ndarray
) -> dict[str, np.ndarray | pd.api.extensions.ExtensionArray]:
    """Return the frame's lat and lon (as floats) with each `snapped` row's point at the centre of its hexagon of
    SNAP_RESOLUTION; and its cell, when it has one that is not of that resolution, the centre's.

    A row's hexagon is its cell when that is of SNAP_RESOLUTION (the dashboard's frames hold the cell of each point,
    a corrected point's made anew: dashboard.data._fixed), else found from its point; each hexagon's centre is found
    once (at a million incidents, 41,000 protected points lie in a few thousand hexagons)."""
    at = np.flatnonzero(snapped)
    lats, lons = (frame[c].to_numpy(dtype=float, na_value=np.nan)[at].tolist() for c in ("lat", "lon"))
    cells = (
        frame["cell"].iloc[at].to_numpy(dtype=object, na_value=None).tolist() if "cell" in frame else [None] * len(at)
    )
    resolutions = {cell: h3.get_resolution(cell) for cell in set(cells) if isinstance(cell, str)}
    hexagons = [
        cell if resolutions.get(cell) == SNAP_RESOLUTION else h3.latlng_to_cell(lat, lon, SNAP_RESOLUTION)
        for lat, lon, cell in zip(lats, lons, cells)
    ]
    centre_of = {hexagon: h3.cell_to_latlng(hexagon) for hexagon in set(hexagons)}
    columns = {}
    for column, part in (("lat", 0), ("lon", 1)):
        values = frame[column].to_numpy(dtype=float, na_value=np.nan).copy()  # see _masked_texts: not the column's
        values[at] = [centre_of[hexagon][part] for hexagon in hexagons]
        columns[column] = values
    # A centre lies in its own hexagon: a cell of SNAP_RESOLUTION is the centre's already.
    if any(resolution != SNAP_RESOLUTION for resolution in resolutions.values()):
        values = frame["cell"].to_numpy(dtype=object, na_value=None).copy()
        values[at] = [
            h3.latlng_to_cell(*centre_of[hexagon], resolutions[cell]) if isinstance(cell, str) else cell
            for cell, hexagon in zip(cells, hexagons)
        ]
        columns["cell"] = pd.array(values, dtype=frame["cell"].dtype)
    return columns


def _masked_texts(frame: pd.DataFrame, protected: np.ndarray, vocabulary: NameVocabulary) -> pd.DataFrame:
    """Return `frame` with names masked in its headlines and evidence and the spans' offsets moved to match, and its
    `protected` rows told by the neutral headline and sentence, without offsets or victim ages."""
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
    frame.loc[protected, "headline"] = NEUTRAL_HEADLINE
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


def _known(value: object) -> bool:
    """Whether an offset is known: not None, NaN or NA (pd.notna per value costs a microsecond at a million rows)."""
    return value is not None and value is not pd.NA and value == value


def _name_words(text: str, spans: Sequence[tuple[int, int]]) -> set[str]:
    """Return the words (folded to lower case) inside the name spans of `text`."""
    return {m[0].lower() for start, end in spans for m in NAME_WORD.finditer(text, start, end)}


def _parts(
    text: str, words: list[re.Match[str]], vocab: NameVocabulary, *, titled: bool = False
) -> Iterable[tuple[list[re.Match[str]], bool]]:
    """Yield each run of capitalised words split at titles, ranks and other words that are never names, with
    whether the part is a private person's name. In a `titled` text (a headline in Title Case) every word is
    capitalised: a name there is a first name and the word after it ("Sarah Jones" of "Sarah Jones Stabbed", "Kofi
    Mensah" of "Tributes Paid To Kofi Mensah After"), or one word after a title; a first name alone is a place as
    often ("Man Stabbed In Chelsea")."""
    for run in _runs(text, words, vocab.particles):
        prefix = _prefix(text, run[0].start(), vocab)
        after_not_name = False  # "St Thomas", "Queen Elizabeth": a place or an institution, not a person
        part: list[re.Match[str]] = []
        for m in run:
            word = m[0].lower()
            if word in vocab.not_names or word in vocab.titles or word in vocab.officials:
                if part:
                    yield _part(text, part, prefix, after_not_name, vocab, titled=titled)
                part = []
                # A common word opens a clause in prose ("In Chelsea, ..."); Title Case capitalises it anywhere. A
                # noun for a person says a person may follow ("Teenager Jayden Smith"), not a place or institution.
                after_not_name = (
                    word in vocab.not_names
                    and not (titled and word in vocab.common_words)
                    and word not in vocab.person_words
                )
                if word in vocab.not_names:
                    prefix = None
                elif word in vocab.officials or prefix == "official":
                    prefix = "official"  # "Det Chief Insp", "Commissioner Sir"
                else:
                    prefix = "title"
                continue
            part.append(m)
        if part:
            yield _part(text, part, prefix, after_not_name, vocab, titled=titled)


def _part(
    text: str,
    part: list[re.Match[str]],
    prefix: str | None,
    after_not_name: bool,
    vocab: NameVocabulary,
    *,
    titled: bool,
) -> tuple[list[re.Match[str]], bool]:
    """One part of a run and whether it is a private person's name (see _parts)."""
    if not titled:
        return part, _private(text, part, prefix, after_not_name, vocab)
    name = _titled_name(part, prefix, vocab)
    alone = len(name) < 2 and prefix != "title"  # a lone first name: no more than a place's name here
    return name, _private(text, name, prefix, after_not_name or alone, vocab, titled=True)


def _titled_name(part: list[re.Match[str]], prefix: str | None, vocab: NameVocabulary) -> list[re.Match[str]]:
    """The words of a part of a Title Case text that may be a name: from its first first name, two words; after a
    title, one; else the part as it is (its age or cue may still tell a person)."""
    for k, m in enumerate(part):
        if _first_name(m[0].lower(), vocab) or _given_name(m, vocab):
            return part[k : k + 2]
    return part[:1] if prefix == "title" else part


def _first_name(word: str, vocab: NameVocabulary) -> bool:
    """Whether a word (lower case) is a first name; a hyphenated one ("mary-jane") by its first part."""
    return _named(word, vocab.first_names)


def _given_name(word: re.Match[str], vocab: NameVocabulary) -> bool:
    """Whether a word of a text is one of the given names, a name only with a surname after it: a whole word, as the
    name screen reads them ("LaToya", not the "LaToya" of "SarahLaToya")."""
    start, text = word.start(), word.string
    return (start == 0 or not text[start - 1].isalpha()) and _named(word[0].lower(), vocab.given_names)


def _named(word: str, names: frozenset[str]) -> bool:
    """Whether a word (lower case) is in `names`, unaccented; a hyphenated one by its first part."""
    first = unaccented(word)
    return first in names or first.split("-")[0] in names


def _private(
    text: str,
    part: list[re.Match[str]],
    prefix: str | None,
    after_not_name: bool,
    vocab: NameVocabulary,
    *,
    titled: bool = False,
) -> bool:
    """Whether one part of a run is a private person's name (`titled`: of a Title Case text, see _parts)."""
    if prefix == "official":
        return False
    folded = [m[0].lower() for m in part]
    if " ".join(folded) in vocab.public_figures or " ".join(folded[-2:]) in vocab.public_figures:
        return False
    end = part[-1].end()
    possessive = _POSSESSIVE.match(text, end)
    following = _SPACE_THEN_WORD.match(text, possessive.end() if possessive else end)
    after = following[1].lower() if following else None
    # "Adam Street", "Charles Darwin Academy", "Thomas' Hospital"; not "Kofi Mensah After ...", nor, in Title Case,
    # where every word is capitalised, "Sarah Jones Family Pay Tribute": there only a place word says a place.
    if after in vocab.place_words if titled else after in vocab.not_names and after not in vocab.common_words:
        return False
    # After a word never in a name, a place or an institution ("St Thomas", "Queen Elizabeth"), unless a cue or an
    # age set off by commas says a person: "Teenager Kwabena Asante, 17," and "On Friday Sarah Jones, 34," are people.
    # A hyphenated first name ("Mary-Jane", "Jean-Paul") by its first part: the lists hold "mary" and "jean".
    if not after_not_name and (
        prefix == "title" or _first_name(folded[0], vocab) or (len(part) >= 2 and _given_name(part[0], vocab))
    ):
        return True
    if vocab.cues.search(text, max(0, part[0].start() - CUE_CHARS), part[0].start()):
        return True
    return len(part) >= 2 and (_AGE_APPOSED if after_not_name else _AGE_AFTER).match(text, end) is not None


def _runs(text: str, words: list[re.Match[str]], particles: frozenset[str] = frozenset()) -> list[list[re.Match[str]]]:
    """Group capitalised words into runs separated by single spaces, or by a surname's particle between two ("John
    de Souza": masked whole, not as "[name] de Souza")."""
    runs: list[list[re.Match[str]]] = []
    for m in words:
        gap = text[runs[-1][-1].end() : m.start()] if runs else ""
        if gap == " " or (gap[:1] == gap[-1:] == " " and gap[1:-1] in particles):
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def _prefix(text: str, start: int, vocab: NameVocabulary) -> str | None:
    """Return "official" when a rank or office (any case: "said detective inspector") comes right before `start`,
    "title" after a title, else None."""
    before = _WORD_BEFORE.search(text, max(0, start - PREFIX_CHARS), start)
    if before is None:
        return None
    word = before[1].lower()
    return "official" if word in vocab.officials else "title" if word in vocab.titles else None


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)
