"""HTML news pages before and beside trafilatura: the page's furniture pruned before its story text is read, and the
metadata a page states about the article itself read by trust.

Furniture is what a page shows besides its story: asides, navigation, footers, captions, related, most-read and
"other appeals" lists, and paragraphs that are only a link to another story. Its teasers tell other crimes, in other
places and on other dates, which read as the story's would put false incidents on the map. The phrases are
data/page_furniture.txt's (load_furniture) and the class and id words data/page_blocks.txt's (prune says what goes).

Example:
    tree = lxml.html.fromstring(page)
    prune(tree, load_furniture())    # in place
    published_date(tree)             # "2024-03-04": JSON-LD's datePublished, before a meta's modified time
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import SplitResult, urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.html
from lxml.html import HtmlElement

from extract.datafiles import DATA_DIR, read_lines
from extract.records import is_link

BLOCKS_FILE = DATA_DIR / "page_blocks.txt"
FURNITURE_FILE = DATA_DIR / "page_furniture.txt"
FURNITURE_TAGS = frozenset({"aside", "nav", "footer", "figcaption"})
HEADINGS = ("h2", "h3", "h4", "h5", "h6")
CARD_BLOCKS = ("article", "div", "section", "ul", "ol")  # a teaser card or a menu: nearly all its text is links
LINK_BLOCKS = ("p", "li")  # a block that is one link or more, and nothing else, goes (a heading linking to its own
# page is the story's headline)
MIN_STORY_CHARS = 200  # of paragraph text: an <article> with less is a teaser card (a headline and a line)
NEXT_STORY_SHARE = 0.25  # of the first story's paragraph text, which a next story loaded below it has
MAX_HEADING_CHARS = 80  # a longer heading is a story's own sub-heading, however it starts
JSON_LD_DEPTH = 2  # a list of documents, each with its @graph: an article's object is no deeper
MAX_LABEL_WORDS = 3  # "READ MORE:", "Don't miss:" before links to other stories
MAX_SITE_NAME_CHARS = 40  # a home link's text longer than this is a teaser's, not the site's name
ARTICLE_TYPES = frozenset(
    {"Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting", "LiveBlogPosting"}
)
PUBLISHED_META = (  # the published-time meta tags, most trusted first; never a modified time
    ("property", "article:published_time"),
    ("itemprop", "datePublished"),
    ("name", "article:published_time"),
    ("name", "pubdate"),
    ("name", "publish-date"),
    ("name", "date"),
    ("name", "dc.date.issued"),
    ("name", "dcterms.created"),
)
TITLE_SEPARATORS = re.compile(r"\s+[|\-\u2013\u2014:\u00b7]\s+")  # " | ", " - ", " – ", " — ", " : ", " · "
BREADCRUMBS = re.compile(r"\s+[\u00bb\u203a]\s+")  # " » ", " › ": a trail of sections, "Home » News » <headline>"
LONDON = ZoneInfo("Europe/London")
UTC_OFFSETS = ("Z", "+00:00", "-00:00", "+0000", "+00")  # an ISO 8601 time ending so is in UTC
_CLASS_PARTS = re.compile(r"[\s_\-@]+")
MAX_CLASS_RUN = 3  # parts of a class read together: "most-read-list" holds "most-read"
# Parts of a class that name a layout, not a block's role: "article-layout has-sidebar", "l-sidebar-fixed
# l-article-body-segment" and "content-sidebar-wrap" each wrap a story.
STRUCTURAL_PARTS = frozenset(
    {"layout", "wrap", "wrapper", "container", "content", "body", "main", "article", "story", "post", "entry", "has"}
)
LINKED_SHARE = 0.8  # of a block's text in its links, beyond which it lists other pages
MAX_LISTED_CHARS = 150  # an item of a list of other stories: a headline
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@lru_cache(maxsize=4)
def load_blocks(path: str | Path = BLOCKS_FILE) -> frozenset[str]:
    """Return the class and id words of furniture blocks (one a line, lower case; several words joined by "-" name
    a run of parts: "most-read" is found in "c-most-read-list")."""
    return frozenset(word.lower() for word in read_lines(path))


@dataclass(frozen=True, slots=True)
class PageFurniture:
    """Furniture phrases, case-folded with spaces collapsed: whole lines, line prefixes, and the lines among them that
    head a list of other stories."""

    lines: frozenset[str]
    prefixes: tuple[str, ...]
    sections: frozenset[str] = frozenset()


@lru_cache(maxsize=4)
def load_furniture(path: str | Path = FURNITURE_FILE) -> PageFurniture:
    """Load the furniture phrases of a data file (one per line, "#" comments, a final "*" marks a prefix, a final
    " >" a heading of other stories)."""
    lines, prefixes, sections = set(), [], set()
    for phrase in map(folded_line, read_lines(path)):
        if phrase.endswith("*"):
            prefixes.append(phrase[:-1].rstrip())
        elif phrase.endswith(" >"):
            sections.add(phrase[:-2])
            lines.add(phrase[:-2])
        else:
            lines.add(phrase)
    return PageFurniture(frozenset(lines), tuple(prefixes), frozenset(sections))


def is_furniture(line: str, furniture: PageFurniture) -> bool:
    """Whether a line is a furniture phrase: one of `furniture`'s whole lines, or opening with one of its prefixes."""
    folded = folded_line(line)
    return folded in furniture.lines or folded.startswith(furniture.prefixes)


