"""What the pages show of incidents, as plain values: escaped markdown, safe links, tables and download texts.

Every text here comes from articles, so it is untrusted: markdown is escaped, links are http(s) only, and tables
hand text to the grid, which draws it as text.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pandas as pd

from dashboard.events_view import REPORT_IDS, REPORTS
from dashboard.maps import Shade, quoted_excerpt
from extract import exports, store
from extract.records import Article, Incident, is_link

MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character may be escaped
WHITESPACE = re.compile(r"\s+")
# GitHub-flavoured markdown links URLs, www. names and e-mail addresses found in text once escapes are resolved
# (https://github.com/syntax-tree/mdast-util-gfm-autolink-literal): a word joiner inside each keeps it plain text.
AUTOLINK_TRIGGERS = re.compile(r"(?<=http)(?=s?://)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"
NOTICES_SHOWN = 5  # dropped link values quoted in the one notice; a crafted link may drop thousands
URL_SAFE = ":/?#[]@!$&'*+,;=%~-._"  # reserved and unreserved URL characters; the rest (spaces, ( ) < >) is encoded
HIGHLIGHTS = {"place": "blue", "type": "orange"}
YES_NO = {1: "yes", 0: "no"}
MISSING = "—"  # what a table cell shows for a fact not known
PREVIEW_COLUMNS = {
    "headline": "Headline",
    "type": "Type",
    "category": "Category",
    "place_name": "Place",
    "precision": "Precision",
    "borough": "Borough",
    "date": "Date",
    "fatal": "Fatal",
    "weapon": "Weapon",
    "evidence": "Evidence",
}
REPORT_EXPORT_COLUMNS = (*store.INCIDENT_COLUMNS, "event_id")
"""A report download's columns: an incident row, with the event it belongs to (as `ingest --out` writes it)."""
EVENT_EXPORT_COLUMNS = (*REPORT_EXPORT_COLUMNS, REPORTS, "urls")
"""An event download's columns: the event row, its number of reports and every source link (a list in GeoJSON,
separated by spaces in CSV: a link holds none)."""


def escape_markdown(text: object) -> str:
    """Return `text` as markdown that renders literally: punctuation escaped, whitespace runs made one space, and
    no URL, www. name or e-mail address turned into a link."""
    plain = AUTOLINK_TRIGGERS.sub(WORD_JOINER, WHITESPACE.sub(" ", str(text)))
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", plain)


def link_notice(notices: Sequence[str]) -> str | None:
    """Return the one notice of what a link held that was dropped: the first NOTICES_SHOWN, then how many more;
    None when nothing was."""
    if not notices:
        return None
    more = len(notices) - NOTICES_SHOWN
    shown = "; ".join(escape_markdown(notice) for notice in notices[:NOTICES_SHOWN])
    return f"Ignored in the link: {shown}" + (f"; and {more:,} more" if more > 0 else "")


def safe_url(url: object) -> str | None:
    """Return an http(s) link (records.is_link) with markdown-breaking characters percent-encoded, or None for
    anything else: a store written before ingest dropped other URLs may hold them."""
    if not isinstance(url, str) or not is_link(url):
        return None
    return quote(url.strip(), safe=URL_SAFE)


def outlet(url: object) -> str | None:
    """Return the outlet a source link names: its host without "www.", None without a safe link."""
    try:
        host = urlsplit(safe_url(url) or "").hostname
    except ValueError:  # a malformed address such as "http://[::1"
        return None
    return host.removeprefix("www.") if host else None


def plural(n: int, noun: str) -> str:
    """Return the count with its noun: "1 incident", "2,000 incidents"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def updated_ago(moment: str, now: datetime | None = None) -> str:
    """Return how long ago the ISO time `moment` was, as "Updated 5 minutes ago" (hours past two hours, days past
    two days); `now` defaults to the current time."""
    minutes = int(((now or datetime.now(UTC)) - datetime.fromisoformat(moment)).total_seconds() // 60)
    if minutes < 1:
        return "Updated just now"
    if minutes < 120:
        return f"Updated {plural(minutes, 'minute')} ago"
    if minutes < 48 * 60:
        return f"Updated {plural(minutes // 60, 'hour')} ago"
    return f"Updated {plural(minutes // (24 * 60), 'day')} ago"


def be(n: int) -> str:
    """Return the verb that agrees with a count: "is" for 1, "are" otherwise."""
    return "is" if n == 1 else "are"


def details_heading(row: Mapping) -> str:
    """Return the markdown heading of an incident's details: its headline (or evidence), linked to a safe source."""
    return f"#### {linked_headline(row)}"


