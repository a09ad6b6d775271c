"""Event matching rules: each merge and each no-merge with its reason, blocking, grouping and merged attributes."""

import dataclasses
import itertools
import random

import pytest

from extract.matching import (
    Report,
    blocking_keys,
    cluster,
    compare,
    load_families,
    merge_event,
)
from extract.records import Place
from extract.text.specifics import text_signature

RYE_LANE = Place("Rye Lane", 51.4700, -0.0680, "street", "street", "Southwark", "E09000028", "test")
PECKHAM_RYE = Place("Peckham Rye", 51.4699, -0.0694, "station", "station", "Southwark", "E09000028", "test")
DENMARK_HILL = Place("Denmark Hill", 51.4680, -0.0900, "street", "street", "Southwark", "E09000028", "test")
PECKHAM = Place("Peckham", 51.4740, -0.0690, "area", "area", "Southwark", "E09000028", "test")
BRIXTON = Place("Brixton", 51.4613, -0.1156, "area", "area", "Lambeth", "E09000022", "test")
# One name for a station and an area at one spot: reports place the scene at either.
QUEENS_ROAD = Place("Queens Road Peckham", 51.4736, -0.0574, "station", "station", "Southwark", "E09000028", "test")
QUEENS_ROAD_AREA = Place("Queens Road Peckham", 51.4738, -0.0570, "area", "area", "Southwark", "E09000028", "test")

RELEASE = (
    "Police were called at 9.40pm on Saturday to reports of a man injured on Rye Lane. Officers and paramedics "
    "attended and found a 19-year-old man with stab wounds. He was taken to hospital where his condition is "
    "described as serious. Anyone with information is asked to call 101 quoting reference 7312."
)


def report(incident_id: str, **changes) -> Report:
    """A stabbing at Rye Lane with nothing else known; `changes` set other fields."""
    base = Report(
        incident_id=incident_id,
        article_id="article-" + incident_id,
        type="stabbing",
        category="violence and sexual offences",
        families=("violence",),
        place=RYE_LANE,
        date=None,
        published=None,
        follow_up=False,
        fatal=None,
        weapon="knife",
    )
    return dataclasses.replace(base, **changes)


MERGES = [
    ("same street, same type", {}, {}, ["same scene (Rye Lane) (+3)", "both stabbing (+1)"]),
    (
        "a station 0.1 km from the street",
        {},
        {"place": PECKHAM_RYE},
        ["same scene (Rye Lane, Peckham Rye) (+3)", "both stabbing (+1)"],
    ),
    (
        "a shared full name in one borough",
        {"names": ("ama owusu", "owusu")},
        {"place": PECKHAM, "names": ("ama owusu", "owusu")},
        ["same borough (Southwark: Rye Lane, Peckham) (+1)", "both name Ama Owusu (+3)", "both stabbing (+1)"],
    ),
    (
        "the same borough, date and victim age",
        {"place": PECKHAM, "date": "2024-03-02", "ages": (16,)},
        {"place": PECKHAM, "date": "2024-03-03", "ages": (16,), "type": "homicide", "fatal": True},
        [
            "same borough (Southwark: Peckham, Peckham) (+1)",
            "victim aged 16 in both (+2)",
            "offence dates 2024-03-02 and 2024-03-03 (+2)",
        ],
    ),
    (
        "a copied press release",
        {"place": PECKHAM, "signature": text_signature(RELEASE)},
        {"place": PECKHAM, "signature": text_signature("UPDATE: " + RELEASE)},
        ["same borough (Southwark: Peckham, Peckham) (+1)", "both stabbing (+1)", "near-duplicate text"],
    ),
    (
        "a trial eight months later naming the victim",
        {"date": "2024-03-02", "published": "2024-03-03", "names": ("ama owusu", "owusu")},
        {
            "place": PECKHAM,
            "published": "2024-11-20",
            "follow_up": True,
            "names": ("ama owusu", "owusu"),
        },
        ["both name Ama Owusu (+3)"],
    ),
    (
        "two shared names outweigh a scene placed in the wrong borough",
        {"place": BRIXTON, "names": ("ama owusu", "owusu", "kofi mensah", "mensah")},
        {"place": PECKHAM, "names": ("ama owusu", "owusu", "kofi mensah", "mensah")},
        ["different boroughs (Lambeth, Southwark) (-3)", "both name Ama Owusu, Kofi Mensah (+6)"],
    ),
    (
        "a fatal house fire told as arson and as murder",
        {"type": "arson", "families": ("damage", "violence"), "fatal": True},
        {"type": "homicide", "fatal": True},
        ["same scene (Rye Lane) (+3)", "both fatal (+1)"],
    ),
    (
        "an assault first told, then the homicide it became (records.FATAL_TYPES)",
        {"type": "assault", "weapon": "none", "date": "2024-03-16"},
        {"type": "homicide", "fatal": True, "weapon": "none", "date": "2024-03-16"},
        ["same scene (Rye Lane) (+3)", "an assault and the homicide it became (+1)"],
    ),
    (
        "a station and an area of one name at one spot",
        {"place": QUEENS_ROAD, "date": "2024-03-02"},
        {"place": QUEENS_ROAD_AREA, "date": "2024-03-02"},
        ["same scene (Queens Road Peckham) (+3)"],
    ),
    (
        "a crime the cues could not type proves no different crime",
        {"type": "other", "families": ("other", "violence", "theft"), "weapon": None, "date": "2024-03-02"},
        {"date": "2024-03-02"},
        ["same scene (Rye Lane) (+3)", "offence dates 2024-03-02 and 2024-03-02 (+2)"],
    ),
    (
        "a street both name, one placing the scene in the area",
        {"streets": ("rye lane",), "place": PECKHAM},
        {"streets": ("rye lane",)},
        ["same borough (Southwark: Peckham, Rye Lane) (+1)", "both name Rye Lane (+2)", "both stabbing (+1)"],
    ),
]


