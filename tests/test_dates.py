import re
import time

import pytest

from extract.text.dates import (
    DateMention,
    _phrases,
    _starts,
    date_basis,
    find_dates,
    incident_date,
    load_date_vocabulary,
    publication_date,
)
from extract.text.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        # explicit dates as written
        ("The shop was raided on 1 July 2021.", None, [("1 July 2021", "2021-07-01")]),
        ("The shop was raided on July 1, 2021.", None, [("July 1, 2021", "2021-07-01")]),
        ("The shop was raided on 1st July.", "2021-07-05", [("1st July", "2021-07-01")]),
        ("Officers were called on Saturday 3 March.", "2018-03-05", [("Saturday 3 March", "2018-03-03")]),
        ("Officers were called on Saturday, 3 March 2018.", None, [("Saturday, 3 March 2018", "2018-03-03")]),
        ("A van was torched on 14/03/2019 in Deptford.", None, [("14/03/2019", "2019-03-14")]),
        ("Quote reference 4411 of 02/11/15.", None, [("02/11/15", "2015-11-02")]),
        ("The raid took place on March 3rd.", "2020-03-09", [("March 3rd", "2020-03-03")]),
        ("He was assaulted on 3 March at 10pm.", "2020-03-09", [("3 March", "2020-03-03")]),
        ("Logged as 2021-07-01 by the force.", None, [("2021-07-01", "2021-07-01")]),
        ("The car was stolen on Tuesday 30th of June.", "2020-07-02", [("Tuesday 30th of June", "2020-06-30")]),
        ("It was reported on the 19th March at 8am.", "2019-04-13", [("19th March", "2019-03-19")]),
        ("He was hurt on Thursday, May 11th, 2023, around 8pm.", None, [("Thursday, May 11th, 2023", "2023-05-11")]),
        ("She was attacked on September 5 2020 in Harlesden.", None, [("September 5 2020", "2020-09-05")]),
        ("She was attacked on September 5 last year.", "2021-11-05", [("September 5 last year", "2020-09-05")]),
        (
            "The gang struck on Apr. 2 and again on SEPTEMBER 9.",
            "2016-10-01",
            [("Apr. 2", "2016-04-02"), ("SEPTEMBER 9", "2016-09-09")],
        ),
        ("Photos of the raid [04.06.23] were shared.", None, [("04.06.23", "2023-06-04")]),
        ("Call 101 quoting CAD 7720/14Mar.", "2022-03-16", [("14Mar", "2022-03-14")]),
        ("Call 101 quoting CAD 4567/21MAR.", "2022-03-23", [("21MAR", "2022-03-21")]),
        # the year comes from the publication date, or the year before when that would be over two months ahead
        ("The fire started on 28 December.", "2021-01-10", [("28 December", "2020-12-28")]),
        ("The fire started on 2 March.", "2021-01-10", [("2 March", "2021-03-02")]),
        ("The fire started on 20 March.", "2021-01-10", [("20 March", "2020-03-20")]),
        ("The fire started on Saturday, September 8.", "2012-09", [("Saturday, September 8", "2012-09-08")]),
        ("The fire started on 1 July.", None, [("1 July", None)]),
        ("The fire started on 29 February.", "2021-03-05", [("29 February", None)]),
        ("The fire started on 29 February.", "2020-03-05", [("29 February", "2020-02-29")]),
        # relative days
        ("A man was stabbed yesterday.", "2021-07-01", [("yesterday", "2021-06-30")]),
        ("A man was stabbed last night.", "2021-07-01", [("last night", "2021-06-30")]),
        ("A man was stabbed this morning.", "2021-07-01", [("this morning", "2021-07-01")]),
        ("A man was stabbed earlier today.", "2021-07-01", [("earlier today", "2021-07-01")]),
        ("Police are at the scene tonight.", "2021-07-01", [("tonight", "2021-07-01")]),
        (
            "A man was stabbed in the early hours of this morning.",
            "2021-07-01",
            [("early hours of this morning", "2021-07-01")],
        ),
        ("Two cars were set alight overnight.", "2021-07-01", [("overnight", "2021-06-30")]),
        (
            "Burglars struck twice last week and again at the weekend.",
            "2021-07-01",
            [("last week", None), ("at the weekend", None)],
        ),
        # one date written twice is one mention, dated by its more precise part
        (
            "A man was stabbed yesterday afternoon (Wednesday).",
            "2021-07-01",
            [("yesterday afternoon (Wednesday", "2021-06-30")],
        ),
        (
            "The fight broke out yesterday - Tuesday - in the street.",
            "2021-07-01",
            [("yesterday - Tuesday", "2021-06-29")],
        ),
        ("Overnight on Friday 5 May a car was torched.", "2023-05-08", [("Overnight on Friday 5 May", "2023-05-05")]),
        ("He was robbed last night, Monday 28 June.", "2021-07-01", [("last night, Monday 28 June", "2021-06-28")]),
        (
            "Shops were raided on Monday, Tuesday and Wednesday.",
            "2021-07-01",
            [("Monday", "2021-06-28"), ("Tuesday", "2021-06-29"), ("Wednesday", "2021-06-30")],
        ),
        (
            "He was robbed on 1 May, 2 May and 3 May.",
            "2021-07-01",
            [("1 May", "2021-05-01"), ("2 May", "2021-05-02"), ("3 May", "2021-05-03")],
        ),
        # weekdays: the most recent such day on or before publication (a Thursday here); "last X" strictly before
        ("He was robbed on Monday.", "2021-07-01", [("Monday", "2021-06-28")]),
        ("He was robbed Monday night.", "2021-07-01", [("Monday night", "2021-06-28")]),
        ("He was robbed last Monday.", "2021-07-01", [("last Monday", "2021-06-28")]),
        ("He was robbed on Saturday evening.", "2021-07-01", [("Saturday evening", "2021-06-26")]),
        ("He was robbed in the early hours of Sunday.", "2021-07-01", [("early hours of Sunday", "2021-06-27")]),
        ("He was robbed early Wednesday.", "2021-07-01", [("early Wednesday", "2021-06-30")]),
        ("He was robbed on Thursday.", "2021-07-01", [("Thursday", "2021-07-01")]),
        ("He was robbed last Thursday.", "2021-07-01", [("last Thursday", "2021-06-24")]),
        ("He will be sentenced next Monday.", "2021-07-01", [("next Monday", "2021-07-05")]),
        # counted from the date written before them
        (
            "A gang struck on Friday and again the previous Friday.",
            "2021-07-01",
            [("Friday", "2021-06-25"), ("previous Friday", "2021-06-18")],
        ),
        (
            "Two men were shot on Monday 21 June. The following Friday a boy was stabbed.",
            "2021-07-01",
            [("Monday 21 June", "2021-06-21"), ("following Friday", "2021-06-25")],
        ),
        ("The previous Friday a boy was stabbed.", "2021-07-01", [("previous Friday", None)]),
        (
            "Two men were shot on 3 May. On the same night a boy was stabbed, and the next day a shop was raided.",
            "2021-07-01",
            [("3 May", "2021-05-03"), ("the same night", "2021-05-03"), ("the next day", "2021-05-04")],
        ),
        ("The day before, a car was stolen.", "2021-07-01", [("The day before", None)]),
        (
            "He was hurt the day before yesterday, and his brother the day before.",
            "2021-07-01",
            [("the day before yesterday", "2021-06-29"), ("the day before", "2021-06-28")],
        ),
        # weekday arithmetic across month, year and leap-day boundaries
        ("He was robbed on Sunday.", "2021-03-01", [("Sunday", "2021-02-28")]),
        ("He was robbed on Monday.", "2021-03-01", [("Monday", "2021-03-01")]),
        ("He was robbed on Friday.", "2022-01-01", [("Friday", "2021-12-31")]),
        ("He was robbed on Saturday.", "2022-01-01", [("Saturday", "2022-01-01")]),
        ("He was robbed last Sunday.", "2022-01-01", [("last Sunday", "2021-12-26")]),
        ("He was robbed on Thursday.", "2024-03-01", [("Thursday", "2024-02-29")]),
        ("He was robbed yesterday.", "2024-03-01", [("yesterday", "2024-02-29")]),
        ("He was robbed yesterday.", "2022-01-01", [("yesterday", "2021-12-31")]),
        # anniversaries: the publication day, that many years back
        ("Ten years ago today, he was shot.", "2024-03-06", [("Ten years ago today", "2014-03-06")]),
        ("Two years ago yesterday he died.", "2024-03-01", [("Two years ago yesterday", "2022-02-28")]),
        ("5 years ago today he died.", None, [("5 years ago today", None)]),
        ("A year ago today, he was shot.", "2024-03-06", [("A year ago today", "2023-03-06")]),
        ("Thirty years ago today he died.", "2024-03-06", [("Thirty years ago today", "1994-03-06")]),
        ("He is due in court next Monday.", "2021-12-30", [("next Monday", "2022-01-03")]),
        # relative dates need the publication day
        ("He was robbed on Monday.", "2021-07", [("Monday", None)]),
        ("He was robbed yesterday.", None, [("yesterday", None)]),
        (
            "He was robbed on 1 July 2021, two days after a robbery on Monday.",
            None,
            [("1 July 2021", "2021-07-01"), ("Monday", None)],
        ),
        # figures in brackets after a weekday are that day, not a date of birth
        ("He was robbed on Friday (02/07/2021).", "2021-07-05", [("Friday (02/07/2021", "2021-07-02")]),
    ],
)
def test_find_dates(text, published, expected):
    mentions = find_dates(text, published=published)
    assert [(m.text, m.date) for m in mentions] == expected
    assert all(text[m.start : m.end] == m.text for m in mentions)


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("A 17-year-old boy was stabbed.", "2021-07-01"),
        ("In May 17-year-old boys were stopped more often.", "2021-07-01"),
        ("The call came in at 21:40 GMT.", "2021-07-01"),
        ("He was seen at 5.45pm near the station.", "2021-07-01"),
        ("He was fined £250 and patrols now run 24/7.", "2021-07-01"),
        ("Since 7/7 and 9/11 the threat has changed.", "2021-07-01"),
        ("The shop opened in 2009.", "2021-07-01"),
        ("The budget for 2017-18 was cut.", "2021-07-01"),
        ("The victim may have died at the scene.", "2021-07-01"),
        ("Theresa May said the figures were wrong, ahead of May's election.", "2021-07-01"),
        ("Thefts rose by 9.5 per cent between February and July.", "2021-07-01"),
        ("The unit has existed since December 2020.", "2021-07-01"),
        ("The 12 months to March showed a rise.", "2021-07-01"),
        ("The Sunday Times and the Mail on Sunday ran the story.", "2021-07-01"),
        ("Victims aged 16, 17 and 21 were treated.", "2021-07-01"),
        ("See section 3.2.1 of the report, and call 0800 555 111.", "2021-07-01"),
        ("He won the game 3-1 and scored 15 goals.", "2021-07-01"),
        ("Gary Pellow, 39 (14.08.85), of Bellingham, was charged.", "2021-07-01"),  # a date of birth
        ("Jo Bloggs (01/02/1990) of Lewisham was charged.", "2021-07-01"),
    ],
)
def test_find_dates_ignores_non_dates(text, published):
    assert find_dates(text, published=published) == []


