"""Where incident ids are in a frame's index, found without pandas' hash table of the index.

pandas looks labels up in an index by a hash table of its values as Python objects, made at the first look-up and
kept with the index: at a million incidents 107 MB and 0.14-0.39 s, the largest thing a dashboard process held after
its frames, made on every page's first run (its table's rows are looked up). Here an index of HASHED_ROWS ids or
more is looked up by its ids' 64-bit hashes, sorted (16 MB, made in about 0.3 s at a million), kept while an index
holding those ids lives (the frames of one database version share one Arrow array of ids, and so one table); up to
SCANNED_IDS ids, when no such table is kept, by comparing every id (about 10 ms at a million), which keeps nothing;
and a smaller index by pandas itself.
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


def find(index: pd.Index, ids: Iterable[str]) -> np.ndarray:
    """Return the position in `index` (unique incident ids) of each of `ids`, in their order, -1 for an id it does
    not hold, as `index.get_indexer(ids)` does.

    Example:
        rows = frame.iloc[find(frame.index, shown.index[:TABLE_ROWS])]
    """
    wanted = np.asarray(list(ids), dtype=object)
    if len(index) < HASHED_ROWS:
        return index.get_indexer(wanted)
    values, key = _values(index)
    table = _kept(key)
    if table is None and values is not None and len(wanted) <= SCANNED_IDS:
        return _scanned(values, wanted)
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


@dataclass(frozen=True)
class _Hashes:
    """An index's ids by hash: `hashes` (pandas.util.hash_array's) in ascending order, `at` the position of each;
    `keeper` an index holding these ids, while it lives."""

    hashes: np.ndarray
    at: np.ndarray
    keeper: weakref.ref[pd.Index]

    def find(self, index: pd.Index, wanted: np.ndarray) -> np.ndarray:
        """Return `find`'s positions of `wanted` (Python strings) in `index`, whose ids these are."""
        hashes = _hashes(wanted)
        first = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
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


_KEPT: dict[tuple, _Hashes] = {}
_LOCK = threading.Lock()


def _values(index: pd.Index) -> tuple[pa.ChunkedArray | None, tuple]:
    """Return the index's ids as Arrow holds them (None when it holds them as Python objects), and what names them
    in _KEPT: the Arrow buffers, which indexes of one version's frames share, else the index itself."""
    if not hasattr(index.array, "__arrow_array__"):
        return None, ("index", id(index))
    values = index.array.__arrow_array__()
    if not isinstance(values, pa.ChunkedArray):
        values = pa.chunked_array([values])
    # A kept table's keeper holds its buffers, so while it lives no other array has their addresses.
    buffers = tuple(
        (tuple(b.address if b is not None else 0 for b in chunk.buffers()), chunk.offset, len(chunk))
        for chunk in values.chunks
    )
    return values, ("arrow", buffers)


def _kept(key: tuple) -> _Hashes | None:
    table = _KEPT.get(key)
    return table if table is not None and table.keeper() is not None else None


def _keep(key: tuple, index: pd.Index) -> _Hashes:
    hashes = _hashes(index.array)
    order = np.argsort(hashes, kind="stable")
    table = _Hashes(hashes[order], order.astype(np.intp), weakref.ref(index))
    with _LOCK:
        for gone in [k for k, t in _KEPT.items() if t.keeper() is None]:
            del _KEPT[gone]
        _KEPT[key] = table
    return table


def _hashes(values: object) -> np.ndarray:
    """Return the 64-bit hash of each id of `values` (Python strings, or a pandas array of them): equal for equal
    ids, whatever holds them."""
    return pd.util.hash_array(values, categorize=False)


def _scanned(values: pa.ChunkedArray, wanted: np.ndarray) -> np.ndarray:
    """Return `find`'s positions of `wanted` in the ids `values`, every id compared."""
    mask = pc.is_in(values, value_set=pa.array(wanted, values.type))
    held = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    found = dict(zip(values.take(pa.array(held)).to_pylist(), held.tolist()))
    return np.array([found.get(w, -1) for w in wanted], dtype=np.intp)
