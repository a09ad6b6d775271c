"""Scene choice on the small fixture gazetteer (conftest.py): the most precise place where the incident is told, not
the hospital, the court, the arrest or the home; further scenes apart from the others; the place as written."""

from dataclasses import replace

import pytest

from extract.pipeline import read_story, story_incidents
from extract.reading.scene import StoryGeocoder, another_scene, choose_scene, last_word, location_text, not_scene
from extract.reading.story import Story
from extract.records import Article, Mention, Place, Reason, Rejection

KM = 1 / 111.2  # degrees of latitude in a kilometre


def read(text: str, extractor) -> Story | Rejection:
    return read_story(Article("scene", text), extractor=extractor)


def summary(place: Place | None, mention: Mention | None) -> tuple | None:
    """The scene as the map shows it: the name as written, the place, its precision and borough."""
    return None if place is None or mention is None else (mention.text, place.name, place.precision, place.borough)


def scene(text: str, extractor) -> tuple | None:
    """choose_scene on the story read_story reads: over its incident sentences, led by its main one."""
    story = read(text, extractor)
    assert isinstance(story, Story), story
    places = StoryGeocoder(extractor.geocoder, story.context)
    return summary(*choose_scene(story, story.incident_sentences, story.main, places=places))


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "A man was stabbed on Coldharbour Lane in Brixton on Monday night.",
            ("Coldharbour Lane", "Coldharbour Lane", "street", "Lambeth"),
            id="the street beats its area",
        ),
        pytest.param(
            "A man was stabbed in Peckham on Monday. Police were called to Rye Lane at 11pm.",
            ("Rye Lane", "Rye Lane", "street", "Southwark"),
            id="the street in the next told sentence",
        ),
        pytest.param(
            "A teenager was stabbed at Peckham Rye station in Peckham on Friday.",
            ("Peckham Rye station", "Peckham Rye", "station", "Southwark"),
            id="a station beats its area",
        ),
        pytest.param(
            "A woman was robbed in Brixton on Monday, police said.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="an area alone",
        ),
        pytest.param(
            "A man was stabbed in Brixton on Monday. He was taken to hospital in Camberwell.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="not the hospital in",
        ),
        pytest.param(
            "A woman was stabbed in Peckham on Monday and is being treated at Denmark Hill hospital.",
            ("Peckham", "Peckham", "area", "Southwark"),
            id="not the street named with a hospital",
        ),
        pytest.param(
            "A man from Dalston was stabbed in Brixton on Monday.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="not where the victim is from",
        ),
        pytest.param(
            "A Peckham teenager was stabbed on Monday evening as he walked home through Brixton, the Met said.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="not the victim's home town",
        ),
        pytest.param(
            "A man was stabbed in Brixton on Monday. Police arrested a 19-year-old at his home on Rye Lane.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="not where the suspect was arrested",
        ),
        pytest.param(
            "A man was stabbed in Brixton on Monday and a man appeared at Camberwell Green Magistrates' Court on "
            "Friday.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="not the court",
        ),
        pytest.param(
            "A man was stabbed in Peckham on Monday and was later remanded in custody by Inner London Crown Court.",
            ("Peckham", "Peckham", "area", "Southwark"),
            id="not a court named as a place",
        ),
        pytest.param(
            "Camberwell detectives said a man was stabbed in Brixton on Monday.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="after 'in' beats an earlier area",
        ),
        pytest.param(
            "A man was stabbed in Brixton on Monday night. His brother runs a shop on Rye Lane.",
            ("Rye Lane", "Rye Lane", "street", "Southwark"),
            id="a street near the main sentence beats an area told",
        ),
        pytest.param(
            "A Brixton shopkeeper was stabbed on Monday night, the Met said. "
            + "Neighbours said the area had been quiet for years and that nobody had expected any trouble. " * 5
            + "His brother runs a shop on Rye Lane.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="a street far from the main sentence does not",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane, Peckham, on Monday.",
            ("Rye Lane", "Rye Lane", "street", "Southwark"),
            id="a street qualified by its area",
        ),
    ],
)
def test_choose_scene(small_extractor, text, expected):
    assert scene(text, small_extractor) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "Police raided addresses in Brixton, Peckham and Dalston on Tuesday and seized cocaine.",
            None,
            id="three boroughs: no one scene",
        ),
        pytest.param(
            "Police raided addresses in Brixton and Peckham on Tuesday and seized cocaine.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="two boroughs: the first",
        ),
        pytest.param(
            "Police raided a flat on Mare Street in Hackney, Brixton and Peckham on Tuesday and seized cocaine.",
            ("Mare Street", "Mare Street", "street", "Hackney"),
            id="a street is one scene whatever the boroughs",
        ),
    ],
)
def test_story_scene_spanning_boroughs(small_extractor, text, expected):
    story = read(text, small_extractor)
    assert isinstance(story, Story), story
    assert summary(story.scene, story.scene_mention) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("A man was stabbed on Monday and taken to hospital in Camberwell.", id="only the hospital"),
        pytest.param(
            "A man from Dalston was stabbed on Monday, the Metropolitan Police said.", id="only the victim's home"
        ),
        pytest.param(
            "A man accused of stabbing a neighbour on Monday appeared at Camberwell Green Magistrates' Court.",
            id="only the court",
        ),
    ],
)
def test_no_scene(small_extractor, text):
    assert read(text, small_extractor) == Rejection("scene", Reason.NO_SCENE)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "A man was stabbed on Rye Lane on Monday. A woman was robbed on Mare Street in Hackney on Tuesday.",
            ("Mare Street", "Mare Street", "street", "Hackney"),
            id="the sentence's own street",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane on Monday. A woman was robbed on Tuesday after leaving a shop in Peckham.",
            ("Peckham", "Peckham", "area", "Southwark"),
            id="the sentence's own area",
        ),
        pytest.param(
            "A man was stabbed on Rye Lane on Monday. A woman was robbed on Tuesday and taken to hospital in Peckham.",
            None,
            id="the sentence names only a hospital",
        ),
    ],
)
def test_choose_scene_of_one_sentence(small_extractor, text, expected):
    story = read(text, small_extractor)
    assert isinstance(story, Story), story
    second = story.sentences[1]
    places = StoryGeocoder(small_extractor.geocoder, story.context)
    assert summary(*choose_scene(story, [second], second, places=places, only=second)) == expected


