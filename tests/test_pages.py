"""HTML news pages: furniture pruned before the story text is read, and the headline, publication date and canonical
link read by trust (extract.pages, through extract.articles.html_article). Every page here is made up."""

import json

import lxml.html
import pytest

from extract import pages
from extract.articles import html_article, html_articles, read_articles
from extract.records import ExtractError

STORY = (
    "<p>A woman was robbed of her handbag in Ripple Road, Barking, at about 8pm on Tuesday.</p>"
    "<p>Police are appealing for witnesses and no arrests have been made.</p>"
)


def page(body: str, *, head: str = "", title: str = "Woman robbed in Barking") -> bytes:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body>{body}</body></html>"
    ).encode()


def article_page(extra: str = "", *, head: str = "", title: str = "Woman robbed in Barking") -> bytes:
    return page(f"<article><h1>Woman robbed in Barking</h1>{STORY}{extra}</article>", head=head, title=title)


def meta(prop: str, content: str) -> str:
    return f"<meta property='{prop}' content='{content}'>"


def json_ld(value: object) -> str:
    return f"<script type='application/ld+json'>{json.dumps(value)}</script>"


TEASERS = "A man was stabbed in Dagenham Heathway on Sunday 21 April and a car was set alight in Upminster."


@pytest.mark.parametrize(
    "furniture",
    [
        # a sidebar headed by a furniture line: the heading and all that follows it in its block
        f"<div class='box'><h2>Other appeals</h2><div><h3>Man stabbed</h3><p>{TEASERS}</p></div></div>",
        "<h3>Also in the news</h3><ul><li><a href='/d'>Man stabbed in Dagenham</a></li><li>Upminster car fire</li></ul>",
        # blocks by their tag, or by a word of their class or id
        f"<aside><p>{TEASERS}</p></aside>",
        f"<div class='image-caption'>{TEASERS}</div>",
        f"<div class='c-most-read-list'><p>{TEASERS}</p></div>",
        f"<div id='related_stories'><p>{TEASERS}</p></div>",
        f"<div class='reader-reactions'><p>{TEASERS}</p></div>",
        # a paragraph that is only links to other stories
        "<p><a href='/crime/dagenham'>Man stabbed in Dagenham Heathway</a></p>",
        "<p><a href='/a'>Man stabbed in Dagenham</a> - <a href='/b'>Car set alight in Upminster</a></p>",
        # a furniture line left in the text
        "<p>Get all the latest Essex news sent straight to your inbox</p>",
    ],
)
def test_furniture_is_not_read_as_the_story(furniture):
    article = html_article("page.html", article_page(furniture), None)
    assert "Barking" in article.text
    assert "Dagenham" not in article.text and "Upminster" not in article.text and "Essex" not in article.text


@pytest.mark.parametrize(
    "body",
    [
        # a link inside a sentence of the story is the story's
        "<p>The robbery in <a href='/barking'>Ripple Road</a> was the third this month in Dagenham.</p>",
        # a heading of the story's own, however it starts
        "<h2>Related offences in Dagenham were reported last week by the local paper</h2><p>More in Dagenham.</p>",
    ],
)
def test_the_story_stays(body):
    article = html_article("page.html", article_page(body), None)
    assert "Dagenham" in article.text


def test_a_block_holding_the_headline_is_never_pruned():
    body = f"<div class='related-content'><h1>Woman robbed in Barking</h1>{STORY}</div><aside>{TEASERS}</aside>"
    article = html_article("page.html", page(body), None)
    assert "Ripple Road" in article.text and "Dagenham" not in article.text


