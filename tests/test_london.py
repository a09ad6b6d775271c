"""Is a story about London: signs of elsewhere against London names, foreign datelines and the evidence of London,
with the real lists of signs on the small fixture gazetteer (conftest.py)."""

import re

import pytest

from extract.datafiles import DATA_DIR, read_lines
from extract.geo.places import find_places
from extract.pipeline import load_extractor
from extract.reading.london import (
    elsewhere_spans,
    foreign_dateline,
    foreign_signs,
    institution_spans,
    london_evidence,
    required_text,
    scene_elsewhere,
    told_elsewhere,
)
from extract.records import Article
from extract.text.cues import find_cues
from extract.text.folding import fold_text
from extract.text.scan import scan
from extract.text.sentences import split_sentences


def mentions_of(text: str, extractor) -> list:
    return find_places(text, matcher=extractor.matcher)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("A man was stabbed in Brixton on Monday.", (0, 1), id="an area"),
        pytest.param("A man was stabbed in Brixton and a woman robbed in Peckham.", (0, 2), id="two areas"),
        pytest.param("A man was stabbed in Brixton; Brixton is shocked.", (0, 1), id="distinct names"),
        pytest.param("A man was stabbed in Southwark.", (0, 1), id="a borough"),
        pytest.param("A man was stabbed at Peckham Rye station.", (0, 1), id="a station"),
        pytest.param("A man was stabbed in South London.", (0, 1), id="a region"),
        pytest.param("A man was stabbed in London.", (0, 0), id="London may be Ontario's"),
        pytest.param("A man was stabbed on Rye Lane.", (0, 0), id="a street alone says nothing"),
        pytest.param("A man was stabbed on Stoke Newington High Street.", (0, 1), id="an area's high street"),
        pytest.param("A man was stabbed on Brixton Road.", (0, 0), id="a road named after an area runs out of it"),
        pytest.param("A Leeds man was stabbed on Stoke Newington High Street.", (0, 1), id="against an origin"),
        pytest.param("Shots were fired in Toronto, Ontario, on Monday.", (2, 0), id="two markers"),
        pytest.param("A man was stabbed in London, Ontario.", (2, 0), id="London, Ontario"),
        pytest.param("A man was stabbed in Brixton, Devon, on Monday.", (2, 0), id="a London name qualified elsewhere"),
        pytest.param("Essex Police said a man was stabbed in Peckham.", (2, 1), id="a force and its county"),
        pytest.param("Scotland Yard said a man was stabbed in Peckham.", (0, 1), id="a marker inside an institution"),
        pytest.param("A man was stabbed in Scotland.", (1, 0), id="a country"),
        pytest.param("Police in Scotland said a man from Peckham was held.", (1, 0), id="a Londoner held elsewhere"),
        pytest.param("Police in Scotland said a Peckham man was held.", (1, 0), id="a Londoner by name"),
        pytest.param("A man from Dalston, Hackney, was stabbed in Brixton.", (0, 1), id="where from, then where"),
        pytest.param("Police in Scotland said a man was held in Peckham.", (1, 1), id="one each"),
        pytest.param("A Leeds man was stabbed in Brixton.", (0, 1), id="where a victim is from is no sign"),
        pytest.param("A man from Leeds was stabbed in Brixton.", (0, 1), id="from elsewhere"),
        pytest.param("A man was stabbed yards from Brixton station.", (0, 1), id="yards from is near, not from"),
        pytest.param("A man from Peckham was stabbed in Barcelona.", (1, 0), id="a town elsewhere after in"),
        pytest.param("A gang based in Peckham was raided in Barcelona.", (1, 0), id="where a gang is based"),
        pytest.param(
            "A man who grew up in Peckham was stabbed in Barcelona.", (1, 0), id="where one grew up is an origin"
        ),
        pytest.param("Kyle Mensah, 24, of Peckham, robbed a shop in Barcelona.", (1, 0), id="a court report's home"),
        pytest.param("Two men, both of Dalston, were stabbed in Barcelona.", (0, 1), id="no age: not a home"),
        pytest.param(
            "A car stolen in Peckham was found in Barcelona.", (0, 1), id="a town elsewhere no more than London names"
        ),
    ],
)
def test_foreign_signs(small_extractor, text, expected):
    found = foreign_signs(
        text, mentions_of(text, small_extractor), signs=small_extractor.signs, gazetteer=small_extractor.gazetteer
    )
    assert found == expected


