"""Readers and editors in the dashboard under AppTest: readers get no write controls and masked text, crafted state
saves nothing, an editor signed in with the password adds, hides and corrects, every action is logged, and a
reader's report shows on the Review page. The article texts are written for these tests."""

import json
import sys
from pathlib import Path

import pytest
from dashboard_fixtures import CASES, NAMED, Case, build_incidents_db, place, refuse_whole_frames
from postgres_server import BACKENDS, new_store
from streamlit.testing.v1 import AppTest

from dashboard import auth, data, maps, problem_reports
from extract import store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
ADD_ARTICLES = str(ROOT / "dashboard" / "app_pages" / "add_articles.py")
PASTED = (
    "Cyclist robbed on Kingsland Road\n\nA cyclist was robbed of his bike on Kingsland Road in Dalston on Tuesday "
    "evening, police said."
)
SEXUAL = Case(
    "common",
    "Woman attacked near Clapham Common station",
    "A woman was sexually assaulted near Clapham Common station on Friday night.",
    "A woman was sexually assaulted near Clapham Common station on Friday night.",
    "sexual_offence",
    "violence and sexual offences",
    "sexually assaulted",
    place("Clapham Common station", 51.46180, -0.13830, "station", "Lambeth", "E09000022", kind="station"),
    "Clapham Common station",
    "2024-04-12",
    False,
    None,
    ages=(23,),
)
PASSWORD = "correct horse review"


@pytest.fixture(params=BACKENDS)
def db(tmp_path, request):
    """The fixture database: a SQLite file, and a database of the test PostgreSQL server."""
    target = new_store(request, tmp_path)
    build_incidents_db(target, cases=(*CASES, NAMED, SEXUAL))
    return target


@pytest.fixture
def new_session(db, monkeypatch):
    """A new session of the app on the fixture database, with editing by password only."""
    refuse_whole_frames(db, monkeypatch)
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    monkeypatch.delenv(auth.LOCAL_EDITING_ENV, raising=False)
    monkeypatch.setattr(sys, "argv", ["app.py"])
    return lambda: AppTest.from_file(APP, default_timeout=60)


def ok(at):
    assert not at.exception, at.exception
    return at


def editor_session(new_session):
    at = new_session()
    ok(at.run())
    at.switch_page("app_pages/sign_in.py").run()
    at.text_input(key="sign_in_name").input("Sam")
    at.text_input(key="sign_in_password").input(PASSWORD)
    ok(at.button(key="sign_in").click().run())
    return at


def open_page(at, page, **params):
    at.query_params.clear()
    at.query_params.update(params)
    return ok(at.switch_page(page).run())


def log_actions(db) -> list[tuple[str, str, str]]:
    conn = store.connect_readonly(db)
    entries = [(e.editor, e.action, e.target) for e in reversed(list(store.iter_log(conn)))]
    conn.close()
    return entries


def points(at) -> dict[str, dict]:
    chart = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return {r["id"]: r for layer in chart["layers"] if layer["id"] in maps.POINT_LAYERS for r in layer["data"]}


def reader_session(new_session, incident):
    """A reader's session opened on a link to one incident's details."""
    at = new_session()
    at.query_params["incident"] = incident
    return ok(at.run())


def test_reader_sees_no_write_controls(new_session):
    at = reader_session(new_session, "peckham:0")
    assert [b.label for b in at.button] == ["Close details", "Send report"]
    assert [e.label for e in at.expander] == ["Report a problem"]
    for page in ("add_articles.py", "review.py", "history.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{page}")


def test_crafted_session_state_cannot_save_an_article(db, monkeypatch):
    monkeypatch.setenv(auth.PASSWORD_ENV, PASSWORD)
    monkeypatch.delenv(auth.LOCAL_EDITING_ENV, raising=False)
    monkeypatch.setattr(sys, "argv", ["add_articles.py", "--db", str(db)])
    at = AppTest.from_file(ADD_ARTICLES, default_timeout=60)  # the page opened directly, as a crafted URL would
    at.session_state[data.PASTED] = PASTED
    at.session_state[data.NO_SOURCE] = True
    at.session_state[data.EDITOR_TOKEN] = "made-up-token"
    at.session_state["editor"] = auth.Editor("Mallory", "password")
    ok(at.run())
    assert [w.value for w in at.warning] == [
        "This page is for editors. The map is open to everyone; editors sign in first."
    ]
    assert (list(at.text_area), list(at.button)) == ([], [])
    conn = store.connect_readonly(db)
    assert store.count_incidents(conn) == len(CASES) + 2
    conn.close()


