"""Article readers: plain text, HTML, JSON Lines, JSON and RSS/Atom files in, one Article per story out.

A plain-text page may hold several stories: the main article (its first line is the headline when it looks like
one), page furniture (data/page_furniture.txt, and echoes of the headline), then teasers of other stories, each a
paragraph cut off with "...". Each story becomes its own Article whose text is an exact slice of the page, so
character offsets into it stay meaningful. Teasers get no headline: the page only shows their opening words, and a
first sentence taken as headline would repeat the text. HTML pages, feed entries and JSON objects (a line of JSON
Lines, or an element of a JSON array) are one story each.

Inputs are hostile until read: each file, line, feed entry and array element is read inside its own error boundary,
text is normalised at the edge (UTF-16/32 with a byte-order mark decoded, lone surrogates and NUL characters
replaced, file names escaped for the terminal, a URL that is no http(s) link dropped), and sizes are bounded: a plain
text is read up to MAX_TEXT_BYTES, an HTML page, a feed or a JSON document up to MAX_DOCUMENT_BYTES, a JSON line up
to MAX_LINE_BYTES, an article's text up to MAX_ARTICLE_CHARS. Whatever is cut or dropped is reported as a
ReadWarning; a feed declaring entities is refused before feedparser sees it.
"""

from __future__ import annotations

import codecs
import copy
import email.utils
import hashlib
import io
import json
import os
import re
import stat
import xml.sax
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO

import feedparser
import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document, set_date_params

from extract import pages
from extract.pages import PageFurniture, folded_line, is_furniture, load_furniture
from extract.postgres import is_url
from extract.records import DATE_RANGE, Article, ExtractError, is_link

FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".json": "json",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}
"""File extension -> format; any other extension is sniffed from the first bytes."""

MAX_STORY_CHARS = 50_000
"""Longer stories (a huge text with no structure) are cut at paragraph or line breaks into pieces this long at most."""
MAX_PAGE_CHARS = 1_000_000
"""A longer plain text is no news page: it is only cut into bounded pieces, not searched for headline and teasers."""
MAX_TEXT_BYTES = 5_000_000
"""A plain text is read up to here (cut at a line break) and the rest reported as cut: reading a 50,000-character
piece and matching its events cost about a tenth of a second, more as similar pieces pile up, so a larger text (a
dump, not a page) would hold the batch for minutes."""
MAX_DOCUMENT_BYTES = 10_000_000
"""A larger HTML page, feed or JSON document is refused unread: no news page or feed is that big, and its parser holds
it whole (a larger collection belongs in JSON Lines, read line by line)."""
DOCUMENTS = ("html", "feed", "json")  # the formats read whole, up to MAX_DOCUMENT_BYTES
MAX_LINE_BYTES = 32_000_000
"""A longer JSON line is skipped unread: parsing holds a few times its size in memory."""
MAX_ARTICLE_CHARS = MAX_PAGE_CHARS
"""The text of one article (a JSON line, an HTML page, a feed entry) is cut here, at a break, and the cut reported."""
MAX_FIELD_CHARS = 10_000
"""A longer headline is cut and a longer URL dropped, and reported: no real headline or link is that long."""
SHOWN_URL_CHARS = 80  # of a URL dropped, quoted in its warning
MAX_ID_CHARS = 200
"""A longer article id rejects its line: ids are hashes, slugs or URLs, and a longer one is a mistake."""
SNIFF_BYTES = 2048  # the start of a file that shows its format
HEADLINE_MAX_CHARS = 150
SHORT_PAGE_CHARS = 200  # an HTML page's text shorter than this is a paywall's or a script's: its description leads
TEASER_MIN_CHARS = 150
FURNITURE_MAX_CHARS = 300
HEADLINE_ECHO_MIN_CHARS = 12  # a shorter line that starts the headline could be ordinary text
STATED_DATE_LINES = 8  # a page's date line comes in its first lines: the headline, a standfirst, the byline
STATED_DATE_CHARS = 60  # a longer line is prose, whatever date it holds
MIN_LISTED = 2  # headlines after a heading of other stories that make it a list of them
PUBLISHED_KEYS = ("published", "published_at", "datePublished", "date")  # a record's publication date, first found