@pytest.mark.parametrize(
    "text, foreign, expected",
    [
        ("A man was stabbed on Fournier Street on Monday.", 0, True),  # one borough's street, a name of its own
        ("A man was stabbed on Whitehall on Monday.", 0, True),
        ("A man was stabbed on Fournier Street on Monday.", 1, False),  # and a sign of elsewhere
        ("A man was stabbed on Brick Lane on Monday.", 0, False),  # four boroughs have one
        ("A man was stabbed on Church Road on Monday.", 0, False),  # everywhere
        ("A man was stabbed on Chatsworth Road on Monday.", 0, False),  # eight boroughs have one
    ],
)
def test_a_distinctive_street_is_london_evidence(text, foreign, expected):
    extractor = load_extractor()
    article = Article("a1", text, headline=None, published="2024-03-06", source="test")
    found = london_evidence(
        article, mentions_of(text, extractor), signs=extractor.signs, gazetteer=extractor.gazetteer, foreign=foreign
    )
    assert found is expected


def test_a_postcode_is_a_sign_of_london():
    extractor = load_extractor()
    text = "A woman was forced into a car on Acton High Street, W3, and found safe in Slough."
    mentions = mentions_of(text, extractor)
    assert [m.kinds for m in mentions if m.text == "W3"] == [("outcode",)]
    assert foreign_signs(text, mentions, signs=extractor.signs, gazetteer=extractor.gazetteer)[1] == 2


@pytest.mark.parametrize(
    "headline, expected",
    [
        pytest.param("Man stabbed in Leeds", (1, 1), id="a town elsewhere"),
        pytest.param("Man stabbed in Brixton", (0, 1), id="a London headline"),
        pytest.param("Leeds man stabbed", (0, 1), id="where the victim is from"),
        pytest.param("Essex Police appeal after stabbing", (2, 1), id="another force and its county"),
        pytest.param("", (0, 1), id="no headline"),
    ],
)
def test_a_headline_naming_elsewhere_is_a_foreign_sign(small_extractor, headline, expected):
    text = "A man was stabbed in Brixton on Monday."
    headline_mentions = mentions_of(headline, small_extractor)
    found = foreign_signs(
        text,
        mentions_of(text, small_extractor),
        signs=small_extractor.signs,
        gazetteer=small_extractor.gazetteer,
        headline=headline,
        headline_mentions=headline_mentions,
    )
    assert found == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "He was arrested by Kent Police in Dartford.", ["Kent", "Kent Police", "Dartford"], id="where it happened"
        ),
        pytest.param("A Leeds man was stabbed in Brixton.", [], id="where someone is from"),
        pytest.param("A woman from Kent was robbed in Brixton.", [], id="after from"),
        pytest.param("Scotland Yard said a man was stabbed.", [], id="inside a London name"),
    ],
)
def test_scene_elsewhere(small_extractor, text, expected):
    spans = scene_elsewhere(
        text, elsewhere_spans(text, mentions_of(text, small_extractor), signs=small_extractor.signs)
    )
    assert [text[s:e] for s, e in spans] == expected


@pytest.mark.parametrize(
    "pattern, expected, matched",
    [
        pytest.param(r"\d{1,5}00[- ]block of", "block of", "300 block of", id="after a class"),
        pytest.param("abc?d", "ab", "abd", id="a character repeated is not required"),
        pytest.param("ab*", "a", "a", id="nor one repeated from none"),
        pytest.param(r"a{2}bc", "bc", "aabc", id="a counted repetition"),
        pytest.param("ab(c|d)efg", "efg", "abdefg", id="an alternation in a group"),
        pytest.param("(?:ab)?cd", "cd", "cd", id="an optional group"),
        pytest.param(r"x[ab|c]yz", "yz", "x|yz", id="a bar in a class"),
        pytest.param(r"[]|a]bc", "bc", "]bc", id="a class opening on its bracket"),
        pytest.param(r"\.ab\|cd", "ab", ".ab|cd", id="escaped characters"),
        pytest.param("a|b", None, "b", id="an alternation"),
        pytest.param("(?i)block", None, "BLOCK", id="an inline flag"),
        pytest.param(r"ab\x41cd", None, "abAcd", id="an escaped code"),
        pytest.param("a{x|y", None, "y", id="a brace that repeats nothing"),
        pytest.param(r"\d+", None, "12", id="no plain character"),
    ],
)
def test_required_text(pattern, expected, matched):
    assert required_text(pattern) == expected
    assert re.fullmatch(pattern, matched)  # the example is a match, which holds the text
    assert expected is None or expected in matched


