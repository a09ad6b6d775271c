"""Watching feeds: rounds against a real HTTP server on 127.0.0.1 with injected faults, into a real SQLite file.

The politeness delay is measured on a fake clock (tests/feed_fixtures.py), never by sleeping.
"""

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from feed_fixtures import BILLION_LAUGHS, SITE, STORIES, FakeClock, Item, Route, item, page, rss, serve

from extract import events, feeds, store
from extract.feeds import (
    BACKOFF,
    FEEDS_FILE,
    MAX_ITEM_ATTEMPTS,
    Feed,
    feed_at,
    load_feeds,
    poll_round,
)
from extract.fetching import MAX_BYTES, Fetcher
from extract.pipeline import ingest_paths, load_extractor
from extract.records import ExtractError

AGENT = "crimemap-test (tests@example.org)"
READ_TIMEOUT = 0.5  # seconds; the slow feed waits longer
START = datetime(2024, 3, 8, 12, 0, tzinfo=UTC)
CRIMES = 3  # of the four STORIES, one incident each


class Wall:
    """A wall clock for `now` that stands still until moved."""

    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment


@dataclass(frozen=True, slots=True)
class Counts:
    polled: int
    failed_feeds: int
    backing_off: int
    new_items: int
    articles: int
    incidents: int
    failures: int
    complete: bool = True


def counts(report) -> Counts:
    return Counts(
        report.polled,
        report.failed_feeds,
        report.backing_off,
        report.new_items,
        report.articles,
        report.incidents,
        len(report.failures),
        report.complete,
    )


@pytest.fixture(scope="module")
def extractor():
    return load_extractor()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def server(clock):
    with serve(clock) as s:
        yield s


@pytest.fixture
def fetcher(clock):
    return Fetcher(user_agent=AGENT, delay=0, clock=clock, sleep=clock.sleep, read_timeout=READ_TIMEOUT)


@pytest.fixture
def conn(tmp_path):
    c = store.connect(tmp_path / "watch.db")
    yield c
    c.close()


@pytest.fixture
def wall():
    return Wall()


@pytest.fixture
def poll(conn, fetcher, extractor, wall):
    """One round over `feeds`, as the watch command runs it (one fetcher for every round)."""

    def run(feeds, **options):
        options.setdefault("fetcher", fetcher)
        return poll_round(feeds, conn=conn, extractor=extractor, now=wall, **options)

    return run


def publish(server, stories=STORIES, *, path="/feed", etag=None, page_path="/news/", **item_options) -> Feed:
    """Serve each story's page and a feed of summary items linking to them; returns the feed."""
    for s in stories:
        server.routes[f"{page_path}{s.slug}"] = Route(page(s), content_type="text/html")
    items = [item(s, server.url(f"{page_path}{s.slug}"), **item_options) for s in stories]
    server.routes[path] = Route(rss(items), etag=etag)
    return Feed(server.url(path), "Example News")


def incident_rows(conn: sqlite3.Connection) -> list[tuple]:
    return list(store.iter_incident_rows(conn))