@pytest.mark.parametrize(
    "before, expected",
    [
        ("He was taken to hospital in", True),
        ("He was airlifted to the", True),
        ("Paramedics RUSHED THE VICTIM TO A", True),
        ("She lives in", True),
        ("A drugs line run by men based in", True),
        ("He was arrested at his home in", True),
        ("They got off at", True),
        ("He appeared at", True),
        ("A man from", True),
        ("It is north of", True),
        ("At the junction of", False),
        ("The game, Arsenal v", True),
        ("They were heading for", True),
        ("He was stabbed in", False),
        ("He went to", False),
        ("He was found at", False),
        ("Armed officers and paramedics rushed to", False),  # they went to the scene
        ("He was swiftly rushed to", True),
        ("Paramedics rushed him to", True),
        ("He was shot in a car and rushed to", True),
        ("A youth charity based in", False),  # a business is where it is based
        ("Cordons stayed along a stretch of", False),
        ("Commuters streamed out of", False),
        ("He was stabbed near", False),
        ("A shop on a petrol station forecourt in", False),
        ("A food court in", True),
        ("He was knifed yards from", False),
        ("She came from", True),
        ("A candlelit vigil was held at", True),
        ("Tributes were laid in", True),
        ("Arsonists set fire to a shed in a memorial garden in", False),
        ("He was attacked at", False),
    ],
)
def test_not_scene(before, expected):
    text = f"{before} Rye Lane on Monday."
    start = len(before) + 1
    mention = Mention("Rye Lane", start, start + len("Rye Lane"), "rye lane", ("street",))
    assert not_scene(text, mention, *last_word(text, mention)) is expected


