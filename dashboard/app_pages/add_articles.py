"""The Add articles page, for editors only: paste a text (with its source link, or "no source" said explicitly) or
upload files, preview the incidents found, save them to the map.

Saving goes through the CLI's path: extract.pipeline.read_story and story_incidents, then extract.store.save_article
(with the extractor's reason for an article that gives no incident), into the database that
dashboard.data.database_path() names, so this page works as a session's first page. Each saved article is logged.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import streamlit as st

from dashboard import auth, data
from dashboard.display import escape_markdown, plural, preview_table, safe_url
from extract.articles import read_text, read_upload
from extract.pipeline import read_story, story_incidents
from extract.records import Article, ExtractError, Incident, Reason, Rejection

UPLOAD_TYPES = ["txt", "html", "htm", "jsonl", "json"]
MAX_UPLOAD_MB = 10  # also server.maxUploadSize in .streamlit/config.toml; a day of a feed's pages is far less


def source_link(url: str) -> str | None:
    """Return the pasted text's source link when it is an http(s) URL with a host, else None."""
    return safe_url(url) if urlsplit(url.strip()).netloc else None


def read_articles(
    text: str, uploads: list, *, url: str | None, published: str | None, errors: list[ExtractError]
) -> list[Article]:
    """Return the articles of the pasted text (linked to `url`) and of each uploaded file; unreadable inputs go to
    `errors`."""
    articles = [dataclasses.replace(a, url=url) for a in read_text(text, published=published)] if text.strip() else []
    for upload in uploads:
        articles += read_upload(upload.name, upload.getvalue(), published=published, errors=errors)
    return articles


editor = auth.require_editor()
st.title("Add articles")
st.caption(
    "Paste the text of a news article or upload files (txt, HTML, JSON Lines or a JSON array). "
    "The incidents found are previewed here and added to the map when you save them."
)
published = st.date_input("Published on (used when the text gives no date)", value=None, format="YYYY-MM-DD")
text = st.text_area("Article text", height=220, key=data.PASTED)
url_given = st.text_input("Source link of the pasted text (http or https)", key=data.SOURCE_URL)
no_source = st.checkbox("The pasted text has no source link", key=data.NO_SOURCE)
uploads = (
    st.file_uploader(
        "Files",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=data.UPLOADS,
        max_upload_size=MAX_UPLOAD_MB,
    )
    or []
)

url = source_link(url_given) if url_given.strip() else None
if text.strip() and url_given.strip() and url is None:
    st.warning("The source link must be an http or https address, such as https://news.example/story.")
if text.strip() and url is None and not no_source:
    st.info("Give the pasted text's source link, or tick that it has none, to read it.")
    text = ""
errors: list[ExtractError] = []
articles = read_articles(text, uploads, url=url, published=published.isoformat() if published else None, errors=errors)
for error in errors:
    st.text(f"⚠️ {error}")  # plain text: the message quotes the uploaded file's name

if articles:
    extractor = data.extractor()
    found: list[tuple[Article, list[Incident]]] = []
    reasons: dict[str, Reason] = {}
    for article in articles:
        story = read_story(article, extractor=extractor)
        if isinstance(story, Rejection):
            reasons[article.article_id] = story.reason
        found.append((article, [] if isinstance(story, Rejection) else story_incidents(story, extractor=extractor)))
    n_found = sum(len(incidents) for _, incidents in found)
    st.subheader(f"{plural(n_found, 'incident')} in {plural(len(articles), 'article')}")
    st.dataframe(preview_table(found), hide_index=True)
    for article, incidents in found:
        if not incidents and article.article_id in reasons:
            why = Rejection(article.article_id, reasons[article.article_id]).meaning
            st.caption(f"No incident in {escape_markdown(article.headline or article.source)}: {why}.")
    if st.button(f"Save {plural(n_found, 'incident')} to the map", type="primary", key=data.SAVE):
        saved = data.save_found(data.database_path(), found, editor=editor.name, reasons=reasons)
        st.success(
            f"Saved {plural(saved, 'incident')} from {plural(len(articles), 'article')}. "
            f"The map shows {'it' if saved == 1 else 'them'} now."
        )
