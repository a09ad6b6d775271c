"""Watch news feeds: poll each one politely, read its new items, store their articles and incidents.

A round polls every feed that is due, with a conditional GET (ETag, Last-Modified); a failing feed backs off
exponentially. Each new item (known by its guid, else its link, else a hash of its content) becomes one article:
the feed's own content when it carries the full text, else the article page read with trafilatura, else the
feed's summary. The article goes through the same extraction and store as `ingest`, in one transaction with its
item. All state lives in the database, and a feed's validators are saved only once every item it listed is
settled, so a second round over unchanged feeds stores nothing twice and a killed watch resumes where it stopped.

Example:
    fetcher = Fetcher(user_agent="crimemap (you@example.org)")
    report = poll_round(load_feeds(), conn=store.connect(DEFAULT_DB), fetcher=fetcher, extractor=load_extractor())
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from extract import articles, events, store
from extract.datafiles import DATA_DIR, read_rows
from extract.fetching import HTML_TYPES, MAX_BYTES, Disallowed, Fetcher, FetchError
from extract.pipeline import Extractor, extract_incidents
from extract.records import Article, ExtractError, Incident, is_link

FEEDS_FILE = DATA_DIR / "feeds.csv"
BACKOFF = 15 * 60.0  # seconds before a feed that failed once is polled again: one round of `--every 15m`
MAX_BACKOFF = 24 * 3600.0  # the doubling stops here, so a feed that is down for days is still tried daily
MAX_ITEM_ATTEMPTS = 3  # rounds a failing article page is tried in before the item falls back to its summary
YES, NO = "yes", "no"
VERIFIED = ("verified", "unverified")

# Some servers send their feed as text/html; its root element then still shows near the start.
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]")
SNIFF_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Feed:
    """A news feed to watch: an http(s) URL or a local file path, and whose it is."""

    url: str
    outlet: str
    homepage: str = ""
    terms: str = ""  # the licence or terms of use, as a note
    full_pages: bool = True  # fetch the article page when an item carries only a summary
    verified: bool = False  # whether someone checked that the URL serves the feed


@dataclass(frozen=True, slots=True)
class RoundReport:
    """What one round did: feeds polled (failed ones included) and backing off, new items, articles and incidents
    stored, and one message per feed or page that failed; `complete` is False when it stopped early."""

    started_at: str
    finished_at: str
    polled: int
    failed_feeds: int
    backing_off: int
    new_items: int
    articles: int
    incidents: int
    failures: tuple[str, ...]
    complete: bool
    warnings: tuple[str, ...] = ()  # what was cut or dropped of an item stored (a URL that is no http(s) link)


@dataclass(frozen=True, slots=True)
class _Fetched:
    url: str  # after redirects (a local file's path): the feed's relative links are resolved against it
    status: int  # 200, or 304 when unchanged since the validators were given
    body: bytes
    content_type: str  # "" for a local file
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class _Entry:
    """A feed entry with its keys, and the article its own text makes (None when it has none)."""

    guid: str | None
    link: str | None
    content_hash: str
    full_text: bool  # the entry carries the article's content, not only a summary
    summary: Article | None


def load_feeds(path: str | Path = FEEDS_FILE) -> list[Feed]:
    """Read the list of feeds (outlet, feed_url, homepage, terms, full_pages, verified); a local path is taken
    relative to the list's folder; a bad row raises ExtractError naming the file and the feed."""
    path = Path(path)
    try:
        rows = read_rows(path)
    except (OSError, UnicodeDecodeError) as e:
        raise ExtractError(f"{path}: cannot read the feed list ({e})") from None
    feeds = []
    for row in rows:
        url, outlet = (row.get("feed_url") or "").strip(), (row.get("outlet") or "").strip()
        full_pages, verified = (row.get("full_pages") or "").strip(), (row.get("verified") or "").strip()
        where = f"{path}: {outlet or url or 'a row'}"
        if not url or not outlet:
            raise ExtractError(f"{where}: outlet and feed_url are required")
        if full_pages not in (YES, NO):
            raise ExtractError(f"{where}: full_pages must be {YES} or {NO}, got {full_pages!r}")
        if verified not in VERIFIED:
            raise ExtractError(f"{where}: verified must be one of {', '.join(VERIFIED)}, got {verified!r}")
        _refuse_other_url(url, where)
        feeds.append(
            Feed(
                url if is_url(url) else str((path.parent / url).resolve()),
                outlet,
                (row.get("homepage") or "").strip(),
                (row.get("terms") or "").strip(),
                full_pages == YES,
                verified == "verified",
            )
        )
    return feeds