@pytest.mark.parametrize("published", ["2021/07/01", "July 2021", "2021", "01-07-2021"])
def test_find_dates_rejects_malformed_published(published):
    with pytest.raises(ValueError, match="published must be YYYY-MM-DD, YYYY-MM or None"):
        find_dates("He was robbed yesterday.", published=published)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smith appeared at Highbury Corner Magistrates' Court on Friday.", [("Friday", "magistrates")]),
        ("Smith is due to appear at the Old Bailey on 3 June.", [("3 June", "old bailey")]),
        ("Smith will be sentenced on 3 June.", [("3 June", "sentenced")]),
        ("Smith was charged on Tuesday with attempted murder.", [("Tuesday", "charged")]),
        ("An inquest will open on Monday.", [("Monday", "inquest")]),
        ("Smith was jailed on Friday (July 7).", [("Friday (July 7", "jailed")]),
        ("On Friday, Smith was jailed for life.", [("Friday", "jailed")]),
        ("Three men have today been jailed.", [("today", "jailed")]),
        ("The trial heard he was stabbed on 5 May.", [("5 May", None)]),
        ("Southwark Crown Court heard on Thursday that he stole £500.", [("Thursday", "crown court")]),
        ("Police have today (2 July) released an image of a man.", [("today (2 July", "released")]),
        ("Cyclists rode through Hackney on Thursday as the funeral took place.", [("Thursday", "funeral")]),
        ("A boy was arrested after a man was stabbed on Saturday night.", [("Saturday night", None)]),
        ("A woman was robbed in Soho this morning, police said.", [("this morning", None)]),
        # a death after the offence: the date after it is the death's, one before it the offence's
        (
            "He was stabbed on Friday and died in hospital on Sunday.",
            [("Friday", None), ("Sunday", "died in hospital")],
        ),
        ("A boy stabbed in Croydon on Friday has died in hospital.", [("Friday", None)]),
        ("A man died in hospital after he was stabbed on Friday.", [("Friday", None)]),
        (
            "Jane Reporter 5 March 2018\n\nA man was attacked on February 12.",
            [("5 March 2018", "dateline"), ("February 12", None)],
        ),
    ],
)
def test_find_dates_sets_aside_later_events(text, expected):
    assert [(m.text, m.aside) for m in find_dates(text, published="2018-07-10")] == expected


