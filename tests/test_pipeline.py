"""read_story, story_incidents, extract_incidents and ingest_paths on the real vocabulary and gazetteer: the seed
page, made-up London crime stories with what each must give, and stories that must give nothing, with the reason.

Every story here is written for these tests. PUBLISHED is a Wednesday, so "on Monday" is 2024-03-04. A row marked
`wrong=` is a known pipeline mistake, kept as a strict xfail: remove the mark once the pipeline gets it right.
"""

from pathlib import Path

import pytest

from extract import store
from extract.pipeline import IngestReport, extract_incidents, ingest_paths, load_extractor, read_story, story_incidents
from extract.reading.story import Story
from extract.records import REASONS, Article, Reason, Rejection

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PUBLISHED = "2024-03-06"
VIOLENCE = "violence and sexual offences"

SEED_COLUMNS = (
    "type",
    "category",
    "location_text",
    "place_name",
    "place_kind",
    "precision",
    "borough",
    "borough_code",
    "date",
    "fatal",
    "weapon",
    "victim_ages",
    "arrests",
    "headline",
    "url",
    "published",
)


@pytest.fixture(scope="session")
def extractor():
    """The real extractor: the committed gazetteer and vocabularies, loaded once."""
    return load_extractor()


def story(text: str, *, headline: str | None = None, published: str | None = PUBLISHED) -> Article:
    return Article("story", text, headline=headline, published=published, source="test")


def summary(incident) -> tuple:
    """What the map shows of an incident: type, category, place text, borough, precision, fatal, weapon, date."""
    place = incident.place
    return (
        incident.type,
        incident.category,
        incident.location_text,
        place.borough if place else None,
        place.precision if place else None,
        incident.fatal,
        incident.weapon,
        incident.date,
    )


def case(headline: str, text: str, *expected, wrong: str | None = None):
    """A table row named after its headline; `wrong` says what the pipeline gets wrong on it today."""
    marks = [pytest.mark.xfail(strict=True, reason=wrong)] if wrong else []
    return pytest.param(headline, text, *expected, id=headline, marks=marks)


def test_seed_page_gives_the_stabbing_and_the_burglary(extractor, tmp_path):
    db = tmp_path / "incidents.db"
    report = ingest_paths([SEEDS], db_path=db, extractor=extractor)
    conn = store.connect(db)
    rows = sorted(
        (dict(zip(store.INCIDENT_COLUMNS, r)) for r in store.iter_incident_rows(conn)), key=lambda r: r["place_name"]
    )
    conn.close()
    assert report == IngestReport(articles=10, incidents=2, errors=[])
    assert [{c: r[c] for c in SEED_COLUMNS} for r in rows] == [
        {
            "type": "burglary",
            "category": "burglary",
            "location_text": "Bells Hill",
            "place_name": "Bells Hill",
            "place_kind": "street",
            "precision": "street",
            "borough": "Barnet",
            "borough_code": "E09000003",
            "date": None,
            "fatal": 0,
            "weapon": "none",
            "victim_ages": "[77]",
            "arrests": None,
            "headline": None,
            "url": None,
            "published": None,
        },
        {
            "type": "stabbing",
            "category": VIOLENCE,
            "location_text": "Topham House, Prior Street",
            "place_name": "Prior Street",
            "place_kind": "street",
            "precision": "street",
            "borough": "Greenwich",
            "borough_code": "E09000011",
            "date": None,
            "fatal": 1,
            "weapon": "knife",
            "victim_ages": "[18]",
            "arrests": 1,
            "headline": None,
            "url": None,
            "published": None,
        },
    ]
    assert [(r["lat"], r["lon"]) for r in rows] == [
        (pytest.approx(51.650, abs=0.01), pytest.approx(-0.211, abs=0.01)),
        (pytest.approx(51.476, abs=0.01), pytest.approx(-0.011, abs=0.01)),
    ]


def test_seed_page_ingested_twice_keeps_two_incidents(extractor, tmp_path):
    db = tmp_path / "incidents.db"
    first = ingest_paths([SEEDS], db_path=db, extractor=extractor)
    second = ingest_paths([SEEDS], db_path=db, extractor=extractor)
    conn = store.connect(db)
    assert (first, second, store.count_incidents(conn)) == (IngestReport(10, 2, []), IngestReport(10, 2, []), 2)
    conn.close()


