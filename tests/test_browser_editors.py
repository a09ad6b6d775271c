"""Readers and editors in a real browser: Debian's chromium driven by Playwright against `streamlit run` with the
editor password set, on a fixture database plus one article ingested by the command line. The texts are written
for these tests."""

import dataclasses
import os
import subprocess
import sys

import dashboard_fixtures as fixtures
import pytest
import test_browser
from dashboard_fixtures import CASES, build_incidents_db, place
from playwright.sync_api import expect
from streamlit_server import streamlit_server
from test_browser import MAP_CANVAS, ROOT, open_page

from dashboard import auth, data
from extract import store

pytestmark = pytest.mark.slow  # a real server and Chromium: `make test` runs it, `make check` leaves it out

browser = test_browser.browser  # the same chromium and page fixtures as tests/test_browser.py
page = test_browser.page
PASSWORD = "correct horse browser"
EXPECT_TIMEOUT_MS = 5_000  # Playwright's default, put back for the other modules
ARTICLE = (
    "Phone snatched on Mare Street\n\nA woman had her phone snatched by a man on a moped on Mare Street in Hackney "
    "on Thursday afternoon, police said.\n"
)
PASTED = "A cyclist was robbed of his bike on Mare Street in Hackney on Tuesday evening, police said."
# The fixtures' named victim on a street of its own: its point apart from Rye Lane's stack.
NAMED = dataclasses.replace(
    fixtures.NAMED,
    text="Kofi Mensah, 22, was stabbed on Choumert Road in Peckham. Mensah died at the scene.",
    evidence="Kofi Mensah, 22, was stabbed on Choumert Road in Peckham.",
    place=place("Choumert Road", 51.46760, -0.07010, "street", "Southwark", "E09000028"),
    place_word="Choumert Road",
    ages=(),
)


