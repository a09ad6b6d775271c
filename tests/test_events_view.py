"""The events view: reports merged one row per event (merge rules, privacy, unmatched incidents), over hand-made
frames and over a database the real pipeline built (hidden reports, the event a report opens)."""

import csv
import io
import json
import math

import pandas as pd
import pytest
from events_fixtures import build_events_db, build_merges_db

from dashboard.data import read_incidents, shown_rows, stored_events
from dashboard.display import EVENT_EXPORT_COLUMNS, REPORT_EXPORT_COLUMNS, csv_download, geojson_download
from dashboard.events_view import (
    REPORT_IDS,
    REPORTS,
    StoredMerges,
    event_frame,
    event_row_of,
    events_of_reports,
    report_events,
)
from dashboard.privacy import NEUTRAL_EVIDENCE, public_incidents
from extract import corrections, store
from extract.matching import load_families
from extract.pipeline import ingest_paths
from extract.records import PRECISION_ORDER
from extract.text.screening import load_name_vocabulary

FAMILIES = load_families()
RYE_LANE = {"place_name": "Rye Lane", "lat": 51.4700, "lon": -0.0680, "precision": "street", "place_kind": "street"}
PECKHAM = {"place_name": "Peckham", "lat": 51.4740, "lon": -0.0690, "precision": "area", "place_kind": "area"}
PECKHAM_RYE = {
    "place_name": "Peckham Rye",
    "lat": 51.4699,
    "lon": -0.0694,
    "precision": "station",
    "place_kind": "station",
}
NO_PLACE = {"place_name": None, "lat": None, "lon": None, "precision": None, "place_kind": None}


def report(incident_id: str, event_id: str | None = "ev1", **changes) -> dict:
    """One row of the dashboard's incidents frame: a stabbing on Rye Lane, changed by `changes`."""
    row = {column: None for column in store.INCIDENT_COLUMNS} | RYE_LANE
    row |= {
        "incident_id": incident_id,
        "article_id": incident_id,
        "headline": f"Headline of {incident_id}",
        "url": f"https://news.example/{incident_id}",
        "published": "2024-05-06",
        "type": "stabbing",
        "category": "violence and sexual offences",
        "borough": "Southwark",
        "borough_code": "E09000028",
        "date": "2024-05-05",
        "date_basis": "relative",
        "fatal": 0,
        "weapon": "knife",
        "victim_ages": "[15]",
        "evidence": f"Evidence of {incident_id}.",
        "evidence_start": 0,
        "event_id": event_id,
    }
    return row | changes


def frame_of(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows))
    frame.index = pd.Index(frame["incident_id"], name=None)
    frame["precision_rank"] = frame["precision"].map(PRECISION_ORDER).fillna(-1).astype(int)
    frame["verified"] = False
    frame["cell"] = None
    return frame


def plain(value):
    return None if isinstance(value, float) and math.isnan(value) else value


SHOWN = ("type", "place_name", "precision", "date", "date_basis", "fatal", "weapon")