@pytest.mark.parametrize("name,a,b,reasons", MERGES, ids=[m[0] for m in MERGES])
def test_merge(name, a, b, reasons):
    first, second = report("a", **a), report("b", **b)
    decision = compare(first, second)
    assert decision.merge and decision.conflict is None
    for reason in reasons:
        assert any(r.startswith(reason) for r in decision.reasons), (reason, decision.reasons)
    # Symmetric, and found by blocking: the pair shares a key whichever comes first.
    assert compare(second, first).merge and compare(second, first).score == decision.score
    assert blocking_keys(first, probe=True) & blocking_keys(second)
    assert blocking_keys(second, probe=True) & blocking_keys(first)


NO_MERGES = [
    (
        "different crime family",
        {},
        {"type": "burglary", "families": ("burglary", "theft")},
        "different crime family (stabbing, burglary)",
    ),
    ("different victim ages", {"ages": (16,)}, {"ages": (17,)}, "different victim ages (16; 17)"),
    ("streets 1.5 km apart", {}, {"place": DENMARK_HILL}, "scenes 1.5 km apart (Rye Lane; Denmark Hill)"),
    (
        "stated dates 13 days apart",
        {"date": "2024-03-02"},
        {"date": "2024-03-15"},
        "offence dates 2024-03-02 and 2024-03-15 are 13 days apart",
    ),
    (
        "published before the offence",
        {"date": "2024-03-10"},
        {"published": "2024-03-02"},
        "published 2024-03-02, before the offence of 2024-03-10",
    ),
    (
        "a first report three months after the offence",
        {"date": "2024-03-02"},
        {"published": "2024-06-01"},
        "published 2024-06-01, 91 days after the offence of 2024-03-02",
    ),
    (
        "a follow-up four years on",
        {"date": "2020-03-02", "names": ("ama owusu",)},
        {"date": "2024-03-02", "follow_up": True, "names": ("ama owusu",)},
        "offence dates 2020-03-02 and 2024-03-02 are 1461 days apart",
    ),
    ("one article's separate incidents", {}, {"article_id": "article-a"}, "separate incidents of one article"),
    (
        "the same borough and type, nothing specific",
        {"place": PECKHAM},
        {"place": PECKHAM},
        "no shared scene, person, copied text, or borough with date or age",
    ),
    (
        "one borough, one day, one type, nothing specific",
        {"place": PECKHAM, "date": "2024-03-02"},
        {"place": PECKHAM, "date": "2024-03-02"},
        "nothing specific shared: no scene, street, person, age, distinctive word or wording",
    ),
    (
        "a follow-up sharing only a street",
        {"date": "2024-03-02", "streets": ("rye lane",)},
        {"place": PECKHAM, "published": "2024-09-01", "follow_up": True, "streets": ("rye lane",)},
        "a follow-up shares no person, copied text, or borough and date",
    ),
    (
        "one shared name across boroughs",
        {"place": BRIXTON, "names": ("ama owusu",)},
        {"place": PECKHAM, "names": ("ama owusu",)},
        "different boroughs (Lambeth, Southwark) (-3)",
    ),
]


@pytest.mark.parametrize("name,a,b,reason", NO_MERGES, ids=[m[0] for m in NO_MERGES])
def test_no_merge(name, a, b, reason):
    decision = compare(report("a", **a), report("b", **b))
    assert not decision.merge
    assert reason in decision.reasons
    assert not compare(report("b", **b), report("a", **a)).merge


