"""Crime words in their other senses, told apart by context (extract/text/senses.py), on the project's vocabulary:
one table per rule, figurative or non-crime uses left out with their reason, and crime uses kept."""

import pytest

from extract.text.cues import find_cues, load_vocabulary, read_cues
from extract.text.folding import fold_text
from extract.text.lexicon import load_lexicon
from extract.text.senses import SENTENCE_CHARS, _sentence, load_senses, other_sense, read_context


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


def left_out(text, vocab):
    """The cues read_cues leaves out, as (phrase, rule) pairs."""
    return [(c.phrase, reason.split(":")[0]) for c, reason in read_cues(text, vocab=vocab)[1]]


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("The winger stole the headlines with a volley.", [("stole", "thing")], id="sport object"),
        pytest.param("Millwall were robbed of a penalty late on.", [("were robbed", "thing")], id="sport complement"),
        pytest.param("The visitors killed off the match early.", [("killed", "thing")], id="particle then object"),
        pytest.param("Ministers slashed the funding for youth work.", [("slashed", "thing")], id="politics object"),
        pytest.param("The proposal was shot down in committee.", [("was shot", "thing")], id="politics subject"),
        pytest.param("The bakery slashed its prices for the sale.", [("slashed", "thing")], id="business object"),
        pytest.param("The band smashed the charts this spring.", [("smashed", "thing")], id="entertainment object"),
        pytest.param("She was killing time before her train.", [("killing", "thing")], id="idiom object"),
        pytest.param("He said he was killing himself with work.", [("killing", "thing")], id="reflexive object"),
        pytest.param("She said rents were murdering her trade.", [("murdering her", "thing")], id="her, a possessive"),
        pytest.param("A murder mystery evening was held.", [("murder", "thing")], id="noun compound"),
        pytest.param("The opera was an assault on the senses.", [("assault", "thing")], id="noun complement"),
    ],
)
def test_a_figurative_thing_cancels_the_cue(vocab, text, expected):
    assert left_out(text, vocab) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("The revival was murdered by critics.", [("was murdered", "agent")], id="after by"),
        pytest.param("Reviewers attacked the new production.", [("attacked", "agent")], id="active subject"),
        pytest.param("Hail smashed the glass roof of a conservatory.", [("smashed", "agent")], id="weather subject"),
        pytest.param("The council had stabbed residents in the back.", [("stabbed", "agent")], id="past auxiliary"),
    ],
)
def test_a_doer_of_another_sense_cancels_the_cue(vocab, text, expected):
    assert left_out(text, vocab) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Councillors were attacked outside the town hall.",  # a passive's subject is its victim
        "Two critics were robbed on the way home.",
        "The cinema was broken into overnight.",
    ],
)
def test_a_passive_subject_is_no_doer(vocab, text):
    assert left_out(text, vocab) == []
    assert any(c.type for c in find_cues(text, vocab=vocab))


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("He suffered a heart attack at work.", [("attack", "before")], id="medical"),
        pytest.param("She had a panic attack on the train.", [("attack", "before")], id="medical panic"),
        pytest.param("The scathing attack came from the opposition.", [("attack", "before")], id="politics"),
        pytest.param("The cast staged a mock shooting.", [("shooting", "before")], id="entertainment"),
        pytest.param("The shop took a beating in the strike.", [("beating", "before")], id="idiom"),
        pytest.param("The landlord gets away with murder.", [("murder", "before")], id="idiom phrase"),
        pytest.param("The cakes sold as if they were stolen.", [("were stolen", "simile")], id="simile"),
    ],
)
def test_a_word_before_the_cue_makes_it_another_thing(vocab, text, expected):
    assert left_out(text, vocab) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("The parking fines are sheer robbery.", [("robbery", "predicate")], id="are"),
        pytest.param("The new bypass would be murder for buses.", [("murder", "predicate")], id="would be"),
        pytest.param("The charity gala was a riot.", [("riot", "predicate")], id="was a"),
    ],
)
def test_a_crime_noun_as_a_predicate_is_figurative(vocab, text, expected):
    assert left_out(text, vocab) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Police said it was a targeted attack.",  # "it": the incident itself
        "A daylight robbery at a jeweller's shocked shoppers.",  # "daylight" before a robbery that happened
        "Officers said the motive for the attack was robbery.",  # "attack" is kept, whatever the predicate
    ],
)
def test_a_crime_noun_about_the_incident_is_kept(vocab, text):
    assert any(c.type for c in find_cues(text, vocab=vocab))


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("The goalkeeper was beaten at the near post in the second half.", "thing", id="sport"),
        pytest.param("Their team was beaten at the near post in the second half.", "marker", id="sport"),
        pytest.param("A councillor was attacked in the cabinet debate.", "marker", id="politics, a victim of it"),
        pytest.param("The thriller in which a man is stabbed opens this week.", "marker", id="entertainment"),
        pytest.param("The mayor was attacked over the hustings row.", "marker", id="politics"),
        pytest.param("The surgeon said stab wounds are common among chefs.", "marker", id="medical listed"),
        pytest.param("She killed it in Edinburgh on Friday.", "no victim", id="no victim"),
        pytest.param("Volunteers smashed the fundraising target on Friday.", "no victim", id="no target"),
        pytest.param("A gale battered the stand and the roof was smashed on Friday.", "marker", id="a gale, no name"),
        pytest.param(
            "The thriller in which a man is stabbed opens at a theatre on Gale Street.", "marker", id="a name elsewhere"
        ),
    ],
)
def test_another_domain_or_no_victim_cancels_an_ambiguous_cue(vocab, text, expected):
    assert [reason for _, reason in left_out(text, vocab)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "A referee was assaulted by a spectator after the second half.",  # "assault" is no ambiguous verb
        "A striker was stabbed outside the ground, police said.",  # evidence outweighs a marker
        "A man was shot in the leg on Friday.",  # a victim
        "Shots were fired at a house on Friday night.",  # a method, not an ambiguous lemma
        "A teenager was attacked on a bus.",  # a passive has its victim in its subject
        "Someone got stabbed outside the station.",
        "A film crew was robbed at knifepoint while filming.",
        "A pensioner was tricked into handing over £900 at his home on Gale Street on Monday.",  # a street's name
        "Councillors will meet residents after a 15-year-old was stabbed near the library.",  # someone of an age
    ],
)
def test_crimes_near_other_domains_are_kept(vocab, text):
    assert left_out(text, vocab) == []
    assert any(c.type and c.event for c in find_cues(text, vocab=vocab))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Walking tours retracing the 1966 gangland shooting sold out.", [("shooting", "historical")]),
        ("A man who was stabbed in 1998 spoke at a school.", [("was stabbed", "historical")]),
        ("A man was stabbed in 2024 near the school.", []),
        ("Her customers murdered a whole tray of croissants.", [("murdered", "thing")]),
        ("Officers handed out anti-spiking stoppers to drinkers.", [("spiking", "before")]),
        ("Protesters called the bill an assault on democracy.", [("assault", "thing")]),
        ("A man who met a date through an app was robbed of his phone.", []),
        ("The app was robbed of its top spot.", [("was robbed", "thing")]),
    ],
)
def test_history_food_and_relative_clauses(vocab, text, expected):
    assert left_out(text, vocab) == expected


