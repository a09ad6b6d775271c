"""The Review page, for editors: what needs a look, each row linking to its fix, and the fixes themselves.

The list: problems readers reported, articles that gave no incident (with the extractor's reason), and incidents
placed coarsely or among many places of the same name, not yet verified. `?incident=ID` opens an incident's fix
(hide, correct type, borough, date or place, verify, dismiss its reports); `?article=ID` an article's takedown.
Every fix goes through extract.corrections, so it is kept apart from the extracted rows and logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.display import details_facts, details_heading, escape_markdown, highlighted_evidence, safe_url
from dashboard.filters import load_type_labels
from extract import corrections, store
from extract.geo.gazetteer import BOROUGHS
from extract.records import REASONS, ExtractError, Reason

PAGE = "app_pages/review.py"
LIST_ROWS = 50  # per list; the rest wait until these are fixed
FIX_WIDGETS = ("fix_note", "hide_why", "fix_type", "fix_borough", "fix_date", "fix_place")  # an incident's fix
FIX_VALUES = ("type", "borough", "date", "place_name", "hidden", "verified")  # what they start from, or follow
TAKEDOWN_WIDGETS = ("takedown_mode", "takedown_reason")  # an article's takedown
TAKEDOWN_LABELS = {
    "text": "Remove the stored text (headline and evidence), keep the incidents",
    "delete": "Delete the article and its incidents",
}


def fix_link(label: str, **params: str) -> None:
    """Show a link to this page with one row's fix open; it stays in the session, so the editor stays signed in."""
    st.page_link(PAGE, label=escape_markdown(label), query_params=params, icon=":material/build:")


def reason_text(code: object) -> str:
    """Return the extractor's reason code with its meaning, or say that none was recorded."""
    return f"{code}: {REASONS[Reason(code)]}" if isinstance(code, str) and code in set(Reason) else "no reason recorded"


def write(action: Callable[[store.Connection], object], done: str) -> None:
    """Run one correction on the database and say what happened; a refused one shows why."""
    conn = store.connect(data.database_path())
    try:
        action(conn)
    except ExtractError as e:
        st.error(escape_markdown(str(e)))
        return
    finally:
        conn.close()
    # Kept with the fix it answers, not popped on the next run: the address bar's write-back can cause one more
    # rerun at once, which would clear a message shown only once.
    st.session_state[data.REVIEW_DONE] = (done, fix_target())
    st.rerun()  # the incident shows as it now is


def fix_target() -> tuple[str | None, str | None]:
    """Return the incident and article this run's address opens for a fix (None, None on the list)."""
    return st.query_params.get("incident"), st.query_params.get("article")


def show_reports(reports: list[store.ProblemReport], headlines: Mapping[str, str]) -> None:
    """List the readers' open problem reports, each linking to its incident's fix."""
    st.subheader(f"Reported by readers ({len(reports)})")
    if not reports:
        st.caption("No open reports.")
    for report in reports[:LIST_ROWS]:
        label = corrections.REPORT_REASONS.get(report.reason, report.reason)
        fix_link(f"{headlines.get(report.incident_id) or report.incident_id} · {label}", incident=report.incident_id)
        if report.note:
            st.caption(escape_markdown(report.note))


def show_articles(articles: list[tuple]) -> None:
    """List the articles that gave no incident with the extractor's reason, each linking to its takedown."""
    st.subheader(f"Articles that gave no incident ({len(articles)})")
    if not articles:
        st.caption("None.")
    for row in articles[:LIST_ROWS]:
        article = dict(zip(store.NO_INCIDENT_COLUMNS, row))
        label = f"{article['headline'] or article['source']} · {reason_text(article['reason'])}"
        fix_link(label, article=article["article_id"])


def show_uncertain(count: int, listed: pd.DataFrame, type_labels: Mapping[str, str]) -> None:
    """List the first uncertain incidents (data.uncertain_places), of `count`, each linking to its fix."""
    st.subheader(f"Coarse or uncertain places ({count})")
    if listed.empty:
        st.caption("None.")
    headlines = data.texts_of(data.database_path(), listed.index, public_view=False, whole=listed)["headline"]
    for (incident_id, row), headline in zip(listed.iterrows(), headlines):
        place = row["place_name"] if isinstance(row["place_name"], str) else "no place"
        precision = row["precision"] if isinstance(row["precision"], str) else "no"
        title = headline or type_labels.get(row["type"], row["type"])
        fix_link(f"{title} · {place} ({precision} precision)", incident=str(incident_id))


