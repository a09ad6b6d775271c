"""Wire the stages: article text -> cues, places, dates -> a Story (or a Rejection saying why not) -> geocoded
incidents; and files -> SQLite.

Example:
    extractor = load_extractor()
    story = read_story(article, extractor=extractor)  # a Story, or a Rejection with its reason
    incidents = story_incidents(story, extractor=extractor) if isinstance(story, Story) else []
    incidents = extract_incidents(article, extractor=extractor)  # the same, in one call
    report = ingest_paths(["seeds/"], db_path="data/incidents.db", extractor=extractor)
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from extract import cache
from extract.datafiles import DATA_DIR
from extract.geo.gazetteer import Gazetteer, load_gazetteer
from extract.geo.geocode import GazetteerGeocoder, Geocoder
from extract.geo.places import COURT_KEYS, PLACES, Matcher, build_matcher, find_places
from extract.postgres import is_postgres_url
from extract.reading import dating, details
from extract.reading.london import (
    INSTITUTIONS,
    Signs,
    elsewhere_spans,
    foreign_dateline,
    foreign_signs,
    load_signs,
    london_evidence,
    scene_elsewhere,
    told_elsewhere,
)
from extract.reading.scene import (
    PRECISION_RANK,
    Candidate,
    StoryGeocoder,
    another_scene,
    choose_scene,
    location_text,
    spans_boroughs,
)
from extract.reading.story import (
    Sentence,
    Story,
    incident_sentences,
    is_fiction,
    is_statistics,
    main_sentence,
    neighbours,
    own_sentences,
    read_sentences,
    tells_the_case,
)
from extract.records import FATAL_TYPES, Article, ExtractError, Incident, Mention, Place, Reason, Rejection
from extract.text.cues import (
    Cue,
    Vocabulary,
    find_cues,
    incident_type,
    is_threat,
    is_weak,
    load_vocabulary,
    other_domain,
)
from extract.text.dates import FOLLOWING_CHARS, date_basis, find_dates, publication_date
from extract.text.folding import fold_text
from extract.text.lexicon import CUES
from extract.text.scan import Hits, Scanner, scan
from extract.text.signals import SIGNALS, Signals, find_signals, load_signals, without_links

if TYPE_CHECKING:
    from extract.events import ReportReader
    from extract.parallel import Extracted
    from extract.store import Connection

MAX_CONTEXT = 60  # distinct place names given to the geocoder as a story's context
MAX_INCIDENTS = 12  # per story; a round-up rarely lists more, and a runaway text must not flood the map
MAX_ROUND_UP_SENTENCES = 100  # incident sentences searched for a round-up's further incidents
PROGRESS_SMOOTHING = 0.05  # tqdm's rate over about the last 20 updates: a worker pool's start-up soon drops out
DATE_PHRASE_CHARS = 100  # read past FOLLOWING_CHARS, so that a date phrase starting there is read whole
BATCH_ARTICLES = 1000  # articles committed at once by ingest: a commit per article was half the store's time, and
# a killed ingest loses at most these (its re-run stores them). Each batch's end sets the roles of every event it
# touched, over all their reports: news-dev repeated to 5,000 took 25 such passes at 200 (17 ms each), 5-8 at 1,000.
BATCH_SECONDS = 1.0  # or an article arriving this long after a batch's first ends it: the dashboard sees progress


@dataclass(frozen=True, slots=True)
class Extractor:
    """Everything extraction needs, loaded once: gazetteer, place matcher, crime vocabulary, geocoder, signs of
    London or elsewhere, the story signal words, and the scanner of all their words (the matcher's)."""

    gazetteer: Gazetteer
    matcher: Matcher
    vocab: Vocabulary
    geocoder: Geocoder
    signs: Signs
    signals: Signals
    scanner: Scanner


@dataclass(slots=True)
class StoryTrace:
    """What read_story saw on its way to a Story or a Rejection, filled only when a caller passes one (explain):
    the cues and places found, the sentences read and those telling an incident, the signs of London and elsewhere,
    and the places weighed as the scene."""

    cues: list[Cue] = field(default_factory=list)
    headline_cues: list[Cue] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    sentences: tuple[Sentence, ...] = ()
    incident_sentences: list[Sentence] = field(default_factory=list)
    signs: tuple[int, int] | None = None  # (foreign, london) as foreign_signs counted them
    candidates: list[Candidate] = field(default_factory=list)  # the places weighed as the main scene


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingest did: articles and incidents stored, one message per failed file, line or article, and one
    warning per input cut, not followed or read twice."""

    articles: int
    incidents: int
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# "days after a man was shot": a clause telling another incident, by its indefinite subject ("days after he was
# stabbed" tells the same one).
ANOTHER_INCIDENT_AFTER = re.compile(
    r"\b(?:hours|days|weeks|months|a day|a week|a month|two days|two weeks) (?:after|since) (?:a|an|another|two|three) "
)


def load_extractor(*, gazetteer: Gazetteer | None = None, geocoder: Geocoder | None = None) -> Extractor:
    """Load the gazetteer (unless given), compile the matchers and return an Extractor; the geocoder defaults to
    the offline gazetteer one. Without either, the compiled extractor comes from the user's cache (extract/cache.py)
    while the data files and the code are unchanged."""
    if gazetteer is None and geocoder is None:
        # The gazetteer is pickled with the rest, its entries packed (see Gazetteer.__getstate__).
        return cache.load_cached(_build_extractor, name="extractor", inputs=_CACHED_FROM)
    return _build_extractor(gazetteer=gazetteer, geocoder=geocoder)


def load_places() -> Gazetteer:
    """Load the gazetteer alone, from the user's cache while the data files and the code are unchanged (as
    load_extractor): for a place search, which needs none of the matchers (in a dashboard's process 15 MB and
    0.04 s, where the extractor took 40 MB and 0.32 s)."""
    return cache.load_cached(load_gazetteer, name="gazetteer", inputs=_CACHED_FROM)


_CACHED_FROM = (DATA_DIR, Path(__file__).resolve().parent)  # what a cached extractor or gazetteer is built from


def _build_extractor(*, gazetteer: Gazetteer | None = None, geocoder: Geocoder | None = None) -> Extractor:
    gaz = gazetteer or load_gazetteer()
    vocab, signs, signals = load_vocabulary(), load_signs(), load_signals()
    # Places, cues, signals and signs in one automaton: read_story scans a text once for all of them.
    matcher = build_matcher(gaz, also=(vocab.matcher.words, signals.words, signs.foreign, signs.institutions))
    return Extractor(gaz, matcher, vocab, geocoder or GazetteerGeocoder(gaz), signs, signals, matcher.scanner)


def _headline_cues(
    headline: str, folded: str, hits: Hits, *, vocab: Vocabulary, domain: str | None = None
) -> list[Cue]:
    """The cues of a headline (find_cues), whose present tense tells its news ("Knifeman stabs two shoppers"): an
    active form is an event there, unless threatened ("Man who 'would rape her' ...")."""
    found = find_cues(headline, vocab=vocab, folded=folded, hits=hits.of(CUES), domain=domain)
    return [replace(c, event=True) if c.kind == "active" and not (c.event or is_threat(c)) else c for c in found]


def read_story(article: Article, *, extractor: Extractor, trace: StoryTrace | None = None) -> Story | Rejection:
    """Read `article` and decide whether it reports a crime incident in Greater London: a Story with its main
    sentence and scene, or a Rejection whose reason says why not (no crime, statistics, fiction, elsewhere, ...).

    The main scene is chosen here rather than in story_incidents: a story whose every London place is a hospital,
    a court, an arrest or a home gives no incident, and that is a reason like the others. The Story carries the
    chosen scene, so that story_incidents only builds. A `trace` is filled with what was found on the way.
    """
    text = without_links(article.text, signals=extractor.signals)  # "Read more: Leeds man stabbed" is another story
    folded = fold_text(text)
    hits = scan(text, folded, scanner=extractor.scanner)  # every vocabulary's words, in one pass
    cues = find_cues(text, vocab=extractor.vocab, folded=folded, hits=hits.of(CUES))
    headline = article.headline or ""
    headline_folded = fold_text(headline)  # folded and scanned once for its cues, signals, places and signs
    headline_hits = scan(headline, headline_folded, scanner=extractor.scanner)
    headline_cues = _headline_cues(headline, headline_folded, headline_hits, vocab=extractor.vocab)
    weak = any(is_weak(c, extractor.vocab) for c in cues + headline_cues)
    if weak and (domain := other_domain(folded, vocab=extractor.vocab)):
        # A match report's "robbed" and "smash-and-grab": read again, each needing evidence in its own sentence.
        cues = find_cues(text, vocab=extractor.vocab, folded=folded, hits=hits.of(CUES), domain=domain)
        headline_cues = _headline_cues(headline, headline_folded, headline_hits, vocab=extractor.vocab, domain=domain)
    if trace is not None:
        trace.cues = cues
    if not any(c.type for c in cues) and not any(c.type for c in headline_cues):
        return Rejection(article.article_id, Reason.NO_CRIME)
    found_places = find_places(text, matcher=extractor.matcher, folded=folded, hits=hits.of(PLACES))
    mentions = [m for m in found_places if m.key not in COURT_KEYS]
    found = find_signals(folded, signals=extractor.signals, hits=hits.of(SIGNALS))
    published = publication_date(article.published, article.url)
    elsewhere = elsewhere_spans(text, mentions, signs=extractor.signs, hits=hits)
    sentences = read_sentences(text, cues, mentions, found, elsewhere=scene_elsewhere(text, elsewhere))
    incident_sents = incident_sentences(sentences, headline_typed=any(c.type for c in headline_cues))
    if trace is not None:
        trace.headline_cues, trace.mentions, trace.sentences = headline_cues, mentions, sentences
        trace.incident_sentences = incident_sents
    if not incident_sents:
        return Rejection(article.article_id, Reason.NO_INCIDENT)
    if is_statistics(found, incident_sents):
        return Rejection(article.article_id, Reason.STATISTICS)
    if is_fiction(found) or is_fiction(
        find_signals(headline_folded, signals=extractor.signals, hits=headline_hits.of(SIGNALS))
    ):
        return Rejection(article.article_id, Reason.FICTION)
    headline_mentions = find_places(
        headline, matcher=extractor.matcher, folded=headline_folded, hits=headline_hits.of(PLACES)
    )
    foreign, london = foreign_signs(
        text,
        mentions,
        signs=extractor.signs,
        headline=headline,
        headline_mentions=headline_mentions,
        spans=elsewhere,
        headline_hits=headline_hits,
        gazetteer=extractor.gazetteer,
    )
    if trace is not None:
        trace.signs = (foreign, london)
    main = main_sentence(incident_sents)
    crimes = [c.end for c in main.cues if c.type and c.event]
    if (foreign and foreign >= london) or told_elsewhere(
        text, (main.start, main.end), crimes, mentions, elsewhere, signs=extractor.signs
    ):
        return Rejection(article.article_id, Reason.ELSEWHERE)
    if foreign_dateline(text, gazetteer=extractor.gazetteer, starts=[s.start for s in sentences]):
        return Rejection(article.article_id, Reason.FOREIGN_DATELINE)
    # Whether the article names a London institution: the scans tell, unless a link line was blanked out of its text.
    named = bool(hits.of(INSTITUTIONS) or headline_hits.of(INSTITUTIONS)) if text == article.text else None
    signs, gazetteer = extractor.signs, extractor.gazetteer
    if not london_evidence(article, mentions, signs=signs, gazetteer=gazetteer, foreign=foreign, institution=named):
        return Rejection(article.article_id, Reason.NO_LONDON_EVIDENCE)
    headline_places = tuple(m.text for m in headline_mentions)
    # Bounded, so that a text naming thousands of places stays linear.
    context = tuple(dict.fromkeys([m.text for m in mentions] + list(headline_places)))[:MAX_CONTEXT]
    # an incident's date is looked for at most FOLLOWING_CHARS past an incident sentence: no need to scan further
    dates_end = incident_sents[:MAX_ROUND_UP_SENTENCES][-1].end + FOLLOWING_CHARS + DATE_PHRASE_CHARS
    story = Story(
        article=article,
        text=text,
        folded=folded,
        sentences=sentences,
        mentions=tuple(mentions),
        mention_at=MappingProxyType({m.start: m for m in mentions}),
        all_mentions=tuple(found_places),
        headline_cues=tuple(headline_cues),
        headline_places=headline_places,
        context=context,
        dates=tuple(find_dates(text, published=published, end=dates_end)),
        incident_sentences=tuple(incident_sents),
        main=main,
        scene=None,  # chosen below, among the places of the story as read
        scene_mention=None,
        geocoded=MappingProxyType({}),
    )
    places = StoryGeocoder(extractor.geocoder, context)
    weighed = trace.candidates if trace is not None else None
    # A sentence announcing a further incident ("Police are aware of a second robbery on ...") tells its own scene,
    # and an aside an older one's ("Earlier in the week, a woman in Mawney Road had ... stolen"), but for what a court
    # heard, whose "last year" is the case's own ("The court heard he climbed in ... on 3 June last year").
    heard = {s.start for s in story.sentences if tells_the_case(story, s)}  # the case's offence, crime word or none
    own = {s.start for s in incident_sents if not (s.separate or s.aside)}
    telling = [s for s in story.sentences if s is main or s.start in heard or s.start in own]
    place, mention = choose_scene(story, telling, main, places=places, weighed=weighed)
    if place is None or (place.borough is None and place.precision != "london"):
        return Rejection(article.article_id, Reason.NO_SCENE)
    if PRECISION_RANK[place.precision] < PRECISION_RANK["street"] and spans_boroughs(story, main, places=places):
        place, mention = None, None  # "raids at addresses in Lewisham, Southwark and Wembley": no one place
    return replace(story, scene=place, scene_mention=mention, geocoded=places.answers())


def story_incidents(story: Story, *, extractor: Extractor) -> list[Incident]:
    """Build the incidents of a story read_story accepted: first the one it leads with, at its scene; then, for a
    round-up, one per further incident at a scene apart from the others (a sentence telling its own crime, or
    announcing one by a noun: "a second stabbing"), each read from its own sentences up to where the next starts."""
    main = story.main
    incident_sents = story.incident_sentences
    # read_story asked most of these queries with the same context, and a geocoder answers them the same.
    places = StoryGeocoder(extractor.geocoder, story.context, known=story.geocoded)
    used = [story.scene] if story.scene else []
    further: list[tuple[Sentence, list[Sentence], Place, Mention | None]] = []
    for s in incident_sents[:MAX_ROUND_UP_SENTENCES]:
        if len(further) + 1 >= MAX_INCIDENTS:
            break
        announced = s.separate and any(c.type for c in s.cues)  # "A second stabbing happened in Y."
        if s is main or s.aside or not (announced or any(c.event and c.type for c in s.cues)):
            continue  # an aside ("It comes six months after ...") recalls an older crime: not this story's
        own = own_sentences(story.sentences, s)
        place, mention = None, None
        for o in own:  # its scene may come a sentence after it: "The victim was found on Mare Street."
            place, mention = choose_scene(story, [o], s, places=places, only=o)
            if place is not None:
                break
        if place is None or not another_scene(place, used):
            continue
        used.append(place)
        further.append((s, own, place, mention))
    # The lead incident is read up to where the first further one starts, and never from another's sentences.
    theirs = {o.start for _, own, _, _ in further for o in own}
    cut = min((f.start for f, *_ in further if f.start > main.start), default=len(story.text))

    def lead_part(s: Sentence) -> bool:
        return s is main or (s.start < cut and s.start not in theirs)

    told = [s for s in incident_sents if s is main or (lead_part(s) and not (s.aside or s.separate))]
    near = [s for s in neighbours(story.sentences, main, []) if lead_part(s)]
    # A type too general for the lead or a further incident gives way to the crime the story names most, in that
    # incident's sentences and in those of none ("the robberies", summing up): never in another incident's.
    led = {s.start for s in told + near}
    shared = [c for s in story.sentences if not s.aside and s.start not in theirs | led for c in s.cues]
    headline_cues = list(story.headline_cues)
    vocab = extractor.vocab
    lead_cues = [c for s in told + near for c in s.cues]
    told_cues = [c for s in told for c in s.cues]
    type_cue = incident_type(_before_another(story, main), headline_cues, told_cues, lead_cues + shared, vocab=vocab)
    incidents = [
        _incident(story, 0, main, told, near, type_cue, story.scene, story.scene_mention, headline_cues, vocab)
    ]
    for s, own, place, mention in further:
        own_cues = [c for o in own for c in o.cues]
        cue = incident_type(s.cues, [], own_cues, own_cues + shared, vocab=vocab)
        incidents.append(_incident(story, len(incidents), s, own, own, cue, place, mention, [], vocab))
    return incidents


def _before_another(story: Story, main: Sentence) -> list[Cue]:
    """The main sentence's cues, but for those in a clause telling another, earlier incident when a crime is named
    before it ("Police raided flats on Monday, days after a man was shot in the same street": the raid's)."""
    other = ANOTHER_INCIDENT_AFTER.search(story.folded, main.start, main.end)
    if other is None:
        return list(main.cues)
    before = [c for c in main.cues if c.start < other.start()]
    return before if any(c.type for c in before) else list(main.cues)


def extract_incidents(article: Article, *, extractor: Extractor) -> list[Incident]:
    """Return the crime incidents in Greater London that `article` reports: read_story then story_incidents, and
    none when read_story rejects it (policy, statistics, non-crime news, crimes elsewhere, ...)."""
    story = read_story(article, extractor=extractor)
    return [] if isinstance(story, Rejection) else story_incidents(story, extractor=extractor)


def _victim_ages(story: Story, ordinal: int, told: list[Sentence], near: list[Sentence]) -> tuple[int, ...]:
    """The victim ages of the sentences telling an incident, and, of the lead incident, those its headline gives."""
    ages = details.victim_ages(story.folded, sorted({s.start: s for s in told + near}.values(), key=_start))
    if ordinal == 0 and story.article.headline:
        actives = (c.start for c in story.headline_cues if c.kind == "active" and c.event)
        found = details.headline_ages(fold_text(story.article.headline), actives)
        ages += tuple(a for a in found if a not in ages)
    return ages


def _incident(
    story: Story,
    ordinal: int,
    main: Sentence,
    told: list[Sentence],
    near: list[Sentence],
    type_cue: Cue | None,
    place: Place | None,
    mention: Mention | None,
    headline_cues: list[Cue],
    vocab: Vocabulary,
) -> Incident:
    type_slug = type_cue.type if type_cue and type_cue.type else "other"  # incident_type gives only typed cues
    told_cues = [c for s in told for c in s.cues]
    near_cues = [c for s in near for c in s.cues]
    dead = details.fatal(told_cues, near_cues, headline_cues)
    # The weapon is read as of the crime told: "died after a single punch" names bare hands, a homicide's none.
    weapon = details.weapon(told_cues, near_cues, type_slug, headline_cues)
    if dead:
        type_slug = FATAL_TYPES.get(type_slug, type_slug)
    # A further incident of a round-up is read from its own sentences only: the others tell other incidents.
    lead = ordinal == 0
    chosen_date = dating.incident_date(story, main, mention, lead=lead)
    article = story.article
    # A cue of the headline has the headline's offsets: the article text has no span for it.
    text_cue = type_cue if type_cue and not any(type_cue is c for c in headline_cues) else None
    return Incident(
        incident_id=_incident_id(article.article_id, ordinal),
        article_id=article.article_id,
        type=type_slug,
        category=vocab.types[type_slug].category,
        location_text=location_text(story.text, mention),
        place=place,
        date=chosen_date.date if chosen_date else None,
        date_basis=date_basis(chosen_date),
        fatal=dead,
        weapon=weapon,
        victim_ages=_victim_ages(story, ordinal, told, near),
        arrests=details.arrests(story.folded) if lead else None,
        evidence=story.text[main.start : main.end],
        evidence_start=main.start,
        type_span=(text_cue.start, text_cue.end) if text_cue else None,
        place_span=(mention.start, mention.end) if mention else None,
        date_span=(chosen_date.start, chosen_date.end) if chosen_date else None,
        headline=article.headline,
        url=article.url,
        published=article.published,
    )


def _start(sentence: Sentence) -> int:
    return sentence.start


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
    follow_symlinks: bool = False,
    workers: int = 1,
    dask: str | None = None,
    load: Callable[[], Extractor] | None = None,
) -> IngestReport:
    """Read articles from files or directories, extract their incidents and store each article in one transaction.

    Each file, line and article has its own error boundary: whatever fails is reported in the returned errors,
    naming it, and the batch goes on; only a failing database (locked, read-only, malformed) stops it, reported
    once. Re-ingesting an article replaces its incidents; an id read twice in one run is a warning naming both
    places, the later replacing the earlier. Each stored article's incidents are then matched into events
    (extract/events.py). Articles are committed BATCH_ARTICLES at a time (store.write_batch; see BATCH_SECONDS), an
    article the store refuses left out of its batch; `on_article` sees every committed article with its incidents (for
    --out).

    Extraction runs in this process, in `workers` spawned processes, or on the Dask cluster at `dask`, each worker
    loading its extractor with `load` (picklable; default load_extractor) and reading its partitions of the input
    itself; the workers also store the articles when `db_path` is a PostgreSQL URL. This process stores the rest
    and matches every article's events, in input order, so that the database and `on_article` see the same in every
    mode.
    """
    from extract import articles as articles_mod
    from extract import events, parallel, store

    extractor = extractor or load_extractor()
    errors: list[ExtractError] = []
    inputs = list(paths)
    conn = store.connect(db_path)
    reader = events.load_report_reader(matcher=extractor.matcher)
    stored: dict[str, tuple[str, int]] = {}  # article id -> where it was read, incidents stored
    try:
        stream = articles_mod.read_articles(inputs, published=published, errors=errors, follow_symlinks=follow_symlinks)
        # The workers read their partitions and, on PostgreSQL, store them; this process matches the events.
        direct = str(db_path) if isinstance(db_path, str) and is_postgres_url(db_path) else None
        if dask:
            from extract.cluster import dask_extracted

            extracted = dask_extracted(
                inputs,
                address=dask,
                errors=errors,
                published=published,
                follow_symlinks=follow_symlinks,
                db=direct,
                load=load,
            )
        elif workers > 1:
            extracted = parallel.pool_extracted(
                inputs,
                workers=workers,
                errors=errors,
                published=published,
                follow_symlinks=follow_symlinks,
                load=load,
                db=direct,
            )
        else:
            extracted = parallel.local_extracted(stream, extractor=extractor)
        if progress:
            from tqdm import tqdm

            extracted = tqdm(extracted, unit=" articles", mininterval=0.5, smoothing=PROGRESS_SMOOTHING)
        for batch in _batches(extracted, errors):
            kept, failed = _store_batch(conn, batch, reader, stored=stored, errors=errors)
            if on_article:
                for done in kept:
                    on_article(done.article, done.incidents)
            if failed:
                break
        else:
            try:  # the rows another release's name lists screened, once its own are committed
                store.refresh_screens(conn)
            except ExtractError as e:
                errors.append(e)
    finally:
        conn.close()
    return IngestReport(
        len(stored),
        sum(n for _, n in stored.values()),
        [str(e) for e in errors if not isinstance(e, articles_mod.ReadWarning)],
        [str(e) for e in errors if isinstance(e, articles_mod.ReadWarning)],
    )


