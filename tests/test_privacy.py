"""What the public view masks: private persons' names as "[name]" (and what stays), and sexual offences at a street's
or an area's centre with a neutral sentence and no victim ages. Every sentence here is written for these tests."""

import json

import h3
import numpy as np
import pandas as pd
import pytest
from dashboard_fixtures import NAMED, Case, build_incidents_db, place
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import data
from dashboard.display import csv_download, geojson_download
from dashboard.privacy import (
    NAME_MASK,
    NEUTRAL_EVIDENCE,
    NEUTRAL_HEADLINE,
    SNAP_RESOLUTION,
    find_names,
    mask_names,
    may_name,
    protected_rows,
    public_incidents,
    shift,
)
from extract import store
from extract.records import PRECISION_ORDER
from extract.text.screening import load_name_vocabulary


@pytest.fixture(scope="module")
def vocabulary():
    return load_name_vocabulary()


def masked(text, vocabulary, **options):
    return mask_names(text, find_names(text, vocabulary, **options))


@pytest.mark.parametrize(
    "text, expected",
    [
        # a listed first name with a surname, and the surname alone later
        (
            "Sarah Okonjo was pushed to the ground on Mare Street. Okonjo was treated by paramedics.",
            "[name] was pushed to the ground on Mare Street. [name] was treated by paramedics.",
        ),
        # an unlisted first name after a cue, and with an age
        (
            "The victim, named locally as Tunde Bakare, was found near the market.",
            "The victim, named locally as [name], was found near the market.",
        ),
        (
            "Kwabena Asante, 41, of Walworth, was charged on Tuesday.",
            "[name], 41, of Walworth, was charged on Tuesday.",
        ),
        ("Ola Reyes (27) was arrested at the scene.", "[name] (27) was arrested at the scene."),
        (
            "Tributes have been paid to Kofi Mensah, whose family said he loved football.",
            "Tributes have been paid to [name], whose family said he loved football.",
        ),
        # a title keeps its place, the name goes
        ("Mrs Adeyemi told the court she heard shouting.", "Mrs [name] told the court she heard shouting."),
        # a possessive stays outside the mask
        ("Emily Hart's car was set alight overnight.", "[name]'s car was set alight overnight."),
        # a first name alone
        ("Jamie was walking home when he was attacked.", "[name] was walking home when he was attacked."),
        # the same name in a later sentence after a title
        ("Daniel Price was robbed. Mr Price said he was shaken.", "[name] was robbed. Mr [name] said he was shaken."),
        # letters beyond ASCII, in a title's, an age's and a cue's names, and a listed first name with an accent
        ("Mrs Élodie Dupont was hurt.", "Mrs [name] was hurt."),
        ("Zoë Qwerty, 34, was hurt.", "[name], 34, was hurt."),
        ("Sinéad O\u2019Brien, 34, was hurt. O\u2019Brien was treated.", "[name], 34, was hurt. [name] was treated."),
        ("the victim, Łukasz Nowak, was named.", "the victim, [name], was named."),
        ("Seán Murphy was hurt.", "[name] was hurt."),  # "sean" in first_names.txt
        ("Se\u0301an was hurt.", "[name] was hurt."),  # the accent as a combining mark
        ("Ms Gülşen Öztürk told the court.", "Ms [name] told the court."),
        ("The victim, named as Олег Петров, 40, was hurt.", "The victim, named as [name], 40, was hurt."),
        # a surname with a particle, masked whole
        ("John de Souza, 31, was hurt. Souza was treated.", "[name], 31, was hurt. [name] was treated."),
        ("Pedro da Silva, 40, was robbed on Acre Lane.", "[name], 40, was robbed on Acre Lane."),
        # a hyphenated first name, by its first part
        ("Mary-Jane Smith was pushed over.", "[name] was pushed over."),
        ("Anne-Marie was walking home.", "[name] was walking home."),
        # after a word never in a name, a person when an age or a cue says so
        ("Teenager Kwabena Asante, 17, was stabbed.", "Teenager [name], 17, was stabbed."),
        ("On Friday Sarah Jones, 34, was punched.", "On Friday [name], 34, was punched."),
        # headlines in Title Case: a first name and the word after it, wherever the run of capitals starts
        ("Sarah Jones Stabbed In Hackney", "[name] Stabbed In Hackney"),
        ("Mum Of Three Sarah Jones Dies After Attack", "Mum Of Three [name] Dies After Attack"),
        ("Tributes Paid To Daniel Price After Peckham Stabbing", "Tributes Paid To [name] After Peckham Stabbing"),
        ("Mr Price Robbed On Rye Lane", "Mr [name] Robbed On Rye Lane"),
        ("Sarah Jones Family Pay Tribute", "[name] Family Pay Tribute"),  # only a place word says a place there
        ("Daniel Price Murder Trial Begins", "[name] Murder Trial Begins"),
        # a given name beyond the common ones, with a surname; in a Title Case headline too
        ("Sabina Quillfeather was walking through the park.", "[name] was walking through the park."),
        ("Tributes Paid To Kofi Mensah After Peckham Stabbing", "Tributes Paid To [name] After Peckham Stabbing"),
        ("Kofi-Mensah Boateng was hurt.", "[name] was hurt."),
        ("Police said LaToya Okonkwo was stabbed.", "Police said [name] was stabbed."),
        ("Police said McKenzie Okonkwo was stabbed.", "Police said [name] was stabbed."),
        # after a noun for a person, a name may follow, in a Title Case headline or opening a sentence
        ("Stabbed Boy Jayden Smith Named By Police", "Stabbed Boy [name] Named By Police"),
        ("Teenager Sarah Jones Stabbed In Hackney", "Teenager [name] Stabbed In Hackney"),
        ("Woman Grace Taylor Attacked On Bus", "Woman [name] Attacked On Bus"),
        ("Teenager Daniel Price was stabbed.", "Teenager [name] was stabbed."),
        # a common word after a name names no place ("Adam Street" does)
        ("Tributes to Daniel Price After the attack", "Tributes to [name] After the attack"),
    ],
)
def test_private_names_are_masked(vocabulary, text, expected):
    assert masked(text, vocabulary) == expected


