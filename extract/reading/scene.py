"""Choose and geocode an incident's crime scene among the places a story names: not the hospital, the court, the
police station, where someone was arrested or where they come from; and geocode a phrase people type the same way
(locate_phrase)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from extract.geo.gazetteer import km
from extract.geo.geocode import Geocoder
from extract.geo.names import name_key
from extract.geo.places import CONNECTORS, Matcher, find_places
from extract.reading.story import Sentence, Story, neighbours
from extract.records import Mention, Place

# A candidate's score starts from the precision its mention resolved to: a street or building pins the scene, a
# station or postcode nearly so; an area beats a ward (wards are named after areas but drawn wider); a borough
# says little, and London nothing.
PRECISION_RANK = {
    "building": 6,
    "junction": 6.5,  # two streets named together pin the scene better than either alone
    "site": 6,
    "street": 6,
    "station": 5,
    "postcode": 5,
    "area": 3,
    "ward": 2.5,
    "borough": 2,
    "london": 0,
}
TOLD_BONUS = 3  # named in a sentence telling the incident: outweighs one step of precision
NEAR_BONUS = 1.5  # in the opening sentences or near the main one: the scene is often set a sentence before or after
OPENING_SENTENCES = 3  # the sentences that count as opening the story
NEAR_CHARS = 400  # characters between a sentence and the main one that count as near it
FAR_PENALTY = 1  # named far from the incident: background ("the borough has seen a rise ...")
PARAGRAPH_BONUS = 0.5  # in the main sentence's paragraph: breaks ties with a place told paragraphs away, never
# outweighs a step of precision
ARREST_PENALTY = 4.25  # where someone was arrested: a street falls below a borough named where the incident is
# told (2 + TOLD_BONUS + LOCATIVE_BONUS = 6) and stays above London named there (4)
LOCATIVE_BONUS = 1  # right after "in", "on", "at", "outside", ...: where something happened
DEMONYM_PENALTY = 2  # "a Highgate schoolboy", "a Peckham man": where someone is from, often not the scene
# A place right after these phrases is where the victim was taken, the case heard, or someone lives: not the scene.
# Kept by the phrase's last word (last_word() reads it), so that a mention is checked against those ending in its
# own only; a phrase another one ends with is left out ("taken to hospital in" ends with "hospital in").
# "Rushed" only of someone taken ("was rushed to", "stabbed and rushed to", "rushed him to"): "officers rushed to
# Coldharbour Lane" went to the scene.
_TAKEN = r"(him |her |them |the victim |the man |the woman |the boy |the girl )"
_TAKEN_TO = (
    rf"((taken|flown|airlifted|transferred|conveyed|admitted) {_TAKEN}?"
    rf"|(is|are|was|were|be|been|being) (\w+ )?rushed |(and|then) rushed |rushed {_TAKEN})to"
)
# A place after "<one of these> of" is the scene or a part of it ("the junction of", "a stretch of", "the end of",
# "streamed out of Whitechapel station"); after any other "of", it is not ("the Mayor of London").
OF_THE_SCENE = ("junction", "corner", "stretch", "part", "end", "side", "out")
_ARRESTED_AT_HOME = r"arrested at (an|a|his|her|their) (address|home|property)"
# "yards from Tooting Broadway": near a place, not from it
_NEAR = "".join(f"(?<!{word} )" for word in ("yards", "metres", "meters", "feet", "miles", "away", "walk", "seconds"))
# Where a victim was mourned: "a vigil was held at", "gathered outside X for a candlelit vigil" (NOT_SCENE_AFTER).
_MOURNED = r"\b(vigil|vigils|memorial service|funeral|wake|tributes)( \w+){0,3}"  # a memorial garden is a place
NOT_SCENE_BEFORE = {
    word: re.compile(phrases, re.IGNORECASE)
    for word, phrases in {
        "to": rf"{_TAKEN_TO} $|moved to $|(way|heading|travelling|going|bound) to $",
        "a": rf"{_TAKEN_TO} a $",
        "the": rf"{_TAKEN_TO} the $",
        # Whole words: "a forecourt in Uxbridge Road" is no court.
        "in": rf"\b(hospital|court|lives|living|born|custody|police station) in $|{_ARRESTED_AT_HOME} in $"
        rf"|\b(men|women|gangs?|dealers|members|suspects|criminals|youths) based in $|{_MOURNED} in $",
        "at": rf"\b(hospital|appeared|appear|police station|(got|gets?|getting) (off|on)) at $"
        rf"|{_ARRESTED_AT_HOME} at $|{_MOURNED} at $",
        "from": rf"{_NEAR}from $",
        "of": "".join(f"(?<!{word} )" for word in OF_THE_SCENE) + "of $",
        "between": r"(?<!train )(?<!tube )(?<!bus )(?<!travelling )between $",  # "on a train between A and B": A
        "for": r"(way|heading|travelling|going|bound) for $",
        "against": r"against $",
        "v": r" v $",
        "vs": r" vs $",
    }.items()
}
NOT_SCENE_AFTER = re.compile(  # matched right at the end of the mention
    r"('s)? ?(crown court|magistrates|youth court|county court|coroner|hospital|university hospital|police station"
    r"|council|borough council|police|university|college|fc\b|football|mp\b|mayor|line\b"
    r"|,? (for|to hold|holding) (a |an )?(candlelit |silent |emotional |prayer )?(vigil|memorial|service|tribute))",
    re.IGNORECASE,
)
# Every NOT_SCENE_BEFORE and SCENE_BEFORE phrase ends in one of these words: the regex runs only after them.
NOT_SCENE_LAST = frozenset(NOT_SCENE_BEFORE)
SCENE_LAST = frozenset({"in", "on", "at", "near", "outside", "off", "into", "inside", "along", "to", "of", "the"})
SCENE_BEFORE = re.compile(
    r"\b(in|on|at|near|outside|off|into|inside|along|to|junction of|corner of)( the)? $", re.IGNORECASE
)
DEMONYM_AFTER = re.compile(
    r" (schoolboy|schoolgirl|man|woman|boy|girl|teenager|teen|resident|residents|mother"
    r"|father|mum|dad|family|student|pensioner|youth|couple|rapper|footballer)\b"
)
ARRESTED_IN = re.compile(r"arrested (in|at|on) $", re.IGNORECASE)
COURT_NAME = re.compile(r"\b(crown|magistrates'?|youth|county|coroner'?s) court$", re.IGNORECASE)
# "the junction of A and B", "A at its junction with B", "A junction with B", "A / B": two streets meeting
JUNCTION_BEFORE = re.compile(r"\b(junction|corner) (of|between) (the )?$", re.IGNORECASE)
JUNCTION_GAP_AFTER_OF = re.compile(r" (and|with|&) ")
JUNCTION_GAP = re.compile(
    r"( ?/ ?| at (its|the) (junction|corner) (with|of) | (junction|corner) (with|of) )", re.IGNORECASE
)
STREET_LEVEL = frozenset({"building", "junction", "site", "street"})
AFTER_CRIME = re.compile(r"\b(following|after|over|in connection with|on suspicion of)\b")
ARREST = re.compile(r"\b(arrested|held|detained)\b")
BUILDING_BEFORE = re.compile(
    r"((?:[A-Z][\w'\u2019&-]*\s){1,4}(?:House|Court|Tower|Towers|Estate|Mansions|Lodge|Building|Buildings|Centre|"
    r"Hall|Hotel|Station|Arms|Inn|Tavern|Pub|School|Academy|College|Church|Mosque|Temple|Market|Park|Gardens|"
    r"Parade|Works|Wharf|Yard|Point|Heights))(?:,\s|\s(?:in|on|at|off)\s)$"
)
BEFORE_CHARS = 40  # characters before a mention searched for the phrases of NOT_SCENE_BEFORE
AFTER_CHARS = 40  # characters after it searched for those of NOT_SCENE_AFTER
LOCATIVE_CHARS = 25  # characters before it searched for those of SCENE_BEFORE ("at the junction of ")
LAST_WORD_CHARS = 2 + max(map(len, NOT_SCENE_LAST | SCENE_LAST))  # a last word of those sets with its two spaces
BUILDING_CHARS = 80  # characters before a place searched for the building named with it ("Topham House in ...")
MAX_SCENE_SENTENCES = 40  # sentences searched for a scene: a text naming thousands of places stays linear
ARREST_WINDOW = 200  # characters before a place searched for "arrested"
MIN_BOROUGHS_SPANNED = 3  # places in this many boroughs in one sentence: a series or an operation, not one scene
SEPARATE_KM = 0.5  # a further incident at a street or station this far from the others is another scene
AREA_SEPARATE_KM = 3.0  # an area must be further: "Dagenham" after "Merrielands Crescent, Dagenham" is the same


class StoryGeocoder:
    """One story's geocoding: the geocoder, the story's place names as context, and every answer kept, so that each
    query is geocoded once per story however often it is named; `known` are answers already given with the same
    geocoder and context (Story.geocoded: story_incidents asks again what read_story asked)."""

    def __init__(
        self, geocoder: Geocoder, context: Sequence[str], *, known: Mapping[str, Place | None] = MappingProxyType({})
    ) -> None:
        self.geocoder = geocoder
        self.context = tuple(context)
        self._in_context: dict[str, Place | None] = dict(known)
        self._alone: dict[str, Place | None] = {}

    def place(self, query: str, *, name: str) -> Place | None:
        """Geocode `query` with the story's place names other than `name` (the one it asks about) as context."""
        if query not in self._in_context:
            self._in_context[query] = self.geocoder.geocode(query, context=[c for c in self.context if c != name])
        return self._in_context[query]

    def answers(self) -> Mapping[str, Place | None]:
        """The answers given so far with context, by query, as a read-only copy (for Story.geocoded)."""
        return MappingProxyType(dict(self._in_context))

    def alone(self, name: str) -> Place | None:
        """Geocode `name` without context: where the name is when nothing else in the story places it."""
        if name not in self._alone:
            self._alone[name] = self.geocoder.geocode(name)
        return self._alone[name]


