"""Story signal words on the project's data/story_signals.csv: what each phrase or pattern signals, and the lines
linking to other stories, blanked out of a story."""

import pytest

from extract.text.folding import fold_text
from extract.text.signals import find_signals, load_signals, without_links


@pytest.fixture(scope="module")
def signals():
    return load_signals()


@pytest.mark.parametrize(
    "text, signal, expected",
    [
        ("A 17-year-old was stabbed, aged 17.", "specific", ["17 year old", "aged 17"]),
        ("Police were called at 9pm and again at 21:40 on Monday.", "when", ["on monday", "9pm", "21:40"]),
        ("Police are investigating.", "specific", ["investigating"]),
        ("It came just two days after a shooting.", "aside", ["days after", "it came just two days after"]),
        (
            "The stabbing comes less than a week after a robbery.",
            "aside",
            ["the stabbing comes less than a week after"],
        ),
        ("This latest attack follows a robbery.", "aside", ["follows a"]),
        ("He came home after work.", "aside", []),
        ("A second stabbing and another robbery.", "ordinal", ["a second", "another"]),
        ("In March a man was hurt.", "opening", ["in march"]),
        ("It comes as police are also investigating a stabbing.", "aside", ["it comes as"]),
        ("Police are also investigating a stabbing on Mare Street.", "separate", ["are also investigating"]),
    ],
)
def test_find_signals(signals, text, signal, expected):
    found = find_signals(fold_text(text), signals=signals)
    assert sorted(phrase for _, phrase in found.get(signal, [])) == sorted(expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "A woman was robbed.\nRead more: Leeds man stabbed\nPolice appealed.",
            "A woman was robbed.\n                            \nPolice appealed.",
            id="read more",
        ),
        pytest.param("Hurt.\n  RELATED | Man shot in Bristol", "Hurt.\n" + " " * 31, id="indented, a bar"),
        pytest.param("More than ten people saw it.", "More than ten people saw it.", id="an opening word, no colon"),
        pytest.param("He said: read more books.", "He said: read more books.", id="not at a line's start"),
        pytest.param(
            "Hurt.\nDon\u2019t miss: Grandmother killed in hit-and-run",
            "Hurt.\n" + " " * len("Don\u2019t miss: Grandmother killed in hit-and-run"),
            id="don't miss, a curly apostrophe",
        ),
        pytest.param(
            "Hurt.\nDon't miss a story: sign up to our free South London newsletter.",
            "Hurt.\n" + " " * len("Don't miss a story: sign up to our free South London newsletter."),
            id="a newsletter's prompt",
        ),
        pytest.param(
            "LATEST: A man was stabbed to death in Church Street, Enfield, on Friday night, police said.",
            "LATEST: A man was stabbed to death in Church Street, Enfield, on Friday night, police said.",
            id="a live update's own news: a long sentence",
        ),
        pytest.param(
            "Hurt.\nRead more: Man stabbed in Croydon named by police.",
            "Hurt.\n" + " " * len("Read more: Man stabbed in Croydon named by police."),
            id="a headline with a full stop",
        ),
    ],
)
def test_without_links(signals, text, expected):
    assert without_links(text, signals=signals) == expected
    assert len(without_links(text, signals=signals)) == len(text)
