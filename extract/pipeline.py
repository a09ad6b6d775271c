"""Wire the stages: article text -> cues, places, dates -> geocoded incidents; and files -> SQLite.

Example:
    extractor = load_extractor()
    incidents = extract_incidents(article, extractor=extractor)
    report = ingest_paths(["seeds/"], db_path="data/incidents.db", extractor=extractor)
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from extract import dates as dates_mod
from extract.gazetteer import Gazetteer, load_gazetteer
from extract.geocode import GazetteerGeocoder, Geocoder
from extract.incidents import Cue, Vocabulary, find_cues, load_vocabulary
from extract.names import DATA_DIR, fold_text, name_key
from extract.places import Matcher, build_matcher, find_places
from extract.records import Article, ExtractError, Incident, Mention, Place
from extract.sentences import split_sentences

PRECISION_RANK = {"building": 6, "street": 6, "station": 5, "postcode": 5, "area": 3, "ward": 2.5, "borough": 2,
                  "london": 0}  # of the place a mention resolves to
# A place right after these words is where the victim was taken or the case heard, not the scene.
NOT_SCENE_BEFORE = re.compile(
    r"(taken|rushed|flown|airlifted|transferred|conveyed|admitted) (him |her |them |the victim |the man |the woman "
    r"|the boy |the girl )?to( a| the)? (hospital in |hospital at )?$|hospital in $|hospital at $|appeared at $"
    r"|appear at $|court in $|from $|lives in $|living in $|of $|born in $|moved to $|custody in $|station in $",
    re.IGNORECASE,
)
NOT_SCENE_AFTER = re.compile(
    r"^('s)? ?(crown court|magistrates|youth court|county court|coroner|hospital|university hospital|police station"
    r"|council|borough council|police|university|college|fc\b|football|mp\b|mayor)", re.IGNORECASE)
SCENE_BEFORE = re.compile(r"\b(in|on|at|near|outside|off|into|inside|along|to|junction of|corner of)( the)? $",
                          re.IGNORECASE)
COURT_KEYS = frozenset({"old bailey", "inner london", "snaresbrook", "southwark crown court", "isleworth",
                        "woolwich crown court", "wood green crown court", "harrow crown court", "kingston crown court"})
AGE = re.compile(r"\b(\d{1,2}) year old\b|\baged (\d{1,2})\b")
SPECIFIC = re.compile(
    r"\b(\d{1,2} year old|aged \d{1,2}|\d{1,2}[.:]\d{2}|\d{1,2} ?(am|pm)|yesterday|last night|this morning|overnight"
    r"|early hours|on (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|were called|was called|called to"
    r"|at the scene|died|pronounced|arrested|charged|victim|injuries|injured|hospital|paramedics|cordon"
    r"|appeal|witnesses|cctv|jailed|sentenced|guilty|convicted|appeared at|detectives|police said)\b")
STATS = re.compile(r"\b(figures|statistics|per cent|percent|rate|rates|rise in|increase in|fall in|data|year on year"
                   r"|survey|report|analysis|number of|compared with|compared to|average|budget|council tax"
                   r"|strategy|policy|funding|consultation|campaign)\b")
ARREST = re.compile(r"\b(arrested|held|detained)\b")
COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
ARRESTED_COUNT = re.compile(r"\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
                            r" (\w+ ){0,3}(men|women|people|males|females|boys|girls|teenagers|youths|suspects|persons"
                            r"|man|woman|boy|girl|teenager|youth|suspect|person|others)\b(\w+ ){0,6}?"
                            r"(have been|has been|were|was|had been|been) (arrested|held|detained)")
NO_ARRESTS = re.compile(r"\bno (one|arrests?) (has|have) (yet )?been (arrested|made)|\bno arrests\b")
VICTIM = re.compile(r"\b(victim|stabbed|shot|injur|died|dead|hospital|wound|attacked|assaulted|robbed|killed|"
                    r"found|suffered|collapsed|hurt)")
SUSPECT = re.compile(r"\b(arrest|charged|suspect|appeared|court|jailed|sentenced|convicted|guilty|held|detained|"
                     r"wanted|remanded)")


@dataclass(frozen=True, slots=True)
class Extractor:
    """Everything extraction needs, loaded once: gazetteer, place matcher, crime vocabulary, geocoder."""

    gazetteer: Gazetteer
    matcher: Matcher
    vocab: Vocabulary
    geocoder: Geocoder
    foreign_markers: re.Pattern[str]


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
    markers = tuple(
        line.strip() for line in (DATA_DIR / "foreign_markers.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    # One alternation of bounded phrases: linear, and compiled once rather than per article.
    foreign = re.compile(r"(?<![\w.])(?:" + "|".join(sorted(markers, key=len, reverse=True))
                         + r")(?!\w)")
    return Extractor(gaz, build_matcher(gaz), load_vocabulary(), geocoder or GazetteerGeocoder(gaz), foreign)


@dataclass(frozen=True, slots=True)
class _Sentence:
    start: int
    end: int
    cues: tuple[Cue, ...]
    places: tuple[Mention, ...]
    specific: int


def extract_incidents(article: Article, *, extractor: Extractor) -> list[Incident]:
    """Return the crime incidents in Greater London that `article` reports (none for policy, statistics,
    non-crime news or crimes elsewhere), each geocoded with the story's other places as context."""
    text = article.text
    folded = fold_text(text)
    cues = find_cues(text, vocab=extractor.vocab, folded=folded)
    if not any(c.type for c in cues):
        return []
    mentions = [m for m in find_places(text, matcher=extractor.matcher) if m.key not in COURT_KEYS]
    sentences = _sentences(text, folded, cues, mentions)
    headline_typed = bool(article.headline) and any(
        c.type for c in find_cues(article.headline, vocab=extractor.vocab))
    incident_sents = _incident_sentences(sentences, headline_typed)
    if not incident_sents or _is_statistics(folded, incident_sents):
        return []
    if _is_elsewhere(text, mentions, extractor.foreign_markers):
        return []
    main = incident_sents[0]
    type_cue = _type_cue(incident_sents, extractor.vocab)
    headline_places = [m.text for m in find_places(article.headline or "", matcher=extractor.matcher)]
    place, mention = _scene(text, sentences, incident_sents, mentions, headline_places, extractor)
    if place is None and not any(m.kinds == ("region",) for m in mentions):
        return []
    if place is not None and place.borough is None and place.precision != "london":
        return []
    date_mentions = dates_mod.find_dates(text, published=article.published)
    chosen_date = dates_mod.incident_date(date_mentions, near=main.start)
    type_slug = type_cue.type if type_cue else "other"
    crime = extractor.vocab.types[type_slug]
    story_cues = [c for s in incident_sents for c in s.cues]
    incident = Incident(
        incident_id=_incident_id(article.article_id, 0),
        article_id=article.article_id,
        type=type_slug,
        category=crime.category,
        location_text=mention.text if mention else None,
        place=place,
        date=chosen_date.date if chosen_date else None,
        fatal=_fatal(cues, story_cues),
        weapon=_weapon(story_cues, cues, type_slug),
        victim_ages=_victim_ages(folded, sentences),
        arrests=_arrests(folded),
        evidence=text[main.start:main.end],
        evidence_start=main.start,
        type_span=(type_cue.start, type_cue.end) if type_cue else None,
        place_span=(mention.start, mention.end) if mention else None,
        headline=article.headline,
        url=article.url,
        published=article.published,
    )
    return [incident]


