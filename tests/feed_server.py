"""A real HTTP server on 127.0.0.1 for the feed tests, in a thread, serving routes with injected faults.

Each request is logged with the host it was sent to and the time of a fake clock at that moment, so that tests can
measure the politeness delay on the clock the fetcher was given.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