def test_editor_adds_hides_and_corrects_and_the_log_holds_each_action(new_session, db):
    at = editor_session(new_session)
    open_page(at, "app_pages/add_articles.py")
    at.text_area(key=data.PASTED).input(PASTED)
    ok(at.run())
    assert [i.value for i in at.info] == ["Give the pasted text's source link, or tick that it has none, to read it."]
    at.text_input(key=data.SOURCE_URL).input("javascript:alert(1)")
    ok(at.run())
    assert [w.value for w in at.warning] == [
        "The source link must be an http or https address, such as https://news.example/story."
    ]
    at.text_input(key=data.SOURCE_URL).input("https://news.example/cyclist")
    ok(at.run())
    assert at.subheader[0].value == "1 incident in 1 article"
    ok(at.button(key=data.SAVE).click().run())
    assert at.success[0].value == "Saved 1 incident from 1 article. The map shows it now."
    conn = store.connect_readonly(db)
    (added,) = [r for r in store.iter_incident_rows(conn) if r[3] == "https://news.example/cyclist"]
    conn.close()
    added_id = added[0]

    open_page(at, "app_pages/review.py", incident="greenwich:0")
    at.selectbox(key="hide_why").set_value("not_london")
    at.text_input(key="fix_note").input("the station is in another town")
    ok(at.button(key="hide").click().run())
    assert [s.value for s in at.success] == ["Hidden."]

    open_page(at, "app_pages/review.py", incident=added_id)
    at.selectbox(key="fix_type").set_value("theft")
    ok(at.button(key="correct_type").click().run())
    at.text_input(key="fix_place").input("Mare Street")
    ok(at.button(key="correct_place").click().run())
    ok(at.button(key="verify").click().run())
    assert "verified" in at.caption[0].value

    open_page(at, "app_pages/map.py")
    shown = data.read_incidents(db)
    assert "greenwich:0" not in shown.index
    assert (shown.loc[added_id, "type"], shown.loc[added_id, "place_name"]) == ("theft", "Mare Street")
    assert bool(shown.loc[added_id, "verified"])
    assert "greenwich:0" not in points(at)

    assert log_actions(db) == [
        ("Sam", "add", added[1]),
        ("Sam", "hide", "greenwich:0"),
        ("Sam", "correct_type", added_id),
        ("Sam", "correct_place", added_id),
        ("Sam", "verify", added_id),
    ]
    open_page(at, "app_pages/history.py")
    history = at.dataframe[0].value
    assert list(history["What"]) == [
        "Marked verified",
        "Corrected the place",
        "Corrected the type",
        "Hid",
        "Added an article",
    ]
    assert history.loc[history["What"] == "Hid", "Reason"].tolist() == ["the station is in another town"]


def test_editor_takes_down_an_article_text(new_session, db):
    at = editor_session(new_session)
    open_page(at, "app_pages/review.py", article="named")
    at.radio(key="takedown_mode").set_value("text")
    at.text_input(key="takedown_reason").input("the family asked")
    ok(at.button(key="take_down").click().run())
    assert [s.value for s in at.success] == ["Its text is removed; the incidents stay."]
    shown = data.shown_rows(db, ["named:0"], public_view=False, events_view=False)
    assert (shown.loc["named:0", "headline"], shown.loc["named:0", "evidence"]) == ("", "")
    assert log_actions(db) == [("Sam", "take_down_text", "named")]


