"""Article readers: plain text, HTML, JSON Lines and RSS/Atom files in, one Article per story out.

A plain-text page may hold several stories: the main article (its first line is the headline when it looks like
one), page furniture (data/page_furniture.txt, and echoes of the headline), then teasers of other stories, each a
paragraph cut off with "...". Each story becomes its own Article whose text is an exact slice of the page, so
character offsets into it stay meaningful. Teasers get no headline: the page only shows their opening words, and a
first sentence taken as headline would repeat the text. HTML and feed entries are one story each.
"""

from __future__ import annotations

import email.utils
import hashlib
import io
import json
import os
import re
import xml.sax
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import trafilatura
from trafilatura.settings import Document, set_date_params

from extract.datafiles import DATA_DIR, read_lines
from extract.records import Article, ExtractError

FURNITURE_FILE = DATA_DIR / "page_furniture.txt"

FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}
"""File extension -> format; any other extension is sniffed from the first bytes."""

MAX_STORY_CHARS = 50_000
"""Longer stories (a huge text with no structure) are cut at paragraph or line breaks into pieces this long at most."""
MAX_PAGE_CHARS = 1_000_000
"""A longer plain text is no news page: it is only cut into bounded pieces, not searched for headline and teasers."""
HEADLINE_MAX_CHARS = 150
TEASER_MIN_CHARS = 150
FURNITURE_MAX_CHARS = 300
HEADLINE_ECHO_MIN_CHARS = 12  # a shorter line that starts the headline could be ordinary text

_ELLIPSES = ("...", "\u2026")
_NON_SPACE = re.compile(r"\S")
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?")
_DATE_FORMATS = (
    ("%d %B %Y", True),
    ("%d %b %Y", True),
    ("%B %d, %Y", True),
    ("%b %d, %Y", True),
    ("%A %d %B %Y", True),
    ("%A, %d %B %Y", True),
    ("%B %Y", False),
    ("%b %Y", False),
)
_MAX_DATE_CHARS = 64


@dataclass(frozen=True, slots=True)
class PageFurniture:
    """Furniture phrases, case-folded with spaces collapsed: whole lines, and line prefixes."""

    lines: frozenset[str]
    prefixes: tuple[str, ...]


@lru_cache(maxsize=4)
def load_furniture(path: str | Path = FURNITURE_FILE) -> PageFurniture:
    """Load the furniture phrases of a data file (one per line, "#" comments, a final "*" marks a prefix)."""
    lines, prefixes = set(), []
    for phrase in map(_folded, read_lines(path)):
        if phrase.endswith("*"):
            prefixes.append(phrase[:-1].rstrip())
        else:
            lines.add(phrase)
    return PageFurniture(frozenset(lines), tuple(prefixes))


def read_articles(
    paths: Iterable[str | Path], *, published: str | None = None, errors: list[ExtractError]
) -> Iterator[Article]:
    """Yield the stories of every file under `paths`, appending an ExtractError to `errors` for each bad file or line.

    Directories are walked recursively in sorted order, skipping hidden names. `published` ("YYYY-MM-DD" or
    "YYYY-MM") is the date given to stories whose input states none; a malformed value raises ExtractError at once.

    Example:
        errors = []
        for article in read_articles(["news/"], published="2024-03-05", errors=errors):
            print(article.source, article.headline)
    """
    fallback = _checked_date(published)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return _read_paths(paths, fallback, errors)


def read_text(text: str, *, name: str = "pasted", published: str | None = None) -> list[Article]:
    """Return the stories of a pasted plain text, split like a .txt page; an empty text gives no stories."""
    return list(_text_articles(name, _newlines(text), _checked_date(published)))


def read_upload(name: str, data: bytes, *, published: str | None = None, errors: list[ExtractError]) -> list[Article]:
    """Return the stories of an uploaded file, its format taken from the extension of `name` (else sniffed)."""
    return list(_read_bytes(name, data, _checked_date(published), errors))


def _read_paths(paths: Iterable[str | Path], published: str | None, errors: list[ExtractError]) -> Iterator[Article]:
    for path in paths:
        for file in _files(Path(path), errors):
            yield from _read_file(file, published, errors)


def _files(path: Path, errors: list[ExtractError]) -> Iterator[Path]:
    if path.is_dir():
        found: list[Path] = []
        for folder, dirs, names in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.extend(Path(folder, n) for n in names if not n.startswith("."))
        yield from sorted(found)
    elif path.exists() or path.is_symlink():
        yield path
    else:
        errors.append(ExtractError(f"{path}: no such file or directory"))


def _read_file(path: Path, published: str | None, errors: list[ExtractError]) -> Iterator[Article]:
    # Opening a FIFO or a device would block or never end, so only regular files are read.
    if not path.is_file():
        errors.append(ExtractError(f"{path}: not a regular file"))
        return
    try:
        data = path.read_bytes()
    except OSError as e:
        errors.append(ExtractError(f"{path}: cannot read ({e.strerror or e})"))
        return
    yield from _read_bytes(str(path), data, published, errors)