@pytest.mark.parametrize(
    "text",
    [
        # officers quoted by role
        "Detective Inspector Laura Finch said the inquiry was at an early stage.",
        "Det Supt Owen Marsh appealed for witnesses.",
        "PC Helen Grant gave first aid before the ambulance arrived.",
        "said detective sergeant Chris Doyle, who leads the team.",
        # public figures
        "The mayor, Sadiq Khan, said the attack was shocking.",
        # public institutions and places named after people
        "She was taken to St Thomas' Hospital in a stable condition.",
        "The boy was stabbed outside Charles Darwin Academy in Bethnal Green.",
        "A car was stolen on Adam Street overnight.",
        "Patients at the Queen Elizabeth Hospital were moved to another ward.",
        "Queen Elizabeth Hospital, 12 miles away, took the injured.",
        "The Queen Elizabeth, 80, sailed from Southampton.",  # one word after "Queen": an age alone is no name
        "At Oxford Circus, 12 people were hurt.",  # a number after a place is no age
        "In Victoria, police said a man was hurt.",  # a first name that opens a clause: a place as often
        "Man Stabbed In Victoria",  # a lone first name in a Title Case headline
        "Woman Robbed Near Kelly Street",
        "Man Charged After Woman Attacked In Park",
        "Kofi was hurt.",  # a given name alone: a name only with a surname after it
        "Victoria Station Closed After Stabbing",
        "Stabbing Near Charles Darwin Academy",
        "Man Dies At St Thomas' Hospital",
        "Fans of West Ham United, 25 of them, were held.",
        "Officers from the Metropolitan Police and London Ambulance Service attended.",
        # no names at all
        "A man in his twenties was stabbed on Monday night.",
        # capitalised words with accents that name no one
        "A man was robbed outside Café Rouge on Mare Street.",
        "A man was robbed outside Café de Paris on Mare Street.",
        "Two men were stopped near the Brasserie Zédel in Soho.",
        "The café on Acre Lane was closed after the attack.",
    ],
)
def test_public_names_and_places_stay(vocabulary, text):
    assert masked(text, vocabulary) == text


