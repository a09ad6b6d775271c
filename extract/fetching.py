"""A polite HTTP client for news feeds and article pages.

It names itself with a user agent, honours robots.txt, sends at most one request per host every `delay` seconds,
bounds connect and read times, redirects and body size, reads only HTML and XML, and unpacks gzip. The clock and
the sleep function are injected, so that politeness can be tested without waiting.

Example:
    fetcher = Fetcher(user_agent="crimemap-watch (you@example.org)")
    response = fetcher.get("https://www.example.org/news/rss", etag=previous_etag)
    if response.status == 304: ...  # not modified since the ETag was given
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from extract.records import ExtractError

DEFAULT_DELAY = 3.0
"""Seconds between two requests to one host: the crawl delay news sites commonly ask for in their robots.txt."""
CONNECT_TIMEOUT = 10.0  # seconds; a host that takes longer to accept a connection is down for this round
READ_TIMEOUT = 30.0  # seconds of silence in the middle of a response
TOTAL_TIMEOUT = 120.0  # seconds for a whole exchange, headers too: a server dripping bytes cannot hold the round
MAX_BYTES = 10_000_000  # a feed or a page larger than this, once unpacked, is no news item
MAX_REDIRECTS = 5  # RFC 9309 asks robots.txt crawlers to follow at least five; feeds and pages need no more
ROBOTS_MAX_BYTES = 500_000  # RFC 9309: crawlers must parse at least the first 500 KiB
ROBOTS_TTL = 24 * 3600.0  # RFC 9309: a cached robots.txt should not be used for more than 24 hours
ROBOTS_RETRY = 600.0  # seconds before asking again for a robots.txt that could not be reached
MAX_CRAWL_DELAY = 60.0  # a larger Crawl-delay in robots.txt would stall the whole round on one host
CHUNK_BYTES = 64 * 1024

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
XML_TYPES = frozenset({"application/xml", "text/xml", "application/rss+xml", "application/atom+xml"})
"""Content types read besides HTML; any other "+xml" type (application/rdf+xml, ...) is read too."""
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Characters left as they are when a URL with spaces or non-ASCII letters is quoted for the request line.
_URL_SAFE = "/%:@!$&'()*+,;=~-._?"


class FetchError(ExtractError):
    """A feed or page that could not be fetched; the message starts with its URL."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Disallowed(FetchError):
    """The site's robots.txt does not allow this user agent to fetch the URL."""


@dataclass(frozen=True, slots=True)
class Response:
    """A fetched feed or page: its final URL after redirects, 200 (or 304 when unchanged), the unpacked body."""

    url: str
    status: int
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class _Raw:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass(frozen=True, slots=True)
class _Robots:
    expires: float  # on the fetcher's clock
    rules: RobotFileParser
    problem: str | None  # why nothing can be fetched from the site for now