@pytest.mark.parametrize(
    "headline, text, expected",
    [
        case(
            "Man stabbed in Peckham",
            "A 19-year-old man was stabbed on Rye Lane in Peckham on Monday evening, police said. He was taken to "
            "hospital with wounds that are not thought to be life-threatening.",
            ("stabbing", VIOLENCE, "Rye Lane", "Southwark", "street", False, "knife", "2024-03-04"),
        ),
        case(
            "Man shot dead in Tottenham",
            "A man was shot dead in Tottenham last night. Officers were called to Broad Lane at about 11.30pm and found "
            "the 28-year-old with gunshot wounds. He died at the scene.",
            ("shooting", VIOLENCE, "Broad Lane", "Haringey", "street", True, "gun", "2024-03-05"),
        ),
        case(
            "Acid attack at Stratford station",
            "A woman suffered burns to her face in an acid attack at Stratford station in east London yesterday. "
            "Paramedics treated her at the scene.",
            ("acid_attack", VIOLENCE, "Stratford station", "Newham", "station", False, "corrosive", "2024-03-05"),
        ),
        case(
            "Jeweller robbed in Ealing",
            "Two men robbed a jewellery shop on Ealing Broadway at knifepoint on 2 March, detectives said. Nobody was "
            "hurt.",
            ("robbery", "robbery", "Ealing Broadway", "Ealing", "area", False, "knife", "2024-03-02"),
        ),
        case(
            "Burglars target Streatham home",
            "Burglars broke into a house on Streatham High Road overnight and stole jewellery and a laptop, the Met "
            "said.",
            ("burglary", "burglary", "Streatham High Road", "Lambeth", "street", False, "none", "2024-03-05"),
        ),
        case(
            "Woman attacked in Walthamstow park",
            "A woman was sexually assaulted in a park in Walthamstow on Saturday night, the Metropolitan Police said. "
            "Officers are appealing for witnesses.",
            ("sexual_offence", VIOLENCE, "Walthamstow", "Waltham Forest", "area", False, "none", "2024-03-02"),
        ),
        case(
            "Phone snatched on Oxford Street",
            "A moped rider snatched a phone from a woman on Oxford Street on Friday afternoon, police said.",
            (
                "theft_from_person",
                "theft from the person",
                "Oxford Street",
                "Westminster",
                "street",
                False,
                "none",
                "2024-03-01",
            ),
        ),
        case(
            "Woman mugged in Brixton",
            "A 30-year-old woman was mugged on Brixton Road in Lambeth on Monday night and her handbag was stolen.",
            ("robbery", "robbery", "Brixton Road", "Lambeth", "street", False, "none", "2024-03-04"),
        ),
        case(
            "Boy snatched outside school",
            "A 12-year-old boy was kidnapped outside his school on Green Lanes in Harringay on 14 February, police "
            "said.",
            ("kidnapping", VIOLENCE, "Green Lanes", "Haringey", "street", False, "none", "2024-02-14"),
        ),
        case(
            "Pub stabbing in Islington",
            "A man was stabbed outside a pub on Upper Street in Islington on 20 December, police said. He was treated "
            "in hospital.",
            ("stabbing", VIOLENCE, "Upper Street", "Islington", "street", False, "knife", "2023-12-20"),
        ),
        case(
            "Murder inquiry in Harrow",
            "A murder investigation has been launched after a woman was found dead at a flat on Pinner Road in Harrow "
            "on 1 March. A 45-year-old man has been arrested.",
            ("homicide", VIOLENCE, "Pinner Road", "Harrow", "street", True, None, "2024-03-01"),
        ),
        case(
            "Teenager shot dead in Brixton",
            "A 17-year-old boy was shot dead on Coldharbour Lane in Brixton on Saturday night. Two men have been "
            "arrested.",
            ("shooting", VIOLENCE, "Coldharbour Lane", "Lambeth", "street", True, "gun", "2024-03-02"),
        ),
        case(
            "Shot in Peckham",
            "A man was shot in the leg in SE15 4QL in the early hours of Sunday, police said.",
            ("shooting", VIOLENCE, "SE15 4QL", "Southwark", "postcode", False, "gun", "2024-03-03"),
        ),
        case(
            "Drugs seized in Hackney raid",
            "Police seized cocaine and cannabis in a raid on a flat on Mare Street in Hackney on Tuesday morning. Three "
            "men were arrested.",
            ("drugs", "drugs", "Mare Street", "Hackney", "street", False, "none", "2024-03-05"),
        ),
        case(
            "Stabbing on Richmond Hill",
            "A man was stabbed on Richmond Hill in Richmond on Sunday, police said.",
            ("stabbing", VIOLENCE, "Richmond Hill", "Richmond upon Thames", "street", False, "knife", "2024-03-03"),
        ),
        case(
            "Man stabbed in Croydon",
            "A man was stabbed in Croydon town centre, police said. He was taken to hospital.",
            ("stabbing", VIOLENCE, "Croydon", "Croydon", "area", False, "knife", None),
        ),
        case(
            "Bike stolen at Clapham Junction",
            "A bike was stolen from outside Clapham Junction station on Thursday. Police are appealing for witnesses.",
            (
                "bicycle_theft",
                "bicycle theft",
                "Clapham Junction station",
                "Wandsworth",
                "station",
                False,
                "none",
                "2024-02-29",
            ),
        ),
        case(
            "Car stolen in Bromley",
            "A car was stolen from a driveway on Masons Hill in Bromley last night, police said.",
            ("vehicle_crime", "vehicle crime", "Masons Hill", "Bromley", "street", False, "none", "2024-03-05"),
        ),
        case(
            "Assault in a Walthamstow park",
            "A woman was sexually assaulted in a park in Walthamstow on Saturday night, police said.",
            ("sexual_offence", VIOLENCE, "Walthamstow", "Waltham Forest", "area", False, "none", "2024-03-02"),
        ),
        case(
            "Streatham home burgled",
            "Burglars broke into a house on Streatham High Road overnight and stole jewellery, police said.",
            ("burglary", "burglary", "Streatham High Road", "Lambeth", "street", False, "none", "2024-03-05"),
        ),
        case(
            "Cyclist killed in hit-and-run",
            "A cyclist was killed in a hit-and-run on Old Kent Road on Sunday. The driver failed to stop, police said.",
            ("hit_and_run", "other crime", "Old Kent Road", "Southwark", "street", True, "vehicle", "2024-03-03"),
        ),
        case(
            "Teenager stabbed at Brixton station",
            "A teenager was stabbed at Brixton Tube station on Wednesday afternoon, police said.",
            ("stabbing", VIOLENCE, "Brixton Tube station", "Lambeth", "station", False, "knife", "2024-03-06"),
        ),
        case(
            "Shop fire treated as arson",
            "Police are treating a fire at a shop on Heathway in Dagenham as arson. Firefighters were called to the "
            "blaze at 2am on Tuesday.",
            (
                "arson",
                "criminal damage and arson",
                "Heathway",
                "Barking and Dagenham",
                "street",
                False,
                "other",
                "2024-03-05",
            ),
        ),
        case(
            "Woman found dead in Harrow flat",
            "A woman was found dead at a flat on Station Road in Harrow on 1 March. A murder investigation has been "
            "launched.",
            ("homicide", VIOLENCE, "Station Road", "Harrow", "street", True, None, "2024-03-01"),
        ),
        case(
            "Shoplifter held in Lewisham",
            "A man was arrested for shoplifting at a supermarket on Lewisham High Street yesterday.",
            ("shoplifting", "shoplifting", "Lewisham High Street", "Lewisham", "street", False, "none", "2024-03-05"),
        ),
        case(
            "Man stabbed in Isleworth",
            "A man was stabbed in Isleworth on Monday night, police said. A man who appeared at Isleworth Crown Court "
            "in a separate case was not involved.",
            ("stabbing", VIOLENCE, "Isleworth", "Hounslow", "area", False, "knife", "2024-03-04"),
        ),
        case(
            "Van driven at pedestrians",
            "A man was arrested after a van was driven at pedestrians on Seven Sisters Road in Finsbury Park on Sunday. "
            "Four people were injured.",
            ("assault", VIOLENCE, "Seven Sisters Road", "Islington", "street", False, "vehicle", "2024-03-03"),
        ),
    ],
)
def test_london_story(extractor, headline, text, expected):
    assert [summary(i) for i in extract_incidents(story(text, headline=headline), extractor=extractor)] == [expected]