@pytest.mark.parametrize(
    "rows, lead, expected",
    [
        pytest.param(  # the most precise place; its report leads though another came out first
            [report("a", **PECKHAM), report("b", published="2024-05-07")],
            "b",
            ("stabbing", "Rye Lane", "street", "2024-05-05", "relative", 0, "knife"),
            id="most_precise_place",
        ),
        pytest.param(  # with one place, the first published leads
            [report("a", published="2024-05-07"), report("b")],
            "b",
            ("stabbing", "Rye Lane", "street", "2024-05-05", "relative", 0, "knife"),
            id="first_published_leads",
        ),
        pytest.param(
            [report("a"), report("b", date="2024-05-04", date_basis="stated")],
            "a",
            ("stabbing", "Rye Lane", "street", "2024-05-04", "stated", 0, "knife"),
            id="earliest_offence_date_with_its_basis",
        ),
        pytest.param(  # merge_event would fall back on the first publication date; the map never does
            [report("a", date=None, date_basis="none"), report("b", date=None, date_basis="none")],
            "a",
            ("stabbing", "Rye Lane", "street", None, "none", 0, "knife"),
            id="no_publication_date_for_an_offence_date",
        ),
        pytest.param(
            [report("a"), report("b", fatal=1), report("c", fatal=None)],
            "a",
            ("stabbing", "Rye Lane", "street", "2024-05-05", "relative", 1, "knife"),
            id="fatal_if_any_report_says_so",
        ),
        pytest.param(
            [report("a", fatal=None), report("b", fatal=None)],
            "a",
            ("stabbing", "Rye Lane", "street", "2024-05-05", "relative", None, "knife"),
            id="fatal_unknown_when_none_says",
        ),
        pytest.param(
            [report("a"), report("b"), report("c", weapon="gun")],
            "a",
            ("stabbing", "Rye Lane", "street", "2024-05-05", "relative", 0, "knife"),
            id="weapon_most_reports_give",
        ),
        pytest.param(
            [report("a"), report("b", weapon="gun"), report("c", weapon=None)],
            "a",
            ("stabbing", "Rye Lane", "street", "2024-05-05", "relative", 0, None),
            id="weapon_unknown_when_reports_split_evenly",
        ),
        pytest.param(
            [report("a"), report("b"), report("c", type="homicide")],
            "a",
            ("stabbing", "Rye Lane", "street", "2024-05-05", "relative", 0, "knife"),
            id="type_most_reports_give",
        ),
        pytest.param(
            [report("a"), report("b", type="homicide")],
            "a",
            ("homicide", "Rye Lane", "street", "2024-05-05", "relative", 0, "knife"),
            id="type_of_the_graver_crime_on_a_tie",
        ),
        pytest.param(
            [report("a", **NO_PLACE), report("b", **NO_PLACE)],
            "a",
            ("stabbing", None, None, "2024-05-05", "relative", 0, "knife"),
            id="no_place",
        ),
    ],
)
def test_event_merges_its_reports(rows, lead, expected):
    reports = frame_of(*rows)
    events = event_frame(reports, families=FAMILIES)
    assert list(events.index) == [lead]
    event = events.loc[lead]
    assert tuple(plain(event[c]) for c in SHOWN) == expected
    assert (event[REPORTS], event["headline"], event["event_id"]) == (len(rows), f"Headline of {lead}", "ev1")
    assert sorted(event[REPORT_IDS]) == sorted(reports.index)


def test_reports_are_listed_first_published_first():
    reports = frame_of(report("a", published="2024-05-08"), report("b", published=None), report("c"))
    assert tuple(event_frame(reports, families=FAMILIES).loc["c", REPORT_IDS]) == ("c", "a", "b")


def test_incidents_never_matched_are_events_of_their_own():
    reports = frame_of(report("a", event_id=None), report("b", event_id=None), report("c", event_id=None, **PECKHAM))
    events = event_frame(reports, families=FAMILIES)
    assert list(events.index) == ["a", "b", "c"]
    assert events[REPORTS].tolist() == [1, 1, 1]
    assert [tuple(told) for told in events[REPORT_IDS]] == [("a",), ("b",), ("c",)]
    assert events["event_id"].isna().all()


@pytest.mark.parametrize(
    ("events", "told"),
    [
        ({"a": None, "b": None}, [("a",), ("b",)]),
        ({"a": "ev1", "b": "ev1", "c": None}, [("a", "b"), ("c",)]),
        ({"a": "ev1", "b": "ev2", "c": "ev1"}, [("a", "c"), ("b",)]),  # an event of one report is its own row too
        ({"a": "ev1", "b": "ev2", "c": "ev2", "d": None}, [("a",), ("b", "c"), ("d",)]),
        # An incident never matched whose id is another's event: grouped by that key, as every key is.
        ({"a": None, "b": "a", "c": None}, [("a", "b"), ("c",)]),
    ],
)
def test_reports_are_grouped_by_their_event_else_their_own_id(events, told):
    reports = frame_of(*(report(i, event_id=e) for i, e in events.items()))
    assert sorted(tuple(ids) for ids in event_frame(reports, families=FAMILIES)[REPORT_IDS]) == told