def _span(text: str, start: str) -> tuple[int, int]:
    """The sentence of `text` beginning with `start`."""
    return next(span for span in split_sentences(text) if text.startswith(start, span[0]))


@pytest.mark.parametrize(
    ("text", "sentence", "expected"),
    [
        ("A man was stabbed in Peckham on Friday. Jones will be sentenced on 3 June.", "A man", "Friday"),
        ("Jones will be sentenced on 3 June. A man was stabbed in Peckham.", "A man", None),
        (
            "Police were called at 5.45pm yesterday - Monday, October 25 - to Dagenham.",
            "Police",
            "yesterday - Monday, October 25",
        ),
        ("A woman was robbed in Soho last night. The suspect fled towards Oxford Street.", "The suspect", "last night"),
        ("Two men were hurt on Friday. A third man was robbed in Ealing on Sunday.", "A third", "Sunday"),
        ("The last week was busy. A man was robbed in Acton.", "A man", None),
        # a date after the incident's sentence only from the following spans
        ("A man was robbed in Acton. Police were called at 9pm on Friday.", "A man", None),
        # the stated date of a long sentence is preferred, wherever it stands in it
        (
            "A man who had been drinking with friends at a pub near the station for most of the evening was "
            "stabbed yesterday in a fight that began over a spilt drink on Monday 25 October.",
            "A man",
            "Monday 25 October",
        ),
        # a relative date gives way to a stated one a day before it; never to a later one
        ("A man was stabbed in Bow today. Officers were called at 7pm on 25 October.", "A man", "25 October"),
        ("A man was stabbed in Bow today. Officers were called at 7pm on 26 October.", "A man", "26 October"),
        ("A man was stabbed in Bow yesterday. It was updated on 26 October.", "A man", "yesterday"),
        ("A man was stabbed in Bow today. A shop was raided on 20 October.", "A man", "today"),
    ],
)
def test_incident_date(text, sentence, expected):
    chosen = incident_date(find_dates(text, published="2021-10-26"), sentence=_span(text, sentence))
    assert (chosen.text if chosen else None) == expected