def _sentences(text: str, folded: str, cues: list[Cue], mentions: list[Mention]) -> list[_Sentence]:
    out = []
    ci = mi = 0
    for start, end in split_sentences(text):
        while ci < len(cues) and cues[ci].start < start:
            ci += 1
        cj = ci
        while cj < len(cues) and cues[cj].start < end:
            cj += 1
        while mi < len(mentions) and mentions[mi].start < start:
            mi += 1
        mj = mi
        while mj < len(mentions) and mentions[mj].start < end:
            mj += 1
        specific = len(SPECIFIC.findall(folded, start, end))
        out.append(_Sentence(start, end, tuple(cues[ci:cj]), tuple(mentions[mi:mj]), specific))
        ci, mi = cj, mj
    return out


def _is_incident_sentence(s: _Sentence) -> bool:
    typed = [c for c in s.cues if c.type]
    if not typed:
        return False
    score = (2 if any(c.event for c in s.cues) else 1) + min(s.specific, 2)
    score += 1 if any(m.kinds != ("region",) for m in s.places) else 0
    return score >= 3


def _incident_sentences(sentences: list[_Sentence], headline_typed: bool) -> list[_Sentence]:
    """Sentences that tell a specific incident: a crime cue with an event verb or specifics (time, age, place);
    or, next to a crime cue (or under a crime headline), a sentence placing something at a time and place."""
    direct = [s for s in sentences if _is_incident_sentence(s)]
    typed_at = [i for i, s in enumerate(sentences) if any(c.type for c in s.cues)]
    nearby = []
    for i, s in enumerate(sentences):
        placed = any(m.kinds != ("region",) for m in s.places)
        if not placed or not (s.specific or any(c.event for c in s.cues)) or s in direct:
            continue
        if (headline_typed and i < 4) or any(abs(i - j) <= 2 for j in typed_at[:6]):
            nearby.append(s)
    return sorted(direct + nearby, key=lambda s: (s not in direct or s.start > (nearby[0].start if nearby else 0),
                                                   s.start))


def _is_statistics(folded: str, incident_sents: list[_Sentence]) -> bool:
    """A piece about crime figures or policy: many statistics words and little told as events."""
    stats = len(STATS.findall(folded))
    events = sum(1 for s in incident_sents for c in s.cues if c.event) + sum(1 for s in incident_sents if s.specific)
    return stats >= 4 and stats > 2 * events