def choose_scene(
    story: Story,
    told: Sequence[Sentence],
    main: Sentence,
    *,
    places: StoryGeocoder,
    only: Sentence | None = None,
    weighed: list[Candidate] | None = None,
) -> tuple[Place | None, Mention | None]:
    """Geocode the crime scene: the most precise place named where the incident is told, not the hospital or court.

    Every candidate mention (in `only`, else in the story's first MAX_SCENE_SENTENCES sentences and those of
    `told`) is geocoded by `places` with the story's other places as context and scored by the precision it
    actually resolved to, plus where it stands: in a sentence of `told`, near `main`, after "in"/"on"/"at"; the
    first of the best scores wins. Each mention weighed is added to `weighed` when given (for explain).
    """
    text = story.text
    told_starts = {s.start for s in told[:MAX_SCENE_SENTENCES]}
    # the main sentence's paragraph, when the text has paragraphs: (0, 0) otherwise, so that nothing is in it
    paragraph = (text.rfind("\n", 0, main.start) + 1, _paragraph_end(text, main.end)) if "\n" in text else (0, 0)
    best: tuple[float, int, Place, Mention] | None = None
    for si, s in enumerate([only] if only else story.sentences):
        if only is None and si >= MAX_SCENE_SENTENCES and s.start not in told_starts:
            continue  # bounded, so that a text naming thousands of places stays linear
        for m in s.places:
            before, last = last_word(text, m)
            if not_scene(text, m, before, last) or COURT_NAME.search(m.text):
                _weigh(weighed, m, passed_over="the words around it make it a hospital, court, home or origin")
                continue  # "Harrow Crown Court" is a gazetteer name too, but never the scene
            arrest = ARRESTED_IN.search(before) is not None or _arrest_place(story, s, m)
            place = next(filter(None, (places.place(q, name=m.text) for q in queries(text, m, story.mention_at))), None)
            if place is None or (arrest and place.precision not in STREET_LEVEL):
                _weigh(
                    weighed, m, place, passed_over="not found in London" if place is None else "where one was arrested"
                )
                continue
            score = base_score(text, m, place, before, last)
            if s.start in told_starts:
                score += TOLD_BONUS
            elif si < OPENING_SENTENCES or abs(s.start - main.start) < NEAR_CHARS:
                score += NEAR_BONUS
            else:
                score -= FAR_PENALTY
            if paragraph[0] <= s.start < paragraph[1]:
                score += PARAGRAPH_BONUS
            if arrest:
                score -= ARREST_PENALTY  # "arrested in Rye Lane": the street only when nothing better is named
            _weigh(weighed, m, place, score)
            if best is None or (score, -m.start) > (best[0], best[1]):
                best = (score, -m.start, place, m)
    return (best[2], best[3]) if best else (None, None)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place weighed as an incident's scene: where it is named, the place it resolved to and its score, or why it
    was passed over (then without a score)."""

    mention: Mention
    place: Place | None
    score: float | None
    passed_over: str | None = None


def _weigh(
    weighed: list[Candidate] | None,
    m: Mention,
    place: Place | None = None,
    score: float | None = None,
    *,
    passed_over: str | None = None,
) -> None:
    if weighed is not None:
        weighed.append(Candidate(m, place, score, passed_over))


def not_scene(text: str, m: Mention, before: str, last: str) -> bool:
    """True when the words around a mention make it the hospital, the court, the home or the police station, not
    the scene; `before` is the text just before it and `last` its last word, in lower case."""
    phrases = NOT_SCENE_BEFORE.get(last)
    if phrases is not None and phrases.search(before):
        return True
    return NOT_SCENE_AFTER.match(text, m.end, m.end + AFTER_CHARS) is not None


def base_score(text: str, m: Mention, place: Place, before: str, last: str) -> float:
    """Score a candidate scene by the precision it resolved to, plus LOCATIVE_BONUS after "in", "on", "at" ... and
    minus DEMONYM_PENALTY before "man", "teenager" ...: the part of the ranking a lone phrase has too."""
    score = PRECISION_RANK.get(place.precision, 0)
    if last in SCENE_LAST and SCENE_BEFORE.search(before[-LOCATIVE_CHARS:]):
        score += LOCATIVE_BONUS
    if DEMONYM_AFTER.match(text, m.end):
        score -= DEMONYM_PENALTY
    return score


def last_word(text: str, m: Mention) -> tuple[str, str]:
    """Return the BEFORE_CHARS characters before a mention and their last word in lower case ("" unless a space
    precedes the mention)."""
    before = text[max(0, m.start - BEFORE_CHARS) : m.start]
    last = before[-LAST_WORD_CHARS:].rsplit(" ", 2)[-2].lower() if before.endswith(" ") else ""
    return before, last


PHRASE_LOWER = CONNECTORS | {"a", "an", "near", "outside", "inside", "off", "opposite", "behind", "close", "to"}
"""Words left in lower case when a phrase typed all in lower case is capitalised for the place finder."""
PHRASE_WORD = re.compile(r"[^\W\d_][\w'\u2019.-]*")
MAX_NAME_WORDS = 4  # the longest name of a place elsewhere looked for in a phrase ("Stratford upon Avon")
PHRASE_TAIL = re.compile(r", ?([A-Z][^,()]*?) *(?=,|$)")  # ", Kent" after a place: the next comma's part
REFERENCE_BEFORE = re.compile(r"\b(near|by|opposite|behind|beside|close to|next to)( the)? $", re.IGNORECASE)
REFERENCE_PENALTY = 2  # a phrase's landmark after "near" says where its scene is ("Mare Street, near the Hackney
# Empire"): the scene is the other place, unless the landmark is all the phrase names


def locate_phrase(
    phrase: str, *, matcher: Matcher, geocoder: Geocoder, context: Sequence[str] = ()
) -> tuple[Place | None, Mention | None]:
    """Geocode a phrase people type or copy from an article ("Mare Street, near the Hackney Empire", "a flat in
    Walthamstow", "junction of Holloway Road and Seven Sisters Road, N7"): the place find_places reads in it that
    ranks highest as a scene (base_score: precision, "in"/"at" before it), with the phrase's other places and
    `context` as context; the whole phrase is geocoded when it names no place the finder knows.

    None when it names a place outside London ("Dartford, Kent", "Bristol city centre") or a London name
    qualified by a place that does not contain it ("Croydon, Victoria").
    Example:
        locate_phrase("Ruskin Park, Lambeth", matcher=matcher, geocoder=geocoder)  # (Place('Ruskin Park', ...), ...)
    """
    text = " ".join(phrase.split())
    if text and text == text.lower():
        text = " ".join(w if w in PHRASE_LOWER else w[:1].upper() + w[1:] for w in text.split(" "))
    mentions = find_places(text, matcher=matcher)
    by_start = {m.start: m for m in mentions}
    # The name after a place and a comma qualifies it, known or not ("Bromley, Kent", "Croydon, Victoria"): the
    # gazetteer judges the pair, so it is not looked up alone
    tails = {}
    for m in mentions:
        tail = PHRASE_TAIL.match(text, m.end)
        if tail and tail.start(1) not in by_start:
            tails[m.start] = tail
    spans = [(m.start, m.end) for m in mentions] + [t.span(1) for t in tails.values()]
    if _names_elsewhere(text, spans, matcher.gazetteer.non_london):
        return None, None
    names = [m.text for m in mentions]
    ask = StoryGeocoder(geocoder, names + [c for c in context if c not in names])
    qualifiers = set()
    best: tuple[float, int, Place, Mention] | None = None
    for m in mentions:
        if m.start in qualifiers:
            continue
        before, last = last_word(text, m)
        if not_scene(text, m, before, last):
            continue
        asked = queries(text, m, by_start)
        if m.start in tails:
            asked = [f"{q}, {tails[m.start].group(1)}" for q in asked]
        place = next(filter(None, (ask.place(q, name=m.text) for q in asked)), None)
        qualifier = next((by_start[m.end + len(g)] for g in (", ", " in ", ",") if m.end + len(g) in by_start), None)
        if qualifier is not None and (place is not None or "street" not in m.kinds):
            qualifiers.add(qualifier.start)  # "Croydon, Victoria": Victoria qualifies, and it places no Croydon
        if place is None:
            continue
        score = base_score(text, m, place, before, last)
        if REFERENCE_BEFORE.search(before[-LOCATIVE_CHARS:]):
            score -= REFERENCE_PENALTY
        if best is None or (score, -m.start) > (best[0], best[1]):
            best = (score, -m.start, place, m)
    if best is not None:
        return best[2], best[3]
    if mentions:
        return None, None
    return geocoder.geocode(text, context=list(context)), None


def _names_elsewhere(text: str, spans: list[tuple[int, int]], elsewhere: frozenset[str]) -> bool:
    """True when a capitalised name outside `spans` (the London mentions and their qualifiers) is a place outside
    London ("Wigan", "New Zealand")."""
    london = bytearray(len(text))
    for start, end in spans:
        london[start:end] = b"\x01" * (end - start)
    words = list(PHRASE_WORD.finditer(text))
    for i, w in enumerate(words):
        if not w.group(0)[0].isupper():
            continue
        for j in range(i, min(i + MAX_NAME_WORDS, len(words))):
            if j > i and text[words[j - 1].end() : words[j].start()] != " ":
                break  # a name runs over spaces only: "Dartford, Kent" is two names
            if all(london[w.start() : words[j].end()]):
                continue  # inside a London name: "Oxford" in "Oxford Street"
            if name_key(text[w.start() : words[j].end()]) in elsewhere:
                return True  # "Wigan", or "Sutton Coldfield" past the London name "Sutton"
    return False


def spans_boroughs(story: Story, main: Sentence, *, places: StoryGeocoder) -> bool:
    """True when a sentence telling the incident names areas or boroughs in MIN_BOROUGHS_SPANNED boroughs or more
    (a series or an operation), each geocoded alone."""
    for s in neighbours(story.sentences, main, []):
        codes = set()
        for m in s.places:
            if set(m.kinds) & {"area", "borough"}:
                place = places.alone(m.text)
                if place is not None and place.borough_code:
                    codes.add(place.borough_code)
        if len(codes) >= MIN_BOROUGHS_SPANNED:
            return True
    return False


def another_scene(place: Place, used: list[Place]) -> bool:
    """True when a further incident's place is apart from the story's other scenes: a street at least
    SEPARATE_KM away, or an area further than AREA_SEPARATE_KM ("Dagenham" after "Merrielands Crescent, Dagenham"
    is the same scene)."""
    if place.precision in ("borough", "london"):
        return False
    apart = SEPARATE_KM if PRECISION_RANK[place.precision] >= PRECISION_RANK["station"] else AREA_SEPARATE_KM
    return all(place.name != u.name and km(place.lat, place.lon, u.lat, u.lon) >= apart for u in used)


def location_text(text: str, mention: Mention | None) -> str | None:
    """The place as written, with the building or site named right before it ("Topham House in Prior Street")."""
    if mention is None:
        return None
    m = BUILDING_BEFORE.search(text, max(0, mention.start - BUILDING_CHARS), mention.start)
    return f"{m.group(1).strip()}, {mention.text}" if m else mention.text


def _arrest_place(story: Story, s: Sentence, m: Mention) -> bool:
    """True when the mention is where someone was arrested ("was arrested at the home he shares with his mother
    in Camberwell"), with no crime told between the arrest and the place."""
    clause_start = max(story.text.rfind(sep, s.start, m.start) for sep in (",", ";", ":", " and ")) + 1
    clause_start = max(clause_start, s.start, m.start - ARREST_WINDOW)  # bounded: a clause naming many places
    arrest = ARREST.search(story.folded, clause_start, m.start)
    if not arrest or AFTER_CRIME.search(story.folded, arrest.end(), m.start):
        return False  # "arrested following Sunday's house fire in Stanstead Road": the place is the crime's
    # A crime's own words are no arrest ("held up a petrol station on", "held at knifepoint in"), and a crime told
    # after the arrest is where the place belongs.
    return not any(c.type and (arrest.end() <= c.start < m.start or c.start <= arrest.start() < c.end) for c in s.cues)


def _paragraph_end(text: str, end: int) -> int:
    i = text.find("\n", end)
    return len(text) if i < 0 else i


def queries(text: str, m: Mention, by_start: Mapping[int, Mention]) -> list[str]:
    """Return the queries to geocode a mention with, best first: the junction it names with the next street
    ("Holloway Road / Seven Sisters Road, N7"), then the mention with the place right after it ("Norwood Road,
    Lambeth")."""
    out = []
    if "street" in m.kinds:
        junction = JUNCTION_BEFORE.search(text, max(0, m.start - LOCATIVE_CHARS), m.start)
        gap = (JUNCTION_GAP_AFTER_OF if junction else JUNCTION_GAP).match(text, m.end)
        other = by_start.get(gap.end()) if gap else None
        if other is not None and "street" in other.kinds:
            out.append(_qualified(text, other, by_start, f"{m.text} / {other.text}"))
    out.append(_qualified(text, m, by_start, m.text))
    return out


def _qualified(text: str, m: Mention, by_start: Mapping[int, Mention], name: str) -> str:
    """Return "Norwood Road, Lambeth" for a mention directly followed by ", <place>" or " in <place>"."""
    for gap in (", ", " in ", ","):
        other = by_start.get(m.end + len(gap))
        if other is not None and text.startswith(gap, m.end):
            return f"{name}, {other.text}"
    return name