def _batches(extracted: Iterable[Extracted], errors: list[ExtractError]) -> Iterator[list[tuple[int, Extracted]]]:
    """Group the extracted articles into the batches stored in one transaction each: BATCH_ARTICLES, or fewer when
    BATCH_SECONDS have passed since the batch's first; each article comes with the place in `errors` where its own
    messages go (after what reading reported before it), as the batch is stored once all of it is read."""
    batch: list[tuple[int, Extracted]] = []
    started = 0.0
    for done in extracted:
        if not batch:
            started = time.monotonic()
        batch.append((len(errors), done))
        if len(batch) >= BATCH_ARTICLES or time.monotonic() - started >= BATCH_SECONDS:
            yield batch
            batch = []
    if batch:
        yield batch


class _Failed(Exception):
    """An article of a batch failed in the store (`error`: the database's when it is a DatabaseError)."""

    def __init__(self, index: int, error: ExtractError) -> None:
        super().__init__(str(error))
        self.index, self.error = index, error


def _store_batch(
    conn: Connection,
    batch: list[tuple[int, Extracted]],
    reader: ReportReader,
    *,
    stored: dict[str, tuple[str, int]],
    errors: list[ExtractError],
) -> tuple[list[Extracted], bool]:
    """Store and match a batch in one transaction (store.write_batch), its messages put in their place in `errors` and
    `stored` (article id -> where it was read, incidents) updated; returns the articles committed, and whether the
    database failed: then its error is the last of `errors`, naming the first article not stored, and what was
    reported from that article on is taken back, as nothing was stored from there.

    An article failing in the store rolls the batch back: the articles before it, which went through, are stored again
    and committed, and the rest of the batch after it goes on in a transaction of its own (so each article is stored
    at most twice, however many fail); when the database fails, the articles of the transaction before the one it
    failed at are stored again (once), and the batch stops there. A transaction PostgreSQL ends to break a deadlock
    with another writer runs again whole, up to store.DEADLOCK_RETRIES times a batch."""
    from extract import store

    left_out: dict[int, ExtractError] = {}  # batch index -> the error of an article the store refused
    end = len(batch)  # the articles from this index on are not stored: the database failed there
    failure: ExtractError | None = None  # the database's
    pieces = deque([(0, len(batch))])  # [lo, hi) of the batch, each stored in one transaction, in order
    retries = store.DEADLOCK_RETRIES
    while pieces:
        lo, hi = pieces.popleft()
        hi = min(hi, end)
        if lo >= hi:
            continue
        try:
            with store.write_batch(conn):
                _write_batch(conn, batch, lo, hi, reader, stored=stored, left_out=left_out)
        except (_Failed, store.Deadlocked) as f:  # Deadlocked alone: the statements ending the batch (its roles)
            if isinstance(f.error if isinstance(f, _Failed) else f, store.Deadlocked) and retries:
                retries -= 1
                pieces.appendleft((lo, hi))  # PostgreSQL undid all of it: all of it once more
                continue
            if not isinstance(f, _Failed):  # deadlocked each time: nothing of it is kept
                failure, end = failure or store.DatabaseError(f"{f}"), lo
                continue
            if not isinstance(f.error, store.DatabaseError):
                left_out[f.index] = f.error
                pieces.extendleft([(f.index + 1, hi), (lo, f.index)])  # (lo, f.index) first
                continue
            if failure is None:
                failure, end = f.error, f.index
                pieces.appendleft((lo, f.index))  # the articles before it, once more: the database may still take them
                continue
            end = lo
        except store.DatabaseError as e:  # the transaction could not begin or commit: none of it is kept
            failure, end = failure or e, lo
    return _batch_stored(batch, end, failure, left_out=left_out, stored=stored, errors=errors)