def folded_line(line: str) -> str:
    """`line` case-folded, its spaces collapsed, as furniture phrases are written."""
    return " ".join(line.casefold().split())


def prune(tree: HtmlElement, furniture: PageFurniture) -> None:
    """Remove the page's furniture from `tree` in place (see the module's docstring); `furniture` is
    page_furniture.txt's (load_furniture).

    A block holding the headline, or most of the page's paragraph text (a layout's wrapper is the story's), is never
    removed by its tag or class; nor is one whose class names a layout (STRUCTURAL_PARTS). A furniture heading that
    opens its block ("<div><h2>Other appeals</h2>...") removes the block; inside a story ("...</p><h2>Related</h2>
    <ul>...</ul><p>...") it removes itself and the links right after it, and the story goes on."""
    blocks = load_blocks()
    headline = _headline_element(tree)
    kept = set(headline.iterancestors()) | {headline} if headline is not None else set()
    body = tree.find("body")
    page_text = _paragraph_chars(body if body is not None else tree)
    doomed: list[HtmlElement] = []
    for element in tree.iter(*FURNITURE_TAGS, *HEADINGS, "div", "section", "ul", "ol", "span", "p", "li", "figure"):
        if element in kept or (body is not None and element is body):
            continue
        if element.tag in FURNITURE_TAGS or _marked(element, blocks):
            if 2 * _paragraph_chars(element) <= page_text:
                doomed.append(element)
        elif element.tag in HEADINGS and _furniture_heading(element.text_content(), furniture):
            doomed.extend(_section(element, kept))
    for element in tree.iter(*LINK_BLOCKS, *CARD_BLOCKS):
        if element in kept or (body is not None and element is body):
            continue
        # A paragraph of links (a label before them allowed), or a card or menu whose text is nearly all links.
        linked = _only_links(element) if element.tag in LINK_BLOCKS else _mostly_links(element)
        if linked and 2 * _paragraph_chars(element) <= page_text:
            doomed.append(element)
    for element in doomed:
        if element not in kept:
            _drop(element)


def story_elements(tree: HtmlElement) -> list[HtmlElement]:
    """The page's stories, in page order, when it holds several (a page loading the next story below the first): its
    outermost <article> elements that have a heading (h1-h3) and at least MIN_STORY_CHARS of paragraph text (a teaser
    card has less), the first holding the page's headline and all of them most of its paragraph text, each later one
    at least NEXT_STORY_SHARE of the first's (a related post's card below a story is no story); else none."""
    found = []
    for element in tree.iter("article"):
        if any(a.tag == "article" for a in element.iterancestors()):
            continue
        heading = next(element.iter("h1", "h2", "h3"), None)
        if heading is not None and _paragraph_chars(element) >= MIN_STORY_CHARS:
            found.append(element)
    headline = _headline_element(tree)
    if not found or headline is None or found[0] not in (headline, *headline.iterancestors()):
        return []
    body = tree.find("body")
    if 2 * sum(map(_paragraph_chars, found)) <= _paragraph_chars(body if body is not None else tree):
        return []
    first = _paragraph_chars(found[0])
    return [found[0], *(e for e in found[1:] if _paragraph_chars(e) >= NEXT_STORY_SHARE * first)]


