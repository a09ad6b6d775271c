"""Find the dates in a news text and resolve them to calendar days against the publication date.

Example:
    >>> find_dates("He was stabbed last night.", published="2021-07-02")
    [DateMention(text='last night', start=15, end=25, date='2021-07-01', kind='relative', aside=None)]
"""

from __future__ import annotations

import calendar
import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from extract.datafiles import DATA_DIR, read_lines
from extract.text.numbers import NUMBER_WORDS

FUTURE_TOLERANCE = timedelta(days=62)
"""A year-less date further than this after publication is taken to be from the year before."""

CUE_WINDOW = 120
"""How many characters before a date are searched for a later-event cue."""

CUE_AFTER_WINDOW = 60
"""How many characters after a date are searched for a later-event cue ("On Friday, he was jailed")."""

SLACK = timedelta(days=1)
"""A stated date this far before a relative one tells the same day: a story written the day before it was
published says "yesterday" of the day before that."""

DATELINE_CHARS = 60
"""A dated line at most this long, with no sentence end, is a by-line or dateline."""

WORD_BEFORE_CHARS = 30  # read before a bracketed date for the word it follows: a weekday is that day

FOLLOWING_CHARS = 600
HOLIDAY_BEFORE = re.compile(
    r"\b(?:on|over|during|at|since|before|after|by|until|from|of|last|this)\s+(?:the\s+)?$", re.I
)
HOLIDAY_BEFORE_CHARS = 16  # characters before a named day searched for HOLIDAY_BEFORE: a preposition and "the"
"""An incident's paragraph is searched for its date at most this far past the sentence telling it: a text with no
line breaks is not one paragraph."""

