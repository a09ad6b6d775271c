"""The story heuristics: which sentences tell an incident (on sentences built by hand), statistics and fiction pieces,
and the sentences around a main one (on text read with the real vocabularies and the small fixture gazetteer)."""

import pytest

from extract.geo.places import find_places
from extract.reading.story import (
    Sentence,
    _by_sentence,
    incident_sentences,
    is_fiction,
    is_statistics,
    main_sentence,
    neighbours,
    own_sentences,
    read_sentences,
    sentence_at,
    tells_incident,
)
from extract.records import Mention
from extract.text.cues import Cue, find_cues
from extract.text.folding import fold_text
from extract.text.signals import find_signals

STABBED = Cue("stabbed", 0, 7, "stabbing", "knife", None, True)  # a crime told as an event
KNIFE_CRIME = Cue("knife crime", 0, 11, "stabbing", "knife", None, False)  # a crime only named
CALLED = Cue("were called", 0, 11, None, None, None, True)  # an event that names no crime
STREET = Mention("Rye Lane", 0, 8, "rye lane", ("street",))
REGION = Mention("south London", 0, 12, "south london", ("region",))


def sentence(
    i: int = 0, *, cues=(), places=(), specific=0, aside=False, separate=False, future=False, when=0, **more
) -> Sentence:
    """The i-th sentence of a made-up story, each 100 characters long; `more` are Sentence's other fields."""
    return Sentence(i * 100, i * 100 + 99, tuple(cues), tuple(places), specific, aside, separate, future, when, **more)


@pytest.mark.parametrize(
    "offset, expected",
    [(0, 0), (99, 0), (100, 1), (250, 2), (299, 2), (1000, 2), (-1, -1)],
)
def test_sentence_at(offset, expected):
    """Sentences at 0-99, 100-199, 200-299: the one starting at or before the offset."""
    assert sentence_at([sentence(0), sentence(1), sentence(2)], offset) == expected


def test_sentence_at_no_sentences():
    assert sentence_at([], 5) == -1


@pytest.mark.parametrize(
    "s, expected",
    [
        pytest.param(sentence(cues=[STABBED], places=[STREET]), True, id="an event at a street"),
        pytest.param(sentence(cues=[STABBED], specific=1), True, id="an event with a specific"),
        pytest.param(sentence(cues=[STABBED], when=1), True, id="an event with a time"),
        pytest.param(sentence(cues=[KNIFE_CRIME], when=2, places=[STREET]), False, id="a named crime, a time alone"),
        pytest.param(sentence(cues=[KNIFE_CRIME], when=1, specific=1, places=[STREET]), True, id="a time, police"),
        pytest.param(sentence(cues=[KNIFE_CRIME], specific=2), True, id="a named crime with two specifics"),
        pytest.param(
            sentence(cues=[KNIFE_CRIME], specific=1, places=[STREET]), True, id="a named crime, a time, a place"
        ),
        pytest.param(sentence(cues=[STABBED]), False, id="an event alone"),
        pytest.param(sentence(cues=[STABBED], places=[REGION]), False, id="an event in a region"),
        pytest.param(sentence(cues=[KNIFE_CRIME], places=[STREET]), False, id="a named crime at a street"),
        pytest.param(sentence(cues=[KNIFE_CRIME], specific=1), False, id="a named crime with one specific"),
        pytest.param(sentence(cues=[CALLED], specific=2, places=[STREET]), False, id="no crime named"),
        pytest.param(sentence(specific=2, places=[STREET]), False, id="no cue"),
        pytest.param(sentence(cues=[STABBED], places=[STREET], stats=2), False, id="figures, nothing specific"),
        pytest.param(
            sentence(cues=[STABBED], when=1, places=[STREET], history=True), True, id="a crime today, an anniversary"
        ),
        pytest.param(
            sentence(cues=[STABBED], when=1, places=[STREET], history=True, history_first=True),
            False,
            id="years after a crime, a gathering today",
        ),
        pytest.param(sentence(cues=[STABBED], specific=1, places=[STREET], stats=2), True, id="figures, a victim"),
    ],
)
def test_tells_incident(s, expected):
    assert tells_incident(s) is expected


