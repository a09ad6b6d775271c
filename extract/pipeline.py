"""Wire the stages: article text -> cues, places, dates -> geocoded incidents; and files -> SQLite.

Example:
    extractor = load_extractor()
    incidents = extract_incidents(article, extractor=extractor)
    report = ingest_paths(["seeds/"], db_path="data/incidents.db", extractor=extractor)
"""
from __future__ import annotations

import hashlib
from collections import Counter
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick

from extract import dates as dates_mod
from extract.gazetteer import Gazetteer, km, load_gazetteer
from extract.geocode import GazetteerGeocoder, Geocoder
from extract.incidents import Cue, Vocabulary, find_cues, load_vocabulary
from extract.names import DATA_DIR, fold_text, name_key
from extract.places import Matcher, build_matcher, find_places, qualified_elsewhere
from extract.records import Article, ExtractError, Incident, Mention, Place
from extract.sentences import split_sentences

PRECISION_RANK = {"building": 6, "street": 6, "station": 5, "postcode": 5, "area": 3, "ward": 2.5, "borough": 2,
                  "london": 0}  # of the place a mention resolves to
# A place right after these words is where the victim was taken or the case heard, not the scene.
NOT_SCENE_BEFORE = re.compile(
    r"(taken|rushed|flown|airlifted|transferred|conveyed|admitted) (him |her |them |the victim |the man |the woman "
    r"|the boy |the girl )?to( a| the)? (hospital in |hospital at )?$|hospital in $|hospital at $|appeared at $"
    r"|appear at $|court in $|from $|lives in $|living in $|of $|born in $|moved to $|custody in $|station in $"
    r"|arrested (at (an|a|his|her|their) (address|home|property) )?(in|at) $"
    r"|between $|(way|heading|travelling|going|bound) (to|for) $|(got|get|gets|getting) (off|on) at $",
    re.IGNORECASE,
)
NOT_SCENE_AFTER = re.compile(
    r"^('s)? ?(crown court|magistrates|youth court|county court|coroner|hospital|university hospital|police station"
    r"|council|borough council|police|university|college|fc\b|football|mp\b|mayor|line\b)", re.IGNORECASE)
SCENE_BEFORE = re.compile(r"\b(in|on|at|near|outside|off|into|inside|along|to|junction of|corner of)( the)? $",
                          re.IGNORECASE)
DEMONYM_AFTER = re.compile(r" (schoolboy|schoolgirl|man|woman|boy|girl|teenager|teen|resident|residents|mother"
                           r"|father|mum|dad|family|student|pensioner|youth|couple|rapper|footballer)\b")
COURT_KEYS = frozenset({"old bailey", "inner london", "snaresbrook", "southwark crown court", "isleworth",
                        "woolwich crown court", "wood green crown court", "harrow crown court", "kingston crown court"})
AGE = re.compile(r"\b(\d{1,2}) year old\b|\baged (\d{1,2})\b")
SPECIFIC = re.compile(
    r"\b(\d{1,2} year old|aged \d{1,2}|\d{1,2}[.:]\d{2}|\d{1,2} ?(am|pm)|yesterday|last night|this morning|overnight"
    r"|early hours|on (monday|tuesday|wednesday|thursday|friday|saturday|sunday)|were called|was called|called to"
    r"|past week|this week|at the weekend|over the weekend"
    r"|at the scene|died|pronounced|arrested|charged|victim|injuries|injured|hospital|paramedics|cordon"
    r"|appeal|witnesses|cctv|jailed|sentenced|guilty|convicted|appeared at|detectives|police said)\b")
STATS = re.compile(r"\b(figures|statistics|per cent|percent|rate|rates|rise in|increase in|fall in|data|year on year"
                   r"|survey|report|analysis|number of|compared with|compared to|average|budget|council tax"
                   r"|strategy|policy|funding|consultation|campaign)\b")