@pytest.mark.parametrize(
    "after, expected",
    [(" for a candlelit vigil on Monday.", True), (" to hold a vigil.", True), (" on Monday after the vigil.", False)],
)
def test_where_mourners_gathered_is_no_scene(after, expected):
    text = f"Hundreds gathered outside Rye Lane{after}"
    start = text.index("Rye Lane")
    mention = Mention("Rye Lane", start, start + len("Rye Lane"), "rye lane", ("street",))
    assert not_scene(text, mention, *last_word(text, mention)) is expected


class CountingGeocoder:
    """The fixture's geocoder, keeping every query it is asked."""

    def __init__(self, geocoder) -> None:
        self.geocoder = geocoder
        self.asked: list[str] = []

    def geocode(self, query: str, *, context=()) -> Place | None:
        self.asked.append(query)
        return self.geocoder.geocode(query, context=context)


def test_story_incidents_asks_again_nothing_read_story_asked(small_extractor):
    geocoder = CountingGeocoder(small_extractor.geocoder)
    extractor = replace(small_extractor, geocoder=geocoder)
    story = read("A man was stabbed on Rye Lane on Monday. A woman was robbed on Mare Street in Hackney.", extractor)
    assert isinstance(story, Story), story
    assert geocoder.asked == ["Rye Lane", "Mare Street, Hackney", "Hackney"]
    assert list(story.geocoded) == geocoder.asked
    geocoder.asked.clear()
    incidents = story_incidents(story, extractor=extractor)
    assert [(i.place.name, i.place.precision) for i in incidents if i.place] == [
        ("Rye Lane", "street"),
        ("Mare Street", "street"),
    ]
    assert geocoder.asked == []


def test_known_answers_are_not_asked_again(small_extractor):
    geocoder = CountingGeocoder(small_extractor.geocoder)
    nowhere = StoryGeocoder(geocoder, ["Rye Lane", "Hackney"], known={"Rye Lane": None})
    assert nowhere.place("Rye Lane", name="Rye Lane") is None  # as given, though the gazetteer knows Rye Lane
    assert nowhere.place("Hackney", name="Hackney").borough == "Hackney"
    assert geocoder.asked == ["Hackney"]
    assert list(nowhere.answers()) == ["Rye Lane", "Hackney"]


def place(name: str, precision: str, north_km: float = 0.0) -> Place:
    """A place `north_km` north of Brixton."""
    return Place(name, 51.4613 + north_km * KM, -0.1156, precision, precision, "Lambeth", "E09000022", "test")


@pytest.mark.parametrize(
    "candidate, used, expected",
    [
        (place("Rye Lane", "street"), [], True),
        (place("Rye Lane", "street", 0.6), [place("Atlantic Road", "street")], True),
        (place("Rye Lane", "street", 0.4), [place("Atlantic Road", "street")], False),
        (place("Peckham Rye", "station", 0.6), [place("Atlantic Road", "street")], True),
        (place("Rye Lane", "street", 5), [place("Rye Lane", "street")], False),
        (place("Peckham", "area", 2), [place("Atlantic Road", "street")], False),
        (place("Peckham", "area", 4), [place("Atlantic Road", "street")], True),
        (place("Peckham", "area", 4), [place("Atlantic Road", "street"), place("Dalston", "area", 6)], False),
        (place("Southwark", "borough", 10), [place("Atlantic Road", "street")], False),
        (place("London", "london", 10), [], False),
    ],
    ids=[
        "first scene",
        "a street apart",
        "a street too close",
        "a station apart",
        "the same name",
        "an area too close",
        "an area apart",
        "an area too close to one of two",
        "a borough",
        "London",
    ],
)
def test_another_scene(candidate, used, expected):
    assert another_scene(candidate, used) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A man was stabbed on Coldharbour Lane.", "Coldharbour Lane"),
        ("Police were called to Moorlands Estate in Coldharbour Lane.", "Moorlands Estate, Coldharbour Lane"),
        ("Police were called to Loughborough Park, Coldharbour Lane.", "Loughborough Park, Coldharbour Lane"),
        ("Police were called to a house in Coldharbour Lane.", "Coldharbour Lane"),
    ],
)
def test_location_text(text, expected):
    start = text.index("Coldharbour Lane")
    mention = Mention("Coldharbour Lane", start, start + len("Coldharbour Lane"), "coldharbour lane", ("street",))
    assert location_text(text, mention) == expected


