"""Editors' corrections: hide, correct, verify, take down and report, each kept apart from the extracted rows and
written to the append-only audit log; and the incident rows as corrected.

A correction is stored under its target (an incident id, or an article id for a takedown) and field, never in the
extracted rows: re-ingesting an article replaces its rows, and `apply_corrections` lays the corrections over them
again on every read, so no re-ingest or new extractor version undoes an editor's work.

Example:
    conn = store.connect("data/incidents.db")
    hide(conn, "3f2a9c:0", "not_london", editor="sam@example.org")
    rows = apply_corrections(rows, store.iter_corrections(conn))
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from extract import events, store
from extract.geo.geocode import Geocoder
from extract.records import Article, ExtractError, Incident, Place
from extract.text.cues import CrimeType

HIDE_REASONS = {
    "not_london": "Not in London",
    "not_a_crime": "Not a crime",
    "duplicate": "Duplicate of another incident",
    "legal_request": "Legal request",
    "privacy_request": "Privacy request",
}
"""Why an editor hides an incident: code -> label."""
REPORT_REASONS = {
    "wrong_place": "Wrong place on the map",
    "not_london": "Not in London",
    "not_a_crime": "Not a crime",
    "wrong_details": "Wrong type, date or details",
    "duplicate": "Shown twice",
    "privacy": "Private information about someone",
    "other": "Something else",
}
"""What a reader can report about an incident: code -> label."""
ACTIONS = {
    "add": "Added an article",
    "hide": "Hid",
    "unhide": "Showed again",
    "correct_type": "Corrected the type",
    "correct_borough": "Corrected the borough",
    "correct_date": "Corrected the date",
    "correct_place": "Corrected the place",
    "verify": "Marked verified",
    "unverify": "Marked not verified",
    "take_down_text": "Removed the stored text",
    "delete": "Deleted the article",
    "dismiss_report": "Dismissed a problem report",
    "follow_incident": "Moved the corrections with their incident",
    "lost_incident": "Read again without the incident's sentence",
    "drop_correction": "Dropped a correction whose incident is no more",
}
"""Every action the audit log records: code -> label."""
NOTE_CHARS = 500  # a reader's note: room to explain, too little to paste an article in
PLACE_COLUMNS = (
    "location_text",
    "place_name",
    "place_kind",
    "lat",
    "lon",
    "precision",
    "borough",
    "borough_code",
    "geocode_source",
    "candidates",
    "place_start",
    "place_end",
)
"""The incident columns a place correction replaces."""
TEXT_COLUMNS = {
    "headline": None,
    "evidence": "",
    "evidence_start": 0,
    "type_start": None,
    "type_end": None,
    "place_start": None,
    "place_end": None,
}
"""The incident columns a text takedown blanks, with their blank values."""


def hide(conn: store.Connection, incident_id: str, reason: str, *, editor: str, note: str | None = None) -> None:
    """Hide the incident from the map for one of HIDE_REASONS; raises ExtractError for another reason or an unknown
    incident."""
    if reason not in HIDE_REASONS:
        raise ExtractError(f"{reason}: not a reason to hide an incident ({', '.join(HIDE_REASONS)})")
    _change(conn, incident_id, "hidden", {"hidden": reason}, action="hide", editor=editor, reason=note or reason)


def unhide(conn: store.Connection, incident_id: str, *, editor: str, note: str | None = None) -> None:
    """Show a hidden incident again."""
    _change(conn, incident_id, "hidden", None, action="unhide", editor=editor, reason=note)


def correct_type(
    conn: store.Connection, incident_id: str, crime_type: CrimeType, *, editor: str, note: str | None = None
) -> None:
    """Set the incident's type, and with it its police.uk category."""
    values = {"type": crime_type.slug, "category": crime_type.category}
    _change(conn, incident_id, "type", values, action="correct_type", editor=editor, reason=note)


def correct_borough(
    conn: store.Connection, incident_id: str, borough: str, code: str, *, editor: str, note: str | None = None
) -> None:
    """Set the incident's borough (official name and GSS code); its point stays."""
    values = {"borough": borough, "borough_code": code}
    _change(conn, incident_id, "borough", values, action="correct_borough", editor=editor, reason=note)