ASIDE = re.compile(r"\b(it follows|follows a|comes after|came after|a day after|days after|weeks after|last week"
                   r"|last month|earlier this (year|month|week)|previous|previously|in a separate|the latest"
                   r"|including the|such as the|months ago|years ago)\b")
FUTURE = re.compile(r"\b(will|would|are urging|is urging|urged|advise|advised|advice|encouraged|encouraging|"
                    r"are being warned|plans to|planning to)\b")
AFTER_CRIME = re.compile(r"\b(following|after|over|in connection with|on suspicion of)\b")
ARREST = re.compile(r"\b(arrested|held|detained)\b")
COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
ARRESTED_COUNT = re.compile(r"\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
                            r" (\w+ ){0,3}(men|women|people|males|females|boys|girls|teenagers|youths|suspects|persons"
                            r"|man|woman|boy|girl|teenager|youth|suspect|persons?|others) (\w+ ){0,6}?"
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
    foreign_markers: ahocorasick.Automaton  # case-sensitive phrases
    foreign_patterns: re.Pattern[str]
    institutions: re.Pattern[str]


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
    foreign = ahocorasick.Automaton()
    places_elsewhere = [" ".join(w[:1].upper() + w[1:] for w in line.split()) for line in _data_lines("non_london.txt")]
    for line in _data_lines("foreign_markers.txt") + places_elsewhere:
        foreign.add_word(line, len(line))
    foreign.make_automaton()
    foreign_patterns = re.compile("|".join(_data_lines("foreign_patterns.txt")))
    institutions = _data_lines("london_institutions.txt")
    london_orgs = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(i) for i in institutions) + r")(?!\w)")
    return Extractor(gaz, build_matcher(gaz), load_vocabulary(), geocoder or GazetteerGeocoder(gaz), foreign,
                     foreign_patterns, london_orgs)


def _data_lines(name: str) -> list[str]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@dataclass(frozen=True, slots=True)
class _Sentence:
    start: int
    end: int
    cues: tuple[Cue, ...]
    places: tuple[Mention, ...]
    specific: int
    aside: bool  # tells of an earlier or other incident ("It follows a shooting last week")
    future: bool  # advice or plans ("Officers will offer bike marking on Saturday"), not an event


SEPARATE_KM = 0.5
AREA_SEPARATE_KM = 3.0
MAX_INCIDENTS = 12  # per story; a round-up rarely lists more, and a runaway text must not flood the map


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
    sentences = _sentences(text, folded, cues, mentions)
    headline_cues = find_cues(article.headline or "", vocab=extractor.vocab)
    incident_sents = _incident_sentences(sentences, any(c.type for c in headline_cues))
    if not incident_sents or _is_statistics(folded, incident_sents):
        return []
    foreign, london = _foreign_signs(text, mentions, extractor)
    if foreign and foreign >= london:
        return []
    if _foreign_dateline(text, extractor) or not _london_evidence(article, mentions, extractor, foreign=foreign):
        return []
    headline_places = [m.text for m in find_places(article.headline or "", matcher=extractor.matcher)]
    story = _Story(article, text, folded, sentences, mentions, headline_places,
                   # incident_date looks at most FOLLOWING_CHARS past an incident sentence: no need to scan further
                   dates_mod.find_dates(text[:incident_sents[-1].end + dates_mod.FOLLOWING_CHARS + 100],
                                        published=article.published), extractor)
    main = next((s for s in incident_sents if _is_incident_sentence(s)), incident_sents[0])
    place, mention = _scene(story, incident_sents, main)
    if place is None:
        return []  # every London name was a hospital, a court, an arrest or a home: no scene in London
    if place is not None and place.borough is None and place.precision != "london":
        return []
    if place is not None and PRECISION_RANK[place.precision] < PRECISION_RANK["street"] and _spans_boroughs(story, main):
        place, mention = None, None  # "raids at addresses in Lewisham, Southwark and Wembley": no one place
    told = [s for s in incident_sents if not s.aside or s is main]
    type_cue = _type_cue(main, told, headline_cues, story)
    incidents = [_incident(story, 0, main, told, type_cue, place, mention, headline_cues)]
    used = [place] if place else []
    for s in incident_sents:
        if len(incidents) >= MAX_INCIDENTS:
            break
        if s is main or s.aside or not any(c.event and c.type for c in s.cues):
            continue  # an aside ("It comes six months after ...") recalls an older crime: not this story's
        place, mention = _scene(story, [s], s, only=s)
        if place is None or not _another_scene(place, used):
            continue
        used.append(place)
        cue = _type_cue(s, [s], [], story)
        incidents.append(_incident(story, len(incidents), s, [s], cue, place, mention, []))
    return incidents