# Files of a folder that hold no article: a saved page's scripts, styles, images, fonts and media.
ASSET_SUFFIXES = frozenset(
    {".js", ".mjs", ".css", ".map", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico", ".bmp"}
    | {".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".webm", ".wasm"}
)
SAVED_ASSETS = "_files"  # "story_files" beside a saved "story.html" holds its assets

_ELLIPSES = ("...", "\u2026")
# Byte-order marks, UTF-32 first: the UTF-32 little-endian mark starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
# Unencodable in UTF-8, so never stored or shown: a JSON "\ud800" escape or a "&#xd800;" reference gives one.
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Those and NUL (a JSON "\u0000" gives one), which PostgreSQL's text cannot hold: one stopped a whole batch there.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
# Control characters (terminal escape sequences start with ESC) and bidirectional overrides, escaped in file names.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The start of the root element: what comes before it is the XML prologue, where a DTD would declare entities.
# Only the name characters both XML and feedparser (which keeps the declarations before its first rb"<\w") accept
# end it, so the prologue checked covers the part feedparser reads them from.
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[")
_CHARACTER_REFERENCE = re.compile(rb"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")
_NON_SPACE = re.compile(r"\S")
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?")
_DATE_FORMATS = (
    ("%d %B %Y", True),
    ("%d %b %Y", True),
    ("%B %d, %Y", True),
    ("%b %d, %Y", True),
    ("%A %d %B %Y", True),
    ("%A, %d %B %Y", True),
    ("%d/%m/%Y", True),  # British order: "05/03/2024" is 5 March
    ("%B %Y", False),
    ("%b %Y", False),
)
_MAX_DATE_CHARS = 64


class ReadWarning(ExtractError):
    """Something read only in part, or not followed: reported, yet not a failure of the input."""


def read_articles(
    paths: Iterable[str | Path],
    *,
    published: str | None = None,
    errors: list[ExtractError],
    follow_symlinks: bool = False,
) -> Iterator[Article]:
    """Yield the stories of every file under `paths`, appending an ExtractError to `errors` for each bad file, line or
    entry (a ReadWarning for what is cut or not followed) and going on with the next.

    Directories are walked recursively in sorted order, skipping hidden names; a symbolic link found there that
    leads out of the directory given is not followed unless `follow_symlinks`. `published` ("YYYY-MM-DD" or
    "YYYY-MM") is the date given to stories whose input states none; a malformed value raises ExtractError at once.

    Example:
        errors = []
        for article in read_articles(["news/"], published="2024-03-05", errors=errors):
            print(article.source, article.headline)
    """
    fallback = _checked_date(published)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return _read_paths(paths, fallback, errors, follow_symlinks)


def read_text(text: str, *, name: str = "pasted", published: str | None = None) -> list[Article]:
    """Return the stories of a pasted plain text, split like a .txt page; an empty text gives no stories."""
    return list(_text_articles(shown_name(name), _newlines(_valid_unicode(text)), _checked_date(published)))


def read_upload(name: str, data: bytes, *, published: str | None = None, errors: list[ExtractError]) -> list[Article]:
    """Return the stories of an uploaded file, its format taken from the extension of `name` (else sniffed)."""
    fallback = _checked_date(published)
    return list(
        _guarded(
            shown_name(name), _read_stream(shown_name(name), io.BytesIO(data), len(data), fallback, errors), errors
        )
    )


def shown_name(name: str | Path) -> str:
    """Return a file name fit for a terminal and for the store: bytes that are not UTF-8, control characters (which
    start terminal escape sequences) and bidirectional overrides are written as backslash escapes."""
    text = os.fspath(name)
    try:
        raw = text.encode("utf-8", "surrogateescape")  # how Python hands over undecodable bytes of a name
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "backslashreplace")
    return _UNPRINTABLE.sub(_escaped, raw.decode("utf-8", "backslashreplace"))


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _read_paths(
    paths: Iterable[str | Path], published: str | None, errors: list[ExtractError], follow_symlinks: bool
) -> Iterator[Article]:
    for file in input_files(paths, errors=errors, follow_symlinks=follow_symlinks):
        yield from _guarded(shown_name(file), _read_file(file, published, errors), errors)


def input_files(
    paths: Iterable[str | Path], *, errors: list[ExtractError], follow_symlinks: bool = False
) -> Iterator[Path]:
    """Yield the files read_articles reads under `paths`, in its order, appending to `errors` what it reports while
    walking (before the files of the path walked)."""
    for path in paths:
        # A web address where a path belongs: as a Path, "https://x" was sought as "https:/x".
        if is_url(path) and not os.path.lexists(path):
            errors.append(ExtractError(f"{path}: a URL, not a file or directory: ingest reads local files"))
            continue
        try:
            files = _files(Path(path), errors, follow_symlinks)
        except Exception as e:  # noqa: BLE001  (as in _guarded: a failing walk is that path's)
            errors.append(ExtractError(f"{shown_name(path)}: cannot read ({type(e).__name__}: {e})"))
            continue
        yield from files


def read_file(path: Path, *, published: str | None = None, errors: list[ExtractError]) -> Iterator[Article]:
    """Yield the stories of one file that input_files gave, as read_articles reads it."""
    return _guarded(shown_name(path), _read_file(path, _checked_date(published), errors), errors)


def by_lines(path: Path) -> bool:
    """Return whether read_articles reads the file at `path` as JSON Lines, one line at a time or as if it did, so
    that read_jsonl_range over consecutive ranges of its lines yields the same stories and errors."""
    try:
        size = os.stat(path).st_size
        with open(path, "rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except OSError:
        return False  # reading it whole reports why
    if any(head.startswith(bom) for bom, _, _ in _BOMS) or _kind(shown_name(path), head) != "jsonl":
        return False
    # _read_bytes reads a smaller file whole: line by line too when it opens with an object (NUL bytes are then
    # one line's error, and it is not empty).
    return size > MAX_TEXT_BYTES or head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"{")


def read_jsonl_range(
    path: Path, *, start: int, end: int, line: int, published: str | None = None, errors: list[ExtractError]
) -> Iterator[Article]:
    """Yield the stories of the JSON lines of `path` (one by_lines accepts) that start in its bytes [start, end),
    `start` being the start of line number `line`, as read_articles reads them."""
    name = shown_name(path)
    fallback = _checked_date(published)

    def lines() -> Iterator[bytes | None]:
        with open(path, "rb") as stream:
            stream.seek(start)
            for raw in _lines(stream):
                yield raw
                if stream.tell() >= end:
                    return

    def stories() -> Iterator[Article]:
        try:
            yield from _jsonl_articles(name, lines(), fallback, errors, first=line)
        except OSError as e:
            errors.append(ExtractError(f"{name}: cannot read ({e.strerror or e})"))

    return _guarded(name, stories(), errors)


def _guarded(name: str, stories: Iterator[Article], errors: list[ExtractError]) -> Iterator[Article]:
    """Yield `stories`; an unexpected exception ends them with one error naming the file, and the batch goes on."""
    try:
        yield from stories
    except ExtractError as e:
        errors.append(e)
    # Parsers of hostile bytes fail in ways nobody listed: any failure is this file's, not the batch's.
    except Exception as e:  # noqa: BLE001
        errors.append(ExtractError(f"{name}: cannot read ({type(e).__name__}: {e})"))


def _files(path: Path, errors: list[ExtractError], follow_symlinks: bool) -> list[Path]:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return [path]  # a dangling link: reading it reports it
        errors.append(ExtractError(f"{shown_name(path)}: no such file or directory"))
        return []
    except OSError as e:
        errors.append(ExtractError(f"{shown_name(path)}: cannot read ({e.strerror or e})"))
        return []
    return _walk(path, errors, follow_symlinks) if stat.S_ISDIR(info.st_mode) else [path]


def _walk(top: Path, errors: list[ExtractError], follow_symlinks: bool) -> list[Path]:
    """Return the files under `top` in sorted order, but a saved page's assets (ASSET_SUFFIXES, SAVED_ASSETS), which
    one warning counts; unreadable directories and links out of `top` are reported."""
    root = Path(os.path.realpath(top))
    found: list[Path] = []
    skipped = 0
    seen: set[str] = set()

    def unreadable(e: OSError) -> None:
        errors.append(ExtractError(f"{shown_name(e.filename or top)}: cannot read the directory ({e.strerror or e})"))

    for folder, dirs, names in os.walk(top, onerror=unreadable, followlinks=follow_symlinks):
        if follow_symlinks:
            real = os.path.realpath(folder)
            if real in seen:  # a link loop, or a folder reached twice through links
                dirs[:] = []
                continue
            seen.add(real)
        # A browser's "save page, complete" puts the page's scripts, styles and images in a folder "<page>_files".
        pages_saved = {os.path.splitext(n)[0] for n in names if os.path.splitext(n)[1].lower() in (".html", ".htm")}
        assets = [d for d in dirs if d.endswith(SAVED_ASSETS) and d.removesuffix(SAVED_ASSETS) in pages_saved]
        skipped += len(assets)
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".") and d not in assets and _inside(Path(folder, d), root, errors, follow_symlinks)
        ]
        for name in names:
            if os.path.splitext(name)[1].lower() in ASSET_SUFFIXES:
                skipped += 1
            elif not name.startswith(".") and _inside(Path(folder, name), root, errors, follow_symlinks):
                found.append(Path(folder, name))
    if skipped:
        errors.append(
            ReadWarning(
                f"{shown_name(top)}: skipped {skipped:,} script, style, image or saved-page folder"
                + ("s" if skipped != 1 else "")
                + " (no articles)"
            )
        )
    return sorted(found)