def test_reader_report_appears_on_the_review_page(new_session, db):
    reader = reader_session(new_session, "city:0")
    for n in range(4):
        reader.selectbox(key="report_reason").set_value("wrong_place")
        reader.text_area(key="report_note").input(f"Report {n}: it was on Poultry.")
        ok(reader.button(key="report_send").click().run())
    assert [s.value for s in reader.success] == []
    assert [w.value for w in reader.warning] == [
        "You have sent several reports in the last hour. Please wait a while before sending another."
    ]
    conn = store.connect_readonly(db)
    assert [(r.incident_id, r.reason) for r in store.iter_problem_reports(conn)] == [("city:0", "wrong_place")] * 3
    conn.close()
    assert log_actions(db) == []  # a report publishes nothing and changes nothing

    editor = editor_session(new_session)
    open_page(editor, "app_pages/review.py")
    assert editor.subheader[0].value == "Reported by readers (3)"
    link = editor.get("page_link")[0]
    assert (link.proto.label, link.proto.query_string) == (
        "Shots fired on Cheapside · Wrong place on the map",
        "incident=city%3A0",
    )
    open_page(editor, "app_pages/review.py", incident="city:0")
    ok(editor.button(key="dismiss_1").click().run())
    open_page(editor, "app_pages/review.py")
    assert editor.subheader[0].value == "Reported by readers (2)"


def test_a_report_from_a_marker_of_several_incidents_names_the_one_picked(new_session, db):
    reader = reader_session(new_session, "peckham:0")
    about = reader.selectbox(key="report_incident")
    assert about.options[0] == "Man stabbed to death on Rye Lane"  # the incident opened first
    assert about.options == ["Man stabbed to death on Rye Lane", "Tributes to [name] after Peckham stabbing"]
    about.set_value("named:0")
    reader.selectbox(key="report_reason").set_value("privacy")
    ok(reader.button(key="report_send").click().run())
    conn = store.connect_readonly(db)
    assert [(r.incident_id, r.reason) for r in store.iter_problem_reports(conn)] == [("named:0", "privacy")]
    conn.close()


def test_a_report_of_a_deleted_incident_can_still_be_dismissed(new_session, db):
    reader = reader_session(new_session, "city:0")
    reader.selectbox(key="report_reason").set_value("privacy")
    ok(reader.button(key="report_send").click().run())
    editor = editor_session(new_session)
    open_page(editor, "app_pages/review.py", article="city")
    editor.radio(key="takedown_mode").set_value("delete")
    editor.text_input(key="takedown_reason").input("the family asked")
    ok(editor.button(key="take_down").click().run())
    open_page(editor, "app_pages/review.py", incident="city:0")
    assert [w.value for w in editor.warning] == ["No incident has that id; its article may have been deleted."]
    assert [i.value for i in editor.info] == ["Reported: Private information about someone."]
    ok(editor.button(key="dismiss_1").click().run())
    conn = store.connect_readonly(db)
    assert list(store.iter_problem_reports(conn)) == []
    conn.close()
    assert log_actions(db)[-1] == ("Sam", "dismiss_report", "report 1")


def test_fix_widgets_show_the_incident_they_fix(new_session, db):
    """What the editor left in a fix's boxes is not carried to another incident, nor past a change of this one."""
    editor = editor_session(new_session)
    open_page(editor, "app_pages/review.py", incident="peckham:0")
    assert (editor.selectbox(key="fix_type").value, editor.selectbox(key="fix_borough").value) == (
        "stabbing",
        "Southwark",
    )
    editor.selectbox(key="fix_type").set_value("theft")  # left, not written
    editor.selectbox(key="fix_borough").set_value("Camden")
    open_page(editor, "app_pages/review.py", incident="city:0")
    city = data.read_incidents(db).loc["city:0"]
    assert (editor.selectbox(key="fix_type").value, editor.selectbox(key="fix_borough").value) == (
        city["type"],
        city["borough"],
    )
    editor.text_input(key="fix_place").input("Mare Street")  # in Hackney
    ok(editor.button(key="correct_place").click().run())
    assert editor.selectbox(key="fix_borough").value == "Hackney"  # the corrected borough, not the one shown before
    assert editor.text_input(key="fix_place").value == ""


def test_new_sessions_do_not_reset_the_servers_report_limit(new_session, db, monkeypatch):
    """A script opening a new session for each report (as a reload does) is held by the server's limit."""
    monkeypatch.setattr(problem_reports, "REPORTS_PER_SERVER", 4)
    problem_reports.sent_reports.clear()
    conn = store.connect_readonly(db)
    before = len(list(store.iter_problem_reports(conn)))
    conn.close()
    thanked = []
    for _ in range(3):  # sessions of two reports each: within the session's limit of 3
        reader = reader_session(new_session, "city:0")
        for _ in range(2):
            reader.selectbox(key="report_reason").set_value("wrong_place")
            ok(reader.button(key="report_send").click().run())
            thanked.append(bool(reader.success) and not reader.warning)
    assert thanked == [True] * 4 + [False] * 2
    assert [w.value for w in reader.warning] == [
        "Many reports have been sent in the last hour. Please wait a while before sending another."
    ]
    conn = store.connect_readonly(db)
    assert len(list(store.iter_problem_reports(conn))) == before + 4
    conn.close()
    problem_reports.sent_reports.clear()