@pytest.mark.parametrize(
    "head, title, body, expected",
    [
        # the site's name after or before the headline, by og:site_name, or by the host of the canonical link
        (meta("og:site_name", "Essex Live"), "Woman robbed in Barking - Essex Live", "", "Woman robbed in Barking"),
        ("<link rel='canonical' href='https://www.essexlive.news/news/robbery-123'>", "Essex Live | Woman robbed "
         "in Barking", "", "Woman robbed in Barking"),
        # a logo's <h1> in the header, linking home, is the site's name, not the headline
        ("", "Barking & Dagenham Post", "<header><h1><a href='/'>Barking &amp; Dagenham Post</a></h1></header>",
         "Woman robbed in Barking"),
        # a live blog's headline, not its latest update's
        (json_ld({"@type": "LiveBlogPosting", "headline": "Barking robbery: live updates",
                  "liveBlogUpdate": [{"@type": "BlogPosting", "headline": "Man arrested"}]}),
         "Barking robbery: live updates", "", "Barking robbery: live updates"),
        # a breadcrumb trail's sections, before or after the headline
        (meta("og:title", "News › Crime › Woman robbed in Barking"), "", "", "Woman robbed in Barking"),
        (meta("og:title", "Woman robbed in Barking » London » Barking Post"), "", "", "Woman robbed in Barking"),
        (meta("og:site_name", "Barking and Dagenham Post") + meta("og:title", "Woman robbed » Barking and Dagenham "
         "Post"), "", "", "Woman robbed"),  # the site's name is no headline, though it has more words
        (meta("og:title", "News › Barking robbery - woman, 19, hurt"), "", "", "Barking robbery - woman, 19, hurt"),
        # a title without the site's name stays whole, separators and all
        ("", "Barking: woman robbed - police appeal", "", "Barking: woman robbed - police appeal"),
    ],
)  # fmt: skip
def test_headline_without_the_site_name(head, title, body, expected):
    data = page(f"{body}<article><h1>{expected}</h1>{STORY}</article>", head=head, title=title)
    assert html_article("page.html", data, None).headline == expected


@pytest.mark.parametrize(
    "head, body, expected",
    [
        # the article's first publication, not a later modification
        (
            meta("article:modified_time", "2024-03-12T18:00:00Z")
            + json_ld({"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", "datePublished": "2024-03-04"}]}),
            "",
            "2024-03-04",
        ),
        (meta("article:published_time", "2024-05-03T12:00:00+01:00"), "", "2024-05-03"),
        # a time in UTC is London's date: 23:30Z on 1 June is 00:30 on 2 June there
        (meta("article:published_time", "2024-06-01T23:30:00Z"), "", "2024-06-02"),
        (meta("article:published_time", "2024-01-10T23:30:00Z"), "", "2024-01-10"),  # GMT in winter
        # a time with another offset is the writer's date as written
        (meta("article:published_time", "2024-06-01T23:30:00-05:00"), "", "2024-06-01"),
        # a date in a paragraph of its own, when the page's markup states none
        ("", "<p>Published: 9 February 2024</p>", "2024-02-09"),
        # dates of a sidebar or of readers' comments are not the article's
        ("", "<aside><time datetime='2023-11-27'>27 November</time></aside>", None),
        ("", "<div class='comments'><time datetime='2024-03-26T08:00:00Z'>26/03</time></div>", None),
    ],
)
def test_publication_date_by_trust(head, body, expected):
    data = page(f"<article><h1>Woman robbed in Barking</h1>{STORY}</article>{body}", head=head)
    assert html_article("page.html", data, None).published == expected


@pytest.mark.parametrize(
    "head, expected",
    [
        # og:url naming the site's home page is no article's link: the canonical link is
        (
            meta("og:url", "https://news.example/")
            + "<link rel='canonical' href='https://news.example/crime/robbery'>",
            "https://news.example/crime/robbery",
        ),
        (meta("og:url", "https://news.example/"), None),
        (meta("og:url", "https://news.example/crime/robbery"), "https://news.example/crime/robbery"),
    ],
)
def test_canonical_link(head, expected):
    assert html_article("page.html", article_page(head=head), None).url == expected


def test_two_pages_sharing_a_home_page_og_url_are_two_articles():
    head = meta("og:url", "https://news.example/")
    first = html_article("a.html", article_page(head=head), None)
    other = page("<article><h1>Man robbed</h1><p>A man was robbed in Woolwich on Thursday.</p></article>", head=head)
    assert first.article_id != html_article("b.html", other, None).article_id


def test_declared_latin1_is_read_as_windows_1252():
    body = "<article><h1>Robbed on Earl\u2019s Court Road</h1><p>A boy was robbed on Earl\u2019s Court Road \u2013 police said.</p></article>"
    data = page(body).replace(b"charset='utf-8'", b"charset='iso-8859-1'").decode().encode("cp1252")
    article = html_article("page.html", data, None)
    assert "Earl\u2019s Court Road \u2013 police" in article.text


