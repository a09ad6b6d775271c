"""Editors' corrections on real SQLite files: kept apart from the extracted rows, applied over them, surviving
re-ingest, and every action in the append-only audit log. The article texts are written for these tests."""

import json
import sqlite3

import pytest
from dashboard_fixtures import build_incidents_db

from extract import corrections, store
from extract.geo.geocode import GazetteerGeocoder
from extract.pipeline import ingest_paths
from extract.records import Article, ExtractError
from extract.text.cues import CrimeType

ROBBERY = CrimeType("robbery", "Robbery", "robbery", 60)
EDITOR = "sam@example.org"
ARTICLES = {
    "rye.txt": "Man stabbed on Rye Lane\n\nA man was stabbed on Rye Lane in Peckham on Monday evening, police said.",
    "dalston.txt": "Phone stolen in Dalston\n\nA woman was robbed of her phone on Kingsland Road in Dalston on Friday.",
}


@pytest.fixture
def conn(tmp_path):
    connection = store.connect(build_incidents_db(tmp_path / "incidents.db"))
    yield connection
    connection.close()


def rows(conn) -> dict[str, dict]:
    """The incidents as the dashboard reads them: corrected, by id."""
    raw = [dict(zip(store.INCIDENT_COLUMNS, r)) for r in store.iter_incident_rows(conn)]
    return {r["incident_id"]: r for r in corrections.apply_corrections(raw, store.iter_corrections(conn))}


def log(conn) -> list[tuple]:
    """The audit log, oldest first, without the times."""
    return [(e.editor, e.action, e.target, e.before, e.after, e.reason) for e in reversed(list(store.iter_log(conn)))]


def test_hide_leaves_the_incident_out_and_logs_it(conn):
    corrections.hide(conn, "greenwich:0", "not_london", editor=EDITOR)
    assert "greenwich:0" not in rows(conn)
    assert len(rows(conn)) == 6
    assert log(conn) == [
        (EDITOR, "hide", "greenwich:0", '{"hidden": null}', '{"hidden": "not_london"}', "not_london"),
    ]
    corrections.unhide(conn, "greenwich:0", editor=EDITOR, note="it was in London after all")
    assert "greenwich:0" in rows(conn)
    assert log(conn)[-1] == (
        EDITOR,
        "unhide",
        "greenwich:0",
        '{"hidden": "not_london"}',
        '{"hidden": null}',
        "it was in London after all",
    )


@pytest.mark.parametrize(
    "correct, expected, before",
    [
        (
            lambda c: corrections.correct_type(c, "peckham:0", ROBBERY, editor=EDITOR),
            {"type": "robbery", "category": "robbery"},
            {"type": "stabbing", "category": "violence and sexual offences"},
        ),
        (
            lambda c: corrections.correct_borough(c, "peckham:0", "Lambeth", "E09000022", editor=EDITOR),
            {"borough": "Lambeth", "borough_code": "E09000022"},
            {"borough": "Southwark", "borough_code": "E09000028"},
        ),
        (
            lambda c: corrections.correct_date(c, "peckham:0", "2024-03-31", editor=EDITOR),
            {"date": "2024-03-31"},
            {"date": "2024-04-01"},
        ),
    ],
)
def test_correct_replaces_the_fields_and_logs_before_and_after(conn, correct, expected, before):
    correct(conn)
    row = rows(conn)["peckham:0"]
    assert {k: row[k] for k in expected} == expected
    ((editor, _, target, logged_before, logged_after, _),) = log(conn)
    assert (editor, target, json.loads(logged_before), json.loads(logged_after)) == (
        EDITOR,
        "peckham:0",
        before,
        expected,
    )


def test_correct_place_geocodes_the_query_offline(conn, small_gazetteer):
    place = corrections.correct_place(
        conn, "peckham:0", "Denmark Hill", geocoder=GazetteerGeocoder(small_gazetteer), editor=EDITOR
    )
    row = rows(conn)["peckham:0"]
    assert (place.name, place.borough) == ("Denmark Hill", "Southwark")
    assert {k: row[k] for k in ("location_text", "place_name", "lat", "lon", "precision", "place_start")} == {
        "location_text": "Denmark Hill",
        "place_name": "Denmark Hill",
        "lat": 51.468,
        "lon": -0.09,
        "precision": "street",
        "place_start": None,
    }
    assert log(conn)[0][1] == "correct_place"


