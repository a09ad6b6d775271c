"""Why a story is on the map or not: the decision trail of read_story and story_incidents, as text or JSON.

The trail is what the pipeline itself decided, read through its trace (pipeline.StoryTrace, scene.Candidate): the
cues and places found, each gate passed or failed with its reason code, the places weighed as the scene with their
scores, and each incident with its date, the date's basis and its details.

Example:
    trails = explain_articles(read_articles(["news.jsonl"], errors=[]), extractor=load_extractor())
    print(trail_text(trails[0]))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from extract import events
from extract.pipeline import Extractor, StoryTrace, read_story, story_incidents
from extract.reading.scene import Candidate
from extract.reading.story import Sentence, Story
from extract.records import REASONS, Article, Incident, Mention, Place, Reason, Rejection
from extract.text.cues import Cue

if TYPE_CHECKING:
    from extract.store import Connection

GATES = tuple(Reason)
"""read_story's gates in the order it tests them: a story failing one has passed those before it."""
EVIDENCE_CHARS = 160  # of a sentence shown in the text form; the JSON form has it whole


@dataclass(frozen=True, slots=True)
class IncidentTrail:
    """One incident as built: the incident, the words that typed and dated it, and which event it joined and why
    (None when its events were not matched)."""

    incident: Incident
    type_cue: str | None
    date_text: str | None
    event: str | None


@dataclass(frozen=True, slots=True)
class Trail:
    """Everything the pipeline decided about one story, in the order it decided it."""

    article: Article
    trace: StoryTrace
    verdict: Story | Rejection
    candidates: tuple[Candidate, ...]  # the places weighed as the main scene; empty before that gate
    incidents: tuple[IncidentTrail, ...]

    @property
    def gates(self) -> list[tuple[Reason, str]]:
        """Each gate with "passed", "failed" or "not reached"."""
        failed = self.verdict.reason if isinstance(self.verdict, Rejection) else None
        out, state = [], "passed"
        for gate in GATES:
            if gate == failed:
                out.append((gate, "failed"))
                state = "not reached"
            else:
                out.append((gate, state))
        return out


def explain_article(article: Article, *, extractor: Extractor) -> Trail:
    """Run read_story and story_incidents on `article` with a trace, and return the trail they left."""
    trace = StoryTrace()
    verdict = read_story(article, extractor=extractor, trace=trace)
    incidents = story_incidents(verdict, extractor=extractor) if isinstance(verdict, Story) else []
    built = tuple(
        IncidentTrail(i, _words(article.text, i.type_span), _words(article.text, i.date_span), None) for i in incidents
    )
    return Trail(article, trace, verdict, tuple(trace.candidates), built)


def explain_articles(
    articles: Iterable[Article], *, extractor: Extractor, conn: Connection | None = None
) -> list[Trail]:
    """Explain every article, and say which event each incident joined: the event stored for it in `conn` (an
    incidents database it was ingested into), else the one it joins when the articles' incidents are matched
    together, as ingest would match them into an empty database."""
    trails = [explain_article(article, extractor=extractor) for article in articles]
    ids = [i.incident.incident_id for t in trails for i in t.incidents]
    joined: dict[str, str | None]
    if conn is not None:
        joined = {incident_id: events.explain_event(conn, incident_id) for incident_id in ids}
    else:
        reader = events.load_report_reader(matcher=extractor.matcher)
        index = events.match_all(((t.article, [i.incident for i in t.incidents]) for t in trails), reader=reader).index
        placements = index.placements(ids)
        sizes = Counter(p.event_id for p in placements.values())
        joined = {
            incident_id: f"event {p.event_id} ({sizes[p.event_id]} of the reports explained): {p.reason}"
            for incident_id, p in placements.items()
        }
    return [
        replace(t, incidents=tuple(replace(i, event=joined.get(i.incident.incident_id)) for i in t.incidents))
        for t in trails
    ]


def _words(text: str, span: tuple[int, int] | None) -> str | None:
    return text[span[0] : span[1]] if span else None


