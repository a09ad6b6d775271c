"""The stored incidents a page's filters keep, asked of a PostgreSQL database one statement at a time: how many, counts
by column, the ids of a page of them, the points a map draws. A dashboard that asks these never reads every row
(at ten million incidents, reading them took 36 s and 6.5 GB in each dashboard process).

A `Selection` says what is kept in the store's terms; the dashboard turns its filters into one. Rows come in the order
of the dashboard's frames (extract.columnar): newest date first, undated last, then by incident id, texts compared as
bytes (COLLATE "C"), as Python compares them.

Example:
    kept = Selection(boroughs=("Hackney",), fatal_only=True); by_type = tally(conn, kept, ("type",))
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import h3

from extract import store

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG): the dashboard's place search measures by it too
BAND_MARGIN_DEGREES = 1e-9  # float rounding: a point on the edge of the band of latitudes is measured
# The box whose points are measured reaches this much further east and west than the circle does at the band's edge:
# a great circle bulges away from the equator, and the box only spares the index most of the points.
BOX_MARGIN = 1.1
COLUMNS = {
    **{c: f"i.{c}" for c in ("type", "category", "borough", "borough_code", "precision", "weapon", "fatal", "date")},
    **{c: f"i.{c}" for c in ("lat", "lon", "date_basis", "place_kind", "place_name")},
    "month": "left(i.date, 7)",  # YYYY-MM of a day
    "cell": "to_hex(i.h3_r8)",  # h3's text form of a cell is its integer in lower-case hexadecimal
    "drawn": store.drawn("i"),
    "unplaced": "(i.lat IS NULL)",
}
"""The columns a selection's rows are counted by, as its statements read them of the reports; `drawn` is whether a
map draws the incident (a point placed more precisely than UNDRAWN_PRECISION), `unplaced` whether it has no
latitude."""
EVENT_COLUMNS = {
    **COLUMNS,
    **{c: store.event_value(c, "i") for c in store.EVENT_VALUES},
    "month": f"left({store.event_value('date', 'i')}, 7)",  # as store.EVENTS_MONTH, whose statistics it takes
}
"""The same of the events: an event of several reports is its lead's row (store.ROLE_LEAD), with the event's merged
values; the other reports of such an event are no row of their own (store.ROLE_TOLD)."""
_C = ' COLLATE "C"'
_ORDER = f"i.date{_C} DESC NULLS LAST, i.incident_id{_C}"
# As the index of migration 14 orders the events, so that a page of the newest reads a page of it.
_EVENTS_ORDER = f"({EVENT_COLUMNS['date']}){_C} DESC NULLS LAST, i.incident_id{_C}"


@dataclass(frozen=True, slots=True)
class Near:
    """A circle: the incidents whose point lies within `km` of (lat, lon) by great-circle distance."""

    lat: float
    lon: float
    km: float


@dataclass(frozen=True, slots=True)
class Search:
    """A text search of the stored texts: the incidents whose evidence or article headline, folded as the store folds
    them (migration 13), holds `pattern` (a LIKE pattern: store.like_pattern), but, when `unnamed` is given, only
    those whose stored name screen is `unnamed` (screened by the current screen, no name found: the texts shown are
    the stored ones); and the incidents `checked`, whose texts as shown were searched apart. Without a `pattern`,
    only those."""

    pattern: str | None
    unnamed: int | None = None
    checked: tuple[str, ...] = ()
    articles: tuple[str, ...] | None = None  # the articles whose headline holds `pattern`, when found first
    leads: tuple[str, ...] | None = None  # the stored leads of the events of several it finds, when found first
    found: tuple[str, ...] | None = None  # the stored incidents it finds, when found first: then it finds only those


@dataclass(frozen=True, slots=True)
class Selection:
    """Which stored incidents are kept; each default keeps them all. A missing value passes no filter on its column,
    but for `undated`: then an incident without a date passes the date filters."""

    boroughs: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: str | None = None  # an ISO day: the dates from it on, compared as text
    date_to: str | None = None
    undated: bool = False
    fatal_only: bool = False
    weapon: str | None = None
    precisions: tuple[str, ...] | None = None  # those placed this precisely; None keeps any, and no place
    near: Near | None = None
    search: Search | None = None  # only those it finds; of the events, those any of whose reports it finds
    events: bool = False  # the events (EVENT_COLUMNS), not the reports
    left_out: tuple[str, ...] = ()  # incident ids never kept: hidden, or answered by the caller
    left_out_types: tuple[str, ...] = ()  # nor those whose own stored type is one of these (of an event's row, its own)


def tally(conn: store.Connection, kept: Selection, columns: Sequence[str], *, drawn: bool = False) -> list[tuple]:
    """Return (*values, n) for each combination of values of `columns` (of COLUMNS) the kept incidents hold (those
    a map draws, when `drawn`), a missing value as None, in no particular order."""
    if unknown := set(columns) - COLUMNS.keys():  # the events' are the same
        raise ValueError(f"not a column a selection is counted by: {sorted(unknown)}")
    kind = _counted_kind(kept, columns, drawn=drawn)
    if kind is None:
        return _tally_rows(conn, kept, columns, drawn=drawn)
    counted = _counted_ahead(conn, kept, columns, kind, drawn=drawn)
    if kept.left_out:  # the counts hold the rows left out by id: their own counts are taken off
        among = replace(kept, left_out=())
        for row in _tally_rows(conn, among, columns, drawn=drawn, among=kept.left_out):
            counted[row[:-1]] -= row[-1]
    return [(*values, n) for values, n in counted.items() if n]


def counted_ahead(kept: Selection, columns: Sequence[str], *, drawn: bool = False) -> bool:
    """Whether tally reads its counts of `columns` of the rows `kept` keeps from the counts made ahead."""
    return _counted_kind(kept, columns, drawn=drawn) is not None


SUBTRACTED_IDS = 10_000
"""The most ids a selection leaves out whose counts are still read from the counts made ahead (store.COUNTED): the
rows of those ids are counted by id, by their index, and taken off."""
_AHEAD = (
    "SELECT {read}, sum(n)::bigint FROM (SELECT {key}, n FROM incident_counts UNION ALL SELECT {key}, n FROM"
    " incident_count_changes) c WHERE {where} GROUP BY {groups} HAVING sum(n) <> 0"
)


def _tally_rows(
    conn: store.Connection, kept: Selection, columns: Sequence[str], *, drawn: bool, among: Sequence[str] = ()
) -> list[tuple]:
    """Return tally's rows counted from the incidents table, of the incident ids `among` only when given."""
    where, parameters = _where(kept, drawn=drawn)
    if among:
        where, parameters = f"{where} AND i.incident_id = ANY(?::text[])", (*parameters, store.text_array(among))
    read = ", ".join(_columns(kept)[c] for c in columns)
    groups = ", ".join(str(n) for n in range(1, len(columns) + 1))
    sql = f"SELECT {read}, count(*){_FROM} WHERE {where} GROUP BY {groups}"
    return [tuple(row) for row in conn.execute(sql, parameters).fetchall()]