def _read_bytes(name: str, data: bytes, published: str | None, errors: list[ExtractError]) -> Iterator[Article]:
    if not data.strip():
        errors.append(ExtractError(f"{name}: empty file"))
        return
    if b"\0" in data:
        errors.append(ExtractError(f"{name}: binary file (NUL bytes), not an article"))
        return
    kind = FORMATS.get(os.path.splitext(name)[1].lower()) or _sniff(data)
    try:
        if kind == "jsonl":
            yield from _jsonl_articles(name, data, published, errors)
        elif kind == "html":
            yield html_article(name, data, published)
        elif kind == "feed":
            yield from _feed_articles(name, data, published, errors)
        else:
            yield from _text_articles(name, _decoded(name, data), published)
    except ExtractError as e:
        errors.append(e)


def _sniff(data: bytes) -> str:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return "jsonl"
    if head.startswith(b"<"):
        return "feed" if any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")) else "html"
    return "text"


def _decoded(name: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ExtractError(f"{name}:{line}: not valid UTF-8 (byte 0x{data[e.start]:02x})") from None
    return _newlines(text)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text_articles(name: str, text: str, published: str | None) -> Iterator[Article]:
    spans = _page_stories(text, load_furniture()) if len(text) <= MAX_PAGE_CHARS else _whole(text)
    stories = [
        (headline if n == 0 else None, s, e)
        for headline, start, end in spans
        for n, (s, e) in enumerate(_bounded(text, start, end))
    ]
    for number, (headline, start, end) in enumerate(stories, start=1):
        story = text[start:end]
        source = name if len(stories) == 1 else f"{name}#{number}"
        yield Article(_short_hash(story), story, headline=headline, published=published, source=source)


def _page_stories(text: str, furniture: PageFurniture) -> list[tuple[str | None, int, int]]:
    """Return (headline, start, end) of each story on a plain-text page, in page order."""
    lines = _line_spans(text)
    furn = [e - s <= FURNITURE_MAX_CHARS and _is_furniture(text[s:e], furniture) for s, e in lines]
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


def _is_furniture(line: str, furniture: PageFurniture) -> bool:
    folded = _folded(line)
    return folded in furniture.lines or folded.startswith(furniture.prefixes)


def _whole(text: str) -> list[tuple[None, int, int]]:
    found = _NON_SPACE.search(text)
    return [(None, found.start(), len(text.rstrip()))] if found else []


def _bounded(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Yield spans of at most MAX_STORY_CHARS covering text[start:end], cut at a paragraph, line or word break."""
    while start < end:
        if end - start <= MAX_STORY_CHARS:
            yield start, end
            return
        # Searching only the second half of the window keeps every piece long, so the whole cut stays linear.
        low, high = start + MAX_STORY_CHARS // 2, start + MAX_STORY_CHARS
        cut = next((c for sep in ("\n\n", "\n", " ") if (c := text.rfind(sep, low, high)) != -1), high)
        yield start, start + len(text[start:cut].rstrip())
        found = _NON_SPACE.search(text, cut, end)
        start = found.start() if found else end


def _jsonl_articles(name: str, data: bytes, published: str | None, errors: list[ExtractError]) -> Iterator[Article]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if raw.strip():
            try:
                yield _jsonl_article(f"{name}:{number}", raw, published)
            except ExtractError as e:
                errors.append(e)


def _jsonl_article(where: str, raw: bytes, published: str | None) -> Article:
    try:
        record = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ExtractError(f"{where}: not valid UTF-8 (byte 0x{raw[e.start]:02x})") from None
    except json.JSONDecodeError as e:
        raise ExtractError(f"{where}: not valid JSON ({e.msg}, column {e.colno})") from None
    except RecursionError:
        raise ExtractError(f"{where}: not valid JSON (nested too deeply)") from None
    if not isinstance(record, dict):
        raise ExtractError(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ExtractError(f"{where}: missing or empty 'text'")
    url = _string_field(record, where, "url", "source")
    article_id = record.get("id")
    if article_id is None or article_id == "":
        article_id = _short_hash(url or text)
    elif isinstance(article_id, (str, int)) and not isinstance(article_id, bool):
        article_id = str(article_id)
    else:
        raise ExtractError(f"{where}: 'id' must be a string or an integer, got {type(article_id).__name__}")
    return Article(
        article_id,
        text,
        headline=_string_field(record, where, "headline", "title"),
        url=url,
        published=_iso_date(_string_field(record, where, "published")) or published,
        source=where,
    )


def _string_field(record: dict, where: str, *keys: str) -> str | None:
    """Return the first of `keys` holding a non-empty string; None when none does."""
    for key in keys:
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ExtractError(f"{where}: '{key}' must be a string, got {type(value).__name__}")
        if value.strip():
            return value.strip()
    return None


def html_article(name: str, data: bytes, published: str | None) -> Article:
    """Return the article trafilatura finds in an HTML page (text, headline, date, canonical URL); `published` is
    the date when the page states none; a page without article text raises ExtractError."""
    try:
        document = trafilatura.bare_extraction(
            data, with_metadata=True, include_comments=False, date_extraction_params=set_date_params(False)
        )
    # trafilatura and lxml raise many kinds of errors on odd markup; any of them means this file cannot be read.
    except Exception as e:  # noqa: BLE001
        raise ExtractError(f"{name}: cannot parse HTML ({type(e).__name__}: {e})") from None
    if not isinstance(document, Document) or not (document.text or "").strip():
        raise ExtractError(f"{name}: no article text found in the HTML")
    text, headline = document.text or "", (document.title or "").strip() or None
    if headline and text.startswith(headline + "\n"):  # trafilatura keeps the <h1> as the first line
        text = text[len(headline) + 1 :]
    url = (document.url or "").strip() or None
    return Article(
        _short_hash(url or text),
        text,
        headline=headline,
        url=url,
        published=_iso_date(document.date) or published,
        source=name,
    )


def _feed_articles(name: str, data: bytes, published: str | None, errors: list[ExtractError]) -> Iterator[Article]:
    for number, entry in enumerate(parse_feed(name, data).entries, start=1):
        where = f"{name}#{number}"
        article = entry_article(where, entry, published)
        if article is None:
            errors.append(ExtractError(f"{where}: feed entry has no text"))
        else:
            yield article


def parse_feed(name: str, data: bytes) -> feedparser.FeedParserDict:
    """Parse an RSS or Atom document with feedparser; malformed XML, or a document that is no feed, raises
    ExtractError."""
    # A stream, not bytes: feedparser treats a bytes argument that names an existing path as a file to open.
    try:
        feed = feedparser.parse(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001  (same reason as for trafilatura)
        raise ExtractError(f"{name}: cannot parse feed ({type(e).__name__}: {e})") from None
    problem = feed.get("bozo_exception")
    # No line number: feedparser rewrites the XML prologue before parsing, so its line numbers are off.
    if isinstance(problem, xml.sax.SAXException):
        raise ExtractError(f"{name}: not a well-formed feed ({problem.getMessage()})")
    if not feed.get("version"):
        raise ExtractError(f"{name}: not an RSS or Atom feed")
    return feed


def entry_article(where: str, entry: feedparser.FeedParserDict, published: str | None) -> Article | None:
    """Return the story of one feed entry (its content, else its summary) read from `where`; None when it has no
    text."""
    content = entry.get("content") or [{"value": entry.get("summary") or "", "type": "text/html"}]
    body = content[0].get("value") or ""
    text = body.strip() if content[0].get("type") == "text/plain" else _html_text(body)
    if not text:
        return None
    url = (entry.get("link") or "").strip() or None
    raw_date = entry.get("published") or entry.get("updated")
    parsed_date = entry.get("published_parsed") or entry.get("updated_parsed")
    return Article(
        _short_hash(url or text),
        text,
        headline=_html_text(entry.get("title") or "") or None,
        url=url,
        published=_iso_date(raw_date) or (date(*parsed_date[:3]).isoformat() if parsed_date else None) or published,
        source=where,
    )


class _TextCollector(HTMLParser):
    """Collects the text of an HTML fragment, a paragraph break at each block element."""

    BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "ul",
            "ol",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "tr",
            "table",
            "section",
            "article",
            "figure",
            "figcaption",
            "pre",
            "hr",
        }
    )
    SKIPPED = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _html_text(fragment: str) -> str:
    """Return the text of an HTML fragment: paragraphs separated by a blank line, spaces collapsed."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    paragraphs = (" ".join(p.split()) for p in "".join(collector.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def _checked_date(value: str | None) -> str | None:
    if value is not None and _iso_date(value) != value:
        raise ExtractError(f"published: expected YYYY-MM-DD or YYYY-MM, got {value!r}")
    return value


def _iso_date(value: object) -> str | None:
    """Return a date as "YYYY-MM-DD" (or "YYYY-MM" when only the month is known); None when it cannot be read."""
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_DATE_CHARS:
        return None
    value = value.strip()
    # The calendar date as written, before any time zone: "2024-03-06T23:30:00-05:00" was on the 6th there.
    if match := _ISO_DATE.match(value):
        if match.end() == len(value) or value[match.end()] in "T ":
            year, month, day = int(match[1]), int(match[2]), int(match[3]) if match[3] else None
            try:
                if day is None:
                    return date(year, month, 1).isoformat()[:7]
                return date(year, month, day).isoformat()
            except ValueError:
                return None
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    for fmt, has_day in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return parsed.isoformat() if has_day else parsed.isoformat()[:7]
    return None


def _folded(line: str) -> str:
    return " ".join(line.casefold().split())


def _short_hash(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:16]
