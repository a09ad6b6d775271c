"""What the Map page shows of the incidents its filters keep, asked for as the page draws it: how many, the counts its
charts and legend need, the cells of the density view, the points it draws, a page of ids, one incident's point and
marker. The page asks only these, so that a backend can answer each with a query rather than hand over every row
(PostgreSQL's, at ten million incidents, took 36 s and 6.5 GB to load into each dashboard process).

`FrameShown` answers them from the page's shared frame (dashboard.data.without_texts) filtered in pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import numpy as np
import pandas as pd

from dashboard import maps
from dashboard.filters import Filters, filter_incidents
from extract import selection, store
from extract.records import PRECISIONS
from extract.selection import Selection

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
        value, for the values held: none of 0, nothing for a missing value; in no particular order. `month` is a
        date's month, YYYY-MM."""
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

    def drawn(self) -> pd.Index:
        """The ids of those the map draws as points (maps.drawable), in order."""
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
        if column == "month":  # counted by date, a few thousand, then by month
            by_date = self.counts("date", drawn=drawn)
            return by_date.groupby(by_date.index.astype(str).str.slice(0, 7)).sum()
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

    def drawn(self) -> pd.Index:
        return self.rows.index[self._drawable()]

    def bounds(self) -> Bounds | None:
        return maps.points_bounds(self.rows)

    def marker(self, incident: str | None) -> tuple[float, float] | None:
        return maps.marker_point(self.rows, incident)

    def stack(self, incident: str) -> list[str]:
        return maps.stack_of(self.rows, incident)

    def at_point(self, lat: float, lon: float, *, approximate: bool) -> list[tuple[str, str | None]]:
        """(id, date) of those the map draws in one marker at (lat, lon) as `approximate` or not (maps.same_marker),
        in order."""
        same = (maps.drawable(self.rows) & maps.same_marker(self.rows, lat, lon, approximate=approximate)).to_numpy()
        rows = self.rows.iloc[np.flatnonzero(same)]
        return dated(rows)

    def _drawable(self) -> np.ndarray:
        return maps.drawable(self.rows).to_numpy(dtype=bool)


Connect = Callable[[], AbstractContextManager[store.Connection]]
"""Lends a read-only connection to the database for one statement, and takes it back."""
CUBE = ("type", "weapon", "borough", "precision", "drawn", "unplaced")
"""The columns QueryShown counts the kept rows by in one statement, from which it answers every count, pair and
missing value of them: one scan of the table where each count would take one (at ten million incidents, 0.5-0.9 s
each). Each has a few dozen values at most, so the groups stay few whatever the number of rows."""


PAGE_COUNTS = ((CUBE, False), (("month",), False), (("cell",), True))
"""The counts (columns, of the drawn only) a Map page run asks of the kept rows, the first first: the cube, the
months, the density's cells. When the cube is read from the table, so are the others the counts made ahead do not
answer, in one statement (selection.tallies), where each would read the kept rows again. At ten million: a 2 km
circle's three, 0.25 s against about 0.3 s each; the cube and cells of a range not of whole months, 1.7 s against
2.5 s."""


EXACT_BOUNDS = 10_000
"""Points drawn up to which the box a map opens on is theirs; above it, their cells' (extract.selection.cells_bounds),
which the density view counts anyway, from the counts made ahead or the table: at ten million, bounding the 333,000
points of one type took 3 s, and the points of a month 0.3 s beside its cells' count."""
FEW_SHARE = 50
"""Kept rows under a fiftieth of those the order's index walks past (the stored ones, or a date range's) are found by
the filters' indexes, then ordered: found by walking the order's index, a page of 25,000 among ten million took
24 s."""


