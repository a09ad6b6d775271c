"""Events: incremental matching over memory and over the store, ingest order, re-ingest, stable ids, reading
reports from articles, and the evaluate-events figures."""

import dataclasses
import itertools
import json
import random

import pytest

from extract import store
from extract.evaluation.events import load_event_gold, report_events, score_events
from extract.events import (
    Change,
    EventMatcher,
    MemoryIndex,
    StoreIndex,
    _by_id,
    _components,
    _parsed,
    _reasons,
    _stored,
    explain_event,
    load_report_reader,
    match_stored,
    read_reports,
)
from extract.geo.places import build_matcher
from extract.matching import Report, blocking_keys, cluster, compare, load_families
from extract.records import Article, ExtractError, Incident, Place

RYE_LANE = Place("Rye Lane", 51.4700, -0.0680, "street", "street", "Southwark", "E09000028", "test")
DENMARK_HILL = Place("Denmark Hill", 51.4680, -0.0900, "street", "street", "Southwark", "E09000028", "test")
PECKHAM = Place("Peckham", 51.4740, -0.0690, "area", "area", "Southwark", "E09000028", "test")
MARE_STREET = Place("Mare Street", 51.5450, -0.0550, "street", "street", "Hackney", "E09000012", "test")


def report(article: str, n: int = 0, **changes) -> Report:
    base = Report(
        incident_id=f"{article}-{n}",
        article_id=article,
        type="stabbing",
        category="violence and sexual offences",
        families=("violence",),
        place=RYE_LANE,
        date="2024-03-02",
        published="2024-03-03",
        follow_up=False,
        fatal=False,
        weapon="knife",
    )
    return dataclasses.replace(base, **changes)


ARTICLES = {  # article -> its reports: two stabbings three days apart in Peckham, a follow-up, a Hackney shooting
    "standard": [report("standard", ages=(16,))],
    "bbc": [report("bbc", ages=(16,), fatal=True, names=("ama owusu", "owusu"))],
    "local": [report("local", place=PECKHAM, date=None, published="2024-03-04", ages=(16,))],
    "trial": [
        report("trial", place=PECKHAM, date=None, published="2024-11-20", follow_up=True, names=("ama owusu", "owusu"))
    ],
    "second": [report("second", place=DENMARK_HILL, date="2024-03-05", published="2024-03-05", ages=(19,))],
    "second-copy": [report("second-copy", place=DENMARK_HILL, date="2024-03-05", published="2024-03-06")],
    "hackney": [
        report("hackney", type="shooting", place=MARE_STREET, weapon="gun"),
        report("hackney", 1, place=RYE_LANE, date="2024-01-10"),  # a round-up recalls an older stabbing there
    ],
}
EXPECTED = [["bbc-0", "local-0", "standard-0", "trial-0"], ["hackney-0"], ["hackney-1"], ["second-0", "second-copy-0"]]


def events_of(index) -> list[list[str]]:
    groups: dict[str, list[str]] = {}
    for incident_id, placement in index.placements([r for a in ARTICLES.values() for r in _ids(a)]).items():
        groups.setdefault(placement.event_id, []).append(incident_id)
    return sorted(sorted(g) for g in groups.values())


def _ids(reports):
    return [r.incident_id for r in reports]


def test_events_do_not_depend_on_ingest_order():
    for seed in range(20):
        order = list(ARTICLES)
        random.Random(seed).shuffle(order)
        matcher = EventMatcher(MemoryIndex())
        for article in order:
            matcher.match_article(article, ARTICLES[article])
        assert events_of(matcher.index) == EXPECTED, order


def test_merged_event_attributes_and_reasons():
    index = MemoryIndex()
    matcher = EventMatcher(index)
    for article, reports in ARTICLES.items():
        matcher.match_article(article, reports)
    event = index.events[index.placed["standard-0"].event_id]
    assert (event.type, event.place, event.date, event.date_basis, event.fatal, event.reports) == (
        "stabbing",
        RYE_LANE,
        "2024-03-02",
        "stated",
        True,
        4,
    )
    assert (event.first_seen, event.last_seen) == ("2024-03-03", "2024-11-20")
    assert index.placed["trial-0"].reason.startswith("joined ")
    assert index.placed["hackney-0"].reason == "no other report of this incident"  # no report shares a key with it
    assert index.placed["hackney-1"].reason.startswith(
        "stands alone; nearest standard: offence dates 2024-01-10 and 2024-03-02 are 52 days apart"
    )