def feed_at(location: str) -> Feed:
    """Return the Feed of a URL or a local file path given on the command line, named after its host or file; a URL
    of another scheme (file://, ftp://) raises ExtractError."""
    _refuse_other_url(location, location)
    if is_url(location):
        host = (urlsplit(location).hostname or location).removeprefix("www.")
        return Feed(location, host)
    path = Path(location).resolve()
    return Feed(str(path), path.name)


def is_url(location: str) -> bool:
    """Return whether `location` is an http(s) URL rather than a local path."""
    return urlsplit(location).scheme.lower() in ("http", "https")


def _refuse_other_url(location: str, where: str) -> None:
    """Raise ExtractError when `location` is a URL but not http(s): taken as a path, "file:///etc/x" became
    "./file:/etc/x", a feed polled (and failing) at every round."""
    if not is_url(location) and store.is_url(location):
        raise ExtractError(f"{where}: not an http(s) URL or a local file")


def poll_round(
    feeds: Iterable[Feed],
    *,
    conn: store.Connection,
    fetcher: Fetcher,
    extractor: Extractor,
    max_articles: int | None = None,
    stop: Callable[[], bool] = lambda: False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    reader: events.ReportReader | None = None,
) -> RoundReport:
    """Poll every due feed once, store the articles of its new items and record the round; a failing feed or
    page is reported and the round goes on. It stops early, between two articles, once `stop()` is true or after
    `max_articles` articles. `reader` reads incidents for event matching (loaded when not given).

    Example:
        report = poll_round([feed_at("https://example.org/rss")], conn=conn, fetcher=fetcher, extractor=extractor)
    """
    reader = reader or events.load_report_reader(matcher=extractor.matcher)
    poller = _Round(conn, fetcher, extractor, reader, max_articles, stop, now)
    for feed in dict((f.url, f) for f in feeds).values():  # a feed listed twice is polled once
        if poller.stopped():
            poller.complete = False
            break
        poller.poll(feed)
    report = RoundReport(
        _iso(poller.started),
        _iso(now()),
        poller.polled,
        poller.failed_feeds,
        poller.backing_off,
        poller.new_items,
        poller.articles,
        poller.incidents,
        tuple(poller.failures),
        poller.complete,
        tuple(poller.warnings),
    )
    store.save_watch_round(
        conn,
        store.WatchRound(
            report.started_at,
            report.finished_at,
            report.polled,
            report.failed_feeds,
            report.new_items,
            report.articles,
            report.incidents,
        ),
    )
    return report


def watch(
    feeds: Sequence[Feed],
    *,
    conn: store.Connection,
    fetcher: Fetcher,
    extractor: Extractor,
    every: float | None = None,
    max_articles: int | None = None,
    stop: threading.Event | None = None,
    on_round: Callable[[RoundReport], None] | None = None,
) -> RoundReport:
    """Run one round, or with `every` (seconds) a round every `every` seconds until `stop` is set, which ends the
    current round after its current article; returns the last round's report, after passing each to `on_round`."""
    stop = stop or threading.Event()
    reader = events.load_report_reader(matcher=extractor.matcher)
    while True:
        started = time.monotonic()
        report = poll_round(
            feeds,
            conn=conn,
            fetcher=fetcher,
            extractor=extractor,
            max_articles=max_articles,
            stop=stop.is_set,
            reader=reader,
        )
        if on_round:
            on_round(report)
        if every is None or stop.is_set() or stop.wait(max(0.0, every - (time.monotonic() - started))):
            return report


