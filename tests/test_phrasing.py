"""The phrasing suite (data/evaluation/phrasing/) and its harness: loading, checks on the data, scoring, report."""

import re
from pathlib import Path

import pytest

from extract.datafiles import DATA_DIR, read_rows
from extract.evaluation import phrasing
from extract.evaluation.phrasing import (
    CrimeCase,
    CrimeResult,
    FigurativeCase,
    FigurativeResult,
    Suite,
    SuiteResults,
    load_suite,
    report,
    run_suite,
)
from extract.geo.gazetteer import load_gazetteer
from extract.geo.geocode import GazetteerGeocoder
from extract.records import Article, ExtractError, Incident, Place

CRIME_HEADER = "id,sentence,type,weapon,fatal,borough,place,form\n"
FIGURATIVE_HEADER = "id,sentence,sense\n"
WEEKDAY = re.compile(r"\b(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)days?\b")
TIME_CUE = re.compile(WEEKDAY.pattern + r"|\b(yesterday|last night|overnight|this week|\d+ (March|April))\b")


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite()


def test_suite_size_and_coverage(suite):
    assert len(suite.crimes) >= 300
    assert len(suite.figurative) >= 150
    slugs = {r["slug"] for r in read_rows(DATA_DIR / "crime_types.csv")}
    assert {t for c in suite.crimes for t in c.types} == slugs
    assert {c.sense for c in suite.figurative} == {
        "sport",
        "politics",
        "business",
        "entertainment",
        "idiom",
        "medical",
        "weather",
        "other",
    }
    assert {c.form for c in suite.crimes} == {
        "passive",
        "passive_adverb",
        "active",
        "ing",
        "attempt",
        "particle",
        "method",
        "fatal",
        "noun",
    }


def test_every_sentence_is_a_whole_report(suite):
    """A crime sentence names its place and a time; a figurative one a weekday; no sentence is there twice."""
    for c in suite.crimes:
        assert c.place in c.sentence and TIME_CUE.search(c.sentence), c.case_id
    for f in suite.figurative:
        assert WEEKDAY.search(f.sentence), f.case_id
    sentences = [c.sentence for c in suite.crimes] + [f.sentence for f in suite.figurative]
    assert len(set(sentences)) == len(sentences)


def test_every_crime_place_is_in_its_borough(suite):
    """The suite tests phrasing, not geography: each scene resolves at street level in the borough it records."""
    geocoder = GazetteerGeocoder(load_gazetteer())
    wrong = []
    for c in suite.crimes:
        place = geocoder.geocode(c.place, context=[])
        if place is None or place.borough != c.borough or place.precision != "street":
            wrong.append((c.case_id, c.place, c.borough, place and (place.borough, place.precision)))
    assert wrong == []


def test_the_held_out_suite_is_a_suite_of_its_own(suite):
    """data/evaluation/phrasing_holdout/ (written after the rules, never used to tune them) loads, shares no sentence
    with the suite, and its scenes resolve at street level in the boroughs it records."""
    held_out = load_suite(DATA_DIR / "evaluation" / "phrasing_holdout")
    assert len(held_out.crimes) >= 60 and len(held_out.figurative) >= 40
    dev = {c.sentence for c in suite.crimes} | {f.sentence for f in suite.figurative}
    assert not dev & ({c.sentence for c in held_out.crimes} | {f.sentence for f in held_out.figurative})
    geocoder = GazetteerGeocoder(load_gazetteer())
    places = [(c.case_id, geocoder.geocode(c.place, context=[]), c.borough) for c in held_out.crimes]
    assert [i for i, p, b in places if p is None or (p.borough, p.precision) != (b, "street")] == []


@pytest.mark.parametrize(
    ("name", "crimes", "figurative"),
    [("phrasing_apart", 400, 200), ("phrasing_unseen", 100, 50), ("phrasing_probe", 100, 30)],
)
def test_the_suites_written_apart_are_suites_of_their_own(suite, name, crimes, figurative):
    """data/evaluation/phrasing_apart/ and phrasing_unseen/ (written by writers who never saw the rules; the second
    never used to tune them) load, their places are in their sentences, and they share no sentence with the others."""
    written = load_suite(DATA_DIR / "evaluation" / name)
    assert len(written.crimes) >= crimes and len(written.figurative) >= figurative
    assert all(c.place in c.sentence for c in written.crimes)
    names = {"phrasing_holdout", "phrasing_apart", "phrasing_unseen", "phrasing_probe"} - {name}
    others = [suite, *(load_suite(DATA_DIR / "evaluation" / n) for n in sorted(names))]
    sentences = {c.sentence for s in others for c in s.crimes} | {f.sentence for s in others for f in s.figurative}
    assert not sentences & ({c.sentence for c in written.crimes} | {f.sentence for f in written.figurative})