def _reference_components(reports):
    """Components pair by pair: the rule _components implements a content at a time."""
    groups = [[r] for r in reports]
    for a, b in itertools.combinations(reports, 2):
        if blocking_keys(a, probe=True) & blocking_keys(b) and compare(a, b).merge:
            ga, gb = next(g for g in groups if a in g), next(g for g in groups if b in g)
            if ga is not gb:
                groups.remove(gb)
                ga += gb
    return sorted((sorted(g, key=_by_id) for g in groups), key=lambda g: g[0].incident_id)


def _reference_cluster(reports):
    """Grouping pair by pair: merging pairs strongest first, unless a report of one group conflicts with the other."""
    rs = sorted(reports, key=_by_id)
    groups = {r.incident_id: [r] for r in rs}
    pairs = sorted(((compare(a, b), a, b) for a, b in itertools.combinations(rs, 2)), key=lambda p: -p[0].score)
    for _, a, b in (p for p in pairs if p[0].merge):
        ga, gb = groups[a.incident_id], groups[b.incident_id]
        if ga is not gb and not any(compare(*sorted((p, q), key=_by_id)).conflict for p in ga for q in gb):
            ga += gb
            for r in gb:
                groups[r.incident_id] = ga
    return sorted({id(g): sorted(g, key=_by_id) for g in groups.values()}.values(), key=lambda g: g[0].incident_id)


def _reference_reasons(group):
    reasons = []
    for r in group:
        pairs = [(compare(*sorted((r, o), key=_by_id)), o) for o in group if o is not r]
        d, other = max(pairs, key=lambda p: (p[0].score, p[1].incident_id))
        reasons.append(f"joined {other.article_id}: " + "; ".join(d.reasons))
    return reasons


@pytest.mark.parametrize("seed", range(40))
def test_copies_group_as_compared_pair_by_pair(seed):
    """Copies of a story under other ids (a flood) are compared once per pair of contents: the components, events
    and reasons are those of comparing every pair of reports, conflicts and round-ups included."""
    rng = random.Random(seed)
    stories = [r for reports in ARTICLES.values() for r in reports] + [
        report("young", ages=(15,)),  # conflicts with the age 16 reports
        report("late", date="2024-03-04", published="2024-03-04"),
    ]
    reports = []
    few = seed % 2  # a few articles, often round-ups: where a round-up's own pairs decide the components
    for n in range(rng.randint(2, 6) if few else rng.randint(20, 60)):
        picked = rng.sample(stories, rng.choice((1, 2, 3) if few else (1, 1, 1, 2)))  # a round-up of several
        reports += [
            dataclasses.replace(r, incident_id=f"{n:03d}-{k}", article_id=f"a{n:03d}") for k, r in enumerate(picked)
        ]
    reports.sort(key=_by_id)
    components = _components(reports)
    assert [_ids(c) for c in components] == [_ids(c) for c in _reference_components(reports)]
    for component in components:
        groups = cluster(rng.sample(component, len(component)))
        assert [_ids(g) for g in groups] == [_ids(g) for g in _reference_cluster(component)]
        for group in groups:
            if len(group) > 1:
                assert _reasons(group, {}) == _reference_reasons(group)


@pytest.mark.parametrize("copies", [2, 3, 7])
def test_an_event_of_copies_alone_names_the_last_copy_and_the_last_names_the_one_before(copies):
    """An event of one story's copies (one content) gives each report the reasons comparing every pair gives."""
    group = [report(f"a{n}", ages=(16,)) for n in range(copies)]
    reasons = _reasons(group, {})
    assert reasons == _reference_reasons(group)
    assert [r.split(":")[0] for r in reasons] == [f"joined a{copies - 1}"] * (copies - 1) + [f"joined a{copies - 2}"]


