"""explain: the decision trail of read_story and story_incidents, as text and JSON, on stories written for these
tests (the real vocabulary and gazetteer). PUBLISHED is a Wednesday, so "on Monday" is 2024-03-04."""

import inspect
import json
import re

import pytest

from extract import pipeline
from extract.__main__ import main
from extract.explain import GATES, explain_article, explain_articles, trail_json, trail_text
from extract.records import REASONS, Article, Reason

PUBLISHED = "2024-03-06"
STABBING = (
    "Man stabbed in Peckham",
    "A man was stabbed on Rye Lane in Peckham on Monday night, police said. He was taken to hospital in Camberwell.",
)
ROUND_UP = (
    "Two attacks",
    "A man was stabbed on Rye Lane in Peckham on Monday. In a separate incident, a woman was robbed on Mare Street "
    "in Hackney on Tuesday.",
)
REJECTED = {
    Reason.NO_CRIME: (
        "Library opens",
        "The council opened a new library on Rye Lane in Peckham on Monday, with a reading room and a cafe.",
    ),
    Reason.NO_INCIDENT: (
        "Lock your bike",
        "Police are urging cyclists in Hackney to lock their bikes, as bicycle theft remains a concern across London.",
    ),
    Reason.STATISTICS: (
        "Crime figures",
        "Figures released on Monday show that 412 burglaries were recorded in Southwark last year, up 12 per cent, "
        "and the rate of robberies rose by 8 per cent, according to the Metropolitan Police statistics. One victim, "
        "a 17-year-old, was robbed in Peckham, the analysis found.",
    ),
    Reason.FICTION: (
        "New crime drama",
        "In the new crime drama, starring a former soap actor, a detective hunts the killer of a woman found stabbed "
        "on Rye Lane in Peckham. The series was filmed last summer.",
    ),
    Reason.ELSEWHERE: (
        "Stabbing in Manchester",
        "A man was stabbed on Deansgate in Manchester on Monday, Greater Manchester Police said.",
    ),
    Reason.FOREIGN_DATELINE: (
        "Stabbing in Paris",
        "PARIS (Reuters) - A man was stabbed near the Eiffel Tower on Monday night, French police said.",
    ),
    Reason.NO_LONDON_EVIDENCE: ("Man stabbed", "A man was stabbed outside a pub on Monday night, police said."),
    Reason.NO_SCENE: (
        "Man stabbed",
        "A man was stabbed on Monday night and was taken to hospital in Camberwell, police said.",
    ),
}


@pytest.fixture(scope="module")
def extractor():
    return pipeline.load_extractor()


def article(article_id: str, headline: str, text: str) -> Article:
    return Article(article_id, text, headline=headline, published=PUBLISHED, source=f"{article_id}.txt")


def test_gates_are_the_reasons_in_the_order_read_story_tests_them():
    # explain reads a rejection as "every gate before it passed": that holds only in read_story's own order
    tested = re.findall(r"Reason\.([A-Z_]+)", inspect.getsource(pipeline.read_story))
    assert list(dict.fromkeys(Reason[name] for name in tested)) == list(GATES) == list(Reason)


@pytest.mark.parametrize(
    ("reason", "headline", "text"),
    [pytest.param(None, *STABBING, id="accepted")]
    + [pytest.param(reason, *story, id=reason.value) for reason, story in REJECTED.items()],
)
def test_each_gate_passed_failed_or_not_reached(extractor, reason, headline, text):
    trail = trail_json(explain_article(article("a1", headline, text), extractor=extractor))
    failed = GATES.index(reason) if reason else len(GATES)
    states = ["passed"] * failed + (["failed"] + ["not reached"] * (len(GATES) - failed - 1) if reason else [])
    assert trail["gates"] == [{"gate": g.value, "result": s} for g, s in zip(GATES, states, strict=True)]
    assert (trail["accepted"], trail["reason"], trail["reason_text"]) == (
        reason is None,
        reason.value if reason else None,
        REASONS[reason] if reason else None,
    )
    assert (len(trail["incidents"]) > 0) == (reason is None)


def test_text_of_an_accepted_story(extractor):
    (trail,) = explain_articles([article("a1", *STABBING)], extractor=extractor)
    lines = trail_text(trail).splitlines()
    assert lines[:2] == ["a1: Man stabbed in Peckham", "  published 2024-03-06, read from a1.txt"]
    gates = lines.index("  gates:")
    assert lines[gates + 1 : gates + 1 + len(GATES)] == [f"    passed      {g.value}" for g in GATES]
    weighed = lines.index("  places weighed as the scene:")
    assert lines[weighed + 1] == (
        "    'Rye Lane' @21 -> Rye Lane (street, Southwark): score 10  <- chosen: the highest score (the first named "
        "of equal ones)"
    )
    assert lines[weighed + 2] == "    'Peckham' @33 -> Peckham (area, Southwark): score 7"
    assert lines[weighed + 3] == (
        "    'Camberwell' @99: passed over, the words around it make it a hospital, court, home or origin"
    )
    incident = next(i for i, line in enumerate(lines) if line.startswith("  incident 1 of 1 ("))
    # the cue's words are the vocabulary's to choose ("stabbed", "was stabbed"): the type is explain's to show
    assert lines[incident + 1].startswith("    type stabbing (violence and sexual offences), from '")
    assert lines[incident + 2 : incident + 6] == [
        "    scene Rye Lane: street, Southwark (51.46972, -0.06790), named 'Rye Lane'",
        "    date 2024-03-04 (relative) from 'Monday night' @44",
        "    fatal no; weapon knife; victim ages none given; arrests unknown",
        "    evidence @0: 'A man was stabbed on Rye Lane in Peckham on Monday night, police said.'",
    ]
    assert re.fullmatch(r"    event ev\w+ \(1 of the reports explained\): no other report of this incident", lines[-2])
    assert lines[-1] == "  on the map: 1 incident"