def _inside(path: Path, root: Path, errors: list[ExtractError], follow_symlinks: bool) -> bool:
    """Return whether to read `path`: anything but a symbolic link out of `root`, unless links are followed."""
    try:
        if follow_symlinks or not path.is_symlink():
            return True
    except OSError:
        return True  # unreadable: reading it reports why
    target = Path(os.path.realpath(path))
    if target.is_relative_to(root):
        return True  # a linked directory inside is walked where it is; os.walk does not descend into the link
    errors.append(
        ReadWarning(
            f"{shown_name(path)}: a symbolic link to {shown_name(target)}, outside {shown_name(root)}: not followed"
        )
    )
    return False


def _read_file(path: Path, published: str | None, errors: list[ExtractError]) -> Iterator[Article]:
    name = shown_name(path)
    try:
        info = os.stat(path)
        # Opening a FIFO or a device would block or never end, so only regular files are read.
        if not stat.S_ISREG(info.st_mode):
            errors.append(ExtractError(f"{name}: not a regular file"))
            return
        with open(path, "rb") as stream:
            yield from _read_stream(name, stream, info.st_size, published, errors)
    except OSError as e:
        errors.append(ExtractError(f"{name}: cannot read ({e.strerror or e})"))


def _read_stream(
    name: str, stream: BinaryIO, size: int, published: str | None, errors: list[ExtractError]
) -> Iterator[Article]:
    """Yield the stories of a file of `size` bytes, holding at most MAX_TEXT_BYTES of it (a JSON Lines file is read
    line by line)."""
    if size <= MAX_TEXT_BYTES:
        yield from _read_bytes(name, stream.read(), published, errors)
        return
    head = stream.read(SNIFF_BYTES)
    kind = _kind(name, head)
    if any(head.startswith(bom) for bom, _, _ in _BOMS):
        errors.append(ExtractError(f"{name}: a UTF-16 or UTF-32 file over {MAX_TEXT_BYTES:,} bytes is not read"))
    elif kind == "jsonl":
        stream.seek(0)
        yield from _jsonl_articles(name, _lines(stream), published, errors)
    elif kind == "json" and _sniff(head) == "jsonl":  # JSON Lines named .json
        stream.seek(0)
        yield from _jsonl_articles(name, _lines(stream), published, errors)
    elif kind in DOCUMENTS and size <= MAX_DOCUMENT_BYTES:
        yield from _read_bytes(name, head + stream.read(), published, errors)
    elif kind == "text":
        data = _cut_at_break((head + stream.read(max(0, MAX_TEXT_BYTES - len(head))))[:MAX_TEXT_BYTES])
        errors.append(
            ReadWarning(
                f"{name}: only the first {len(data):,} of {size:,} bytes read (a text is cut after "
                f"{MAX_TEXT_BYTES:,} bytes, at a line break); the rest is left out"
            )
        )
        yield from _read_bytes(name, data, published, errors)
    else:
        errors.append(
            ExtractError(f"{name}: too large for {kind.upper()} ({size:,} bytes, over {MAX_DOCUMENT_BYTES:,})")
        )