@pytest.mark.parametrize(
    "text, published, expected",
    [
        ("A man was stabbed outside a pub on Upper Street in Islington yesterday, police said.", None, None),
        (
            "A man was stabbed outside a pub on Upper Street in Islington last night, police said.",
            "2024-03-01",
            "2024-02-29",
        ),
        (
            "A man was stabbed outside a pub on Upper Street in Islington on 1 January, police said.",
            "2024-01-02",
            "2024-01-01",
        ),
        (
            "A man was stabbed outside a pub on Upper Street in Islington on Sunday, police said.",
            "2024-03-04",
            "2024-03-03",
        ),
        (
            "A man was stabbed outside a pub on Upper Street in Islington on 30 December, police said.",
            "2024-01-02",
            "2023-12-30",
        ),
        ("A man was stabbed outside a pub on Upper Street in Islington, police said.", "2024-01-02", None),
        pytest.param(
            "Ten years ago today, a man was shot dead on Coldharbour Lane in Brixton. His family held a vigil "
            "on Tuesday.",
            PUBLISHED,
            "2014-03-06",
            id="ten years ago today",
        ),
    ],
)
def test_incident_date_against_the_publication_date(extractor, text, published, expected):
    assert [i.date for i in extract_incidents(story(text, published=published), extractor=extractor)] == [expected]