def test_a_utf8_page_keeping_a_latin1_label_is_read_as_utf8():
    body = "<article><h1>Robbed on Queen\u2019s Road</h1><p>A man was robbed of \u00a3500 on Queen\u2019s Road.</p></article>"
    data = page(body).replace(b"charset='utf-8'", b"charset='iso-8859-1'")
    assert "\u00a3500 on Queen\u2019s Road" in html_article("page.html", data, None).text


def test_a_paywalled_page_is_read_from_its_description():
    head = "<meta name='description' content='A boy, 17, was stabbed near Mare Street in Hackney on Thursday.'>"
    data = page(
        "<article><h1>Hackney stabbing</h1><p>Subscribe to continue reading.</p></article>",
        head=head,
        title="Hackney stabbing",
    )
    assert (
        html_article("page.html", data, None).text == "A boy, 17, was stabbed near Mare Street in Hackney on Thursday."
    )


def test_a_page_of_navigation_alone_has_no_article_text():
    with pytest.raises(ExtractError, match="no article text"):
        html_article("page.html", page("<nav><a href='/'>Home</a></nav>"), None)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-06-01T23:30:00Z", "2024-06-02"),
        ("2024-06-01T23:30:00+00:00", "2024-06-02"),
        ("2024-06-01T22:30:00Z", "2024-06-01"),
        ("2024-06-01T23:30:00+02:00", "2024-06-01"),
        ("2024-06-01", "2024-06-01"),
        ("2024-02-30", None),
        ("yesterday", None),
    ],
)
def test_london_date(value, expected):
    assert pages.london_date(value) == expected


@pytest.mark.parametrize(
    "classes, marked",
    [("c-most-read-list", True), ("most_read", True), ("sidebar left", True), ("story-body", False), ("", False)],
)
def test_block_words_match_whole_parts_of_a_class(classes, marked):
    element = lxml.html.fragment_fromstring(f"<div class='{classes}'>x</div>")
    assert pages._marked(element, pages.load_blocks()) is marked


FEED = """<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Local</title>
<item><title>Man stabbed on Rye Lane</title><link>https://news.example/rye-lane</link>
<pubDate>Sun, 10 Mar 2024 09:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>A man was stabbed outside a shop on Rye Lane in Peckham on Saturday.</p>
<figure><img src="x.jpg"><figcaption>Police at a stabbing in Camberwell last year</figcaption></figure>
<p><a href="https://news.example/walworth">Teenager stabbed to death in Walworth named</a></p>
<h3>Related</h3><ul><li>Woman robbed in Brixton</li></ul>
<p>The post Man stabbed on Rye Lane appeared first on Local News.</p>]]></content:encoded></item>
</channel></rss>"""


def test_a_feed_entry_is_pruned_as_a_page_is(tmp_path):
    path = tmp_path / "feed.rss"
    path.write_text(FEED)
    [article] = read_articles([path], errors=[])
    assert article.text == "A man was stabbed outside a shop on Rye Lane in Peckham on Saturday."


@pytest.mark.parametrize(
    "record, text, url, published",
    [
        # text scraped as HTML is read as a feed entry's is
        (
            {"text": "<p>A woman was robbed in Barking.</p><p><strong>READ MORE:</strong> <a href='/x'>Man stabbed"
             "</a></p>", "link": "https://news.example/a", "date": "14/02/2024"},
            "A woman was robbed in Barking.",
            "https://news.example/a",
            "2024-02-14",
        ),
        # inline tags alone: the text's line breaks stay, and a link line is still one
        (
            {"text": "A woman was robbed in Barking.\nRead more: <a href='/x'>Man stabbed in Croydon</a>"},
            "A woman was robbed in Barking.\n\nRead more: Man stabbed in Croydon",
            None,
            None,
        ),
        # a text with a "<" and no tag is as written
        ({"text": "Knife crime rose by <5% in Barking.", "published_at": "2024-02-14"}, "Knife crime rose by <5% in "
         "Barking.", None, "2024-02-14"),
    ],
)  # fmt: skip
def test_json_lines_fields_and_html_text(tmp_path, record, text, url, published):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(record) + "\n")
    [article] = read_articles([path], errors=[])
    assert (article.text, article.url, article.published) == (text, url, published)