def tallies(conn: store.Connection, kept: Selection, questions: Sequence[tuple[Sequence[str], bool]]) -> list[list]:
    """Return tally's rows of each (columns, drawn) question, all counted from the incidents table in one statement
    (GROUPING SETS): one read of the kept rows, where each question would read them again. At ten million, a circle's
    rows found by its index took 0.25 s against about 0.3 s a question; a tenth of the table, 1.7 s against 2.5 s for
    two questions."""
    where, parameters = _where(kept, drawn=False)
    sets = [(*columns, *(("drawn",) if drawn else ())) for columns, drawn in questions]
    read = list(dict.fromkeys(c for grouped in sets for c in grouped))
    column = _columns(kept)
    named = ", ".join(f"{column[c]} AS c{n}" for n, c in enumerate(read))
    grouping = ", ".join(f"({', '.join(f'c{read.index(c)}' for c in grouped)})" for grouped in dict.fromkeys(sets))
    every = ", ".join(f"c{n}" for n in range(len(read)))
    sql = (
        f"SELECT {every}, count(*), GROUPING({every}) FROM (SELECT {named}{_FROM} WHERE {where}) k"
        f" GROUP BY GROUPING SETS ({grouping})"
    )
    rows = conn.execute(sql, parameters).fetchall()
    answers: list[list] = []
    for (columns, drawn), grouped in zip(questions, sets, strict=True):
        # GROUPING's bits are 1 for the columns a row is not grouped by, the first column the highest bit.
        mask = sum(1 << (len(read) - 1 - n) for n, c in enumerate(read) if c not in grouped)
        at = [read.index(c) for c in columns]
        kept_rows = [row for row in rows if row[-1] == mask and (not drawn or row[read.index("drawn")])]
        answers.append([(*(row[n] for n in at), row[-2]) for row in kept_rows])
    return answers