@pytest.mark.parametrize(
    "sentences, headline_typed, expected",
    [
        pytest.param([sentence(0, cues=[STABBED], places=[STREET])], False, [0], id="one telling sentence"),
        pytest.param(
            [sentence(0, cues=[KNIFE_CRIME]), sentence(1, places=[STREET], specific=1)],
            False,
            [1],
            id="a time and place next to a named crime",
        ),
        pytest.param(
            [sentence(0, cues=[KNIFE_CRIME]), sentence(1, places=[STREET], cues=[CALLED])],
            False,
            [1],
            id="an event at a place next to a named crime",
        ),
        pytest.param(
            [sentence(0, cues=[KNIFE_CRIME]), sentence(1, places=[STREET], specific=1, future=True)],
            False,
            [],
            id="not plans",
        ),
        pytest.param(
            [sentence(0, cues=[KNIFE_CRIME]), sentence(1, places=[STREET])],
            False,
            [],
            id="not a place with nothing happening",
        ),
        pytest.param(
            [sentence(0, cues=[KNIFE_CRIME]), sentence(1, places=[REGION], specific=1)],
            False,
            [],
            id="not a region",
        ),
        pytest.param(
            [sentence(0, cues=[KNIFE_CRIME]), sentence(1), sentence(2), sentence(3, places=[STREET], specific=1)],
            False,
            [],
            id="too far from the named crime",
        ),
        pytest.param(
            [sentence(0), sentence(1), sentence(2), sentence(3, places=[STREET], specific=1)],
            True,
            [3],
            id="opening a story under a crime headline",
        ),
        pytest.param(
            [sentence(0), sentence(1), sentence(2), sentence(3), sentence(4, places=[STREET], specific=1)],
            True,
            [],
            id="past the opening under a crime headline",
        ),
        pytest.param(
            [sentence(i, cues=[KNIFE_CRIME]) for i in range(6)]
            + [sentence(6), sentence(7, places=[STREET], specific=1)],
            False,
            [7],
            id="near the sixth named crime",
        ),
        pytest.param(
            [sentence(i, cues=[KNIFE_CRIME]) for i in range(7)]
            + [sentence(7), sentence(8, places=[STREET], specific=1)],
            False,
            [],
            id="near only the seventh named crime",
        ),
    ],
)
def test_incident_sentences(sentences, headline_typed, expected):
    told = incident_sentences(tuple(sentences), headline_typed=headline_typed)
    assert told == [sentences[i] for i in expected]


def signals_of(text: str, extractor) -> dict:
    return find_signals(fold_text(text), signals=extractor.signals)


@pytest.mark.parametrize(
    "text, stats",
    [
        ("Burglaries across Barnet rose by a fifth, a report revealed.", 2),
        ("Figures name Oxford Street as the worst for theft, with 4,000 phones stolen.", 2),
        ("Thieves took jewellery worth £12,000 from a shop on Rye Lane.", 0),
        ("Figures show a man was stabbed on Rye Lane.", 1),
    ],
)
def test_a_sentence_of_figures(small_extractor, text, stats):
    assert [s.stats for s in sentences_of(text, small_extractor)] == [stats]


@pytest.mark.parametrize(
    "text, history, first",
    [
        ("Forty years after a shopkeeper was murdered on Rye Lane, neighbours gathered on Saturday.", True, True),
        ("A man was stabbed on Rye Lane on Friday, the anniversary of his brother's murder.", True, False),
    ],
)
def test_a_sentence_looking_back(small_extractor, text, history, first):
    assert [(s.history, s.history_first) for s in sentences_of(text, small_extractor)] == [(history, first)]