def _is_elsewhere(text: str, mentions: list[Mention], markers: re.Pattern[str]) -> bool:
    """True when places and usages from outside London outnumber the story's London areas, stations and boroughs."""
    covered = bytearray(len(text))
    for m in mentions:
        covered[m.start:m.end] = b"\x01" * (m.end - m.start)
    foreign = sum(1 for m in markers.finditer(text) if not any(covered[m.start():m.end()]))
    if not foreign:
        return False
    london = sum(1 for m in mentions if set(m.kinds) & {"area", "borough", "station", "ward"})
    return foreign >= london


def _type_cue(incident_sents: list[_Sentence], vocab: Vocabulary) -> Cue | None:
    """The cue naming the story's type: the most severe typed cue in its first incident sentences."""
    typed = [c for s in incident_sents[:3] for c in s.cues if c.type]
    if not typed:
        return None
    return max(typed, key=lambda c: (vocab.types[c.type].severity, c.event, -c.start))


def _scene(text: str, sentences: list[_Sentence], incident_sents: list[_Sentence], mentions: list[Mention],
           headline_places: list[str], extractor: Extractor) -> tuple[Place | None, Mention | None]:
    """Geocode the crime scene: the most precise place named where the incident is told, not the hospital or court.

    Every candidate mention is geocoded (with the story's other places as context) and ranked by the precision it
    actually resolved to, plus where it stands: in an incident sentence, near one, after "in"/"on"/"at".
    """
    incident_starts = {s.start for s in incident_sents}
    first_incident = incident_sents[0].start
    context = [m.text for m in mentions] + list(headline_places)
    resolved: dict[str, Place | None] = {}
    best: tuple[float, int, Place, Mention] | None = None
    for si, s in enumerate(sentences):
        for m in s.places:
            before = text[max(0, m.start - 40):m.start]
            if NOT_SCENE_BEFORE.search(before) or NOT_SCENE_AFTER.match(text[m.end:m.end + 40]):
                continue
            query = _qualified(text, m, mentions)
            if query not in resolved:
                resolved[query] = extractor.geocoder.geocode(query, context=[c for c in context if c != m.text])
            place = resolved[query]
            if place is None:
                continue
            score = PRECISION_RANK.get(place.precision, 0)
            if s.start in incident_starts:
                score += 3
            elif si < 3 or abs(s.start - first_incident) < 400:
                score += 1.5
            else:
                score -= 1
            if SCENE_BEFORE.search(before[-25:]):
                score += 1
            if best is None or (score, -m.start) > (best[0], best[1]):
                best = (score, -m.start, place, m)
    return (best[2], best[3]) if best else (None, None)


def _qualified(text: str, m: Mention, mentions: list[Mention]) -> str:
    """Return "Norwood Road, Lambeth" for a mention directly followed by ", <place>" or " in <place>"."""
    for other in mentions:
        if other.start > m.end and other.start - m.end <= 4 and text[m.end:other.start] in (", ", " in ", ","):
            return f"{m.text}, {other.text}"
    return m.text


def _fatal(all_cues: list[Cue], story_cues: list[Cue]) -> bool:
    if any(c.fatal is True for c in story_cues):
        return True
    return any(c.fatal is True and c.event for c in all_cues)


def _weapon(story_cues: list[Cue], all_cues: list[Cue], type_slug: str) -> str | None:
    for cues in (story_cues, all_cues):
        weapons = [c.weapon for c in cues if c.weapon and c.weapon != "none"]
        if weapons:
            order = ("gun", "knife", "corrosive", "vehicle", "other")
            return min(weapons, key=order.index)
    return None if type_slug == "homicide" else "none"


def _victim_ages(folded: str, sentences: list[_Sentence]) -> tuple[int, ...]:
    ages = []
    for s in sentences:
        chunk = folded[s.start:s.end]
        if not AGE.search(chunk) or SUSPECT.search(chunk) or not VICTIM.search(chunk):
            continue
        for m in AGE.finditer(chunk):
            age = int(m.group(1) or m.group(2))
            if 0 < age < 110 and age not in ages:
                ages.append(age)
    return tuple(ages)


def _arrests(folded: str) -> int | None:
    if NO_ARRESTS.search(folded):
        return 0
    total = 0
    for m in ARRESTED_COUNT.finditer(folded):
        n = m.group(1)
        total += int(n) if n.isdigit() else COUNT_WORDS.get(n, 1)
    return total or None


def _incident_id(article_id: str, ordinal: int) -> str:
    return hashlib.sha1(f"{article_id}\x1f{ordinal}".encode()).hexdigest()[:16]


def ingest_paths(paths: Iterable[str | Path], *, db_path: str | Path, published: str | None = None,
                 extractor: Extractor | None = None, on_article: Callable[[Article, list[Incident]], None] | None = None,
                 progress: bool = False) -> IngestReport:
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