def test_officer_keeps_name_while_victim_is_masked(vocabulary):
    text = "Sergeant Mark Hale said Lucy Tran, 19, had been followed from the station."
    assert masked(text, vocabulary) == "Sergeant Mark Hale said [name], 19, had been followed from the station."


def test_keep_spans_are_never_masked(vocabulary):
    text = "A man was robbed on Victoria Walk."
    assert masked(text, vocabulary, keep=[(20, 33)]) == text


def test_known_names_from_the_headline_are_masked_in_the_evidence(vocabulary):
    text = "Asante was found injured in the stairwell."
    assert masked(text, vocabulary) == text
    assert masked(text, vocabulary, known={"Asante"}) == f"{NAME_MASK} was found injured in the stairwell."


NAMING = [
    "Sarah Okonjo was pushed.",
    "named locally as Tunde Bakare",
    "victim:  Tunde Bakare",
    "Kwabena Asante, 41, was charged.",
    "Kwabena Asante, aged 41, was charged.",
    "Ola Reyes (27) was arrested.",
    "mrs. Adeyemi told the court.",
    "itemsMrs Adeyemi told the court.",  # a capitalised word may start inside another (NAME_WORD)
    "the SarAh Okonjo case",  # NAME_WORD folds "SarAh" to a listed first name
    "Kwabena Asante,\u00a0\u0663 was charged.",  # Python's \s and \d are Unicode's
    # _prefix's window cut inside a word ending in a title: the title before blanks filling the rest of the window
    "Xmr" + " " * 28 + "Adeyemi told the court.",
    "the v\u0131ctim Tunde Bakare was hurt.",  # Python's IGNORECASE matches a dotless i for an i; RE2's does not
    "the V\u0130CTIM: Tunde Bakare was hurt.",  # nor a dotted capital I
    # letters beyond ASCII: NAME_WORD's capitals are Unicode's
    "Mrs Élodie Dupont was hurt.",
    "Zoë Qwerty, 34, was hurt.",
    "Sinéad O\u2019Brien, 34, was hurt.",
    "the victim, Łukasz Nowak, was named.",
    "Qwerty Nowaková, 34, was hurt.",  # a name ending in a letter beyond ASCII before its age
    "Seán was hurt.",  # a listed first name ("sean") only once its accent is folded
    "Se\u0301an was hurt.",
    "\u212aate was hurt.",  # a Kelvin sign lower-cases to a "k": "kate"
    "\u0130an was hurt.",  # a dotted capital I lower-cases to an "i" and a combining dot: "ian"
    "Sarah\u0301 was hurt.",
    "Ōla Reyes (27) was arrested.",
]


@pytest.mark.parametrize("text", NAMING)
def test_screen_finds_every_text_that_names_someone(vocabulary, text):
    assert find_names(text, vocabulary)
    assert may_name(pd.Series([text]), vocabulary).tolist() == [True]


@pytest.mark.parametrize(
    "text",
    [
        "A man in his twenties was stabbed on Monday night.",
        "Police were called to Rye Lane at 9pm.",
        "",
        None,
        "The victim\u2019s car, worth £20,000, was taken \u2013 the café was shut.",  # non-ASCII, but no capital
    ],
)
def test_screen_passes_texts_without_a_chance_of_a_name(vocabulary, text):
    assert may_name(pd.Series([text], dtype=object), vocabulary).tolist() == [False]


def test_screen_of_a_frame_is_per_row_of_any_column(vocabulary):
    """A frame's columns are screened in one pass: a row may name someone when any of its texts may."""
    texts = pd.DataFrame(
        {
            "headline": ["Man stabbed", "Sarah Jones charged", None, "Mr Okonjo hurt", ""],
            "evidence": ["Police were called.", "A man was held.", "Sarah was hurt.", "Ola Reyes (27) was held.", ""],
        }
    )
    one_by_one = may_name(texts["headline"], vocabulary) | may_name(texts["evidence"], vocabulary)
    assert may_name(texts, vocabulary).tolist() == one_by_one.tolist() == [False, True, True, True, False]
    assert may_name(texts.iloc[:0], vocabulary).tolist() == []