@dataclass(frozen=True, slots=True)
class _Story:
    article: Article
    text: str
    folded: str
    sentences: list
    mentions: list[Mention]
    headline_places: list[str]
    dates: list
    extractor: Extractor


def _incident(story: _Story, ordinal: int, main: "_Sentence", told: list["_Sentence"], type_cue: Cue | None,
              place: Place | None, mention: Mention | None, headline_cues: list[Cue]) -> Incident:
    type_slug = type_cue.type if type_cue else "other"
    told_cues = [c for s in told for c in s.cues]
    chosen_date = dates_mod.incident_date(story.dates, near=main.start)
    article = story.article
    return Incident(
        incident_id=_incident_id(article.article_id, ordinal),
        article_id=article.article_id,
        type=type_slug,
        category=story.extractor.vocab.types[type_slug].category,
        location_text=_location_text(story.text, mention),
        place=place,
        date=chosen_date.date if chosen_date else None,
        fatal=_fatal(told_cues, _neighbour_cues(story, main), headline_cues if ordinal == 0 else []),
        weapon=_weapon(told_cues, _neighbour_cues(story, main), type_slug),
        victim_ages=_victim_ages(story.folded, _neighbours(story, main, told)),
        arrests=_arrests(story.folded) if ordinal == 0 else None,
        evidence=story.text[main.start:main.end],
        evidence_start=main.start,
        type_span=(type_cue.start, type_cue.end) if type_cue else None,
        place_span=(mention.start, mention.end) if mention else None,
        headline=article.headline,
        url=article.url,
        published=article.published,
    )


BUILDING_BEFORE = re.compile(
    r"((?:[A-Z][\w'\u2019&-]*\s){1,4}(?:House|Court|Tower|Towers|Estate|Mansions|Lodge|Building|Buildings|Centre|"
    r"Hall|Hotel|Station|Arms|Inn|Tavern|Pub|School|Academy|College|Church|Mosque|Temple|Market|Park|Gardens|"
    r"Parade|Works|Wharf|Yard|Point|Heights))(?:,\s|\s(?:in|on|at|off)\s)$")


def _location_text(text: str, mention: Mention | None) -> str | None:
    """The place as written, with the building or site named right before it ("Topham House in Prior Street")."""
    if mention is None:
        return None
    m = BUILDING_BEFORE.search(text, max(0, mention.start - 80), mention.start)
    return f"{m.group(1).strip()}, {mention.text}" if m else mention.text


def _another_scene(place: Place, used: list[Place]) -> bool:
    """True when a further incident's place is apart from the story's other scenes: a street at least
    SEPARATE_KM away, or an area further than AREA_SEPARATE_KM ("Dagenham" after "Merrielands Crescent, Dagenham"
    is the same scene)."""
    if place.precision in ("borough", "london"):
        return False
    apart = SEPARATE_KM if PRECISION_RANK[place.precision] >= PRECISION_RANK["station"] else AREA_SEPARATE_KM
    return all(place.name != u.name and km(place.lat, place.lon, u.lat, u.lon) >= apart for u in used)