def test_review_lists_articles_without_incidents_and_uncertain_places(new_session, db):
    conn = store.connect(db)
    from extract.records import Article

    store.save_article(
        conn, Article("essay", "Crime fell.", headline="Crime figures", source="x"), [], reason="statistics"
    )
    conn.close()
    at = editor_session(new_session)
    open_page(at, "app_pages/review.py")
    labels = [link.proto.label for link in at.get("page_link")]
    assert labels[0] == (
        "Crime figures · statistics\\: crime figures or policy\\: many statistics words and little told as events"
    )
    assert "Burglars target homes in Kingston upon Thames · Kingston upon Thames \\(borough precision\\)" in labels


def test_names_are_masked_for_readers_and_shown_to_editors(new_session):
    reader = reader_session(new_session, "named:0")
    details = [m.value for m in reader.markdown]
    assert details[0] == "#### [Tributes to \\[name\\] after Peckham stabbing](https://news.example/named)"
    assert details[2] == (
        "> \\[name\\]\\, 22\\, was :orange-background[stabbed] on :blue-background[Rye Lane] in Peckham\\."
    )
    assert "Tributes to [name] after Peckham stabbing" in list(reader.dataframe[1].value["Headline"])
    assert points(reader)["named:0"]["headline"] == "Tributes to [name] after Peckham stabbing"
    assert not any("Mensah" in str(v) for v in reader.dataframe[1].value["Headline"])

    editor = editor_session(new_session)
    editor.session_state[data.INCIDENT] = "named:0"  # the session read its link already: open details directly
    open_page(editor, "app_pages/map.py")
    assert (
        editor.markdown[0].value == "#### [Tributes to Kofi Mensah after Peckham stabbing](https://news.example/named)"
    )


def test_sexual_offences_are_drawn_at_a_centre_for_readers(new_session):
    reader = reader_session(new_session, "common:0")
    point = points(reader)["common:0"]["p"]
    assert point != [-0.1383, 51.4618]
    assert "Victim ages:** unknown" in reader.markdown[1].value
    assert reader.markdown[2].value.startswith("> A sexual offence was reported\\.")
    editor = editor_session(new_session)
    open_page(editor, "app_pages/map.py")
    assert points(editor)["common:0"]["p"] == [-0.1383, 51.4618]


@pytest.mark.parametrize(
    "sent, address, allowed",
    [
        ([], "10.0.0.1", True),
        ([(0.0, "10.0.0.1")] * (problem_reports.REPORTS_PER_ADDRESS - 1), "10.0.0.1", True),
        ([(0.0, "10.0.0.1")] * problem_reports.REPORTS_PER_ADDRESS, "10.0.0.1", False),
        ([(0.0, "10.0.0.1")] * problem_reports.REPORTS_PER_ADDRESS, "10.0.0.2", True),  # another address
        ([(-3600.0, "10.0.0.1")] * problem_reports.REPORTS_PER_ADDRESS, "10.0.0.1", True),  # an hour ago: gone
        ([(0.0, None)] * problem_reports.REPORTS_PER_ADDRESS, None, True),  # no address: the server's limit only
        ([(0.0, f"10.0.{n // 250}.{n % 250}") for n in range(problem_reports.REPORTS_PER_SERVER)], "10.9.9.9", False),
        ([(0.0, None)] * problem_reports.REPORTS_PER_SERVER, None, False),
    ],
)
def test_the_servers_report_limits(sent, address, allowed):
    reports = problem_reports.SentReports()
    for moment, a in sent:
        assert reports.take(a, moment)
    assert reports.take(address, 1.0) == allowed
    assert reports.take(address, 1.0 + problem_reports.REPORT_WINDOW_SECONDS) is True  # the window has passed
