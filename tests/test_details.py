"""An incident's details on text read with the real crime vocabulary: fatal, weapon, victim ages, number arrested."""

import pytest

from extract.reading import details
from extract.reading.details import ARRESTED_COUNT, _arrest_counts, arrests, fatal, victim_ages, weapon
from extract.reading.story import Sentence
from extract.text.cues import find_cues, load_vocabulary
from extract.text.folding import fold_text
from extract.text.sentences import split_sentences


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


@pytest.mark.parametrize(
    "told, near, headline, expected",
    [
        pytest.param("A man was stabbed to death in Peckham.", "", "", True, id="told dead"),
        pytest.param("A man was stabbed in Peckham.", "", "", False, id="told hurt"),
        pytest.param("A man was stabbed in Peckham.", "He died at the scene.", "", True, id="a death right after"),
        pytest.param("A man was stabbed in Peckham.", "", "Man killed in Peckham", True, id="a death in the headline"),
        pytest.param("A man was stabbed in an attempted murder.", "", "", False, id="attempted murder"),
        pytest.param("A murder inquiry began after a man was stabbed.", "", "", True, id="a murder told"),
        pytest.param(
            "A man was stabbed in Peckham.", "Murder detectives are not involved.", "", False, id="a murder near"
        ),
    ],
)
def test_fatal(vocab, told, near, headline, expected):
    cues = [find_cues(text, vocab=vocab) for text in (told, near, headline)]
    assert fatal(*cues) is expected


@pytest.mark.parametrize(
    "told, near, type_slug, expected",
    [
        pytest.param("A man was stabbed in Peckham.", "", "stabbing", "knife", id="stabbed"),
        pytest.param("A man was shot in Peckham.", "", "shooting", "gun", id="shot"),
        pytest.param("A man was shot and stabbed in Peckham.", "", "shooting", "gun", id="shot and stabbed"),
        pytest.param("A man was stabbed and hit with a gun.", "", "stabbing", "gun", id="a gun named after a knife"),
        pytest.param("A woman was hurt in an acid attack.", "", "acid_attack", "corrosive", id="acid"),
        pytest.param("A cyclist was hurt in a hit-and-run.", "", "hit_and_run", "vehicle", id="a vehicle"),
        pytest.param("A man was robbed in Peckham.", "The robber had a knife.", "robbery", "knife", id="named near"),
        pytest.param("A man was robbed at knifepoint.", "Police found a gun.", "robbery", "knife", id="told first"),
        pytest.param("A man was robbed in Peckham.", "", "robbery", "none", id="no weapon"),
        pytest.param("A man was murdered in Peckham.", "", "homicide", None, id="a killing by unknown means"),
        pytest.param("A man was beaten to death in Peckham.", "", "homicide", "none", id="a killing without weapon"),
    ],
)
def test_weapon(vocab, told, near, type_slug, expected):
    assert weapon(find_cues(told, vocab=vocab), find_cues(near, vocab=vocab), type_slug) == expected


@pytest.mark.parametrize(
    "told, headline, expected",
    [
        pytest.param("Two boys were robbed on a bus.", "Boys robbed at knifepoint", "knife", id="from the headline"),
        pytest.param("A man was shot in the leg.", "Man stabbed and shot", "gun", id="the story's own first"),
        pytest.param("Two boys were robbed on a bus.", "Boys robbed on a bus", "none", id="none named anywhere"),
    ],
)
def test_weapon_named_in_the_headline(vocab, told, headline, expected):
    cues = find_cues(told, vocab=vocab)
    assert weapon(cues, [], "robbery", find_cues(headline, vocab=vocab)) == expected


def sentences(text: str) -> list[Sentence]:
    """The sentences of `text`, with nothing found in them: victim_ages reads the folded text itself."""
    return [Sentence(start, end, (), (), 0, False, False, False) for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A 19-year-old man was stabbed.", (19,)),
        ("A woman, 34, was stabbed.", (34,)),
        ("The victim, aged 23, is stable.", (23,)),
        ("A pensioner, 99, was robbed.", (99,)),
        ("The man, 31, was hit in the arm near the station.", (31,)),
        ("A woman, 52, was treated at the scene.", (52,)),
        ("A 16-year-old and a 17-year-old were stabbed.", (16, 17)),
        ("A 40-year-old woman and a 12-year-old boy were hurt.", (40, 12)),
        ("A 19-year-old man was stabbed. A 19-year-old friend was hurt.", (19,)),
        ("A 19-year-old man was stabbed. A 45-year-old man was arrested.", (19,)),
        ("A 19-year-old has been charged with wounding.", ()),
        ("A 30-year-old man runs the shop.", ()),
        ("A man was stabbed.", ()),
    ],
)
def test_victim_ages(text, expected):
    assert victim_ages(fold_text(text), sentences(text)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Two men have been arrested.", 2),
        ("A 17-year-old boy has been arrested on suspicion of wounding.", 1),
        ("Three teenagers were arrested and later released on bail.", 3),
        ("Twelve people were arrested.", 12),
        ("Police arrested two men at the scene.", 2),
        ("Two men, aged 18 and 19, were arrested.", 2),
        ("A man was arrested. Three men were arrested later.", 3),
        ("Two men have been arrested. The two men were arrested at an address in Hackney.", 2),
        ("No arrests have been made.", 0),
        ("No one has been arrested.", 0),
        ("There have been no arrests. Two men were arrested on Friday.", 2),
        ("Police are appealing for witnesses.", None),
        ("", None),
        ("Four men were seen. Two men were held. He withheld it; five men were detained", 5),  # each stretch read
        ("Two men. Were arrested.", None),  # a count never runs over a full stop
        ("Officers detained 3 youths. Police held a meeting.", 3),
    ],
)
def test_arrests(text, expected):
    assert arrests(fold_text(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Two men have been arrested. Three men were held.\nFour men were detained",
        "Two men were heldetained, and two men were arrested",  # one word found inside another
        "Two men were withheld. Police upheld it; three men have been arrested and held",
        "Officers arrested two men and detained three youths. No one else was held.",
        "Nothing here.",
    ],
)
def test_arrest_counts_are_the_matches_in_the_whole_text(text):
    folded = fold_text(text)
    expected = [m.span() for m in ARRESTED_COUNT.finditer(folded)]
    assert [m.span() for m in _arrest_counts(folded)] == expected


@pytest.mark.parametrize(
    "headline, ages",
    [
        ("girl, 11, hit by car in ilford", (11,)),
        ("son, 15, held at knifepoint in his bedroom", (15,)),
        ("tributes to 17 year old stabbed in peckham", (17,)),
        ("man, 23, charged after stabbing", ()),  # the suspect's
        ("woman aged 34 arrested", ()),
        ("no ages here", ()),
        ("teenager, 17, held by police over croydon stabbing", ()),
        ("man, 30, admits stabbing neighbour", ()),
        ("mum, 34, tells of horror", ()),
        ("teen, 16, caged for killing boy", ()),
        ("girl, 11, left lying in road by fleeing driver", (11,)),
    ],
)
def test_headline_ages_are_victims_not_suspects(headline, ages):
    assert details.headline_ages(headline) == ages