def write_suite(directory: Path, crimes: str, figurative: str = "f1,A storm battered Rye Lane on Monday.,weather\n"):
    directory.mkdir(exist_ok=True)
    (directory / "crimes.csv").write_text(CRIME_HEADER + crimes, encoding="utf-8")
    (directory / "figurative.csv").write_text(FIGURATIVE_HEADER + figurative, encoding="utf-8")
    return directory


def test_load_suite_reads_alternatives_and_comments(tmp_path):
    d = write_suite(
        tmp_path / "s",
        "# a comment\n"
        'c1,"A man was glassed on Rye Lane, Peckham, on Monday.",assault|stabbing,other|knife,0,Southwark,'
        '"Rye Lane, Peckham",passive\n'
        'c2,"A man was murdered on Rye Lane on Monday.",homicide,,1,Southwark,Rye Lane,\n',
    )
    assert load_suite(d) == Suite(
        (
            CrimeCase(
                "c1",
                "A man was glassed on Rye Lane, Peckham, on Monday.",
                ("assault", "stabbing"),
                ("other", "knife"),
                False,
                "Southwark",
                "Rye Lane, Peckham",
                "passive",
            ),
            CrimeCase(
                "c2", "A man was murdered on Rye Lane on Monday.", ("homicide",), (), True, "Southwark", "Rye Lane", "-"
            ),
        ),
        (FigurativeCase("f1", "A storm battered Rye Lane on Monday.", "weather"),),
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "c1,A man was stabbed on Rye Lane on Monday.,knifing,knife,0,Southwark,Rye Lane,passive\n",
            "unknown incident type 'knifing'",
        ),
        (
            "c1,A man was stabbed on Rye Lane on Monday.,,knife,0,Southwark,Rye Lane,passive\n",
            "unknown incident type ''",
        ),
        (
            "c1,A man was stabbed on Rye Lane on Monday.,stabbing,sword,0,Southwark,Rye Lane,passive\n",
            "unknown weapon 'sword'",
        ),
        (
            "c1,A man was stabbed on Rye Lane on Monday.,stabbing,knife,yes,Southwark,Rye Lane,passive\n",
            "fatal must be 0 or 1, not 'yes'",
        ),
        (
            "c1,A man was stabbed on Rye Lane on Monday.,stabbing,knife,0,Southwark,Mare Street,passive\n",
            "place 'Mare Street' is not in the sentence",
        ),
        ("c1,A man was stabbed on Rye Lane on Monday.,stabbing,knife,0,,Rye Lane,passive\n", "no borough"),
        ("c1,A man was stabbed on Rye Lane on Monday.\n", "lacks type, weapon, fatal, borough, place, form"),
        (
            "f1,A man was stabbed on Rye Lane on Monday.,stabbing,knife,0,Southwark,Rye Lane,passive\n",
            "repeated ids f1",
        ),
    ],
)
def test_load_suite_fail(tmp_path, row, message):
    d = write_suite(tmp_path / "s", row)
    with pytest.raises(ExtractError, match=re.escape(message)):
        load_suite(d)


def test_load_suite_missing_file(tmp_path):
    with pytest.raises(ExtractError, match="crimes.csv: cannot read the suite file"):
        load_suite(tmp_path)


PECKHAM = Place("Rye Lane", 51.47, -0.068, "street", "street", "Southwark", "E09000028", "ppd")
STABBING = CrimeCase(
    "c1",
    "A man was stabbed on Rye Lane on Monday.",
    ("stabbing",),
    ("knife",),
    False,
    "Southwark",
    "Rye Lane",
    "passive",
)
SHOT_DEAD = CrimeCase(
    "c2", "A man was shot dead on Rye Lane on Monday.", ("shooting",), ("gun",), True, "Southwark", "Rye Lane", "fatal"
)
MURDER = CrimeCase(
    "c3", "A man was murdered on Rye Lane on Monday.", ("homicide",), (), True, "Hackney", "Rye Lane", "fatal"
)
SPORT = FigurativeCase("f1", "Spurs shot their way to a win near Rye Lane on Saturday.", "sport")
WEATHER = FigurativeCase("f2", "A storm battered Rye Lane on Monday.", "weather")