STORY = (
    "A man was stabbed in Bow. It follows a shooting on Tuesday. "
    "Police were called to Roman Road at 9pm on Saturday. Call 101 quoting CAD 4411/20Oct."
)


@pytest.mark.parametrize(
    ("scene", "following", "skip", "references", "expected"),
    [
        # nothing in the incident's sentence nor before it: the police reference
        (None, (), (), True, "20Oct"),
        (None, (), (), False, None),
        # the scene's own sentence first
        ("Police", (), (), True, "Saturday"),
        # then the first in the following spans, leaving out those skipped (telling another incident)
        (None, ("It follows", "Police"), (), True, "Tuesday"),
        (None, ("It follows", "Police"), ("It follows",), True, "Saturday"),
    ],
)
def test_incident_date_looks_in_the_scene_then_the_following_spans(scene, following, skip, references, expected):
    chosen = incident_date(
        find_dates(STORY, published="2021-10-26"),
        sentence=_span(STORY, "A man"),
        scene=_span(STORY, scene) if scene else None,
        following=[_span(STORY, f) for f in following],
        skip=[_span(STORY, s) for s in skip],
        references=references,
    )
    assert (chosen.text if chosen else None) == expected


def test_incident_date_without_mentions():
    assert incident_date([], sentence=(0, 10)) is None