@pytest.mark.parametrize(
    "headline, text, reason",
    [
        case(
            "Mayor funds youth clubs",
            "The Mayor of London announced five million pounds for youth clubs today as part of a new strategy to "
            "tackle knife crime across the capital. City Hall said the funding would go to boroughs including Lambeth "
            "and Newham.",
            Reason.NO_CRIME,
        ),
        case(
            "Knife crime up in London",
            "Knife crime in London rose by 12 per cent last year, according to figures published by the Metropolitan "
            "Police. Offences in Southwark and Lambeth increased the most, the data shows, compared with the previous "
            "year.",
            Reason.NO_CRIME,
        ),
        case(
            "Jail terms for knife possession rise",
            "Figures show the number of people jailed for knife possession in London has risen for the third year, "
            "with the rate of custodial sentences up 5 per cent, the analysis found.",
            Reason.NO_CRIME,
        ),
        case(
            "Beware of phone scams",
            "Older people in London are being warned about phone scams in which callers pretend to be bank staff. "
            "Police advise never to hand over a PIN.",
            Reason.NO_INCIDENT,
        ),
        case(
            "Stabbing in Leeds",
            "A man was stabbed in Leeds city centre on Saturday night. West Yorkshire Police said the 24-year-old was "
            "taken to hospital with serious injuries.",
            Reason.ELSEWHERE,
        ),
        case(
            "Shots fired in Manchester",
            "Shots were fired in Moss Side, Manchester, last night. Greater Manchester Police said a man was injured.",
            Reason.ELSEWHERE,
        ),
        case(
            "Shooting in Richmond, Virginia",
            "A man was shot dead in Richmond, Virginia, on Monday night, police said.",
            Reason.ELSEWHERE,
        ),
        case(
            "Store robbed in Ontario",
            "A convenience store was robbed at gunpoint in London, Ontario, on Tuesday. Ontario Provincial Police are "
            "searching for a suspect.",
            Reason.ELSEWHERE,
        ),
        case(
            "Stabbing in London, Ontario",
            "A man was stabbed in London, Ontario, on Tuesday night. Police found him on Dundas Street.",
            Reason.ELSEWHERE,
        ),
        case(
            "Woman hurt in Chelmsford",
            "A woman was attacked in Chelmsford, Essex, yesterday and was taken to a London hospital with head "
            "injuries. Essex Police are appealing for witnesses.",
            Reason.ELSEWHERE,
        ),
        case(
            "Stabbing in Birmingham",
            "A man was stabbed in Birmingham on Friday night. He was taken to hospital in London.",
            Reason.ELSEWHERE,
        ),
        case(
            "Lock your bike",
            "Police in Camden are urging cyclists to use two locks after a rise in bike thefts. Officers will offer "
            "free bike marking at Camden Town station on Saturday.",
            Reason.NO_INCIDENT,
        ),
        case(
            "Shooting on a Richmond, Virginia street",
            "A man was shot dead in Richmond, Virginia, on Monday night, police said. Officers found the victim on "
            "Broad Street.",
            Reason.ELSEWHERE,
        ),
        case(
            "Stabbing in Hull",
            "A man was stabbed in Kingston upon Hull on Friday night, police said.",
            Reason.ELSEWHERE,
        ),
        case(
            "Stabbing in Stratford-upon-Avon",
            "A man was stabbed in Stratford-upon-Avon on Friday night, police said.",
            Reason.ELSEWHERE,
        ),
        case(
            "Stabbing in Sutton Coldfield",
            "A man was stabbed in Sutton Coldfield on Friday night, police said.",
            Reason.ELSEWHERE,
        ),
        case(
            "New crime drama",
            "The new crime drama, filmed in Peckham, follows a detective hunting a killer who stabbed three people.",
            Reason.FICTION,
        ),
        case(
            "Fans attacked after a match",
            "Barnet FC fans were attacked after the match against Bromley on Saturday, police said.",
            Reason.NO_SCENE,
        ),
        case(
            "Luton stabbing",
            "A 20-year-old man was stabbed in Luton on Friday night and was flown to a London hospital, where he "
            "remains in a critical condition. Bedfordshire Police have arrested two men.",
            Reason.ELSEWHERE,
        ),
    ],
)
def test_not_a_london_incident(extractor, headline, text, reason):
    article = story(text, headline=headline)
    assert read_story(article, extractor=extractor) == Rejection("story", reason)
    assert extract_incidents(article, extractor=extractor) == []


REJECTED = [  # one story per reason
    case("Library opens", "The council opened a new library on Rye Lane in Peckham on Monday.", Reason.NO_CRIME),
    case(
        "Lock your bike",
        "Police in Hackney are urging cyclists to lock their bikes after a spate of bike thefts. Officers will "
        "offer free bike marking at Dalston Junction station on Saturday.",
        Reason.NO_INCIDENT,
    ),
    case(
        "Robberies rise",
        "Figures published on Monday show that the number of robberies in Southwark rose by 8 per cent, compared "
        "with the previous year, according to an analysis of police data. One victim, a 17-year-old, was robbed in "
        "Peckham, the report says.",
        Reason.STATISTICS,
    ),
    case(
        "New drama",
        "In the opening episode of the new crime drama, a man is stabbed on Rye Lane in Peckham on a Monday night.",
        Reason.FICTION,
    ),
    case(
        "Stabbing in Leeds",
        "A man was stabbed in Leeds city centre on Saturday night, West Yorkshire Police said.",
        Reason.ELSEWHERE,
    ),
    case(
        "Shooting outside a bar",
        "GREENVILLE -- A man was shot dead outside a bar on Main Street on Friday night, police said.",
        Reason.FOREIGN_DATELINE,
    ),
    case(
        "Stabbing on Station Road",
        "A man was stabbed on Station Road on Friday night, police said.",
        Reason.NO_LONDON_EVIDENCE,
    ),
    case(
        "Man stabbed",
        "A man was stabbed on Friday night and was taken to hospital in Camberwell, the Metropolitan Police said.",
        Reason.NO_SCENE,
    ),
]


@pytest.mark.parametrize("headline, text, reason", REJECTED)
def test_read_story_rejects(extractor, headline, text, reason):
    assert read_story(story(text, headline=headline), extractor=extractor) == Rejection("story", reason)


def test_every_reason_has_a_rejecting_story_and_a_meaning():
    assert sorted(row.values[2] for row in REJECTED) == sorted(Reason)
    assert sorted(REASONS) == sorted(Reason) and all(REASONS.values())