def test_cluster_never_holds_a_conflict_whatever_the_order():
    # b merges with a and with c, but a and c give different victim ages: one of them stays out.
    a = report("a", ages=(16,), date="2024-03-02", place=PECKHAM_RYE)
    b = report("b", date="2024-03-02")
    c = report("c", ages=(17,), date="2024-03-02", place=PECKHAM_RYE)
    d = report("d", place=DENMARK_HILL)
    groups = {tuple(r.incident_id for r in g) for g in cluster([a, b, c, d])}
    assert groups == {("a", "b"), ("c",), ("d",)}
    for order in itertools.permutations([a, b, c, d]):
        assert [[r.incident_id for r in g] for g in cluster(list(order))] == [["a", "b"], ["c"], ["d"]]


def test_merge_event_attributes():
    families = load_families()
    reports = [
        report("a", place=PECKHAM, date="2024-03-03", published="2024-03-03", fatal=False, weapon="knife"),
        report("b", type="homicide", date="2024-03-02", published="2024-03-04", fatal=True, weapon="knife"),
        report("c", type="homicide", date="2024-05-20", published="2024-11-20", follow_up=True, weapon="gun"),
    ]
    event = merge_event("ev1", reports, families=families)
    assert event == dataclasses.replace(
        event,
        type="homicide",  # two reports against one
        category="violence and sexual offences",
        place=RYE_LANE,  # the street beats the area
        date="2024-03-02",  # the earliest; the follow-up's later date never replaces it
        date_basis="stated",
        fatal=True,
        weapon="knife",
        reports=3,
        first_seen="2024-03-03",
        last_seen="2024-11-20",
    )


def test_merge_event_place_in_the_borough_most_reports_give():
    elsewhere = Place("Rye Lane", 51.5, 0.1, "street", "street", "Redbridge", "E09000026", "test")
    reports = [report("a", place=elsewhere), report("b", place=PECKHAM), report("c", place=PECKHAM)]
    assert merge_event("ev1", reports, families=load_families()).place == PECKHAM


@pytest.mark.parametrize(
    "reports,date,basis",
    [
        ([report("a", date="2024-05-20", follow_up=True, published="2024-11-20")], "2024-05-20", "follow-up"),
        ([report("a", published="2024-03-04"), report("b", published="2024-03-03")], "2024-03-03", "published"),
        ([report("a", published="2024-11-20", follow_up=True)], None, None),
    ],
    ids=["only a follow-up states it", "none states it", "a follow-up with no offence date"],
)
def test_merge_event_date_basis(reports, date, basis):
    event = merge_event("ev1", reports, families=load_families())
    assert (event.date, event.date_basis) == (date, basis)


def test_every_crime_type_has_a_family():
    families = load_families()
    assert set(families.category) <= set(families.families)


def test_every_merging_pair_shares_a_blocking_key():
    # Blocking finds a pair whichever report is filed first only if every merge shares a key both ways.
    rng = random.Random(7)
    places = [RYE_LANE, PECKHAM_RYE, PECKHAM, DENMARK_HILL, BRIXTON, None]
    dates = [None, "2024-03-02", "2024-03-04", "2024-03-12", "2025-06-01"]
    pool = [
        report(
            f"r{k}",
            place=rng.choice(places),
            date=rng.choice(dates),
            published=rng.choice([None, "2024-03-03", "2024-03-20", "2025-06-02"]),
            follow_up=rng.random() < 0.2,
            type=rng.choice(["stabbing", "homicide"]),
            fatal=rng.choice([True, None]),
            ages=rng.choice([(), (16,), (17,)]),
            streets=rng.choice([(), ("rye lane",), ("denmark hill",)]),
            areas=rng.choice([(), ("peckham",), ("brixton",)]),
            names=rng.choice([(), ("ama owusu", "owusu"), ("owusu",), ("kofi mensah", "mensah")]),
            words=rng.choice([(), ("lido",)]),
            signature=rng.choice([b"", text_signature(RELEASE), text_signature("UPDATE: " + RELEASE)]),
        )
        for k in range(300)
    ]
    merges = 0
    for a, b in itertools.combinations(pool, 2):
        if compare(a, b).merge:
            merges += 1
            assert blocking_keys(a, probe=True) & blocking_keys(b), (a, b)
            assert blocking_keys(b, probe=True) & blocking_keys(a), (a, b)
    assert merges > 1000


def test_an_untyped_crime_shares_every_family():
    """ "other", a crime the cues could not type, proves no different crime from any report."""
    families = load_families().families
    assert set(families["other"]) == {f for fs in families.values() for f in fs}