def test_foreign_pattern_found_past_its_required_text(small_extractor):
    text = "Officers were called to the 300 block of Main Street."
    assert small_extractor.signs.pattern_texts == ("block of",)
    assert elsewhere_spans(text, [], signs=small_extractor.signs) == [(28, 40)]
    assert elsewhere_spans(text.replace("block", "blocks"), [], signs=small_extractor.signs) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("LEBANON (AP) -- A man was shot dead on Monday.", True, id="a place London lacks"),
        pytest.param("RYE LANE -- A man was stabbed on Monday.", True, id="a street name alone is not London"),
        pytest.param("BRIXTON -- A man was stabbed on Monday.", False, id="a London area"),
        pytest.param("PECKHAM, south London - A man was stabbed.", False, id="a London area, then a comma"),
        pytest.param("LONDON (Reuters) - A man was stabbed on Monday.", False, id="London"),
        pytest.param("BRIXTON RESIDENTS' NEWSLETTER - A man was stabbed.", False, id="a masthead opening with an area"),
        pytest.param("OHIO RESIDENTS' NEWSLETTER - A man was stabbed.", True, id="a masthead of elsewhere"),
        pytest.param("RYE LANE NOTES - A man was stabbed on Monday.", False, id="a masthead opening with a street"),
        pytest.param("Shooting in Ohio.\nLEBANON (AP) -- A man was shot dead.", True, id="after a headline"),
        pytest.param("Shooting. In Ohio.\nLEBANON (AP) -- A man was shot dead.", False, id="not in the third sentence"),
        pytest.param("A man was stabbed in Brixton on Monday.", False, id="no dateline"),
        pytest.param("A man was stabbed in Brixton -- police said.", False, id="lower case is no dateline"),
    ],
)
def test_foreign_dateline(small_gazetteer, text, expected):
    assert foreign_dateline(text, gazetteer=small_gazetteer) is expected
    starts = [start for start, _ in split_sentences(text + " " + "Police said more. " * 40)]  # the whole story's
    assert foreign_dateline(text, gazetteer=small_gazetteer, starts=starts) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("A man from Peckham was stabbed while travelling in Spain.", True, id="a crime told abroad"),
        pytest.param("A man from Peckham was stabbed to death in Lisbon on Friday.", True, id="a town abroad"),
        pytest.param("A man from Peckham was robbed at gunpoint in Rio de Janeiro.", True, id="a town of three words"),
        pytest.param(
            "A boxer who grew up on Rye Lane was robbed at gunpoint in his hotel room in Las Vegas.",
            True,
            id="where one grew up, and a town abroad",
        ),
        pytest.param("A man was stabbed in Peckham after a trip to Spain.", False, id="a London scene"),
        pytest.param("A man was arrested in Spain on suspicion of a stabbing.", False, id="an arrest abroad"),
        pytest.param("A man was stabbed near a bar; police in Spain later said more.", False, id="far from the crime"),
    ],
)
def test_told_elsewhere(small_extractor, text, expected):
    mentions = mentions_of(text, small_extractor)
    signs = small_extractor.signs
    crimes = [c.end for c in find_cues(text, vocab=small_extractor.vocab) if c.type and c.event]
    spans = elsewhere_spans(text, mentions, signs=signs)
    assert told_elsewhere(text, (0, len(text)), crimes, mentions, spans, signs=signs) is expected


