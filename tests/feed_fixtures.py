"""Fixtures for the feed tests: a real HTTP server on 127.0.0.1 in a thread, serving routes with injected faults,
and made-up London news stories as pages and RSS items.

Each request is logged with the host it was sent to and the time of a fake clock at that moment, so that tests can
measure the politeness delay on the clock the fetcher was given. The stories are written for these tests.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STREAM_CHUNK = 1 << 20
POLL_SECONDS = 0.02  # how soon the server notices it should stop


class FakeClock:
    """A clock that moves only when slept on; `sleeps` lists every sleep asked for."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass(frozen=True, slots=True)
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml"
    headers: tuple[tuple[str, str], ...] = ()
    etag: str | None = None  # answered with 304 when the request sends it back in If-None-Match
    gzip: bool = False
    wait: float = 0.0  # seconds before answering
    stream: int = 0  # bytes of filler sent in 1 MB chunks, without Content-Length, instead of the body
    length: int | None = None  # a Content-Length to announce instead of the body's
    drip: float = 0.0  # seconds between the bytes of the body, sent one by one (and of the status line and headers)
    drip_head: bool = False  # the status line and headers dripped too


@dataclass(frozen=True, slots=True)
class Request:
    """One request as the server saw it."""

    time: float
    host: str
    path: str
    user_agent: str
    if_none_match: str | None
    if_modified_since: str | None


class FeedServer:
    """The routes served (path -> Route, changeable between requests) and the log of requests received."""

    def __init__(self, port: int, clock: FakeClock) -> None:
        self.port = port
        self.clock = clock
        self.routes: dict[str, Route] = {}
        self.log: list[Request] = []

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [r.path for r in self.log]


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            server.log.append(
                Request(
                    server.clock.now,
                    self.headers.get("Host", "").rsplit(":", 1)[0],
                    self.path,
                    self.headers.get("User-Agent", ""),
                    self.headers.get("If-None-Match"),
                    self.headers.get("If-Modified-Since"),
                )
            )
            route = server.routes.get(self.path, Route(b"not found", 404, "text/plain"))
            if route.wait:
                time.sleep(route.wait)
            if route.drip:
                head = f"HTTP/1.1 {route.status} OK\r\nContent-Type: {route.content_type}\r\nContent-Length: "
                head += f"{len(route.body)}\r\nConnection: close\r\n\r\n"
                if not route.drip_head:
                    self.wfile.write(head.encode())
                for byte in (head.encode() if route.drip_head else b"") + route.body:
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:  # the client gave up: as it should
                        break
                    time.sleep(route.drip)
                self.close_connection = True
                return
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.send_header("ETag", route.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = gzip.compress(route.body) if route.gzip else route.body
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            for name, value in route.headers:
                self.send_header(name, value)
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.gzip:
                self.send_header("Content-Encoding", "gzip")
            if route.stream:
                self.send_header("Connection", "close")
                if route.length is not None:
                    self.send_header("Content-Length", str(route.length))
                self.end_headers()
                filler = b"<p>" + b"x" * (STREAM_CHUNK - 7) + b"</p>\n"
                for _ in range(route.stream // STREAM_CHUNK):
                    self.wfile.write(filler)
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(body) if route.length is None else route.length))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client hanging up on a huge or slow body is expected


