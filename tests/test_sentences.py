import pytest

from extract.text.sentences import split_sentences


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("   \n\n  ", []),
        ("  A man was stabbed.  ", [(2, 20)]),
        ("A man was stabbed. He died.", [(0, 18), (19, 27)]),
        ("Line one\nLine two\n\nLine three", [(0, 8), (9, 17), (19, 29)]),
        ("Was he hurt? Yes! He was.", [(0, 12), (13, 17), (18, 25)]),
        ("Why?!\u201d\n\n(Then) he ran.\n", [(0, 6), (8, 22)]),
        ("He ran.\n\n\nThen. 4 left", [(0, 7), (10, 15), (16, 22)]),
    ],
)
def test_offsets(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith was stabbed. He died.", ["Mr. Smith was stabbed.", "He died."]),
        ("Police came to St. John's Road. Nobody was hurt.", ["Police came to St. John's Road.", "Nobody was hurt."]),
        (
            'Det. Insp. Jane Roe said: "We are appealing." Call 101.',
            ['Det. Insp. Jane Roe said: "We are appealing."', "Call 101."],
        ),
        ("He was held at No. 5 Mare Street.", ["He was held at No. 5 Mare Street."]),
        ("The attack, at approx. 10pm, was filmed.", ["The attack, at approx. 10pm, was filmed."]),
        ("It happened at 5 a.m. on Monday.", ["It happened at 5 a.m. on Monday."]),
        ("Police arrived at 11 p.m. Nobody was hurt.", ["Police arrived at 11 p.m.", "Nobody was hurt."]),
        ("The phone cost £3.50. It was taken.", ["The phone cost £3.50.", "It was taken."]),
        ("He was shot at 10.30pm. He died.", ["He was shot at 10.30pm.", "He died."]),
        ("He was stabbed...  Then he ran.", ["He was stabbed...", "Then he ran."]),
        ('He shouted "Run!" Then he ran.', ['He shouted "Run!"', "Then he ran."]),
        ("A man (aged 20.) He was hurt.", ["A man (aged 20.)", "He was hurt."]),
        ("The A2 was shut. 3 men were held.", ["The A2 was shut.", "3 men were held."]),
        ("A phone was taken from J. Smith in Ealing.", ["A phone was taken from J. Smith in Ealing."]),
        ("the knife was found. then he left.", ["the knife was found. then he left."]),
        ("He died. Mr. Smith said so.", ["He died.", "Mr. Smith said so."]),
        ("Police came.\nDr. Jones spoke.", ["Police came.", "Dr. Jones spoke."]),
        (
            "A man was hurt. St. Thomas' Hospital said he was stable.",
            ["A man was hurt.", "St. Thomas' Hospital said he was stable."],
        ),
    ],
)
def test_sentences(text, expected):
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_long_text_without_full_stops_is_one_sentence():
    text = "word " * 200_000
    assert split_sentences(text) == [(0, len(text) - 1)]