def _paragraph_chars(element: HtmlElement) -> int:
    """The characters of the paragraphs in `element`, spaces collapsed."""
    return sum(len(" ".join(p.text_content().split())) for p in element.iter("p"))


def only(tree: HtmlElement, story: HtmlElement, *, page: bool = False) -> HtmlElement:
    """Return a page of one of `tree`'s stories: with the page's <head> (its metadata, the first story's) when `page`,
    else with the story's heading as its title alone."""
    document = lxml.html.document_fromstring("<html><head></head><body></body></html>")
    head, body = document.find("head"), document.find("body")
    if page and (found := tree.find("head")) is not None:
        document.replace(head, copy.deepcopy(found))
    else:
        heading = next(story.iter("h1", "h2", "h3"), None)
        title = lxml.html.Element("title")
        title.text = " ".join(heading.text_content().split()) if heading is not None else ""
        head.append(title)
    body.append(copy.deepcopy(story))
    return document


def story_url(story: HtmlElement, base: str | None) -> str | None:
    """Return a story element's own link (data-url, data-href, data-canonical, or its itemprop url), absolute against
    `base`; None when it gives none that names an article."""
    candidates = [story.get(a) for a in ("data-url", "data-href", "data-canonical")]
    candidates += [
        e.get("href") or e.get("content") for e in story.iter("link", "meta", "a") if e.get("itemprop") == "url"
    ]
    for candidate in candidates:
        if not candidate or not candidate.strip():
            continue
        try:
            url = urljoin(base or "", candidate.strip())
        except ValueError:
            continue
        if article_url(url):
            return url
    return None


def _headline_element(tree: HtmlElement) -> HtmlElement | None:
    """The page's headline: its first <h1> outside a <header> or <nav> (where a site's logo may be one), else its
    first <h1>."""
    found = list(tree.iter("h1"))
    outside = (h for h in found if not any(a.tag in ("header", "nav") for a in h.iterancestors()))
    return next(outside, found[0] if found else None)


def _drop(element: HtmlElement) -> None:
    """Remove `element` and what it holds, keeping the text after it (its tail) in its parent."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _marked(element: HtmlElement, blocks: frozenset[str]) -> bool:
    """Whether a word of the element's class or id (or a run of up to MAX_CLASS_RUN of them joined by "-") is a
    furniture block's, and none names a layout (STRUCTURAL_PARTS: "content-sidebar-wrap" wraps the story)."""
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    if not names.strip():
        return False
    parts = [p for p in _CLASS_PARTS.split(names) if p]
    if STRUCTURAL_PARTS.intersection(parts):
        return False
    return any(
        "-".join(parts[i:j]) in blocks
        for i in range(len(parts))
        for j in range(i + 1, min(len(parts), i + MAX_CLASS_RUN) + 1)
    )


def _furniture_heading(text: str, furniture: PageFurniture) -> bool:
    """Whether a heading's text is a furniture line (is_furniture), not too long to be one."""
    return 0 < len(folded_line(text)) <= MAX_HEADING_CHARS and is_furniture(text, furniture)


def _section(heading: HtmlElement, kept: set[HtmlElement]) -> Iterator[HtmlElement]:
    """What a furniture heading removes: the block it opens, when it is its block's first element and the block holds
    no headline (a sidebar's box); else the heading and, after it, the lists and paragraphs of links up to the first
    block with text of its own, where the story goes on."""
    parent = heading.getparent()
    opens = parent is not None and next(parent.iterchildren(), None) is heading
    if opens and parent not in kept and parent.tag not in ("body", "html", "main", "article"):
        yield parent
        return
    yield heading
    for sibling in heading.itersiblings():
        if not isinstance(sibling.tag, str) or not (_mostly_links(sibling) or _headline_list(sibling)):
            return
        yield sibling


