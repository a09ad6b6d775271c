"""An incident's date and date basis, as the pipeline reads them from whole stories on the real vocabulary and
gazetteer. Every story here is written for these tests; PUBLISHED is a Wednesday."""

import pytest

from extract.pipeline import extract_incidents, load_extractor
from extract.records import Article

PUBLISHED = "2024-03-06"


@pytest.fixture(scope="module")
def extractor():
    return load_extractor()


@pytest.mark.parametrize(
    ("text", "published", "url", "expected"),
    [
        pytest.param(
            "A man was stabbed on Rye Lane in Peckham on Monday, police said.",
            PUBLISHED,
            None,
            [("2024-03-04", "relative")],
            id="a weekday against the publication date",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane in Peckham on 1 March, police said.",
            PUBLISHED,
            None,
            [("2024-03-01", "stated")],
            id="a stated date",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane in Peckham, police said.",
            PUBLISHED,
            None,
            [(None, "none")],
            id="no date is never guessed",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane in Peckham on Monday, police said.",
            None,
            "https://news.example.org/crime/2024/03/06/man-stabbed-in-peckham",
            [("2024-03-04", "relative")],
            id="publication date from the URL",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane in Peckham on 1 March, police said.",
            None,
            "https://news.example.org/crime/2023/mar/man-stabbed-in-peckham",
            [("2023-03-01", "stated")],
            id="publication year from the URL",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane in Peckham, police said. He was taken to hospital. Anyone with "
            "information should call 101 quoting CAD 6612/04Mar.",
            PUBLISHED,
            None,
            [("2024-03-04", "stated")],
            id="a police reference",
        ),
        pytest.param(
            "A man was stabbed on Mare Street in Hackney on Friday night. He died in hospital on Sunday.",
            PUBLISHED,
            None,
            [("2024-03-01", "relative")],
            id="the offence, not the death",
        ),
        pytest.param(
            "A man died in hospital on Sunday, two days after he was attacked on Mare Street in Hackney.",
            PUBLISHED,
            None,
            [(None, "none")],
            id="a death's date is not the offence's",
        ),
        pytest.param(
            "Overnight on Friday 1 March a car was set alight on Mare Street in Hackney.",
            PUBLISHED,
            None,
            [("2024-03-01", "stated")],
            id="overnight on a stated day",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane in Peckham. It comes after a teenager was stabbed in Brixton on Monday.",
            PUBLISHED,
            None,
            [(None, "none")],
            id="an aside's date is another crime's",
        ),
        pytest.param(
            "A woman was robbed on Coldharbour Lane in Brixton.\n\nOfficers said the robbery happened at about "
            "10pm on 2 March, and the suspect ran off.",
            PUBLISHED,
            None,
            [("2024-03-02", "stated")],
            id="a later sentence telling the same crime",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane in Peckham last night. Police were called at 11pm on 4 March.",
            PUBLISHED,
            None,
            [("2024-03-04", "stated")],
            id="a stated date for a relative one a day after it",
        ),
        pytest.param(
            "A woman was robbed on Coldharbour Lane in Brixton yesterday - Monday - afternoon.",
            PUBLISHED,
            None,
            [("2024-03-04", "relative")],
            id="a weekday in apposition names the day",
        ),
        pytest.param(
            "Two men were shot on Mare Street in Hackney on Friday 1 March. On the same night a teenager was "
            "stabbed on Rye Lane in Peckham.",
            PUBLISHED,
            None,
            [("2024-03-01", "stated"), ("2024-03-01", "stated")],
            id="a round-up's 'same night' is the day stated before it",
        ),
        pytest.param(
            "A father says his cargo bike was stolen from outside Peckham Rye station.\n\nHe locked it to a stand "
            "there at around 8.30am on Monday before catching a train.",
            PUBLISHED,
            None,
            [("2024-03-04", "relative")],
            id="a later sentence saying when, with no crime word",
        ),
        pytest.param(
            "A man who held a knife to a courier and stole his phone in Brixton has been jailed.\n\nHe admitted "
            "robbery at Inner London Crown Court on Wednesday.\n\nThe prosecutor told the court that at around "
            "9.40pm on 3 August last year the courier had stopped on Coldharbour Lane.",
            PUBLISHED,
            None,
            [("2023-08-03", "stated")],
            id="what the court was told that: the offence's date, not the hearing's",
        ),
        pytest.param(
            "A man who battered his flatmate to death on the Aylesbury Estate in Walworth has been found guilty of "
            "murder.\n\nA jury took five hours on Thursday to reject his account.\n\nThe court heard the pair "
            "had often argued about rent. On the evening of 14 November last year, neighbours heard shouting.",
            PUBLISHED,
            None,
            [("2023-11-14", "stated")],
            id="the day a court heard of comes before the trial's",
        ),
    ],
)
def test_incident_date_and_basis(extractor, text, published, url, expected):
    article = Article("story", text, headline=None, url=url, published=published)
    assert [(i.date, i.date_basis) for i in extract_incidents(article, extractor=extractor)] == expected