MONTH_NAMES = {
    "January": 1,
    "February": 2,
    "March": 3,
    "April": 4,
    "May": 5,
    "June": 6,
    "July": 7,
    "August": 8,
    "September": 9,
    "October": 10,
    "November": 11,
    "December": 12,
}
MONTH_ABBREVIATIONS = {
    "Jan": 1,
    "Feb": 2,
    "Mar": 3,
    "Apr": 4,
    "Jun": 6,
    "Jul": 7,
    "Aug": 8,
    "Sep": 9,
    "Sept": 9,
    "Oct": 10,
    "Nov": 11,
    "Dec": 12,
}
MONTHS = MONTH_NAMES | MONTH_ABBREVIATIONS
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date written in a text, resolved to an ISO day when the text and publication date allow it."""

    text: str
    start: int
    end: int
    date: str | None  # ISO YYYY-MM-DD, None when it cannot be resolved to one day
    kind: str  # "explicit" (calendar date), "relative" (yesterday, on Monday, ...) or "reference" (CAD 4567/21MAR)
    aside: str | None = None  # why incident_date passes it over: a later-event cue ("sentenced") or "dateline"


BASIS_OF_KIND = {"explicit": "stated", "reference": "stated", "relative": "relative"}
"""The date basis an incident takes from the kind of mention that dates it; "none" when no mention does."""


@dataclass(frozen=True, slots=True)
class DateVocabulary:
    """The word lists behind date finding, as read from the data files."""

    relative: tuple[tuple[str, int | None], ...]  # phrase, days before publication (None: not one day)
    anaphoric: tuple[tuple[str, int], ...]  # phrase, days after the date written before it ("the next day": 1)
    later_cues: tuple[str, ...]
    death_cues: tuple[str, ...]  # a death after the offence: later-event cues for a date after them only
    event_cues: tuple[str, ...]
    not_weekdays: tuple[str, ...]
    holidays: tuple[tuple[str, int, int], ...] = ()  # phrase, month, day ("boxing day", 12, 26)


@functools.cache
def load_date_vocabulary(data_dir: Path = DATA_DIR) -> DateVocabulary:
    """Read the dates_*.txt word lists from `data_dir`."""
    relative = []
    for line in read_lines(data_dir / "dates_relative.txt"):
        phrase, _, days = line.partition("\t")
        relative.append((phrase.strip(), None if days.strip() == "-" else int(days)))
    anaphoric = []
    for line in read_lines(data_dir / "dates_anaphoric.txt"):
        phrase, _, days = line.partition("\t")
        anaphoric.append((phrase.strip(), int(days)))
    return DateVocabulary(
        relative=tuple(relative),
        anaphoric=tuple(anaphoric),
        later_cues=tuple(read_lines(data_dir / "dates_later_cues.txt")),
        death_cues=tuple(read_lines(data_dir / "dates_death_cues.txt")),
        event_cues=tuple(read_lines(data_dir / "dates_event_cues.txt")),
        not_weekdays=tuple(read_lines(data_dir / "dates_not_weekdays.txt")),
        holidays=tuple(
            (p.strip(), int(md[:2]), int(md[3:5]))
            for p, _, md in (line.partition("\t") for line in read_lines(data_dir / "dates_holidays.txt"))
        ),
    )


def _title_or_upper(words: Iterable[str]) -> str:
    forms = {form for word in words for form in (word, word.upper())}
    return "|".join(sorted(forms, key=len, reverse=True))


def _phrases(phrases: Iterable[str]) -> str:
    """Alternation of phrases, longest first, any run of whitespace between words, "*" for a word ending.

    The phrases are grouped by first character, "d(?:ied|ue\\s+in\\s+court)|f(?:ound\\s+guilty)", the order kept
    within each group: sre passes over a group whose first character is not the text's in one test, where the flat
    alternation tried every phrase at every word. It matches what the flat one matches, first alternatives first, as no
    two groups can match at one position: they are kept flat when two first characters differ only by case, or one is
    not an ASCII letter or digit (a case-insensitive match may mix those), or there is one phrase.
    """
    ordered = sorted(phrases, key=len, reverse=True)
    patterns = []
    for phrase in ordered:
        stem = r"\s+".join(re.escape(word) for word in phrase.rstrip("*").split())
        patterns.append(stem + (r"\w*" if phrase.endswith("*") else ""))
    firsts = [pattern[:1] for pattern in patterns]
    distinct = set(firsts)
    if (
        len(patterns) < 2
        or not all(first.isascii() and first.isalnum() for first in distinct)
        or len({first.lower() for first in distinct}) < len(distinct)
    ):
        return "|".join(patterns)
    groups: dict[str, list[str]] = {}
    for first, pattern in zip(firsts, patterns):
        groups.setdefault(first, []).append(pattern[1:])  # an ASCII letter or digit is its own escape
    return "|".join(
        first + (rests[0] if len(rests) == 1 else f"(?:{'|'.join(rests)})") for first, rests in groups.items()
    )


def first_characters(phrases: Sequence[str]) -> str:
    """A look-ahead for the characters `phrases` start with, or "" when one ("*") can start with any.

    Put before the alternation of the phrases, and before the word boundary opening it, it lets sre pass over most
    positions in one test, and changes nothing else: it consumes nothing and the order of the alternatives is kept.
    """
    if not phrases or any(not phrase.rstrip("*") for phrase in phrases):
        return ""
    return f"(?=[{''.join(sorted({re.escape(phrase[0]) for phrase in phrases}))}])"


MONTH = rf"(?:(?:{_title_or_upper(MONTH_NAMES)})\b|(?:{_title_or_upper(MONTH_ABBREVIATIONS)})\b\.?)"
WEEKDAY = rf"(?:{_title_or_upper(WEEKDAYS)})\b"
DAY_NUMBER = r"3[01]|[12][0-9]|0?[1-9]"
MONTH_NUMBER = r"1[0-2]|0?[1-9]"
DAY = rf"(?:{DAY_NUMBER})(?:st|nd|rd|th)?\b"
YEAR = r"(?:19|20)[0-9]{2}\b(?![.:,][0-9])"
SHORT_OR_LONG_YEAR = r"(?:19|20)?[0-9]{2}"
# Every quantifier below is over a single character class and every optional part is bounded, so matching
# stays linear in the length of the text.
NUMBER_START = r"(?<![\w.,:/£$€#-])"  # "£10 May", "2.15 May", "1/10 May": the number belongs to something else
NOT_A_DAY_AFTER = r"(?![-–][0-9A-Za-z]|[.:,][0-9]|\s*(?:%|per\s*cent|years?\b|yrs\b|[ap]\.?m\b))"  # "May 17-year-old"
DAY_FIRST = rf"(?P<d1>{DAY})(?:\s+of)?\s+(?P<m1>{MONTH})"
MONTH_FIRST = rf"(?P<m2>{MONTH})\s+(?:the\s+)?(?P<d2>{DAY}){NOT_A_DAY_AFTER}"
YEAR_TAIL = rf"(?:,?\s+(?P<y>{YEAR})|\s+(?P<lastyear>last\s+year)\b)?"
CALENDAR = rf"{NUMBER_START}(?:(?P<w>{WEEKDAY})(?:,\s*|\s+)(?:the\s+)?)?(?:{DAY_FIRST}|{MONTH_FIRST}){YEAR_TAIL}"
ISO = r"(?<![\w/.-])(?P<iy>(?:19|20)[0-9]{2})-(?P<im>0[1-9]|1[0-2])-(?P<id>0[1-9]|[12][0-9]|3[01])(?![0-9]|[/-][0-9])"
SLASHED = rf"{NUMBER_START}(?P<nd>{DAY_NUMBER})/(?P<nm>{MONTH_NUMBER})/(?P<ny>{SHORT_OR_LONG_YEAR})(?![0-9]|[/.][0-9])"
DOTTED = (  # two-digit day and month, so that "3.2.1" stays a section number
    rf"{NUMBER_START}(?P<pd>3[01]|[12][0-9]|0[1-9])\.(?P<pm>1[0-2]|0[1-9])\."
    rf"(?P<py>{SHORT_OR_LONG_YEAR})(?![0-9]|\.[0-9])"
)
# Met Police call references ("CAD 4321/23Jul") carry the day the call came in.
CAD = rf"(?<=[0-9]/)(?P<cd>{DAY_NUMBER})(?P<cm>(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))(?![a-zA-Z])"
EXPLICIT_AHEAD = rf",?\s+(?:the\s+)?(?:{DAY}(?:\s+of)?\s+{MONTH}|{MONTH}\s+{DAY})"
WEEKDAY_MODIFIERS = ("last", "next", "previous", "following", "early", "late")
WEEKDAY_RELATIVE = (
    rf"(?:(?P<wmod>(?i:{'|'.join(WEEKDAY_MODIFIERS)}))\s+|(?i:early\s+hours\s+of)\s+)?"
    rf"(?P<rw>{WEEKDAY})(?!{EXPLICIT_AHEAD})(?:\s+(?i:morning|afternoon|evening|night|lunchtime)\b)?"
)


NOTHING = "(?!)"  # an empty word list matches nowhere, where an empty alternation would match everywhere
YEARS_AGO_WORDS = tuple(word for word in NUMBER_WORDS if word != "an")  # "a year ago"; "an" never comes before "year"
# "Ten years ago today" dates an anniversary story's incident: the publication day, that many years back.
YEARS_AGO = (
    rf"(?P<agon>(?i:[0-9]{{1,2}}|{'|'.join(YEARS_AGO_WORDS)}))\s+(?i:years?)\s+(?i:ago)\s+"
    rf"(?P<agod>(?i:today|yesterday))\b"
)


REFERENCE = re.compile(CAD)
"""A police call reference alone: find_dates reads these in the whole text, past where it stops reading dates."""


def _scanner(vocabulary: DateVocabulary) -> re.Pattern[str]:
    not_weekdays = _phrases(vocabulary.not_weekdays) or NOTHING
    relative = _phrases(phrase for phrase, _ in vocabulary.relative) or NOTHING
    anaphoric = _phrases(phrase for phrase, _ in vocabulary.anaphoric) or NOTHING
    holidays = _phrases(phrase for phrase, _, _ in vocabulary.holidays) or NOTHING
    # Every alternative starts a word; testing that first is what keeps a 5 MB text near one second. A relative
    # phrase is tried before an anaphoric one, so that "the day before yesterday" is not read as "the day before".
    return re.compile(
        rf"(?=[0-9A-Za-z])\b(?:(?P<skip>(?:{not_weekdays})\b)|{CALENDAR}|{ISO}|{SLASHED}|{DOTTED}|{CAD}"
        rf"|{YEARS_AGO}|{WEEKDAY_RELATIVE}|(?P<hol>(?i:{holidays}))\b(?:,?\s+(?P<hy>(?:19|20)[0-9]{{2}})\b)?"
        rf"|(?P<rel>(?i:{relative}))\b|(?P<ana>(?i:{anaphoric}))\b)"
    )


_REGEX_TOKEN = re.compile(r"\[[^\]]*\]|\\[sw][+*]?|\\.|.")  # a set, \s+ or \w*, an escaped character, a character


def _prefix_tree(pieces: Iterable[str]) -> str:
    """A regex matching where one of `pieces` matches, each shared beginning tested once: `t(?:h(?:is|e)|oday)`
    for `this|the|today`.

    The pieces are made of the _REGEX_TOKEN kinds only. For look-aheads only: which piece matches is lost, and
    one that extends another is dropped.
    """
    tree: dict[str, dict] = {}
    for piece in pieces:
        node = tree
        for token in _REGEX_TOKEN.findall(piece):
            node = node.setdefault(token, {})
        node[""] = {}

    def regex(node: dict[str, dict]) -> str:
        if "" in node:
            return ""
        branches = [token + regex(child) for token, child in node.items()]
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return regex(tree)


def _by_first_character(exact: Iterable[str], caseless: Iterable[str]) -> str:
    """A regex matching where one of the pieces matches, `caseless` ones ignoring case; for look-aheads only.

    The pieces are grouped by first character, `[tT](?i:h(?:is|e))` rather than `(?i:this|the)`, with all the
    first characters tested ahead: sre passes over a branch that starts with a character set in one test,
    where a flat alternation makes a full attempt per piece. A piece not starting with an ASCII letter or
    digit is kept whole, and then nothing is tested ahead.
    """
    groups: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    whole = []
    for flags, pieces in (("?:", exact), ("?i:", caseless)):
        for piece in pieces:
            first = piece[:1]
            if first.isascii() and first.isalnum():
                groups[first.lower() + first.upper() if flags == "?i:" else first, flags].append(piece[1:])
            else:
                whole.append(f"({flags}{piece})")
    grouped = "|".join(f"[{first}]({flags}{_prefix_tree(rests)})" for (first, flags), rests in groups.items())
    if whole:
        return "|".join([grouped, *whole])
    return f"(?=[{''.join(first for first, _ in groups)}])(?:{grouped})"


def _starts(vocabulary: DateVocabulary) -> re.Pattern[str]:
    """A non-word character followed by the beginning of a _scanner alternative, cased as the scanner allows.

    The beginnings: a day number before "of", a capital (a month) or "y" ("N years ago"), before "/" or a
    CAD month, or two digits and "."; four digits and "-"; the first three letters of a month or weekday
    name; a number word and "year"; a weekday modifier and a weekday's initial; the first three words of a
    not-a-weekday name, relative or anaphoric phrase. Each is a prefix of what its alternative matches, so the scanner
    cannot match at a word start not found here (the first character of the text aside, which has no
    character before it).
    """
    numeric = (  # "3 March", "3rd of", "5 years", "3/4/21", CAD "23Jul"; "04.06.23"; "2021-07-01"
        r"[0-9](?:[0-9]?(?:(?:st|nd|rd|th)?\s+(?:of|[A-Z]|(?i:y))|/|(?i:[jfmasond]))|[0-9]\.|[0-9]{3}-)"
    )
    names = [name[:3] for name in (*MONTHS, *WEEKDAYS)]
    exact = [*names, *(name.upper() for name in names), *_first_three_words(vocabulary.not_weekdays)]
    initials = "".join(sorted({weekday[0] for weekday in WEEKDAYS}))
    caseless = [
        *(rf"{word}\s+year" for word in YEARS_AGO_WORDS),
        *(rf"{word}\s+[{initials}]" for word in WEEKDAY_MODIFIERS),
        r"early\s+hours",
        *_first_three_words(phrase for phrase, _ in vocabulary.relative),
        *_first_three_words(phrase for phrase, _ in vocabulary.anaphoric),
        *_first_three_words(phrase for phrase, _, _ in vocabulary.holidays),
    ]
    # [^a-zA-Z0-9_] then (?<=\W) is \W, read faster: sre tests an ASCII set at each character quicker than \W's
    # Unicode category, and only the non-ASCII characters it lets through are tested again.
    return re.compile(rf"[^a-zA-Z0-9_](?<=\W)(?={numeric}|{_by_first_character(exact, caseless)})")


def _first_three_words(phrases: Iterable[str]) -> list[str]:
    return [_phrases([" ".join(phrase.split()[:3])]) for phrase in phrases]


def _matches(text: str, scanner: re.Pattern[str], starts: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """The matches of scanner.finditer(text), trying the scanner only where `starts` finds a match may begin."""
    end = 0
    # finditer tries the scanner at every position from the end of the last match on; `starts` finds every
    # position where it can succeed, and match(text, pos) sees the text before pos, as finditer does.
    for pos in itertools.chain((0,), (start.end() for start in starts.finditer(text))):
        if pos >= end and (match := scanner.match(text, pos)):
            end = match.end()
            yield match


@dataclass(frozen=True, slots=True)
class _Cues:
    later: re.Pattern[str]  # a later-event or death cue
    event: re.Pattern[str]
    right_after: re.Pattern[str]  # a later-event cue (not a death) at most two words after a date


def _cue_patterns(vocabulary: DateVocabulary) -> _Cues:
    before = (*vocabulary.later_cues, *vocabulary.death_cues)
    later = rf"{first_characters(before)}\b(?:{_phrases(before) or NOTHING})\b"
    right_after = rf"{first_characters(vocabulary.later_cues)}(?:{_phrases(vocabulary.later_cues) or NOTHING})"
    event = rf"{first_characters(vocabulary.event_cues)}\b(?:{_phrases(vocabulary.event_cues) or NOTHING})\b"
    return _Cues(
        later=re.compile(later, re.IGNORECASE),
        event=re.compile(event, re.IGNORECASE),
        # "have today (2 July) released": past the bracket a date may close
        right_after=re.compile(rf"[)\]]?\s+(?:\w+\s+){{0,2}}?(?P<cue>{right_after})\b", re.IGNORECASE),
    )


# "[.!?:]\s|[;\n]", written to start with one character set, which sre can skip ahead to.
SENTENCE_BREAK = re.compile(r"[.!?:;\n](?:(?<=[.!?:])\s|(?<=[;\n]))")
# "yesterday - Tuesday -", "Friday (July 7)", "overnight on Friday 5 May": one date written twice
APPOSITION = re.compile(r"[\s,()\[\]\-–—]*")
DAY_PHRASE_JOIN = re.compile(r",?\s+on\s+", re.IGNORECASE)  # only after a day phrase: "overnight on Friday"
# "The court heard on Thursday": the date is the hearing's, though "heard" is an offence cue ("heard he was stabbed
# on 5 May")
HEARD_ON = re.compile(r"heard\s+(?:on\s+)?", re.IGNORECASE)
# What a court was told or heard "that ...": the clause after "that" tells the case, and its date is the offence's
# ("Prosecutor X told the court that at around 9.40pm on 3 August last year, ..."), not the hearing's.
REPORTED = re.compile(r"\b(?:told|tells|heard|hears)\b(?:\s+\S+){0,3}?\s+that\b", re.IGNORECASE)
CLAUSE_OPENING = re.compile(r"(?:\W|\b(?:on|at|in|by|early|late|and|but|then|so|the|of)\b)*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Patterns:
    """What find_dates compiles from a vocabulary, cached as one so that a call hashes the vocabulary once."""

    scanner: re.Pattern[str]
    starts: re.Pattern[str]
    cues: _Cues
    relative: dict[str, int | None]  # phrase, lower case and single-spaced: days before publication
    anaphoric: dict[str, int]  # phrase, lower case and single-spaced: days after the date written before it
    holidays: dict[str, tuple[int, int]]  # phrase, lower case and single-spaced: (month, day)


@functools.lru_cache(maxsize=4)
def _patterns(vocabulary: DateVocabulary) -> _Patterns:
    return _Patterns(
        scanner=_scanner(vocabulary),
        starts=_starts(vocabulary),
        cues=_cue_patterns(vocabulary),
        relative={" ".join(phrase.lower().split()): days for phrase, days in vocabulary.relative},
        anaphoric={" ".join(phrase.lower().split()): days for phrase, days in vocabulary.anaphoric},
        holidays={" ".join(p.lower().split()): (m, d) for p, m, d in vocabulary.holidays},
    )


def _parse_published(published: str | None) -> tuple[date | None, date | None]:
    """Return (the publication day if known, the latest day the publication can be)."""
    if published is None:
        return None, None
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?", published)
    if match is None:
        raise ValueError(f"published must be YYYY-MM-DD, YYYY-MM or None, not {published!r}")
    year, month = int(match[1]), int(match[2])
    if match[3]:
        day = date(year, month, int(match[3]))
        return day, day
    return None, date(year, month, calendar.monthrange(year, month)[1])


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _calendar_date(year: int | None, month: int, day: int, latest: date | None) -> date | None:
    if year is not None:
        return _day(year, month, day)
    if latest is None:
        return None
    resolved = _day(latest.year, month, day)
    if resolved is not None and resolved > latest + FUTURE_TOLERANCE:
        return _day(latest.year - 1, month, day)
    return resolved


def _two_digit_year(year: str) -> int:
    # The POSIX strptime %y pivot: 69-99 are 19xx, 00-68 are 20xx.
    return int(year) if len(year) == 4 else int(year) + (1900 if int(year) >= 69 else 2000)


def _resolve(
    match: re.Match[str], patterns: _Patterns, day: date | None, latest: date | None, anchor: date | None
) -> tuple[date | None, str]:
    """Return the day a scanner match stands for (None when unknown) and its kind; `anchor` is the date written
    before it, which "the same night" and "the previous Friday" count from."""
    if match["m1"] or match["m2"]:
        month = MONTHS[(match["m1"] or match["m2"]).rstrip(".").title()]
        number = int(re.sub(r"[^0-9]", "", match["d1"] or match["d2"]))  # "3rd" -> 3
        if match["lastyear"]:
            return (None if latest is None else _day(latest.year - 1, month, number)), "explicit"
        return _calendar_date(int(match["y"]) if match["y"] else None, month, number, latest), "explicit"
    if match["iy"]:
        return _day(int(match["iy"]), int(match["im"]), int(match["id"])), "explicit"
    if match["nd"]:
        return _day(_two_digit_year(match["ny"]), int(match["nm"]), int(match["nd"])), "explicit"
    if match["pd"]:
        return _day(_two_digit_year(match["py"]), int(match["pm"]), int(match["pd"])), "explicit"
    if match["cd"]:
        return _reference_date(match, latest), "reference"
    if match["agon"]:
        if day is None:
            return None, "relative"
        n = match["agon"].lower()
        years = int(n) if n.isdigit() else NUMBER_WORDS[n]
        back = day - timedelta(days=1) if match["agod"].lower() == "yesterday" else day
        # 29 February has no anniversary in a common year: take the 28th
        return _day(back.year - years, back.month, min(back.day, 28) if back.month == 2 else back.day), "relative"
    if match["rw"]:
        modifier = (match["wmod"] or "").lower()
        weekday = WEEKDAYS.index(match["rw"].title())
        if modifier in ("previous", "following"):  # counted from the date before it: "the previous Friday"
            if anchor is None:
                return None, "relative"
            if modifier == "previous":
                return anchor - timedelta(days=(anchor.weekday() - weekday - 1) % 7 + 1), "relative"
            return anchor + timedelta(days=(weekday - anchor.weekday() - 1) % 7 + 1), "relative"
        if day is None:
            return None, "relative"
        if modifier == "next":
            return day + timedelta(days=(weekday - day.weekday() - 1) % 7 + 1), "relative"
        # A bare weekday may be the publication day itself ("shot on Sunday" in Sunday's paper); "last Sunday"
        # never is. The news-dev gold reads 6 of 7 same-weekday cases this way.
        days_back = (day.weekday() - weekday) % 7
        return day - timedelta(days=days_back or (7 if modifier == "last" else 0)), "relative"
    if match["hol"]:
        month_day = patterns.holidays.get(" ".join(match["hol"].lower().replace("\u2019", "'").split()))
        # "on Christmas Day" is a date; "a Halloween mask" and "a Christmas Day lunch" are not.
        before = match.string[max(0, match.start() - HOLIDAY_BEFORE_CHARS) : match.start()]
        if month_day is None or not HOLIDAY_BEFORE.search(before):
            return None, "explicit"
        year = int(match["hy"]) if match["hy"] else None
        return _calendar_date(year, month_day[0], month_day[1], latest), "explicit"
    if match["ana"]:
        days_after = patterns.anaphoric.get(" ".join(match["ana"].lower().split()))
        if anchor is None or days_after is None:
            return None, "relative"
        return anchor + timedelta(days=days_after), "relative"
    # .get: a phrase matched through a Unicode case variant ("earlier thi\u017f week") is not in the table
    days_before = patterns.relative.get(" ".join(match["rel"].lower().split()))
    if day is None or days_before is None:
        return None, "relative"
    return day - timedelta(days=days_before), "relative"


def _reference_date(match: re.Match[str], latest: date | None) -> date | None:
    return _calendar_date(None, MONTHS[match["cm"].title()], int(match["cd"]), latest)


def _specificity(match: re.Match[str]) -> int:
    """How precisely a scanner match names its day: a day phrase 0, a weekday 1, a calendar date 2; a police
    reference -1 (never one date with the words around it)."""
    if match["cd"]:
        return -1
    if match["rw"]:
        return 1
    if match["rel"] or match["ana"] or match["agon"]:
        return 0
    return 2


def _dateline(text: str, match: re.Match[str]) -> bool:
    """Whether a date with a year stands on a short line with no sentence end: a by-line or dateline."""
    if not (match["y"] or match["iy"]):
        return False
    lo, hi = max(0, match.start() - DATELINE_CHARS), match.end() + DATELINE_CHARS
    line_start = text.rfind("\n", lo, match.start()) + 1
    line_end = text.find("\n", match.end(), hi)
    if (line_start == 0 and lo > 0) or (line_end == -1 and hi < len(text)):
        return False
    line = text[line_start : len(text) if line_end == -1 else line_end].rstrip()
    return len(line) <= DATELINE_CHARS and line[-1:] not in '.!?"”'


def _later_cue(text: str, start: int, end: int, lower_bound: int, cues: _Cues) -> str | None:
    """Return the later-event cue ruling the date at text[start:end], or None.

    Before the date: the last later-event cue of its clause with no event word after it ("heard" right before the
    date is none: HEARD_ON). After it: a cue
    at most two words on ("have today been jailed"), or, for a date that opens its clause ("On Friday, he
    was jailed"), the first cue in the rest of the clause if it is a later-event one.
    """
    window_before = text[max(lower_bound, start - CUE_WINDOW) : start]
    breaks = list(SENTENCE_BREAK.finditer(window_before))
    if breaks:
        window_before = window_before[breaks[-1].end() :]
    later = list(cues.later.finditer(window_before))
    events = [e for e in cues.event.finditer(window_before) if not HEARD_ON.fullmatch(window_before, e.start())]
    reported = [r for r in REPORTED.finditer(window_before) if later and r.end() >= later[-1].end()]
    if later and not reported and not any(event.start() > later[-1].start() for event in events):
        return later[-1][0].lower()
    if cue := _cue_right_after(text, end, cues):
        return cue
    window = text[end : end + CUE_AFTER_WINDOW]
    if not CLAUSE_OPENING.fullmatch(text, start - len(window_before), start):
        return None
    sentence_end = SENTENCE_BREAK.search(window)
    if sentence_end:
        window = window[: sentence_end.start()]
    first_later, first_event = cues.later.search(window), cues.event.search(window)
    if first_later and (first_event is None or first_later.start() < first_event.start()):
        return first_later[0].lower()
    return None


def _cue_right_after(text: str, end: int, cues: _Cues) -> str | None:
    """The later-event cue at most two words after a date ending at `end` ("have today been jailed"), or None."""
    found = cues.right_after.match(text, end, end + CUE_AFTER_WINDOW)
    return found["cue"].lower() if found else None


def _birth_date(text: str, match: re.Match[str]) -> bool:
    """Whether `match` is a date of birth as police releases write one: all figures, in brackets after a name or an
    age ("Gary Pellow, 39 (14.08.85), of Bellingham"), not a date anything happened on."""
    numeric = match["nd"] or match["pd"]
    start, end = match.start(), match.end()
    if not (numeric and text[start - 1 : start] == "(" and text[end : end + 1] == ")"):
        return False
    before = text[max(0, start - WORD_BEFORE_CHARS) : start - 1].rstrip(" ,").rsplit(None, 1)
    return not before or before[-1].title() not in WEEKDAYS  # "on Friday (28/03/2025)" is that Friday


def find_dates(
    text: str, *, published: str | None, vocabulary: DateVocabulary | None = None, end: int | None = None
) -> list[DateMention]:
    """Return the day-precise dates written in `text` (up to `end`, and police references in all of it), in
    order, resolved against `published` where needed.

    Years alone, months alone, times, ages and amounts are not dates. A date without a year takes the
    publication year (the year before if that puts it over two months after publication); relative dates
    need the full publication day; "the same night", "the next day" and "the previous Friday" count from the
    date written before them. One date written twice ("yesterday - Tuesday -", "Friday (July 7)", "overnight
    on Friday 5 May") is one mention, dated by its more precise part. Unresolvable dates are kept with date=None.
    Example:
        >>> [(m.text, m.date) for m in find_dates("Police were called on Saturday 3 March.", published="2018-03-05")]
        [('Saturday 3 March', '2018-03-03')]
    """
    vocabulary = vocabulary or load_date_vocabulary()
    patterns = _patterns(vocabulary)
    day, latest = _parse_published(published)
    end = len(text) if end is None else min(end, len(text))
    mentions: list[DateMention] = []
    specificity = 0  # of the last mention
    anchor: date | None = None  # the last date written: "the same night" counts from it
    for match in _matches(text[:end], patterns.scanner, patterns.starts):
        if match["skip"] or _birth_date(text, match):
            continue
        resolved, kind = _resolve(match, patterns, day, latest, anchor)
        previous = mentions[-1] if mentions else None
        aside: str | None
        if previous and previous.kind != "reference" and APPOSITION.fullmatch(text, previous.end, match.start()):
            # "Friday (July 7)", "yesterday - Monday, October 25": one date, one clause, whose cue may follow it whole
            aside = previous.aside or _cue_right_after(text, match.end(), patterns.cues)
            if _specificity(match) > specificity:
                merged = _merged(text, previous, match, resolved, kind, aside=aside)
                mentions[-1], specificity = merged, _specificity(match)
                anchor = _anchor(merged, anchor)
                continue
        elif (
            previous
            and specificity == 0
            and _specificity(match) > 0
            and DAY_PHRASE_JOIN.fullmatch(text, previous.end, match.start())
        ):
            merged = _merged(text, previous, match, resolved, kind)  # "overnight on Friday 5 May"
            mentions[-1], specificity = merged, _specificity(match)
            anchor = _anchor(merged, anchor)
            continue
        elif _dateline(text, match):
            aside = "dateline"
        else:
            aside = _later_cue(text, match.start(), match.end(), previous.end if previous else 0, patterns.cues)
        mention = DateMention(
            text=match[0],
            start=match.start(),
            end=match.end(),
            date=resolved.isoformat() if resolved else None,
            kind=kind,
            aside=aside,
        )
        mentions.append(mention)
        specificity = _specificity(match)
        anchor = _anchor(mention, anchor)
    # At the foot of the story: "call 101 quoting CAD 4567/21MAR". A reference follows a "/", which str.find looks
    # for first: REFERENCE, opening on a look-behind, would be tried at every position past `end`.
    references = REFERENCE.finditer(text, end) if text.find("/", max(0, end - 1)) >= 0 else ()
    for match in references:
        resolved = _reference_date(match, latest)
        mentions.append(
            DateMention(
                text=match[0],
                start=match.start(),
                end=match.end(),
                date=resolved.isoformat() if resolved else None,
                kind="reference",
                aside=_later_cue(text, match.start(), match.end(), mentions[-1].end if mentions else 0, patterns.cues),
            )
        )
    return mentions


def _merged(
    text: str,
    previous: DateMention,
    match: re.Match[str],
    resolved: date | None,
    kind: str,
    *,
    aside: str | None = None,
) -> DateMention:
    """One mention of `previous` and the more precise `match` after it, dated by `match` when it resolves, set aside
    as `previous` was or for `aside`."""
    return DateMention(
        text=text[previous.start : match.end()],
        start=previous.start,
        end=match.end(),
        date=resolved.isoformat() if resolved else previous.date,
        kind=kind if resolved else previous.kind,
        aside=previous.aside or aside,
    )


def _anchor(mention: DateMention, anchor: date | None) -> date | None:
    """The date "the same night" after `mention` counts from: its own, unless it has none or is a dateline or a
    police reference."""
    if mention.date is None or mention.aside == "dateline" or mention.kind == "reference":
        return anchor
    return date.fromisoformat(mention.date)


def incident_date(
    mentions: Sequence[DateMention],
    *,
    sentence: tuple[int, int],
    scene: tuple[int, int] | None = None,
    following: Sequence[tuple[int, int]] = (),
    skip: Sequence[tuple[int, int]] = (),
    references: bool = True,
    heard: Sequence[tuple[int, int]] = (),
) -> DateMention | None:
    """Return the mention that best dates an incident told in the `sentence` span, or None.

    Only resolved mentions that find_dates did not set aside, and that are outside the `skip` spans (sentences
    telling another incident), are used. find_dates sets aside datelines (a dated line such as a by-line) and
    dates ruled by a later-event cue: "appeared at", "due to appear", "sentenced", "trial", "inquest",
    "charged", "arrested", "said", "died in hospital"... before the date in its clause with no offence word
    ("stabbed", "called", "after"...) in between, right after it ("have today been jailed"), or later in a
    clause the date opens ("On Friday, he was jailed"). Of the rest, in order of preference: the first in the
    sentence naming the incident's scene (`scene`, when that is another sentence), then the first in `sentence`,
    stated dates before relative ones in each; then the first in the `heard` spans (what a court heard of the case:
    its offence, not the trial's day); then the nearest before `sentence`; then the first in the `following` spans
    (the rest of the incident's paragraph, its later sentences); then, when `references`, the first police
    reference ("CAD 4567/21MAR"). A relative date so chosen gives way to the first stated one on the same day or at
    most SLACK before it ("last night" and "Tuesday, 25 July" further on). Dates after "told the court that" or
    "heard that" tell the case, not the hearing: no later-event cue rules them.
    """
    usable = [
        m
        for m in mentions
        if m.date is not None
        and m.aside is None
        and (references or m.kind != "reference")
        and not any(lo <= m.start < hi for lo, hi in skip)
    ]
    chosen = _preferred(usable, sentence, scene, following, heard)
    if chosen is None or chosen.kind != "relative":
        return chosen
    # "yesterday" counts from the publication date, which may be a day after the writing: the day the story
    # states outright is the better reading of the same date. Never a later one: writing never follows publication.
    day = date.fromisoformat(chosen.date or "")
    stated = (
        m for m in usable if m.kind != "relative" and timedelta(0) <= day - date.fromisoformat(m.date or "") <= SLACK
    )
    return next(stated, chosen)


def _preferred(
    usable: list[DateMention],
    sentence: tuple[int, int],
    scene: tuple[int, int] | None,
    following: Sequence[tuple[int, int]],
    heard: Sequence[tuple[int, int]] = (),
) -> DateMention | None:
    for lo, hi in (scene, sentence) if scene and scene != sentence else (sentence,):
        inside = [m for m in usable if lo <= m.start < hi]
        if inside:
            return min(inside, key=lambda m: (BASIS_OF_KIND[m.kind] != "stated", m.start))
    told = [m for m in usable if any(lo <= m.start < hi for lo, hi in heard)]
    if told:
        return min(told, key=lambda m: m.start)
    before = [m for m in usable if m.start < sentence[0]]
    if before:
        return max(before, key=lambda m: m.start)
    after = [m for m in usable if any(lo <= m.start < hi for lo, hi in following)]
    if after:
        return min(after, key=lambda m: m.start)
    return next((m for m in usable if m.kind == "reference"), None)


def date_basis(mention: DateMention | None) -> str:
    """Return how an incident dated by `mention` knows its date: "stated", "relative" or "none" (no mention)."""
    return "none" if mention is None else BASIS_OF_KIND[mention.kind]


URL_DATE = re.compile(
    rf"/(?P<y>(?:19|20)[0-9]{{2}})/(?P<m>1[0-2]|0?[1-9]|(?i:{'|'.join(name.lower() for name in MONTHS)}))"
    r"(?:/(?P<d>3[01]|[12][0-9]|0?[1-9]))?(?=/|$)"
)
"""A date in a URL's path: "/2024/03/12/", "/2017/jul/15/", "/2024/mar/"."""


def publication_date(published: str | None, url: str | None) -> str | None:
    """Return the date to resolve an article's dates against: `published`, else the date in its URL's path
    ("YYYY-MM-DD", or "YYYY-MM" when the path gives no day); a URL's day also completes a `published` month it
    agrees with.

    Example:
        >>> publication_date(None, "https://example.org/uk-news/2017/jul/15/acid-attack")
        '2017-07-15'
    """
    if (published is not None and len(published) > len("YYYY-MM")) or not url:
        return published
    try:
        match = URL_DATE.search(urlsplit(url).path)
    except ValueError:  # a malformed address ("http://[::1/2024/..."): no date read from it
        return published
    if match is None:
        return published
    month_text = match["m"]
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text.title()]
    month_of = f"{match['y']}-{month:02d}"
    if published is not None and published != month_of:
        return published
    if match["d"] and _day(int(match["y"]), month, int(match["d"])):
        return f"{month_of}-{int(match['d']):02d}"
    return month_of
