"""The polite HTTP client against a real server on 127.0.0.1: answers, faults, robots.txt and the delay per host."""

import dataclasses
import time
import zlib

import pytest
from feed_fixtures import FakeClock, Route, serve

from extract import fetching
from extract.fetching import MAX_BYTES, Disallowed, Fetcher, FetchError, Response
from extract.records import ExtractError

AGENT = "crimemap-test (tests@example.org)"
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Test</title></channel></rss>'
PAGE = b"<html><head><title>A page</title></head><body><p>Text.</p></body></html>"
READ_TIMEOUT = 0.5  # seconds; the slow route waits longer
BIG = 50_000_000


def gzip_bomb(size: int) -> bytes:
    """`size` zero bytes, gzipped a megabyte at a time: about a thousandth of the size."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join(packer.compress(bytes(1 << 20)) for _ in range(size >> 20)) + packer.flush()


BOMB = gzip_bomb(BIG)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def server(clock):
    with serve(clock) as s:
        yield s


def fetcher(clock: FakeClock, **options) -> Fetcher:
    return Fetcher(user_agent=AGENT, clock=clock, sleep=clock.sleep, read_timeout=READ_TIMEOUT, **options)


@pytest.mark.parametrize(
    "routes, options, expected",
    [
        (
            {"/feed": Route(FEED, headers=(("Last-Modified", "Mon, 04 Mar 2024 10:00:00 GMT"),), etag='"v1"')},
            {},
            Response("/feed", 200, FEED, "application/rss+xml", '"v1"', "Mon, 04 Mar 2024 10:00:00 GMT"),
        ),
        (
            {"/feed": Route(FEED, etag='"v1"')},
            {"etag": '"v1"'},
            Response("/feed", 304, b"", "", '"v1"', None),
        ),
        (
            {"/feed": Route(FEED, content_type="text/xml; charset=utf-8", gzip=True)},
            {},
            Response("/feed", 200, FEED, "text/xml", None, None),
        ),
        (
            {
                "/feed": Route(status=301, headers=(("Location", "/moved"),)),
                "/moved": Route(PAGE, content_type="text/html"),
            },
            {},
            Response("/moved", 200, PAGE, "text/html", None, None),
        ),
        (
            {"/feed": Route(FEED, content_type="application/rdf+xml")},
            {},
            Response("/feed", 200, FEED, "application/rdf+xml", None, None),
        ),
        (
            {"/feed": Route(b"", headers=(("Content-Encoding", "gzip"),))},  # an empty body holds no gzip stream
            {},
            Response("/feed", 200, b"", "application/rss+xml", None, None),
        ),
    ],
    ids=["etag-and-last-modified", "not-modified", "gzip", "redirect", "other-xml-type", "empty-gzip"],
)
def test_get(server, clock, routes, options, expected):
    server.routes.update(routes)
    response = fetcher(clock, delay=0).get(server.url("/feed"), **options)
    assert response == dataclasses.replace(expected, url=server.url(expected.url))
    assert all(r.user_agent == AGENT for r in server.log)


def test_conditional_headers_are_sent(server, clock):
    server.routes["/feed"] = Route(FEED, etag='"v2"')
    fetcher(clock, delay=0).get(server.url("/feed"), etag='"v1"', last_modified="Mon, 04 Mar 2024 10:00:00 GMT")
    assert [(r.path, r.if_none_match, r.if_modified_since) for r in server.log] == [
        ("/robots.txt", None, None),
        ("/feed", '"v1"', "Mon, 04 Mar 2024 10:00:00 GMT"),
    ]


@pytest.mark.parametrize(
    "routes, message",
    [
        ({"/x": Route(b"oops", 500, "text/plain")}, "/x: HTTP 500 Internal Server Error"),
        ({}, "/x: HTTP 404 Not Found"),
        ({"/x": Route(FEED, wait=3 * READ_TIMEOUT)}, "/x: timed out"),
        ({"/x": Route(status=302, headers=(("Location", "/x"),))}, "/x: more than 5 redirects"),
        ({"/x": Route(stream=BIG)}, f"/x: larger than {MAX_BYTES:,} bytes, not read"),
        ({"/x": Route(stream=BIG, length=BIG)}, f"/x: larger than {MAX_BYTES:,} bytes, not read"),
        (
            {"/x": Route(BOMB, headers=(("Content-Encoding", "gzip"),))},
            f"/x: larger than {MAX_BYTES:,} bytes, not read",
        ),
        ({"/x": Route(b"\x89PNG", content_type="image/png")}, "/x: content type image/png is neither HTML nor XML"),
        ({"/x": Route(b"hello", content_type="")}, "/x: content type (none) is neither HTML nor XML"),
        ({"/x": Route(b"not gzip", headers=(("Content-Encoding", "gzip"),))}, "/x: broken gzip body"),
        ({"/x": Route(b"x", headers=(("Content-Encoding", "br"),))}, "/x: unsupported content encoding br"),
        (
            {"/robots.txt": Route(b"down", 503, "text/plain")},
            "/x: not fetched, robots.txt could not be read (HTTP 503 Service Unavailable)",
        ),
        ({"/x": Route(FEED, length=len(FEED) + 100)}, "/x: the connection dropped before the end of the body"),
        (
            {"/x": Route(gzip_bomb(1 << 20)[:-20], headers=(("Content-Encoding", "gzip"),))},
            "/x: the connection dropped",
        ),
        (
            {"/x": Route(status=301, headers=(("Location", "http://[::1/feed"),))},
            "/x: malformed redirect to 'http://[::1/feed' (Invalid IPv6 URL)",
        ),
        ({"/x": Route(status=301, headers=(("Location", "http://a b/feed"),))}, "http://a b/feed: malformed URL"),
        ({"/x": Route(status=301, headers=(("Location", "http://a..b/feed"),))}, "http://a..b/feed: malformed URL"),
    ],
    ids=[
        "500",
        "404",
        "slow",
        "redirect-loop",
        "50MB-streamed",
        "50MB-announced",
        "gzip-bomb",
        "image",
        "no-type",
        "broken-gzip",
        "brotli",
        "robots-unreachable",
        "truncated",
        "truncated-gzip",
        "redirect-to-malformed-ipv6",
        "redirect-to-a-space",
        "redirect-to-an-empty-label",
    ],
)
def test_get_fails(server, clock, routes, message):
    server.routes.update(routes)
    with pytest.raises(FetchError) as caught:
        fetcher(clock, delay=0).get(server.url("/x"))
    assert str(caught.value).removeprefix(server.url("")).startswith(message)
    assert not isinstance(caught.value, Disallowed)


@pytest.mark.parametrize(
    "url, message",
    [
        (
            "http://no-such-host.invalid/feed",
            "http://no-such-host.invalid/feed: cannot resolve host no-such-host.invalid",
        ),
        ("ftp://example.org/feed", "ftp://example.org/feed: not an http or https URL"),
        ("http://[::1/feed", "http://[::1/feed: malformed URL (Invalid IPv6 URL)"),
        ("http://example.org:eighty/feed", "http://example.org:eighty/feed: malformed URL ("),
    ],
)
def test_get_fails_before_any_server(clock, url, message):
    with pytest.raises(FetchError) as caught:
        fetcher(clock, delay=0).get(url)
    assert str(caught.value) == message or (message.endswith("(") and str(caught.value).startswith(message))


@pytest.mark.parametrize("route", ["/headers", "/body"])
def test_a_server_dripping_its_answer_is_cut_at_the_total_timeout(server, clock, route, monkeypatch):
    """A byte every 0.05 s never leaves the socket silent for READ_TIMEOUT, yet the exchange ends at TOTAL_TIMEOUT,
    however slowly the status line and headers come too."""
    monkeypatch.setattr(fetching, "TOTAL_TIMEOUT", 1.0)
    body = b"<html><body>" + b"x" * 1_000 + b"</body></html>"
    server.routes[route] = Route(body, content_type="text/html", drip=0.05, drip_head=route == "/headers")
    started = time.monotonic()
    with pytest.raises(FetchError, match=r": timed out after 1 s$"):
        fetcher(clock, delay=0).get(server.url(route))
    assert time.monotonic() - started < 5


def test_a_robots_txt_over_its_limit_is_read_up_to_it(server, clock, monkeypatch):
    """RFC 9309: at least the first 500 KiB are parsed; a longer file is no reason to refuse the whole site."""
    monkeypatch.setattr(fetching, "ROBOTS_MAX_BYTES", 1_000)
    rules = b"User-agent: *\nDisallow: /private\n" + b"# padding\n" * 500
    server.routes.update({"/robots.txt": Route(rules, content_type="text/plain"), "/x": Route(FEED)})
    assert fetcher(clock, delay=0).get(server.url("/x")).body == FEED
    with pytest.raises(Disallowed):
        fetcher(clock, delay=0).get(server.url("/private"))


def test_connection_refused(clock):
    with serve(clock) as gone:
        url = gone.url("/feed")
    with pytest.raises(FetchError, match=r": connection failed \(.*refused"):
        fetcher(clock, delay=0).get(url)


@pytest.mark.parametrize(
    "robots, path, allowed",
    [
        (b"User-agent: *\nDisallow: /private/\n", "/private/story", False),
        (b"User-agent: *\nDisallow: /private/\n", "/news/story", True),
        (b"User-agent: crimemap-test\nDisallow: /\n\nUser-agent: *\nAllow: /\n", "/news/story", False),
        (b"User-agent: otherbot\nDisallow: /\n", "/news/story", True),
    ],
)
def test_robots_txt_is_honoured(server, clock, robots, path, allowed):
    server.routes["/robots.txt"] = Route(robots, content_type="text/plain")
    server.routes[path] = Route(PAGE, content_type="text/html")
    if allowed:
        assert fetcher(clock, delay=0).get(server.url(path)).body == PAGE
    else:
        with pytest.raises(Disallowed, match=f"{path}: disallowed by robots.txt$"):
            fetcher(clock, delay=0).get(server.url(path))
    assert server.paths() == ["/robots.txt", path] if allowed else ["/robots.txt"]


def test_robots_txt_is_checked_after_a_redirect(server, clock):
    server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    server.routes["/story"] = Route(status=301, headers=(("Location", "/private/story"),))
    with pytest.raises(Disallowed, match="/private/story: disallowed by robots.txt$"):
        fetcher(clock, delay=0).get(server.url("/story"))
    assert server.paths() == ["/robots.txt", "/story"]


def test_robots_txt_is_read_once_per_site(server, clock):
    server.routes.update({f"/p{n}": Route(PAGE, content_type="text/html") for n in range(3)})
    client = fetcher(clock, delay=0)
    for n in range(3):
        client.get(server.url(f"/p{n}"))
    assert server.paths() == ["/robots.txt", "/p0", "/p1", "/p2"]


def test_one_request_per_host_per_delay(server, clock):
    """Two hosts on one server: 127.0.0.1 and localhost; each waits for its own previous request only."""
    server.routes.update({f"/p{n}": Route(PAGE, content_type="text/html") for n in range(4)})
    client = fetcher(clock, delay=3)
    for host, path in [("127.0.0.1", "/p0"), ("127.0.0.1", "/p1"), ("localhost", "/p2"), ("127.0.0.1", "/p3")]:
        client.get(server.url(path, host=host))
    assert [(r.time, r.host, r.path) for r in server.log] == [
        (0, "127.0.0.1", "/robots.txt"),
        (3, "127.0.0.1", "/p0"),
        (6, "127.0.0.1", "/p1"),
        (6, "localhost", "/robots.txt"),
        (9, "localhost", "/p2"),
        (9, "127.0.0.1", "/p3"),
    ]


def test_failed_requests_count_for_the_delay(server, clock):
    client = fetcher(clock, delay=2)
    for _ in range(3):
        with pytest.raises(FetchError, match="HTTP 404"):
            client.get(server.url("/missing"))
    assert [r.time for r in server.log] == [0, 2, 4, 6]


def test_crawl_delay_in_robots_txt_lengthens_the_delay(server, clock):
    server.routes["/robots.txt"] = Route(b"User-agent: *\nCrawl-delay: 5\n", content_type="text/plain")
    server.routes["/p"] = Route(PAGE, content_type="text/html")
    client = fetcher(clock, delay=1)
    client.get(server.url("/p"))
    client.get(server.url("/p"))
    assert [r.time for r in server.log] == [0, 5, 10]


def test_zero_delay_never_sleeps(server, clock):
    server.routes["/p"] = Route(PAGE, content_type="text/html")
    client = fetcher(clock, delay=0)
    for _ in range(3):
        client.get(server.url("/p"))
    assert clock.sleeps == []


@pytest.mark.parametrize(
    "options, message",
    [
        ({"user_agent": ""}, "a user agent is required"),
        ({"user_agent": "  "}, "a user agent is required"),
        ({"user_agent": AGENT, "delay": -1}, "delay: expected 0 or more seconds, got -1"),
    ],
)
def test_fetcher_options_fail(options, message):
    with pytest.raises(ExtractError, match=message):
        Fetcher(**options)