def _neighbours(story: _Story, main: "_Sentence", told: list["_Sentence"]) -> list["_Sentence"]:
    """The sentences telling an incident plus those right around its main one that tell of no other incident."""
    i = story.sentences.index(main)
    near = [s for s in story.sentences[max(0, i - 1):i + 3] if not s.aside]
    return sorted({s.start: s for s in told + near}.values(), key=lambda s: s.start)


def _neighbour_cues(story: _Story, main: "_Sentence") -> list[Cue]:
    """Cues in the sentences right around the main one that do not tell of another incident."""
    return [c for s in _neighbours(story, main, []) for c in s.cues]


def _sentences(text: str, folded: str, cues: list[Cue], mentions: list[Mention]) -> list[_Sentence]:
    out = []
    ci = mi = 0
    # One pass of each pattern over the story, then counted per sentence.
    specific_at = [m.start() for m in SPECIFIC.finditer(folded)]
    aside_at = [m.start() for m in ASIDE.finditer(folded)]
    si = ai = 0
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
        while si < len(specific_at) and specific_at[si] < start:
            si += 1
        sj = si
        while sj < len(specific_at) and specific_at[sj] < end:
            sj += 1
        specific, si = sj - si, sj
        while ai < len(aside_at) and aside_at[ai] < start:
            ai += 1
        aside = ai < len(aside_at) and aside_at[ai] < end
        future = bool(FUTURE.search(folded, start, end))
        out.append(_Sentence(start, end, tuple(cues[ci:cj]), tuple(mentions[mi:mj]), specific, aside, future))
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
        if not placed or not (s.specific or any(c.event for c in s.cues)) or s in direct or s.future:
            continue
        if (headline_typed and i < 4) or any(abs(i - j) <= 2 for j in typed_at[:6]):
            nearby.append(s)
    return sorted(direct + nearby, key=lambda s: s.start)


def _is_statistics(folded: str, incident_sents: list[_Sentence]) -> bool:
    """A piece about crime figures or policy: many statistics words and little told as events."""
    if any(s.specific and any("street" in m.kinds for m in s.places) and any(c.event for c in s.cues)
           for s in incident_sents):
        return False  # a crime told at a street and a time is news, whatever figures follow it
    stats = len(STATS.findall(folded))
    events = sum(1 for s in incident_sents for c in s.cues if c.event) + sum(1 for s in incident_sents if s.specific)
    return stats >= 4 and stats > 2 * events


def _foreign_signs(text: str, mentions: list[Mention], extractor: Extractor) -> tuple[int, int]:
    """Count the distinct signs of a place outside London (markers such as "Ontario", "p.m.", "Essex Police"; a
    London name followed by ", Virginia" also stops counting for London) and the story's distinct London areas,
    stations, wards, boroughs and regions ("south-east London"; plain "London" may be Ontario's)."""
    covered = bytearray(len(text))
    for s, e in [(m.start, m.end) for m in mentions] + [o.span() for o in extractor.institutions.finditer(text)]:
        covered[s:e] = b"\x01" * (e - s)  # "Scotland Yard", "Kent House" are London
    spans = [(end - length + 1, end + 1) for end, length in extractor.foreign_markers.iter(text)]
    spans = [(s, e) for s, e in spans
             if not (s > 0 and (text[s - 1].isalnum() or text[s - 1] in "._"))
             and not (e < len(text) and (text[e].isalnum() or text[e] == "_"))
             and not any(covered[s:e])]
    if "block of" in text:
        spans += [m.span() for m in extractor.foreign_patterns.finditer(text)]
    ends = {m.end: m for m in mentions}
    qualified = {ends[s - 2].key for s, _ in spans if s >= 2 and text[s - 2:s] == ", " and s - 2 in ends}
    london = {m.key for m in mentions if (set(m.kinds) & {"area", "borough", "station", "ward"}
                                          or (m.kinds == ("region",) and m.key != "london"))
              and not qualified_elsewhere(text, m.start)} - qualified
    return len({text[s:e] for s, e in spans}) + len(qualified), len(london)