SECOND = (
    "<p>Two men have been arrested after a series of burglaries in Muswell Hill over the Easter weekend, police said.</p>"
    "<p>Homes in Fortis Green and Colney Hatch Lane were broken into and jewellery and laptops were taken.</p>"
)


def test_a_page_of_two_stories_gives_an_article_each():
    body = (
        f"<div><article data-url='https://news.example/barking-robbery'><h1>Woman robbed in Barking</h1>{STORY}"
        "<p>Officers are reviewing footage from cameras along Ripple Road and nearby streets this week.</p></article>"
        "<article data-url='/muswell-hill-burglaries'><h2>Arrests after Muswell Hill burglaries</h2>"
        f"<time datetime='2024-04-03T09:00:00+01:00'>3 April</time>{SECOND}</article></div>"
    )
    head = "<link rel='canonical' href='https://news.example/barking-robbery'>"
    found = html_articles("page.html", page(body, head=head), "2024-05-01")
    assert [(a.source, a.headline, a.url, a.published) for a in found] == [
        ("page.html#1", "Woman robbed in Barking", "https://news.example/barking-robbery", "2024-05-01"),
        (
            "page.html#2",
            "Arrests after Muswell Hill burglaries",
            "https://news.example/muswell-hill-burglaries",
            "2024-04-03",
        ),
    ]
    assert "Ripple Road" in found[0].text and "Muswell Hill" not in found[0].text
    assert "Fortis Green" in found[1].text


def test_teaser_cards_are_no_stories_of_the_page():
    cards = "".join(f"<article><h3>Man stabbed in {p}</h3><p>Police were called on Sunday.</p></article>" for p in "AB")
    found = html_articles("page.html", article_page() + cards.encode(), None)
    assert [a.source for a in found] == ["page.html"]


ARREST = "<p>A 19-year-old man was arrested on Saturday on suspicion of robbery and remains in custody.</p>"


@pytest.mark.parametrize(
    "body",
    [
        # a layout's wrapper, whatever its class says, holds the story
        f"<header class='article-hero'><h1>Woman robbed in Barking</h1></header>"
        f"<div class='article-layout has-sidebar'>{STORY}{ARREST}</div>",
        f"<h1>Woman robbed in Barking</h1><div class='content-sidebar-wrap'>{STORY}{ARREST}</div>",
        f"<h1>Woman robbed in Barking</h1><div class='js-share-container'>{STORY}{ARREST}</div>",
        # a furniture heading inside the story takes its links with it, not the rest of the story
        f"<article><h1>Woman robbed in Barking</h1>{STORY}<h3>Read more</h3>"
        f"<ul><li><a href='/a'>Man stabbed in Dagenham</a></li></ul>{ARREST}</article>",
        f"<article><h1>Woman robbed in Barking</h1><h2 class='visually-hidden'>Share this article</h2>"
        f"<div class='article-body'>{STORY}{ARREST}</div></article>",
    ],
)
def test_the_story_is_never_pruned_with_its_furniture(body):
    article = html_article("page.html", page(body), None)
    assert "Ripple Road" in article.text and "19-year-old" in article.text


def test_cards_beside_a_story_outside_any_article_do_not_split_the_page():
    card = "<article><a href='/{0}'><h3>Man stabbed in {0}</h3><p>{1}</p></a></article>"
    cards = "".join(card.format(place, TEASERS * 3) for place in ("Dagenham", "Upminster"))
    body = f"<main><h1>Woman robbed in Barking</h1><div class='story-body'>{STORY}{ARREST}</div></main>{cards}"
    [article] = html_articles("page.html", page(body), None)
    assert "Ripple Road" in article.text


def test_a_link_within_the_page_is_no_site_name():
    head = meta("og:title", "Woman robbed in Barking")
    body = f"<a href='#top'>Woman robbed in Barking</a><article><h1>Woman robbed in Barking</h1>{STORY}</article>"
    data = page(body, head=head, title="Woman robbed in Barking | Barking News")
    assert html_article("page.html", data, None).headline == "Woman robbed in Barking"