def test_read_story_then_story_incidents(extractor):
    article = story(
        "Police were called to Rye Lane in Peckham at 2am on Monday. A man had been stabbed. He died at the scene."
    )
    read = read_story(article, extractor=extractor)
    assert isinstance(read, Story)
    assert [article.text[s.start : s.end] for s in read.incident_sentences] == [
        "Police were called to Rye Lane in Peckham at 2am on Monday."
    ]
    assert (
        article.text[read.main.start : read.main.end] == "Police were called to Rye Lane in Peckham at 2am on Monday."
    )
    assert (read.scene.name, read.scene.borough, read.scene_mention.text) == ("Rye Lane", "Southwark", "Rye Lane")
    incidents = story_incidents(read, extractor=extractor)
    assert [summary(i) for i in incidents] == [
        ("stabbing", VIOLENCE, "Rye Lane", "Southwark", "street", True, "knife", "2024-03-04")
    ]
    assert incidents == extract_incidents(article, extractor=extractor)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "A man was stabbed on Rye Lane in Peckham on Monday night. Separately, a woman was robbed of her phone on "
            "Mare Street in Hackney on Tuesday.",
            [
                ("stabbing", VIOLENCE, "Rye Lane", "Southwark", "street", False, "knife", "2024-03-04"),
                ("robbery", "robbery", "Mare Street", "Hackney", "street", False, "none", "2024-03-05"),
            ],
            id="separately",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane in Peckham on Monday night. In a separate incident, a woman was robbed of "
            "her phone on Mare Street in Hackney on Tuesday.",
            [
                ("stabbing", VIOLENCE, "Rye Lane", "Southwark", "street", False, "knife", "2024-03-04"),
                ("robbery", "robbery", "Mare Street", "Hackney", "street", False, "none", "2024-03-05"),
            ],
            id="in a separate incident",
        ),
    ],
)
def test_round_up_gives_one_incident_per_crime(extractor, text, expected):
    assert [summary(i) for i in extract_incidents(story(text), extractor=extractor)] == expected


STABBING_IN_DALSTON = "A man was stabbed on Kingsland Road in Dalston, east London, on Saturday. "


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", None),
        ("Two men have been arrested.", 2),
        ("A 17-year-old boy has been arrested on suspicion of wounding.", 1),
        ("Three teenagers were arrested and later released on bail.", 3),
        ("No arrests have been made.", 0),
        ("Two men have been arrested. The two men were arrested at an address in Hackney.", 2),
        pytest.param("Two men, aged 18 and 19, were arrested.", 2, id="two men, aged 18 and 19"),
        pytest.param("Police arrested two men at the scene.", 2, id="police arrested two men"),
    ],
)
def test_arrests(extractor, text, expected):
    incidents = extract_incidents(story(STABBING_IN_DALSTON + text), extractor=extractor)
    assert [i.arrests for i in incidents] == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A man was stabbed on Kingsland Road in Dalston, east London, on Saturday.", ()),
        (
            "A 16-year-old and a 17-year-old were stabbed on Kingsland Road in Dalston, east London, on Saturday.",
            (16, 17),
        ),
        (
            "A man was stabbed on Kingsland Road in Dalston, east London, on Saturday. The victim, aged 23, is stable.",
            (23,),
        ),
        (
            "A man was stabbed on Kingsland Road in Dalston, east London, on Saturday. A 19-year-old has been charged.",
            (),
        ),
        pytest.param(
            "A woman, 34, was stabbed on Kingsland Road in Dalston, east London, on Saturday.", (34,), id="a woman, 34,"
        ),
    ],
)
def test_victim_ages(extractor, text, expected):
    assert [i.victim_ages for i in extract_incidents(story(text), extractor=extractor)] == [expected]


@pytest.mark.parametrize(
    "headline, expected",
    [
        ("Boy, 15, stabbed in Dalston", (15,)),
        ("Man, 20, stabbed to death in Dalston", (20,)),
        ("Boy, 15, stabbed classmate in Dalston", ()),  # the active voice: the stabber's age
        ("Teen, 17, stabbed his brother in Dalston", ()),
        ("Man, 41, robbed pensioner in Dalston", ()),
        ("Boy, 15, stabs classmate in Dalston", ()),  # a headline's present tense tells the news too
    ],
)
def test_headline_ages_of_the_victim_not_the_attacker(extractor, headline, expected):
    text = "A man was stabbed on Kingsland Road in Dalston, east London, on Saturday."
    incidents = extract_incidents(story(text, headline=headline), extractor=extractor)
    assert [i.victim_ages for i in incidents] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "A 19-year-old man was stabbed on Rye Lane in Peckham on Monday evening, police said.",
        "Police were called to Broad Lane in Tottenham at 11.30pm. A man was shot dead. Two men were arrested later.",
        "A woman was robbed on Deptford High Street in south-east London on Friday. Separately, a man was stabbed on "
        "Kingsland Road in Dalston on Saturday.",
    ],
)
def test_offsets_point_into_the_text(extractor, text):
    incidents = extract_incidents(story(text), extractor=extractor)
    assert incidents
    for i in incidents:
        assert text[i.evidence_start : i.evidence_start + len(i.evidence)] == i.evidence
        # The place text may start before the mention ("Topham House, Prior Street"), never after it.
        start, end = i.place_span
        assert text[end - len(i.location_text) : end] == i.location_text and len(i.location_text) >= end - start
        assert i.type_span is None or 0 <= i.type_span[0] < i.type_span[1] <= len(text)
    assert len({i.incident_id for i in incidents}) == len(incidents)