# Pieces of the texts that make find_names find a name, and of those that nearly do.
PIECES = ["Mr", "mrs.", "Sarah", "SarAh", "Okonjo", "Ola Reyes", "victim", "named locally as", "Street", "aged"]
PIECES += [",", " ", "(27)", "41", "\u00a0", "\u0663", "\u2019s", "-", ".", "x", " " * 27, "v\u0131ctim"]
PIECES += ["Zoë", "Se", "án", "\u0301", "ë", "É", "Łukasz", "O\u2019Brien", "\u212aate", "\u0130an", "Ola Nowaková"]
PIECES += [
    "Sabina",
    "SABINA",
    "Quillfeather",
    "-Kofi",
    "Kofi-",
    "kofi",
    "Stabbed In",
    "LaToya",
    "McKenzie",
    "Teenager",
    "Boy",
]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8))
def test_screen_never_passes_a_text_find_names_masks(pieces):
    vocabulary = load_name_vocabulary()
    text = "".join(pieces)
    if find_names(text, vocabulary):
        assert may_name(pd.Series([text]), vocabulary).tolist() == [True], text


@pytest.mark.parametrize(
    "offset, expected",
    [(0, 0), (10, None), (20, 16), (30, 26)],
)
def test_shift_moves_offsets_past_masked_spans(offset, expected):
    assert shift(offset, [(5, 15)]) == expected  # ten characters become six


SEXUAL = Case(
    "common",
    "Woman attacked on path near Clapham Common",
    "A woman was sexually assaulted on a path near Clapham Common. Zara Quinn, 23, was walking home.",
    "Zara Quinn, 23, was walking home.",
    "sexual_offence",
    "violence and sexual offences",
    "sexually assaulted",
    place("Clapham Common station", 51.46180, -0.13830, "station", "Lambeth", "E09000022", kind="station"),
    "Clapham Common",
    "2024-04-12",
    False,
    None,
    url="https://news.example/common",
    ages=(23,),
)
ON_STREET = Case(
    "street",
    "Assault reported on Acre Lane",
    "A sexual assault was reported on Acre Lane on Sunday.",
    "A sexual assault was reported on Acre Lane on Sunday.",
    "sexual_offence",
    "violence and sexual offences",
    "sexual assault",
    place("Acre Lane", 51.46000, -0.12000, "street", "Lambeth", "E09000022"),
    "Acre Lane",
    "2024-04-14",
    False,
    None,
)


@pytest.fixture(scope="module")
def incidents(tmp_path_factory):
    path = build_incidents_db(tmp_path_factory.mktemp("db") / "incidents.db", cases=(SEXUAL, ON_STREET, NAMED))
    return data.shown_rows(path, data.incidents(path).index, public_view=False, events_view=False)  # with texts


@pytest.fixture(scope="module")
def public(incidents, vocabulary):
    return public_incidents(incidents, vocabulary)


def test_names_masked_in_headline_and_evidence_with_spans_moved(public, incidents):
    row = public.loc["named:0"]
    assert (row["headline"], row["evidence"]) == (
        "Tributes to [name] after Peckham stabbing",
        "[name], 22, was stabbed on Rye Lane in Peckham.",
    )
    start = int(row["evidence_start"])
    assert row["evidence"][row["place_start"] - start : row["place_end"] - start] == "Rye Lane"
    assert row["evidence"][row["type_start"] - start : row["type_end"] - start] == "stabbed"
    assert incidents.loc["named:0", "evidence"].startswith("Kofi Mensah")  # editors' frame untouched


def test_sexual_offence_is_drawn_at_a_centre_without_details(public, incidents):
    row, original = public.loc["common:0"], incidents.loc["common:0"]
    centre = h3.cell_to_latlng(h3.latlng_to_cell(original["lat"], original["lon"], SNAP_RESOLUTION))
    assert (row["lat"], row["lon"]) == pytest.approx(centre)
    assert (row["lat"], row["lon"]) != (original["lat"], original["lon"])
    assert (row["precision"], row["place_name"], row["precision_rank"]) == ("area", "Lambeth", PRECISION_ORDER["area"])
    assert pd.isna(row["location_text"]) and pd.isna(row["place_kind"])
    assert row["cell"] == h3.latlng_to_cell(*centre, h3.get_resolution(original["cell"]))
    assert (row["headline"], row["evidence"], row["victim_ages"]) == (NEUTRAL_HEADLINE, NEUTRAL_EVIDENCE, "[]")
    assert [row[c] for c in ("type_start", "type_end", "place_start", "place_end")] == [pd.NA] * 4