def test_explicit_beats_relative_in_the_same_sentence():
    mentions = [
        DateMention(text="yesterday", start=10, end=19, date="2021-10-25", kind="relative"),
        DateMention(text="25 October", start=30, end=40, date="2021-10-25", kind="explicit"),
    ]
    assert incident_date(mentions, sentence=(0, 50)) == mentions[1]


def test_police_reference_read_past_the_end():
    text = "A man was robbed in Acton. " + "Officers are appealing for help. " * 40 + "Quote CAD 4411/23Oct."
    mentions = find_dates(text, published="2021-10-26", end=30)
    assert [(m.text, m.date, m.kind) for m in mentions] == [("23Oct", "2021-10-23", "reference")]


@pytest.mark.parametrize(
    ("mention", "basis"),
    [
        (DateMention(text="25 October", start=0, end=10, date="2021-10-25", kind="explicit"), "stated"),
        (DateMention(text="23Oct", start=0, end=5, date="2021-10-23", kind="reference"), "stated"),
        (DateMention(text="yesterday", start=0, end=9, date="2021-10-25", kind="relative"), "relative"),
        (None, "none"),
    ],
)
def test_date_basis(mention, basis):
    assert date_basis(mention) == basis


@pytest.mark.parametrize(
    ("published", "url", "expected"),
    [
        (None, "https://www.example.org/uk-news/2017/jul/15/acid-attack", "2017-07-15"),
        (None, "https://example.org/news/2024/03/12/man-stabbed", "2024-03-12"),
        (None, "https://example.org/news/2024/3/9/man-stabbed", "2024-03-09"),
        (None, "https://example.org/2024/mar/man-stabbed", "2024-03"),
        (None, "https://example.org/2024/03/", "2024-03"),
        (None, "https://example.org/2024/02/31/man-stabbed", "2024-02"),
        ("2024-03", "https://example.org/2024/03/12/man-stabbed", "2024-03-12"),
        ("2024-04", "https://example.org/2024/03/12/man-stabbed", "2024-04"),
        ("2024-03-14", "https://example.org/2024/03/12/man-stabbed", "2024-03-14"),
        (None, "https://example.org/news/2024/13/man-stabbed", None),
        (None, "https://example.org/news/20240312-man-stabbed", None),
        (None, "https://example.org/news/man-stabbed?date=2024/03/12", None),
        (None, None, None),
        ("2024-03-14", None, "2024-03-14"),
        (None, "http://[::1/2024/03/05/x", None),  # malformed: no date, and no failure
        ("2024-03", "http://[::1/2024/03/05/x", "2024-03"),
    ],
)
def test_publication_date(published, url, expected):
    assert publication_date(published, url) == expected