METHOD_TYPES = frozenset({"stabbing", "shooting", "hit_and_run", "acid_attack", "arson"})
GENERIC_TYPES = frozenset({"assault", "theft", "other"})  # "attack", "stole": often told of a more specific crime
DATELINE = re.compile(r"[A-Z][A-Z .'-]{2,40}(?=,| \(| \u2014| \u2013| --| - )")
STRONG_KINDS = frozenset({"region", "borough", "outcode", "postcode"})
LONDON_TRANSPORT = re.compile(r"\b(Tube|tube|Underground|Overground|DLR)\b")
LOCATIVE = re.compile(r"\b(in|at|near|outside) $")
COHERENT_KM = 3.0


def _foreign_dateline(text: str, extractor: Extractor) -> bool:
    """True when the story opens with a dateline ("LEBANON (AP) --", "EAST HAMPTON --") naming no London place."""
    for start, _ in split_sentences(text[:400])[:2]:  # a page may put its headline first
        m = DATELINE.match(text, start)
        if m and any(c.isalpha() for c in m.group(0)) and m.group(0).strip() != "LONDON":
            key = name_key(m.group(0))
            return not any(e.kind != "street" for e in extractor.gazetteer.candidates(key))
    return False


def _london_evidence(article: Article, mentions: list[Mention], extractor: Extractor, *, foreign: int) -> bool:
    """True when the story shows it is about London: London itself, a borough, a postcode, a London institution
    (the Met, Scotland Yard, ...), an area or station of two words or more, a Tube station, a street named after its
    area, an area "in"/"at" which something happened in a story with no sign of elsewhere (`foreign` counts those),
    or two different London names within COHERENT_KM of each other ("Seaton Street" and "Edmonton"); "Main Street
    and Abbey Street" are not."""
    if extractor.institutions.search(article.text) or extractor.institutions.search(article.headline or ""):
        return True
    points: dict[str, list[tuple[float, float]]] = {}
    gaz = extractor.gazetteer
    for m in mentions:
        if qualified_elsewhere(article.text, m.start):
            continue
        if STRONG_KINDS & set(m.kinds) or (" " in m.key and set(m.kinds) - {"street"}):
            return True
        if LONDON_TRANSPORT.search(m.text):
            return True  # "Brixton Tube station"
        if " " in m.key and any(e.kind in ("area", "borough") for e in gaz.candidates(m.key.split(" ")[0])):
            return True  # a street named after its London area: "Streatham High Road"
        if (not foreign and set(m.kinds) & {"area", "station"}
                and LOCATIVE.search(article.text, max(0, m.start - 8), m.start)):
            return True  # "in Walthamstow", in a story with nothing from elsewhere
        if m.key not in points and len(points) < 30:
            points[m.key] = [(e.lat, e.lon) for e in extractor.gazetteer.candidates(m.key)[:50]]
    keys = list(points)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if any(km(p[0], p[1], q[0], q[1]) < COHERENT_KM for p in points[a] for q in points[b]):
                return True
    return False


def _type_cue(main: "_Sentence", told: list["_Sentence"], headline_cues: list[Cue], story: _Story) -> Cue | None:
    """The cue naming an incident's type: the most severe in its main sentence, else in the headline, else in the
    sentences telling it; a generic one ("attack") gives way to a specific crime named elsewhere in the story."""
    types = story.extractor.vocab.types

    def most_severe(cues):
        typed = [c for c in cues if c.type]
        # "killed in a hit-and-run", "murdered ... stabbed": the death is `fatal`, the method is the type
        methods = [c for c in typed if c.type in METHOD_TYPES]
        if methods and all(c.type in ("homicide",) + tuple(METHOD_TYPES) for c in typed):
            typed = methods
        return max(typed, key=lambda c: (types[c.type].severity, c.event, -c.start)) if typed else None

    cue = most_severe(main.cues) or most_severe(headline_cues) or most_severe(c for s in told for c in s.cues)
    if cue is not None and cue.type not in GENERIC_TYPES:
        return cue
    specific = [c for s in story.sentences if not s.aside for c in s.cues if c.type and c.type not in GENERIC_TYPES]
    if not specific:
        return cue
    counts = Counter(c.type for c in specific)
    best = max(counts, key=lambda t: (counts[t], types[t].severity))
    return next(c for c in specific if c.type == best)


