"""The London crime map from the news: incidents read from articles, on a map of London, filtered and shareable.

The entry point: page config, the database (built from seeds/ on the first run), and the pages.

Example:
    streamlit run dashboard/app.py                        # data/incidents.db, built from seeds/ when missing
    streamlit run dashboard/app.py -- --db other.db       # or INCIDENTS_DB=other.db streamlit run ...
"""

from pathlib import Path

import streamlit as st

from dashboard import data

PAGES = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="London crime map from the news", page_icon=":material/map:", layout="wide")
db_path = data.database_path()
if not db_path.exists():
    with st.spinner("First run: building the incidents database from seeds/ …"):
        data.build_database(str(db_path))
st.navigation(
    [
        st.Page(PAGES / "map.py", title="Map", icon=":material/map:", default=True),
        st.Page(PAGES / "recorded.py", title="News vs recorded", icon=":material/compare_arrows:"),
        st.Page(PAGES / "add_articles.py", title="Add articles", icon=":material/post_add:"),
        st.Page(PAGES / "sources.py", title="Sources", icon=":material/rss_feed:"),
    ]
).run()