def sentences_of(text: str, extractor) -> tuple[Sentence, ...]:
    """read_sentences as read_story calls it, with the real vocabularies and the small gazetteer."""
    folded = fold_text(text)
    return read_sentences(
        text,
        find_cues(text, vocab=extractor.vocab, folded=folded),
        find_places(text, matcher=extractor.matcher, folded=folded),
        find_signals(folded, signals=extractor.signals),
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "A man was stabbed on Rye Lane on Monday. It follows a robbery last week. Separately, a woman was robbed. "
            "Officers will patrol Peckham, police are urging residents.",
            [
                ("A man was stabbed on Rye Lane on Monday.", ["stabbing"], ["Rye Lane"], 0, 1, False, False, False),
                ("It follows a robbery last week.", ["robbery"], [], 0, 0, True, False, False),
                ("Separately, a woman was robbed.", ["robbery"], [], 0, 0, False, True, False),
                (
                    "Officers will patrol Peckham, police are urging residents.",
                    [],
                    ["Peckham"],
                    0,
                    0,
                    False,
                    False,
                    True,
                ),
            ],
            id="cues, places, specifics, aside, separate, future",
        ),
        pytest.param(
            "Police were called to Mare Street at 11.40pm and found a 19-year-old with injuries.",
            [
                (
                    "Police were called to Mare Street at 11.40pm and found a 19-year-old with injuries.",
                    [],
                    ["Mare Street"],
                    4,
                    1,
                    False,
                    False,
                    False,
                )
            ],
            id="specifics counted",
        ),
    ],
)
def test_read_sentences(small_extractor, text, expected):
    assert [
        (
            text[s.start : s.end],
            [c.type for c in s.cues if c.type],
            [m.text for m in s.places],
            s.specific,
            s.when,
            s.aside,
            s.separate,
            s.future,
        )
        for s in sentences_of(text, small_extractor)
    ] == expected


def told_at_a_street(extractor) -> list[Sentence]:
    """The one sentence of a crime told at a street and a time."""
    return list(sentences_of("A man was stabbed on Rye Lane on Monday.", extractor))


@pytest.mark.parametrize(
    "text, told, expected",
    [
        pytest.param(
            "Figures show knife crime went up 12 per cent, according to an analysis of police data.",
            False,
            True,
            id="four statistics words",
        ),
        pytest.param(
            "Figures show knife crime went up 12 per cent, according to police data.",
            False,
            False,
            id="three statistics words",
        ),
        pytest.param(
            "The budget, the budget, the budget and the budget: knife crime funding.",
            False,
            True,
            id="a word counts three times at most: 3 + 1",
        ),
        pytest.param(
            "The budget, the budget, the budget, the budget and the budget.",
            False,
            False,
            id="a word said five times counts three",
        ),
        pytest.param(
            "Figures show knife crime went up 12 per cent, according to an analysis of police data.",
            True,
            False,
            id="a crime told at a street and a time is news",
        ),
        pytest.param(
            "The Mayor's plan, a package of funding for a new scheme, aims to tackle phone theft.",
            False,
            True,
            id="policy words",
        ),
        pytest.param(
            "Offences fell by a tenth, down from 15,200, though the share of victims under 25 rose by a point.",
            False,
            True,
            id="figures that rose and fell",
        ),
    ],
)
def test_is_statistics(small_extractor, text, told, expected):
    sentences = told_at_a_street(small_extractor) if told else []
    assert is_statistics(signals_of(text, small_extractor), sentences) is expected


FOUR_STATS = "Figures show knife crime went up 12 per cent, according to an analysis of police data."
FIVE_STATS = "Figures show knife crime went up 12 per cent, according to an analysis of police data and a survey."


