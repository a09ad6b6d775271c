"""Wire the stages: article text -> cues, places, dates -> geocoded incidents; and files -> SQLite.

Example:
    extractor = load_extractor()
    incidents = extract_incidents(article, extractor=extractor)
    report = ingest_paths(["seeds/"], db_path="data/incidents.db", extractor=extractor)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from extract.geo.gazetteer import Gazetteer, load_gazetteer
from extract.geo.geocode import GazetteerGeocoder, Geocoder
from extract.geo.places import Matcher, build_matcher, find_places
from extract.reading import details
from extract.reading.london import Signs, foreign_dateline, foreign_signs, load_signs, london_evidence
from extract.reading.scene import PRECISION_RANK, another_scene, choose_scene, location_text, spans_boroughs
from extract.reading.story import (
    Sentence,
    Story,
    incident_sentences,
    is_fiction,
    is_statistics,
    neighbours,
    read_sentences,
    tells_incident,
)
from extract.records import Article, ExtractError, Incident, Mention, Place
from extract.text.cues import Cue, Vocabulary, find_cues, incident_type, load_vocabulary
from extract.text.dates import FOLLOWING_CHARS, find_dates, incident_date
from extract.text.folding import fold_text
from extract.text.signals import Signals, find_signals, load_signals

# Courts known by a street or place name alone; "X Crown Court" and "appeared at X" are left out by scene.py.
COURT_KEYS = frozenset({"old bailey"})
MAX_CONTEXT = 60  # distinct place names given to the geocoder as a story's context
MAX_INCIDENTS = 12  # per story; a round-up rarely lists more, and a runaway text must not flood the map
MAX_ROUND_UP_SENTENCES = 100  # incident sentences searched for a round-up's further incidents


@dataclass(frozen=True, slots=True)
class Extractor:
    """Everything extraction needs, loaded once: gazetteer, place matcher, crime vocabulary, geocoder, signs of
    London or elsewhere, and the story signal words."""

    gazetteer: Gazetteer
    matcher: Matcher
    vocab: Vocabulary
    geocoder: Geocoder
    signs: Signs
    signals: Signals


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingest did: articles read, incidents stored, and one message per failed file or line."""

    articles: int
    incidents: int
    errors: list[str] = field(default_factory=list)


def load_extractor(*, gazetteer: Gazetteer | None = None, geocoder: Geocoder | None = None) -> Extractor:
    """Load the gazetteer (unless given), compile the matchers and return an Extractor; the geocoder defaults to
    the offline gazetteer one."""
    gaz = gazetteer or load_gazetteer()
    return Extractor(
        gaz, build_matcher(gaz), load_vocabulary(), geocoder or GazetteerGeocoder(gaz), load_signs(), load_signals()
    )


def extract_incidents(article: Article, *, extractor: Extractor) -> list[Incident]:
    """Return the crime incidents in Greater London that `article` reports (none for policy, statistics,
    non-crime news or crimes elsewhere), each geocoded with the story's other places as context.

    The first incident is the one the story leads with; a round-up gives one more incident per further sentence
    that tells its own crime at its own place.
    """
    text = article.text
    folded = fold_text(text)
    cues = find_cues(text, vocab=extractor.vocab, folded=folded)
    if not any(c.type for c in cues):
        return []
    mentions = [m for m in find_places(text, matcher=extractor.matcher, folded=folded) if m.key not in COURT_KEYS]
    found = find_signals(folded, signals=extractor.signals)
    sentences = read_sentences(text, cues, mentions, found)
    headline = article.headline or ""
    headline_folded = fold_text(headline)  # folded once for its cues, signals and places
    headline_cues = find_cues(headline, vocab=extractor.vocab, folded=headline_folded)
    incident_sents = incident_sentences(sentences, headline_typed=any(c.type for c in headline_cues))
    if not incident_sents or is_statistics(found, incident_sents):
        return []
    if is_fiction(found) or is_fiction(find_signals(headline_folded, signals=extractor.signals)):
        return []
    foreign, london = foreign_signs(text, mentions, signs=extractor.signs)
    if foreign and foreign >= london:
        return []
    if foreign_dateline(text, gazetteer=extractor.gazetteer) or not london_evidence(
        article, mentions, signs=extractor.signs, gazetteer=extractor.gazetteer, foreign=foreign
    ):
        return []
    headline_places = tuple(m.text for m in find_places(headline, matcher=extractor.matcher, folded=headline_folded))
    story = Story(
        article,
        text,
        folded,
        sentences,
        tuple(mentions),
        headline_places,
        # incident_date looks at most FOLLOWING_CHARS past an incident sentence: no need to scan further
        tuple(
            find_dates(
                text[: incident_sents[:MAX_ROUND_UP_SENTENCES][-1].end + FOLLOWING_CHARS + 100],
                published=article.published,
            )
        ),
        extractor.geocoder,
        # Bounded, so that a text naming thousands of places stays linear.
        tuple(dict.fromkeys([m.text for m in mentions] + list(headline_places)))[:MAX_CONTEXT],
        {m.start: m for m in mentions},
        {},
    )
    main = next((s for s in incident_sents if tells_incident(s)), incident_sents[0])
    place, mention = choose_scene(story, incident_sents, main)
    if place is None or (place.borough is None and place.precision != "london"):
        return []  # every London name was a hospital, a court, an arrest or a home: no scene in London
    if PRECISION_RANK[place.precision] < PRECISION_RANK["street"] and spans_boroughs(story, main):
        place, mention = None, None  # "raids at addresses in Lewisham, Southwark and Wembley": no one place
    told = [s for s in incident_sents if s is main or not (s.aside or s.separate)]
    story_cues = [c for s in sentences if not s.aside for c in s.cues]
    type_cue = incident_type(
        main.cues, headline_cues, [c for s in told for c in s.cues], story_cues, vocab=extractor.vocab
    )
    incidents = [_incident(story, 0, main, told, type_cue, place, mention, headline_cues, extractor.vocab)]
    used = [place] if place else []
    for s in incident_sents[:MAX_ROUND_UP_SENTENCES]:
        if len(incidents) >= MAX_INCIDENTS:
            break
        if s is main or s.aside or not any(c.event and c.type for c in s.cues):
            continue  # an aside ("It comes six months after ...") recalls an older crime: not this story's
        place, mention = choose_scene(story, [s], s, only=s)
        if place is None or not another_scene(place, used):
            continue
        used.append(place)
        cue = incident_type(s.cues, [], s.cues, story_cues, vocab=extractor.vocab)
        incidents.append(_incident(story, len(incidents), s, [s], cue, place, mention, [], extractor.vocab))
    return incidents