def fix_incident(incident_id: str, editor: auth.Editor, type_labels: Mapping[str, str]) -> None:
    """Show one incident in full with its open reports, and the corrections an editor can make to it."""
    conn = store.connect(data.database_path())
    try:
        incident = corrections.corrected_incident(conn, incident_id)
        reports = [r for r in store.iter_problem_reports(conn) if r.incident_id == incident_id]
    finally:
        conn.close()
    # The widgets keep what they were last set to: a fix of another incident, or of this one since changed, shows
    # its own values, not the ones the editor left (which the next button would write).
    shown_as = (incident_id, *(incident[k] for k in FIX_VALUES)) if incident is not None else (incident_id,)
    if st.session_state.get(data.FIX_SHOWN) != shown_as:
        for key in FIX_WIDGETS:
            st.session_state.pop(key, None)
        st.session_state[data.FIX_SHOWN] = shown_as
    if incident is None:
        # Its article deleted, say: the readers' reports of it can still be dismissed.
        st.warning("No incident has that id; its article may have been deleted.")
    else:
        incident = {**incident, "headline": incident["headline"] or "", "evidence": incident["evidence"] or ""}
        st.markdown(details_heading(incident))
        st.markdown(details_facts(incident, type_labels))
        st.markdown(highlighted_evidence(incident))
        hidden = incident["hidden"]
        shown = f"hidden ({corrections.HIDE_REASONS.get(hidden, hidden)})" if hidden else "shown on the map"
        verified = "verified" if incident["verified"] else "not verified"
        st.caption(f"Incident {escape_markdown(incident_id)}: {shown}, {verified}.")
    note = st.text_input("Note for the log (optional)", key="fix_note") or None
    who = editor.name

    for report in reports:
        label = corrections.REPORT_REASONS.get(report.reason, report.reason)
        st.info(f"Reported: {label}. {escape_markdown(report.note)}")
        if st.button("Dismiss this report", key=f"dismiss_{report.report_id}"):
            dismiss = partial(corrections.dismiss_report, report_id=int(report.report_id or 0), editor=who, note=note)
            write(dismiss, "Report dismissed.")
    if incident is None:
        return

    hide_column, verify_column = st.columns(2)
    with hide_column:
        if hidden:
            if st.button("Show on the map again", key="unhide"):
                write(lambda c: corrections.unhide(c, incident_id, editor=who, note=note), "Shown on the map again.")
        else:
            reason: str = st.selectbox(
                "Hide because",
                list(corrections.HIDE_REASONS),
                format_func=corrections.HIDE_REASONS.__getitem__,
                key="hide_why",
            )
            if st.button("Hide from the map", key="hide"):
                write(lambda c: corrections.hide(c, incident_id, reason, editor=who, note=note), "Hidden.")
    with verify_column:
        if incident["verified"]:
            if st.button("Mark not verified", key="unverify"):
                write(lambda c: corrections.unverify(c, incident_id, editor=who, note=note), "Marked not verified.")
        elif st.button("Mark verified", key="verify"):
            write(lambda c: corrections.verify(c, incident_id, editor=who, note=note), "Marked verified.")

    st.subheader("Correct")
    extractor = data.extractor()
    types = extractor.vocab.types
    type_column, borough_column = st.columns(2)
    with type_column:
        slugs = list(types)
        slug = st.selectbox(
            "Type",
            slugs,
            index=slugs.index(incident["type"]) if incident["type"] in slugs else 0,
            format_func=lambda t: type_labels.get(t, t),
            key="fix_type",
        )
        if st.button("Correct the type", key="correct_type"):
            write(lambda c: corrections.correct_type(c, incident_id, types[slug], editor=who, note=note), "Corrected.")
    with borough_column:
        codes = {name: code for code, name in extractor.gazetteer.borough_names.items()}
        borough = st.selectbox(
            "Borough",
            BOROUGHS,
            index=BOROUGHS.index(incident["borough"]) if incident["borough"] in BOROUGHS else 0,
            key="fix_borough",
        )
        if st.button("Correct the borough", key="correct_borough"):
            code = codes.get(borough, "")
            write(
                lambda c: corrections.correct_borough(c, incident_id, borough, code, editor=who, note=note),
                "Corrected.",
            )
    date_column, place_column = st.columns(2)
    with date_column:
        day = st.date_input("Date", value=_day(incident["date"]), format="YYYY-MM-DD", key="fix_date")
        if st.button("Correct the date", key="correct_date") and isinstance(day, date):
            iso = day.isoformat()
            write(lambda c: corrections.correct_date(c, incident_id, iso, editor=who, note=note), "Corrected.")
    with place_column:
        query = st.text_input("Place, searched in the offline gazetteer", key="fix_place")
        if st.button("Find and set the place", key="correct_place"):
            geocoder = extractor.geocoder
            write(
                lambda c: corrections.correct_place(c, incident_id, query, geocoder=geocoder, editor=who, note=note),
                "Corrected.",
            )
    fix_link("Take down its article", article=str(incident["article_id"]))


