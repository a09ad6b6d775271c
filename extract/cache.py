"""A pickle of a built object (the extractor) in the user's cache directory, keyed by the bytes of every input file
and the format version, so that a second start loads it instead of building it again.

The directory is $CRIMEMAP_CACHE_DIR (empty: no cache), else $XDG_CACHE_HOME/crimemap, else ~/.cache/crimemap.
A cache file is written to a temporary name and renamed into place, so a reader never sees half of one; one that
cannot be read (cut short, from another version of a library) is built again, and a directory that cannot be
written only costs the build.

Example:
    extractor = load_cached(build, name="extractor", inputs=[DATA_DIR, CODE_DIR], external={Gazetteer: load_gazetteer})
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, TypeVar

CACHE_ENV = "CRIMEMAP_CACHE_DIR"
FORMAT = 1  # bump when what is pickled changes in a way the inputs' bytes do not show
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
    """Return a hash of the format version, this Python, and the names and bytes of the input files (a directory:
    its files with an INPUT_SUFFIXES suffix, recursively)."""
    digest = hashlib.sha256(f"{FORMAT}|{sys.version}|{pickle.HIGHEST_PROTOCOL}".encode())
    for path in inputs:
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
    external: Mapping[type, Callable[[], object]] | None = None,
    directory: Path | None = None,
) -> T:
    """Return the object `build()` makes, from the cache when a pickle of it with the same inputs is there, else
    built and cached. Objects of an `external` type are not pickled but loaded again by their function (what is
    faster to load from its own files than to unpickle). `directory` defaults to cache_dir()."""
    external = dict(external or {})
    folder = directory or cache_dir()
    if folder is None:
        return build()
    try:
        path = folder / f"{name}-{inputs_digest(inputs)}.pickle"
    except OSError:
        return build()
    try:
        with open(path, "rb") as saved:
            return _Unpickler(saved, list(external.values())).load()
    # Missing, cut short, or pickled by another version of a library: built again.
    except Exception:  # noqa: BLE001
        pass
    built = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}-", suffix=".tmp", delete=False) as temporary:
            try:
                _Pickler(temporary, list(external)).dump(built)
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


class _Pickler(pickle.Pickler):
    def __init__(self, file: IO[bytes], external: list[type]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.external = external

    def persistent_id(self, obj: object) -> int | None:
        kind = type(obj)
        return self.external.index(kind) if kind in self.external else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: IO[bytes], external: list[Callable[[], object]]) -> None:
        super().__init__(file)
        self.external = external
        self.loaded: dict[int, object] = {}

    def persistent_load(self, pid: object) -> object:
        if not isinstance(pid, int) or not 0 <= pid < len(self.external):
            raise pickle.UnpicklingError(f"unknown external object {pid!r}")
        if pid not in self.loaded:
            self.loaded[pid] = self.external[pid]()
        return self.loaded[pid]
