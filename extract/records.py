"""Frozen records passed between the stages: Article -> Mention -> Place -> Incident, or a Rejection saying why not.

Every offset is a character offset into `Article.text` (start inclusive, end exclusive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from urllib.parse import urlsplit

PRECISIONS = ("building", "junction", "site", "street", "station", "postcode", "area", "ward", "borough", "london")
"""Place precisions, most precise first: a junction is where two streets meet, a site a park, common, estate or
landmark building named as a place."""
PRECISION_ORDER = {precision: i for i, precision in enumerate(PRECISIONS)}
"""Each precision's place in PRECISIONS: a lower number is more precise."""
UNDRAWN_PRECISION = "london"  # a point somewhere in London says nothing about where: a map does not draw it

# An assault its victim died of is a homicide, as a fatal stabbing stays a stabbing: "assault" names no method, and
# every phrasing suite's writers accept only a homicide for "died after being punched".
FATAL_TYPES = MappingProxyType({"assault": "homicide"})
WEAPONS = ("knife", "gun", "corrosive", "vehicle", "other", "none")
DATE_BASES = ("stated", "relative", "none")
"""How an incident's date is known: written as a date, resolved from "on Monday" against the publication date, or
not at all (date None)."""
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))
"""The dates news is published in: a publication date outside them ("2999", a "0001" placeholder) is a misreading,
read as none. The dashboard's date pickers have these bounds, and Streamlit's take no date past 2255."""


LINK_SCHEMES = ("http", "https")
"""The links kept and shown (an article's url): a "javascript:" or "data:" address is no link to a story."""


def is_link(url: str) -> bool:
    """Whether `url` is a link the product keeps and shows: http or https, with a host ("http://[::1" is none)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (a port that is no number raises here)
        return parts.scheme.lower() in LINK_SCHEMES and bool(parts.hostname)
    except ValueError:  # a malformed address: an unclosed "[" of an IPv6 host, a port that is no number
        return False


class ExtractError(Exception):
    """A bad input (file, line, query or option); the message names the file and line where there is one."""


@dataclass(frozen=True, slots=True)
class Article:
    """One story: a whole article, or one of several stories found on a page."""

    article_id: str
    text: str
    headline: str | None = None
    url: str | None = None
    published: str | None = None  # "YYYY-MM-DD", "YYYY-MM" or None when unknown
    source: str = ""  # where it was read from: "path", "path:line" or "path#story"


@dataclass(frozen=True, slots=True)
class Mention:
    """A place name found in a text, with the gazetteer kinds its name has."""

    text: str
    start: int
    end: int
    key: str  # the normalised gazetteer key it matched
    kinds: tuple[str, ...]  # e.g. ("street",), ("area", "station")


@dataclass(frozen=True, slots=True)
class Place:
    """A geocoded point inside Greater London."""

    name: str
    lat: float
    lon: float
    kind: str  # street, junction, site, area, station, postcode, outcode, ward, borough, region, london, ...
    precision: str  # one of PRECISIONS
    borough: str | None  # official name, e.g. "Hammersmith and Fulham"; None for london-wide places
    borough_code: str | None  # GSS code E09000001..E09000033
    source: str  # gazetteer source (ppd, policeuk, tfl, geonames, ...) or the online provider
    candidates: int = 1  # how many gazetteer entries the name had before context decided


@dataclass(frozen=True, slots=True)
class Incident:
    """One crime incident extracted from an article."""

    incident_id: str
    article_id: str
    type: str  # slug from data/crime_types.csv
    category: str  # police.uk category, lower case
    location_text: str | None
    place: Place | None
    date: str | None  # ISO YYYY-MM-DD, None when unknown
    fatal: bool | None
    weapon: str | None  # one of WEAPONS, None when unknown
    victim_ages: tuple[int, ...] = ()
    arrests: int | None = None
    evidence: str = ""  # the sentence the incident was read from
    evidence_start: int = 0
    type_span: tuple[int, int] | None = None  # offsets of the type cue in the article text
    place_span: tuple[int, int] | None = None  # offsets of the place mention in the article text
    date_span: tuple[int, int] | None = None  # offsets of the date mention that dates it (not stored)
    headline: str | None = None
    url: str | None = None
    published: str | None = None
    date_basis: str = "none"  # one of DATE_BASES: how `date` is known


class Reason(StrEnum):
    """Why an article gives no incident: the code a Rejection carries (REASONS holds what each means)."""

    NO_CRIME = "no_crime"
    NO_INCIDENT = "no_incident"
    STATISTICS = "statistics"
    FICTION = "fiction"
    ELSEWHERE = "elsewhere"
    FOREIGN_DATELINE = "foreign_dateline"
    NO_LONDON_EVIDENCE = "no_london_evidence"
    NO_SCENE = "no_scene"


REASONS = {
    Reason.NO_CRIME: "the text names no crime",
    Reason.NO_INCIDENT: "a crime is named but no sentence tells a specific incident (policy, advice, an appeal)",
    Reason.STATISTICS: "crime figures or policy: many statistics words and little told as events",
    Reason.FICTION: "a drama, film or novel about a crime",
    Reason.ELSEWHERE: "as many signs of a place outside London as London names, or more",
    Reason.FOREIGN_DATELINE: "the story opens with a dateline naming no London place",
    Reason.NO_LONDON_EVIDENCE: "nothing in the story shows it is about London",
    Reason.NO_SCENE: "no London place named can be the scene: a hospital, a court, an arrest, a home or unknown",
}
"""One line per reason, as the explain command and the editors' Review page show it."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """An article that gives no incident, and why."""

    article_id: str
    reason: Reason

    @property
    def meaning(self) -> str:
        return REASONS[self.reason]