def _counted_kind(kept: Selection, columns: Sequence[str], *, drawn: bool) -> int | None:
    """Return the first kind of store.COUNTED whose counts answer tally's question, None when none does: the counts
    know no circle or text, and a kind only the filters of its columns; a date range, only a kind by day, or by month
    for a range of whole months. A month is read of a kind's days, and the kinds of cells count only the drawn
    incidents."""
    if kept.near or kept.search or len(kept.left_out) > SUBTRACTED_IDS:
        return None
    needed = {*columns, *(c for c, values in _FILTERED.items() if getattr(kept, values) not in (None, (), False))}
    ranged = kept.date_from is not None or kept.date_to is not None
    for kind, counted in store.COUNTED.items():
        held = {*counted, *(("month",) if "date" in counted else ())}
        dated = not ranged or "date" in counted or "month" in counted and _whole_months(kept)
        if needed <= held and dated and (drawn if "cell" in counted else not drawn or "drawn" in counted):
            return kind
    return None


def _whole_months(kept: Selection) -> bool:
    """Whether the date range runs from a month's first day (or the first date) to a month's last (or the last); a
    bound of a month only (in_parts' ends) is none."""
    if not _days(kept):
        return False
    last = kept.date_to is None or (date.fromisoformat(kept.date_to) + timedelta(days=1)).day == 1
    return last and (kept.date_from is None or kept.date_from.endswith("-01"))


def _days(kept: Selection) -> bool:
    """Whether each bound of the date range, if any, is a day (not a month's own text, as in_parts' ends have)."""
    return all(bound is None or len(bound) == len("2024-01-01") for bound in (kept.date_from, kept.date_to))


def in_parts(kept: Selection) -> tuple[Selection, ...] | None:
    """Return the rows `kept` keeps as those of the whole months of its date range (with the undated, when it keeps
    them), which the counts made ahead may answer, then those of what is left at either end; None when the range is
    whole months already, or holds none. An end's bound next to the whole months is a month's own text ("2024-04"):
    a date known to the month only sorts right before its month's first day, so the parts keep what the range does."""
    if kept.date_from is None and kept.date_to is None or not _days(kept) or _whole_months(kept):
        return None
    start = None if kept.date_from is None else date.fromisoformat(kept.date_from)
    end = None if kept.date_to is None else date.fromisoformat(kept.date_to)
    first = start if start is None or start.day == 1 else (start.replace(day=1) + timedelta(days=31)).replace(day=1)
    last = end if end is None or (end + timedelta(days=1)).day == 1 else end.replace(day=1) - timedelta(days=1)
    if first is not None and last is not None and first > last:
        return None
    whole = replace(
        kept,
        date_from=None if first is None else first.isoformat(),
        date_to=None if last is None else last.isoformat(),
    )
    ends = []
    if first is not None and first != start:
        ends.append(replace(kept, date_to=first.isoformat()[:7], undated=False))
    if end is not None and last != end:
        ends.append(replace(kept, date_from=end.isoformat()[:7], undated=False))
    return (whole, *ends)


# The column each filter of values tests, by the Selection field that holds the filter.
_FILTERED = {
    "borough": "boroughs",
    "type": "types",
    "category": "categories",
    "fatal": "fatal_only",
    "weapon": "weapon",
    "precision": "precisions",
}


def _counted_ahead(
    conn: store.Connection, kept: Selection, columns: Sequence[str], kind: int, *, drawn: bool
) -> Counter[tuple]:
    """Return tally's counts of the rows `kept` keeps, left out by id or not, from the counts of `kind`."""
    test = _Conditions()
    test("kind = ?", kind)
    test("events = ?", kept.events)
    _valued(kept, {c: c for c in store.COUNT_KEY}, test)
    if drawn and "cell" not in store.COUNTED[kind]:
        test("drawn")
    by_day = "date" in store.COUNTED[kind]  # else by month, of a range of whole months (_counted_kind)
    _date_range(kept, "date" if by_day else "month", test, month=not by_day)
    where, parameters = test.joined()
    month = f"left({'date' if by_day else 'month'}, 7)"
    read = ", ".join({"cell": "to_hex(cell)", "month": month}.get(c, c) for c in columns)
    groups = ", ".join(str(n) for n in range(1, len(columns) + 1))
    sql = _AHEAD.format(read=read, key=", ".join(store.COUNT_KEY), where=where, groups=groups)
    return Counter({tuple(row[:-1]): row[-1] for row in conn.execute(sql, parameters).fetchall()})