class Fetcher:
    """Fetches URLs one at a time, politely; keeps each host's robots.txt and the time of its last request."""

    def __init__(
        self,
        *,
        user_agent: str,
        delay: float = DEFAULT_DELAY,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        max_bytes: int = MAX_BYTES,
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        if not user_agent or not user_agent.strip():
            raise ExtractError("a user agent is required: a name and a contact, e.g. 'crimemap (you@example.org)'")
        if delay < 0:
            raise ExtractError(f"delay: expected 0 or more seconds, got {delay}")
        self.user_agent = user_agent.strip()
        self.delay = delay
        self._clock = clock
        self._sleep = sleep
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._last_request: dict[str, float] = {}
        self._crawl_delay: dict[str, float] = {}
        self._robots: dict[str, _Robots] = {}

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """Fetch an HTML or XML document, conditionally when `etag` or `last_modified` is given; raises FetchError
        (Disallowed when robots.txt forbids a URL on the way)."""
        headers = {"Accept": "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, */xml"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _ in range(self._max_redirects + 1):
            self._check_robots(current)
            raw = self._request(current, headers, self._max_bytes, _is_document)
            location = raw.headers.get("Location")
            if raw.status in REDIRECTS and location:
                current = _joined(current, location)
                continue
            if raw.status == 304:
                return Response(current, 304, b"", "", raw.headers.get("ETag") or etag, last_modified)
            return Response(
                current,
                raw.status,
                raw.body,
                _content_type(raw.headers),
                raw.headers.get("ETag"),
                raw.headers.get("Last-Modified"),
            )
        raise FetchError(f"{url}: more than {self._max_redirects} redirects")

    def _check_robots(self, url: str) -> None:
        parts = _parts(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        robots = self._robots.get(origin)
        if robots is None or robots.expires <= self._clock():
            robots = self._robots[origin] = self._read_robots(origin, (parts.hostname or "").lower())
        if robots.problem:
            raise FetchError(f"{url}: {robots.problem}")
        if not robots.rules.can_fetch(self.user_agent, url):
            raise Disallowed(f"{url}: disallowed by robots.txt")

    def _read_robots(self, origin: str, host: str) -> _Robots:
        """Read the robots.txt of `origin` as RFC 9309 says: none (4xx, or too many redirects) allows everything;
        an unreachable one (5xx, network error) forbids everything until it is asked for again."""
        rules = RobotFileParser()
        url = origin + "/robots.txt"
        try:
            for _ in range(self._max_redirects + 1):
                raw = self._request(url, {"Accept": "text/plain"}, ROBOTS_MAX_BYTES, lambda _type: True, cut=True)
                location = raw.headers.get("Location")
                if raw.status not in REDIRECTS or not location:
                    break
                url = _joined(url, location)
        except FetchError as e:
            problem = str(e).removeprefix(url + ": ")
            if e.status is None:  # the host is unreachable: every URL on it would fail the same way
                return _Robots(self._clock() + ROBOTS_RETRY, rules, problem)
            if e.status >= 500:
                return _Robots(
                    self._clock() + ROBOTS_RETRY, rules, f"not fetched, robots.txt could not be read ({problem})"
                )
            raw = _Raw(e.status, http.client.HTTPMessage(), b"")
        if raw.status in REDIRECTS or raw.status >= 400:
            rules.parse([])  # no rules: everything is allowed
        else:
            rules.parse(raw.body.decode("utf-8", errors="replace").splitlines())
            delay = rules.crawl_delay(self.user_agent)
            if delay:
                self._crawl_delay[host] = min(float(delay), MAX_CRAWL_DELAY)
        return _Robots(self._clock() + ROBOTS_TTL, rules, None)

    def _wait_turn(self, host: str) -> None:
        last = self._last_request.get(host)
        if last is not None:
            wait = last + max(self.delay, self._crawl_delay.get(host, 0.0)) - self._clock()
            if wait > 0:
                self._sleep(wait)

    def _request(
        self, url: str, headers: dict[str, str], limit: int, accepts: Callable[[str], bool], *, cut: bool = False
    ) -> _Raw:
        """One GET without following redirects; a 2xx, 3xx or 304 is returned, anything else raises FetchError. A
        body over `limit` bytes raises too, or, when `cut`, is cut there. The whole exchange, headers included, has
        TOTAL_TIMEOUT: then the connection is shut from another thread, as a blocked read has no deadline of its own."""
        parts = _parts(url)
        host = (parts.hostname or "").lower()
        target = quote(parts.path or "/", safe=_URL_SAFE) + (
            f"?{quote(parts.query, safe=_URL_SAFE)}" if parts.query else ""
        )
        self._wait_turn(host)
        connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        try:
            connection = connection_type(host, parts.port, timeout=self._connect_timeout)
        except (ValueError, http.client.InvalidURL) as e:  # a malformed port, a host with a space
            raise FetchError(f"{url}: malformed URL ({e})") from None
        expired = threading.Event()
        # The connection's socket, once connected: the response reads it after getresponse, which lets go of it when
        # the server closes the connection after answering.
        held: list[socket.socket] = []
        watchdog = threading.Timer(TOTAL_TIMEOUT, _shut, args=(held, expired))
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.connect()
            held.append(connection.sock)
            if expired.is_set():  # connected after the watchdog fired (slow addresses): nothing was there to shut
                raise TimeoutError
            connection.sock.settimeout(self._read_timeout)
            connection.request(
                "GET",
                target,
                headers={**headers, "User-Agent": self.user_agent, "Accept-Encoding": "gzip", "Connection": "close"},
            )
            response = connection.getresponse()
            status = response.status
            if status in REDIRECTS or status == 304:
                return _Raw(status, response.headers, b"")
            if not 200 <= status < 300:
                raise FetchError(f"{url}: HTTP {status} {response.reason}".rstrip(), status=status)
            content_type = _content_type(response.headers)
            if not accepts(content_type):
                raise FetchError(f"{url}: content type {content_type or '(none)'} is neither HTML nor XML")
            body = self._read_body(url, response, limit, cut=cut)
            if expired.is_set():  # the watchdog shut the connection: what was read is not the whole body
                raise TimeoutError
            return _Raw(status, response.headers, body)
        except (OSError, http.client.HTTPException, UnicodeError, FetchError) as e:
            raise _failure(url, host, e, expired=expired.is_set()) from None
        finally:
            watchdog.cancel()
            connection.close()
            self._last_request[host] = self._clock()

    def _read_body(self, url: str, response: http.client.HTTPResponse, limit: int, *, cut: bool = False) -> bytes:
        """Read the body, unpacking gzip as it streams in; more than `limit` bytes (packed or not) raises, or when
        `cut` ends the body there. A body shorter than its Content-Length, or a gzip stream without its end, raises:
        the connection dropped."""
        too_big = FetchError(f"{url}: larger than {limit:,} bytes, not read")
        length = response.headers.get("Content-Length", "").strip()
        if length.isdigit() and int(length) > limit and not cut:
            raise too_big
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)  # 16+: expect the gzip header and trailer
        elif encoding in ("", "identity"):
            unpacker = None
        else:
            raise FetchError(f"{url}: unsupported content encoding {encoding}")
        deadline = self._clock() + TOTAL_TIMEOUT
        parts: list[bytes] = []
        size = packed = 0
        # read1: what has arrived, at most a chunk; read(n) waits for n bytes, which a server dripping them never sends.
        while chunk := response.read1(CHUNK_BYTES):
            packed += len(chunk)
            if self._clock() > deadline:
                raise FetchError(f"{url}: timed out after {TOTAL_TIMEOUT:.0f} s")
            data = chunk if unpacker is None else _unpack(url, unpacker, chunk, limit + 1 - size)
            parts.append(data)
            size += len(data)
            if packed > limit or size > limit:
                if cut:
                    return b"".join(parts)[:limit]
                raise too_big
        if (length.isdigit() and packed < int(length)) or (unpacker is not None and packed and not unpacker.eof):
            raise FetchError(f"{url}: the connection dropped before the end of the body")
        return b"".join(parts)


def _parts(url: str) -> SplitResult:
    """Return urlsplit of an http(s) URL with a host; FetchError for anything else, a malformed URL too."""
    try:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname:
            parts.port  # noqa: B018  (a port that is no number raises here)
            return parts
    except ValueError as e:  # "http://[::1/feed": an unclosed IPv6 host
        raise FetchError(f"{url}: malformed URL ({e})") from None
    raise FetchError(f"{url}: not an http or https URL")


def _failure(url: str, host: str, e: Exception, *, expired: bool) -> FetchError:
    """Return the FetchError of an exchange with `host` that failed with `e` (after the watchdog shut it when
    `expired`: whatever failed then failed for that)."""
    if expired:
        return FetchError(f"{url}: timed out after {TOTAL_TIMEOUT:.0f} s")
    if isinstance(e, FetchError):
        return e
    if isinstance(e, socket.gaierror):
        return FetchError(f"{url}: cannot resolve host {host}")
    if isinstance(e, TimeoutError):
        return FetchError(f"{url}: timed out")
    if isinstance(e, ssl.SSLError):
        return FetchError(f"{url}: TLS failed ({e.reason or e})")
    if isinstance(e, UnicodeError):  # a host name IDNA cannot encode ("a..b")
        return FetchError(f"{url}: malformed URL ({e})")
    return FetchError(f"{url}: connection failed ({e or type(e).__name__})")


def _joined(url: str, location: str) -> str:
    """Return a redirect's Location resolved against the URL redirected; FetchError when it is malformed."""
    try:
        return urljoin(url, location.strip())
    except ValueError as e:
        raise FetchError(f"{url}: malformed redirect to {location.strip()[:200]!r} ({e})") from None


def _shut(held: list[socket.socket], expired: threading.Event) -> None:
    """Shut the socket of an exchange that ran out of time, from the watchdog's thread: a read blocked on it
    returns."""
    expired.set()
    for sock in held:
        try:
            # The plain socket's shutdown, also of a TLS socket: ssl.SSLSocket.shutdown unwraps it, changing the
            # object a read in the other thread is using.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:  # closed meanwhile
            pass


def _unpack(url: str, unpacker, chunk: bytes, room: int) -> bytes:
    """Unpack one gzip chunk into at most `room` bytes, so that a gzip bomb never fills the memory."""
    try:
        data = unpacker.decompress(chunk, room)
        while unpacker.unconsumed_tail and len(data) < room:
            data += unpacker.decompress(unpacker.unconsumed_tail, room - len(data))
    except zlib.error as e:
        raise FetchError(f"{url}: broken gzip body ({e})") from None
    return data


def _content_type(headers: http.client.HTTPMessage) -> str:
    return (headers.get("Content-Type") or "").split(";")[0].strip().lower()


def _is_document(content_type: str) -> bool:
    return content_type in HTML_TYPES or content_type in XML_TYPES or content_type.endswith("+xml")