def trail_text(trail: Trail) -> str:
    """The trail as lines of text: the story, its cues and places, the gates, the scene and the incidents."""
    a, trace = trail.article, trail.trace
    text = a.text
    lines = [f"{a.article_id}: {a.headline or '(no headline)'}"]
    lines.append(
        f"  published {a.published or 'unknown'}" + (f", {a.url}" if a.url else "") + f", read from {a.source}"
    )
    lines.append(f"  cues ({len(trace.cues)}):" if trace.cues else "  cues: none")
    lines += [f"    {_cue_text(text, c)}" for c in trace.cues]
    if trace.headline_cues:
        lines.append(f"  headline cues ({len(trace.headline_cues)}):")
        lines += [f"    {_cue_text(a.headline or '', c)}" for c in trace.headline_cues]
    lines.append(f"  places ({len(trace.mentions)}):" if trace.mentions else "  places: none found")
    lines += [f"    {m.text!r} @{m.start}: {', '.join(m.kinds)}" for m in trace.mentions]
    if trace.signs is not None:
        lines.append(f"  signs: {trace.signs[0]} of a place outside London, {trace.signs[1]} of London")
    lines.append("  gates:")
    for gate, state in trail.gates:
        why = f"  ({REASONS[gate]})" if state == "failed" else ""
        lines.append(f"    {state:<12}{gate.value}{why}")
    if trace.incident_sentences:
        lines.append(f"  sentences telling an incident ({len(trace.incident_sentences)}):")
        lines += [f"    {_sentence_text(text, s)}" for s in trace.incident_sentences]
    if isinstance(trail.verdict, Story):
        lines.append(f"  main sentence: {_sentence_text(text, trail.verdict.main)}")
    if trail.candidates:
        lines.append("  places weighed as the scene:")
        chosen = trail.verdict.scene_mention if isinstance(trail.verdict, Story) else None
        lines += [f"    {_candidate_text(c, chosen)}" for c in trail.candidates]
    if isinstance(trail.verdict, Story) and trail.verdict.scene_mention is None:
        lines.append("  no one scene: the incident is told across several boroughs")
    for n, it in enumerate(trail.incidents, 1):
        lines += _incident_lines(n, len(trail.incidents), it)
    if isinstance(trail.verdict, Rejection):
        lines.append(f"  not on the map: {trail.verdict.reason.value} - {trail.verdict.meaning}")
    else:
        lines.append(f"  on the map: {len(trail.incidents)} incident{'s' if len(trail.incidents) != 1 else ''}")
    return "\n".join(lines)


def _cue_text(text: str, c: Cue) -> str:
    said = [c.type or "untyped"]
    if _lemma(c):
        said.append(f"lemma {_lemma(c)}")
    if c.weapon:
        said.append(f"weapon {c.weapon}")
    if c.fatal:
        said.append("fatal")
    said.append("event" if c.event else "named")
    return f"{text[c.start : c.end]!r} @{c.start}: {', '.join(said)}"


def _lemma(c: Cue) -> str:
    # Cues carry a lemma since the generative lexicon (extract/text/lexicon.py); a listed phrase has none.
    return getattr(c, "lemma", "")


def _sentence_text(text: str, s: Sentence) -> str:
    body = " ".join(text[s.start : s.end].split())
    return f"@{s.start} {body[:EVIDENCE_CHARS]!r}" + ("..." if len(body) > EVIDENCE_CHARS else "")


def _candidate_text(c: Candidate, chosen: Mention | None) -> str:
    named = f"{c.mention.text!r} @{c.mention.start}"
    if c.place is None:
        return f"{named}: passed over, {c.passed_over}"
    where = f"{c.place.name} ({c.place.precision}, {c.place.borough or 'London-wide'})"
    if c.passed_over:
        return f"{named} -> {where}: passed over, {c.passed_over}"
    mark = "  <- chosen: the highest score (the first named of equal ones)" if c.mention == chosen else ""
    return f"{named} -> {where}: score {c.score:g}{mark}"