@pytest.mark.parametrize(
    "headline, text, expected",
    [
        case(
            "Teenager hurt in Peckham",
            "Police were called shortly after 9pm on Monday. Officers found the boy on Bellenden Road, SE15. He had "
            "been stabbed in the leg and was taken to hospital.",
            [("stabbing", VIOLENCE, "Bellenden Road", "Southwark", "street", False, "knife", "2024-03-04")],
        ),
        case(
            "Man stabbed in Walthamstow",  # the crime is named in the headline only
            "A 20-year-old was taken to hospital after an incident on Hoe Street, Walthamstow, on Monday night. Police "
            "said his injuries were not life-threatening.",
            [("stabbing", VIOLENCE, "Hoe Street", "Waltham Forest", "street", False, "knife", "2024-03-04")],
        ),
        case(
            "Three attacks in one night",
            "A man was stabbed on Rye Lane, Peckham, on Friday night. A second stabbing happened an hour later on "
            "Walworth Road, Walworth, where a teenager was hurt. The third robbery of the night took place in Brixton "
            "Road, SW9, where a man was threatened with a gun.",
            [
                ("stabbing", VIOLENCE, "Rye Lane", "Southwark", "street", False, "knife", "2024-03-01"),
                ("stabbing", VIOLENCE, "Walworth Road", "Southwark", "street", False, "knife", "2024-03-01"),
                ("robbery", "robbery", "Brixton Road", "Lambeth", "street", False, "gun", "2024-03-01"),
            ],
        ),
        case(
            "Two attacks in Hackney",  # the lead takes neither the knife nor the death of the second
            "A man was punched on Mare Street, E8, on Friday night. A second attack, in which a woman was stabbed to "
            "death, happened on Kingsland Road, Dalston, an hour later.",
            [
                ("assault", VIOLENCE, "Mare Street", "Hackney", "street", False, "none", "2024-03-01"),
                ("stabbing", VIOLENCE, "Kingsland Road", "Hackney", "street", True, "knife", "2024-03-01"),
            ],
        ),
        case(
            "Teenager stabbed in Brixton",
            "A teenager was stabbed on Coldharbour Lane, Brixton, on Tuesday. It came just two days after a man was "
            "shot dead in nearby Acre Lane. Police said the attacks were not linked.",
            [("stabbing", VIOLENCE, "Coldharbour Lane", "Lambeth", "street", False, "knife", "2024-03-05")],
        ),
        case(
            "Woman assaulted in Islington",
            "A woman was assaulted on Upper Street, Islington, on Tuesday evening, police said.\nRead more: Leeds man "
            "stabbed in city centre\nOfficers are appealing for witnesses.",
            [("assault", VIOLENCE, "Upper Street", "Islington", "street", False, "none", "2024-03-05")],
        ),
    ],
)
def test_stories_told_across_sentences(extractor, headline, text, expected):
    """One incident told in several sentences, round-ups read incident by incident, asides and links left out."""
    assert [summary(i) for i in extract_incidents(story(text, headline=headline), extractor=extractor)] == expected


@pytest.mark.parametrize(
    "headline, text, reason",
    [
        case(
            "Cat rescued in Camden",
            "Firefighters rescued a cat from a tree on Camden Road on Tuesday.\nRead more: Man stabbed in Hackney\nThe "
            "cat was unhurt.",
            Reason.NO_CRIME,
        ),
        case(
            "Man stabbed in Leeds city centre",
            "A man was stabbed on Briggate on Saturday night, police said. He was taken to hospital.",
            Reason.ELSEWHERE,
        ),
    ],
)
def test_links_and_headlines_elsewhere(extractor, headline, text, reason):
    assert read_story(story(text, headline=headline), extractor=extractor) == Rejection("story", reason)


@pytest.mark.parametrize(
    "headline, text, kind",
    [
        (
            "Man stabbed in Peckham",
            "A man was found injured on Rye Lane in Peckham on Monday night, police said.",
            None,
        ),
        ("0000:WAS STABBED", "RYE LANE:AGED 0", None),  # found by tests/test_fuzz.py: (5, 16) in a 15-letter text
        (
            "Stabbing in Peckham",
            "A man was stabbed on Rye Lane in Peckham on Monday night, police said.",
            "was stabbed",
        ),
    ],
)
def test_type_span_points_into_the_text_or_is_none(extractor, headline, text, kind):
    """A type told only by the headline has no span in the article text (its cue's offsets are the headline's)."""
    (incident,) = extract_incidents(Article("t", text, headline=headline), extractor=extractor)
    assert incident.type == "stabbing"
    assert (None if incident.type_span is None else text[slice(*incident.type_span)]) == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "A woman was robbed on Rye Lane in Peckham on Monday, days after a man was shot in the same street.",
            "robbery",
            id="a clause telling an earlier incident does not type this one",
        ),
        pytest.param(
            "A man has died in hospital days after he was stabbed on Rye Lane in Peckham.",
            "stabbing",
            id="days after he was: the same incident",
        ),
        pytest.param(
            "A man has died in hospital after he was punched outside a pub on Rye Lane in Peckham on Saturday.",
            "homicide",
            id="an assault its victim died of is a homicide",
        ),
        pytest.param(
            "A man was punched outside a pub on Rye Lane in Peckham on Saturday.",
            "assault",
            id="an assault",
        ),
    ],
)
def test_the_main_sentence_types_its_own_incident(extractor, text, expected):
    assert [i.type for i in extract_incidents(story(text), extractor=extractor)][:1] == [expected]


