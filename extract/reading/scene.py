"""Choose and geocode an incident's crime scene among the places a story names: not the hospital, the court, the
police station, where someone was arrested or where they come from."""

from __future__ import annotations

import re

from extract.geo.gazetteer import km
from extract.reading.story import Sentence, Story, neighbours
from extract.records import Mention, Place

PRECISION_RANK = {
    "building": 6,
    "street": 6,
    "station": 5,
    "postcode": 5,
    "area": 3,
    "ward": 2.5,
    "borough": 2,
    "london": 0,
}  # of the place a mention resolves to
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
MAX_SCENE_SENTENCES = 40
ARREST_WINDOW = 200  # characters before a place searched for "arrested"
SEPARATE_KM = 0.5
AREA_SEPARATE_KM = 3.0


def choose_scene(
    story: Story, told: list[Sentence], main: Sentence, *, only: Sentence | None = None
) -> tuple[Place | None, Mention | None]:
    """Geocode the crime scene: the most precise place named where the incident is told, not the hospital or court.

    Every candidate mention (in `only`, else in the story's first MAX_SCENE_SENTENCES sentences and those of
    `told`) is geocoded with the story's other places as context and ranked by the precision it actually resolved
    to, plus where it stands: in a sentence of `told`, near `main`, after "in"/"on"/"at".
    """
    text = story.text
    told_starts = {s.start for s in told[:MAX_SCENE_SENTENCES]}
    resolved = story.resolved
    best: tuple[float, int, Place, Mention] | None = None
    for si, s in enumerate([only] if only else story.sentences):
        if only is None and si >= MAX_SCENE_SENTENCES and s.start not in told_starts:
            continue  # bounded, so that a text naming thousands of places stays linear
        for m in s.places:
            before = text[max(0, m.start - 40) : m.start]
            last = before[-9:].rsplit(" ", 2)[-2].lower() if before.endswith(" ") else ""
            if last in NOT_SCENE_LAST and NOT_SCENE_BEFORE.search(before):
                continue
            if NOT_SCENE_AFTER.match(text, m.end, m.end + 40):
                continue
            if _arrest_place(story, s, m) or COURT_NAME.search(m.text):
                continue  # "Harrow Crown Court" is a gazetteer name too, but never the scene
            query = _qualified(text, m, story.mention_at)
            if query not in resolved:
                resolved[query] = story.geocoder.geocode(query, context=[c for c in story.context if c != m.text])
            place = resolved[query]
            if place is None:
                continue
            score = PRECISION_RANK.get(place.precision, 0)
            if s.start in told_starts:
                score += 3
            elif si < 3 or abs(s.start - main.start) < 400:
                score += 1.5
            else:
                score -= 1
            if last in SCENE_LAST and SCENE_BEFORE.search(before[-25:]):
                score += 1
            if DEMONYM_AFTER.match(text, m.end):
                score -= 2  # "a Highgate schoolboy", "a Peckham man": where someone is from, often not the scene
            if best is None or (score, -m.start) > (best[0], best[1]):
                best = (score, -m.start, place, m)
    return (best[2], best[3]) if best else (None, None)


def spans_boroughs(story: Story, main: Sentence) -> bool:
    """True when a sentence telling the incident names places in three or more boroughs (a series or operation)."""
    for s in neighbours(story, main, []):
        codes = set()
        for m in s.places:
            if set(m.kinds) & {"area", "borough"}:
                bare = f"{m.text}\x00without context"
                if bare not in story.resolved:
                    story.resolved[bare] = story.geocoder.geocode(m.text)
                place = story.resolved[bare]
                if place is not None and place.borough_code:
                    codes.add(place.borough_code)
        if len(codes) >= 3:
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
    m = BUILDING_BEFORE.search(text, max(0, mention.start - 80), mention.start)
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


def _qualified(text: str, m: Mention, by_start: dict[int, Mention]) -> str:
    """Return "Norwood Road, Lambeth" for a mention directly followed by ", <place>" or " in <place>"."""
    for gap in (", ", " in ", ","):
        other = by_start.get(m.end + len(gap))
        if other is not None and text.startswith(gap, m.end):
            return f"{m.text}, {other.text}"
    return m.text