def article_rows(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT article_id, headline, url, published, n_incidents FROM articles ORDER BY 1").fetchall()


def event_rows(conn: sqlite3.Connection) -> list[tuple]:
    return list(store.iter_event_rows(conn))


def item_rows(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT link, status, attempts FROM feed_items ORDER BY first_seen, rowid").fetchall()


def page_requests(server) -> list[str]:
    return [p for p in server.paths() if p not in ("/robots.txt",) and not p.startswith("/feed")]


def test_round_stores_what_ingest_stores(server, poll, conn, extractor, tmp_path):
    report = poll([publish(server)])
    assert counts(report) == Counts(1, 0, 0, 4, 4, CRIMES, 0)
    assert server.paths() == ["/robots.txt", "/feed", *(f"/news/{s.slug}" for s in STORIES)]

    pages = tmp_path / "pages"
    pages.mkdir()
    for s in STORIES:
        (pages / f"{s.slug}.html").write_bytes(page(s))
    ingested = ingest_paths([pages], db_path=tmp_path / "ingest.db", extractor=extractor)
    assert (ingested.articles, ingested.incidents, ingested.errors) == (4, CRIMES, [])
    other = store.connect(tmp_path / "ingest.db")
    try:
        assert len(incident_rows(conn)) == CRIMES
        assert incident_rows(conn) == incident_rows(other)
        assert article_rows(conn) == article_rows(other)
        assert len(event_rows(conn)) == CRIMES
        assert event_rows(conn) == event_rows(other)
    finally:
        other.close()
    assert sorted(url for _, _, url, _, _ in article_rows(conn)) == sorted(s.canonical for s in STORIES)


@pytest.mark.parametrize("etag", ['"v1"', None], ids=["etag", "no-validators"])
def test_a_second_round_stores_nothing_new(server, poll, conn, etag):
    feed = publish(server, etag=etag)
    poll([feed])
    before = (incident_rows(conn), article_rows(conn), item_rows(conn))
    seen = len(server.log)
    assert counts(poll([feed])) == Counts(1, 0, 0, 0, 0, 0, 0)
    assert [(r.path, r.if_none_match) for r in server.log[seen:]] == [("/feed", etag)]
    assert (incident_rows(conn), article_rows(conn), item_rows(conn)) == before
    state = store.feed_state(conn, feed.url)
    assert (state.last_status, state.etag, state.failures, state.last_error) == (304 if etag else 200, etag, 0, None)


FAULTS = [  # path, route, the error recorded for the feed
    ("/f500", Route(b"oops", 500, "text/plain"), "HTTP 500 Internal Server Error"),
    ("/f404", Route(b"gone", 404, "text/plain"), "HTTP 404 Not Found"),
    ("/slow", Route(rss([]), wait=3 * READ_TIMEOUT), "timed out"),
    (
        "/broken",
        Route(b"<rss version='2.0'><channel><title>Cut</channel></rss>"),
        "not a well-formed feed (mismatched tag)",
    ),
    ("/html", Route(page(STORIES[3]), content_type="text/html"), "an HTML page, not an RSS or Atom feed"),
    ("/loop", Route(status=302, headers=(("Location", "/loop"),)), "more than 5 redirects"),
    ("/huge", Route(stream=50_000_000), f"larger than {MAX_BYTES:,} bytes, not read"),
    ("/laughs", Route(BILLION_LAUGHS), "declares entities in a DTD, refused (entity expansion can exhaust memory)"),
    ("/image", Route(b"\x89PNG", content_type="image/png"), "content type image/png is neither HTML nor XML"),
]


def test_failing_feeds_do_not_stop_the_round(server, poll, conn):
    server.routes.update({path: route for path, route, _ in FAULTS})
    failing = [Feed(server.url(path), path.strip("/")) for path, _, _ in FAULTS]
    unknown = Feed("http://no-such-host.invalid/feed", "nowhere")
    good = publish(server)
    report = poll([*failing[:4], unknown, *failing[4:], good])
    assert counts(report) == Counts(len(FAULTS) + 2, len(FAULTS) + 1, 0, 4, 4, CRIMES, len(FAULTS) + 1)
    expected = [f"{server.url(path)}: {message}" for path, _, message in FAULTS]
    expected.insert(4, "http://no-such-host.invalid/feed: cannot resolve host no-such-host.invalid")
    assert list(report.failures) == expected
    next_poll = (START + timedelta(seconds=BACKOFF)).isoformat()
    for feed, message in zip([*failing[:4], unknown, *failing[4:]], expected):
        state = store.feed_state(conn, feed.url)
        assert (state.failures, state.next_poll, state.last_error, state.last_success) == (1, next_poll, message, None)
    assert store.feed_state(conn, server.url("/f500")).last_status == 500
    assert store.feed_state(conn, good.url).failures == 0
    assert len(incident_rows(conn)) == CRIMES


def test_a_failing_feed_backs_off_exponentially(server, poll, conn, wall):
    server.routes["/feed"] = Route(b"down", 503, "text/plain")
    feed = Feed(server.url("/feed"), "Example News")
    seen = []
    for minutes in (0, 14, 15, 44, 45, 104, 105):
        wall.moment = START + timedelta(minutes=minutes)
        report = poll([feed])
        state = store.feed_state(conn, feed.url)
        seen.append((minutes, report.polled, report.backing_off, state.failures, state.next_poll[11:16]))
    assert seen == [
        (0, 1, 0, 1, "12:15"),
        (14, 0, 1, 1, "12:15"),
        (15, 1, 0, 2, "12:45"),
        (44, 0, 1, 2, "12:45"),
        (45, 1, 0, 3, "13:45"),
        (104, 0, 1, 3, "13:45"),
        (105, 1, 0, 4, "15:45"),
    ]
    publish(server)
    wall.moment = START + timedelta(minutes=225)
    assert counts(poll([feed])) == Counts(1, 0, 0, 4, 4, CRIMES, 0)
    state = store.feed_state(conn, feed.url)
    assert (state.failures, state.next_poll, state.last_error, state.last_success) == (
        0,
        None,
        None,
        wall().isoformat(),
    )


def test_backoff_stops_doubling_at_a_day(server, poll, conn, wall):
    server.routes["/feed"] = Route(b"down", 503, "text/plain")
    feed = Feed(server.url("/feed"), "Example News")
    for _ in range(12):
        poll([feed])
        wall.moment = datetime.fromisoformat(store.feed_state(conn, feed.url).next_poll)
    state = store.feed_state(conn, feed.url)
    assert state.failures == 12
    assert datetime.fromisoformat(state.next_poll) - wall() == timedelta(0)
    assert datetime.fromisoformat(state.next_poll) - datetime.fromisoformat(state.last_polled) == timedelta(days=1)


def test_duplicate_guids_across_feeds_are_read_once(server, poll, conn):
    first = publish(server, STORIES[:1], path="/feed-a", guid="story-1")
    server.routes["/feed-b"] = Route(rss([item(STORIES[0], server.url("/elsewhere/story"), guid="story-1")]))
    second = Feed(server.url("/feed-b"), "Other News")
    assert counts(poll([first, second])) == Counts(2, 0, 0, 1, 1, 1, 0)
    assert page_requests(server) == ["/news/walthamstow-stabbing"]
    assert item_rows(conn) == [(server.url("/news/walthamstow-stabbing"), "stored", 1)]


def test_the_same_article_under_two_urls_is_stored_once(server, poll, conn):
    story = STORIES[0]
    server.routes["/news/story"] = Route(page(story), content_type="text/html")
    server.routes["/amp/story"] = Route(page(story), content_type="text/html")
    amp = Item(f"{story.headline} (AMP)", server.url("/amp/story"), "amp-1", "The fast page of the story.")
    server.routes["/feed"] = Route(rss([item(story, server.url("/news/story")), amp]))
    report = poll([Feed(server.url("/feed"), "Example News")])
    assert counts(report) == Counts(1, 0, 0, 2, 1, 1, 0)
    assert item_rows(conn) == [(server.url("/news/story"), "stored", 1), (server.url("/amp/story"), "duplicate", 1)]
    assert [url for _, _, url, _, _ in article_rows(conn)] == [story.canonical]


def test_a_page_robots_txt_disallows_is_not_fetched(server, poll, conn):
    server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    feed = publish(server, STORIES[2:3], page_path="/private/")
    report = poll([feed])
    assert counts(report) == Counts(1, 0, 0, 1, 1, 1, 0)
    assert page_requests(server) == []
    link = server.url("/private/clapham-common-robbery")
    assert conn.execute("SELECT status, error FROM feed_items").fetchall() == [
        ("summary", f"{link}: disallowed by robots.txt")
    ]
    assert article_rows(conn)[0][1:3] == (STORIES[2].headline, link)  # the summary's article: the item's link


def test_an_item_with_its_full_text_needs_no_page(server, poll, conn):
    feed = publish(server, STORIES[:1], content=True)
    assert counts(poll([feed])) == Counts(1, 0, 0, 1, 1, 1, 0)
    assert page_requests(server) == []
    assert article_rows(conn)[0][2] == server.url("/news/walthamstow-stabbing")


def test_full_pages_no_reads_the_summary(server, poll, conn):
    feed = publish(server, STORIES[:1])
    poll([Feed(feed.url, feed.outlet, full_pages=False)])
    assert page_requests(server) == []
    assert item_rows(conn) == [(server.url("/news/walthamstow-stabbing"), "stored", 1)]


def test_a_failing_page_is_tried_again_then_read_from_the_summary(server, poll, conn):
    feed = publish(server, STORIES[:1], etag='"v1"')
    server.routes["/news/walthamstow-stabbing"] = Route(b"busy", 503, "text/plain")
    link = server.url("/news/walthamstow-stabbing")
    rounds = []
    for _ in range(MAX_ITEM_ATTEMPTS + 1):
        seen = len(server.log)
        report = poll([feed])
        feed_request = next(r for r in server.log[seen:] if r.path == "/feed")
        rounds.append((counts(report), item_rows(conn), feed_request.if_none_match))
    failed = Counts(1, 0, 0, 0, 0, 0, 1)
    assert rounds == [
        (Counts(1, 0, 0, 1, 0, 0, 1), [(link, "failed", 1)], None),
        (failed, [(link, "failed", 2)], None),
        (Counts(1, 0, 0, 0, 1, 1, 1), [(link, "summary", 3)], None),
        (Counts(1, 0, 0, 0, 0, 0, 0), [(link, "summary", 3)], '"v1"'),
    ]
    assert store.feed_state(conn, feed.url).last_error is None
    assert len(article_rows(conn)) == 1


def test_a_page_error_is_the_feeds_last_error(server, poll, conn):
    feed = publish(server, STORIES[:1])
    server.routes["/news/walthamstow-stabbing"] = Route(b"busy", 503, "text/plain")
    poll([feed])
    state = store.feed_state(conn, feed.url)
    link = server.url("/news/walthamstow-stabbing")
    assert (state.failures, state.last_error) == (0, f"{link}: HTTP 503 Service Unavailable")


class KilledAfter(Fetcher):
    """A fetcher whose process is killed (KeyboardInterrupt) at its `n`th article page."""

    def __init__(self, n: int, **options) -> None:
        super().__init__(**options)
        self.pages_left = n

    def get(self, url, **options):
        if "/news/" in url:
            self.pages_left -= 1
            if self.pages_left == 0:
                raise KeyboardInterrupt
        return super().get(url, **options)


def test_a_killed_watch_resumes_without_losing_or_duplicating(server, poll, conn, clock, tmp_path, extractor):
    feed = publish(server, etag='"v1"')
    killed = KilledAfter(3, user_agent=AGENT, delay=0, clock=clock, sleep=clock.sleep)
    with pytest.raises(KeyboardInterrupt):
        poll([feed], fetcher=killed)
    assert len(article_rows(conn)) == 2
    assert store.feed_state(conn, feed.url).etag is None  # the validators are saved once the items are settled
    assert counts(poll([feed])) == Counts(1, 0, 0, 2, 2, 1, 0)
    assert page_requests(server) == [f"/news/{s.slug}" for s in STORIES]  # each page once
    assert len(article_rows(conn)) == len(item_rows(conn)) == 4
    assert len(incident_rows(conn)) == CRIMES


def test_a_watch_killed_before_matching_events_matches_them_when_it_resumes(server, poll, conn, monkeypatch):
    feed = publish(server, STORIES[:2])
    match_stored = events.match_stored
    calls = []

    def killed_at_the_second(*args, **options):
        calls.append(args[1].article_id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return match_stored(*args, **options)

    monkeypatch.setattr(events, "match_stored", killed_at_the_second)
    with pytest.raises(KeyboardInterrupt):
        poll([feed])
    assert [status for _, status, _ in item_rows(conn)] == ["stored", "matching"]
    assert len(event_rows(conn)) == 1
    assert counts(poll([feed])) == Counts(1, 0, 0, 0, 0, 0, 0)
    assert [status for _, status, _ in item_rows(conn)] == ["stored", "stored"]
    assert len(event_rows(conn)) == 2
    assert calls == [calls[0], calls[1], calls[1]]  # the second article matched again, the first not
    assert page_requests(server) == [
        "/news/walthamstow-stabbing",
        "/news/hatton-garden-raid",
        "/news/hatton-garden-raid",  # read again for its incidents: the store keeps no article text
    ]


def test_an_article_that_breaks_extraction_does_not_stop_the_round(server, poll, conn, monkeypatch):
    extract_incidents = feeds.extract_incidents

    def breaks_on_hatton_garden(article, **options):
        if "Hatton Garden" in (article.headline or ""):
            raise RuntimeError("a bug")
        return extract_incidents(article, **options)

    monkeypatch.setattr(feeds, "extract_incidents", breaks_on_hatton_garden)
    report = poll([publish(server, STORIES[:3])])
    assert counts(report) == Counts(1, 0, 0, 3, 2, 2, 1)
    assert report.failures == (
        f"{server.url('/news/hatton-garden-raid')}: cannot extract the article (RuntimeError: a bug)",
    )
    assert [status for _, status, _ in item_rows(conn)] == ["stored", "failed", "stored"]
    assert counts(poll([publish(server, STORIES[:3])])) == Counts(1, 0, 0, 0, 0, 0, 0)  # not tried again


def test_a_failure_to_match_events_is_that_articles_and_is_tried_again(server, poll, conn, monkeypatch):
    feed = publish(server, STORIES[:2], etag='"v1"')
    match_stored = events.match_stored

    def fails_on_hatton_garden(conn, article, incidents, **options):
        if "Hatton Garden" in (article.headline or ""):
            raise RuntimeError("a bug")
        return match_stored(conn, article, incidents, **options)

    monkeypatch.setattr(events, "match_stored", fails_on_hatton_garden)
    report = poll([feed])
    link = server.url("/news/hatton-garden-raid")
    assert report.failures == (f"{link}: cannot match its events (RuntimeError: a bug)",)
    assert [status for _, status, _ in item_rows(conn)] == ["stored", "matching"]
    assert store.feed_state(conn, feed.url).etag is None
    monkeypatch.setattr(events, "match_stored", match_stored)
    assert counts(poll([feed])) == Counts(1, 0, 0, 0, 0, 0, 0)
    assert [status for _, status, _ in item_rows(conn)] == ["stored", "stored"]
    assert (len(event_rows(conn)), store.feed_state(conn, feed.url).etag) == (2, '"v1"')


def test_a_failing_database_stops_the_round(server, poll, conn, monkeypatch):
    save_feed_item = store.save_feed_item
    saved = []

    def full_after_one(conn, item, *args):
        saved.append(item.link)
        if len(saved) > 2:  # the first article's two writes pass
            raise store.DatabaseError("watch.db: database error: database or disk is full")
        return save_feed_item(conn, item, *args)

    monkeypatch.setattr(store, "save_feed_item", full_after_one)
    with pytest.raises(store.DatabaseError, match="database or disk is full"):
        poll([publish(server)])
    assert len(article_rows(conn)) == 1


def test_stop_ends_the_round_between_articles(server, poll, conn):
    feed = publish(server, etag='"v1"')
    report = poll([feed], stop=lambda: len(article_rows(conn)) >= 2)
    assert counts(report) == Counts(1, 0, 0, 2, 2, 2, 0, complete=False)
    assert store.feed_state(conn, feed.url).etag is None  # the rest is read next round
    assert counts(poll([feed])) == Counts(1, 0, 0, 2, 2, 1, 0)
    assert store.feed_state(conn, feed.url).etag == '"v1"'
    assert len(article_rows(conn)) == 4


def test_max_articles_bounds_a_round(server, poll, conn):
    first = publish(server, STORIES[:2], path="/feed-a")
    second = publish(server, STORIES[2:], path="/feed-b")
    assert counts(poll([first, second], max_articles=3)) == Counts(2, 0, 0, 3, 3, 3, 0, complete=False)
    assert counts(poll([first, second], max_articles=3)) == Counts(2, 0, 0, 1, 1, 0, 0)
    assert len(article_rows(conn)) == 4


def test_the_politeness_delay_holds_within_a_round(server, poll, clock):
    polite = Fetcher(user_agent=AGENT, delay=3, clock=clock, sleep=clock.sleep)
    poll([publish(server, STORIES[:3])], fetcher=polite)
    assert [(r.time, r.path) for r in server.log] == [
        (0, "/robots.txt"),
        (3, "/feed"),
        (6, "/news/walthamstow-stabbing"),
        (9, "/news/hatton-garden-raid"),
        (12, "/news/clapham-common-robbery"),
    ]


def test_a_local_feed_file_is_read_and_then_known_unchanged(server, poll, conn, tmp_path):
    for s in STORIES:
        server.routes[f"/news/{s.slug}"] = Route(page(s), content_type="text/html")
    path = tmp_path / "london.xml"
    path.write_bytes(rss([item(s, server.url(f"/news/{s.slug}")) for s in STORIES]))
    feed = feed_at(str(path))
    assert (feed.url, feed.outlet) == (str(path), "london.xml")
    assert counts(poll([feed])) == Counts(1, 0, 0, 4, 4, CRIMES, 0)
    seen = len(server.log)
    assert counts(poll([feed])) == Counts(1, 0, 0, 0, 0, 0, 0)
    assert server.log[seen:] == []
    assert store.feed_state(conn, feed.url).last_status == 304


def test_a_missing_local_feed_fails(poll, tmp_path):
    report = poll([feed_at(str(tmp_path / "gone.xml"))])
    assert report.failures == (f"{tmp_path / 'gone.xml'}: no such file",)


def test_the_round_is_recorded_for_the_dashboard(server, poll, conn, wall):
    assert store.last_update(conn) is None
    server.routes["/down"] = Route(b"down", 503, "text/plain")
    down = Feed(server.url("/down"), "Down News")
    poll([down])
    assert store.last_update(conn) is None  # every feed failed: nothing was updated
    wall.moment = START + timedelta(minutes=5)
    poll([down, publish(server)])
    assert store.last_update(conn) == wall().isoformat()
    assert list(store.iter_feed_sources(conn)) == [
        ("Down News", down.url, None, 0, 0, f"{down.url}: HTTP 503 Service Unavailable"),
        ("Example News", server.url("/feed"), wall().isoformat(), 4, CRIMES, None),
    ]


def test_the_feed_list_covers_london_sources_all_unverified():
    feeds = load_feeds()
    outlets = " | ".join(f.outlet for f in feeds)
    for source in ("Evening Standard", "MyLondon", "BBC News London", "Metropolitan Police"):
        assert source in outlets
    assert len(feeds) >= 10
    assert all(f.url.startswith("https://") and f.homepage.startswith("https://") and f.terms for f in feeds)
    assert not any(f.verified for f in feeds)
    assert len({f.url for f in feeds}) == len(feeds)
    assert FEEDS_FILE.name == "feeds.csv"


def test_load_feeds_resolves_local_paths_against_the_list(tmp_path):
    (tmp_path / "list.csv").write_text(
        "outlet,feed_url,homepage,terms,full_pages,verified\n"
        "Mine,feeds/mine.xml,,,no,verified\n"
        f"Example,{SITE}/rss,{SITE},personal use,yes,unverified\n"
    )
    assert load_feeds(tmp_path / "list.csv") == [
        Feed(str(tmp_path / "feeds" / "mine.xml"), "Mine", "", "", False, True),
        Feed(f"{SITE}/rss", "Example", SITE, "personal use", True, False),
    ]


@pytest.mark.parametrize(
    "row, message",
    [
        (
            ",https://a.example/rss,,,yes,unverified",
            "list.csv: https://a.example/rss: outlet and feed_url are required",
        ),
        ("A,,,,yes,unverified", "list.csv: A: outlet and feed_url are required"),
        ("A,https://a.example/rss,,,maybe,unverified", "list.csv: A: full_pages must be yes or no, got 'maybe'"),
        ("A,https://a.example/rss,,,yes,", "list.csv: A: verified must be one of verified, unverified, got ''"),
        ("A,ftp://a.example/rss,,,yes,verified", "list.csv: A: not an http(s) URL or a local file"),
    ],
)
def test_load_feeds_fails(tmp_path, row, message):
    (tmp_path / "list.csv").write_text(f"outlet,feed_url,homepage,terms,full_pages,verified\n{row}\n")
    with pytest.raises(ExtractError) as caught:
        load_feeds(tmp_path / "list.csv")
    assert str(caught.value) == f"{tmp_path}/{message}"


@pytest.mark.parametrize(
    "location, feed",
    [
        (
            "https://www.standard.co.uk/news/crime/rss",
            Feed("https://www.standard.co.uk/news/crime/rss", "standard.co.uk"),
        ),
        ("http://127.0.0.1:8000/feed", Feed("http://127.0.0.1:8000/feed", "127.0.0.1")),
    ],
)
def test_feed_at(location, feed):
    assert feed_at(location) == feed


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://a.example/rss", "FILE://feeds/x.xml"])
def test_feed_at_refuses_a_url_of_another_scheme(location):
    with pytest.raises(ExtractError) as caught:
        feed_at(location)
    assert str(caught.value) == f"{location}: not an http(s) URL or a local file"


def test_a_clock_is_never_slept_on_at_zero_delay(server, poll, clock):
    poll([publish(server)])
    assert clock.sleeps == []


@pytest.mark.parametrize("link", ["http://[::1/news/x", "http://a b/news/x", "http://a..b/news/x"])
def test_a_malformed_item_link_is_that_items_failure_and_the_round_goes_on(server, poll, conn, link):
    """A link no request can be made of fails its item (or, unreadable, leaves it without one), never the round."""
    bad = Feed(server.url("/bad"), "Bad News")
    server.routes["/bad"] = Route(rss([item(STORIES[0], link)]))
    good = publish(server, STORIES[1:2])
    report = poll([bad, good])
    assert (report.polled, report.failed_feeds, report.articles) == (2, 0, 1 + (link == "http://[::1/news/x"))
    assert all("malformed URL" in f for f in report.failures)
    assert STORIES[1].canonical in [row[2] for row in article_rows(conn)]  # the feed after it was read


def test_relative_links_are_resolved_against_the_feed_after_its_redirect(server, poll, conn):
    """A feed moved to another host (here "localhost") links relatively to pages there, not on the old host."""
    publish(server, STORIES[:1], path="/moved")
    moved = server.url("/moved", host="localhost")
    server.routes["/moved"] = Route(rss([item(STORIES[0], "/news/" + STORIES[0].slug)]))
    server.routes["/feed"] = Route(status=301, headers=(("Location", moved),))
    poll([Feed(server.url("/feed"), "Example News")])
    assert item_rows(conn) == [(server.url("/news/" + STORIES[0].slug, host="localhost"), "stored", 1)]


def test_what_watch_stores_is_bounded_as_ingest_bounds_it(server, poll, conn, monkeypatch):
    """A link that is no http(s) link is dropped, and a text over MAX_ARTICLE_CHARS cut, each with a warning."""
    from extract import articles

    monkeypatch.setattr(articles, "MAX_ARTICLE_CHARS", 200)
    server.routes["/feed"] = Route(rss([item(STORIES[0], "javascript:alert(1)", guid="story-1", content=True)]))
    report = poll([Feed(server.url("/feed"), "Example News", full_pages=False)])
    assert report.failures == ()
    messages = [w.split(": ", 1)[1] for w in report.warnings]
    assert len(messages) == 2 and messages[0].startswith("text cut to its first ")
    assert messages[1] == "URL 'javascript:alert(1)' dropped: not an http(s) link"
    assert conn.execute("SELECT url FROM articles").fetchall() == [(None,)]


def test_an_item_whose_id_stands_for_its_link_is_stored_as_ingest_stores_it(server, poll, conn, tmp_path):
    """feedparser gives an item without a link its guid as the link ("abc-1"): an id, not a page to resolve."""
    body = rss([Item(STORIES[0].headline, None, "abc-1", STORIES[0].summary)])
    server.routes["/feed"] = Route(body)
    poll([Feed(server.url("/feed"), "Example News")])
    watched = conn.execute("SELECT article_id, url FROM articles").fetchall()
    (tmp_path / "feed.rss").write_bytes(body)
    ingest_paths([tmp_path / "feed.rss"], db_path=tmp_path / "ingest.db")
    other = store.connect(tmp_path / "ingest.db")
    assert (
        watched
        == other.execute("SELECT article_id, url FROM articles").fetchall()
        == [(hashlib.sha1(b"abc-1").hexdigest()[:16], None)]
    )
    other.close()
    assert page_requests(server) == []