def test_later_corrections_win(conn, small_gazetteer):
    geocoder = GazetteerGeocoder(small_gazetteer)
    corrections.correct_place(conn, "peckham:0", "Mare Street", geocoder=geocoder, editor=EDITOR)
    corrections.correct_borough(conn, "peckham:0", "Southwark", "E09000028", editor=EDITOR)
    assert (rows(conn)["peckham:0"]["place_name"], rows(conn)["peckham:0"]["borough"]) == ("Mare Street", "Southwark")


def test_verify_marks_the_row(conn):
    corrections.verify(conn, "kingston:0", editor=EDITOR)
    assert {i for i, r in rows(conn).items() if r["verified"]} == {"kingston:0"}
    corrections.unverify(conn, "kingston:0", editor=EDITOR)
    assert {i for i, r in rows(conn).items() if r["verified"]} == set()
    assert [entry[1] for entry in log(conn)] == ["verify", "unverify"]


def test_take_down_text_keeps_the_incident_without_its_text(conn):
    corrections.take_down(conn, "peckham", "text", editor=EDITOR, reason="the family asked")
    row = rows(conn)["peckham:0"]
    assert (row["headline"], row["evidence"], row["type_start"], row["place_name"]) == (None, "", None, "Rye Lane")
    stored = conn.execute("SELECT evidence FROM incidents WHERE article_id = 'peckham'").fetchall()
    assert stored == [("",)]  # erased in the store, not only hidden from view
    assert log(conn) == [
        (EDITOR, "take_down_text", "peckham", None, '{"mode": "text"}', "the family asked"),
    ]


def test_take_down_delete_removes_the_article_and_its_incidents(conn):
    corrections.take_down(conn, "peckham", "delete", editor=EDITOR, reason="court order")
    assert "peckham:0" not in rows(conn)
    assert not store.has_article(conn, "peckham")
    assert conn.execute("SELECT count(*) FROM incidents WHERE article_id = 'peckham'").fetchone() == (0,)


@pytest.mark.parametrize(
    "act, message",
    [
        (lambda c: corrections.hide(c, "peckham:0", "boring", editor=EDITOR), "boring: not a reason to hide"),
        (lambda c: corrections.hide(c, "nothing:9", "duplicate", editor=EDITOR), "nothing:9: no incident has that id"),
        (lambda c: corrections.correct_date(c, "peckham:0", "31/03/2024", editor=EDITOR), "31/03/2024: not a date"),
        (lambda c: corrections.take_down(c, "peckham", "text", editor=EDITOR, reason=" "), "peckham: a takedown needs"),
        (lambda c: corrections.take_down(c, "peckham", "shred", editor=EDITOR, reason="x"), "shred: not a takedown"),
        (lambda c: corrections.take_down(c, "nowhere-else", "text", editor=EDITOR, reason="x"), "nowhere-else: no art"),
        (lambda c: corrections.report_problem(c, "peckham:0", "spam"), "spam: not a problem a reader can report"),
        (lambda c: corrections.report_problem(c, "peckham:0", "other", "x" * 501), "the note is longer than 500"),
    ],
)
def test_refused_actions(conn, act, message):
    with pytest.raises(ExtractError) as e:
        act(conn)
    assert str(e.value).startswith(message)
    assert log(conn) == []


def test_correct_place_fail_when_nothing_is_found(conn, small_gazetteer):
    with pytest.raises(ExtractError) as e:
        corrections.correct_place(
            conn, "peckham:0", "Nowhere Lane", geocoder=GazetteerGeocoder(small_gazetteer), editor=EDITOR
        )
    assert str(e.value) == "Nowhere Lane: no London place found"
    assert rows(conn)["peckham:0"]["place_name"] == "Rye Lane"


