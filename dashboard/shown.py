"""What the Map page shows of the incidents its filters keep, asked for as the page draws it: how many, the counts its
charts and legend need, the cells of the density view, the points it draws, a page of ids, one incident's point and
marker. The page asks only these, so that a backend can answer each with a query rather than hand over every row
(PostgreSQL's, at ten million incidents, took 36 s and 6.5 GB to load into each dashboard process).

`FrameShown` answers them from the page's shared frame (dashboard.data.without_texts) filtered in pandas.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from dashboard import maps
from dashboard.filters import Filters, filter_incidents

Bounds = tuple[float, float, float, float]
"""(south, west, north, east)"""


class Shown(Protocol):
    """The incidents (or reports) a page's filters keep, in the page's order: newest date first, undated last, then by
    incident id."""

    def __len__(self) -> int:
        """How many the filters keep."""
        ...

    def newest(self, n: int | None = None) -> pd.Index:
        """The ids of the first `n` of them (every one when None), in order."""
        ...

    def counts(self, column: str, *, drawn: bool = False) -> pd.Series:
        """How many hold each value of `column` (of those the map draws, when `drawn`: maps.drawable), indexed by
        value, for the values held: none of 0, nothing for a missing value; in no particular order."""
        ...

    def pairs(self, first: str, second: str, *, drawn: bool = False) -> pd.DataFrame:
        """How many hold each pair of values of two columns (a missing value is one, as None), as columns `first`,
        `second` and `n`, for the pairs held (of those the map draws, when `drawn`)."""
        ...

    def missing(self, column: str) -> int:
        """How many have no value in `column`."""
        ...

    def drawable(self) -> int:
        """How many the map can draw as points (maps.drawable)."""
        ...

    def drawn_rows(self) -> pd.DataFrame:
        """The rows the map draws as points (maps.drawable), in order, with the columns of the page's frame."""
        ...

    def bounds(self) -> Bounds | None:
        """The bounds of the points the map draws (maps.points_bounds), None without any."""
        ...

    def marker(self, incident: str | None) -> tuple[float, float] | None:
        """(lat, lon) of the marker that draws `incident`, None when the map does not draw it (maps.marker_point)."""
        ...

    def stack(self, incident: str) -> list[str]:
        """The ids drawn in one marker with `incident`, itself first (maps.stack_of)."""
        ...


class FrameShown:
    """`Shown` of a frame of the page's columns (data.without_texts) under `filters`; `matches` is which rows of it the
    text search keeps (data.text_matches), None without a search."""

    def __init__(self, frame: pd.DataFrame, filters: Filters, *, matches: pd.Series | None = None) -> None:
        self.rows = filter_incidents(frame, filters, matches=matches)

    def __len__(self) -> int:
        return len(self.rows)

    def newest(self, n: int | None = None) -> pd.Index:
        return self.rows.index if n is None else self.rows.index[:n]

    def counts(self, column: str, *, drawn: bool = False) -> pd.Series:
        # Without the index: a mask over a Series of a text index builds its hash table (0.15 s at half a million).
        values = self.rows[column].array
        if drawn:
            values = values[self._drawable()]
        return maps.present(pd.Series(values).value_counts())  # leaves out what is missing

    def pairs(self, first: str, second: str, *, drawn: bool = False) -> pd.DataFrame:
        at = self._drawable() if drawn else slice(None)
        both = pd.DataFrame({c: pd.Series(self.rows[c].array[at], dtype=object) for c in (first, second)})
        found = both.groupby([first, second], dropna=False, observed=True).size().reset_index(name="n")
        return found.astype({first: object, second: object}).replace({np.nan: None})

    def missing(self, column: str) -> int:
        return int(self.rows[column].isna().sum())

    def drawable(self) -> int:
        return int(self._drawable().sum())

    def drawn_rows(self) -> pd.DataFrame:
        return self.rows.iloc[np.flatnonzero(self._drawable())]

    def bounds(self) -> Bounds | None:
        return maps.points_bounds(self.rows)

    def marker(self, incident: str | None) -> tuple[float, float] | None:
        return maps.marker_point(self.rows, incident)

    def stack(self, incident: str) -> list[str]:
        return maps.stack_of(self.rows, incident)

    def _drawable(self) -> np.ndarray:
        return maps.drawable(self.rows).to_numpy(dtype=bool)