def test_event_rows_have_the_incident_columns_newest_first():
    reports = frame_of(
        report("a", event_id="ev1", date=None, date_basis="none"),
        report("b", event_id="ev1", date=None, date_basis="none"),
        report("c", event_id="ev2", date="2024-01-02"),
        report("d", event_id="ev3", date="2024-06-01"),
        report("e", event_id="ev3", date="2024-05-30"),
    )
    events = event_frame(reports, families=FAMILIES)
    assert list(events.columns) == [*reports.columns, REPORTS, REPORT_IDS]
    assert [(i, plain(d)) for i, d in events["date"].items()] == [("d", "2024-05-30"), ("c", "2024-01-02"), ("a", None)]
    assert events["fatal"].dtype == reports["fatal"].dtype


def test_a_memo_keeps_merges_by_the_values_of_their_reports():
    memo: dict = {}
    reports = frame_of(report("a"), report("b", **PECKHAM), report("c", event_id="ev2"), report("d", event_id="ev2"))
    first = event_frame(reports, families=FAMILIES, memo=memo)
    assert len(memo) == 2
    pd.testing.assert_frame_equal(event_frame(reports, families=FAMILIES, memo=memo), first)
    assert len(memo) == 2
    # A report changed (an editor's correction, a new version of the database) is another merge.
    changed = frame_of(
        report("a"), report("b", fatal=1, **PECKHAM), report("c", event_id="ev2"), report("d", event_id="ev2")
    )
    assert event_frame(changed, families=FAMILIES, memo=memo).loc["a", "fatal"] == 1
    assert len(memo) == 3


def test_an_empty_frame_has_no_events():
    reports = frame_of(report("a")).iloc[:0]
    assert event_frame(reports, families=FAMILIES).empty


def test_a_sexual_offence_event_shows_no_more_than_its_public_reports():
    # The assault report places the event on Rye Lane; the sexual offence's report is at Peckham Rye station, which
    # the public view shows only at its neighbourhood's centre. The event must not put the offence on Rye Lane.
    private = frame_of(
        report("assault", type="assault", published="2024-05-05", evidence="Ola Reyes, 34, was attacked."),
        report("offence", type="sexual_offence", **PECKHAM_RYE),
        report("other", type="sexual_offence", **NO_PLACE),
    )
    public = public_incidents(private, load_name_vocabulary())
    event = event_frame(public, families=FAMILIES).iloc[0]
    shown = public.loc["offence"]
    assert (event["incident_id"], event["type"], event["evidence"], event["victim_ages"]) == (
        "offence",
        "sexual_offence",
        NEUTRAL_EVIDENCE,
        "[]",
    )
    assert (event["lat"], event["lon"], event["precision"]) == (shown["lat"], shown["lon"], "area")
    assert (event["lat"], event["lon"]) != (RYE_LANE["lat"], RYE_LANE["lon"])
    assert event[REPORTS] == 3


@pytest.fixture(scope="module")
def events_db(tmp_path_factory, small_extractor):
    return build_events_db(tmp_path_factory.mktemp("events"), small_extractor)


def ids_of(db) -> dict[str, str]:
    """{article id: incident id} of the fixture database."""
    conn = store.connect(db)
    try:
        return {a: i for i, a in conn.execute("SELECT incident_id, article_id FROM incidents")}
    finally:
        conn.close()


def test_reports_of_one_incident_make_one_event(events_db):
    ids = ids_of(events_db)
    reports = read_incidents(events_db)
    events = event_frame(reports, families=FAMILIES)
    assert [
        (e["article_id"], e[REPORTS], [reports.at[i, "article_id"] for i in e[REPORT_IDS]])
        for _, e in events.iterrows()
    ] == [
        ("rye-a", 3, ["rye-a", "rye-b", "rye-c"]),
        ("mare", 1, ["mare"]),
    ]
    assert events.loc[ids["rye-a"], "event_id"] == reports.loc[ids["rye-b"], "event_id"]