def newest(
    conn: store.Connection, kept: Selection, n: int | None = None, *, drawn: bool = False, few: bool = False
) -> list[tuple]:
    """Return (incident_id, date) of the first `n` kept incidents in order (all, given None; those a map draws,
    when `drawn`). `few`: the caller knows them to be a small part of the table, so that they are found first, then
    ordered, not found by walking the table's order (an index of it) until `n` are kept."""
    where, parameters = _where(kept, drawn=drawn)
    limit = "" if n is None else f" LIMIT {int(n)}"
    date = _columns(kept)["date"]
    if few:
        # OFFSET 0 keeps the planner from ordering the inner rows by the order's index: of 25,000 kept among ten
        # million (a borough and two types), walking it took 24 s to find a page of them.
        inner = f"SELECT i.incident_id, i.date, i.event_role, i.event_date{_FROM} WHERE {where} OFFSET 0"
        sql = f"SELECT i.incident_id, {date} FROM ({inner}) i ORDER BY {_order(kept)}{limit}"
    else:
        sql = f"SELECT i.incident_id, {date}{_FROM} WHERE {where} ORDER BY {_order(kept)}{limit}"
    return [tuple(row) for row in conn.execute(sql, parameters).fetchall()]


def reports_and_articles(conn: store.Connection, *, left_out: Sequence[str], also: Sequence[str]) -> tuple[int, int]:
    """Return how many stored reports there are but those `left_out` (stored ones), and how many articles tell them
    or are among the article ids `also` (stored ones: the articles of rows the caller counts itself).

    An article's stored n_incidents is how many rows it has (they are written and deleted with it), so the articles
    are counted from their table, less those whose every report is left out: counting the distinct articles of ten
    million reports took 4.9 s."""
    reports = conn.execute("SELECT count(*) FROM incidents").fetchone()[0] - len(set(left_out))
    articles = conn.execute("SELECT count(*) FROM articles WHERE n_incidents > 0").fetchone()[0]
    sql = (
        "SELECT article_id FROM incidents WHERE article_id IN (SELECT article_id FROM incidents WHERE incident_id ="
        " ANY(?::text[])) GROUP BY article_id HAVING bool_and(incident_id = ANY(?::text[]))"
    )
    emptied = {row[0] for row in conn.execute(sql, (store.text_array(left_out),) * 2).fetchall()}
    return int(reports), int(articles) - len(emptied - set(also))


def uncertain(
    conn: store.Connection, kept: Selection, *, coarse: Sequence[str], candidates: int, n: int
) -> tuple[int, list[tuple]]:
    """Return how many of the reports `kept` keeps have no place, a place of a `coarse` precision, or one chosen among
    `candidates` or more of the same name; and (incident_id, date) of the first `n` of them in order."""
    where, parameters = _where(replace(kept, events=False), drawn=False)
    where += " AND (i.precision IS NULL OR i.precision = ANY(?) OR i.candidates >= ?)"
    parameters += (list(coarse), candidates)
    found = conn.execute(f"SELECT count(*){_FROM} WHERE {where}", parameters).fetchone()[0]
    sql = f"SELECT i.incident_id, i.date{_FROM} WHERE {where} ORDER BY {_ORDER} LIMIT {int(n)}"
    return int(found), [tuple(row) for row in conn.execute(sql, parameters).fetchall()]


def stored(conn: store.Connection) -> int:
    """Return about how many incidents are stored: the planner's count (its last ANALYZE's), at least 1."""
    found = conn.execute("SELECT reltuples FROM pg_class WHERE oid = 'incidents'::regclass").fetchone()
    return max(1, int(found[0])) if found else 1


def bounds(conn: store.Connection, kept: Selection) -> tuple[float, float, float, float] | None:
    """Return (south, west, north, east) of the points a map draws of the kept incidents, None without any."""
    where, parameters = _where(kept, drawn=True)
    row = conn.execute(f"SELECT min(i.lat), min(i.lon), max(i.lat), max(i.lon){_FROM} WHERE {where}", parameters)
    found = row.fetchone()
    return None if found[0] is None else tuple(float(v) for v in found)  # type: ignore[return-value]


