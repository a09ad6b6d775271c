"""The London crime map from the news: incidents read from articles, on a map of London, filtered and shareable.

The entry point: page config, the database (built from seeds/ on the first run), and the pages.

Example:
    streamlit run dashboard/app.py                        # data/incidents.db, built from seeds/ when missing
    streamlit run dashboard/app.py -- --db other.db       # or INCIDENTS_DB=other.db streamlit run ...
"""

from pathlib import Path

import streamlit as st

from dashboard import auth, data
from dashboard.display import escape_markdown
from extract import columnar

PAGES = Path(__file__).resolve().parent / "app_pages"

# An emoji icon is drawn in the page; a :material/...: one is fetched from fonts.gstatic.com, a third party.
st.set_page_config(page_title="London crime map from the news", page_icon="🗺️", layout="wide")
db_path = data.database_path()
if isinstance(db_path, Path) and not db_path.exists():
    with st.spinner("First run: building the incidents database from seeds/ …"):
        problem = data.seed_database(db_path)
    if problem:
        st.error(escape_markdown(problem))
        st.stop()
# A database that cannot be read is one message here, not a traceback on whichever page opens first.
if problem := data.database_problem(db_path):
    st.error(escape_markdown(problem))
    st.stop()
# Schema migrations run whoever opens the page: read-only is for people, not for the server.
if problem := data.upgrade_database(str(db_path)):
    st.error(escape_markdown(f"The database could not be upgraded to this version of the code: {problem}"))
# Readers never get the editors' pages: a link to one opens the map instead (auth.require_editor guards each too).
editor = auth.current_editor()
editing = [
    st.Page(PAGES / "add_articles.py", title="Add articles", icon=":material/post_add:"),
    st.Page(PAGES / "review.py", title="Review", icon=":material/fact_check:"),
    st.Page(PAGES / "history.py", title="History", icon=":material/history:"),
]
sign_in = [st.Page(PAGES / "sign_in.py", title="Editor sign-in", icon=":material/login:", url_path="sign_in")]
pages = {
    "": [
        st.Page(PAGES / "map.py", title="Map", icon=":material/map:", default=True),
        st.Page(PAGES / "recorded.py", title="News vs recorded", icon=":material/compare_arrows:"),
        st.Page(PAGES / "sources.py", title="Sources", icon=":material/rss_feed:"),
    ]
}
if editors := (editing if editor else []) + (sign_in if auth.sign_in_method() not in (None, "local") else []):
    pages["Editors"] = editors
st.navigation(pages).run()
# Each run's thread allocates in an arena of its own, which keeps what the run freed: handed back, a server's memory
# stays what its frames hold rather than the sum of its runs' peaks.
data.hand_back_memory()
# The kept copy of rows read in this run is written now that the page is drawn, not while its frames were made.
columnar.write_copies()
