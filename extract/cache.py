"""A pickle of a built object (the extractor) in the user's cache directory, keyed by the place and bytes of every
input file and the format version, so that a second start loads it instead of building it again. The place counts
because a pickle may hold paths of files it reads later (the gazetteer's postcodes).

The directory is $CRIMEMAP_CACHE_DIR (empty: no cache), else $XDG_CACHE_HOME/crimemap, else ~/.cache/crimemap.
A cache file is written to a temporary name and renamed into place, so a reader never sees half of one; one that
cannot be read (cut short, from another version of a library) is built again, and a directory that cannot be
written only costs the build.

Example:
    extractor = load_cached(build, name="extractor", inputs=[DATA_DIR, CODE_DIR])
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

CACHE_ENV = "CRIMEMAP_CACHE_DIR"
FORMAT = 2  # bump when what is pickled changes in a way the inputs' bytes do not show
INPUT_SUFFIXES = frozenset({".py", ".csv", ".txt", ".gz", ".geojson", ".json"})
"""The files of an input directory that count: code and data, not databases or caches written beside them."""

T = TypeVar("T")


def cache_dir() -> Path | None:
    """Return the cache directory: $CRIMEMAP_CACHE_DIR (None when set empty), $XDG_CACHE_HOME/crimemap or
    ~/.cache/crimemap."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "crimemap"


def inputs_digest(inputs: Iterable[Path]) -> str:
    """Return a hash of the format version, this Python, and the absolute paths, names and bytes of the input files
    (a directory: its files with an INPUT_SUFFIXES suffix, recursively)."""
    digest = hashlib.sha256(f"{FORMAT}|{sys.version}|{pickle.HIGHEST_PROTOCOL}".encode())
    for path in inputs:
        digest.update(f"\0{path.resolve()}\0".encode())
        files = (
            sorted(p for p in path.rglob("*") if p.suffix in INPUT_SUFFIXES and p.is_file())
            if path.is_dir()
            else [path]
        )
        for f in files:
            digest.update(f"\0{f.relative_to(path) if f != path else f.name}\0".encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:32]


def load_cached(
    build: Callable[[], T],
    *,
    name: str,
    inputs: Iterable[Path],
    directory: Path | None = None,
) -> T:
    """Return the object `build()` makes, from the cache when a pickle of it with the same inputs is there, else
    built and cached. `directory` defaults to cache_dir()."""
    folder = directory or cache_dir()
    if folder is None:
        return build()
    try:
        path = folder / f"{name}-{inputs_digest(inputs)}.pickle"
    except OSError:
        return build()
    try:
        with open(path, "rb") as saved:
            return pickle.load(saved)
    # Missing, cut short, or pickled by another version of a library: built again.
    except Exception:  # noqa: BLE001
        pass
    built = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}-", suffix=".tmp", delete=False) as temporary:
            try:
                pickle.dump(built, temporary, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                os.unlink(temporary.name)
                raise
        os.replace(temporary.name, path)
        for stale in folder.glob(f"{name}-*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # an unwritable directory, or an object that cannot be pickled: the build is used uncached
    return built