def _incident(
    story: Story,
    ordinal: int,
    main: Sentence,
    told: list[Sentence],
    type_cue: Cue | None,
    place: Place | None,
    mention: Mention | None,
    headline_cues: list[Cue],
    vocab: Vocabulary,
) -> Incident:
    type_slug = type_cue.type if type_cue else "other"
    told_cues = [c for s in told for c in s.cues]
    # A further incident of a round-up is read from its own sentence only: its neighbours tell the others.
    near_cues = [c for s in neighbours(story, main, []) for c in s.cues] if ordinal == 0 else told_cues
    chosen_date = incident_date(list(story.dates), near=main.start)
    article = story.article
    return Incident(
        incident_id=_incident_id(article.article_id, ordinal),
        article_id=article.article_id,
        type=type_slug,
        category=vocab.types[type_slug].category,
        location_text=location_text(story.text, mention),
        place=place,
        date=chosen_date.date if chosen_date else None,
        fatal=details.fatal(told_cues, near_cues, headline_cues),
        weapon=details.weapon(told_cues, near_cues, type_slug),
        victim_ages=details.victim_ages(story.folded, neighbours(story, main, told) if ordinal == 0 else told),
        arrests=details.arrests(story.folded) if ordinal == 0 else None,
        evidence=story.text[main.start : main.end],
        evidence_start=main.start,
        type_span=(type_cue.start, type_cue.end) if type_cue else None,
        place_span=(mention.start, mention.end) if mention else None,
        headline=article.headline,
        url=article.url,
        published=article.published,
    )


def _incident_id(article_id: str, ordinal: int) -> str:
    return hashlib.sha1(f"{article_id}\x1f{ordinal}".encode()).hexdigest()[:16]


def ingest_paths(
    paths: Iterable[str | Path],
    *,
    db_path: str | Path,
    published: str | None = None,
    extractor: Extractor | None = None,
    on_article: Callable[[Article, list[Incident]], None] | None = None,
    progress: bool = False,
) -> IngestReport:
    """Read articles from files or directories, extract their incidents and store each article in one transaction.

    A bad file or line is reported in the returned errors and the batch goes on; re-ingesting an article replaces
    its incidents. `on_article` sees every article with its incidents (for --out).
    """
    from extract import articles as articles_mod
    from extract import store

    extractor = extractor or load_extractor()
    errors: list[ExtractError] = []
    conn = store.connect(db_path)
    n_articles = n_incidents = 0
    try:
        stream = articles_mod.read_articles(list(paths), published=published, errors=errors)
        if progress:
            from tqdm import tqdm

            stream = tqdm(stream, unit=" articles", mininterval=0.5)
        for article in stream:
            incidents = extract_incidents(article, extractor=extractor)
            n_incidents += store.save_article(conn, article, incidents)
            n_articles += 1
            if on_article:
                on_article(article, incidents)
    finally:
        conn.close()
    return IngestReport(n_articles, n_incidents, [str(e) for e in errors])
