"""Data freshness in the dashboard: the Sources page and "Updated N minutes ago" under AppTest, on a database that a
real watch round filled from the local test server."""

import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feed_fixtures import STORIES, Route, item, page, rss, serve
from postgres_server import BACKENDS, new_store
from streamlit.testing.v1 import AppTest

from dashboard.display import updated_ago
from extract import store
from extract.feeds import Feed, poll_round
from extract.fetching import Fetcher
from extract.pipeline import load_extractor

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
PAGE = "app_pages/sources.py"
AGO = timedelta(minutes=5, seconds=10)  # the round finished this long before the test looks
CRIMES = 3


@pytest.fixture(scope="module", params=BACKENDS)
def watched_db(tmp_path_factory, request):
    """A database after one round over a good feed and a failing one, finished AGO before now: a SQLite file, and a
    database of the test PostgreSQL server."""
    db = new_store(request, tmp_path_factory.mktemp("db"), "sources")
    with serve() as server:
        for story in STORIES:
            server.routes[f"/news/{story.slug}"] = Route(page(story), content_type="text/html")
        server.routes["/feed"] = Route(rss([item(s, server.url(f"/news/{s.slug}")) for s in STORIES]))
        server.routes["/down"] = Route(b"down", 503, "text/plain")
        feeds = [Feed(server.url("/feed"), "Example News"), Feed(server.url("/down"), "Down News")]
        finished = datetime.now(UTC) - AGO
        conn = store.connect(db)
        try:
            poll_round(
                feeds,
                conn=conn,
                fetcher=Fetcher(user_agent="crimemap-test (tests@example.org)", delay=0),
                extractor=load_extractor(),
                now=lambda: finished,
            )
        finally:
            conn.close()
        return db, server.url("/feed"), server.url("/down"), finished


def open_page(db: Path | str, monkeypatch, page: str | None = PAGE) -> AppTest:
    monkeypatch.setenv("INCIDENTS_DB", str(db))
    monkeypatch.setattr(sys, "argv", ["app.py"])
    at = AppTest.from_file(APP, default_timeout=60)
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def test_sources_page_shows_one_row_per_feed(watched_db, monkeypatch):
    db, good, down, finished = watched_db
    at = open_page(db, monkeypatch)
    assert at.subheader[0].value == "2 feeds, 1 with an error"
    assert "Updated 5 minutes ago" in [c.value for c in at.caption]
    table = at.dataframe[0].value
    assert list(table.columns) == ["Outlet", "Last success", "Items", "Incidents", "Last error", "Feed"]
    assert table.values.tolist() == [
        ["Down News", "never", 0, 0, f"{down}: HTTP 503 Service Unavailable", down],
        ["Example News", f"{finished:%Y-%m-%d %H:%M} UTC", 4, CRIMES, "", good],
    ]


def test_map_shows_when_the_data_was_updated(watched_db, monkeypatch):
    at = open_page(watched_db[0], monkeypatch, page=None)
    assert at.subheader[0].value.startswith(f"{CRIMES} incidents")
    assert "Updated 5 minutes ago" in [c.value for c in at.caption]


def test_a_database_never_watched(tmp_path, monkeypatch):
    db = tmp_path / "incidents.db"
    store.connect(db).close()
    at = open_page(db, monkeypatch)
    assert at.info[0].value.startswith("No news feed has been polled into this database yet.")
    assert not [c.value for c in open_page(db, monkeypatch, page=None).caption if c.value.startswith("Updated")]


def test_a_database_from_before_feeds(tmp_path, monkeypatch):
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    store.migrate(conn, store.MIGRATIONS[:2])  # opened read-only, the dashboard does not upgrade it
    conn.close()
    at = open_page(db, monkeypatch)
    assert at.info[0].value.startswith("No news feed has been polled into this database yet.")


NOW = datetime(2024, 3, 8, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "ago, shown",
    [
        (timedelta(seconds=59), "Updated just now"),
        (timedelta(seconds=-30), "Updated just now"),  # a clock a little ahead
        (timedelta(minutes=1, seconds=5), "Updated 1 minute ago"),
        (timedelta(minutes=42), "Updated 42 minutes ago"),
        (timedelta(minutes=119), "Updated 119 minutes ago"),
        (timedelta(hours=2), "Updated 2 hours ago"),
        (timedelta(hours=47, minutes=59), "Updated 47 hours ago"),
        (timedelta(days=2), "Updated 2 days ago"),
        (timedelta(days=400), "Updated 400 days ago"),
    ],
)
def test_updated_ago(ago, shown):
    assert updated_ago((NOW - ago).isoformat(timespec="seconds"), NOW) == shown
