"""find_cues on a small vocabulary written for the tests (loaded by the real load_vocabulary from tmp_path), then a
few regressions on the project's vocabulary."""

import pytest

from extract.text.cues import CrimeType, Cue, find_cues, load_vocabulary

TYPES = """slug,label,category,severity
homicide,Homicide,violence and sexual offences,100
stabbing,Stabbing,violence and sexual offences,90
robbery,Robbery,robbery,60
bicycle_theft,Bicycle theft,bicycle theft,32
other,Other crime,other crime,1
"""
CUES = """phrase,type,weapon,fatal,event
stabbed,stabbing,knife,,1
stabbed to death,stabbing,knife,1,1
knife,,knife,,0
knife crime,,,,0
Murder,homicide,,1,0
attempted murder,,,0,0
robbed,robbery,,,1
gun,,gun,,0
hit-and-run,other,vehicle,,0
"""
PATTERNS = r"""pattern,anchors,type,weapon,fatal,event
"\b(bike|bicycle) (was|were)( \w+){0,2} stolen\b",bike|bicycle,bicycle_theft,,,1
"""


def write_vocabulary(folder, types=TYPES, cues=CUES, patterns=PATTERNS):
    (folder / "crime_types.csv").write_text(types, encoding="utf-8")
    (folder / "crime_cues.csv").write_text(cues, encoding="utf-8")
    (folder / "crime_patterns.csv").write_text(patterns, encoding="utf-8")


@pytest.fixture
def vocab(tmp_path):
    write_vocabulary(tmp_path)
    return load_vocabulary(tmp_path)


def cue(phrase, start, type_=None, weapon=None, fatal=None, event=False):
    return Cue(phrase, start, start + len(phrase), type_, weapon, fatal, event)


STABBED = dict(type_="stabbing", weapon="knife", event=True)


def test_load_vocabulary(vocab):
    assert vocab.types == {
        "homicide": CrimeType("homicide", "Homicide", "violence and sexual offences", 100),
        "stabbing": CrimeType("stabbing", "Stabbing", "violence and sexual offences", 90),
        "robbery": CrimeType("robbery", "Robbery", "robbery", 60),
        "bicycle_theft": CrimeType("bicycle_theft", "Bicycle theft", "bicycle theft", 32),
        "other": CrimeType("other", "Other crime", "other crime", 1),
    }


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("A quiet day in Ealing.", []),
        ("He was stabbed.", [cue("stabbed", 7, **STABBED)]),
        ("He was STABBED.", [cue("stabbed", 7, **STABBED)]),
        ("He was stabbed to death.", [cue("stabbed to death", 7, "stabbing", "knife", True, True)]),
        (
            "He was stabbed twice, then stabbed to death.",
            [cue("stabbed", 7, **STABBED), cue("stabbed to death", 27, "stabbing", "knife", True, True)],
        ),
        ("Knife crime is up; a knife was found.", [cue("knife crime", 0), cue("knife", 21, weapon="knife")]),
        ("It was knife-crime again.", [cue("knife crime", 7)]),
        ("A hit and run in Ealing.", [cue("hit and run", 2, "other", "vehicle")]),
        ("A hit-and-run in Ealing.", [cue("hit and run", 2, "other", "vehicle")]),
        ("an attempted murder", [cue("attempted murder", 3, fatal=False)]),
        ("a murder", [cue("murder", 2, "homicide", fatal=True)]),
        ("The gunner had begun to fire.", []),
        ("Shotgun, guns and a gun.", [cue("gun", 20, weapon="gun")]),
        ("He was unstabbed, stabbed2 and stabbed_x.", []),
        ("He was robbed\u2014and stabbed.", [cue("robbed", 7, "robbery", event=True), cue("stabbed", 18, **STABBED)]),
        ("O\u2019Brien was robbed", [cue("robbed", 12, "robbery", event=True)]),
        ("His bike was stolen.", [cue("bike was stolen", 4, "bicycle_theft", event=True)]),
        ("His bike was later stolen.", [cue("bike was later stolen", 4, "bicycle_theft", event=True)]),
        ("His bike was robbed and stolen.", [cue("bike was robbed and stolen", 4, "bicycle_theft", event=True)]),
        ("His bike, robbed and stolen.", [cue("robbed", 10, "robbery", event=True)]),
    ],
)
def test_find_cues(vocab, text, expected):
    assert find_cues(text, vocab=vocab) == expected


def test_find_cues_uses_a_given_folded_text(vocab):
    text = "He was Stabbed."
    assert find_cues(text, vocab=vocab, folded="he was stabbed.") == [cue("stabbed", 7, **STABBED)]


@pytest.mark.parametrize(
    "files, message",
    [
        (
            {"cues": "phrase,type,weapon,fatal,event\nmugged,mugging,,,1\n"},
            "crime_cues.csv: unknown type 'mugging' for 'mugged'",
        ),
        (
            {"patterns": "pattern,anchors,type,weapon,fatal,event\nmugged,mugged,mugging,,,1\n"},
            "crime_patterns.csv: unknown type 'mugging'",
        ),
    ],
)
def test_load_vocabulary_fail(tmp_path, files, message):
    write_vocabulary(tmp_path, **files)
    with pytest.raises(ValueError) as e:
        load_vocabulary(tmp_path)
    assert str(e.value) == message


@pytest.fixture(scope="module")
def project_vocab():
    return load_vocabulary()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Knife crime is rising.", [("knife crime", None, None)]),
        ("He was stabbed to death.", [("stabbed to death", "stabbing", "knife")]),
        ("She was shot dead.", [("shot dead", "shooting", "gun")]),
        ("A man was arrested on suspicion of attempted murder.", [("attempted murder", "assault", None)]),
    ],
)
def test_knife_crime_masks_knife_in_the_project_vocabulary(project_vocab, text, expected):
    assert [(c.phrase, c.type, c.weapon) for c in find_cues(text, vocab=project_vocab)] == expected


@pytest.mark.parametrize(
    "text, phrases",
    [
        (
            "The pub raised money for charities including Shooting Stars Children Hospice and the British Heart "
            "Foundation.",
            [],
        ),
        ("Man Stabbed In Peckham Leaves Two Hurt", ["stabbed"]),
    ],
)
def test_cue_inside_a_title_case_name_is_not_a_crime(project_vocab, text, phrases):
    assert [c.phrase for c in find_cues(text, vocab=project_vocab)] == phrases