def test_vocabulary_is_read_from_the_data_directory(tmp_path):
    (tmp_path / "dates_relative.txt").write_text("# phrase, days before\nthe other night\t2\n", encoding="utf-8")
    (tmp_path / "dates_anaphoric.txt").write_text("# phrase, days after\nthe morning after\t1\n", encoding="utf-8")
    (tmp_path / "dates_holidays.txt").write_text("# phrase, MM-DD\nbonfire night\t11-05\n", encoding="utf-8")
    for name in ("dates_later_cues.txt", "dates_event_cues.txt", "dates_not_weekdays.txt", "dates_death_cues.txt"):
        (tmp_path / name).write_text("sentenc*\n", encoding="utf-8")
    vocabulary = load_date_vocabulary(tmp_path)
    mentions = find_dates("He was hurt on Bonfire Night.", published="2021-12-01", vocabulary=vocabulary)
    assert [(m.text, m.date) for m in mentions] == [("Bonfire Night", "2021-11-05")]
    mentions = find_dates("He was hurt the other night.", published="2021-07-01", vocabulary=vocabulary)
    assert [(m.text, m.date) for m in mentions] == [("the other night", "2021-06-29")]
    mentions = find_dates(
        "Hurt on 3 May, he fell ill the morning after.", published="2021-07-01", vocabulary=vocabulary
    )
    assert [(m.text, m.date) for m in mentions] == [("3 May", "2021-05-03"), ("the morning after", "2021-05-04")]


def test_five_megabytes_finish():
    sentences = [
        "A 17-year-old was stabbed on Saturday, 3 March 2018 at 21:40 GMT. ",
        "Smith appeared at the Old Bailey on 14/03/2019 and may have fled 24/7 in 2009. ",
        "Police said last night that 3 3 3 3 1/1/1/1 12.12.12.12 Monday Monday May May cases rose. ",
        "early hours of early hours of " + " " * 200 + "\n",
    ]
    text = "".join(sentences) * (5_000_000 // len("".join(sentences)) + 1)
    started = time.perf_counter()
    find_dates(text[:5_000_000], published="2021-07-01")
    assert time.perf_counter() - started < 30


def test_relative_phrase_in_a_unicode_case_variant_does_not_crash():
    assert [(m.text, m.date) for m in find_dates("It happened earlier thi\u017f week.", published="2024-03-06")] == [
        ("earlier thi\u017f week", None)
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Café owner stabbed on Monday; é-Tuesday, 3 May.", id="accented letters are word characters"),
        pytest.param("\u201cYesterday\u201d \u2014 last night\u2026 (Friday) _Monday 4/5/21", id="quotes, dashes, _"),
        pytest.param("Ｍonday ５ May ٣ March", id="letters and digits outside ASCII"),
    ],
)
def test_starts_read_a_non_word_character_as_w_does(text):
    starts = _starts(load_date_vocabulary())
    as_w = re.compile(r"\W" + starts.pattern.removeprefix(r"[^a-zA-Z0-9_](?<=\W)"))
    assert as_w.pattern.startswith(r"\W(?=")
    assert [m.span() for m in starts.finditer(text)] == [m.span() for m in as_w.finditer(text)]


def flat(phrases):
    """The alternation _phrases would give ungrouped: longest first, whitespace runs, "*" for a word ending."""
    patterns = []
    for phrase in sorted(phrases, key=len, reverse=True):
        stem = r"\s+".join(re.escape(word) for word in phrase.rstrip("*").split())
        patterns.append(stem + (r"\w*" if phrase.endswith("*") else ""))
    return "|".join(patterns)


PHRASE_TEXT = "Died in hospital, died  days later; due in court, the day before; dying, Die, Dead, d, 2 days on."


@pytest.mark.parametrize(
    "phrases, grouped",
    [
        pytest.param(["died in hospital", "died", "due in court", "dead"], True, id="one first character"),
        pytest.param(["died*", "day before", "due", "d", "2 days"], True, id="a word ending, one character, a digit"),
        pytest.param(["Died", "died in hospital"], False, id="first characters differing by case"),
        pytest.param(["(died)", "due"], False, id="a first character no letter or digit"),
        pytest.param(["died in hospital"], False, id="one phrase"),
    ],
)
def test_phrases_grouped_match_as_the_flat_alternation(phrases, grouped):
    pattern = _phrases(phrases)
    assert (pattern != flat(phrases)) == grouped
    for flags in (0, re.IGNORECASE):
        for around in ("(?:{})", r"\b(?:{})\b"):
            expected = [m.span() for m in re.finditer(around.format(flat(phrases)), PHRASE_TEXT, flags)]
            assert [m.span() for m in re.finditer(around.format(pattern), PHRASE_TEXT, flags)] == expected
            assert expected or not flags  # the text holds some of them