@pytest.fixture(autouse=True, scope="module")
def patient_expect():
    """Give each expectation the page's timeout: a rerun that signs in or saves can take seconds on a busy machine."""
    expect.set_options(timeout=test_browser.TIMEOUT_MS)
    yield
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def ingest(article_dir, db):
    """Ingest the articles with the command line, as an operator would."""
    subprocess.run(
        [sys.executable, "-m", "extract", "ingest", str(article_dir), "--db", str(db), "--no-progress"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """The database (fixture cases, a named victim, one CLI-ingested article) and its article folder."""
    db = build_incidents_db(tmp_path_factory.mktemp("db") / "incidents.db", cases=(*CASES, NAMED))
    articles = tmp_path_factory.mktemp("articles")
    (articles / "mare.txt").write_text(ARTICLE, encoding="utf-8")
    ingest(articles, db)
    return db, articles


@pytest.fixture(scope="module")
def server(setup, tmp_path_factory):
    db, _ = setup
    env = {k: v for k, v in os.environ.items() if k != auth.LOCAL_EDITING_ENV}
    env |= {"INCIDENTS_DB": str(db), auth.PASSWORD_ENV: PASSWORD}
    with streamlit_server(env, tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url


def mare_incident(db) -> str:
    conn = store.connect_readonly(db)
    (incident_id,) = [r[0] for r in store.iter_incident_rows(conn) if r[8] == "Mare Street"]
    conn.close()
    return incident_id


def nav(page):
    return page.get_by_test_id("stSidebarNav")


def sign_in(page, server):
    open_page(page, server)
    nav(page).get_by_role("link", name="Editor sign-in").click()
    page.get_by_label("Your name, for the log of changes").fill("Sam")
    page.get_by_label("Editor password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Sam.")).to_be_visible()
    expect(nav(page).get_by_role("link", name="Review")).to_be_visible()


def test_reader_has_no_write_controls_and_a_crafted_url_saves_nothing(server, page):
    open_page(page, server)
    for label in ("Add articles", "Review", "History"):
        expect(nav(page).get_by_text(label, exact=True)).to_have_count(0)
    expect(nav(page).get_by_role("link", name="Editor sign-in")).to_be_visible()
    for path in ("add_articles", "review", "history", "add_articles?pasted=x&save=true"):
        page.goto(f"{server}/{path}")
        page.wait_for_selector(MAP_CANVAS, state="visible")  # the map, not the page asked for
        expect(page.get_by_role("heading", name="London crime map from the news")).to_be_visible()
        expect(page.get_by_label("Article text")).to_have_count(0)
        expect(page.get_by_role("button", name="Hide from the map")).to_have_count(0)


def test_report_review_correct_hide_add_and_history(server, setup, browser):
    db, articles = setup
    mare = mare_incident(db)

    reader = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    open_page(reader, f"{server}/?incident={mare}")
    reader.get_by_text("Report a problem").click()
    reader.get_by_label("Note (optional)").fill("The phone was taken in Dalston, not on Mare Street.")
    reader.get_by_role("button", name="Send report").click()
    expect(reader.get_by_text("Thank you: the editors will look at it.")).to_be_visible()

    editor = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    sign_in(editor, server)
    nav(editor).get_by_role("link", name="Review").click()
    expect(editor.get_by_text("Reported by readers (1)")).to_be_visible()
    editor.get_by_role("link", name="Phone snatched on Mare Street · Wrong place on the map").click()
    expect(editor.get_by_text("Reported: Wrong place on the map.")).to_be_visible()
    editor.get_by_label("Place, searched in the offline gazetteer").fill("Dalston")
    editor.get_by_role("button", name="Find and set the place").click()
    expect(editor.get_by_text("Corrected.")).to_be_visible()
    editor.get_by_role("button", name="Dismiss this report").click()
    expect(editor.get_by_text("Report dismissed.")).to_be_visible()

    editor.get_by_role("link", name="Back to the review list").click()
    editor.get_by_role("link", name="Burglars target homes in Kingston upon Thames", exact=False).click()
    # Its page, whole: the last incident's page, with a Hide button too, can stay shown until the run ends.
    expect(editor.get_by_role("heading", name="Burglars target homes in Kingston upon Thames")).to_be_visible()
    expect(editor.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    editor.get_by_role("button", name="Hide from the map").click()
    expect(editor.get_by_text("Hidden.")).to_be_visible()

    nav(editor).get_by_role("link", name="Add articles").click()
    editor.get_by_label("Article text").fill(PASTED)
    editor.get_by_label("Source link of the pasted text (http or https)").fill("https://news.example/cyclist")
    editor.get_by_label("Source link of the pasted text (http or https)").press("Enter")
    editor.get_by_role("button", name="Save 1 incident to the map").click()
    expect(editor.get_by_text("Saved 1 incident from 1 article.")).to_be_visible()

    nav(editor).get_by_role("link", name="History").click()
    expect(editor.get_by_text("4 changes, newest first.", exact=False)).to_be_visible()
    conn = store.connect_readonly(db)
    assert [(e.editor, e.action) for e in reversed(list(store.iter_log(conn)))] == [
        ("Sam", "correct_place"),
        ("Sam", "dismiss_report"),
        ("Sam", "hide"),
        ("Sam", "add"),
    ]
    conn.close()

    ingest(articles, db)  # the same article again: its row is extracted anew, the correction laid over it
    shown = data.read_incidents(db)
    # The place as written is among the texts, read (and corrected) for the rows a page shows.
    written = data.texts_of(db, [mare], public_view=False).loc[mare, "location_text"]
    assert (shown.loc[mare, "place_name"], written) == ("Dalston", "Dalston")
    assert "kingston:0" not in shown.index
    open_page(reader, f"{server}/?incident={mare}")
    expect(reader.locator(".st-key-details").get_by_text("Dalston", exact=False)).to_be_visible()
    reader.context.close()
    editor.context.close()


def test_names_are_masked_in_the_public_details_and_tooltip(server, page):
    open_page(page, f"{server}/?incident=named:0")
    details = page.locator(".st-key-details")
    expect(details.get_by_role("link", name="Tributes to [name] after Peckham stabbing")).to_be_visible()
    expect(details.get_by_text("Mensah")).to_have_count(0)
    page.locator(MAP_CANVAS).first.scroll_into_view_if_needed()
    box = page.locator(MAP_CANVAS).first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the map is centred on it
    expect(page.locator(".deck-tooltip")).to_contain_text("Tributes to [name] after Peckham stabbing")


def test_password_brute_force_is_locked_out(server, page):  # last: the lock-out holds for the whole server
    open_page(page, server)
    nav(page).get_by_role("link", name="Editor sign-in").click()
    password = page.get_by_label("Editor password")
    for n in range(auth.MAX_FAILURES):
        password.fill(f"guess {n}")
        page.get_by_role("button", name="Sign in").click()
        left = auth.MAX_FAILURES - n - 1  # each answer differs, so the next guess waits for it
        answer = f"Wrong password. {left} more tr" if left else "Wrong password. Too many wrong passwords"
        expect(page.get_by_text(answer, exact=False)).to_be_visible()
    page.get_by_label("Editor password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Too many wrong passwords: sign-in is locked for 15 more minutes.")).to_be_visible()
    expect(nav(page).get_by_role("link", name="Review")).to_have_count(0)