def correct_date(conn: store.Connection, incident_id: str, day: str, *, editor: str, note: str | None = None) -> None:
    """Set the incident's date (YYYY-MM-DD); raises ExtractError for anything else."""
    try:
        date.fromisoformat(day)
    except ValueError:
        raise ExtractError(f"{day}: not a date (YYYY-MM-DD)") from None
    _change(conn, incident_id, "date", {"date": day}, action="correct_date", editor=editor, reason=note)


def correct_place(
    conn: store.Connection,
    incident_id: str,
    query: str,
    *,
    geocoder: Geocoder,
    editor: str,
    note: str | None = None,
) -> Place:
    """Geocode `query` and make the place found the incident's; returns it, and raises ExtractError when the
    geocoder finds no London place."""
    place = geocoder.geocode(query.strip()) if query.strip() else None
    if place is None:
        raise ExtractError(f"{query}: no London place found")
    values = place_values(place, query.strip())
    _change(conn, incident_id, "place", values, action="correct_place", editor=editor, reason=note)
    return place


def place_values(place: Place, query: str) -> dict[str, Any]:
    """Return the PLACE_COLUMNS of an incident placed at `place` by an editor's `query` (no span in the text)."""
    values = dict.fromkeys(PLACE_COLUMNS)
    values |= {
        "location_text": query,
        "place_name": place.name,
        "place_kind": place.kind,
        "lat": place.lat,
        "lon": place.lon,
        "precision": place.precision,
        "borough": place.borough,
        "borough_code": place.borough_code,
        "geocode_source": place.source,
        "candidates": place.candidates,
    }
    return values


def verify(conn: store.Connection, incident_id: str, *, editor: str, note: str | None = None) -> None:
    """Mark the incident checked by an editor."""
    _change(conn, incident_id, "verified", {"verified": True}, action="verify", editor=editor, reason=note)


def unverify(conn: store.Connection, incident_id: str, *, editor: str, note: str | None = None) -> None:
    """Take back an editor's verified mark."""
    _change(conn, incident_id, "verified", None, action="unverify", editor=editor, reason=note)


def take_down(conn: store.Connection, article_id: str, mode: str, *, editor: str, reason: str) -> None:
    """Remove an article's stored text and keep its incidents (mode "text"), or delete the article and its
    incidents ("delete"), now and after every re-ingest; raises ExtractError for another mode, no reason or an
    unknown article."""
    if mode not in store.TAKEDOWN_MODES:
        raise ExtractError(f"{mode}: not a takedown ({', '.join(store.TAKEDOWN_MODES)})")
    if not reason.strip():
        raise ExtractError(f"{article_id}: a takedown needs a reason")
    if not store.has_article(conn, article_id):
        # An article deleted already may be deleted again, which matches its events again (see below).
        if store.takedown_mode(conn, article_id) is None:
            raise ExtractError(f"{article_id}: no article has that id")
        if mode != "delete":
            raise ExtractError(f"{article_id}: deleted already; only deleting it again applies")
    correction = store.Correction("article", article_id, store.TAKEDOWN, json.dumps({"mode": mode}), editor, _now())
    action = "delete" if mode == "delete" else "take_down_text"
    entry = store.LogEntry(correction.changed_at, editor, action, article_id, None, correction.value, reason.strip())
    store.save_correction(conn, correction, entry)
    # The matching tables kept the article's people and wording: they go too (a failure here leaves the takedown
    # stored and shown; taking it down again matches it again).
    try:
        events.match_taken_down(conn, article_id)
    except (ExtractError, *store.DB_ERRORS) as e:  # a locked database, say: the matcher's lock waits so long
        raise ExtractError(
            f"{article_id}: taken down, but what event matching kept of its text could not be removed ({e}): "
            "take it down again"
        ) from None


def record_added(conn: store.Connection, article: Article, incidents: list[Incident], *, editor: str) -> None:
    """Log that an editor added the article with its incidents (the ids, and the source link given or none)."""
    after = json.dumps({"url": article.url, "incidents": [i.incident_id for i in incidents]})
    store.append_log(conn, store.LogEntry(_now(), editor, "add", article.article_id, None, after, None))