def linked_headline(row: Mapping) -> str:
    """Return a report's headline (or the start of its evidence) as escaped markdown, linked to a safe source."""
    headline = escape_markdown(row["headline"] or quoted_excerpt(row["evidence"]))
    url = safe_url(row["url"])
    return f"[{headline}]({url})" if url else headline


def report_source(row: Mapping, *, headline: bool = True) -> str:
    """Return the line naming one report of an event: outlet, publication date and (with `headline`) its headline
    linked to a safe source, escaped."""
    found = outlet(row["url"])
    parts = [f"**{escape_markdown(found)}**" if found else "Source unknown"]
    if isinstance(row["published"], str) and row["published"]:
        parts.append(f"published {escape_markdown(row['published'])}")
    return " · ".join([*parts, linked_headline(row)] if headline else parts)


def details_facts(row: Mapping, type_labels: Mapping[str, str]) -> str:
    """Return an incident's facts (date, type, place, fatal, weapon, victim ages, arrests) as an escaped list."""
    place = row["place_name"] if isinstance(row["place_name"], str) else row["location_text"]
    precision = f" ({row['precision']}, {row['borough'] or 'London'})" if isinstance(row["precision"], str) else ""
    facts = {
        "Date": row["date"] if isinstance(row["date"], str) else "unknown",
        "Type": f"{type_labels.get(row['type'], row['type'])} ({row['category']})",
        "Place": f"{place or 'unknown'}{precision}",
        "Fatal": YES_NO.get(row["fatal"], "unknown"),
        "Weapon": row["weapon"] if isinstance(row["weapon"], str) else "unknown",
        "Victim ages": ", ".join(str(a) for a in victim_ages(row["victim_ages"])) or "unknown",
        "Arrests": str(int(row["arrests"])) if pd.notna(row["arrests"]) else "unknown",
    }
    return "\n".join(f"- **{label}:** {escape_markdown(value)}" for label, value in facts.items())


def highlighted_evidence(row: Mapping) -> str:
    """Return the evidence sentence as escaped markdown, the place and the type highlighted where offsets allow."""
    evidence, start = str(row["evidence"] or ""), int(row["evidence_start"] or 0)
    spans: list[tuple[str, int, int]] = []
    for kind in HIGHLIGHTS:
        first, last = row[f"{kind}_start"], row[f"{kind}_end"]
        if pd.isna(first) or pd.isna(last):
            continue
        first, last = int(first) - start, int(last) - start
        # Offsets point into the article; a span outside this sentence (or overlapping the other) is not shown.
        if 0 <= first < last <= len(evidence) and all(last <= s or first >= e for _, s, e in spans):
            spans.append((kind, first, last))
    parts, at = [], 0
    for kind, first, last in sorted(spans, key=lambda s: s[1]):
        highlighted = escape_markdown(evidence[first:last])
        parts += [escape_markdown(evidence[at:first]), f":{HIGHLIGHTS[kind]}-background[{highlighted}]"]
        at = last
    parts.append(escape_markdown(evidence[at:]))
    return "> " + "".join(parts) if evidence else "_No evidence sentence._"


def victim_ages(stored: object) -> list[int]:
    """Return the victim ages from their stored JSON list; anything malformed gives []."""
    try:
        ages = json.loads(stored) if isinstance(stored, str) else []
    except ValueError:
        return []
    return [a for a in ages if isinstance(a, int)] if isinstance(ages, list) else []


# What a table's Source column shows of a link: the outlet's host, not the address, whose slug often names the people
# of the story (the page masks their names for readers); the link itself leads to the article. (A JS regular
# expression: Streamlit shows its first group.)
SOURCE_SHOWN = r"^https?://(?:www\.)?([^/:?#]+)"


def incident_table(shown: pd.DataFrame, type_labels: Mapping[str, str]) -> pd.DataFrame:
    """Return the filtered incidents as the table shows them: the start of the evidence for a missing headline (as
    on the map), MISSING for any other fact not known, only safe links in Source (empty without one); events
    (dashboard.events_view) also show their number of reports, and Source is their lead report's."""
    table = pd.DataFrame(
        {
            "Date": shown["date"],
            "Headline": shown["headline"].where(shown["headline"].str.len() > 0, shown["evidence"].map(quoted_excerpt)),
            "Type": shown["type"].map(lambda t: type_labels.get(t, t)),
            "Category": shown["category"],
            "Place": shown["place_name"].fillna(shown["location_text"]),
            "Borough": shown["borough"],
            "Precision": shown["precision"],
            "Fatal": shown["fatal"].map(YES_NO),
            "Weapon": shown["weapon"],
            "Source": shown["url"].map(safe_url),
        }
    )
    facts = table.columns.drop("Source")
    table[facts] = table[facts].astype(object).where(table[facts].notna(), MISSING)
    if REPORTS in shown:
        table.insert(len(table.columns) - 1, "Reports", shown[REPORTS])
    return table