@pytest.mark.parametrize("seed", range(20))
def test_a_copy_joining_a_kept_grouping_changes_what_grouping_again_does(seed):
    """A new article's report that joins an event of a component grouped before is placed from the kept grouping
    (_grow): each change, and the events and placements after it, are those of grouping the component again, over
    floods of copies arriving in any id order, with conflicts and round-ups."""
    rng = random.Random(seed)
    one = [r for a in ("standard", "bbc", "local", "trial", "hackney") for r in ARTICLES[a][:1]]  # no conflict
    stories = [r for reports in ARTICLES.values() for r in reports] + [
        report("young", ages=(15,)),  # conflicts with the age 16 reports
        report("late", date="2024-03-04", published="2024-03-04"),
    ]
    if seed % 2:
        stories = one
    kept, again = EventMatcher(MemoryIndex()), EventMatcher(MemoryIndex())
    regrouped = []
    grouping = kept._group
    kept._group = lambda *args: regrouped.append(1) or grouping(*args)  # type: ignore[method-assign]
    again._grow = lambda *args: None  # type: ignore[method-assign]
    for n in range(60):
        picked = rng.sample(stories, 1 if seed % 2 else rng.choice((1, 1, 1, 2)))  # round-ups are grouped again
        article = f"a{n:03d}"
        # Random ids: a copy may sort first in its component, whose id then changes.
        reports = [
            dataclasses.replace(r, incident_id=f"{rng.getrandbits(32):08x}-{k}", article_id=article)
            for k, r in enumerate(picked)
        ]
        assert kept.match_article(article, reports) == again.match_article(article, reports), n
        assert (kept.index.placed, kept.index.events) == (again.index.placed, again.index.events)
    if seed % 2:
        assert len(regrouped) < 20  # most copies joined a kept grouping


def test_a_grouping_kept_by_a_matcher_of_other_crime_families_is_grouped_again():
    """Kept groupings hold events merged with their matcher's families (a type's severity and category decide an
    event's): a matcher with other families groups again."""
    index, families = MemoryIndex(), load_families()
    first = EventMatcher(index, families=families)
    copy = ARTICLES["standard"][0]
    for n in range(3):
        first.match_article(f"a{n}", [dataclasses.replace(copy, incident_id=f"a{n}-0", article_id=f"a{n}")])
    severity = {**families.severity, copy.type: families.severity[copy.type] + 1}
    for other_families, regroups in ((load_families(), 0), (dataclasses.replace(families, severity=severity), 1)):
        other = EventMatcher(index, families=other_families)
        regrouped = []
        grouping = other._group
        other._group = lambda *args, grouping=grouping, regrouped=regrouped: regrouped.append(1) or grouping(*args)  # type: ignore
        for n in range(len(index.placed), len(index.placed) + 3):  # the copies after the first grow its grouping
            other.match_article(f"a{n}", [dataclasses.replace(copy, incident_id=f"a{n}-0", article_id=f"a{n}")])
        assert len(regrouped) == regroups, other_families


def test_event_ids_are_stable_as_reports_join_and_reingest_is_idempotent():
    index = MemoryIndex()
    matcher = EventMatcher(index)
    matcher.match_article("standard", ARTICLES["standard"])
    first = index.placed["standard-0"].event_id
    for article in ("bbc", "local", "trial"):
        matcher.match_article(article, ARTICLES[article])
        assert index.placed["standard-0"].event_id == first
    assert matcher.match_article("bbc", ARTICLES["bbc"]) == Change()
    moved = [dataclasses.replace(ARTICLES["bbc"][0], place=MARE_STREET, names=())]
    change = matcher.match_article("bbc", moved)  # re-ingested with another scene: it leaves the event
    assert index.placed["bbc-0"].event_id != first and index.placed["standard-0"].event_id == first
    assert change.removed == tuple(ARTICLES["bbc"]) and change.added == tuple(moved)
    matcher.match_article("bbc", [])  # gone: the trial report, linked by the name bbc gave, stands alone again
    assert "bbc-0" not in index.placed and index.events[first].reports == 2
    assert index.placed["trial-0"].event_id != first


