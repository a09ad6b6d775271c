"""The readers' "Report a problem" form in an incident's details: a reason and an optional note, stored for the
editors as a flag (extract.corrections.report_problem) and never published; REPORTS_PER_WINDOW per session at most.

A report is the one thing a reader writes; it needs no account.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import streamlit as st

from dashboard import data
from dashboard.display import escape_markdown
from extract import corrections
from extract.records import ExtractError

REPORTS_PER_WINDOW = 3  # a reader rarely has more to say in an hour; a script gets no further
REPORT_WINDOW_SECONDS = 60 * 60
FORM = "report_form"  # the form's key; its widgets' keys are report_reason, report_note and report_send


def reports_allowed(
    sent: Sequence[float], now: float, *, limit: int = REPORTS_PER_WINDOW, window: float = REPORT_WINDOW_SECONDS
) -> bool:
    """Return whether one more report may be sent at `now`, given when this session sent its earlier ones."""
    return sum(1 for moment in sent if now - moment < window) < limit


def report_problem_form(incident_id: str) -> None:
    """Show the form that flags `incident_id` for the editors, and store what is sent within the session's limit."""
    with st.expander("Report a problem"):
        with st.form(FORM, clear_on_submit=True, border=False):
            reason = st.selectbox(
                "What is wrong?",
                list(corrections.REPORT_REASONS),
                format_func=corrections.REPORT_REASONS.__getitem__,
                key="report_reason",
            )
            note = st.text_area("Note (optional)", max_chars=corrections.NOTE_CHARS, key="report_note")
            send = st.form_submit_button("Send report", key="report_send")
        st.caption("Reports go to the editors only; nothing you send is published.")
    if not send:
        return
    now = time.monotonic()
    sent = st.session_state.setdefault(data.REPORTS_SENT, [])
    if not reports_allowed(sent, now):
        st.warning("You have sent several reports in the last hour. Please wait a while before sending another.")
        return
    try:
        data.report_problem(data.database_path(), incident_id, reason, note or "")
    except ExtractError as e:
        st.error(f"The report could not be stored: {escape_markdown(e)}")
        return
    sent.append(now)
    st.success("Thank you: the editors will look at it.")