@contextmanager
def serve(clock: FakeClock | None = None) -> Iterator[FeedServer]:
    """Serve on a free port of 127.0.0.1 until the block ends."""
    httpd = _Server(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server = FeedServer(httpd.server_address[1], clock or FakeClock())
    httpd.RequestHandlerClass = _handler(server)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


SITE = "https://news.example.org"
"""The site the fixture pages name as their canonical home; nothing is ever fetched from it."""


@dataclass(frozen=True, slots=True)
class Story:
    """A made-up London news story: its page path on the test server, its canonical path, date and paragraphs."""

    slug: str
    headline: str
    published: str
    paragraphs: tuple[str, ...]

    @property
    def canonical(self) -> str:
        return f"{SITE}/news/{self.slug}"

    @property
    def summary(self) -> str:
        first = self.paragraphs[0].split(". ")[0]
        return first if first.endswith(".") else first + "."


STORIES = (
    Story(
        "walthamstow-stabbing",
        "Man stabbed on Hoe Street in Walthamstow",
        "2024-03-04",
        (
            "A 24-year-old man was stabbed on Hoe Street in Walthamstow on Saturday night, the Metropolitan Police "
            "said. Officers were called at about 11pm to reports of a fight outside a takeaway.",
            "The man was taken to hospital with knife wounds. His injuries are not thought to be life-threatening.",
            "No arrests have been made and detectives are asking anyone with mobile phone footage to come forward.",
        ),
    ),
    Story(
        "hatton-garden-raid",
        "Jewellers raided overnight in Hatton Garden",
        "2024-03-05",
        (
            "Thieves smashed their way into a jeweller's shop on Hatton Garden in the early hours of Tuesday, "
            "police said. Rings and watches worth thousands of pounds were taken from the window display.",
            "A shop worker arrived to find the front door forced and the alarm cable cut.",
            "Two men aged 31 and 35 were arrested in Clerkenwell later that morning on suspicion of burglary.",
        ),
    ),
    Story(
        "clapham-common-robbery",
        "Cyclist robbed at knifepoint on Clapham Common",
        "2024-03-06",
        (
            "A cyclist was robbed of his bike at knifepoint on Clapham Common on Wednesday evening, police said. "
            "Two men on mopeds threatened the 40-year-old near the bandstand and rode off with the bicycle.",
            "The victim was not injured. Officers searched the common but found no trace of the robbers.",
            "Anyone who saw the mopeds leaving towards Clapham High Street is asked to call 101.",
        ),
    ),
    Story(
        "deptford-library",
        "New library opens on Deptford High Street",
        "2024-03-07",
        (
            "A new public library opened on Deptford High Street on Thursday, with a reading room, a cafe and a "
            "makerspace for young people.",
            "The council said the building would be open seven days a week and host homework clubs after school.",
        ),
    ),
)
"""Three crime stories in three boroughs and one story with no crime, written for these tests."""


def page(story: Story, *, canonical: str | None = None) -> bytes:
    """The story as a news page with its headline, date and canonical URL in the head."""
    body = "".join(f"<p>{p}</p>" for p in story.paragraphs)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{story.headline}</title>"
        f"<link rel='canonical' href='{canonical or story.canonical}'>"
        f"<meta property='article:published_time' content='{story.published}T09:00:00+00:00'>"
        "</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{story.headline}</h1>{body}</article>"
        "<footer>Copyright Example News</footer></body></html>"
    ).encode()


@dataclass(frozen=True, slots=True)
class Item:
    """One item of a fixture feed."""

    title: str
    link: str | None = None
    guid: str | None = None
    summary: str = ""
    content: str | None = None  # the full text, as content:encoded


def item(story: Story, link: str, *, guid: str | None = None, content: bool = False) -> Item:
    """A feed item for `story` linking to `link`; its guid is the link unless given."""
    full = "".join(f"<p>{p}</p>" for p in story.paragraphs) if content else None
    return Item(story.headline, link, guid or link, story.summary, full)


def rss(items: list[Item] | tuple[Item, ...], *, title: str = "Example News: London") -> bytes:
    """An RSS 2.0 feed of `items`."""
    parts = []
    for i in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(i.title)}</title>")
        if i.link:
            parts.append(f"<link>{escape(i.link)}</link>")
        if i.guid:
            parts.append(f"<guid>{escape(i.guid)}</guid>")
        parts.append(f"<description>{escape(i.summary)}</description>")
        if i.content:
            parts.append(f"<content:encoded><![CDATA[{i.content}]]></content:encoded>")
        parts.append("<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate></item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>{SITE}/</link><description>Test feed</description>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10)
    )
    + b']>\n<rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
)
"""A feed whose nine nested entities would expand its title to a thousand million "lol"s."""