def test_location_text_without_a_mention():
    assert location_text("A man was stabbed.", None) is None


FILLER = "Neighbours said the area had been quiet for years and that nobody had expected any trouble. " * 5


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "A man was stabbed at a railway station in Peckham on Monday.",
            ("Peckham", "Peckham", "area", "Southwark"),
            id="a station in an area is a scene",
        ),
        pytest.param(
            "A man was stabbed in south London on Monday. Police arrested a 20-year-old in Rye Lane later that night.",
            ("Rye Lane", "Rye Lane", "street", "Southwark"),
            id="the arrest street when nothing else is named",
        ),
        pytest.param(
            "A man was stabbed in Brixton on Monday. Police arrested a 20-year-old in Rye Lane later that night.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="the arrest street ranks below the scene",
        ),
        pytest.param(
            "Traders were busy. The weather was fine. Markets were full. Shoppers filled the shops in Peckham. "
            + FILLER
            + "\nA woman was robbed on Monday night, police said. "
            + FILLER
            + "She had been shopping in Brixton.",
            ("Brixton", "Brixton", "area", "Lambeth"),
            id="the incident's paragraph beats a place named paragraphs away",
        ),
    ],
)
def test_choose_scene_rules(small_extractor, text, expected):
    assert scene(text, small_extractor) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("A man was stabbed on Monday and was held at a police station in Brixton.", id="police station"),
        pytest.param("A man was stabbed on Monday. He was arrested in Brixton later.", id="an area of arrest"),
    ],
)
def test_no_scene_narrowed_rules(small_extractor, text):
    assert read(text, small_extractor) == Rejection("scene", Reason.NO_SCENE)


@pytest.fixture(scope="module")
def extractor():
    from extract.pipeline import load_extractor

    return load_extractor()


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "A man was stabbed at the junction of Holloway Road and Seven Sisters Road on Monday.",
            ("Holloway Road", "Holloway Road / Seven Sisters Road", "junction", "Islington"),
            id="junction of A and B",
        ),
        pytest.param(
            "A cyclist was knocked down on Rye Lane at its junction with Peckham High Street on Friday.",
            ("Rye Lane", "Rye Lane / Peckham High Street", "junction", "Southwark"),
            id="A at its junction with B",
        ),
        pytest.param(
            "A man was stabbed in Bellenden Road, SE15, on Monday night.",
            ("Bellenden Road", "Bellenden Road", "street", "Southwark"),
            id="a postcode district qualifies a street",
        ),
        pytest.param(
            "A teenager was stabbed in Burgess Park on Friday evening, police said.",
            ("Burgess Park", "Burgess Park", "site", "Southwark"),
            id="a park is a site",
        ),
        pytest.param(
            "A man was shot on Sydenham Road on Sunday afternoon.",
            ("Sydenham Road", "Sydenham Road", "street", "Lewisham"),
            id="a street named after its area",
        ),
        pytest.param(
            "Two men held up a petrol station on Lea Bridge Road, Leyton, on Friday night.",
            ("Lea Bridge Road", "Lea Bridge Road", "street", "Waltham Forest"),
            id="held up: a crime's words, no arrest",
        ),
    ],
)
def test_choose_scene_on_the_real_gazetteer(extractor, text, expected):
    assert scene(text, extractor) == expected