def _incident_lines(n: int, total: int, it: IncidentTrail) -> list[str]:
    i, p = it.incident, it.incident.place
    lines = [f"  incident {n} of {total} ({i.incident_id}):"]
    lines.append(f"    type {i.type} ({i.category})" + (f", from {it.type_cue!r}" if it.type_cue else ""))
    if p is not None:
        lines.append(
            f"    scene {p.name}: {p.precision}, {p.borough or 'London-wide'} ({p.lat:.5f}, {p.lon:.5f}), "
            f"named {i.location_text!r}"
        )
    else:
        lines.append("    scene: none")
    date_from = f" from {it.date_text!r} @{i.date_span[0]}" if it.date_text and i.date_span else ""
    lines.append(f"    date {i.date or 'unknown'} ({i.date_basis}){date_from}")
    ages = ", ".join(map(str, i.victim_ages)) or "none given"
    lines.append(
        f"    fatal {_yes_no(i.fatal)}; weapon {i.weapon or 'unknown'}; victim ages {ages}; "
        f"arrests {'unknown' if i.arrests is None else i.arrests}"
    )
    lines.append(f"    evidence @{i.evidence_start}: {' '.join(i.evidence.split())[:EVIDENCE_CHARS]!r}")
    if it.event is not None:
        lines.append(f"    {it.event}")
    return lines


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def trail_json(trail: Trail) -> dict[str, Any]:
    """The trail as a JSON-ready dict: one object per story, offsets into its text."""
    a, trace = trail.article, trail.trace
    story = trail.verdict if isinstance(trail.verdict, Story) else None
    rejection = trail.verdict if isinstance(trail.verdict, Rejection) else None
    chosen = story.scene_mention if story else None
    return {
        "article_id": a.article_id,
        "headline": a.headline,
        "url": a.url,
        "published": a.published,
        "source": a.source,
        "accepted": story is not None,
        "reason": rejection.reason.value if rejection else None,
        "reason_text": rejection.meaning if rejection else None,
        "gates": [{"gate": gate.value, "result": state} for gate, state in trail.gates],
        "cues": [_cue_json(a.text, c) for c in trace.cues],
        "headline_cues": [_cue_json(a.headline or "", c) for c in trace.headline_cues],
        "places": [{"text": m.text, "start": m.start, "end": m.end, "kinds": list(m.kinds)} for m in trace.mentions],
        "signs": None if trace.signs is None else {"elsewhere": trace.signs[0], "london": trace.signs[1]},
        "incident_sentences": [_span_json(a.text, s.start, s.end) for s in trace.incident_sentences],
        "main": _span_json(a.text, story.main.start, story.main.end) if story else None,
        "scene_candidates": [_candidate_json(c, chosen) for c in trail.candidates],
        "incidents": [_incident_json(it) for it in trail.incidents],
    }


def _cue_json(text: str, c: Cue) -> dict[str, Any]:
    return {
        "text": text[c.start : c.end],
        "start": c.start,
        "end": c.end,
        "lemma": _lemma(c) or None,
        "type": c.type,
        "weapon": c.weapon,
        "fatal": c.fatal,
        "event": c.event,
    }


def _span_json(text: str, start: int, end: int) -> dict[str, Any]:
    return {"start": start, "end": end, "text": text[start:end]}


def _place_json(place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    return {
        "name": place.name,
        "precision": place.precision,
        "kind": place.kind,
        "borough": place.borough,
        "lat": place.lat,
        "lon": place.lon,
    }


def _candidate_json(c: Candidate, chosen: Mention | None) -> dict[str, Any]:
    return {
        "text": c.mention.text,
        "start": c.mention.start,
        "place": _place_json(c.place),
        "score": c.score,
        "passed_over": c.passed_over,
        "chosen": c.mention == chosen,
    }


def _incident_json(it: IncidentTrail) -> dict[str, Any]:
    i = it.incident
    return {
        "incident_id": i.incident_id,
        "type": i.type,
        "category": i.category,
        "type_cue": it.type_cue,
        "place": _place_json(i.place),
        "location_text": i.location_text,
        "date": i.date,
        "date_basis": i.date_basis,
        "date_text": it.date_text,
        "fatal": i.fatal,
        "weapon": i.weapon,
        "victim_ages": list(i.victim_ages),
        "arrests": i.arrests,
        "evidence": {"start": i.evidence_start, "end": i.evidence_start + len(i.evidence), "text": i.evidence},
        "event": it.event,
    }
