"""The Add articles page: paste a text or upload files, preview the incidents found, save them to the map.

Saving goes through the CLI's path: extract.pipeline.extract_incidents, then extract.store.save_article, into the
database that dashboard.data.database_path() names, so this page works as a session's first page.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.display import plural, preview_table
from extract.articles import read_text, read_upload
from extract.pipeline import extract_incidents
from extract.records import Article, ExtractError

UPLOAD_TYPES = ["txt", "html", "htm", "jsonl"]


def read_articles(text: str, uploads: list, *, published: str | None, errors: list[ExtractError]) -> list[Article]:
    """Return the articles of the pasted text and of each uploaded file; unreadable inputs go to `errors`."""
    articles = read_text(text, published=published) if text.strip() else []
    for upload in uploads:
        articles += read_upload(upload.name, upload.getvalue(), published=published, errors=errors)
    return articles


st.title("Add articles")
st.caption(
    "Paste the text of a news article or upload files (txt, HTML or JSON Lines). "
    "The incidents found are previewed here and added to the map when you save them."
)
published = st.date_input("Published on (used when the text gives no date)", value=None, format="YYYY-MM-DD")
text = st.text_area("Article text", height=220, key=data.PASTED)
uploads = st.file_uploader("Files", type=UPLOAD_TYPES, accept_multiple_files=True, key=data.UPLOADS) or []

errors: list[ExtractError] = []
articles = read_articles(text, uploads, published=published.isoformat() if published else None, errors=errors)
for error in errors:
    st.text(f"⚠️ {error}")  # plain text: the message quotes the uploaded file's name

if articles:
    extractor = data.extractor()
    found = [(article, extract_incidents(article, extractor=extractor)) for article in articles]
    n_found = sum(len(incidents) for _, incidents in found)
    st.subheader(f"{plural(n_found, 'incident')} in {plural(len(articles), 'article')}")
    st.dataframe(preview_table(found), hide_index=True)
    if st.button(f"Save {plural(n_found, 'incident')} to the map", type="primary", key=data.SAVE):
        saved = data.save_found(data.database_path(), found)
        st.success(
            f"Saved {plural(saved, 'incident')} from {plural(len(articles), 'article')}. "
            f"The map shows {'it' if saved == 1 else 'them'} now."
        )