def cells_bounds(cells: Iterable[str]) -> tuple[float, float, float, float] | None:
    """Return (south, west, north, east) holding these H3 cells (of the points a map draws: no more than a cell wider
    than their own bounds), None without any."""
    corners = [corner for cell in cells for corner in h3.cell_to_boundary(cell)]
    if not corners:
        return None
    lats, lons = zip(*corners)
    return min(lats), min(lons), max(lats), max(lons)


def point(conn: store.Connection, kept: Selection, incident_id: str) -> tuple[float, float, str | None] | None:
    """Return (lat, lon, precision) of a kept incident a map draws, None when it is not one."""
    where, parameters = _where(kept, drawn=True)
    sql = f"SELECT i.lat, i.lon, i.precision{_FROM} WHERE {where} AND i.incident_id = ?"
    found = conn.execute(sql, (*parameters, incident_id)).fetchone()
    return None if found is None else (float(found[0]), float(found[1]), found[2])


def at_point(
    conn: store.Connection, kept: Selection, lat: float, lon: float, *, decimals: int, precisions: Sequence[str | None]
) -> list[tuple]:
    """Return (incident_id, date, precision) of the kept incidents a map draws whose point rounds to (lat, lon) at
    `decimals` and whose precision is among `precisions` (None for none), in order."""
    where, parameters = _where(kept, drawn=True)
    named = [p for p in precisions if p is not None]
    own = "i.precision = ANY(?)" + (" OR i.precision IS NULL" if None in precisions else "")
    sql = (
        f"SELECT i.incident_id, {_columns(kept)['date']}, i.precision{_FROM} WHERE {where}"
        f" AND round(i.lat::numeric, {int(decimals)}) ="
        f" round(?::numeric, {int(decimals)}) AND round(i.lon::numeric, {int(decimals)}) = round(?::numeric,"
        f" {int(decimals)}) AND ({own}) ORDER BY {_order(kept)}"
    )
    rows = conn.execute(sql, (*parameters, lat, lon, named)).fetchall()
    return [tuple(row) for row in rows]


_FROM = " FROM incidents i"  # every incident's article is stored (a foreign key)
# Not one of the ids left out, given as store.text_array's text: a readers' page leaves out thousands.
_KEPT = "i.incident_id <> ALL(?::text[])"


def _columns(kept: Selection) -> dict[str, str]:
    return EVENT_COLUMNS if kept.events else COLUMNS


def _order(kept: Selection) -> str:
    return _EVENTS_ORDER if kept.events else _ORDER


def _where(kept: Selection, *, drawn: bool) -> tuple[str, tuple]:
    """Return the condition of the kept incidents, with its parameters, on `_FROM`'s table."""
    test = _Conditions()
    column = _columns(kept)
    if kept.events:
        test(f"i.event_role <> {store.ROLE_TOLD}")
    _valued(kept, {**column, "own_type": "i.type"}, test)
    _date_range(kept, column["date"], test)
    if kept.near is not None:
        _near(kept.near, test)
    if kept.search is not None:
        _search(kept.search, test, events=kept.events)
    if kept.left_out:
        test(_KEPT, store.text_array(kept.left_out))
    if drawn:
        test(COLUMNS["drawn"])
    return test.joined()


class _Conditions:
    """SQL conditions to be joined by AND, with their parameters in order: called with one and its parameters, it
    adds them."""

    def __init__(self) -> None:
        self.tests: list[str] = []
        self.parameters: list[object] = []

    def __call__(self, sql: str, *values: object) -> None:
        self.tests.append(sql)
        self.parameters.extend(values)

    def joined(self) -> tuple[str, tuple]:
        """Return the conditions joined (TRUE without any) and their parameters."""
        return (" AND ".join(self.tests) or "TRUE"), tuple(self.parameters)


def _valued(kept: Selection, column: Mapping[str, str], test: Callable[..., None]) -> None:
    """Add the tests of the filters of values (boroughs, types, categories, fatal, weapon, precisions, the types left
    out) on the columns `column` names: the incidents table's, or the counts made ahead (store.COUNTED)."""
    for name, values in (("borough", kept.boroughs), ("type", kept.types), ("category", kept.categories)):
        if values:
            test(f"{column[name]} = ANY(?)", list(values))
    if kept.fatal_only:
        test(f"{column['fatal']} = 1")
    if kept.weapon is not None:
        test(f"{column['weapon']} = ?", kept.weapon)
    if kept.precisions is not None:
        test(f"{column['precision']} = ANY(?)", list(kept.precisions))
    if kept.left_out_types:
        test(f"{column['own_type']} <> ALL(?)", list(kept.left_out_types))