@pytest.mark.parametrize(
    "text, events, expected",
    [
        pytest.param(FOUR_STATS, [sentence(0, cues=[STABBED])], True, id="four words, one event: more than twice"),
        pytest.param(FOUR_STATS, [sentence(0, cues=[STABBED], specific=1)], False, id="an event and a specific: twice"),
        pytest.param(FOUR_STATS, [sentence(0, cues=[STABBED]), sentence(1, cues=[STABBED])], False, id="two events"),
        pytest.param(
            FIVE_STATS, [sentence(0, cues=[STABBED]), sentence(1, cues=[STABBED])], True, id="five words, two events"
        ),
    ],
)
def test_is_statistics_against_the_events_told(small_extractor, text, events, expected):
    assert is_statistics(signals_of(text, small_extractor), events) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The new crime drama follows a detective hunting a killer in Peckham.", True),
        ("The drama, starring a Peckham actor, follows a detective hunting a killer.", True),
        ("The drama follows a detective hunting a killer in Peckham.", False),
        ("A drama unfolded on Rye Lane when a man was stabbed; more drama followed.", False),
        ("A man was stabbed on Rye Lane on Monday.", False),
    ],
)
def test_is_fiction(small_extractor, text, expected):
    assert is_fiction(signals_of(text, small_extractor)) is expected


STORY = (
    "Police were called to Rye Lane at 2am. "  # 0
    "A man had been stabbed. "  # 1: main
    "He died at the scene. "  # 2
    "His family paid tribute. "  # 3
    "Officers said the street was busy. "  # 4
    "A 20-year-old man was later charged with murder. "  # 5
)


@pytest.mark.parametrize(
    "text, main, told, expected",
    [
        pytest.param(STORY, 1, [], [0, 1, 2, 3], id="one before and two after"),
        pytest.param(STORY, 0, [], [0, 1, 2], id="none before the first"),
        pytest.param(STORY, 2, [], [1, 2, 3, 4], id="one before and two after, from the third"),
        pytest.param(STORY, 1, [5], [0, 1, 2, 3, 5], id="and the sentences told"),
        pytest.param(
            "Police were called to Rye Lane at 2am. A man had been stabbed. It follows a robbery last week. "
            "He died at the scene.",
            1,
            [],
            [0, 1, 3],
            id="not an aside",
        ),
        pytest.param(
            "Police were called to Rye Lane at 2am. A man had been stabbed. Separately, a woman was hurt. "
            "He died at the scene.",
            1,
            [],
            [0, 1, 3],
            id="not a separate incident",
        ),
        pytest.param(
            "Police were called to Rye Lane at 2am. A man had been stabbed. A woman was robbed on Mare Street on "
            "Tuesday. He died at the scene.",
            1,
            [],
            [0, 1, 3],
            id="not another incident told after it",
        ),
    ],
)
def test_neighbours(small_extractor, text, main, told, expected):
    sentences = sentences_of(text, small_extractor)
    found = neighbours(sentences, sentences[main], [sentences[i] for i in told])
    assert found == [sentences[i] for i in expected]


def flags(text: str, extractor, *, elsewhere=()) -> list[tuple[str, bool, bool, list[str]]]:
    """Each sentence of `text` with its aside and separate flags and its places, as read_sentences reads them."""
    folded = fold_text(text)
    sentences = read_sentences(
        text,
        find_cues(text, vocab=extractor.vocab, folded=folded),
        find_places(text, matcher=extractor.matcher, folded=folded),
        find_signals(folded, signals=extractor.signals),
        elsewhere=elsewhere,
    )
    return [(text[s.start : s.end], s.aside, s.separate, [m.text for m in s.places]) for s in sentences]


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "A boy was stabbed on Rye Lane. It came just two days after a man was shot in Brixton.",
            [(False, False), (True, False)],
            id="an aside with words inserted",
        ),
        pytest.param(
            "A boy was stabbed on Rye Lane. The stabbing comes less than a week after a shooting in Brixton.",
            [(False, False), (True, False)],
            id="the incident noun as the aside's subject",
        ),
        pytest.param(
            "The robbery took place on Monday, a day after a man was stabbed in Brixton.",
            [(False, False)],
            id="a crime before the aside phrase is told, not recalled",
        ),
        pytest.param(
            "A woman was robbed on Rye Lane on Monday. In March another man was stabbed on the same road.",
            [(False, False), (True, False)],
            id="an older time opening a sentence about another crime",
        ),
        pytest.param(
            "In March a man was stabbed on Rye Lane, the court heard.",
            [(False, False)],
            id="an older time alone: a court report's incident",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane. It follows a shooting last week. Detectives are investigating that gun "
            "attack too. Police said the man is stable.",
            [(False, False), (True, False), (True, False), (False, False)],
            id="an aside goes on while it names its crime",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane. A second stabbing happened on Mare Street an hour later.",
            [(False, False), (False, True)],
            id="a further incident announced by a noun",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane. Another robbery was reported on Mare Street.",
            [(False, False), (False, True)],
            id="another and a noun",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane. It was the third stabbing in Peckham this month.",
            [(False, False), (False, False)],
            id="an ordinal after a copula announces nothing",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane. A second man was hurt.",
            [(False, False), (False, False)],
            id="a second victim is no second incident",
        ),
    ],
)
def test_asides_and_further_incidents(small_extractor, text, expected):
    assert [(aside, separate) for _, aside, separate, _ in flags(text, small_extractor)] == expected