def _headline_list(element: HtmlElement) -> bool:
    """Whether `element` is a list of headlines: each item short (MAX_LISTED_CHARS) and no sentence."""
    items = [" ".join(li.text_content().split()) for li in element.iter("li")] if element.tag in ("ul", "ol") else []
    return bool(items) and all(len(i) <= MAX_LISTED_CHARS and not i.endswith(".") for i in items)


def _mostly_links(element: HtmlElement) -> bool:
    """Whether the text of `element` is all, or nearly all (LINKED_SHARE), the text of its links."""
    text = len("".join(element.text_content().split()))
    linked = sum(len("".join(a.text_content().split())) for a in element.iter("a"))
    return text > 0 and linked >= LINKED_SHARE * text


def _only_links(element: HtmlElement) -> bool:
    """Whether a block's whole text is the text of links to other pages ("Man stabbed in Croydon named by police")."""
    links = [a for a in element.iter("a") if (a.get("href") or "").strip() and not a.get("href", "").startswith("#")]
    if not links:
        return False
    rest = " ".join(element.text_content().split())
    linked = [" ".join(a.text_content().split()) for a in links]
    for text in linked:
        rest = rest.replace(text, " ", 1)
    # Separators between links ("Teenager shot in Hackney - Man attacked in Leeds") and a label before them ("READ
    # MORE:") are no text of the block's own.
    words = rest.split()
    label = 0 < len(words) <= MAX_LABEL_WORDS and rest.rstrip().endswith(":")
    return any(linked) and (label or not any(c.isalnum() for c in rest))


def published_date(tree: HtmlElement) -> str | None:
    """Return the date the page says the article was first published (YYYY-MM-DD, London's date of a time in UTC):
    JSON-LD's datePublished of an article, then a published-time meta tag; None when it says neither."""
    for value in (*_json_ld_dates(tree), *_meta_dates(tree)):
        found = london_date(value)
        if found is not None:
            return found
    return None


def london_date(value: str) -> str | None:
    """Return the calendar date of an ISO 8601 date or time "YYYY-MM-DD..." as YYYY-MM-DD: a time in UTC ("Z",
    "+00:00") by London's clock, which is an hour ahead in summer (23:30Z on 1 June is 00:30 on 2 June there), as
    the story's "yesterday" counts from; a time with another offset as written, the writer's own date; None when it
    is no such date."""
    text = value.strip()
    if not _DATETIME.match(text) or not text.endswith(UTC_OFFSETS):
        day = text[:10]
        try:
            return date.fromisoformat(day).isoformat() if len(day) == 10 else None
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(_iso_offset(text))
    except ValueError:
        return None
    return london_day(moment).isoformat()


def london_day(moment: datetime) -> date:
    """The date in London at `moment` (one without a zone is taken as London's already)."""
    return moment.astimezone(LONDON).date() if moment.tzinfo else moment.date()


def _iso_offset(text: str) -> str:
    """`text` with a UTC offset written "+0000" or "+00" as fromisoformat reads it before Python 3.11's forms."""
    for short in ("+0000", "+00"):
        if text.endswith(short):
            return text[: -len(short)] + "+00:00"
    return text


def _json_ld_dates(tree: HtmlElement) -> Iterator[str]:
    """The datePublished values of the page's JSON-LD articles, in page order."""
    for item in _articles(tree):
        if isinstance(value := item.get("datePublished"), str):
            yield value


