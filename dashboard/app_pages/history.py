"""The History page, for editors: the audit log, newest first; every addition, correction, takedown and dismissed
report with who made it, when, the values before and after, and the reason given. The log is append-only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.display import plural
from extract import corrections, store

LOG_ROWS = 5_000  # the newest; the whole log stays in the audit_log table

COLUMNS = {
    "at": "When (UTC)",
    "editor": "Who",
    "action": "What",
    "target": "Incident or article",
    "before": "Before",
    "after": "After",
    "reason": "Reason",
}


def log_table(entries: list[store.LogEntry]) -> pd.DataFrame:
    """Return the log entries as the page shows them: labelled columns, actions by their label."""
    table = pd.DataFrame([[getattr(e, c) for c in COLUMNS] for e in entries], columns=list(COLUMNS))
    table["action"] = table["action"].map(lambda a: corrections.ACTIONS.get(a, a))
    table["at"] = table["at"].str.replace("T", " ").str.slice(0, 19)
    return table.rename(columns=COLUMNS)


auth.require_editor()
st.title("History")
conn = store.connect(data.database_path())
try:
    entries = [entry for _, entry in zip(range(LOG_ROWS), store.iter_log(conn))]
finally:
    conn.close()
st.caption(f"{plural(len(entries), 'change')}, newest first. The log is append-only: nothing in it can be edited.")
st.dataframe(log_table(entries), hide_index=True)
