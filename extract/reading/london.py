"""Is a story about London? Signs of elsewhere (data/foreign_markers.txt, foreign_patterns.txt, non_london.txt, and
the towns of elsewhere_geonames.txt after "in" or "at"), signs of London (data/london_institutions.txt and the
gazetteer), and foreign datelines.

Example:
    signs = load_signs()
    foreign, london = foreign_signs(text, mentions, signs=signs, gazetteer=gazetteer)
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extract.datafiles import DATA_DIR, read_lines
from extract.geo.gazetteer import AREA_STREETS, Gazetteer, km
from extract.geo.names import name_heads, name_key, name_tails
from extract.geo.places import qualified_elsewhere
from extract.records import Article, Mention
from extract.text.folding import fold_text
from extract.text.scan import Hits, Scanner, Words, build_scanner, scan
from extract.text.sentences import split_sentences

FOREIGN = "foreign"  # the names of the vocabularies of signs of elsewhere and of London institutions, in a scan
INSTITUTIONS = "institutions"
DATELINE = re.compile(r"[A-Z][A-Z .'-]{2,40}(?=,| \(| \u2014| \u2013| --| - )")
STRONG_KINDS = frozenset({"region", "borough", "outcode", "postcode"})
LONDON_TRANSPORT = re.compile(r"\b(Tube|tube|Underground|Overground|DLR)\b")
# "in Walthamstow", and "the Chalkhill estate, Wembley": the area a place named before it is in.
LOCATIVE = re.compile(r"\b(in|at|near|outside|on|beneath|under|behind) $|\w, $")
ELSEWHERE_LOCATIVE = re.compile(r"\b(?:in|at|near) $")  # "travelling in Portugal"
TOLD_CHARS = len(" to death while travelling in ")  # from a crime word to where it happened
CLAUSE_BREAK = re.compile(r"[;:()]")  # "stabbed near a bar; police in Spain ..." is another clause's place
LOCATIVE_CHARS = len("outside ")  # characters before a name searched for LOCATIVE: its longest word and a space
DATELINE_CHARS = 400  # a dateline opens the story, or the sentence after a headline printed with the text
DATELINE_SENTENCES = 2  # the story's first sentence, or the one after its headline
COHERENT_KM = 3.0  # two London names this close are one neighbourhood: a story about London, not two namesakes
MAX_COHERENT_NAMES = 30  # names compared pairwise for COHERENT_KM: bounded, as the comparison is quadratic
MAX_CANDIDATES = 50  # places of one name compared: a common street name has hundreds
OVERLAPPING = 3  # London names that may cover one point: a place, an institution and one more
# Before a London name, where someone comes from or lives ("a man from Lewisham", "who grew up in Highbury").
# Where someone comes from or lives; where people are "based" ("a drugs line run by men based in Tottenham"), not a
# business ("a charity based in Hackney" may be the scene).
ORIGIN_BEFORE = re.compile(
    r"(?:(?<!yards )(?<!metres )(?<!feet )(?<!miles )(?<!away )\bfrom"  # not "yards from Tooting Broadway"
    r"|\b(?:grew up|brought up|raised|born|lives|lived|living) (?:in|on)"
    r"|\b(?:men|women|gangs?|dealers|members|suspects|criminals|youths) based in"
    r"|\d, (?:both |all |each )?of) $"  # a court report's "Kyle Mensah, 24, of Edmonton"
)
ORIGIN_CHARS = len("criminals based in ")  # characters before a name searched for ORIGIN_BEFORE
# A town or country elsewhere where something happened ("stabbed in Barcelona"): capitalised words after a locative
# word, looked up among the GeoNames names outside London (elsewhere_geonames.txt), too many and too often words
# ("Reading", "Deal") to be signs anywhere as the hand lists are.
# Opening on a space, not \b: the engine then looks for the space alone (5 us an article against 24).
_PARTICLE = r"(?:(?:de|da|do|del|della|di|du|la|le|el) )?"  # "Rio de Janeiro"
LOCATED_NAME = re.compile(rf" (?:in|at|near|outside) ([A-Z][\w'\u2019-]*(?: {_PARTICLE}[A-Z][\w'\u2019-]*){{0,2}})")
# After a place, a person: where someone is from ("a Leeds man", "the Kent teenager"), not where something happened.
# Before a place elsewhere, a destination: where someone was taken or went after the crime, not where it happened.
DESTINATION_BEFORE = re.compile(
    r"\b(driven|drove|taken|took|flown|fled|escaped|transferred|extradited|bundled|smuggled|trafficked|headed)"
    r"( (him|her|them|back|off|away))? to $"
)
DESTINATION_CHARS = 40  # characters before a sign of elsewhere searched for DESTINATION_BEFORE: its words and a space
# After a destination, the crime may have happened there all the same: "driven to Kent, where he was murdered".
DESTINATION_SCENE = re.compile(r"[^.!?]*?\b(where|there)\b")
DEMONYM_AFTER = re.compile(
    r" (?:man|woman|boy|girl|teenager|teen|youth|mother|father|mum|dad|family|student|pensioner|couple|resident)s?\b"
)


@dataclass(frozen=True, slots=True)
class Signs:
    """Signs of elsewhere (FOREIGN: case-sensitive phrases; and patterns) and of London (INSTITUTIONS: case-sensitive
    names -> their rank in the list), with a scanner of both."""

    foreign: Words
    institutions: Words
    scanner: Scanner  # of `foreign` and `institutions` alone, for a text no other scan has read
    foreign_patterns: re.Pattern[str]
    elsewhere_names: frozenset[str]  # GeoNames keys outside London: signs only where LOCATED_NAME finds them
    # A text each pattern's matches hold (see required_text), or None when one's cannot be told: a text holding
    # none of them has no match, and is not searched (a regex starting with \d costs a test at every character).
    pattern_texts: tuple[str, ...] | None
    # Brand names opening with a marker, by its words ("Canada" -> ("Canada Goose", "Canada Dry")): no place there.
    brands: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    generic_street_words: frozenset[str] = frozenset()  # "church", "station": names found all over England


def load_signs(data_dir: Path = DATA_DIR) -> Signs:
    """Compile the markers of elsewhere and the London institutions from the lists in `data_dir`."""
    markers = read_lines(data_dir / "foreign_markers.txt")
    markers += [v for n in read_lines(data_dir / "non_london.txt") for v in _spellings(n)]
    foreign = Words(FOREIGN, dict.fromkeys(markers), exact=True)
    ranks: dict[str, int] = {}
    for rank, name in enumerate(read_lines(data_dir / "london_institutions.txt")):
        ranks.setdefault(name, rank)  # a name listed twice keeps its first rank, as in a regex alternation
    institutions = Words(INSTITUTIONS, ranks, exact=True)
    patterns = read_lines(data_dir / "foreign_patterns.txt")
    required = [required_text(p) for p in patterns]
    return Signs(
        foreign=foreign,
        institutions=institutions,
        scanner=build_scanner([foreign, institutions]),
        foreign_patterns=re.compile("|".join(patterns)),
        elsewhere_names=frozenset(read_lines(data_dir / "elsewhere_geonames.txt")),
        pattern_texts=None if None in required else tuple(r for r in required if r is not None),
        brands=_brands(read_lines(data_dir / "foreign_brands.txt")),
        generic_street_words=frozenset(read_lines(data_dir / "generic_street_words.txt")),
    )


def _brands(names: list[str]) -> dict[str, tuple[str, ...]]:
    """Brand names by each run of their opening words ("Canada" -> ("Canada Goose", "Canada Dry"))."""
    found: dict[str, list[str]] = {}
    for name in names:
        words = name.split()
        for n in range(len(words) - 1, 0, -1):
            found.setdefault(" ".join(words[:n]), []).append(name)
    return {opening: tuple(names) for opening, names in found.items()}


PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")  # match only themselves
INLINE_FLAG = re.compile(r"\(\?[a-zA-Z]")  # "(?i)", "(?x)", "(?P<", ...: may change what a plain character matches
ESCAPE_CODES = frozenset("xuUN0123456789")  # escapes longer than a character: a code, a name, a group number
COUNT = re.compile(r"\{[0-9]*(?:,[0-9]*)?\}")  # a counted repetition, "{1,5}"


def required_text(pattern: str) -> str | None:
    """The longest run of letters, digits and spaces that every match of the regular expression `pattern` holds
    (written outside any group or class, and repeated by no quantifier), or None when there is none or the pattern
    is beyond this reading: an alternation outside groups, an inline flag, a brace that is no counted repetition."""
    if INLINE_FLAG.search(pattern):
        return None
    runs, run, depth, i = [""], "", 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c in PLAIN and depth == 0:
            run += c
            i += 1
            continue
        if c in "?*+{":  # repeats what comes before it: a plain character just read is no longer required
            run = run[:-1]
            if c == "{":
                count = COUNT.match(pattern, i)
                if count is None:
                    return None
                i = count.end() - 1
        elif c == "\\":
            if pattern[i + 1 : i + 2] in ESCAPE_CODES:
                return None  # "\x41" is "A": more than one character escaped
            i += 1  # an escape of one character: "\d", "\."
        elif c == "[":  # a class, whose "]" may come first ("[]a]", "[^]a]") and whose members may be escaped
            i += 2 if pattern.startswith("[^", i) else 1
            i += 1 if pattern.startswith("]", i) else 0
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return None
        runs.append(run)
        run = ""
        i += 1
    return max([*runs, run], key=len) or None


def _spellings(name: str) -> tuple[str, str]:
    """ "stratford upon avon" -> ("Stratford upon Avon", "Stratford-upon-Avon"), as places are written."""
    words = [w if w in ("upon", "on", "under", "in", "le") else w[:1].upper() + w[1:] for w in name.split()]
    return " ".join(words), "-".join(words)


def _area_street(key: str, gazetteer: Gazetteer) -> bool:
    """True when the street `key` is a London area's high street, high road, broadway or market place, the area's
    name before or after it ("camden high street", "high road leyton")."""
    for street in AREA_STREETS:
        for area in (key.removesuffix(f" {street}"), key.removeprefix(f"{street} ")):
            if area != key and any(e.kind in ("area", "borough") for e in gazetteer.candidates(area)):
                return True
    return False


def _named_after_area(key: str, gazetteer: Gazetteer) -> bool:
    """True when the words the name `key` begins with, all but its last, or ends with, all but its first, name a
    London area or borough ("Ponders End High Street", "High Road Leyton")."""
    parts = name_heads(key) + name_tails(key)
    return any(e.kind in ("area", "borough") for part in parts for e in gazetteer.candidates(part))


def _distinctive_street(key: str, gazetteer: Gazetteer, generic: frozenset[str]) -> bool:
    """True when the name `key` is a street of one London borough alone and names it by a word of its own, not only
    by words found all over England (`generic`: "Church Road", "Station Road", "Abbey Street")."""
    streets = [e for e in gazetteer.candidates(key) if e.kind == "street"]
    if not streets or len({e.borough_code for e in streets}) > 1:
        return False
    words = key.split()
    own = words[:-1] if len(words) > 1 else words
    return any(w not in generic for w in own)


def foreign_signs(
    text: str,
    mentions: list[Mention],
    *,
    signs: Signs,
    gazetteer: Gazetteer,
    headline: str = "",
    headline_mentions: list[Mention] | None = None,
    spans: list[tuple[int, int]] | None = None,
    headline_hits: Hits | None = None,
) -> tuple[int, int]:
    """Count the distinct signs of a place outside London (markers such as "Ontario", "p.m.", "Essex Police"; a
    London name followed by ", Virginia" also stops counting for London; a headline naming a place outside London
    counts too) and the story's distinct London areas, stations, wards, boroughs, postcodes and regions ("south-east
    London"; plain "London" may be Ontario's), and an area's high street, high road, broadway or market place the
    `gazetteer` knows the area of ("Camden High Street"; not "Kingston Road", which runs far out of London). Where
    someone comes from counts for neither ("a Luton man", in the text or the headline).
    `headline_mentions` are the London places of the headline; `spans` are elsewhere_spans() of the text and
    `headline_hits` a scan of the headline (see extract.text.scan), when already found."""
    spans = elsewhere_spans(text, mentions, signs=signs) if spans is None else spans
    ends = {m.end: m for m in mentions}
    qualified = {ends[s - 2].key for s, _ in spans if s >= 2 and text[s - 2 : s] == ", " and s - 2 in ends}
    # "Sutton Coldfield", "Stratford-upon-Avon": a London name inside a longer name from elsewhere
    foreign_span = _span_ids(len(text), spans)
    qualified |= {m.key for m in mentions if foreign_span[m.start] and foreign_span[m.start] == foreign_span[m.end - 1]}
    london = {
        m.key
        for m in mentions
        if (
            set(m.kinds) & {"area", "borough", "station", "ward", "outcode", "postcode"}
            or (m.kinds == ("region",) and m.key != "london")
            or ("street" in m.kinds and _area_street(m.key, gazetteer))
        )
        and not qualified_elsewhere(text, m.start)
        and not _origin(text, m, mentions)
    } - qualified
    elsewhere = {text[s:e] for s, e in scene_elsewhere(text, spans)}  # where someone is from counts for neither
    # A town elsewhere after "in" or "at" may be where a suspect was caught or a car found: such towns count only
    # when they outnumber the London names.
    towns = {text[s:e] for s, e in scene_elsewhere(text, _located_elsewhere(text, mentions, signs.elsewhere_names))}
    if len(towns - elsewhere) > len(london):
        elsewhere |= towns
    if headline:
        in_headline = scene_elsewhere(
            headline, elsewhere_spans(headline, headline_mentions or [], signs=signs, hits=headline_hits)
        )
        elsewhere |= {f"headline: {headline[s:e]}" for s, e in in_headline}
    return len(elsewhere) + len(qualified), len(london)


def told_elsewhere(
    text: str,
    sentence: tuple[int, int],
    crimes: Sequence[int],
    mentions: list[Mention],
    spans: list[tuple[int, int]],
    *,
    signs: Signs,
) -> bool:
    """True when the sentence telling the incident places its crime outside London ("a man from Catford who was
    stabbed to death while travelling in Portugal"): a sign of elsewhere (`spans`, elsewhere_spans' of the text) or a
    town or country elsewhere right after "in", "at" or "near", at most TOLD_CHARS after the end of one of its crime
    words (`crimes`: where they end; not "arrested in Slough on suspicion of murder"), and no London place in the
    sentence but where someone comes from."""
    lo, hi = sentence
    towns = _located_elsewhere(text, mentions, signs.elsewhere_names, lo, hi)
    abroad = any(
        lo <= s < hi
        and ELSEWHERE_LOCATIVE.search(text, max(lo, s - LOCATIVE_CHARS), s)
        and any(0 <= s - end <= TOLD_CHARS and not CLAUSE_BREAK.search(text, end, s) for end in crimes)
        for s, _ in scene_elsewhere(text, spans + towns)
    )
    return abroad and not any(lo <= m.start < hi and not _origin(text, m, mentions) for m in mentions)


def _origin(text: str, mention: Mention, mentions: list[Mention]) -> bool:
    """True when the London name at `mention` says where someone or something comes from, not where anything
    happened: after "from" or "grew up in", past the London names before it ("a man from Lewisham, south London",
    "trains from London St Pancras"), or before a person ("a Lewisham man"), as scene_elsewhere reads a sign of
    elsewhere."""
    if DEMONYM_AFTER.match(text, mention.end):
        return True
    ends = {m.end: m for m in mentions}
    start = mention.start
    while (before := ends.get(start - 1) or ends.get(start - 2)) is not None and text[before.end : start] in (
        " ",
        ", ",
    ):
        start = before.start
    return ORIGIN_BEFORE.search(text[max(0, start - ORIGIN_CHARS) : start]) is not None


def elsewhere_spans(
    text: str, mentions: list[Mention], *, signs: Signs, hits: Hits | None = None
) -> list[tuple[int, int]]:
    """The spans of the signs of a place outside London in `text` (whole words, case as written, not after a full
    stop), leaving out those inside a London name ("Scotland Yard", "Kent House"); `hits` are a scan of the text
    with FOREIGN and INSTITUTIONS, when it has been scanned already (see extract.text.scan)."""
    hits = scan(text, fold_text(text), scanner=signs.scanner) if hits is None else hits
    spans = [
        (s, e)
        for s, e, _ in hits.of(FOREIGN)
        if not (s > 0 and text[s - 1] == ".")
        and not any(text.startswith(b, s) for b in signs.brands.get(text[s:e], ()))
    ]
    if spans:  # few stories name a place elsewhere: London names are looked up only then
        london = sorted([(m.start, m.end) for m in mentions] + institution_spans(hits))
        starts = [s for s, _ in london]
        spans = [(s, e) for s, e in spans if not _inside(s, e, london, starts)]
    texts = signs.pattern_texts
    if texts is not None and not any(t in text for t in texts):
        return spans
    return spans + [m.span() for m in signs.foreign_patterns.finditer(text)]


def _located_elsewhere(
    text: str, mentions: list[Mention], names: frozenset[str], start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """The spans of GeoNames places outside London named after a locative word (LOCATED_NAME), the longest of the
    capitalised words that is one, where no London place is named; in text[start:end]."""
    london = {m.start for m in mentions}
    found = []
    for m in LOCATED_NAME.finditer(text, start, len(text) if end is None else end):
        if m.start(1) in london:
            continue
        words = m.group(1).split(" ")
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n])
            if name_key(name) in names:
                found.append((m.start(1), m.start(1) + len(name)))
                break
    return found


def institution_spans(hits: Hits) -> list[tuple[int, int]]:
    """The spans of the London institutions in a scan, as a regular expression listing them in order would find them
    one after another: the leftmost, the first listed of those starting there, none overlapping."""
    spans: list[tuple[int, int]] = []
    for start, end, _ in sorted(hits.of(INSTITUTIONS), key=lambda h: (h[0], h[2])):  # by start, then rank
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


def _inside(start: int, end: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    """True when [start, end) lies within one of the sorted `spans` (`starts` are their starts)."""
    i = bisect.bisect_right(starts, start)
    return any(s <= start and end <= e for s, e in spans[max(0, i - OVERLAPPING) : i])


def scene_elsewhere(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The signs of elsewhere that say where something happened, not where someone comes from: those not followed
    by a person ("a Leeds man") nor after "from" ("a woman from Kent"), nor where someone was taken or went
    ("driven to Essex", "fled to Spain") unless the sentence goes on to say it happened there ("where", "there")."""
    return [
        (s, e)
        for s, e in spans
        if not (
            DEMONYM_AFTER.match(text, e)
            or text[max(0, s - len("from ")) : s] == "from "
            or (
                DESTINATION_BEFORE.search(text, max(0, s - DESTINATION_CHARS), s)
                and not DESTINATION_SCENE.match(text, e)
            )
        )
    ]


def _span_ids(n: int, spans: list[tuple[int, int]]) -> list[int]:
    """Label each character with the (1-based) number of the longest span covering it, 0 where none does, so that
    "is [s, e) inside one span" is two look-ups: linear however many spans a text has."""
    ids = [0] * n
    for k, (s, e) in enumerate(sorted(spans, key=lambda x: x[0] - x[1]), 1):
        for i in range(s, e):
            if not ids[i]:
                ids[i] = k
    return ids


def foreign_dateline(text: str, *, gazetteer: Gazetteer, starts: Sequence[int] | None = None) -> bool:
    """True when the story opens with a dateline ("LEBANON (AP) --", "EAST HAMPTON --") naming no London place, in
    its first sentence or the one after a headline printed with the text; `starts` are where the text's sentences
    start (split_sentences), when it is already split."""
    if starts is None:
        starts = [start for start, _ in split_sentences(text[:DATELINE_CHARS])]
    # The sentences of the whole text that start in its first DATELINE_CHARS are those of that much of it.
    for start in [start for start in starts if start < DATELINE_CHARS][:DATELINE_SENTENCES]:
        m = DATELINE.match(text, start)
        if m and any(c.isalpha() for c in m.group(0)) and m.group(0).strip() != "LONDON":
            # Its first words, the longest first: "ORPINGTON VILLAGE RESIDENTS' NEWSLETTER -" is Orpington's, and
            # "ROMAN ROAD NOTES -" a street's (a street alone, "RYE LANE --", may be anywhere).
            words = m.group(0).split()
            return not any(
                e.kind != "street" or n < len(words)
                for n in range(len(words), 0, -1)
                for e in gazetteer.candidates(name_key(" ".join(words[:n])))
            )
    return False


def london_evidence(
    article: Article,
    mentions: list[Mention],
    *,
    signs: Signs,
    gazetteer: Gazetteer,
    foreign: int,
    institution: bool | None = None,
) -> bool:
    """True when the story shows it is about London: London itself, a borough, a postcode, a London institution
    (the Met, Scotland Yard, ...), an area or station of two words or more, a Tube station (or, in a story with
    nothing from elsewhere, a station named as one, "Brixton station", or a street of one London borough named by a
    word of its own, "Fournier Street"), a street named after its area, an area "in"/"at" which something happened
    in a story with no sign of elsewhere (`foreign` counts those), or two different London names within COHERENT_KM
    of each other ("Seaton Street" and "Edmonton"); "Main Street and Abbey Street" are not. `institution` says
    whether the article's text or headline names a London institution, when the caller has scanned them already."""
    headline = article.headline or ""
    if institution is None:
        scans = (scan(t, fold_text(t), scanner=signs.scanner, only=INSTITUTIONS) for t in (article.text, headline))
        institution = any(found.of(INSTITUTIONS) for found in scans)
    if institution:
        return True
    points: dict[str, list[tuple[float, float]]] = {}
    for m in mentions:
        if qualified_elsewhere(article.text, m.start):
            continue
        if STRONG_KINDS & set(m.kinds) or (" " in m.key and set(m.kinds) - {"street"}):
            return True
        if LONDON_TRANSPORT.search(m.text):
            return True  # "Brixton Tube station"
        if not foreign and "station" in m.kinds and m.text.lower().endswith(" station"):
            return True  # "Brixton station", in a story with nothing from elsewhere
        if _named_after_area(m.key, gazetteer):
            return True  # a street named after its London area: "Streatham High Road", "Ponders End High Street"
        if not foreign and _distinctive_street(m.key, gazetteer, signs.generic_street_words):
            return True  # "Fournier Street", "Whitehall": one borough's, in a story with nothing from elsewhere
        if (
            not foreign
            and set(m.kinds) & {"area", "station"}
            and LOCATIVE.search(article.text, max(0, m.start - LOCATIVE_CHARS), m.start)
        ):
            return True  # "in Walthamstow", in a story with nothing from elsewhere
        if m.key not in points and len(points) < MAX_COHERENT_NAMES:
            points[m.key] = [(e.lat, e.lon) for e in gazetteer.candidates(m.key)[:MAX_CANDIDATES]]
    keys = list(points)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if any(km(p[0], p[1], q[0], q[1]) < COHERENT_KM for p in points[a] for q in points[b]):
                return True
    return False