@pytest.mark.parametrize(
    "text, foreign, expected",
    [
        pytest.param("A man was stabbed, the Metropolitan Police said.", 0, True, id="a London institution"),
        pytest.param("A man was stabbed in London.", 0, True, id="London"),
        pytest.param("A man was stabbed in Southwark.", 0, True, id="a borough"),
        pytest.param("A man was stabbed near Peckham Rye.", 0, True, id="a station of two words"),
        pytest.param("Her phone was snatched as she left Brixton station.", 0, True, id="a station named as one"),
        pytest.param("Her phone was snatched as she left Brixton station.", 1, False, id="and a sign of elsewhere"),
        pytest.param("Camberwell Green was cordoned off after a stabbing.", 0, True, id="an area of two words"),
        pytest.param("A man was stabbed at Brixton Tube station.", 0, True, id="a Tube station"),
        pytest.param("A man was stabbed on Brixton Road.", 0, True, id="a street named after its area"),
        pytest.param("A man was stabbed on Stoke Newington High Street.", 0, True, id="named after a two-word area"),
        pytest.param("A man was stabbed on High Road Leyton.", 0, True, id="named after an area it ends with"),
        pytest.param("A man was stabbed in Dalston.", 0, True, id="in an area"),
        pytest.param("A man was stabbed on the Pembury estate, Dalston.", 0, True, id="an area after a place"),
        pytest.param("A man was stabbed on the Pembury estate, Dalston.", 1, False, id="after a place, elsewhere"),
        pytest.param("A man was stabbed in Dalston.", 1, False, id="in an area, with a sign of elsewhere"),
        pytest.param("Dalston residents heard a stabbing.", 0, False, id="an area not where anything happened"),
        pytest.param("A man was stabbed on Rye Lane near Denmark Hill.", 0, True, id="two streets close together"),
        # Each street of the small gazetteer is its one borough's, and named by a word of its own: evidence alone
        # (the project's gazetteer has others in many: test_a_distinctive_street_is_london_evidence).
        pytest.param("A man ran from Kingsland Road to Atlantic Road.", 0, True, id="two streets far apart"),
        pytest.param("A man was stabbed on Kingsland Road.", 0, True, id="one street of one borough"),
        pytest.param("A man was stabbed on Kingsland Road.", 1, False, id="one street, a sign of elsewhere"),
        pytest.param("A man was stabbed in East Dalston.", 0, False, id="a name qualified as another place"),
        pytest.param("A man was stabbed.", 0, False, id="no place"),
    ],
)
def test_london_evidence(small_extractor, text, foreign, expected):
    evidence = london_evidence(
        Article("london", text),
        mentions_of(text, small_extractor),
        signs=small_extractor.signs,
        gazetteer=small_extractor.gazetteer,
        foreign=foreign,
    )
    assert evidence is expected


def test_london_evidence_in_the_headline(small_extractor):
    article = Article("london", "A man was stabbed.", headline="Met Police appeal for witnesses")
    assert london_evidence(article, [], signs=small_extractor.signs, gazetteer=small_extractor.gazetteer, foreign=0)


@pytest.mark.parametrize(
    "text",
    [
        "The Metropolitan Police and the Met Police said the Met had called the Met police.",
        "The Mayor of London Assembly member, the City of London Police and London Ambulance Service attended.",
        "TfLs and TfL_x are not TfL; Old Bailey, Scotland Yard, Crimestoppers.",
        "the Metropolitan Police",
        "No institution here.",
    ],
)
def test_institution_spans_as_a_regular_expression_of_the_list_finds_them(small_extractor, text):
    names = read_lines(DATA_DIR / "london_institutions.txt")
    listed = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(name) for name in names) + r")(?!\w)")
    hits = scan(text, fold_text(text), scanner=small_extractor.signs.scanner)
    assert institution_spans(hits) == [m.span() for m in listed.finditer(text)]


@pytest.mark.parametrize("named", [True, False])
def test_london_evidence_takes_the_scan_s_word_on_institutions(small_extractor, named):
    article = Article("london", "A man was stabbed.")
    signs, gazetteer = small_extractor.signs, small_extractor.gazetteer
    assert london_evidence(article, [], signs=signs, gazetteer=gazetteer, foreign=0, institution=named) is named
