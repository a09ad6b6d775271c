"""Choose and geocode an incident's crime scene among the places a story names: not the hospital, the court, the
police station, where someone was arrested or where they come from."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from extract.geo.gazetteer import km
from extract.geo.geocode import Geocoder
from extract.reading.story import Sentence, Story, neighbours
from extract.records import Mention, Place

# A candidate's score starts from the precision its mention resolved to: a street or building pins the scene, a
# station or postcode nearly so; an area beats a ward (wards are named after areas but drawn wider); a borough
# says little, and London nothing.
PRECISION_RANK = {
    "building": 6,
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
LOCATIVE_BONUS = 1  # right after "in", "on", "at", "outside", ...: where something happened
DEMONYM_PENALTY = 2  # "a Highgate schoolboy", "a Peckham man": where someone is from, often not the scene
# A place right after these words is where the victim was taken, the case heard, or someone lives: not the scene.
NOT_SCENE_BEFORE = re.compile(
    r"(taken|rushed|flown|airlifted|transferred|conveyed|admitted) (him |her |them |the victim |the man |the woman "
    r"|the boy |the girl )?to( a| the)? (hospital in |hospital at )?$|hospital in $|hospital at $|appeared at $"
    r"|appear at $|court in $|from $|lives in $|living in $|of $|born in $|moved to $|custody in $|station in $"
    r"|arrested (at (an|a|his|her|their) (address|home|property) )?(in|at) $"
    r"|between $|(way|heading|travelling|going|bound) (to|for) $|(got|get|gets|getting) (off|on) at $"
    r"|against $| v $| vs $",
    re.IGNORECASE,
)
NOT_SCENE_AFTER = re.compile(  # matched right at the end of the mention
    r"('s)? ?(crown court|magistrates|youth court|county court|coroner|hospital|university hospital|police station"
    r"|council|borough council|police|university|college|fc\b|football|mp\b|mayor|line\b)",
    re.IGNORECASE,
)
# Every NOT_SCENE_BEFORE and SCENE_BEFORE phrase ends in one of these words: the regex runs only after them.
NOT_SCENE_LAST = frozenset({"to", "in", "at", "from", "of", "between", "for", "against", "v", "vs", "a", "the"})
SCENE_LAST = frozenset({"in", "on", "at", "near", "outside", "off", "into", "inside", "along", "to", "of", "the"})
SCENE_BEFORE = re.compile(
    r"\b(in|on|at|near|outside|off|into|inside|along|to|junction of|corner of)( the)? $", re.IGNORECASE
)
DEMONYM_AFTER = re.compile(
    r" (schoolboy|schoolgirl|man|woman|boy|girl|teenager|teen|resident|residents|mother"
    r"|father|mum|dad|family|student|pensioner|youth|couple|rapper|footballer)\b"
)
COURT_NAME = re.compile(r"\b(crown|magistrates'?|youth|county|coroner'?s) court$", re.IGNORECASE)
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
    query is geocoded once per story however often it is named."""

    def __init__(self, geocoder: Geocoder, context: Sequence[str]) -> None:
        self.geocoder = geocoder
        self.context = tuple(context)
        self._in_context: dict[str, Place | None] = {}
        self._alone: dict[str, Place | None] = {}

    def place(self, query: str, *, name: str) -> Place | None:
        """Geocode `query` with the story's place names other than `name` (the one it asks about) as context."""
        if query not in self._in_context:
            self._in_context[query] = self.geocoder.geocode(query, context=[c for c in self.context if c != name])
        return self._in_context[query]

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
) -> tuple[Place | None, Mention | None]:
    """Geocode the crime scene: the most precise place named where the incident is told, not the hospital or court.

    Every candidate mention (in `only`, else in the story's first MAX_SCENE_SENTENCES sentences and those of
    `told`) is geocoded by `places` with the story's other places as context and scored by the precision it
    actually resolved to, plus where it stands: in a sentence of `told`, near `main`, after "in"/"on"/"at"; the
    first of the best scores wins.
    """
    text = story.text
    told_starts = {s.start for s in told[:MAX_SCENE_SENTENCES]}
    best: tuple[float, int, Place, Mention] | None = None
    for si, s in enumerate([only] if only else story.sentences):
        if only is None and si >= MAX_SCENE_SENTENCES and s.start not in told_starts:
            continue  # bounded, so that a text naming thousands of places stays linear
        for m in s.places:
            before = text[max(0, m.start - BEFORE_CHARS) : m.start]
            last = before[-LAST_WORD_CHARS:].rsplit(" ", 2)[-2].lower() if before.endswith(" ") else ""
            if last in NOT_SCENE_LAST and NOT_SCENE_BEFORE.search(before):
                continue
            if NOT_SCENE_AFTER.match(text, m.end, m.end + AFTER_CHARS):
                continue
            if _arrest_place(story, s, m) or COURT_NAME.search(m.text):
                continue  # "Harrow Crown Court" is a gazetteer name too, but never the scene
            place = places.place(_qualified(text, m, story.mention_at), name=m.text)
            if place is None:
                continue
            score = PRECISION_RANK.get(place.precision, 0)
            if s.start in told_starts:
                score += TOLD_BONUS
            elif si < OPENING_SENTENCES or abs(s.start - main.start) < NEAR_CHARS:
                score += NEAR_BONUS
            else:
                score -= FAR_PENALTY
            if last in SCENE_LAST and SCENE_BEFORE.search(before[-LOCATIVE_CHARS:]):
                score += LOCATIVE_BONUS
            if DEMONYM_AFTER.match(text, m.end):
                score -= DEMONYM_PENALTY
            if best is None or (score, -m.start) > (best[0], best[1]):
                best = (score, -m.start, place, m)
    return (best[2], best[3]) if best else (None, None)


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
    return not any(c.type and arrest.end() <= c.start < m.start for c in s.cues)


def _qualified(text: str, m: Mention, by_start: Mapping[int, Mention]) -> str:
    """Return "Norwood Road, Lambeth" for a mention directly followed by ", <place>" or " in <place>"."""
    for gap in (", ", " in ", ","):
        other = by_start.get(m.end + len(gap))
        if other is not None and text.startswith(gap, m.end):
            return f"{m.text}, {other.text}"
    return m.text