def fix_article(article_id: str, editor: auth.Editor) -> None:
    """Show one article and its takedown: its stored text removed (incidents kept), or all of it deleted."""
    conn = store.connect(data.database_path())
    try:
        article = store.article_by_id(conn, article_id)
    finally:
        conn.close()
    if st.session_state.get(data.FIX_SHOWN) != ("article", article_id):  # another article's reason is not this one's
        for key in TAKEDOWN_WIDGETS:
            st.session_state.pop(key, None)
        st.session_state[data.FIX_SHOWN] = ("article", article_id)
    if article is None:
        st.warning("No article has that id; it may have been deleted.")
        return
    link = safe_url(article["url"])
    title = escape_markdown(article["headline"] or article["source"] or article_id)
    st.markdown(f"#### [{title}]({link})" if link else f"#### {title}")
    facts = f"{article['n_incidents']} incidents · {reason_text(article['reason'])} · read from {article['source']}"
    st.caption(escape_markdown(facts))
    mode = st.radio("Takedown", list(TAKEDOWN_LABELS), format_func=TAKEDOWN_LABELS.get, key="takedown_mode")
    why = st.text_input("Reason (required; kept in the log)", key="takedown_reason")
    if st.button("Take down", key="take_down", type="primary"):
        done = "Its text is removed; the incidents stay." if mode == "text" else "Deleted."
        write(lambda c: corrections.take_down(c, article_id, mode, editor=editor.name, reason=why), done)


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


editor = auth.require_editor()
st.title("Review")
done = st.session_state.get(data.REVIEW_DONE)
if done and done[1] == fix_target():
    st.success(done[0])
type_labels = load_type_labels()
incident, article = st.query_params.get("incident"), st.query_params.get("article")
if incident or article:
    # A page link's parameters reach this run but not the browser's address bar; written back, they stay for the
    # reruns the fix's widgets cause, and the address is a link to this fix.
    st.query_params.from_dict({"incident": incident} if incident else {"article": article or ""})
    st.page_link(PAGE, label="Back to the review list", icon=":material/arrow_back:")
    if incident:
        fix_incident(incident, editor, type_labels)
    elif article:
        fix_article(article, editor)
else:
    st.caption("Each row links to its fix. Every change is kept apart from the extracted data and logged in History.")
    db_path = data.database_path()
    conn = store.connect(db_path)
    try:
        reports = list(store.iter_problem_reports(conn))
        headlines = {r.incident_id: (store.incident_by_id(conn, r.incident_id) or {}).get("headline") for r in reports}
        articles = list(store.iter_articles_without_incidents(conn))
    finally:
        conn.close()
    show_reports(reports, {k: v for k, v in headlines.items() if v})
    show_articles(articles)
    show_uncertain(*data.uncertain_places(db_path, LIST_ROWS), type_labels)