def _date_range(kept: Selection, dated: str, test: Callable[..., None], *, month: bool = False) -> None:
    """Add the tests of the date range on the SQL `dated`, ISO text compared as bytes: a date, or when `month` the
    counts' month (a date's first eight characters: store._count_rows) of a range of whole months, compared with the
    bounds' first eight. When `undated`, a missing date passes."""
    undated = f" OR {dated} IS NULL" if kept.undated else ""
    for bound, compared in ((kept.date_from, ">="), (kept.date_to, "<=")):
        if bound is not None:
            test(f"(({dated}){_C} {compared} ?{undated})", bound[:8] if month else bound)


def _near(near: Near, test: Callable[..., None]) -> None:
    """Add the tests of the points within the circle: a box the GiST index finds (migration 7's geom), then the
    great-circle distance as the dashboard's filter measures it (haversine on EARTH_RADIUS_KM)."""
    half_lat = math.degrees(near.km / EARTH_RADIUS_KM) + BAND_MARGIN_DEGREES
    widest = math.cos(math.radians(min(89.0, abs(near.lat) + half_lat)))
    half_lon = BOX_MARGIN * math.degrees(near.km / (EARTH_RADIUS_KM * widest)) + BAND_MARGIN_DEGREES
    test(
        "i.geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)",
        near.lon - half_lon,
        near.lat - half_lat,
        near.lon + half_lon,
        near.lat + half_lat,
    )
    test("abs(i.lat - ?) <= ?", near.lat, half_lat)
    haversine = (
        "2 * ? * asin(sqrt(least(1.0, greatest(0.0, power(sin((radians(i.lat) - radians(?)) / 2), 2)"
        " + cos(radians(i.lat)) * cos(radians(?)) * power(sin((radians(i.lon) - radians(?)) / 2), 2)))))"
    )
    test(f"{haversine} <= ?", EARTH_RADIUS_KM, near.lat, near.lat, near.lon, near.km)


def derived(
    conn: store.Connection,
    *,
    incidents: Sequence[str],
    articles: Sequence[str],
    protected: Sequence[str],
) -> list[tuple[str, bool]]:
    """Return the ids of the stored reports a dashboard derives itself rather than asks statements of, by id, each
    with whether its own type is `protected`: those of the `incidents` and `articles` an editor's correction touches,
    and every report of an event of several that holds one of them, or a report of a `protected` type (its event is
    told by those alone), or has no lead (its reports disagree with its stored merge). The readers' view also derives
    every report of a `protected` type, whose point it moves: the caller reads those by type."""
    shared = (
        "SELECT ie.event_id FROM incident_events ie JOIN incidents i ON i.incident_id = ie.incident_id "
        f"WHERE i.event_role <> {store.ROLE_OWN} AND (i.incident_id = ANY(?) OR i.article_id = ANY(?) "
        "OR i.type = ANY(?)) "
        f"UNION SELECT event_id FROM events WHERE n_reports > 1 AND lead_id IS NULL"
    )
    sql = (
        "SELECT i.incident_id, i.type = ANY(?) FROM incidents i WHERE i.incident_id = ANY(?) OR i.article_id = ANY(?) "
        "UNION SELECT i.incident_id, i.type = ANY(?) FROM incident_events ie JOIN incidents i"
        f" ON i.incident_id = ie.incident_id WHERE ie.event_id IN ({shared})"
    )
    lists = [list(incidents), list(articles), list(protected)]
    parameters = (lists[2], *lists[:2], lists[2], *lists)
    return sorted((row[0], bool(row[1])) for row in conn.execute(sql, parameters).fetchall())