def _write_batch(
    conn: Connection,
    batch: list[tuple[int, Extracted]],
    lo: int,
    hi: int,
    reader: ReportReader,
    *,
    stored: dict[str, tuple[str, int]],
    left_out: dict[int, ExtractError],
) -> None:
    """Store and match the batch's articles from `lo` to `hi` but those extracted with an error or `left_out` (those
    before `lo` are committed); the first to fail in the store raises _Failed (a Dask worker's database failure,
    too)."""
    from extract import store

    here: set[str] = set()  # ids stored earlier in the batch
    # A worker's articles as it stored them: another ingest may have stored another reading of an id since, and the
    # events matched here must fit what is stored.
    workers = [(d.article, d.incidents) for _, d in batch[lo:hi] if d.error is None and d.stored]
    try:
        as_stored = store.stored_as(conn, workers)
    except store.DB_ERRORS as e:  # the batch's first statement of its own: the database's failure, at its start
        raise _Failed(lo, store.database_error(conn, e) or store.DatabaseError(f"{e}")) from None
    # Their name screens in one pass, not one per article (each compiles the screen) nor an update of each row.
    store.screen_ahead(
        conn,
        [
            (d.article, d.incidents)
            for _, d in batch[lo:hi]
            if d.error is None and not (d.stored and d.article.article_id in as_stored)
        ],
    )
    for index, (_, done) in enumerate(batch[:hi]):
        if index in left_out:
            continue
        if index < lo:  # committed by an earlier transaction of the batch
            if done.error is None:
                here.add(done.article.article_id)
            continue
        if done.error is not None:
            if done.database:
                raise _Failed(index, store.DatabaseError(done.error))
            continue
        article_id = done.article.article_id
        if done.stored and (article_id in stored or article_id in here or article_id not in as_stored):
            # Another task, or another ingest, may have stored another reading of this id after this one: this one
            # again here.
            done = replace(done, stored=False)
        try:
            _store_article(conn, done, reader)
        except ExtractError as e:
            raise _Failed(index, e) from None
        here.add(article_id)