def test_hidden_reports_drop_out_of_their_event(tmp_path, small_extractor):
    db = build_events_db(tmp_path, small_extractor)
    ids = ids_of(db)
    conn = store.connect(db)
    corrections.hide(conn, ids["rye-a"], "duplicate", editor="test")
    conn.close()
    events = event_frame(read_incidents(db), families=FAMILIES)
    assert [(i, tuple(e[REPORT_IDS])) for i, e in events.iterrows()] == [
        (ids["rye-b"], (ids["rye-b"], ids["rye-c"])),
        (ids["mare"], (ids["mare"],)),
    ]
    conn = store.connect(db)
    for article in ("rye-b", "rye-c"):
        corrections.hide(conn, ids[article], "duplicate", editor="test")
    conn.close()
    assert list(event_frame(read_incidents(db), families=FAMILIES).index) == [ids["mare"]]


@pytest.mark.parametrize(
    "opened, expected",
    [("rye-a", "rye-a"), ("rye-b", "rye-a"), ("rye-c", "rye-a"), ("mare", "mare"), ("unknown", None), (None, None)],
)
def test_a_report_opens_its_event(events_db, opened, expected):
    ids = ids_of(events_db)
    reports = read_incidents(events_db)
    events = event_frame(reports, families=FAMILIES)
    assert event_row_of(events, reports, ids.get(opened, opened)) == ids.get(expected)


def test_event_downloads_carry_the_report_count_and_every_source_link(events_db):
    ids = ids_of(events_db)
    reports = shown_rows(events_db, read_incidents(events_db).index, public_view=False, events_view=False)
    events = event_frame(reports, families=FAMILIES)
    rye, mare = reports.at[ids["rye-a"], "event_id"], reports.at[ids["mare"], "event_id"]
    rows = list(csv.DictReader(io.StringIO(csv_download(events, reports=reports))))
    assert list(rows[0]) == list(EVENT_EXPORT_COLUMNS)
    assert [(r["incident_id"], r["event_id"], r["reports"], r["urls"]) for r in rows] == [
        (ids["rye-a"], rye, "3", "https://news.example/rye-a https://www.local.example/rye-b"),  # no javascript: link
        (ids["mare"], mare, "1", "https://news.example/mare"),
    ]
    features = json.loads(geojson_download(events, reports=reports))["features"]
    assert [(f["id"], f["properties"]["reports"], f["properties"]["urls"]) for f in features] == [
        (ids["rye-a"], 3, ["https://news.example/rye-a", "https://www.local.example/rye-b"]),
        (ids["mare"], 1, ["https://news.example/mare"]),
    ]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [-0.068, 51.47]}


def test_report_downloads_carry_each_report_s_event(events_db):
    ids = ids_of(events_db)
    reports = read_incidents(events_db)
    rows = list(csv.DictReader(io.StringIO(csv_download(reports))))
    assert list(rows[0]) == list(REPORT_EXPORT_COLUMNS)
    event_of = {r["article_id"]: r["event_id"] for r in rows}
    assert event_of == {a: reports.at[ids[a], "event_id"] for a in ("rye-a", "rye-b", "rye-c", "mare")}
    assert event_of["rye-a"] == event_of["rye-b"] == event_of["rye-c"] != event_of["mare"]
    features = json.loads(geojson_download(reports))["features"]
    assert sorted(f["properties"]["article_id"] for f in features) == ["mare", "rye-a", "rye-b", "rye-c"]
    assert all("reports" not in f["properties"] for f in features)


def read_stored(db) -> StoredMerges:
    found = stored_events(db)  # as the dashboard reads them
    assert found is not None
    return found


def correct(db, change) -> None:
    ids = ids_of(db)
    conn = store.connect(db)
    try:
        change(conn, ids)
    finally:
        conn.close()


CHANGES = {
    "as_ingested": lambda conn, ids: None,
    "hidden": lambda conn, ids: corrections.hide(conn, ids["rye-a"], "duplicate", editor="test"),
    "corrected_date": lambda conn, ids: corrections.correct_date(conn, ids["cold-c"], "2024-02-28", editor="test"),
    "corrected_borough": lambda conn, ids: corrections.correct_borough(
        conn, ids["mare-b"], "Islington", "E09000019", editor="test"
    ),
    "deleted": lambda conn, ids: corrections.take_down(conn, "cold-a", "delete", editor="test", reason="legal"),
    "verified": lambda conn, ids: corrections.verify(conn, ids["rye-c"], editor="test"),
}