def _search(search: Search, test: Callable[..., None], *, events: bool) -> None:
    """Add the test of the incidents (of the events, when `events`: a report's row or a lead's) the search finds."""
    found, parameters = _found("i", search)
    if not events:
        test(found, *parameters)
        return
    if search.leads is not None:
        # A list, like Search.articles: with the subquery below, no index finds the leads, so every statement read
        # every incident (at ten million, a search finding a thousand: 1.4 s a statement).
        leads, more = "i.incident_id = ANY(?::text[])", [store.text_array(search.leads)]
    else:
        in_event, more = _found("j", search)
        leads = f"i.incident_id IN ({_LEADS_FOUND.format(found=in_event)})"
    test(
        f"(i.event_role = {store.ROLE_OWN} AND {found} OR i.event_role = {store.ROLE_LEAD} AND {leads})",
        *parameters,
        *more,
    )


_LEADS_FOUND = (  # the leads of the events any of whose reports `found` (of the alias j) finds
    "SELECT e.lead_id FROM events e JOIN incident_events ie ON ie.event_id = e.event_id "
    "JOIN incidents j ON j.incident_id = ie.incident_id WHERE {found}"
)


def found(conn: store.Connection, search: Search, *, most: int) -> tuple[str, ...] | None:
    """Return the ids of the stored incidents `search` finds, None when there are more than `most`."""
    found, parameters = _found("i", search)
    sql = f"SELECT i.incident_id{_FROM} WHERE {found} LIMIT ?"
    ids = [row[0] for row in conn.execute(sql, (*parameters, most + 1)).fetchall()]
    return None if len(ids) > most else tuple(sorted(ids))


def leads_found(conn: store.Connection, search: Search, *, most: int) -> tuple[str, ...] | None:
    """Return the ids of the stored leads of the events of several any of whose reports `search` finds, None when it
    finds more than `most` such reports."""
    found, parameters = _found("j", search)
    found = f"j.event_role <> {store.ROLE_OWN} AND {found}"  # a report of its own is found as itself
    sql = f"{_LEADS_FOUND.format(found=found)} LIMIT ?"  # not DISTINCT: that would find every report before a limit
    leads = [row[0] for row in conn.execute(sql, (*parameters, most + 1)).fetchall()]
    return None if len(leads) > most else tuple(sorted({lead for lead in leads if lead is not None}))


def _found(alias: str, search: Search) -> tuple[str, list]:
    """The condition that `search` finds the incident `alias`, and its parameters."""
    checked = f"{alias}.incident_id = ANY(?::text[])"  # a readers' search checks thousands apart: see text_array
    if search.found is not None:
        return checked, [store.text_array(search.found)]
    if search.pattern is None:
        return checked, [store.text_array(search.checked)]
    held, parameters = _holds(alias, search.pattern, search.articles)
    if search.unnamed is not None:
        held = f"({held} AND {alias}.{store.SCREEN} = ?)"
        parameters.append(search.unnamed)
    return f"({held} OR {checked})", [*parameters, store.text_array(search.checked)]


def _holds(alias: str, pattern: str, articles: Sequence[str] | None) -> tuple[str, list]:
    """The condition that the incident `alias`'s folded evidence or its article's folded headline holds `pattern`,
    and its parameters; `articles` are the ids of the articles whose headline holds it, when found first
    (headlines_holding), else each statement finds them."""
    if articles is None:
        sql = f"{alias}.article_id IN (SELECT article_id FROM articles WHERE headline_folded LIKE ?)"
        return f"({alias}.evidence_folded LIKE ? OR {sql})", [pattern, pattern]
    # A list the statement is planned with, which PostgreSQL hashes, and with which both sides of the OR are found by
    # their indexes; the subquery above made every statement read every incident.
    sql = f"({alias}.evidence_folded LIKE ? OR {alias}.article_id = ANY(?::text[]))"
    return sql, [pattern, store.text_array(articles)]


def headlines_holding(conn: store.Connection, pattern: str, *, most: int) -> tuple[str, ...] | None:
    """Return the ids of the articles whose folded headline holds `pattern` (as Search reads it), None when there are
    more than `most`."""
    sql = "SELECT article_id FROM articles WHERE headline_folded LIKE ? LIMIT ?"
    found = [row[0] for row in conn.execute(sql, (pattern, most + 1)).fetchall()]
    return None if len(found) > most else tuple(sorted(found))