class QueryShown:
    """`Shown` of the stored reports that `kept` keeps, asked of a PostgreSQL database statement by statement
    (extract.selection), together with `extra`: a FrameShown of the rows the dashboard derives itself (corrected by an
    editor, say), whose ids `kept` leaves out. Each answer but an incident's own (marker, stack) is kept with the
    object, for as long as it is kept: dashboard.data.queried keeps it for its link and the database's version."""

    def __init__(self, connect: Connect, kept: Selection, *, extra: FrameShown | None = None) -> None:
        self.connect, self.kept, self.extra = connect, kept, extra
        self._tallies: dict[tuple[tuple[str, ...], bool], pd.DataFrame] = {}
        self._answers: dict[tuple, Any] = {}  # newest, drawn, bounds and _few, by what was asked
        parts = selection.in_parts(kept)
        self._parts = None if parts is None else [QueryShown(connect, part) for part in parts]

    def __len__(self) -> int:
        own = int(self._counted(("drawn",), drawn=False)["n"].sum())
        return own + (len(self.extra) if self.extra is not None else 0)

    def newest(self, n: int | None = None) -> pd.Index:
        read = lambda conn: selection.newest(conn, self.kept, n, few=self._few(conn))  # noqa: E731
        return self._kept(("newest", n), lambda: self._in_order(read, n, drawn=False))

    def counts(self, column: str, *, drawn: bool = False) -> pd.Series:
        found = self._counted((column,), drawn=drawn)
        found = found[found[column].notna()]
        counts = pd.Series(found["n"].to_numpy(), index=pd.Index(found[column].to_numpy(), dtype=object), dtype=int)
        if self.extra is not None:
            counts = counts.add(self.extra.counts(column, drawn=drawn).astype(int), fill_value=0).astype(int)
        return counts.groupby(level=0).sum() if counts.index.has_duplicates else counts

    def pairs(self, first: str, second: str, *, drawn: bool = False) -> pd.DataFrame:
        found = self._counted((first, second), drawn=drawn)
        if self.extra is not None:
            found = pd.concat([found, self.extra.pairs(first, second, drawn=drawn)], ignore_index=True)
        return summed(found, (first, second))

    def missing(self, column: str) -> int:
        if column == "lat":  # its values are too many to count by: the rows without one are counted
            found = self._counted(("unplaced",), drawn=False)
            own = int(found.loc[found["unplaced"].astype(bool), "n"].sum())
        else:  # a date is missing where its month is, which more of the counts made ahead count by
            found = self._counted(("month",) if column == "date" else (column,), drawn=False)
            own = int(found.loc[found.iloc[:, 0].isna(), "n"].sum())
        return own + (self.extra.missing(column) if self.extra is not None else 0)

    def drawable(self) -> int:
        found = self._counted(("drawn",), drawn=False)
        own = int(found.loc[found["drawn"].astype(bool), "n"].sum())
        return own + (self.extra.drawable() if self.extra is not None else 0)

    def drawn(self) -> pd.Index:
        read = lambda conn: selection.newest(conn, self.kept, drawn=True, few=self._few(conn))  # noqa: E731
        return self._kept(("drawn",), lambda: self._in_order(read, None, drawn=True))

    def bounds(self) -> Bounds | None:
        return self._kept(("bounds",), self._bounds)

    def _bounds(self) -> Bounds | None:
        cells = self._tally(("cell",), drawn=True)["cell"] if self.drawable() > EXACT_BOUNDS else None
        if cells is not None and cells.notna().all():  # the density view's cells, counted for it anyway
            own = selection.cells_bounds(cells)
        else:
            with self.connect() as conn:
                own = selection.bounds(conn, self.kept)
        found = [b for b in (own, self.extra and self.extra.bounds()) if b]
        if not found:
            return None
        south, west, north, east = zip(*found)
        return min(south), min(west), max(north), max(east)

    def marker(self, incident: str | None) -> tuple[float, float] | None:
        if incident is None:
            return None
        if self.extra is not None and incident in self.extra.rows.index:
            return self.extra.marker(incident)
        with self.connect() as conn:
            found = selection.point(conn, self.kept, incident)
        return None if found is None else found[:2]

    def stack(self, incident: str) -> list[str]:
        own = self.extra is not None and incident in self.extra.rows.index
        if own:
            at = self.extra.marker(incident)  # type: ignore[union-attr]
            precision = self.extra.rows.at[incident, "precision"]  # type: ignore[union-attr]
        else:
            with self.connect() as conn:
                found = selection.point(conn, self.kept, incident)
            at, precision = (None, None) if found is None else (found[:2], found[2])
        if at is None:
            return [incident]
        approximate = maps.approximate(precision)
        alike = [p for p in (*PRECISIONS, None) if maps.approximate(p) == approximate]
        with self.connect() as conn:
            rows = selection.at_point(conn, self.kept, *at, decimals=maps.DECIMALS, precisions=alike)
        if self.extra is not None:
            rows += self.extra.at_point(*at, approximate=approximate)
        ids = [i for i, _ in ordered([(i, d) for i, d, *_ in rows])]
        return [incident] + [i for i in ids if i != incident]

    def _kept(self, asked: tuple, answer: Callable[[], Any]) -> Any:
        """The answer to what was `asked`, made by `answer` the first time."""
        if asked not in self._answers:  # sessions share the object: two may both make it, and keep the same
            self._answers[asked] = answer()
        return self._answers[asked]

    def _few(self, conn: store.Connection) -> bool:
        """Whether the kept rows are few (FEW_SHARE) beside those the order's index would walk past for them: found
        first, then ordered. It walks the stored rows, or of a date range only the range's, which it holds together
        (counted by day ahead): at ten million, a month's first page of events took 0.375 s found first, 0.001 s
        walked."""
        return self._kept(("few",), lambda: self._counted_few(conn))

    def _counted_few(self, conn: store.Connection) -> bool:
        if self.kept.date_from is None and self.kept.date_to is None:
            return len(self) * FEW_SHARE < selection.stored(conn)
        kept = self.kept
        ranged = Selection(date_from=kept.date_from, date_to=kept.date_to, undated=kept.undated, events=kept.events)
        return len(self) * FEW_SHARE < sum(row[-1] for row in selection.tally(conn, ranged, ("month",)))

    def _counted(self, columns: tuple[str, ...], *, drawn: bool) -> pd.DataFrame:
        """The kept rows (drawn, when `drawn`) counted by `columns`, from the cube when it holds them, unless the
        counts made ahead answer these and not the cube (of a range of whole months: by every column at once, they
        would be too many to count ahead); of a range not of whole months, by its parts (selection.in_parts) when the
        counts answer its whole months: at ten million, from 15 March 2024 on took 1.8-2.6 s from the table."""
        counted = selection.counted_ahead
        if self._parts is not None and counted(self._parts[0].kept, columns, drawn=drawn):
            # A range not of whole months: its whole months from the counts made ahead, its ends from the table.
            return summed(pd.concat([part._counted(columns, drawn=drawn) for part in self._parts]), columns)
        if set(columns) <= set(CUBE) and (counted(self.kept, CUBE) or not counted(self.kept, columns, drawn=drawn)):
            cube = self._tally(CUBE, drawn=False)
            if drawn:
                cube = cube[cube["drawn"].astype(bool)]
            return summed(cube, columns)
        return self._tally(columns, drawn=drawn)

    def _tally(self, columns: tuple[str, ...], *, drawn: bool) -> pd.DataFrame:
        if (columns, drawn) in self._tallies:
            return self._tallies[(columns, drawn)]
        asked = [(columns, drawn)]
        ahead = selection.counted_ahead
        if (columns, drawn) == PAGE_COUNTS[0] and not ahead(self.kept, columns):
            # The cube (the page's first count) from the table: so are the page's other counts the counts made ahead
            # do not answer, in the same statement, one read of the kept rows.
            also = [q for q in PAGE_COUNTS[1:] if q not in self._tallies]
            asked += [(c, d) for c, d in also if not ahead(self.kept, c, drawn=d)]
        with self.connect() as conn:
            if len(asked) > 1:
                found = selection.tallies(conn, self.kept, asked)
            else:
                found = [selection.tally(conn, self.kept, columns, drawn=drawn)]
        for (counted, on_map), rows in zip(asked, found, strict=True):
            frame = pd.DataFrame.from_records(rows, columns=[*counted, "n"])
            self._tallies[(counted, on_map)] = frame.astype({c: object for c in counted}).astype({"n": int})
        return self._tallies[(columns, drawn)]

    def _in_order(self, read: Callable[[store.Connection], list[tuple]], n: int | None, *, drawn: bool) -> pd.Index:
        """The ids `read` gives, with the extra rows' (drawn only, when `drawn`), in the page's order, the first `n`."""
        with self.connect() as conn:
            rows = [(i, d) for i, d in read(conn)]
        if self.extra is not None:
            ids = self.extra.drawn() if drawn else self.extra.newest(n)
            rows += dated(self.extra.rows.loc[ids])
            rows = ordered(rows)
        return pd.Index([i for i, _ in (rows if n is None else rows[:n])], dtype=object)