def test_a_sentence_announcing_another_incident_does_not_tell_the_lead_s_scene(extractor):
    text = (
        "A man was robbed at knifepoint outside Peckham Rye station on Sunday. Police are aware of a second robbery on "
        "Monday on Mare Street in Hackney."
    )
    found = extract_incidents(story(text), extractor=extractor)
    assert [(i.place.name, i.place.precision) for i in found if i.place] == [
        ("Peckham Rye", "station"),
        ("Mare Street", "street"),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "Two men were arrested after officers found them possessing revolvers on Rye Lane in Peckham on Friday.",
            [("weapons_possession", "gun", "Rye Lane")],
            id="possessing a weapon; a revolver is a gun",
        ),
        pytest.param(
            "A teenager had his Canada Goose jacket snatched on Rye Lane in Peckham on Friday.",
            [("theft_from_person", "none", "Rye Lane")],
            id="a brand opening with a country is no place elsewhere",
        ),
        pytest.param(
            "A woman was robbed on Rye Lane in Peckham on Friday and driven to Essex.",
            [("robbery", "none", "Rye Lane")],
            id="where a victim was taken is not where it happened",
        ),
        pytest.param(
            "Flowers were laid on Rye Lane in Peckham to mark ten years since the fatal stabbing of a teenager there.",
            [],
            id="an anniversary tells no new incident",
        ),
        pytest.param(
            "Thieves stole a £95,000 Range Rover from a driveway on Rye Lane in Peckham on Friday.",
            [("vehicle_crime", "none", "Rye Lane")],
            id="a sum of money before the thing stolen",
        ),
        pytest.param(
            "A man was abducted in Croydon and driven to Kent, where he was murdered.",
            [],
            id="a destination where it happened is where it happened",
        ),
        pytest.param(
            "A man was stabbed to death in Peckham on Saturday, five years since his brother was killed in the street.",
            [("stabbing", "knife", "Peckham")],
            id="a look back in a sentence telling a dated incident",
        ),
        pytest.param(
            "A man was shot in Tottenham on Friday night and anyone who can assist is asked to call 101.",
            [("shooting", "gun", "Tottenham")],
            id="an appeal's 'assist' is no sport",
        ),
        pytest.param(
            "A man was found stabbed beneath Archway roundabout on Friday night.",
            [("stabbing", "knife", "Archway")],
            id="beneath a London place is in London",
        ),
    ],
)
def test_phrasings_beyond_the_listed_forms(extractor, text, expected):
    found = extract_incidents(story(text), extractor=extractor)
    assert [(i.type, i.weapon, i.location_text) for i in found] == expected


def test_a_named_day_dates_an_incident_only_as_a_date(extractor):
    text = "A man wearing a Halloween mask robbed a shop in Croydon on Friday."
    assert [i.date for i in extract_incidents(story(text, published="2024-03-10"), extractor=extractor)] == [
        "2024-03-08"
    ]


def test_a_named_day_of_a_fixed_date_dates_the_incident(extractor):
    found = extract_incidents(
        story("A man was stabbed on Rye Lane in Peckham on Boxing Day.", published="2024-01-03"), extractor=extractor
    )
    assert [i.date for i in found] == ["2023-12-26"]


STOLEN_IN_DALSTON = "Perfume worth £4,000 was stolen on Kingsland Road in Dalston, east London, on Saturday."
ATTACKED_IN_DALSTON = "A man was attacked on Kingsland Road in Dalston, east London, on Saturday."


@pytest.mark.parametrize(
    "text, headline, expected",
    [
        (STOLEN_IN_DALSTON, "Shoplifters strike at Dalston chemist", "shoplifting"),  # the headline names its kind
        (STOLEN_IN_DALSTON, "Perfume stolen in Dalston", "theft"),
        (STOLEN_IN_DALSTON, None, "theft"),
        (ATTACKED_IN_DALSTON, "Man smashed bottle over stranger's head in Dalston", "assault"),  # a lesser crime
        (ATTACKED_IN_DALSTON, "Robbers attack man in Dalston", "robbery"),  # a graver one names it
    ],
)
def test_a_generic_crime_takes_only_a_graver_one_from_the_headline(extractor, text, headline, expected):
    incidents = extract_incidents(story(text, headline=headline), extractor=extractor)
    assert [i.type for i in incidents] == [expected]