def _batch_stored(
    batch: list[tuple[int, Extracted]],
    end: int,
    failure: ExtractError | None,
    *,
    left_out: dict[int, ExtractError],
    stored: dict[str, tuple[str, int]],
    errors: list[ExtractError],
) -> tuple[list[Extracted], bool]:
    """Record what a batch's transaction kept (its first `end` articles, but those with an error): each article's
    messages go into `errors` at its place, and `failure`, naming the article at `end`, ends them."""
    from extract import articles as articles_mod
    from extract import store

    kept: list[Extracted] = []
    inserted = 0  # messages put into `errors` by this batch so far
    for index, (at, done) in enumerate(batch):
        article = done.article
        if index == end:
            del errors[at + inserted :]  # what was read after it: nothing was stored from there
            errors.append(store.DatabaseError(f"{failure}; the batch stopped at {article.source}"))
            return kept, True
        error = left_out.get(index) or (ExtractError(done.error) if done.error is not None else None)
        if error is None and article.article_id in stored:
            error = articles_mod.ReadWarning(
                f"{article.source}: article id {article.article_id!r} was also read from "
                f"{stored[article.article_id][0]} in this run; this one replaces it"
            )
        if error is not None:
            errors.insert(at + inserted, error)
            inserted += 1
        if index not in left_out and done.error is None:
            stored[article.article_id] = (article.source, len(done.incidents))
            kept.append(done)
    return kept, False