def test_text_of_a_rejected_story(extractor):
    lines = trail_text(explain_article(article("a1", *REJECTED[Reason.NO_SCENE]), extractor=extractor)).splitlines()
    gates = lines.index("  gates:")
    assert lines[gates + len(GATES)] == f"    failed      no_scene  ({REASONS[Reason.NO_SCENE]})"
    assert "    'Camberwell' @63: passed over, the words around it make it a hospital, court, home or origin" in lines
    assert lines[-1] == f"  not on the map: no_scene - {REASONS[Reason.NO_SCENE]}"


def test_json_of_a_round_up(extractor):
    trail = trail_json(explain_article(article("a1", *ROUND_UP), extractor=extractor))
    assert [(c["text"], c["score"], c["chosen"]) for c in trail["scene_candidates"]] == [
        ("Rye Lane", 10, True),
        ("Peckham", 7, False),
        # A sentence announcing another incident tells its own scene: near the lead's, not telling it.
        ("Mare Street", 8.5, False),
        ("Hackney", 5.5, False),
    ]
    assert [
        (i["type"], i["place"]["name"], i["date"], i["date_basis"], i["date_text"], i["weapon"])
        for i in trail["incidents"]
    ] == [
        ("stabbing", "Rye Lane", "2024-03-04", "relative", "Monday", "knife"),
        ("robbery", "Mare Street", "2024-03-05", "relative", "Tuesday", "none"),
    ]
    assert all(i["type_cue"] in i["evidence"]["text"] for i in trail["incidents"])
    assert trail["main"] == {"start": 0, "end": 51, "text": "A man was stabbed on Rye Lane in Peckham on Monday."}
    assert json.loads(json.dumps(trail)) == trail


def test_incidents_explained_together_share_an_event(extractor):
    trails = explain_articles(
        [article("a1", *STABBING), article("a2", *ROUND_UP), article("a3", *REJECTED[Reason.NO_CRIME])],
        extractor=extractor,
    )
    events = [[i.event for i in t.incidents] for t in trails]
    assert [len(e) for e in events] == [1, 2, 0]
    assert events[0][0].split(":")[0] == events[1][0].split(":")[0]  # the two Rye Lane stabbings: one event
    assert events[0][0].split(":")[1].startswith(" joined a2")
    assert events[1][1].endswith("no other report of this incident")


def write_articles(path, stories: dict[str, tuple[str, str]]) -> None:
    lines = [json.dumps({"id": i, "headline": h, "text": t, "published": PUBLISHED}) for i, (h, t) in stories.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_cli_explains_one_article_as_json(tmp_path, capsys):
    write_articles(tmp_path / "news.jsonl", {"a1": STABBING, "a2": ROUND_UP})
    assert main(["explain", str(tmp_path / "news.jsonl"), "--id", "a2", "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["article_id"] for line in out] == ["a2"]


def test_cli_explains_every_article_as_text(tmp_path, capsys):
    write_articles(tmp_path / "news.jsonl", {"a1": STABBING, "a2": REJECTED[Reason.NO_CRIME]})
    assert main(["explain", str(tmp_path / "news.jsonl")]) == 0
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith(("a1:", "a2:", "  on the map", "  not on"))] == [
        "a1: Man stabbed in Peckham",
        "  on the map: 1 incident",
        "a2: Library opens",
        f"  not on the map: no_crime - {REASONS[Reason.NO_CRIME]}",
    ]


def test_cli_reads_the_stored_events(tmp_path, capsys):
    write_articles(tmp_path / "news.jsonl", {"a1": STABBING})
    pipeline.ingest_paths([tmp_path / "news.jsonl"], db_path=tmp_path / "incidents.db")
    assert main(["explain", str(tmp_path / "news.jsonl"), "--db", str(tmp_path / "incidents.db")]) == 0
    (event,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("    event ")]
    assert re.fullmatch(r"    event ev\w+ \(1 report\): no other report of this incident", event)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--id", "zz"], "news.jsonl: no article with id 'zz'"),
        (["--db", "missing/incidents.db"], "missing/incidents.db: cannot read the incidents database"),
    ],
)
def test_cli_explain_fails(tmp_path, capsys, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)
    write_articles(tmp_path / "news.jsonl", {"a1": STABBING})
    assert main(["explain", "news.jsonl", *arguments]) == 1
    assert capsys.readouterr().err.startswith(f"error: {message}")


def test_cli_explains_with_the_date_ingest_would_be_given(tmp_path, capsys):
    (tmp_path / "story.txt").write_text(
        "Man stabbed in Peckham\n\nA man was stabbed on Rye Lane in Peckham on Friday.\n"
    )
    assert main(["explain", str(tmp_path / "story.txt"), "--json", "--published", "2024-03-10"]) == 0
    [trail] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [i["date"] for i in trail["incidents"]] == ["2024-03-08"]