def test_store_index_matches_like_memory(tmp_path):
    conn = store.connect(tmp_path / "incidents.db")
    try:
        matcher = EventMatcher(StoreIndex(conn))
        for article in reversed(list(ARTICLES)):
            matcher.match_article(article, ARTICLES[article])
        assert events_of(matcher.index) == EXPECTED
        assert matcher.match_article("trial", ARTICLES["trial"]) == Change()
        assert matcher.index.article_reports("hackney") == ARTICLES["hackney"]
        rows = [dict(zip(store.EVENT_COLUMNS, r)) for r in store.iter_event_rows(conn)]
        assert sorted(r["n_reports"] for r in rows) == [1, 1, 2, 4]
        event_ids = store.incident_event_ids(conn)
        assert event_ids["standard-0"] == event_ids["trial-0"] != event_ids["second-0"]
        assert store.incident_event_ids(conn, ["hackney-1", "unknown"]) == {"hackney-1": event_ids["hackney-1"]}
        trial = store.incident_event_ids(conn)["trial-0"]
        assert (
            explain_event(conn, "trial-0")
            == f"event {trial} (4 reports): " + matcher.index.placements(["trial-0"])["trial-0"].reason
        )
        assert explain_event(conn, "second-0").endswith(
            "joined second-copy: same scene (Denmark Hill) (+3); both stabbing (+1); offence dates 2024-03-05 and 2024-03-05 (+2)"
        )
        assert explain_event(conn, "unknown") is None
        matcher.match_article("standard", [])
        assert "standard-0" not in store.incident_event_ids(conn)
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 4
    finally:
        conn.close()


ARTICLE_TEXT = (
    "Teenager Ama Owusu was stabbed on Rye Lane in Peckham on Saturday night. Ms Owusu, 16, was taken to hospital. "
    "Officers were seen outside the Bussey Building on Sunday."
)


@pytest.mark.parametrize(
    "r",
    [
        report("bbc", ages=(16,), fatal=True, names=("ama owusu", "owusu"), signature=bytes(range(32))),
        report("local", place=None, date=None, published=None, fatal=None, weapon=None, words=("cator",)),
        report('quote"d', 2, streets=("rye lane",), areas=("peckham", "se15")),
    ],
)
def test_a_stored_report_is_its_fields_json_and_reads_back_as_itself(r):
    """The store files a report's fields as one JSON object (copies of a story share all but its ids)."""
    filed = _stored(r, None)
    fields = {f.name: getattr(r, f.name) for f in dataclasses.fields(r) if f.name != "signature"}
    fields["place"] = dataclasses.asdict(r.place) if r.place else None
    assert filed.report == json.dumps(fields, separators=(",", ":"))
    assert _parsed(filed.report, filed.signature) == r


def rye_lane_stabbing(**changes) -> Incident:
    """Incident i1 of article a1: a stabbing on Rye Lane, not fatal; `changes` set other fields."""
    incident = Incident(
        incident_id="i1",
        article_id="a1",
        type="stabbing",
        category="violence and sexual offences",
        location_text="Rye Lane",
        place=RYE_LANE,
        date=None,
        fatal=False,
        weapon="knife",
    )
    return dataclasses.replace(incident, **changes)


def test_read_reports(small_gazetteer, tmp_path):
    reader = load_report_reader(matcher=build_matcher(small_gazetteer))
    article = Article("a1", ARTICLE_TEXT, headline="Girl stabbed in Peckham", published="2024-03-03")
    incident = rye_lane_stabbing(date="2024-03-02", victim_ages=(16,))
    second = dataclasses.replace(incident, incident_id="i2", place=PECKHAM)
    first, further = read_reports(article, [incident, second], reader=reader)
    assert dataclasses.replace(first, signature=b"") == Report(
        incident_id="i1",
        article_id="a1",
        type="stabbing",
        category="violence and sexual offences",
        families=("violence",),
        place=RYE_LANE,
        date="2024-03-02",
        published="2024-03-03",
        follow_up=False,
        fatal=False,
        weapon="knife",
        ages=(16,),
        streets=("rye lane",),
        areas=("peckham",),
        names=("ama owusu", "owusu"),
        words=("bussey",),
    )
    assert len(first.signature) == 128
    assert (further.names, further.streets, further.signature) == ((), (), b"")  # its own sentence tells it
    assert read_reports(article, [], reader=reader) == []
    conn = store.connect(tmp_path / "incidents.db")
    try:
        store.save_article(conn, article, [incident])
        change = match_stored(conn, article, [incident], reader=reader)
        assert [e.reports for e in change.events] == [1]
        assert match_stored(conn, article, [incident], reader=reader) == Change()
    finally:
        conn.close()