@pytest.mark.parametrize("public_view", [False, True], ids=["editors", "public"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_stored_merges_give_the_events_merging_gives(tmp_path, small_extractor, change, public_view):
    db = build_merges_db(tmp_path, small_extractor)
    correct(db, CHANGES[change])
    reports = read_incidents(db)
    if public_view:
        reports = public_incidents(reports, load_name_vocabulary())
    merged = event_frame(reports, families=FAMILIES)
    assert merged[REPORTS].tolist().count(1) <= 2  # the articles still tell events of several reports
    pd.testing.assert_frame_equal(event_frame(reports, families=FAMILIES, stored=read_stored(db)), merged)


def test_stored_merges_are_taken_only_for_events_shown_as_stored(tmp_path, small_extractor):
    db = build_merges_db(tmp_path, small_extractor)
    correct(db, CHANGES["corrected_date"])
    ids = ids_of(db)
    reports = read_incidents(db)
    found = read_stored(db)
    # A stored merge altered shows where it is taken: the events shown as stored, not the corrected or the protected.
    altered = StoredMerges(found.events.assign(weapon="crossbow"), found.incidents, found.articles)
    events = event_frame(reports, families=FAMILIES, stored=altered)
    weapons = {min(reports.loc[list(e[REPORT_IDS]), "article_id"]): e["weapon"] for _, e in events.iterrows()}
    assert weapons == {"rye-a": "crossbow", "mare-a": "crossbow", "cold-a": "gun", "sex-a": "none", "den": "knife"}
    assert (found.incidents, found.articles) == ({ids["cold-c"]}, frozenset())


@pytest.mark.parametrize(
    "found, expected",
    [
        pytest.param(["b"], ["a"], id="a_follow_up_finds_its_event"),
        pytest.param(["a", "b"], ["a"], id="an_event_once"),
        pytest.param(["e"], ["e"], id="a_report_never_matched"),
        pytest.param(["c"], ["c"], id="an_event_of_one_report"),
        pytest.param([], [], id="none"),
    ],
)
def test_an_event_is_found_by_any_of_its_reports(found, expected):
    reports = frame_of(
        report("a"), report("b", published="2024-05-07"), report("c", event_id="ev2"), report("e", event_id=None)
    )
    events = event_frame(reports, families=FAMILIES)
    kept = events_of_reports(events, reports, reports.index.isin(found))
    assert sorted(events.index[kept]) == expected


@pytest.mark.parametrize(
    "shown, expected",
    [
        pytest.param(None, {"a": "a", "b": "a", "c": "c", "e": "e"}, id="each_report_to_the_row_of_its_event"),
        pytest.param(["c", "e"], {"a": None, "b": None, "c": "c", "e": "e"}, id="an_event_not_shown"),
        pytest.param(["e", "c"], {"a": None, "b": None, "c": "c", "e": "e"}, id="events_in_another_order"),
    ],
)
def test_report_events_give_each_report_its_event_row(shown, expected):
    """report_events is a position per report into the events frame, whatever its order; events_of_reports given it
    keeps what it keeps without."""
    reports = frame_of(
        report("a"), report("b", published="2024-05-07"), report("c", event_id="ev2"), report("e", event_id=None)
    )
    events = event_frame(reports, families=FAMILIES)
    events = events if shown is None else events.loc[shown]
    rows = report_events(events, reports)
    assert {i: None if at < 0 else events.index[at] for i, at in zip(reports.index, rows)} == expected
    for found in (["a"], ["b", "c"], ["e"], []):
        kept = events_of_reports(events, reports, reports.index.isin(found), rows=rows)
        assert list(kept) == list(events_of_reports(events, reports, reports.index.isin(found))), found
        assert sorted(events.index[kept]) == sorted({expected[i] for i in found} - {None}), found


@pytest.mark.parametrize(
    "rows, expected",
    [
        pytest.param(  # nothing merged, the frame's order kept: each report is its event's row
            [report("c", event_id="ev2"), report("e", event_id=None), report("f", event_id="ev3")],
            {"c": "c", "e": "e", "f": "f"},
            id="every_report_its_own_event",
        ),
        pytest.param(  # a later date puts the second report's event first
            [report("c", event_id="ev2"), report("e", event_id=None, date="2024-06-01")],
            {"c": "c", "e": "e"},
            id="own_events_in_another_order",
        ),
        pytest.param(
            [report("a"), report("b", published="2024-05-07"), report("e", event_id=None)],
            {"a": "a", "b": "a", "e": "e"},
            id="an_event_of_two",
        ),
    ],
)
def test_report_events_of_reports_each_their_own_event(rows, expected):
    reports = frame_of(*rows)
    events = event_frame(reports, families=FAMILIES)
    found = report_events(events, reports)
    assert {i: events.index[at] for i, at in zip(reports.index, found)} == expected


def stored_roles(db) -> pd.DataFrame:
    """Each incident's role in its event and its event values as the store keeps them (migration 14), by id."""
    conn = store.connect(db)
    try:
        values = ", ".join(f"event_{c}" for c in store.EVENT_VALUES)
        rows = conn.execute(f"SELECT incident_id, event_role, {values} FROM incidents").fetchall()
    finally:
        conn.close()
    return pd.DataFrame.from_records(rows, columns=["incident_id", "role", *store.EVENT_VALUES]).set_index(
        "incident_id"
    )


def migrated_again(db) -> None:
    """Forget the roles, then set them as migration 14 sets them in a database written before it."""
    conn = store.connect(db)
    collate = ' COLLATE "C"' if store.is_url(str(db)) else ""
    try:
        with store.atomic(conn):
            cleared = ", ".join(f"event_{c} = NULL" for c in store.EVENT_VALUES)
            conn.execute(f"UPDATE incidents SET event_role = {store.ROLE_OWN}, {cleared}")
            conn.execute("UPDATE events SET lead_id = NULL")
            for statement in store._statements(store._event_roles("TRUE", collate)):
                conn.execute(statement)
    finally:
        conn.close()


@pytest.mark.parametrize("written", ["at once", "one by one", "migrated"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_stored_roles_give_the_events_the_map_shows(tmp_path, small_extractor, request, backend, written):
    # Written with every change of the events (in one batch, or an article a batch, the events growing and their
    # leads changing), or by the migration, the roles say which incidents the events view shows, and the leads hold
    # the merged values it shows.
    db = build_merges_db(tmp_path, small_extractor)  # in SQLite, at once (and the articles' file)
    if backend == "postgresql":
        db = request.getfixturevalue("postgres_url")
    if written == "one by one":  # newest first: each later batch adds an earlier report, which may lead its event
        db = tmp_path / "one_by_one.db" if backend == "sqlite" else db
        lines = (tmp_path / "articles.jsonl").read_text(encoding="utf-8").splitlines()
        for k, line in enumerate(reversed(lines)):
            (tmp_path / f"one{k}.jsonl").write_text(line, encoding="utf-8")
            ingest_paths([tmp_path / f"one{k}.jsonl"], db_path=db, extractor=small_extractor)
    elif backend == "postgresql":
        ingest_paths([tmp_path / "articles.jsonl"], db_path=db, extractor=small_extractor)
    if written == "migrated":
        migrated_again(db)
    merged = event_frame(read_incidents(db), families=FAMILIES)
    roles = stored_roles(db)
    assert set(roles.index[roles["role"] != store.ROLE_TOLD]) == set(merged.index)
    leads = roles.index[roles["role"] == store.ROLE_LEAD]
    assert len(leads) == (merged[REPORTS] > 1).sum() >= 3
    for column in store.EVENT_VALUES:
        shown = merged.loc[leads, column].astype(object).where(merged.loc[leads, column].notna(), None)
        assert roles.loc[leads, column].astype(object).where(roles.loc[leads, column].notna(), None).tolist() == [
            int(v) if column == "fatal" and v is not None else v for v in shown
        ], column