def test_a_threat_is_not_the_crime_done(extractor):
    text = (
        "A man robbed a pharmacy on Kingsland Road in Dalston, east London, on Saturday, holding up a syringe and "
        'telling the assistant he would "stab her with it" unless she handed over the cash.'
    )
    incidents = extract_incidents(story(text), extractor=extractor)
    assert [(i.type, i.weapon) for i in incidents] == [("robbery", "none")]


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "A woman was robbed on Kingsland Road in Dalston, east London, on Friday. Earlier in the week, on Tuesday, "
            "a man in Mare Street had his wallet stolen.",
            [("Kingsland Road", "2024-03-01")],
            id="an aside tells an older incident's scene and date",
        ),
        pytest.param(
            "A burglar who broke into a home in Dalston has been jailed. The court heard he climbed through a window "
            "of a house on Kingsland Road in the early hours of 3 June last year.",
            [("Kingsland Road", "2023-06-03")],
            id="what a court heard is the case's own",
        ),
        pytest.param(
            "A boy was chased along a busy Dalston street and stabbed to death, a jury has heard.\n\nTwo men, both "
            "of Edmonton, deny murdering him and possessing a bladed article.\n\nOpening the case, the prosecutor "
            "told jurors the killing ended a dispute that had simmered for weeks over a phone. She said the boy was "
            "unarmed and outnumbered, and that when he ran, they ran after him. The jury was shown footage of the "
            "chase.\n\nThe court heard "
            "that on the evening of 14 February, he had been buying food at a takeaway on Kingsland Road.",
            [("Kingsland Road", "2024-02-14")],
            id="what a court heard tells the offence, though it names no crime",
        ),
        pytest.param(
            "A woman was robbed on Kingsland Road in Dalston, east London, on Friday. The day before, a man in Mare "
            "Street had his wallet stolen.",
            [("Kingsland Road", "2024-03-01"), ("Mare Street", "2024-02-29")],
            id="the day before: a further incident, no aside",
        ),
        pytest.param(
            "A woman was stabbed on Kingsland Road in Dalston, east London, on Friday. Officers are also investigating "
            "a robbery on Mare Street on Saturday.",
            [("Kingsland Road", "2024-03-01"), ("Mare Street", "2024-03-02")],
            id="also investigating: a further incident",
        ),
    ],
)
def test_asides_and_further_incidents(extractor, text, expected):
    incidents = extract_incidents(story(text), extractor=extractor)
    assert [(i.place.name if i.place else None, i.date) for i in incidents] == expected


MATCH_REPORT = (
    "Brentford robbed Palace at Selhurst Park on Saturday, stealing all three points with a stoppage-time header. "
    "The goalkeeper made a string of saves, the referee waved away a penalty and VAR stayed silent. "
    '"We were mugged," said the winger. "A smash-and-grab is still a win."'
)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(MATCH_REPORT, [], id="a match report's crime words are figurative"),
        pytest.param(
            MATCH_REPORT + " Police said a fan was stabbed on Whitehorse Lane after the final whistle.",
            ["stabbing"],
            id="a stabbing after the match is a crime",
        ),
    ],
)
def test_a_story_of_another_domain(extractor, text, expected):
    incidents = extract_incidents(
        story(text, headline="Brentford smash-and-grab at Selhurst Park"), extractor=extractor
    )
    assert [i.type for i in incidents] == expected


@pytest.mark.parametrize(
    "text, headline, expected",
    [
        pytest.param(
            "A woman was punched on Kingsland Road in Dalston, east London, on Saturday by a man who said he would "
            "shoot her.",
            None,
            ("assault", "none"),
            id="a threat is no crime done",
        ),
        pytest.param(
            "A man attacked a teenager on Kingsland Road in Dalston, east London, on Saturday and went on to stab "
            "him in the leg.",
            None,
            ("stabbing", "knife"),
            id="going on to stab is stabbing",
        ),
        pytest.param(
            "Raiders struck at a jewellers on Kingsland Road in Dalston, east London, on Saturday.",
            "Raiders hit Dalston jewellers; guard attacked",
            ("assault", "none"),
            id="raiders give way to the crime named",
        ),
    ],
)
def test_threats_and_untyped_doers(extractor, text, headline, expected):
    incidents = extract_incidents(story(text, headline=headline), extractor=extractor)
    assert [(i.type, i.weapon) for i in incidents] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        # figures and plans
        "Phone snatches on Camden High Street have halved since 2020, a study by the council found on Monday.",
        "Haringey councillors will consider plans on Tuesday for cameras on Green Lanes to deter drug dealing.",
        # advice
        "Officers are offering free bike marking outside Clapham Junction station on Saturday to deter thieves.",
        # fiction
        "Auditions for a short film about a jewellery robbery will be held on Rye Lane in Peckham on Sunday.",
        # history
        "Neighbours on Mare Street gathered on Friday for a memorial service for a shopkeeper murdered in the 1980s.",
        # a crime word after fear or "not"
        "Traders on Walworth Road said on Monday they feared being robbed after the street lights failed.",
        "Frost, not vandals, cracked the windows of the bus shelter on Kingsland Road in Dalston on Tuesday.",
    ],
)
def test_talk_of_crime_is_no_incident(extractor, text):
    assert isinstance(read_story(story(text), extractor=extractor), Rejection)


@pytest.mark.parametrize(
    "text",
    [
        "A film crew was robbed of its cameras at knifepoint on Rye Lane in Peckham on Tuesday.",
        "Vandals smashed a memorial bench on Mare Street in Hackney on Saturday night.",
        "A man was stabbed on Walworth Road in Walworth on Monday, weeks after the council's plans for more patrols.",
    ],
)
def test_crime_beside_the_words_of_talk_is_an_incident(extractor, text):
    assert not isinstance(read_story(story(text), extractor=extractor), Rejection)
