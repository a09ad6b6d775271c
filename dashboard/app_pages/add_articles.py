"""The "Add articles" page: paste a text or upload files, preview the incidents found, save them to the map.

Saving goes through the CLI's path: extract.pipeline.extract_incidents, then extract.store.save_article.
dashboard/app.py puts the database path in st.session_state["db_path"] before it runs this page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from extract import store
from extract.articles import read_text, read_upload
from extract.pipeline import extract_incidents, load_extractor
from extract.records import ExtractError

UPLOAD_TYPES = ["txt", "html", "htm", "jsonl"]


@st.cache_resource(show_spinner="Loading the gazetteer…")
def extractor():
    """Return the pipeline's extractor (gazetteer, matchers, offline geocoder), loaded once per server."""
    return load_extractor()


def read_articles(text: str, uploads: list, *, published: str | None, errors: list[ExtractError]) -> list:
    """Return the articles of the pasted text and of each uploaded file; unreadable inputs go to `errors`."""
    articles = read_text(text, published=published) if text.strip() else []
    for upload in uploads:
        articles += read_upload(upload.name, upload.getvalue(), published=published, errors=errors)
    return articles


def preview_table(found: list) -> pd.DataFrame:
    """Return one row per incident found, as the preview shows it (the grid draws text as text)."""
    rows = [store.incident_row(incident) for _, incidents in found for incident in incidents]
    frame = pd.DataFrame(
        rows,
        columns=[
            "headline",
            "type",
            "category",
            "place_name",
            "precision",
            "borough",
            "date",
            "fatal",
            "weapon",
            "evidence",
        ],
    )
    frame["fatal"] = frame["fatal"].map({1: "yes", 0: "no"})
    return frame.rename(columns=str.capitalize).rename(columns={"Place_name": "Place"})


def plural(n: int, noun: str) -> str:
    """Return "1 incident", "2 incidents"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def save(found: list, db_path: str) -> int:
    """Store every article with its incidents; returns the number of incidents stored."""
    conn = store.connect(db_path)
    try:
        return sum(store.save_article(conn, article, incidents) for article, incidents in found)
    finally:
        conn.close()


st.title("Add articles")
st.caption(
    "Paste the text of a news article or upload files (txt, HTML or JSON Lines). "
    "The incidents found are previewed here and added to the map when you save them."
)
published = st.date_input("Published on (used when the text gives no date)", value=None, format="YYYY-MM-DD")
text = st.text_area("Article text", height=220, key="pasted")
uploads = st.file_uploader("Files", type=UPLOAD_TYPES, accept_multiple_files=True, key="uploads") or []

errors: list[ExtractError] = []
articles = read_articles(text, uploads, published=published.isoformat() if published else None, errors=errors)
for error in errors:
    st.text(f"⚠️ {error}")  # plain text: the message quotes the uploaded file's name

if articles:
    loaded = extractor()
    found = [(article, extract_incidents(article, extractor=loaded)) for article in articles]
    n_found = sum(len(incidents) for _, incidents in found)
    st.subheader(f"{plural(n_found, 'incident')} in {plural(len(articles), 'article')}")
    st.dataframe(preview_table(found), hide_index=True)
    if st.button(f"Save {plural(n_found, 'incident')} to the map", type="primary", key="save"):
        saved = save(found, st.session_state["db_path"])
        st.success(
            f"Saved {plural(saved, 'incident')} from {plural(len(articles), 'article')}. "
            f"The map shows {'it' if saved == 1 else 'them'} now."
        )
