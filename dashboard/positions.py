"""Where incident ids are in a frame's index, found without pandas' hash table of the index.

pandas looks labels up in an index by a hash table of its values as Python objects, made at the first look-up and
kept with the index: at a million incidents 107 MB and 0.14-0.39 s, the largest thing a dashboard process held after
its frames, made on every page's first run (its table's rows are looked up). Here an index of HASHED_ROWS ids or
more is looked up by its ids' 64-bit hashes, sorted (16 MB, made in 0.3 s at a million), kept while the index that
made it lives (the frames of one database version share one Arrow array of ids, and so one table); up to SCANNED_IDS
ids, when no such table is kept, by comparing every id (about 10 ms at a million), which keeps nothing; and a smaller
index by pandas itself.

(pandas also makes its table when a boolean Series of a frame's length becomes an array: numpy asks the Series for its
array interfaces by attribute, and each attribute not found is looked up among the index's labels. Callers mask with
`.to_numpy()`.)
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

HASHED_ROWS = 50_000  # below this many ids pandas' own table is a few MB, made in milliseconds
SCANNED_IDS = 4  # ids found by a scan: a page's open incident, a link's
HASH_SLICE = 65_536  # ids hashed at a time: each slice's Python strings, not a million (130 MB at once), exist at once


def find(index: pd.Index, ids: Iterable[str]) -> np.ndarray:
    """Return the position in `index` (unique incident ids) of each of `ids`, in their order, -1 for an id it does
    not hold, as `index.get_indexer(ids)` does.

    Example:
        rows = frame.iloc[find(frame.index, shown.index[:TABLE_ROWS])]
    """
    if isinstance(ids, pd.Index) and ids.dtype == index.dtype and ids.equals(index):
        return np.arange(len(index), dtype=np.intp)
    wanted = _objects(ids)
    if len(index) < HASHED_ROWS:
        return index.get_indexer(wanted)
    key = _key(index)
    table = _kept(key)
    if table is None and key[0] == "arrow" and len(wanted) <= SCANNED_IDS:
        return _scanned(index, wanted)
    if table is None:
        table = _keep(key, index)
    return table.find(index, wanted)


def find_one(index: pd.Index, incident: object) -> int | None:
    """Return the position in `index` of the incident id `incident`, None when it holds no such id (or `incident`
    is None or not text)."""
    if not isinstance(incident, str):
        return None
    at = int(find(index, [incident])[0])
    return None if at < 0 else at


def holds(index: pd.Index, incident: object) -> bool:
    """Whether `index` holds the incident id `incident` (False for None)."""
    return find_one(index, incident) is not None


@dataclass(frozen=True, slots=True)
class _Hashes:
    """An index's ids by hash: `hashes` (_hashes') in ascending order, `at` the position of each."""

    hashes: np.ndarray
    at: np.ndarray

    def find(self, index: pd.Index, wanted: np.ndarray) -> np.ndarray:
        """Return `find`'s positions of `wanted` (an object array) in `index`, whose ids these are."""
        hashes = _hashes(wanted)
        # In ascending order: numpy's binary search then starts each from the last (at 1M, 571,000 ids 0.26 -> 0.05 s).
        order = np.argsort(hashes)
        first = np.empty(len(hashes), dtype=np.intp)
        first[order] = np.minimum(np.searchsorted(self.hashes, hashes[order]), len(self.hashes) - 1)
        at = np.where(self.hashes[first] == hashes, self.at[first], -1)
        hit = np.flatnonzero(at >= 0)
        same = index[at[hit]].to_numpy(dtype=object) == wanted[hit]
        at[hit[~same]] = -1
        # Another id of the same hash came first: look through the ids of that hash (none in a million, mostly).
        for i in hit[~same]:
            j = first[i] + 1
            while j < len(self.hashes) and self.hashes[j] == hashes[i]:
                if index[self.at[j]] == wanted[i]:
                    at[i] = self.at[j]
                    break
                j += 1
        return at


_KEPT: dict[tuple, tuple[weakref.ref[pd.Index], _Hashes]] = {}
_LOCK = threading.Lock()  # one table made at a time: two sessions' first pages would make it twice, at twice the peak


def _key(index: pd.Index) -> tuple:
    """Return what names the index's table in _KEPT: its Arrow buffers when Arrow holds its ids (indexes of one
    version's frames share them), else the index itself. A kept table's maker holds those buffers, so while it lives
    no other array has their addresses."""
    if not isinstance(index.array, pd.arrays.ArrowExtensionArray):
        return ("index", id(index))
    values = _arrow(index)
    buffers = tuple(
        (tuple(b.address if b is not None else 0 for b in chunk.buffers()), chunk.offset, len(chunk))
        for chunk in values.chunks
    )
    return ("arrow", str(values.type), buffers)


def _kept(key: tuple) -> _Hashes | None:
    kept = _KEPT.get(key)
    return kept[1] if kept is not None and kept[0]() is not None else None


def _keep(key: tuple, index: pd.Index) -> _Hashes:
    with _LOCK:
        if (table := _kept(key)) is not None:  # made by another session meanwhile
            return table
        hashes = np.concatenate(
            [_hashes(index[at : at + HASH_SLICE].to_numpy(dtype=object)) for at in range(0, len(index), HASH_SLICE)]
        )
        order = np.argsort(hashes)  # equal hashes in any order: find looks through them all
        table = _Hashes(hashes[order], order.astype(np.intp))

        def gone(_: weakref.ref, key: tuple = key, table: _Hashes = table) -> None:
            # No lock: a collection inside the locked block above may call this.
            kept = _KEPT.get(key)
            if kept is not None and kept[1] is table:
                _KEPT.pop(key, None)

        _KEPT[key] = (weakref.ref(index, gone), table)
    return table


def _arrow(index: pd.Index) -> pa.ChunkedArray:
    """Return the ids of an index Arrow holds (pd.arrays.ArrowExtensionArray), as Arrow holds them: no copy."""
    values = index.array.__arrow_array__()
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def _objects(ids: Iterable[str]) -> np.ndarray:
    """Return `ids` as an array of Python objects: a pandas one's in one go, not id by id."""
    if isinstance(ids, (pd.Index, pd.Series, pd.api.extensions.ExtensionArray)):
        return ids.to_numpy(dtype=object)
    return np.asarray(list(ids), dtype=object)


def _hashes(values: np.ndarray) -> np.ndarray:
    """Return the 64-bit hash of each id of `values` (an object array): equal for equal ids."""
    return pd.util.hash_array(values, categorize=False)


def _scanned(index: pd.Index, wanted: np.ndarray) -> np.ndarray:
    """Return `find`'s positions of `wanted` in an Arrow-held `index`, every id compared."""
    values = _arrow(index)
    texts = [w for w in wanted if isinstance(w, str)]  # an id that is not text is in no index of ids
    held = np.flatnonzero(pc.is_in(values, value_set=pa.array(texts, values.type)).to_numpy(zero_copy_only=False))
    found = dict(zip(values.take(pa.array(held)).to_pylist(), held.tolist()))
    return np.array([found.get(w, -1) if isinstance(w, str) else -1 for w in wanted], dtype=np.intp)