def report_problem(conn: store.Connection, incident_id: str, reason: str, note: str = "") -> int:
    """Store a reader's report about the incident, open, for the editors; returns its number, and raises
    ExtractError for a reason not in REPORT_REASONS or a note longer than NOTE_CHARS."""
    if reason not in REPORT_REASONS:
        raise ExtractError(f"{reason}: not a problem a reader can report ({', '.join(REPORT_REASONS)})")
    if len(note) > NOTE_CHARS:
        raise ExtractError(f"the note is longer than {NOTE_CHARS} characters")
    return store.save_problem_report(conn, store.ProblemReport(incident_id, reason, note.strip(), _now()))


def dismiss_report(conn: store.Connection, report_id: int, *, editor: str, note: str | None = None) -> None:
    """Close a reader's problem report, logged."""
    store.close_problem_report(
        conn, report_id, store.LogEntry(_now(), editor, "dismiss_report", f"report {report_id}", None, None, note)
    )


def apply_corrections(rows: Iterable[Mapping[str, Any]], corrections: Iterable[store.Correction]) -> list[dict]:
    """Return the incident rows (dicts keyed by store.INCIDENT_COLUMNS) as the editors corrected them: hidden
    incidents and deleted articles left out, corrected fields replaced in the order they were made, texts taken
    down blanked, and a `verified` key on each."""
    by_incident: dict[str, list[dict[str, Any]]] = {}
    hidden: set[str] = set()
    verified: set[str] = set()
    takedowns: dict[str, str] = {}
    for c in corrections:
        values = json.loads(c.value)
        if c.kind == "article" and c.field == store.TAKEDOWN:
            takedowns[c.target] = values["mode"]
        elif c.field == "hidden":
            hidden.add(c.target)
        elif c.field == "verified":
            verified.add(c.target)
        elif c.kind == "incident":
            by_incident.setdefault(c.target, []).append(values)
    corrected = []
    for row in rows:
        incident_id, takedown = row["incident_id"], takedowns.get(row["article_id"])
        if incident_id in hidden or takedown == "delete":
            continue
        new = dict(row)
        for values in by_incident.get(incident_id, ()):
            new.update(values)
        if takedown == "text":
            new.update(TEXT_COLUMNS)
        new["verified"] = incident_id in verified
        corrected.append(new)
    return corrected


def _change(
    conn: store.Connection,
    incident_id: str,
    field: str,
    values: dict[str, Any] | None,
    *,
    action: str,
    editor: str,
    reason: str | None,
) -> None:
    """Store (or with `values` None, remove) the incident's correction of `field`, logging the corrected values
    before and after."""
    current = corrected_incident(conn, incident_id)
    if current is None:
        raise ExtractError(f"{incident_id}: no incident has that id")
    columns = list(values) if values is not None else [field]
    before = json.dumps({c: current.get(c) for c in columns})
    now = _now()
    if values is None:
        after = json.dumps(dict.fromkeys(columns))
        entry = store.LogEntry(now, editor, action, incident_id, before, after, reason)
        store.remove_correction(conn, "incident", incident_id, field, entry)
        return
    after = json.dumps(values)
    entry = store.LogEntry(now, editor, action, incident_id, before, after, reason)
    store.save_correction(conn, store.Correction("incident", incident_id, field, after, editor, now), entry)


def corrected_incident(conn: store.Connection, incident_id: str) -> dict | None:
    """Return the stored incident as corrected, with `hidden` (the reason, or None) and `verified`; None when no
    incident has that id."""
    row = store.incident_by_id(conn, incident_id)
    if row is None:
        return None
    own = [c for c in store.iter_corrections(conn) if c.kind == "incident" and c.target == incident_id]
    hidden = next((json.loads(c.value)["hidden"] for c in own if c.field == "hidden"), None)
    found = apply_corrections([row], [c for c in own if c.field != "hidden"])
    return (found[0] | {"hidden": hidden}) if found else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
