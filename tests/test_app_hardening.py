"""The dashboard against hostile databases, links and article text (AppTest): one friendly message instead of a
traceback, every page as a session's first, links in article text never clickable, one notice for a crafted link,
and no third-party tiles when the basemap is none."""

import json
import os
import re
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from dashboard_fixtures import CASES, build_incidents_db, database_problem_line, database_problem_shown
from playwright.sync_api import expect, sync_playwright
from streamlit.testing.v1 import AppTest
from streamlit_server import streamlit_server

from dashboard import data as dashboard_data
from dashboard.display import NOTICES_SHOWN, escape_markdown, link_notice

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
PAGES = sorted(p.name for p in (ROOT / "dashboard" / "app_pages").glob("*.py"))
GOOD = "A 19-year-old man was stabbed on Rye Lane in Peckham on Monday night, police said. He was taken to hospital."
LINKS = "See https://evil.example/a, HTTP://evil.example/b, www.evil.example, mail someone@evil.example or mailto:x@y.example."
# What GitHub-flavoured markdown turns into a link once escapes are resolved: the regular expressions of
# mdast-util-gfm-autolink-literal (remark-gfm), which Streamlit's markdown uses.
AUTOLINKS = (
    re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.IGNORECASE),
    re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)"),
)
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
LINKS_CASE = replace(CASES[0], text=f"{CASES[0].evidence} {LINKS}", evidence=f"{CASES[0].evidence} {LINKS}")
CHROMIUM = "/usr/bin/chromium"  # Debian's, as tests/test_browser.py drives it
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def app(monkeypatch):
    monkeypatch.delenv("CRIMEMAP_BASEMAP", raising=False)
    monkeypatch.delenv("CRIMEMAP_LOCAL_EDITING", raising=False)
    monkeypatch.setattr(sys, "argv", ["app.py"])
    return AppTest.from_file(APP, default_timeout=60)


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    return build_incidents_db(tmp_path_factory.mktemp("db") / "incidents.db")


def corrupted(path: Path) -> None:
    build_incidents_db(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(path, "r+b") as f:
        f.seek(4096)  # past the header page: the database opens, its tables do not read
        f.write(b"\xde\xad" * 16384)


def another_application(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: p.mkdir(), id="a directory"),
        pytest.param(lambda p: p.write_text("not a database\n", encoding="utf-8"), id="a text file"),
        pytest.param(corrupted, id="a corrupted database"),
        pytest.param(another_application, id="another application's database"),
    ],
)
def test_bad_db_shows_one_friendly_message(app, tmp_path, monkeypatch, make):
    db = tmp_path / "incidents.db"
    make(db)
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    (message,) = [e.value for e in app.error]
    assert message.startswith(escape_markdown(f"The incidents database {db} cannot be used ("))
    assert message.endswith(escape_markdown(". Start the dashboard with --db naming one."))


@pytest.mark.parametrize(
    ("db", "reason"),
    [
        ("postgresql://reader:secret@127.0.0.1:1/incidents", "cannot open the incidents database ("),
        ("mysql://reader:secret@db.example/incidents", "not a database this store can open: "),
    ],
)
def test_a_url_that_cannot_be_used_shows_one_friendly_message(app, monkeypatch, db, reason):
    monkeypatch.setenv("INCIDENTS_DB", db)  # port 1: nothing listens there
    app.run()
    message = database_problem_shown(app)
    shown = db.replace("secret", "***")
    assert message.startswith(escape_markdown(f"The incidents database {shown} cannot be used ({reason}"))
    assert message.endswith(escape_markdown(". Start the dashboard with --db naming one."))
    assert "secret" not in message