def _scene(story: _Story, incident_sents: list["_Sentence"], main: "_Sentence", *,
           only: "_Sentence | None" = None) -> tuple[Place | None, Mention | None]:
    """Geocode the crime scene: the most precise place named where the incident is told, not the hospital or court.

    Every candidate mention is geocoded (with the story's other places as context) and ranked by the precision it
    actually resolved to, plus where it stands: in an incident sentence, near one, after "in"/"on"/"at".
    """
    text, mentions, extractor = story.text, story.mentions, story.extractor
    incident_starts = {s.start for s in incident_sents}
    first_incident = main.start
    context = [m.text for m in mentions] + list(story.headline_places)
    resolved: dict[str, Place | None] = {}
    best: tuple[float, int, Place, Mention] | None = None
    for si, s in enumerate([only] if only else story.sentences):
        for m in s.places:
            before = text[max(0, m.start - 40):m.start]
            if NOT_SCENE_BEFORE.search(before) or NOT_SCENE_AFTER.match(text[m.end:m.end + 40]):
                continue
            if _arrest_place(story, s, m):
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
            if DEMONYM_AFTER.match(text, m.end):
                score -= 2  # "a Highgate schoolboy", "a Peckham man": where someone is from, often not the scene
            if best is None or (score, -m.start) > (best[0], best[1]):
                best = (score, -m.start, place, m)
    return (best[2], best[3]) if best else (None, None)


def _spans_boroughs(story: _Story, main: "_Sentence") -> bool:
    """True when a sentence telling the incident names places in three or more boroughs (a series or operation)."""
    for s in _neighbours(story, main, []):
        codes = set()
        for m in s.places:
            if set(m.kinds) & {"area", "borough"}:
                place = story.extractor.geocoder.geocode(m.text)
                if place is not None and place.borough_code:
                    codes.add(place.borough_code)
        if len(codes) >= 3:
            return True
    return False


def _arrest_place(story: _Story, s: "_Sentence", m: Mention) -> bool:
    """True when the mention is where someone was arrested ("was arrested at the home he shares with his mother
    in Camberwell"), with no crime told between the arrest and the place."""
    clause_start = max(story.text.rfind(sep, s.start, m.start) for sep in (",", ";", ":", " and ")) + 1
    clause_start = max(clause_start, s.start)
    arrest = ARREST.search(story.folded, clause_start, m.start)
    if not arrest or AFTER_CRIME.search(story.folded, arrest.end(), m.start):
        return False  # "arrested following Sunday's house fire in Stanstead Road": the place is the crime's
    return not any(c.type and arrest.end() <= c.start < m.start for c in s.cues)


def _qualified(text: str, m: Mention, mentions: list[Mention]) -> str:
    """Return "Norwood Road, Lambeth" for a mention directly followed by ", <place>" or " in <place>"."""
    for other in mentions:
        if other.start > m.end and other.start - m.end <= 4 and text[m.end:other.start] in (", ", " in ", ","):
            return f"{m.text}, {other.text}"
    return m.text


def _fatal(told: list[Cue], neighbours: list[Cue], headline: list[Cue]) -> bool:
    """Dead when the sentences telling the incident, its headline, or a reported death right after it say so
    ("attempted murder" is not a death)."""
    return (any(c.fatal is True for c in told + headline)
            or any(c.fatal is True and c.event for c in neighbours))


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