def test_a_sentence_naming_elsewhere_contributes_no_scene(small_extractor):
    text = "A man was stabbed on Rye Lane. He was held by Kent Police near Mare Street."
    at = text.index("Kent Police")
    assert [places for *_, places in flags(text, small_extractor, elsewhere=[(at, at + 11)])] == [["Rye Lane"], []]


@pytest.mark.parametrize(
    "kinds, expected",
    [
        pytest.param(["told", "told"], 0, id="the first telling sentence"),
        pytest.param(["aside", "told"], 1, id="never an aside"),
        pytest.param(["separate", "told"], 1, id="never a further incident"),
        pytest.param(["placed", "told"], 1, id="one telling it directly first"),
        pytest.param(["aside", "placed"], 1, id="else the first neither aside nor separate"),
        pytest.param(["aside"], 0, id="else the first"),
    ],
)
def test_main_sentence(kinds, expected):
    made = {
        "told": {"cues": [STABBED], "places": [STREET]},
        "aside": {"cues": [STABBED], "places": [STREET], "aside": True},
        "separate": {"cues": [STABBED], "places": [STREET], "separate": True},
        "placed": {"cues": [CALLED], "places": [STREET], "specific": 1},
    }
    sentences = [sentence(i, **made[k]) for i, k in enumerate(kinds)]
    assert main_sentence(sentences) == sentences[expected]


@pytest.mark.parametrize(
    "text, first, expected",
    [
        pytest.param(
            "A second stabbing happened later. The victim was found on Mare Street. He is stable. Police said so.",
            0,
            [0, 1, 2],
            id="two sentences after it at most",
        ),
        pytest.param(
            "A second stabbing happened later. The victim was found on Mare Street. A woman was robbed on Rye Lane on "
            "Monday. He is stable.",
            0,
            [0, 1],
            id="up to where another incident starts",
        ),
        pytest.param(
            "A second stabbing happened later. It follows a shooting last week. The victim is stable.",
            0,
            [0],
            id="not into an aside",
        ),
    ],
)
def test_own_sentences(small_extractor, text, first, expected):
    sentences = sentences_of(text, small_extractor)
    assert own_sentences(sentences, sentences[first]) == [sentences[i] for i in expected]


@pytest.mark.parametrize(
    "positions, expected",
    [
        pytest.param([], {}, id="none"),
        pytest.param([0, 4, 9, 11], {0: (0, 3), 1: (3, 4)}, id="at a start, inside, last before an end"),
        pytest.param([10, 11, 18, 20, 29], {1: (1, 2), 2: (3, 4)}, id="at an end and in the gaps left out"),
        pytest.param([25, 26, 27], {2: (0, 3)}, id="all in one"),
        pytest.param([30, 40], {}, id="past the last"),
    ],
)
def test_by_sentence(positions, expected):
    starts, ends = [0, 11, 20], [10, 18, 29]  # "0123456789" "11 .. 17" "20 .. 28", gaps at 10, 18-19
    assert _by_sentence(positions, starts, ends) == expected
