"""Text folding for matching: lower case with quotes, dashes and line breaks folded, keeping every offset."""

from __future__ import annotations

# Length-preserving: curly quotes become "'", dashes become spaces, so offsets into the text survive. Applied as a
# chain of str.replace, which scans a text at memory speed for a character it mostly lacks: about ten times faster
# than str.translate with a table, which goes character by character through Python objects.
FOLDS = (
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("`", "'"),
    ("\u00b4", "'"),
    ("-", " "),
    ("\u2010", " "),
    ("\u2011", " "),
    ("\u2012", " "),
    ("\u2013", " "),
    ("\u2014", " "),
    ("\n", " "),
    ("\r", " "),
    ("\t", " "),
    ("\u00a0", " "),
)


def fold_text(text: str) -> str:
    """Lower-case `text` and fold quotes, dashes and line breaks, keeping its length (offsets stay valid)."""
    folded = text.lower()
    if len(folded) != len(text):  # a few characters (e.g. U+0130) lower-case to two
        folded = "".join(c.lower()[:1] or c for c in text)
    for character, replacement in FOLDS:
        folded = folded.replace(character, replacement)
    return folded