def test_score_events(tmp_path):
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"id": "a", "event": "E1"},
                {"id": "b", "event": "E1"},
                {"id": "c", "event": "E1"},
                {"id": "d", "event": "E2", "near_miss_of": ["E1"]},
                {"id": "e", "event": "E3"},
            ]
        )
    )
    gold = load_event_gold(gold_path)
    scores = score_events(gold, {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z", "unknown": "z"})
    assert (scores.pair_tp, scores.pair_fp, scores.pair_fn) == (1, 1, 2)
    assert (scores.precision, scores.recall) == (0.5, 1 / 3)
    assert scores.bcubed_precision == pytest.approx((1 + 1 + 0.5 + 0.5 + 1) / 5)
    assert scores.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert (scores.predicted_events, scores.gold_events, scores.near_miss_merged, scores.near_miss_pairs) == (
        3,
        3,
        1,
        3,
    )
    assert scores.mistakes == [
        "a c (E1, E1) kept apart",
        "b c (E1, E1) kept apart",
        "c d (E1, E2) merged apart from gold",
    ]
    assert "pairwise            precision=0.500 recall=0.333 F1=0.400 (tp=1 fp=1 fn=2)" in report_events(scores)


@pytest.mark.parametrize(
    "content,message",
    [
        ("{bad", "gold.jsonl:1: bad gold record"),
        ('{"id": "a"}', "gold.jsonl:1: gold record lacks id or event"),
    ],
)
def test_load_event_gold_fail(tmp_path, content, message):
    path = tmp_path / "gold.jsonl"
    path.write_text(content)
    with pytest.raises(ExtractError, match=message):
        load_event_gold(path)


INGESTED = [
    {
        "id": "standard-1",
        "headline": "Teenager stabbed in Peckham",
        "published": "2024-03-03",
        "text": "A 16-year-old girl was stabbed on Rye Lane in Peckham on Saturday night, police said. "
        "Officers were called at 9pm and found her with knife wounds. She was taken to hospital.",
    },
    {
        "id": "local-1",
        "headline": "Girl, 16, knifed on Rye Lane",
        "published": "2024-03-04",
        "text": "A girl aged 16 was stabbed on Rye Lane, Peckham, on Saturday. Police were called to the street at "
        "about 9pm. No arrests have been made.",
    },
    {
        "id": "hackney-1",
        "headline": "Man shot in Hackney",
        "published": "2024-03-03",
        "text": "A man was shot on Mare Street in Hackney on Saturday evening. Police were called at 8pm.",
    },
]


def test_ingest_matches_events_in_any_order(small_extractor, tmp_path):
    from extract.pipeline import ingest_paths

    partitions = []
    for n, articles in enumerate([INGESTED, INGESTED[::-1]]):
        source = tmp_path / f"articles{n}.jsonl"
        source.write_text("\n".join(json.dumps(a) for a in articles), encoding="utf-8")
        db = tmp_path / f"incidents{n}.db"
        ingest_paths([source], db_path=db, extractor=small_extractor)
        conn = store.connect(db)
        try:
            first = store.incident_event_ids(conn)
            ingest_paths([source], db_path=db, extractor=small_extractor)  # again: nothing changes
            assert store.incident_event_ids(conn) == first
            article_of = dict(conn.execute("SELECT incident_id, article_id FROM incidents"))
            groups: dict[str, list[str]] = {}
            for incident_id, event_id in first.items():
                groups.setdefault(event_id, []).append(article_of[incident_id])
            partitions.append(sorted(sorted(g) for g in groups.values()))
            assert sorted(r[store.EVENT_COLUMNS.index("n_reports")] for r in store.iter_event_rows(conn)) == [1, 2]
        finally:
            conn.close()
    assert partitions[0] == partitions[1] == [["hackney-1"], ["local-1", "standard-1"]]


def test_out_carries_each_incident_final_event(tmp_path):
    from extract.__main__ import main

    source = tmp_path / "articles.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in INGESTED), encoding="utf-8")
    out = tmp_path / "incidents.jsonl"
    assert (
        main(["ingest", str(source), "--db", str(tmp_path / "incidents.db"), "--out", str(out), "--no-progress"]) == 0
    )
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    event_of = {r["article_id"]: r["event_id"] for r in rows}
    assert list(rows[0])[-1] == "event_id" and all(r["event_id"] for r in rows)
    assert event_of["standard-1"] == event_of["local-1"] != event_of["hackney-1"]


@pytest.mark.parametrize(
    "text",
    [
        ARTICLE_TEXT,
        # A link line is blanked out of the text read_story reads: its places are the article's all the same.
        ARTICLE_TEXT + "\nRead more: Man stabbed on Mare Street in Dalston",
    ],
)
def test_read_reports_from_the_story(small_extractor, text):
    from extract.pipeline import read_story, story_incidents
    from extract.reading.story import Story

    article = Article("a1", text, headline="Girl stabbed in Peckham", published="2024-03-03")
    story = read_story(article, extractor=small_extractor)
    assert isinstance(story, Story)
    incidents = story_incidents(story, extractor=small_extractor)
    reader = load_report_reader(matcher=small_extractor.matcher)
    reports = read_reports(article, incidents, reader=reader, story=story)
    assert reports and reports == read_reports(article, incidents, reader=reader)


@pytest.fixture(scope="module")
def project_extractor():
    from extract.pipeline import load_extractor

    return load_extractor()


@pytest.mark.parametrize(
    ("text", "streets"),
    [
        pytest.param(
            "A man was shot on Seven Sisters Road in Finsbury Park on Tuesday.",
            ("seven sisters road",),
            id="a road an area is named after too is a street: it ends in a street word",
        ),
        pytest.param("A man was shot on Peckham Rye on Tuesday.", (), id="a name an area and a street share"),
    ],
)
def test_read_reports_streets(project_extractor, text, streets):
    from extract.pipeline import extract_incidents

    article = Article("a1", text, published="2024-03-20")
    incidents = extract_incidents(article, extractor=project_extractor)
    reader = load_report_reader(matcher=project_extractor.matcher)
    assert read_reports(article, incidents, reader=reader)[0].streets == streets


def test_a_report_alone_again_does_not_share_the_id_its_event_of_one_had():
    """A merges with B and with C, which conflict: in the order C, A, B, the event first made for C alone passes to
    {A, B}, and C, alone again, must not get its old id back (new_event_id of C alone): that made all three one."""
    name = {"names": ("ama owusu", "owusu")}
    a = report("a", place=PECKHAM, **name)
    b = report("b", place=RYE_LANE, **name)
    c = report("c", place=DENMARK_HILL, **name)
    assert compare(a, b).merge and compare(a, c).merge and compare(b, c).conflict
    partitions = set()
    for order in itertools.permutations([a, b, c]):
        index = MemoryIndex()
        matcher = EventMatcher(index)
        for r in order:
            matcher.match_article(r.article_id, [r])
        events = {}
        for r in (a, b, c):
            events.setdefault(index.placed[r.incident_id].event_id, set()).add(r.article_id)
        partitions.add(frozenset(frozenset(g) for g in events.values()))
    assert partitions == {frozenset({frozenset({"a", "b"}), frozenset({"c"})})}


def test_a_court_report_s_court_is_no_street_it_shares():
    """ "The court heard": a street of that name exists, and every court report would name it (geo.places.COURT_KEYS)."""
    from extract.pipeline import load_extractor

    reader = load_report_reader(matcher=load_extractor().matcher)
    text = "The court heard that the man was stabbed on Rye Lane in Peckham. He was jailed at the Old Bailey."
    incident = rye_lane_stabbing()
    [report] = read_reports(Article("a1", text, published="2024-03-03"), [incident], reader=reader)
    assert report.streets == ("rye lane",)