class _Round:
    """The work and the tallies of one round."""

    def __init__(
        self,
        conn: store.Connection,
        fetcher: Fetcher,
        extractor: Extractor,
        reader: events.ReportReader,
        max_articles: int | None,
        stop: Callable[[], bool],
        now: Callable[[], datetime],
    ) -> None:
        self.conn, self.fetcher, self.extractor, self.reader = conn, fetcher, extractor, reader
        self.budget = max_articles
        self.stop, self.now = stop, now
        self.started = now()
        self.polled = self.failed_feeds = self.backing_off = self.new_items = self.articles = self.incidents = 0
        self.failures: list[str] = []
        self.warnings: list[str] = []
        self.complete = True

    def stopped(self) -> bool:
        return self.stop() or (self.budget is not None and self.budget <= 0)

    def poll(self, feed: Feed) -> None:
        state = store.feed_state(self.conn, feed.url) or store.FeedState(feed.url, feed.outlet)
        if state.next_poll and datetime.fromisoformat(state.next_poll) > self.started:
            self.backing_off += 1
            return
        self.polled += 1
        polled_at = _iso(self.now())
        state = dataclasses.replace(state, outlet=feed.outlet, last_polled=polled_at)
        store.save_feed_state(self.conn, state)  # its items refer to it; the validators wait for them to settle
        try:
            fetched = self._fetch(feed, state)
            if fetched.status != 304:
                if fetched.content_type in HTML_TYPES and not _FEED_ROOT.search(fetched.body[:SNIFF_BYTES]):
                    raise ExtractError(f"{feed.url}: an HTML page, not an RSS or Atom feed")
                entries = articles.parse_feed(feed.url, fetched.body).entries
        except ExtractError as e:
            self.failed_feeds += 1
            self.failures.append(str(e))
            failures = state.failures + 1
            wait = min(BACKOFF * 2 ** (failures - 1), MAX_BACKOFF)
            store.save_feed_state(
                self.conn,
                dataclasses.replace(
                    state,
                    last_status=e.status if isinstance(e, FetchError) else None,
                    failures=failures,
                    next_poll=_iso(self.started + timedelta(seconds=wait)),
                    last_error=str(e),
                ),
            )
            return
        settled, page_error = True, None
        if fetched.status != 304:
            for number, entry in enumerate(entries, start=1):
                if self.stopped():
                    self.complete = settled = False
                    break
                try:
                    done, error = self._item(feed, fetched.url, number, entry)
                except store.DatabaseError:
                    raise  # the database itself failed: nothing more can be stored
                except ExtractError as e:  # this item's failure only: tried again next round
                    done, error = False, str(e)
                    self.failures.append(error)
                settled = settled and done
                page_error = error or page_error
        store.save_feed_state(
            self.conn,
            dataclasses.replace(
                state,
                last_status=fetched.status,
                # Unsettled items (a failed page, a round cut short) need the whole feed again next round.
                etag=fetched.etag if settled else state.etag,
                last_modified=fetched.last_modified if settled else state.last_modified,
                last_success=polled_at,
                failures=0,
                next_poll=None,
                last_error=page_error,
            ),
        )

    def _fetch(self, feed: Feed, state: store.FeedState) -> _Fetched:
        if is_url(feed.url):
            response = self.fetcher.get(feed.url, etag=state.etag, last_modified=state.last_modified)
            return _Fetched(
                response.url,
                response.status,
                response.body,
                response.content_type,
                response.etag,
                response.last_modified,
            )
        path = Path(feed.url)
        try:
            if not path.is_file():
                raise ExtractError(f"{path}: no such file")
            info = path.stat()
            modified = f"mtime {info.st_mtime_ns} size {info.st_size}"  # a local file's validator
            if modified == state.last_modified:
                return _Fetched(feed.url, 304, b"", "", None, modified)
            if info.st_size > MAX_BYTES:
                raise ExtractError(f"{path}: larger than {MAX_BYTES:,} bytes, not read")
            return _Fetched(feed.url, 200, path.read_bytes(), "", None, modified)
        except OSError as e:
            raise ExtractError(f"{path}: cannot read ({e.strerror or e})") from None

    def _item(self, feed: Feed, base: str, number: int, raw_entry) -> tuple[bool, str | None]:
        """Settle one feed entry of the feed fetched from `base` unless it is settled already; returns whether it
        now is, and its page's error."""
        entry = _entry(feed, base, number, raw_entry)
        seen = store.seen_item(self.conn, entry.guid, entry.link, entry.content_hash)
        if seen is not None and not (
            (seen.status == "failed" and seen.attempts < MAX_ITEM_ATTEMPTS) or seen.status == "matching"
        ):
            return True, None
        if seen is None:
            self.new_items += 1
        if self.budget is not None:
            self.budget -= 1
        item = store.FeedItem(
            seen.item_key if seen else entry.guid or entry.link or entry.content_hash,
            seen.feed_url if seen else feed.url,
            entry.guid,
            entry.link,
            entry.content_hash,
            "stored",
            attempts=1 if seen is None else seen.attempts + 1 if seen.status == "failed" else seen.attempts,
        )
        article, error, without_text = entry.summary, None, "empty"
        if not entry.full_text and feed.full_pages and entry.link and is_url(entry.link):
            try:
                article = self._page(entry.link, entry.summary)
            except Disallowed as e:
                item, without_text = dataclasses.replace(item, status="summary", error=str(e)), "disallowed"
            except ExtractError as e:
                error = str(e)
                self.failures.append(error)
                item, without_text = dataclasses.replace(item, status="summary", error=error), "failed"
                if item.attempts < MAX_ITEM_ATTEMPTS:
                    store.save_feed_item(self.conn, dataclasses.replace(item, status="failed"))
                    return False, error
        if article is None:
            store.save_feed_item(self.conn, dataclasses.replace(item, status=without_text))
            return True, error
        cut: list[ExtractError] = []
        article = articles.within_limits(article, cut)  # as ingest bounds what it reads
        self.warnings += map(str, cut)
        item = dataclasses.replace(item, article_id=article.article_id)
        resumed = seen is not None and seen.status == "matching" and seen.article_id == article.article_id
        if store.has_article(self.conn, article.article_id) and not resumed:
            store.save_feed_item(self.conn, dataclasses.replace(item, status="duplicate"))
            return True, error
        try:
            incidents = extract_incidents(article, extractor=self.extractor)
        # One article's failure is that article's, as in ingest: the round goes on, and the item is not retried.
        except Exception as e:  # noqa: BLE001
            error = f"{article.source}: cannot extract the article ({type(e).__name__}: {e})"
            self.failures.append(error)
            failed = dataclasses.replace(item, status="failed", attempts=MAX_ITEM_ATTEMPTS, error=error)
            store.save_feed_item(self.conn, failed)
            return True, error
        stored = self._store(item, article, incidents)
        if not resumed:
            self.incidents += stored
            self.articles += 1
        return True, error

    def _store(self, item: store.FeedItem, article: Article, incidents: list[Incident]) -> int:
        """Store the article with its item, then match its incidents into events, as ingest does; returns the
        incidents stored. The database's failure raises store.DatabaseError, any other an ExtractError naming the
        article."""
        try:
            # "matching" marks the item between the two, so that a watch killed there matches them when it resumes.
            stored = store.save_feed_item(self.conn, dataclasses.replace(item, status="matching"), article, incidents)
            events.match_stored(self.conn, article, incidents, reader=self.reader)
            store.save_feed_item(self.conn, item)
        except ExtractError:
            raise
        except store.DB_ERRORS as e:
            failure = ExtractError(f"{article.source}: cannot store its events ({e})")
            raise store.database_error(self.conn, e) or failure from None
        except Exception as e:  # noqa: BLE001  (one article's failure is that article's)
            raise ExtractError(f"{article.source}: cannot match its events ({type(e).__name__}: {e})") from None
        return stored

    def _page(self, url: str, summary: Article | None) -> Article:
        """Fetch and read an article page as `ingest` reads an HTML file; the URL fetched stands in for a missing
        canonical URL, the feed's date for a missing date."""
        response = self.fetcher.get(url)
        article = articles.html_article(response.url, response.body, summary.published if summary else None)
        return article if article.url else dataclasses.replace(article, url=response.url)


def _entry(feed: Feed, base: str, number: int, entry) -> _Entry:
    """Read a feedparser entry's keys and its own text; a relative link is resolved against `base`, the URL the
    feed was fetched from after redirects (a malformed link is none)."""
    guid = (entry.get("id") or "").strip() or None
    link = (entry.get("link") or "").strip() or None
    # An id feedparser gives as the link ("abc-1") is no relative link: it stays the article's id, as ingest reads it.
    if link and is_url(base) and not (entry.get("guidislink") and not is_link(link)):
        try:
            link = urljoin(base, link)
        except ValueError:  # "http://[::1/...": nothing to fetch or link to
            link = None
    if link != entry.get("link"):
        entry["link"] = link  # so that the entry's article carries the resolved link too
    summary = articles.entry_article(f"{feed.url}#{number}", entry, None)
    content = f"{summary.headline or ''}\n{summary.text}" if summary else (entry.get("title") or "")
    content_hash = hashlib.sha1(content.encode("utf-8")).hexdigest()[:16]
    return _Entry(guid, link, content_hash, bool(entry.get("content")), summary)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