@pytest.mark.parametrize("db", ["postgresql:", "sqlite:/incidents.db", "POSTGRES:incidents"])
def test_a_missing_database_named_like_a_url_is_one_message_and_nothing_is_built(app, tmp_path, monkeypatch, db):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCIDENTS_DB", db)  # a path that does not exist: seeds/ would be built there
    app.run()
    assert database_problem_shown(app) == database_problem_line(
        db, "not a database this store can open: give a file path (SQLite) or a postgresql:// URL (PostgreSQL)"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_corrupted_database_too_large_for_quick_check_shows_one_friendly_message(app, tmp_path, monkeypatch):
    db = tmp_path / "incidents.db"
    corrupted(db)
    # Every file is large: its tables' first and last rows tell.
    monkeypatch.setattr(dashboard_data, "QUICK_CHECK_BYTES", 0)
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    (message,) = [e.value for e in app.error]
    assert message.startswith(escape_markdown(f"The incidents database {db} cannot be used ("))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_works_as_the_first_page_visited(app, fixture_db, monkeypatch, page):
    monkeypatch.setenv("INCIDENTS_DB", str(fixture_db))
    app.switch_page(f"app_pages/{page}")  # before any run: a session opened on that page's URL
    app.run()
    assert not app.exception, [e.message for e in app.exception]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_works_first_for_an_editor(app, fixture_db, monkeypatch, page):
    monkeypatch.setenv("INCIDENTS_DB", str(fixture_db))
    monkeypatch.setenv("CRIMEMAP_LOCAL_EDITING", "1")
    app.switch_page(f"app_pages/{page}")
    app.run()
    assert not app.exception, [e.message for e in app.exception]


def autolinks(markdown: str) -> list[str]:
    """The links GitHub-flavoured markdown would make of `markdown`'s text."""
    text = ESCAPE.sub(r"\1", markdown)
    return [m[0] for pattern in AUTOLINKS for m in pattern.finditer(text)]


def test_links_in_evidence_text_are_plain_text(app, tmp_path, monkeypatch):
    db = build_incidents_db(tmp_path / "links.db", cases=(LINKS_CASE,))
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    app.query_params["incident"] = f"{LINKS_CASE.article_id}:0"
    app.run()
    assert not app.exception
    details = [m.value for m in app.markdown if "evil" in ESCAPE.sub(r"\1", m.value)]
    assert (len(details), [link for m in details for link in autolinks(m)]) == (1, [])
    assert "\u2060" in details[0]  # what keeps each link plain: a word joiner, invisible


def test_dropped_link_values_are_summarised_in_one_notice(app, fixture_db, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", str(fixture_db))
    # Streamlit ignores a query of over 1,000 parameters; this one stays under.
    app.query_params.update({f"bogus{n}": "1" for n in range(990)} | {"weapon": "sword"})
    app.run()
    assert not app.exception
    (notice,) = [w.value for w in app.warning]
    shown = "; ".join(f"unknown parameter \\'bogus{n}\\'" for n in range(NOTICES_SHOWN))
    assert notice == f"Ignored in the link: {shown}; and 986 more"


def test_no_third_party_tiles_when_the_basemap_is_none(app, fixture_db, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", str(fixture_db))
    monkeypatch.setenv("CRIMEMAP_BASEMAP", "none")
    app.run()
    deck = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    outside_data = {key: value for key, value in deck.items() if key != "layers"}
    layer_settings = [{k: v for k, v in layer.items() if k != "data"} for layer in deck["layers"]]
    assert "://" not in json.dumps([outside_data, layer_settings])


def test_hostile_uploads_are_reported_and_the_good_one_saved(app, tmp_path, monkeypatch):
    target = build_incidents_db(tmp_path / "target.db", cases=())
    monkeypatch.setenv("INCIDENTS_DB", str(target))
    monkeypatch.setenv("CRIMEMAP_LOCAL_EDITING", "1")
    app.switch_page("app_pages/add_articles.py").run()
    good = {"id": "good", "headline": "Man stabbed on Rye Lane", "text": GOOD, "published": "2024-04-02"}
    uploads = app.file_uploader(key="uploads")
    for name, data in (
        ("surrogates.jsonl", json.dumps({"id": "s\ud800", "text": GOOD}).encode()),
        ("huge-id.jsonl", b'{"id": ' + b"9" * 5000 + b', "text": "Body."}'),
        ("bom\x1b[31m.txt", b"\xef\xbb\xbf"),
        ("good.jsonl", json.dumps(good).encode()),
    ):
        uploads.upload(name, data, "application/octet-stream")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert [t.value for t in app.text] == [
        "⚠️ surrogates.jsonl:1: 'id' is not valid Unicode (it holds a lone surrogate)",
        "⚠️ huge-id.jsonl:1: not valid JSON (a number too long to read)",
        "⚠️ bom\\x1b[31m.txt: empty file",
    ]
    assert app.subheader[0].value == "1 incident in 1 article"


@pytest.mark.parametrize(
    "text",
    [LINKS, "WWW.EVIL.EXAMPLE", "HTTPS://x.example", "a.b+c@d-e.example", "mailto:a@b.example", "xmpp:a@b.example"],
)
def test_escape_markdown_leaves_no_autolink(text):
    assert autolinks(text) != []
    assert autolinks(escape_markdown(text)) == []


@pytest.mark.parametrize(
    "notices, notice",
    [
        ([], None),
        (["weapon: unknown weapon 'sword'"], "Ignored in the link: weapon\\: unknown weapon \\'sword\\'"),
        (list("abcdefg"), "Ignored in the link: a; b; c; d; e; and 2 more"),
    ],
)
def test_link_notice(notices, notice):
    assert link_notice(notices) == notice


@pytest.fixture(scope="module")
def offline_server(tmp_path_factory):
    """`streamlit run` with the basemap none, on a database whose evidence sentence holds links."""
    db = build_incidents_db(tmp_path_factory.mktemp("db") / "links.db", cases=(LINKS_CASE,))
    env = {**os.environ, "INCIDENTS_DB": str(db), "CRIMEMAP_BASEMAP": "none"}
    with streamlit_server(env, tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url


@pytest.mark.slow  # a real server and Chromium
def test_offline_page_asks_no_third_party_and_links_no_text(offline_server):
    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{offline_server}/?incident={LINKS_CASE.article_id}:0")
        details = page.locator(".st-key-details")
        expect(details).to_contain_text("www")
        links = details.locator("a").evaluate_all("links => links.map(a => a.href)")
        page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', state="visible")
        page.wait_for_load_state("networkidle")
        browser.close()
    # The heading's source link, and the anchor Streamlit gives a heading; nothing from the text.
    assert [link for link in links if not link.startswith(offline_server)] == [LINKS_CASE.url]
    assert [url for url in requested if urlsplit(url).scheme in ("http", "https", "ws", "wss")] == [
        url for url in requested if urlsplit(url).hostname == "127.0.0.1"
    ]