def test_audit_log_is_append_only(conn):
    corrections.verify(conn, "kingston:0", editor=EDITOR)
    for sql in ("UPDATE audit_log SET editor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="the audit log is append-only"):
            conn.execute(sql)
    assert log(conn)[0][0] == EDITOR


def test_problem_reports_are_stored_open_and_dismissed_with_a_log_entry(conn):
    number = corrections.report_problem(conn, "city:0", "wrong_place", "  It was on Poultry, not Cheapside.  ")
    (report,) = store.iter_problem_reports(conn)
    assert (report.report_id, report.incident_id, report.reason, report.note) == (
        number,
        "city:0",
        "wrong_place",
        "It was on Poultry, not Cheapside.",
    )
    corrections.dismiss_report(conn, number, editor=EDITOR, note="checked")
    assert list(store.iter_problem_reports(conn)) == []
    assert [r.closed_at is not None for r in store.iter_problem_reports(conn, open_only=False)] == [True]
    assert log(conn) == [(EDITOR, "dismiss_report", f"report {number}", None, None, "checked")]
    for again in (number, number + 1):  # closed already (by another editor, say), or never sent: nothing is logged
        with pytest.raises(ExtractError, match=f"report {again}: no open problem report has that number"):
            corrections.dismiss_report(conn, again, editor=EDITOR)
    assert len(log(conn)) == 1


def ingested(tmp_path, texts: dict[str, str], extractor) -> tuple:
    """The folder of these articles ({file name: text}) and the database they were ingested into."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = tmp_path / "incidents.db"
    ingest_paths([folder], db_path=db, extractor=extractor)
    return folder, db


def test_corrections_survive_reingesting_the_same_articles(tmp_path, small_extractor, small_gazetteer):
    folder, db = ingested(tmp_path, ARTICLES, small_extractor)
    conn = store.connect(db)
    first = rows(conn)
    rye = next(i for i, r in first.items() if r["place_name"] == "Rye Lane")
    dalston = next(i for i, r in first.items() if r["place_name"] == "Kingsland Road")
    corrections.correct_place(conn, rye, "Denmark Hill", geocoder=GazetteerGeocoder(small_gazetteer), editor=EDITOR)
    corrections.correct_type(conn, rye, ROBBERY, editor=EDITOR)
    corrections.hide(conn, dalston, "duplicate", editor=EDITOR)
    corrections.take_down(conn, first[rye]["article_id"], "text", editor=EDITOR, reason="privacy request")
    corrected = rows(conn)
    conn.close()

    ingest_paths([folder], db_path=db, extractor=small_extractor)  # the same articles again
    conn = store.connect(db)
    assert store.count_incidents(conn) == 2  # the extracted rows are back...
    again = rows(conn)  # ...and the corrections are laid over them again
    assert again == corrected
    assert (again[rye]["place_name"], again[rye]["type"], again[rye]["evidence"]) == ("Denmark Hill", "robbery", "")
    assert dalston not in again
    stored = conn.execute("SELECT evidence FROM incidents WHERE incident_id = ?", (rye,)).fetchone()
    assert stored == ("",)  # the taken-down text is not stored again
    assert [e[1] for e in log(conn)] == ["correct_place", "correct_type", "hide", "take_down_text"]
    conn.close()


def test_deleted_article_stays_deleted_after_reingest(tmp_path, small_extractor):
    path = tmp_path / "rye.txt"
    path.write_text(ARTICLES["rye.txt"], encoding="utf-8")
    db = tmp_path / "incidents.db"
    ingest_paths([path], db_path=db, extractor=small_extractor)
    conn = store.connect(db)
    (article_id,) = {r["article_id"] for r in rows(conn).values()}
    corrections.take_down(conn, article_id, "delete", editor=EDITOR, reason="court order")
    conn.close()
    ingest_paths([path], db_path=db, extractor=small_extractor)
    conn = store.connect(db)
    assert (store.count_incidents(conn), store.has_article(conn, article_id)) == (0, False)
    conn.close()


NAMED = {  # two outlets' reports of one stabbing, both naming the victim
    "first.txt": "Teenager stabbed on Rye Lane\n\nAma Owusu, 17, was stabbed on Rye Lane in Peckham on Monday evening, "
    "police said.",
    "second.txt": "Girl stabbed in Peckham\n\nA girl named locally as Ama Owusu, 17, was stabbed on Rye Lane in "
    "Peckham on Monday evening.",
}


def filed(conn) -> dict[str, dict]:
    """The reports event matching keeps, by article id (one incident each here), with their wording's signature and
    their number of keys."""
    found = conn.execute(
        "SELECT article_id, report, signature, (SELECT count(*) FROM event_keys k WHERE k.report_id = e.report_id) "
        "FROM incident_events e"
    ).fetchall()
    return {a: json.loads(report) | {"signature": bytes(sig), "keys": n} for a, report, sig, n in found}


@pytest.mark.parametrize("mode", store.TAKEDOWN_MODES)
def test_a_takedown_takes_what_the_text_told_out_of_event_matching(tmp_path, small_extractor, mode):
    """The matching tables keep each report's people, streets and words: a takedown takes them out (a deleted
    article's reports whole), at once and after a re-ingest, and the other outlet's report stays as it was."""
    folder, db = ingested(tmp_path, NAMED, small_extractor)
    conn = store.connect(db)
    ids = dict(conn.execute("SELECT source, article_id FROM articles").fetchall())
    first, second = (ids[str(folder / name)] for name in NAMED)
    before = filed(conn)
    assert all("ama owusu" in before[a]["names"] for a in (first, second))
    events_before = conn.execute("SELECT count(*), sum(n_reports) FROM events").fetchone()
    assert events_before == (1, 2)

    corrections.take_down(conn, first, mode, editor=EDITOR, reason="the family asked")
    after = filed(conn)
    if mode == "delete":
        assert set(after) == {second}
        assert conn.execute("SELECT count(*), sum(n_reports) FROM events").fetchone() == (1, 1)
    else:
        told = {k: after[first][k] for k in ("names", "words", "streets", "areas", "signature")}
        assert told == {"names": [], "words": [], "streets": [], "areas": [], "signature": b""}
        assert after[first]["keys"] < before[first]["keys"]
    assert after[second] == before[second]
    conn.close()

    ingest_paths([folder], db_path=db, extractor=small_extractor)  # read again: the takedown still holds
    conn = store.connect(db)
    assert filed(conn) == after
    conn.close()


def test_a_hide_stays_with_its_incident_when_an_updated_article_is_read_again(tmp_path, small_extractor):
    """An incident's id is its place among its article's: an updated text told an incident first, so each of the
    others took the next id. The privacy hide moves with its incident, not to the one now in its place."""
    stabbing = "A man was stabbed on Rye Lane in Peckham on Monday night."
    shooting = "In a separate attack, a woman was shot on Mare Street in Hackney on Tuesday."
    source = tmp_path / "two.jsonl"

    def read(text: str) -> dict[str, str]:
        line = {"id": "two", "headline": "Two attacks", "published": "2024-05-08", "text": text}
        source.write_text(json.dumps(line), encoding="utf-8")
        ingest_paths([source], db_path=tmp_path / "incidents.db", extractor=small_extractor)
        return {r["evidence"]: i for i, r in rows(conn).items()}

    conn = store.connect(tmp_path / "incidents.db")
    first = read(f"{stabbing} {shooting}")
    corrections.hide(conn, first[shooting], "privacy_request", editor=EDITOR)
    shown = read(f"A teenager was robbed on Brixton Road on Sunday. {stabbing} {shooting}")
    assert shooting not in shown
    assert len(shown) == 2
    (hidden,) = [c.target for c in store.iter_corrections(conn) if c.field == "hidden"]
    assert hidden not in first.values()
    assert [e[:3] for e in log(conn)][1:] == [("ingest", "follow_incident", hidden)]
    conn.close()


def test_a_takedown_whose_matching_fails_says_so_and_can_be_done_again(tmp_path, small_extractor, monkeypatch):
    _, db = ingested(tmp_path, NAMED, small_extractor)
    conn = store.connect(db)
    (article_id,) = [a for (a,) in conn.execute("SELECT article_id FROM articles WHERE source LIKE '%first.txt'")]

    def locked(*_, **__):
        raise sqlite3.OperationalError("database is locked")

    with monkeypatch.context() as patched:
        patched.setattr(corrections.events, "match_taken_down", locked)
        with pytest.raises(ExtractError, match="could not be removed .database is locked.: take it down again"):
            corrections.take_down(conn, article_id, "delete", editor=EDITOR, reason="court order")
    assert article_id in filed(conn)  # deleted, but its names are still kept for matching
    with pytest.raises(ExtractError, match="deleted already; only deleting it again applies"):
        corrections.take_down(conn, article_id, "text", editor=EDITOR, reason="court order")
    corrections.take_down(conn, article_id, "delete", editor=EDITOR, reason="court order")
    assert article_id not in filed(conn)
    conn.close()


def test_record_added_logs_the_article_and_its_source_link(conn):
    article = Article("new", "Text.", url="https://news.example/new", source="pasted")
    corrections.record_added(conn, article, [], editor=EDITOR)
    assert log(conn) == [(EDITOR, "add", "new", None, '{"url": "https://news.example/new", "incidents": []}', None)]


def test_ingest_stores_why_an_article_gave_no_incident(tmp_path, small_extractor):
    (tmp_path / "fete.txt").write_text("Summer fete in Peckham\n\nThe fete on Rye Lane raised money for the library.")
    (tmp_path / "rye.txt").write_text(ARTICLES["rye.txt"])
    db = tmp_path / "incidents.db"
    ingest_paths([tmp_path / "fete.txt", tmp_path / "rye.txt"], db_path=db, extractor=small_extractor)
    conn = store.connect(db)
    found = [dict(zip(store.NO_INCIDENT_COLUMNS, row)) for row in store.iter_articles_without_incidents(conn)]
    assert [(a["headline"], a["reason"]) for a in found] == [("Summer fete in Peckham", "no_crime")]
    conn.close()