def table_incident(event: object, ids: Sequence[str]) -> str | None:
    """Return the incident of the row selected in a dataframe selection event (`{"selection": {"rows": [i]}}`), the
    rows being `ids`; None when none is."""
    selection = event.get("selection") if isinstance(event, Mapping) else None
    rows = (selection.get("rows") if isinstance(selection, Mapping) else None) or []
    return ids[rows[0]] if rows and isinstance(rows[0], int) and 0 <= rows[0] < len(ids) else None


def undrawn_note(london_only: int, no_place: int, *, noun: str = "incident") -> str | None:
    """Return what the map leaves out: the incidents (or reports: `noun`) placed only as "London" and those without
    a place."""
    parts = [f"{plural(london_only, noun)} placed only as London"] if london_only else []
    parts += [f"{plural(no_place, noun)} without a place"] if no_place else []
    if not parts:
        return None
    return f"{' and '.join(parts)} {be(london_only + no_place)} in the table, not on the map."


def count_line(n: int, *, km: float | None = None, place: str | None = None, noun: str = "incident") -> str:
    """Return the heading that counts the incidents (or reports: `noun`) shown, "within 1 km of <place>" (escaped)
    for a place search."""
    counted = plural(n, noun)
    return f"{counted} within {km:g} km of {escape_markdown(place)}" if place is not None and km else counted


def shade_label(shade: Shade, *, whole: bool) -> str:
    """Return the range of a shaded map's class as its legend says it: "4–7" for counts (`whole`), "3.3–16" else."""
    if whole:
        low = int(shade.low) + 1 if shade.low is not None else 1
        high = int(shade.high)
        return f"{low:,}" if low >= high else f"{low:,}–{high:,}"
    return f"up to {shade.high:,g}" if shade.low is None else f"{shade.low:,g}–{shade.high:,g}"


def preview_table(found: Iterable[tuple[Article, list[Incident]]]) -> pd.DataFrame:
    """Return one row per incident found in the articles, as Add articles previews them before saving."""
    rows = [store.incident_row(incident) for _, incidents in found for incident in incidents]
    frame = pd.DataFrame(rows, columns=list(PREVIEW_COLUMNS))
    frame["fatal"] = frame["fatal"].map(YES_NO)
    return frame.rename(columns=PREVIEW_COLUMNS)


def share_link(page_url: str, params: Mapping[str, list[str]]) -> str:
    """Return the link to a view: the page's URL (empty when the browser did not tell it) and the parameters."""
    query = urlencode(params, doseq=True, quote_via=quote)
    return page_url + (f"?{query}" if query else "")


def csv_download(shown: pd.DataFrame, *, reports: pd.DataFrame | None = None) -> str:
    """Return the rows shown as CSV (run when the download button is pressed): reports (REPORT_EXPORT_COLUMNS), or
    events (EVENT_EXPORT_COLUMNS) when `reports` holds the reports they are made of."""
    return _download(shown, reports, ".csv")


def geojson_download(shown: pd.DataFrame, *, reports: pd.DataFrame | None = None) -> str:
    """Return the rows shown as GeoJSON text (run when the download button is pressed), as `csv_download` does."""
    return _download(shown, reports, ".geojson")


def _download(shown: pd.DataFrame, reports: pd.DataFrame | None, suffix: str) -> str:
    """Write the rows with extract.exports, the one writer of incident files, and return the text."""
    columns = REPORT_EXPORT_COLUMNS if reports is None else EVENT_EXPORT_COLUMNS
    frame = shown.reindex(columns=list(REPORT_EXPORT_COLUMNS)).astype(object)
    rows = frame.where(frame.notna(), None).to_dict("records")  # exports takes None, not NaN, for what is missing
    if reports is not None:
        url_of = dict(zip(reports.index, reports["url"]))
        for row, ids in zip(rows, shown[REPORT_IDS]):
            found = [u for u in (url_of.get(i) for i in ids) if isinstance(u, str) and u]
            row |= {REPORTS: len(ids), "urls": " ".join(found) if suffix == ".csv" else found}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"download{suffix}"
        exports.write_incidents(rows, path, columns=columns)
        return path.read_text(encoding="utf-8")
