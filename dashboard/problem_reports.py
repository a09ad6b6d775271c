"""The readers' "Report a problem" form in an incident's details: a reason and an optional note, stored for the
editors as a flag (extract.corrections.report_problem) and never published. In an hour a session sends at most
REPORTS_PER_WINDOW, a network address REPORTS_PER_ADDRESS (its sessions together) and the whole server
REPORTS_PER_SERVER: a script opening a new session for each report is held by the other two.

A report is the one thing a reader writes; it needs no account.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence

import streamlit as st

from dashboard import data
from dashboard.display import escape_markdown
from extract import corrections
from extract.records import ExtractError

REPORTS_PER_WINDOW = 3  # a reader rarely has more to say in an hour
REPORTS_PER_ADDRESS = 10  # an office or a household shares one address; a reload is a new session, not a new reader
REPORTS_PER_SERVER = 200  # beyond a day's work for the editors: a flood from many addresses stops here
REPORT_WINDOW_SECONDS = 60 * 60
FORM = "report_form"  # the form's key; its widgets' keys are report_reason, report_note and report_send


def reports_allowed(
    sent: Sequence[float], now: float, *, limit: int = REPORTS_PER_WINDOW, window: float = REPORT_WINDOW_SECONDS
) -> bool:
    """Return whether one more report may be sent at `now`, given when this session sent its earlier ones."""
    return sum(1 for moment in sent if now - moment < window) < limit


class SentReports:
    """When this server's sessions sent their reports, and from which address (None when unknown: a reader on the
    server's own machine), for the limits beyond one session. Safe to share between sessions' threads."""

    def __init__(self) -> None:
        self._sent: list[tuple[float, str | None]] = []
        self._lock = threading.Lock()

    def take(self, address: str | None, now: float, *, window: float = REPORT_WINDOW_SECONDS) -> bool:
        """Count one more report from `address` at `now` and return True, or return False when the address or the
        server has sent its limit within the window. A report counted and then not stored still counts: a failing
        database is not tried again and again."""
        with self._lock:
            self._sent = [(moment, a) for moment, a in self._sent if now - moment < window]
            mine = sum(1 for _, a in self._sent if a == address) if address is not None else 0
            if len(self._sent) >= REPORTS_PER_SERVER or mine >= REPORTS_PER_ADDRESS:
                return False
            self._sent.append((now, address))
            return True


@st.cache_resource(show_spinner=False)
def sent_reports() -> SentReports:
    """The server's SentReports, one for all its sessions."""
    return SentReports()


def report_problem_form(about: Mapping[str, str]) -> None:
    """Show the form that flags one of the incidents `about` ({incident id: its headline}, the one shown first
    first) for the editors, and store what is sent within the session's limit; with several, the reader picks
    which."""
    with st.expander("Report a problem"):
        with st.form(FORM, clear_on_submit=True, border=False):
            ids = list(about)
            incident_id = ids[0]
            if len(ids) > 1:  # a marker holding several incidents, or an incident told by several reports
                incident_id = st.selectbox(
                    "About which report?",
                    ids,
                    format_func=lambda i: about[i] if isinstance(about[i], str) and about[i] else i,
                    key="report_incident",
                )
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
    if not sent_reports().take(data.client_address(), now):
        st.warning("Many reports have been sent in the last hour. Please wait a while before sending another.")
        return
    try:
        data.report_problem(data.database_path(), incident_id, reason, note or "")
    except ExtractError as e:
        st.error(f"The report could not be stored: {escape_markdown(e)}")
        return
    sent.append(now)
    st.success("Thank you: the editors will look at it.")