@pytest.mark.parametrize("text", ["He felt a stabbing pain in his chest.", "Doctors trialled a killer T-cell therapy."])
def test_a_medical_phrase_is_no_crime(vocab, text):
    assert not any(c.type for c in find_cues(text, vocab=vocab))


def test_a_doer_of_a_crime_is_evidence_for_the_others(vocab):
    text = "Vandals daubed graffiti across the gallery posters for the new exhibition on Friday."
    assert left_out(text, vocab) == [("vandals", "marker")]  # the doer itself is weighed with the other words
    assert [c.phrase for c in find_cues(text, vocab=vocab)] == ["daubed", "graffiti"]


@pytest.mark.parametrize("text", ["There has been a stabbing near the station.", "There had been a burglary."])
def test_a_crime_noun_after_there_is_the_incident(vocab, text):
    assert left_out(text, vocab) == []


def test_untyped_cues_are_not_judged(vocab):
    text = "He died at the scene a short time later."
    assert left_out(text, vocab) == [] and [c.phrase for c in find_cues(text, vocab=vocab)] == ["died at the scene"]


def test_other_sense_reads_the_cue_sentence_only():
    senses = load_senses(load_lexicon())
    text = "Police were at the match. The striker stole the show."
    context = read_context(text, fold_text(text), senses=senses)
    start = text.index("stole")
    assert other_sense(context, start, start + 5, form="verb", ambiguous=True, listed=False, senses=senses) == (
        "thing: show"
    )
    text = "The striker was there. Police said a man was robbed."
    context = read_context(text, fold_text(text), senses=senses)
    start = text.index("was robbed")
    assert other_sense(context, start, start + 10, form="verb", ambiguous=True, listed=False, senses=senses) is None