FINER = SNAP_RESOLUTION + 2


@pytest.mark.parametrize("kind", ["str", object])  # the frames' text, and Python objects
@pytest.mark.parametrize(
    "cell, expected_cell",
    [
        ("the point's", "the point's"),  # a centre lies in its own hexagon
        ("finer", "the centre's, as fine"),
        ("missing", "missing"),
        ("no column", "no column"),
    ],
)
def test_sexual_offence_moves_to_its_hexagons_centre_whatever_cell_it_has(
    incidents, vocabulary, cell, expected_cell, kind
):
    # As the dashboard's shared frames hold it: without the texts, which the rows shown get (data.texts_of).
    row = incidents.loc[["common:0"]].drop(columns=list(store.MAP_TEXTS)).copy()
    lat, lon = row["lat"].iloc[0], row["lon"].iloc[0]
    centre = h3.cell_to_latlng(h3.latlng_to_cell(lat, lon, SNAP_RESOLUTION))
    cells = {
        "the point's": h3.latlng_to_cell(lat, lon, SNAP_RESOLUTION),
        "finer": h3.latlng_to_cell(lat, lon, FINER),
        "missing": None,
    }
    if cell == "no column":
        row = row.drop(columns="cell")
    else:
        row["cell"] = pd.Series([cells[cell]], index=row.index, dtype=kind)
    given = row.copy()
    shown = public_incidents(row, vocabulary).iloc[0]
    pd.testing.assert_frame_equal(row, given)  # the caller's frame as it was
    assert (shown["lat"], shown["lon"]) == centre
    expected = {
        "the point's": cells["the point's"],
        "the centre's, as fine": h3.latlng_to_cell(*centre, FINER),
    }
    if expected_cell == "no column":
        assert "cell" not in shown
    elif expected_cell == "missing":
        assert pd.isna(shown["cell"])
    else:
        assert shown["cell"] == expected[expected_cell]


@pytest.mark.parametrize(
    "types, events, expected",
    [
        (["stabbing", "sexual_offence"], [None, None], [False, True]),
        (["assault", "sexual_offence", "assault"], ["e1", "e1", "e2"], [True, True, False]),  # another outlet's report
        (["assault", "assault"], ["e1", "e1"], [False, False]),
        (["sexual_offence", "assault"], [None, None], [True, False]),  # no event: nothing shared
        ([], [], []),
    ],
)
def test_protected_rows_are_sexual_offences_and_their_events_other_reports(types, events, expected):
    frame = pd.DataFrame({"type": pd.Series(types, dtype="str"), "event_id": pd.Series(events, dtype=object)})
    assert protected_rows(frame).tolist() == expected
    assert protected_rows(frame.drop(columns="event_id")).tolist() == [t == "sexual_offence" for t in types]


def test_an_events_other_report_is_protected_as_its_sexual_offence_is(incidents, vocabulary):
    """Two outlets' reports of one attack, one read as an assault: the assault's headline, sentence, ages and station
    would tell what the protected report does not."""
    both = incidents.loc[["common:0", "named:0"]].drop(columns="protected")  # as found anew of these rows
    both["event_id"] = "e1"
    both.loc["named:0", ["type", "precision", "geocode_source"]] = ["assault", "station", "tfl_stations"]
    shown = public_incidents(both, vocabulary).loc["named:0"]
    original = both.loc["named:0"]
    centre = h3.cell_to_latlng(h3.latlng_to_cell(original["lat"], original["lon"], SNAP_RESOLUTION))
    assert (shown["headline"], shown["evidence"], shown["victim_ages"]) == (NEUTRAL_HEADLINE, NEUTRAL_EVIDENCE, "[]")
    assert (shown["lat"], shown["lon"]) == pytest.approx(centre) and shown["precision"] == "area"
    assert pd.isna(shown["geocode_source"]) and pd.isna(shown["location_text"])
    alone = public_incidents(both.assign(protected=[True, False]), vocabulary).loc["named:0"]
    assert alone["evidence"] == "[name], 22, was stabbed on Rye Lane in Peckham."  # the frame's `protected` rules