def _store_article(conn: Connection, done: Extracted, reader: ReportReader) -> None:
    """Store and match one extracted article in one atomic block of the caller's store.write_batch (its failure spoils
    the batch); the database's failure raises store.DatabaseError, any other ExtractError naming the article."""
    from extract import events, store

    article, incidents = done.article, done.incidents
    try:
        with store.atomic(conn):
            if not done.stored:  # a Dask worker may have stored it already
                store.save_article(conn, article, incidents, reason=done.reason)  # its errors name the article
            try:
                # Events are matched once the article is stored; later articles may still merge its events.
                events.match_stored(conn, article, incidents, reader=reader, reports=done.reports)
            except store.DatabaseError:
                raise
            except store.DB_ERRORS as e:  # a statement of matching (a PostgresError is an ExtractError too)
                raise store.statement_error(conn, e, f"{article.source}: cannot store its events ({e})") from None
            except ExtractError as e:  # the store's message, which names no article
                raise (store.Deadlocked if isinstance(e, store.Deadlocked) else ExtractError)(
                    f"{article.source}: {e}"
                ) from None
    except store.DatabaseError:
        raise
    except store.DB_ERRORS as e:  # the savepoint's own statements (before ExtractError: a PostgresError is one)
        raise store.statement_error(conn, e, f"{article.source}: cannot store the article ({e})") from None
    except ExtractError:
        raise
    # One article's failure is that article's, whatever it is: the batch goes on.
    except Exception as e:  # noqa: BLE001
        raise ExtractError(f"{article.source}: cannot store the article ({type(e).__name__}: {e})") from None