def sentence_by_search(text, start, end):
    """A cue's sentence as the four breaks searched each way within SENTENCE_CHARS give it: what the table of breaks
    read_context keeps must give."""
    lo, hi = max(0, start - SENTENCE_CHARS), min(len(text), end + SENTENCE_CHARS)
    sentence_start, sentence_end = lo, hi
    for b in (". ", "! ", "? ", "\n"):
        i = text.rfind(b, lo, start)
        if i >= 0 and i + len(b) > sentence_start:
            sentence_start = i + len(b)
        j = text.find(b, end, hi)
        if 0 <= j < sentence_end:
            sentence_end = j
    return sentence_start, sentence_end


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("A man was robbed. Was he hurt? Yes! Police said\nso.\n\nThen. . .", id="every break"),
        pytest.param("No break at all here", id="none"),
        pytest.param("Ends on a break. ", id="a break at the end"),
        pytest.param("x" * 350 + ". A man was robbed. " + "y" * 350 + "\nz", id="breaks beyond reach"),
        pytest.param("Mr. Smith was robbed!? Really.\n. Odd", id="breaks side by side"),
    ],
)
def test_cue_sentence_from_the_table_of_breaks(text):
    senses = load_senses(load_lexicon())
    context = read_context(text, fold_text(text), senses=senses)
    for start in range(len(text)):
        for end in range(start + 1, min(len(text), start + 12) + 1):
            assert _sentence(text, start, end, context.breaks) == sentence_by_search(text, start, end), (start, end)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "Traders called the scheme 'an assault on small businesses' at a packed meeting.",
            [("assault", "quoted")],
            id="a phrase held at arm's length",
        ),
        pytest.param(
            "Locals say the council \u2018stabbed them in the back\u2019 over the library.",
            [("stabbed them", "quoted")],
            id="curly quotes",
        ),
        pytest.param("Fans said they were 'robbed' after the final whistle.", [("robbed", "quoted")], id="one word"),
        pytest.param(
            "Their defence was ripped apart as they were beaten 4-0 at home.",
            [("were beaten", "marker")],
            id="a score marks sport",
        ),
    ],
)
def test_scare_quotes_and_scores_mark_another_sense(vocab, text, expected):
    assert left_out(text, vocab) == expected


@pytest.mark.parametrize(
    "text",
    [
        "'He was stabbed in front of me,' said a witness.",  # speech: the quote ends on the speaker's comma
        "Police called it a 'targeted attack' on the family.",  # evidence outside the quotes
        "A man was 'stabbed' outside the station, officers said.",  # a headline's allegation, with evidence
        "A man aged 20-25 was beaten in the street.",  # a range of ages is no score
        "The seamers' victim was beaten on his way home.",  # an apostrophe after a word opens no quote
        "Paramedics treated a man for a single stab wound.",  # "single" is no music single
    ],
)
def test_quoted_speech_and_ranges_keep_the_crime(vocab, text):
    assert left_out(text, vocab) == []
    assert any(c.type for c in find_cues(text, vocab=vocab))


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "Firefighters were called to a fire at a restaurant.", [("fire at a restaurant", "before")], id="a fire at"
        ),
    ],
)
def test_a_verb_form_after_an_article_is_a_noun(vocab, text, expected):
    assert left_out(text, vocab) == expected


def test_a_verb_form_without_an_article_is_kept(vocab):
    assert [c.phrase for c in find_cues("Two men fired at a house on Friday.", vocab=vocab)] == ["fired at a house"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Stallholders said they were making a killing on Saturday.", [("killing", "before")]),
        ("Shoppers were greeted with killer discounts on Monday.", [("killer", "thing")]),
        ("The headliner killed it at the Comedy Store on Tuesday night.", [("killed", "agent")]),
        ("A therapy trains the immune system to attack cancer cells.", [("attack", "thing")]),
        ("The defending champion was mugged by a qualifier on Centre Court.", [("was mugged", "agent")]),
        ("Shoppers called the sandwiches daylight robbery on Wednesday.", [("robbery", "before")]),
        ("The hosts were battered 4-0 on Tuesday evening.", [("were battered", "marker")]),
    ],
)
def test_other_senses_found_by_sentences_written_apart(vocab, text, expected):
    assert left_out(text, vocab) == expected


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("A daylight robbery at a jeweller's shocked shoppers.", "a daylight robbery"),
        ("The reopening was a real shot in the arm for the high street.", None),  # no crime at all
        ("A man was shot in the arm on Friday.", "shot in the arm"),
    ],
)
def test_the_literal_and_the_idiom_of_one_phrase(vocab, text, phrase):
    assert next((c.phrase for c in find_cues(text, vocab=vocab) if c.type), None) == phrase