def _cut_at_break(data: bytes) -> bytes:
    """Return `data` up to its last line break, else word break, in its second half; else up to a whole character."""
    for separator in (b"\n", b" "):
        if (cut := data.rfind(separator, len(data) // 2)) != -1:
            return data[: cut + 1]
    while data and data[-1] & 0xC0 == 0x80:  # a UTF-8 continuation byte: the character is cut
        data = data[:-1]
    return data[:-1] if data and data[-1] >= 0xC0 else data


def _lines(stream: BinaryIO) -> Iterator[bytes | None]:
    """Yield the lines of `stream`; None stands for a line over MAX_LINE_BYTES, skipped without holding it."""
    while line := stream.readline(MAX_LINE_BYTES + 1):
        if len(line) > MAX_LINE_BYTES:
            while (rest := stream.readline(SNIFF_BYTES * 32)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def _read_bytes(name: str, data: bytes, published: str | None, errors: list[ExtractError]) -> Iterator[Article]:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as e:
                errors.append(ExtractError(f"{name}: not valid {label} ({e.reason})"))
                return
            kind = _kind(name, text[:SNIFF_BYTES].encode())
            if not text.strip():
                errors.append(ExtractError(f"{name}: empty file"))
            elif "\0" in text and kind != "jsonl":
                errors.append(ExtractError(f"{name}: binary file (NUL characters), not an article"))
            elif kind == "feed":
                yield from _feed_articles(name, data, published, errors)  # feedparser reads the byte-order mark
            else:
                yield from _read_bytes(name, codecs.BOM_UTF8 + text.encode(), published, errors)
            return
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        errors.append(ExtractError(f"{name}: empty file"))
        return
    kind = _kind(name, data[:SNIFF_BYTES])
    # A JSON Lines file that opens with an object keeps its good lines: a NUL byte is then one line's error.
    if b"\0" in data and not (kind == "jsonl" and data.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"{")):
        errors.append(ExtractError(f"{name}: binary file (NUL bytes), not an article"))
        return
    if kind in DOCUMENTS and len(data) > MAX_DOCUMENT_BYTES:
        errors.append(
            ExtractError(f"{name}: too large for {kind.upper()} ({len(data):,} bytes, over {MAX_DOCUMENT_BYTES:,})")
        )
        return
    try:
        if kind == "jsonl":
            yield from _jsonl_articles(name, data.split(b"\n"), published, errors)
        elif kind == "json":
            yield from _json_articles(name, data, published, errors)
        elif kind == "html":
            for article in html_articles(name, data, published):
                yield within_limits(article, errors)
        elif kind == "feed":
            yield from _feed_articles(name, data, published, errors)
        else:
            yield from _text_articles(name, _decoded(name, data), published)
    except ExtractError as e:
        errors.append(e)


def _kind(name: str, head: bytes) -> str:
    return FORMATS.get(os.path.splitext(name)[1].lower()) or _sniff(head)


def _sniff(data: bytes) -> str:
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return "jsonl"
    if _JSON_ARRAY.match(head):  # "[{" or "[]": no text opens so
        return "json"
    if head.startswith(b"<"):
        return "feed" if any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")) else "html"
    return "text"


_JSON_ARRAY = re.compile(rb"\[\s*[{\]]")


def _decoded(name: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ExtractError(f"{name}:{line}: not valid UTF-8 (byte 0x{data[e.start]:02x})") from None
    return _newlines(text)


def _valid_unicode(text: str) -> str:
    """Return `text` with each lone surrogate (unencodable) and NUL (not in PostgreSQL's text), never storable,
    replaced by U+FFFD, offsets kept."""
    return _UNSTORABLE.sub("\ufffd", text) if _UNSTORABLE.search(text) else text


def within_limits(article: Article, errors: list[ExtractError]) -> Article:
    """Return `article` with its text cut at MAX_ARTICLE_CHARS, a headline cut and a URL dropped at MAX_FIELD_CHARS,
    and a URL that is no http(s) link (records.is_link) dropped; a ReadWarning reports each."""
    where = article.source
    if len(article.text) > MAX_ARTICLE_CHARS:
        start, end = next(_bounded(article.text, 0, len(article.text), limit=MAX_ARTICLE_CHARS))
        errors.append(ReadWarning(f"{where}: text cut to its first {end:,} of {len(article.text):,} characters"))
        article = replace(article, text=article.text[start:end])
    if article.headline and len(article.headline) > MAX_FIELD_CHARS:
        errors.append(ReadWarning(f"{where}: headline cut to its first {MAX_FIELD_CHARS:,} characters"))
        article = replace(article, headline=article.headline[:MAX_FIELD_CHARS])
    if article.url and len(article.url) > MAX_FIELD_CHARS:
        errors.append(ReadWarning(f"{where}: URL of {len(article.url):,} characters dropped"))
        article = replace(article, url=None)
    elif article.url and not is_link(article.url):
        shown = article.url[:SHOWN_URL_CHARS] + ("…" if len(article.url) > SHOWN_URL_CHARS else "")
        errors.append(ReadWarning(f"{where}: URL {shown!r} dropped: not an http(s) link"))
        article = replace(article, url=None)
    return article


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text_articles(name: str, text: str, published: str | None) -> Iterator[Article]:
    stated, text = _stated_date(text)
    published = stated or published  # the page's own date, as an HTML page's, before the one given for it
    furniture = load_furniture()
    if len(text) > MAX_PAGE_CHARS:
        spans = _whole(text)
    else:  # lists of other stories dropped, lines and all: the story goes on after one
        text = _without_lines(text, _other_stories(text, furniture))
        spans = _page_stories(text, furniture)
    stories = [
        (headline if n == 0 else None, s, e)
        for headline, start, end in spans
        for n, (s, e) in enumerate(_bounded(text, start, end))
    ]
    for number, (headline, start, end) in enumerate(stories, start=1):
        story = text[start:end]
        source = name if len(stories) == 1 else f"{name}#{number}"
        yield Article(_short_hash(story), story, headline=headline, published=published, source=source)


def _without_lines(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` without the lines at `spans` (in order), each with its line break."""
    parts, at = [], 0
    for start, end in spans:
        parts.append(text[at:start])
        at = end + 1 if text.startswith("\n", end) else end
    return "".join(parts) + text[at:]


def _stated_date(text: str) -> tuple[str | None, str]:
    """Return the publication date a text states on a line of its own near its top ("10 March 2024", "06:00, 2 MAR
    2024", "Published: 9 February 2024"; not "Updated ..."), and the text without that line; (None, text) without
    one."""
    for start, end in _line_spans(text[: STATED_DATE_CHARS * 4])[:STATED_DATE_LINES]:
        if end - start > STATED_DATE_CHARS or not (line := _DATE_LINE.fullmatch(text, start, end)):
            continue
        written = _ORDINAL.sub(r"\1", " ".join(line["date"].split()))
        for form in (written, " ".join(written.replace(",", " ").split())):  # "3rd March, 2024"
            try:
                found = _dated(_read_date(form))
            except _NO_DATE:
                continue
            if found:
                return found, _without_lines(text, [(start, end)])
    return None, text


_UTC_ZONE = re.compile(r"\s(?:GMT|UTC|UT|Z|[+-]0000)$", re.IGNORECASE)  # an RFC 822 time in UTC
_ORDINAL = re.compile(r"(\d)(?:st|nd|rd|th)\b")
_TIME = r"\d{1,2}[:.]\d{2}\s*(?:[ap]m)?\s*(?:gmt|bst|utc)?"
_DATE_LINE = re.compile(
    rf"(?i)(?:(?:first\s+)?(?:published|posted)(?:\s+on)?\s*:?\s*)?(?:{_TIME}\s*,?\s*)?"
    rf"(?P<date>[A-Za-z]*,?\s*\d{{1,2}}(?:st|nd|rd|th)?\s+[A-Za-z]+,?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{4}})"
    rf"(?:\s*,?\s*(?:at\s+)?{_TIME})?"
)


def _page_stories(text: str, furniture: PageFurniture) -> list[tuple[str | None, int, int]]:
    """Return (headline, start, end) of each story on a plain-text page, in page order."""
    lines = _line_spans(text)
    furn = [e - s <= FURNITURE_MAX_CHARS and is_furniture(text[s:e], furniture) for s, e in lines]
    cut = [e - s >= TEASER_MIN_CHARS and text.endswith(_ELLIPSES, s, e) for s, e in lines]
    first = next((i for i, is_furniture in enumerate(furn) if not is_furniture), None)
    if first is None:
        return []

    headline = None
    start, end = lines[first]
    if (
        end - start <= HEADLINE_MAX_CHARS
        and not text.endswith((".", *_ELLIPSES), start, end)
        and any(not furn[i] and not cut[i] for i in range(first + 1, len(lines)))
    ):
        headline = text[start:end]
        for i in range(first + 1, len(lines)):
            s, e = lines[i]
            # Pages repeat the headline, often cut short, above the comment box.
            if HEADLINE_ECHO_MIN_CHARS <= e - s <= len(headline) and headline.startswith(text[s:e]):
                furn[i] = True

    # A cut-off paragraph is a teaser after page furniture, or next to another cut-off paragraph; otherwise it
    # is just the end of an article that was itself cut short.
    teaser = [False] * len(lines)
    seen_furniture = False
    for i in range(len(lines)):
        seen_furniture = seen_furniture or furn[i]
        next_to_cut = (i > 0 and cut[i - 1]) or (i + 1 < len(lines) and cut[i + 1])
        teaser[i] = cut[i] and (seen_furniture or next_to_cut)

    # Stories are the teasers, and the runs of lines between them, trimmed of furniture (and the headline).
    stories = []
    run_start = first
    for i in [*(i for i in range(first, len(lines)) if teaser[i]), len(lines)]:
        body = [j for j in range(run_start, i) if not furn[j] and not (headline is not None and j == first)]
        if body:
            stories.append((headline if run_start == first else None, lines[body[0]][0], lines[body[-1]][1]))
        if i < len(lines):
            stories.append((None, *lines[i]))
        run_start = i + 1
    return stories


def _other_stories(text: str, furniture: PageFurniture) -> list[tuple[int, int]]:
    """Return the spans of the lines in lists of other stories, in order: a heading of one ("More on this story", "Most
    read") after the story has begun, then at least MIN_LISTED headlines (short lines without a sentence's end), each
    with the sentence after it (its summary) when another headline or the page's end follows; the story may go on
    after the list. A heading that opens the page, or lists fewer headlines, is a furniture line alone."""
    lines = _line_spans(text)
    listed = [False] * len(lines)
    sentence = [text.endswith(_SENTENCE_ENDS, s, e) for s, e in lines]
    headline = [not sentence[i] and e - s <= HEADLINE_MAX_CHARS for i, (s, e) in enumerate(lines)]
    begun = False
    i = 0
    while i < len(lines):
        start, end = lines[i]
        if not (begun and folded_line(text[start:end]) in furniture.sections):
            begun = begun or sentence[i]
            i += 1
            continue
        run: list[int] = []
        j, titles = i + 1, 0
        while j < len(lines) and (headline[j] or (sentence[j] and run and headline[run[-1]])):
            run.append(j)
            titles += headline[j]
            j += 1
        if run and not headline[run[-1]] and j < len(lines):
            run.pop()  # a sentence after the last headline, with more after it: the story going on
        if titles >= MIN_LISTED:
            for k in (i, *run):
                listed[k] = True
            i = j
        else:
            i += 1
    return [span for span, skip in zip(lines, listed, strict=True) if skip]


_SENTENCE_ENDS = (".", "!", "?", '"', "\u201d", "\u2019", "'", ")")


def _line_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each non-blank line of `text`, without its surrounding spaces."""
    spans = []
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = offset + len(raw) - len(raw.lstrip())
            spans.append((start, start + len(stripped)))
        offset += len(raw) + 1
    return spans


def _whole(text: str) -> list[tuple[str | None, int, int]]:
    found = _NON_SPACE.search(text)
    return [(None, found.start(), len(text.rstrip()))] if found else []


def _bounded(text: str, start: int, end: int, *, limit: int = MAX_STORY_CHARS) -> Iterator[tuple[int, int]]:
    """Yield spans of at most `limit` characters covering text[start:end], cut at a paragraph, line or word break."""
    while start < end:
        if end - start <= limit:
            yield start, end
            return
        # Searching only the second half of the window keeps every piece long, so the whole cut stays linear.
        low, high = start + limit // 2, start + limit
        cut = next((c for sep in ("\n\n", "\n", " ") if (c := text.rfind(sep, low, high)) != -1), high)
        yield start, start + len(text[start:cut].rstrip())
        found = _NON_SPACE.search(text, cut, end)
        start = found.start() if found else end


def _jsonl_articles(
    name: str, lines: Iterable[bytes | None], published: str | None, errors: list[ExtractError], *, first: int = 1
) -> Iterator[Article]:
    for number, raw in enumerate(lines, start=first):
        where = f"{name}:{number}"
        if raw is None:
            errors.append(ExtractError(f"{where}: line longer than {MAX_LINE_BYTES:,} bytes, skipped"))
        elif raw.strip():
            yield from _record(where, "line", partial(_jsonl_article, where, raw, published), errors)


def _json_articles(name: str, data: bytes, published: str | None, errors: list[ExtractError]) -> Iterator[Article]:
    """Yield the articles of a JSON document: an array of objects as JSON Lines holds them, each read on its own
    ("name#3" names the third), or one such object."""
    try:
        document = _json_value(name, data, line=True)
    except ExtractError as e:
        if "(Extra data," in str(e) and _sniff(data) == "jsonl":
            # JSON Lines named .json, as data dumps often are: one object, then more: read line by line
            yield from _jsonl_articles(name, data.split(b"\n"), published, errors)
            return
        raise
    if isinstance(document, dict):
        yield within_limits(_record_article(name, document, published), errors)
        return
    if not isinstance(document, list):
        raise ExtractError(f"{name}: expected a JSON array of articles, got {type(document).__name__}")
    for number, record in enumerate(document, start=1):
        where = f"{name}#{number}"
        yield from _record(where, "article", partial(_record_article, where, record, published), errors)


def _record(where: str, what: str, read: Callable[[], Article], errors: list[ExtractError]) -> Iterator[Article]:
    """Yield the article `read` gives, within limits; its failure is this record's (`what` it is: "line", "article")
    alone, reported naming `where`, and the batch goes on."""
    try:
        article = read()
    except ExtractError as e:
        errors.append(e)
    except Exception as e:  # noqa: BLE001  (as in _guarded: one record's failure is that record's)
        errors.append(ExtractError(f"{where}: cannot read the {what} ({type(e).__name__}: {e})"))
    else:
        yield within_limits(article, errors)


def _json_value(where: str, raw: bytes, *, line: bool = False) -> object:
    """Return the JSON value of `raw`; ExtractError naming `where` (and, when `line`, the line) when it is none."""
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ExtractError(f"{where}: not valid UTF-8 (byte 0x{raw[e.start]:02x})") from None
    except json.JSONDecodeError as e:
        at = f"line {e.lineno}, column {e.colno}" if line else f"column {e.colno}"
        raise ExtractError(f"{where}: not valid JSON ({e.msg}, {at})") from None
    except RecursionError:
        raise ExtractError(f"{where}: not valid JSON (nested too deeply)") from None
    except ValueError:  # Python reads no integer of over 4,300 digits: https://docs.python.org/3/library/stdtypes.html#int-max-str-digits
        raise ExtractError(f"{where}: not valid JSON (a number too long to read)") from None


def _jsonl_article(where: str, raw: bytes, published: str | None) -> Article:
    return _record_article(where, _json_value(where, raw), published)


def _record_article(where: str, record: object, published: str | None) -> Article:
    """Return the article of one JSON object: text (required; HTML read as such), id, headline or title, url (or
    link, or source), and the first of PUBLISHED_KEYS."""
    if not isinstance(record, dict):
        raise ExtractError(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ExtractError(f"{where}: missing or empty 'text'")
    # Text scraped as HTML ("<p>...</p>", with its teasers and captions) is read as a feed entry's is.
    text = _valid_unicode(_html_text(text, furniture=load_furniture()) if _HTML_TAG.search(text) else text)
    if not text.strip():
        raise ExtractError(f"{where}: 'text' holds no text outside its HTML tags")
    url = _string_field(record, where, "url", "link", "source")
    article_id = record.get("id")
    if article_id is None or article_id == "":
        article_id = _short_hash(url or text)
    elif isinstance(article_id, (str, int)) and not isinstance(article_id, bool):
        article_id = str(article_id)
    else:
        raise ExtractError(f"{where}: 'id' must be a string or an integer, got {type(article_id).__name__}")
    if len(article_id) > MAX_ID_CHARS:
        raise ExtractError(f"{where}: 'id' is longer than {MAX_ID_CHARS} characters ({len(article_id):,})")
    if _SURROGATES.search(article_id):
        raise ExtractError(f"{where}: 'id' is not valid Unicode (it holds a lone surrogate)")
    if "\0" in article_id:
        raise ExtractError(f"{where}: 'id' holds a NUL character, which PostgreSQL cannot store")
    return Article(
        article_id,
        text,
        headline=_string_field(record, where, "headline", "title"),
        url=url,
        published=_iso_date(_string_field(record, where, *PUBLISHED_KEYS)) or published,
        source=where,
    )


_HTML_TAG = re.compile(r"<(?:p|div|br|a|span|h[1-6]|li|ul|ol|figure|figcaption|blockquote)\b[^<>]{0,500}>", re.I)


def _string_field(record: dict, where: str, *keys: str) -> str | None:
    """Return the first of `keys` holding a non-empty string; None when none does."""
    for key in keys:
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ExtractError(f"{where}: '{key}' must be a string, got {type(value).__name__}")
        if value.strip():
            return _valid_unicode(value.strip())
    return None


def html_article(name: str, data: bytes | str, published: str | None) -> Article:
    """Return the first article of an HTML page (html_articles): a linked page's own."""
    return html_articles(name, data, published)[0]


def html_articles(name: str, data: bytes | str, published: str | None) -> list[Article]:
    """Return the articles trafilatura finds in an HTML page pruned of its furniture (extract.pages): each with its
    text without furniture lines, its headline without the site's name, the date it was first published
    (pages.published_date, else trafilatura's), and its canonical URL; `published` is the date when the page states
    none. A page of several stories (pages.story_elements: a next story loaded below the first) gives one article
    each, "#1", "#2", ..., the later ones with their own link and date when they give them; a page without article
    text raises ExtractError."""
    furniture = load_furniture()
    try:
        tree = trafilatura.load_html(_page_text(data))
        if tree is not None:
            pages.prune(tree, furniture)
            stories = pages.story_elements(tree)
            if len(stories) < 2:
                return [_tree_article(name, tree, published, furniture)]
            found = [_tree_article(f"{name}#1", pages.only(tree, stories[0], page=True), published, furniture)]
            base = found[0].url
            for number, element in enumerate(stories[1:], start=2):
                article = _tree_article(f"{name}#{number}", pages.only(tree, element), published, furniture)
                url = pages.story_url(element, base)
                found.append(replace(article, article_id=_short_hash(url), url=url) if url else article)
            return found
    except ExtractError:
        raise
    # trafilatura and lxml raise many kinds of errors on odd markup; any of them means this file cannot be read.
    except Exception as e:  # noqa: BLE001
        raise ExtractError(f"{name}: cannot parse HTML ({type(e).__name__}: {e})") from None
    raise ExtractError(f"{name}: no article text found in the HTML")


def _tree_article(name: str, tree: HtmlElement, published: str | None, furniture: PageFurniture) -> Article:
    """The article of one page's tree, pruned (html_articles)."""
    document = trafilatura.bare_extraction(  # a copy: it rewrites the tree, which is read again below
        copy.deepcopy(tree),
        with_metadata=True,
        include_comments=False,
        date_extraction_params=set_date_params(False),
    )
    if not isinstance(document, Document):
        raise ExtractError(f"{name}: no article text found in the HTML")
    text = _without_furniture(_valid_unicode(document.text or ""), furniture)
    url = pages.canonical_url(tree) or (document.url if pages.article_url(document.url) else None)
    url = _valid_unicode(url.strip()) if url else None
    title = _valid_unicode((document.title or "").strip())
    headline = pages.page_headline(tree, url=url, found=title)
    headline = _valid_unicode(headline) if headline else None
    for shown in (title, headline):  # trafilatura keeps the <h1> as the first line
        if shown and (text == shown or text.startswith(shown + "\n")):
            text = text[len(shown) + 1 :]
    # A paywalled page, or one its scripts would fill, may tell its story only in its description.
    summary = _without_furniture(_valid_unicode(" ".join((document.description or "").split())), furniture)
    if len(text.strip()) < SHORT_PAGE_CHARS and summary and folded_line(summary) not in folded_line(text):
        text = f"{summary}\n{text.strip()}".strip()
    if not text.strip():
        raise ExtractError(f"{name}: no article text found in the HTML")
    stated = _iso_date(pages.published_date(tree)) or _iso_date(document.date)
    if stated is None:  # "Published: 9 February 2024" in a paragraph of its own
        stated, text = _stated_date(text)
    return Article(
        _short_hash(url or text), text, headline=headline, url=url, published=stated or published, source=name
    )


def _page_text(data: bytes | str) -> bytes | str:
    """Return an HTML page's bytes decoded by the character set it declares, as browsers read the label (WHATWG's
    Encoding: "iso-8859-1", "latin1" and "ascii" all mean windows-1252, whose curly quotes and dashes a page so
    labelled holds); the bytes as they are, for trafilatura to guess, when it declares none or one unknown here."""
    if isinstance(data, str):
        return data
    for bom, encoding, _ in ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), *_BOMS):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    declared = _DECLARED_CHARSET.search(data[:SNIFF_BYTES])
    if declared is None:
        return data
    label = declared[1].decode("ascii").lower()
    if label in _WINDOWS_1252_LABELS and not data.isascii():
        try:  # a page saved as UTF-8 keeps its server's old label: windows-1252 text is seldom valid UTF-8
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    try:
        encoding = "cp1252" if label in _WINDOWS_1252_LABELS else codecs.lookup(label).name
    except LookupError:
        return data
    return data.decode(encoding, errors="replace")


_DECLARED_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.IGNORECASE)
_WINDOWS_1252_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "cp1252", "windows-1252"}
)


def _without_furniture(text: str, furniture: PageFurniture) -> str:
    """Return `text` without its lines of page furniture (data/page_furniture.txt: "Sign up to our newsletter")."""
    lines = text.split("\n")
    kept = [line for line in lines if len(line) > FURNITURE_MAX_CHARS or not is_furniture(line, furniture)]
    return text if len(kept) == len(lines) else "\n".join(kept)


def _feed_articles(name: str, data: bytes, published: str | None, errors: list[ExtractError]) -> Iterator[Article]:
    for number, entry in enumerate(parse_feed(name, data).entries, start=1):
        where = f"{name}#{number}"
        try:
            article = entry_article(where, entry, published)
        except Exception as e:  # noqa: BLE001  (as in _guarded: one entry's failure is that entry's)
            errors.append(ExtractError(f"{where}: cannot read the feed entry ({type(e).__name__}: {e})"))
            continue
        if article is None:
            errors.append(ExtractError(f"{where}: feed entry has no text"))
        else:
            yield within_limits(article, errors)


def refuse_entities(name: str, data: bytes) -> None:
    """Raise ExtractError when an XML document declares entities (a DTD internal subset) before its root element:
    expanding them ("billion laughs", or one long entity used many times) can take any amount of memory and time,
    and no news feed needs them."""
    # Dropping NUL bytes turns the ASCII markup of a UTF-16 or UTF-32 document into plain ASCII.
    view = data.replace(b"\0", b"") if b"\0" in data[:4] else data
    root = _ROOT_ELEMENT.search(view)
    prologue = view[: root.start()] if root else view
    if b"<!ENTITY" in prologue or _INTERNAL_SUBSET.search(prologue):
        raise ExtractError(f"{name}: declares entities in a DTD, refused (entity expansion can exhaust memory)")


def parse_feed(name: str, data: bytes) -> feedparser.FeedParserDict:
    """Parse an RSS or Atom document with feedparser; a document declaring entities (refused unparsed), malformed
    XML, or a document that is no feed raises ExtractError."""
    # feedparser keeps the entities a DTD declares and its lenient parser expands them, whatever their size.
    refuse_entities(name, data)
    # A stream, not bytes: feedparser treats a bytes argument that names an existing path as a file to open.
    try:
        feed = feedparser.parse(io.BytesIO(_CHARACTER_REFERENCE.sub(_storable_reference, data)))
    except Exception as e:  # noqa: BLE001  (same reason as for trafilatura)
        raise ExtractError(f"{name}: cannot parse feed ({type(e).__name__}: {e})") from None
    problem = feed.get("bozo_exception")
    # No line number: feedparser rewrites the XML prologue before parsing, so its line numbers are off. HTML's named
    # entities ("&nbsp;", "&eacute;"), which many feeds use undeclared (or declared by an external DTD, as RSS 0.91's),
    # are no XML's, but feedparser's lenient parser reads them as HTML does: such a feed is read, not refused.
    if isinstance(problem, xml.sax.SAXException) and problem.getMessage() != "undefined entity":
        raise ExtractError(f"{name}: not a well-formed feed ({problem.getMessage()})")
    if not feed.get("version"):
        raise ExtractError(f"{name}: not an RSS or Atom feed")
    return feed


def _storable_reference(match: re.Match[bytes]) -> bytes:
    """Return a character reference as it is, or U+FFFD's when it names a surrogate or no character at all: feedparser
    fails on the whole feed at one "&#xd800;"."""
    digits = match[1]
    code = int(digits[1:], 16) if digits[:1] in b"xX" else int(digits)
    return match[0] if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else b"&#xfffd;"


def entry_article(where: str, entry: feedparser.FeedParserDict, published: str | None) -> Article | None:
    """Return the story of one feed entry (its content, else its summary) read from `where`; None when it has no
    text."""
    content = entry.get("content") or [{"value": entry.get("summary") or "", "type": "text/html"}]
    body = content[0].get("value") or ""
    plain = content[0].get("type") == "text/plain"
    text = _valid_unicode(body.strip() if plain else _html_text(body, furniture=load_furniture()))
    if not text:
        return None
    link = _valid_unicode((entry.get("link") or "").strip()) or None
    # Without a link feedparser gives the entry's id ("urn:uuid:...", "abc-1"): it names the article, links nowhere.
    url = None if link and entry.get("guidislink") and not is_link(link) else link
    raw_date = entry.get("published") or entry.get("updated")
    parsed_date = entry.get("published_parsed") or entry.get("updated_parsed")
    return Article(
        _short_hash(link or text),
        text,
        headline=_valid_unicode(_html_text(entry.get("title") or "")) or None,
        url=url,
        published=_feed_date(raw_date, parsed_date) or published,
        source=where,
    )


def _struct_date(parsed: tuple | None) -> str | None:
    """Return the date of feedparser's parsed time tuple, as _dated writes it; None when there is none, or it is no
    calendar date."""
    try:
        return _dated((date(*parsed[:3]), True)) if parsed else None
    except (TypeError, ValueError):
        return None


BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "table", "section"}
    | {"article", "figure", "figcaption", "pre", "hr"}
)
"""The elements that break a feed entry's HTML into paragraphs."""
_BLOCK_TAG = re.compile(r"<(?:" + "|".join(sorted(BLOCKS)) + r")\b", re.IGNORECASE)
UNREAD = ("script", "style", "template")  # elements of a feed entry's HTML whose text is none of the story's
_WORDPRESS_FOOTER = re.compile(r"The post .{1,300} appeared first on .{1,200}", re.DOTALL)  # WordPress feeds end so


def _html_text(fragment: str, *, furniture: PageFurniture | None = None) -> str:
    """Return the text of an HTML fragment: paragraphs separated by a blank line, spaces collapsed. With `furniture`,
    the fragment is a feed entry's story: pruned as a page is (extract.pages: captions, asides, related lists, links
    to other stories), its furniture lines and WordPress's "The post ... appeared first on ..." footer dropped."""
    if not fragment.strip():
        return ""
    if not _BLOCK_TAG.search(fragment):  # inline tags only: its line breaks are its paragraphs
        fragment = fragment.replace("\n", "<br>")
    try:
        tree = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):  # no element at all: the fragment's text as it is
        return " ".join(fragment.split())
    for element in list(tree.iter(*UNREAD)):
        element.drop_tree()
    if furniture is not None:
        pages.prune(tree, furniture)
    for element in tree.iter(*BLOCKS):
        element.text = "\n\n" + (element.text or "")
        element.tail = "\n\n" + (element.tail or "")
    paragraphs = [" ".join(p.split()) for p in tree.text_content().split("\n\n")]
    kept = [p for p in paragraphs if p]
    if furniture is not None:
        kept = [p for p in kept if not _WORDPRESS_FOOTER.fullmatch(p)]
        return _without_furniture("\n\n".join(kept), furniture)
    return "\n\n".join(kept)


def _checked_date(value: str | None) -> str | None:
    if value is not None and _iso_date(value) != value:
        raise ExtractError(f"published: expected YYYY-MM-DD or YYYY-MM from 1900 to 2100, got {value!r}")
    return value


_NO_DATE = (TypeError, ValueError, IndexError, OverflowError)  # what reading a date that is none raises


def _iso_date(value: object) -> str | None:
    """Return a date as "YYYY-MM-DD" (or "YYYY-MM" when only the month is known); None when it cannot be read, is no
    calendar date (30 February), or is outside records.DATE_RANGE (a feed's "2999", a "0001" placeholder: no news is
    dated so)."""
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_DATE_CHARS:
        return None
    try:
        return _dated(_read_date(value.strip()))
    except _NO_DATE:
        return None


def _dated(found: tuple[date, bool] | None) -> str | None:
    """Return a date read (_read_date's) as "YYYY-MM-DD", or "YYYY-MM" without its day; None for none, or one outside
    records.DATE_RANGE."""
    if found is None or not DATE_RANGE[0] <= found[0] <= DATE_RANGE[1]:
        return None
    return found[0].isoformat() if found[1] else found[0].isoformat()[:7]


def _read_date(value: str) -> tuple[date, bool] | None:
    """Return the date `value` writes and whether it has a day (the first of its month when not); None when it is in
    no form read here; raises one of _NO_DATE when it is in one but no calendar date."""
    # The calendar date as written, before any time zone: "2024-03-06T23:30:00-05:00" was on the 6th there; but a
    # time in UTC is a machine's way of writing London's, whose date the story counts its days from (pages.london_date).
    if (match := _ISO_DATE.match(value)) and (match.end() == len(value) or value[match.end()] in "T "):
        if london := pages.london_date(value) if value.endswith(pages.UTC_OFFSETS) else None:
            return date.fromisoformat(london), True
        year, month, day = int(match[1]), int(match[2]), int(match[3]) if match[3] else None
        return date(year, month, 1 if day is None else day), day is not None
    if (fields := email.utils.parsedate_tz(value)) is not None:  # RFC 822: "Tue, 05 Mar 2024 10:00:00 GMT"
        if _UTC_ZONE.search(value):  # parsedate_tz gives an offset of 0 for no zone or an unknown one ("BST") too
            return pages.london_day(datetime(*fields[:6], tzinfo=UTC)), True
        return date(*fields[:3]), True
    for fmt, has_day in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date(), has_day
        except ValueError:
            continue
    return None


def _feed_date(written: object, parsed: tuple | None) -> str | None:
    """Return a feed entry's date: as _iso_date reads its text, else feedparser's reading of it (_struct_date) when
    the text is in no form read here. A text in a known form that is no date stays none: feedparser rolls
    "2024-02-30" over into March."""
    if isinstance(written, str) and written.strip():
        try:
            found = _read_date(written.strip())
        except _NO_DATE:
            return None
        if found is not None:
            return _dated(found) if len(written) <= _MAX_DATE_CHARS else None  # as _iso_date reads it
    return _struct_date(parsed)


def _short_hash(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:16]