def test_sexual_offence_on_a_street_keeps_the_street_centre(public, incidents):
    row = public.loc["street:0"]
    assert (row["lat"], row["lon"], row["precision"], row["place_name"]) == (51.46, -0.12, "street", "Acre Lane")
    assert (row["evidence"], row["victim_ages"]) == (NEUTRAL_EVIDENCE, "[]")


def test_masking_keys_on_the_type_not_the_category(public):
    assert public.loc["named:0", "evidence"] != NEUTRAL_EVIDENCE  # a stabbing shares the police.uk category
    assert public.loc["named:0", "victim_ages"] == "[22]"


def test_public_incidents_mask_as_masking_every_row_does(incidents, vocabulary, monkeypatch):
    from dashboard import privacy

    screened = privacy.public_incidents(incidents, vocabulary)
    monkeypatch.setattr(privacy, "may_name", lambda texts, vocabulary: np.ones(len(texts), dtype=bool))
    pd.testing.assert_frame_equal(screened, privacy.public_incidents(incidents, vocabulary))


def test_public_incidents_of_an_empty_frame(incidents, vocabulary):
    assert public_incidents(incidents.iloc[:0], vocabulary).empty


def test_downloads_of_the_public_view_are_masked(public):
    csv_text, geojson_text = csv_download(public), geojson_download(public)
    for text in (csv_text, geojson_text):
        assert "Mensah" not in text and "Zara Quinn" not in text and "[name]" in text
    features = {f["properties"]["incident_id"]: f for f in json.loads(geojson_text)["features"]}
    assert features["common:0"]["properties"]["evidence"] == NEUTRAL_EVIDENCE
    assert features["common:0"]["properties"]["victim_ages"] == []


ONE_ATTACK = [  # two outlets' reports of one attack: the second is read as an assault, and tells the victim's age
    {
        "id": "first",
        "headline": "Woman sexually assaulted in south London",
        "url": "https://a.example/1",
        "published": "2024-04-13",
        "text": "A woman was sexually assaulted near Clapham Common station on Friday night, police said.",
    },
    {
        "id": "second",
        "headline": "Police appeal after attack near Clapham Common station",
        "url": "https://b.example/2",
        "published": "2024-04-14",
        "text": "A 23-year-old woman was attacked near Clapham Common station on Friday night, police said.",
    },
]


def test_readers_see_an_events_other_reports_as_protected(tmp_path):
    from extract.pipeline import ingest_paths

    source, db = tmp_path / "attack.jsonl", tmp_path / "attack.db"
    source.write_text("".join(json.dumps(a) + "\n" for a in ONE_ATTACK), encoding="utf-8")
    assert not ingest_paths([source], db_path=db).errors
    editors = data.incidents(db)
    assert sorted(editors["type"]) == ["assault", "sexual_offence"] and editors["event_id"].nunique() == 1
    shown = data.shown_rows(db, editors.index, public_view=True, events_view=False)
    assert set(shown["headline"]) == {NEUTRAL_HEADLINE} and set(shown["evidence"]) == {NEUTRAL_EVIDENCE}
    assert set(shown["victim_ages"]) == {"[]"} and set(shown["precision"]) == {"area"}
    assert len(set(zip(shown["lat"], shown["lon"]))) == 1  # both at the hexagon's centre
    for query, public_view, found in [("23-year-old", True, 0), ("Clapham Common", True, 0), ("23-year-old", False, 1)]:
        matches = data.text_matches(db, query, public_view=public_view, events_view=False)
        assert int(matches.sum()) == found, (query, public_view)


@pytest.mark.parametrize(
    "text", ["Police said LaToya Okonkwo was stabbed.", "Police said McKenzie Okonkwo was stabbed."]
)
def test_screen_finds_given_names_however_capitalised(vocabulary, text):
    assert find_names(text, vocabulary)
    assert may_name(pd.Series([text]), vocabulary).tolist() == [True]