def _articles(tree: HtmlElement) -> Iterator[dict]:
    """The page's JSON-LD objects of an article type (ARTICLE_TYPES; in lists and @graph too, not the updates a live
    blog holds), in page order."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        for item in _items(data):
            kinds = item.get("@type")
            kinds = {kinds} if isinstance(kinds, str) else set(kinds) if isinstance(kinds, list) else set()
            if kinds & ARTICLE_TYPES:
                yield item


def _items(data: object, depth: int = 0) -> Iterator[dict]:
    """The objects of a JSON-LD document: itself, the members of its lists and of its @graph, JSON_LD_DEPTH deep."""
    if depth > JSON_LD_DEPTH:
        return
    if isinstance(data, list):
        for member in data:
            yield from _items(member, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _items(data["@graph"], depth + 1)


def _meta_dates(tree: HtmlElement) -> Iterator[str]:
    """The contents of the page's published-time meta tags, PUBLISHED_META's order."""
    metas = list(tree.iter("meta"))
    for attribute, name in PUBLISHED_META:
        for meta in metas:
            if (meta.get(attribute) or "").strip().lower() == name.lower() and (meta.get("content") or "").strip():
                yield meta.get("content", "")


def page_headline(tree: HtmlElement, *, url: str | None, found: str | None) -> str | None:
    """Return the page's headline: the first of og:title, its JSON-LD article's headline (not a live blog's update's),
    `found` (trafilatura's), its <h1> (not a logo's in its <header>) and <title> that is not the site's name once that
    is taken off (plain_headline); None without one. The site's names are og:site_name's, application-name's, its
    JSON-LD publisher's, its host's and its links home's (trafilatura's guess at it may be the headline itself)."""
    metas = {(m.get("property") or m.get("name") or "").lower(): m.get("content") for m in tree.iter("meta")}
    titles = [t.text_content() for t in tree.iter("title")][:1]
    heading = _headline_element(tree)
    articles = list(_articles(tree))
    candidates = [
        metas.get("og:title"),
        *(item.get("headline") for item in articles),
        found,
        heading.text_content() if heading is not None else None,
        *titles,
    ]
    publishers = [p.get("name") for item in articles if isinstance(p := item.get("publisher"), dict)]
    stated = [n for n in (metas.get("og:site_name"), metas.get("application-name"), *publishers) if isinstance(n, str)]
    names = _site_names(stated, url) | _home_links(tree)
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        headline = plain_headline(" ".join(candidate.split()), names=names)
        if headline and _letters(headline) not in names:
            return headline
    return None


def plain_headline(title: str, *, names: set[str]) -> str:
    """Return a page's title without the site's name before or after it ("Teenager robbed outside Romford station -
    Essex Live"): a part that is one of the site's `names` (as _letters writes them), letters and digits compared;
    the title as it is when no part is. Of a breadcrumb trail ("News › Crime › Man stabbed in Ilford"), the part of
    most words that is not the site's name, taken as a title of its own."""
    trail = [part.strip() for part in BREADCRUMBS.split(title)]
    if len(trail) > 1:
        parts = [part for part in trail if _letters(part) not in names] or trail
        title = max(parts, key=lambda part: len(part.split()))
    separators = list(TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    if _letters(title[separators[-1].end() :]) in names:
        return title[: separators[-1].start()].strip()
    if _letters(title[: separators[0].start()]) in names:
        return title[separators[0].end() :].strip()
    return title


def _site_names(stated: list[str], url: str | None) -> set[str]:
    """The site's names as _letters writes them: those `stated`, and its host's first label ("essexlive")."""
    names = {_letters(name) for name in stated}
    host = (split.hostname or "") if (split := _split(url)) else ""
    names.add(_letters(host.removeprefix("www.").split(".")[0]))
    return names - {""}


def _home_links(tree: HtmlElement) -> set[str]:
    """The texts of the page's links to its site's home page ("/"), as _letters writes them: a logo's is the site's
    name."""
    found = set()
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        split = _split(href)
        home = href == "/" or (split is not None and split.scheme in ("http", "https") and split.path.strip("/") == "")
        if home and (text := a.text_content().strip()) and len(text) <= MAX_SITE_NAME_CHARS:
            found.add(_letters(text))
    return found - {""}


def _letters(text: str) -> str:
    return "".join(c for c in text.casefold().removeprefix("the ") if c.isalnum())


def canonical_url(tree: HtmlElement) -> str | None:
    """Return the page's canonical link when it is an article's (article_url: absolute, not the site's home page),
    else None."""
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "canonical" in rel and article_url(href):
            return href
    return None


def article_url(url: str | None) -> bool:
    """Whether `url` is absolute http(s) and names more than a site's home page ("https://news.example/")."""
    parts = _split(url)
    return parts is not None and is_link(url or "") and parts.path.strip("/") != ""


def _split(url: str | None) -> SplitResult | None:
    """`url` split into its parts; None for none, or a malformed one ("http://[::1/x")."""
    try:
        parts = urlsplit(url or "")
        parts.hostname, parts.port  # noqa: B018  (they raise ValueError too)
    except ValueError:
        return None
    return parts if url else None
