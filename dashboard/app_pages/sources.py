"""The Sources page: one row per news feed `watch` polls, with its last success, the items and incidents it gave and
its last error, read from the database only (nothing is fetched from here)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.display import plural, updated_ago

COLUMNS = {
    "outlet": "Outlet",
    "last_success": "Last success",
    "items": "Items",
    "incidents": "Incidents",
    "last_error": "Last error",
    "url": "Feed",
}
WATCH_COMMAND = 'crimemap watch --every 15m --user-agent "crimemap (you@example.org)"'


def sources_table(sources: pd.DataFrame) -> pd.DataFrame:
    """Return the feeds as the page shows them: labelled columns, times to the minute in UTC, "never" for none."""
    table = sources[list(COLUMNS)].rename(columns=COLUMNS)
    table["Last success"] = [
        f"{moment[:10]} {moment[11:16]} UTC" if isinstance(moment, str) else "never" for moment in table["Last success"]
    ]
    table["Last error"] = table["Last error"].fillna("")
    return table


sources = data.feed_sources(data.database_path())
updated = data.last_update(data.database_path())

st.title("Sources")
st.caption(
    "The news feeds the map follows, as `crimemap watch` last polled them. Items are the feed entries read; "
    "incidents, those found in the articles they gave."
)
if sources.empty:
    st.info(f"No news feed has been polled into this database yet. To follow the London feeds: `{WATCH_COMMAND}`")
else:
    failing = int(sources["last_error"].notna().sum())
    summary = plural(len(sources), "feed") + (f", {failing:,} with an error" if failing else "")
    st.subheader(summary)
    if updated:
        st.caption(updated_ago(updated))
    st.dataframe(sources_table(sources), hide_index=True, column_config={"Feed": st.column_config.LinkColumn("Feed")})