def summed(counted: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Counts (`n`) summed by `columns`, a missing value one group as None: columns `columns` and `n`."""
    summed = counted.groupby(list(columns), sort=False, dropna=False)["n"].sum().reset_index()
    return summed.astype({c: object for c in columns}).replace({np.nan: None})


def dated(rows: pd.DataFrame) -> list[tuple[str, str | None]]:
    """(id, date) of each row of a frame with a `date` column, a missing date as None: as `ordered` takes them."""
    return [(i, None if pd.isna(d) else d) for i, d in zip(rows.index, rows["date"].astype(object))]


def ordered(rows: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """(id, date) pairs in the page's order: newest date first, undated last, then by id."""
    by_id = sorted(rows, key=lambda r: r[0])
    return sorted(by_id, key=lambda r: r[1] or "", reverse=True)  # stable: the ids stay in order within a date


def selection_of(filters: Filters, *, left_out: Sequence[str] = ()) -> Selection:
    """Return the Selection of the stored reports `filters` keep, but for their text search (a Selection's `search`),
    leaving out the incidents `left_out`."""
    place = filters.near.place if filters.near is not None else None
    return Selection(
        boroughs=filters.boroughs,
        types=filters.types,
        categories=filters.categories,
        date_from=filters.date_from.isoformat() if filters.date_from else None,
        date_to=filters.date_to.isoformat() if filters.date_to else None,
        undated=filters.undated,
        fatal_only=filters.fatal_only,
        weapon=filters.weapon,
        precisions=PRECISIONS[: PRECISIONS.index(filters.min_precision) + 1] if filters.min_precision else None,
        near=selection.Near(place.lat, place.lon, filters.km) if place is not None else None,
        left_out=tuple(left_out),
    )
