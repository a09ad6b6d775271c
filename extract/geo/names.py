"""Place-name normalisation: one canonical key per name, and the surface variants people write.

`name_key("St. John's Rd")` and `name_key("Saint Johns Road")` are both "saint johns road".
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from extract.datafiles import DATA_DIR, read_rows
from extract.text.folding import fold_text

_KEY_DROP = str.maketrans({"'": None, ".": None, ",": " ", "(": " ", ")": " ", "/": " "})
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def abbreviations(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Return the street-word abbreviations (rd -> road, ...) from name_abbreviations.csv in `data_dir`."""
    return {row["abbreviation"]: row["full"] for row in read_rows(data_dir / "name_abbreviations.csv")}


@lru_cache(maxsize=1)
def street_words(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Return street-type words ("road", "hill", ...) with their strength: "strong" or "weak" (also an area word),
    from street_words.csv in `data_dir`."""
    return {row["word"]: row["strength"] for row in read_rows(data_dir / "street_words.csv")}


def street_strength(key: str) -> str | None:
    """Return "strong", "weak" or None for the street-type word ending the canonical key `key`."""
    return street_words().get(key.rsplit(" ", 1)[-1]) if " " in key else None


def name_heads(key: str) -> list[str]:
    """The words the canonical key `key` begins with, all but its last, longest first ("ponders end high street":
    "ponders end high", "ponders end", "ponders"): the area a street may be named after."""
    words = key.split(" ")
    return [" ".join(words[:n]) for n in range(len(words) - 1, 0, -1)]


def name_tails(key: str) -> list[str]:
    """The words `key` ends with, all but its first, longest first ("high road leyton": "road leyton", "leyton")."""
    words = key.split(" ")
    return [" ".join(words[n:]) for n in range(1, len(words))]


@lru_cache(maxsize=200_000)  # the same street, ward and area names recur in every article and look-up
def name_key(name: str) -> str:
    """Return the canonical key of a place name: lower case, no apostrophes or full stops, '&' -> 'and',
    abbreviations expanded, 'St' -> 'saint' before a name and 'street' at the end."""
    s = fold_text(name).replace("&", " and ").translate(_KEY_DROP)
    tokens = _SPACES.sub(" ", s).strip().split(" ")
    if tokens == [""]:
        return ""
    abbr = abbreviations()
    out = []
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        if tok == "st":
            tok = "street" if i == last and i > 0 else "saint"
        elif tok in abbr and i > 0:
            tok = abbr[tok]
        out.append(tok)
    return " ".join(out)


def surface_variants(display: str) -> set[str]:
    """Return the folded spellings of `display` to look for in text: with and without apostrophes,
    'St'/'St.'/'Saint', '&'/'and'."""
    base = _SPACES.sub(" ", fold_text(display).replace(".", "")).strip()
    variants = {base}
    tokens = base.split(" ")
    # apostrophes: "king's" <-> "kings"; PPD spells without, police.uk and people with
    if any("'" in t for t in tokens) or any(t.endswith("s") and len(t) > 3 for t in tokens):
        stripped = [t.replace("'", "") for t in tokens]
        variants.add(" ".join(stripped))
        possessive = [t[:-1] + "'s" if t.endswith("s") and len(t) > 3 and not t.endswith("ss") else t for t in stripped]
        variants.add(" ".join(possessive))
        for j, t in enumerate(stripped):  # one possessive at a time: "st john's wood road"
            if t.endswith("s") and len(t) > 3 and not t.endswith("ss"):
                variants.add(" ".join(stripped[:j] + [t[:-1] + "'s"] + stripped[j + 1 :]))
    more = set()
    for v in variants:
        toks = v.split(" ")
        if toks[0] in ("st", "saint"):
            rest = " ".join(toks[1:])
            more.update({f"st {rest}", f"st. {rest}", f"saint {rest}"})
        if " and " in v:
            more.add(v.replace(" and ", " & "))
        if " & " in v:
            more.add(v.replace(" & ", " and "))
    variants |= more
    return {v for v in variants if v}
