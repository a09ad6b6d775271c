"""Where the project's data files live, and the one way to read a vocabulary file.

Vocabulary files are UTF-8 text or CSV; a line starting with "#" is a comment and blank lines are skipped.
"""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_DB = DATA_DIR / "incidents.db"
"""The incidents database the CLI and the dashboard use when none is given."""
GEOCODE_CACHE = DATA_DIR / "geocode_cache.sqlite"
"""The online geocoder's cache of answers."""
GAZETTEER_DIR = DATA_DIR / "gazetteer"
"""The built gazetteer files (places, postcodes, borough polygons) that `crimemap gazetteer build` writes."""


def read_lines(path: str | Path) -> list[str]:
    """Return the stripped, non-blank, non-comment lines of the text file at `path`."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Return the rows of the CSV file at `path` as dicts keyed by its header, skipping "#" comment lines."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))