def held(
    conn: store.Connection,
    pattern: str,
    *,
    unnamed: int | None,
    left_out: Sequence[str],
    left_out_types: Sequence[str] = (),
    articles: Sequence[str] | None = None,
) -> list[str]:
    """Return the ids of the stored incidents, but those `left_out` or of `left_out_types` (as a Selection's), whose
    evidence or headline holds `pattern` as Search reads it and whose name screen is not `unnamed` (of every one,
    given None): those whose texts as shown the caller must search itself. `articles` as Search's."""
    screened = "" if unnamed is None else f" AND i.{store.SCREEN} IS DISTINCT FROM ?"
    holds, parameters = _holds("i", pattern, articles)
    kept, more = _where(Selection(left_out=tuple(left_out), left_out_types=tuple(left_out_types)), drawn=False)
    sql = f"SELECT i.incident_id{_FROM} WHERE {holds}{screened} AND {kept}"
    parameters += [*(() if unnamed is None else (unnamed,)), *more]
    return [row[0] for row in conn.execute(sql, parameters).fetchall()]


def named(
    conn: store.Connection, *, unnamed: int, left_out: Sequence[str], left_out_types: Sequence[str] = ()
) -> list[str]:
    """Return the ids of the stored incidents, but those `left_out` or of `left_out_types`, whose name screen is not
    `unnamed`: those whose texts masking may change."""
    kept, more = _where(Selection(left_out=tuple(left_out), left_out_types=tuple(left_out_types)), drawn=False)
    sql = f"SELECT i.incident_id{_FROM} WHERE i.{store.SCREEN} IS DISTINCT FROM ? AND {kept}"
    return [row[0] for row in conn.execute(sql, (unnamed, *more)).fetchall()]


def place_of(conn: store.Connection, incident: str, *, events: bool) -> tuple[float | None, float | None] | None:
    """Return (lat, lon) of a stored incident (None each without a point), of those the events show when `events`
    (store.ROLE_TOLD's are not); None when it is not one."""
    told = f" AND event_role <> {store.ROLE_TOLD}" if events else ""
    found = conn.execute(f"SELECT lat, lon FROM incidents WHERE incident_id = ?{told}", (incident,)).fetchone()
    return None if found is None else (found[0], found[1])


def lead_of(conn: store.Connection, incident: str) -> str | None:
    """Return the lead of the stored event a report is filed in (events.lead_id), None without one."""
    sql = "SELECT e.lead_id FROM incident_events ie JOIN events e ON e.event_id = ie.event_id WHERE ie.incident_id = ?"
    found = conn.execute(sql, (incident,)).fetchone()
    return None if found is None else found[0]


def merged(conn: store.Connection, incident_ids: Sequence[str]) -> list[tuple]:
    """Return (incident_id, *store.EVENT_VALUES) of the leads among these incidents: their events' merged values."""
    values = ", ".join(f"event_{c}" for c in store.EVENT_VALUES)
    sql = f"SELECT incident_id, {values} FROM incidents WHERE incident_id = ANY(?) AND event_role = ?"
    return [tuple(row) for row in conn.execute(sql, (list(incident_ids), store.ROLE_LEAD)).fetchall()]


def told(conn: store.Connection, leads: Sequence[str]) -> list[tuple[str, str]]:
    """Return (lead, report) of every report of these leads' events, each event's first published first (no
    publication date last), then by incident id."""
    sql = (
        "SELECT l.incident_id, i.incident_id FROM incident_events l JOIN incident_events r ON r.event_id = l.event_id "
        "JOIN incidents i ON i.incident_id = r.incident_id JOIN articles a ON a.article_id = i.article_id "
        f"WHERE l.incident_id = ANY(?) ORDER BY a.published{_C} NULLS LAST, i.incident_id{_C}"
    )
    return [(lead, report) for lead, report in conn.execute(sql, (list(leads),)).fetchall()]


def values(conn: store.Connection, column: str, *, left_out: Sequence[str]) -> list:
    """Return the values of `column` (of COLUMNS) the stored incidents but those `left_out` hold, each once, in no
    order; of `date`, only the first and the last (as text)."""
    if column not in COLUMNS:
        raise ValueError(f"not a column a selection is counted by: {column}")
    if column != "date":  # counted: from the counts made ahead when they count it
        return [row[0] for row in tally(conn, Selection(left_out=tuple(left_out)), (column,)) if row[0] is not None]
    read = COLUMNS[column]
    sql = f"SELECT min({read}{_C}), max({read}{_C}){_FROM} WHERE {_KEPT} AND {read} IS NOT NULL"
    return [value for row in conn.execute(sql, (store.text_array(left_out),)).fetchall() for value in row]