def incident(type_: str, *, weapon: str | None, fatal: bool, place: Place | None = PECKHAM) -> Incident:
    return Incident("i", "a", type_, "violence and sexual offences", "Rye Lane", place, None, fatal, weapon)


def test_run_suite_reads_each_sentence_as_an_article():
    seen = []

    def extract(article: Article) -> list[Incident]:
        seen.append(article)
        if "stabbed" in article.text:
            return [incident("stabbing", weapon="knife", fatal=False), incident("assault", weapon="none", fatal=False)]
        return []

    results = run_suite(Suite((STABBING,), (WEATHER,)), extract=extract)
    assert results == SuiteResults(
        (CrimeResult(STABBING, incident("stabbing", weapon="knife", fatal=False)),), (FigurativeResult(WEATHER, None),)
    )
    assert seen == [
        Article("c1", STABBING.sentence, published="2024-03-20", source="c1"),
        Article("f2", WEATHER.sentence, published="2024-03-20", source="f2"),
    ]


RESULTS = SuiteResults(
    (
        CrimeResult(STABBING, incident("stabbing", weapon="knife", fatal=False)),
        CrimeResult(SHOT_DEAD, incident("shooting", weapon="gun", fatal=False)),
        CrimeResult(MURDER, None),
    ),
    (FigurativeResult(SPORT, incident("shooting", weapon="gun", fatal=False)), FigurativeResult(WEATHER, None)),
)


def test_report():
    assert report(RESULTS).splitlines() == [
        "phrasing suite      3 crime sentences, 2 figurative or non-crime sentences",
        "crime recall        0.667 (2/3)  (an incident found)",
        "  with right type   0.667 (2/3)",
        "  with right weapon 1.000 (2/2)  (sentences naming or implying one)",
        "  with right fatal  0.333 (1/3)",
        "  with right borough 0.667 (2/3)",
        "  all four right    0.333 (1/3)",
        "figurative flagged  0.500 (1/2)  (lower is better)",
        "precision           0.667 (2/3)  (crime sentences among all flagged)",
        "found by form        fatal 1/2, passive 1/1",
        "found by type        homicide 0/1, shooting 1/1, stabbing 1/1",
        "rejected by sense    sport 0/1, weather 1/1",
    ]


def test_report_mistakes():
    assert report(RESULTS, mistakes=True).splitlines()[12:] == [
        "c2 fatal False != True: A man was shot dead on Rye Lane on Monday.",
        "c3 missed [fatal, homicide]: A man was murdered on Rye Lane on Monday.",
        "f1 flagged [sport] as shooting at Rye Lane: Spurs shot their way to a win near Rye Lane on Saturday.",
    ]


def test_wrong_borough_and_type_are_mistakes():
    results = SuiteResults((CrimeResult(MURDER, incident("assault", weapon="none", fatal=True, place=None)),), ())
    assert report(results, mistakes=True).splitlines()[12:] == [
        "c3 type assault != homicide; borough None (Rye Lane) != Hackney: A man was murdered on Rye Lane on Monday."
    ]


def test_cli_runs_the_extractor_on_a_suite(tmp_path, capsys):
    """`crimemap evaluate-phrasing DIR` wires the real extractor; the figures depend on it, the lines do not."""
    from extract.__main__ import main

    d = write_suite(
        tmp_path / "s",
        'c1,"A man was stabbed to death on Rye Lane, Peckham, on Tuesday night.",stabbing,knife,1,Southwark,'
        '"Rye Lane, Peckham",fatal\n',
    )
    assert main(["evaluate-phrasing", str(d), "--mistakes"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "phrasing suite      1 crime sentences, 1 figurative or non-crime sentences"
    assert [line.split()[0] for line in out[1:9]] == [
        "crime",
        "with",
        "with",
        "with",
        "with",
        "all",
        "figurative",
        "precision",
    ]


def test_cli_reports_a_bad_suite(tmp_path, capsys):
    assert phrasing.main([str(tmp_path)]) == 1
    assert "crimes.csv: cannot read the suite file" in capsys.readouterr().err
