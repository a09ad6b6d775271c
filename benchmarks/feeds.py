"""Watch throughput: one round over FEEDS feeds of ITEMS items each, served on 127.0.0.1, into a fresh database.

A server process serves made-up London news (crimes at gazetteer streets and areas, dated over two years): each
feed lists summary-only items, so every item costs an article page (fetched, read by trafilatura, extracted,
stored, matched into events). The first round reads them all; the second finds every feed unchanged (304). Prints
seconds per round (and the part event matching took), articles per second, and the peak resident memory of the
watching process (the server runs apart), with the memory the loaded extractor alone takes.

Example:
    .venv/bin/python benchmarks/feeds.py
    .venv/bin/python benchmarks/feeds.py --feeds 10 --items 20
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from extract import events, store
from extract.feeds import Feed, poll_round
from extract.fetching import Fetcher
from extract.pipeline import load_extractor

SEED = 7
AGENT = "crimemap-benchmark (benchmark@example.org)"
DAYS_SPREAD = 730  # publication dates over two years, so that unrelated stories rarely share a street and a week
LEADS = (
    "A {age}-year-old man was stabbed on {street} in {area} on {day} night, police said.",
    "A woman was robbed of her phone at knifepoint on {street} in {area} on {day} evening.",
    "Burglars broke into a flat on {street} in {area} on {day} and took jewellery and cash.",
    "A car was set alight on {street} in {area} in the early hours of {day}, the fire brigade said.",
    "The council has approved plans for a new library on {street} in {area}.",
)
DETAILS = (
    "Officers were called at about {hour}pm and a cordon stayed in place for several hours.",
    "Detectives are appealing for witnesses and for anyone with dashcam footage to come forward.",
    "Neighbours said they had heard shouting shortly before the police arrived.",
    "Anyone with information is asked to call 101 or Crimestoppers anonymously.",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def story(places: Places, feed: int, number: int) -> tuple[str, str, str]:
    """The headline, date and paragraphs (HTML) of item `number` of feed `feed`, the same on every call."""
    rng = random.Random(SEED * 100_003 + feed * 1_000 + number)
    street, area = rng.choice(places.streets), rng.choice(places.areas)
    words = {"age": rng.randint(16, 70), "street": street, "area": area, "day": rng.choice(DAYS)}
    lead = rng.choice(LEADS).format(**words)
    details = [d.format(hour=rng.randint(1, 11)) for d in rng.sample(DETAILS, 3)]
    published = (date(2023, 1, 1) + timedelta(days=rng.randint(0, DAYS_SPREAD - 1))).isoformat()
    headline = f"{lead.split(' on ')[0]} in {area} ({feed}-{number})"
    return headline, published, "".join(f"<p>{escape(p)}</p>" for p in [lead, *details])


def feed_xml(places: Places, port: int, feed: int, items: int) -> bytes:
    entries = []
    for number in range(items):
        headline, published, body = story(places, feed, number)
        link = f"http://127.0.0.1:{port}/page/{feed}/{number}"
        summary = body.split("</p>")[0].removeprefix("<p>")
        entries.append(
            f"<item><title>{escape(headline)}</title><link>{link}</link><guid>{link}</guid>"
            f"<description>{summary}</description><pubDate>{published}</pubDate></item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {feed}</title>'
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


def page_html(places: Places, feed: int, number: int) -> bytes:
    headline, published, body = story(places, feed, number)
    return (
        f"<!DOCTYPE html><html><head><title>{escape(headline)}</title>"
        f"<link rel='canonical' href='https://news.example.org/{feed}/{number}'>"
        f"<meta property='article:published_time' content='{published}T08:00:00+00:00'></head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{escape(headline)}</h1>{body}</article></body></html>"
    ).encode()


def serve(port_box, items: int, places: Places) -> None:
    """Serve the feeds (with an ETag, answered 304) and pages until terminated."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            port = self.server.server_address[1]
            if parts[0] == "feed" and len(parts) == 2:
                etag = f'"feed-{parts[1]}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, kind = feed_xml(places, port, int(parts[1]), items), "application/rss+xml"
            elif parts[0] == "page" and len(parts) == 3:
                body, kind, etag = page_html(places, int(parts[1]), int(parts[2])), "text/html; charset=utf-8", None
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_box.value = httpd.server_address[1]
    httpd.serve_forever()


@dataclass(frozen=True, slots=True)
class Places:
    """The gazetteer names the stories take their scenes from."""

    streets: tuple[str, ...]
    areas: tuple[str, ...]


class Timer:
    """Wraps a function, adding up the seconds its calls take."""

    def __init__(self, function: Callable) -> None:
        self.function = function
        self.seconds = 0.0

    def __call__(self, *args, **options):
        started = time.perf_counter()
        try:
            return self.function(*args, **options)
        finally:
            self.seconds += time.perf_counter() - started


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=50)
    args = parser.parse_args()

    started = time.perf_counter()
    extractor = load_extractor()
    print(f"extractor loaded in {time.perf_counter() - started:.1f} s, peak memory {peak_mb():.0f} MB")
    entries = extractor.gazetteer.entries
    places = Places(
        tuple(sorted({e.name for e in entries if e.kind == "street" and " " in e.name})),
        tuple(sorted({e.name for e in entries if e.kind == "area"})),
    )
    matching = Timer(events.match_stored)
    events.match_stored = matching  # type: ignore[assignment]  # timed where feeds.py calls it
    port_box = multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=serve, args=(port_box, args.items, places), daemon=True)
    server.start()
    try:
        while not port_box.value:
            time.sleep(0.01)
        feeds = [Feed(f"http://127.0.0.1:{port_box.value}/feed/{n}", f"Feed {n}") for n in range(args.feeds)]
        fetcher = Fetcher(user_agent=AGENT, delay=0)
        with tempfile.TemporaryDirectory() as tmp:
            conn = store.connect(Path(tmp) / "watch.db")
            for name in ("first round (every item new)", "second round (every feed unchanged)"):
                started, matching.seconds = time.perf_counter(), 0.0
                report = poll_round(feeds, conn=conn, fetcher=fetcher, extractor=extractor)
                seconds = time.perf_counter() - started
                rate = f", {report.articles / seconds:.0f} articles/s" if report.articles else ""
                print(
                    f"{name}: {seconds:.2f} s (event matching {matching.seconds:.2f} s) for {report.polled} feeds, "
                    f"{report.new_items} new items, {report.articles} articles, {report.incidents} incidents, "
                    f"{len(report.failures)} failures{rate}; peak memory {peak_mb():.0f} MB"
                )
            conn.close()
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
