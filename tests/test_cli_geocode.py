"""Tests for `python -m extract geocode`: one JSON object per query on stdout, exit 1 when any query is not found."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from extract.records import Place

ROOT = Path(__file__).resolve().parent.parent
REASON = "not found in Greater London (unknown, ambiguous without context, or outside London)"


def geocode(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "extract", "geocode", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


FOUND = [
    (
        "Bells Hill, High Barnet",
        {
            "name": "Bells Hill",
            "lat": 51.65006,
            "lon": -0.21137,
            "kind": "street",
            "precision": "street",
            "borough": "Barnet",
            "borough_code": "E09000003",
            "source": "ppd",
            "candidates": 1,
        },
    ),
    (
        "SE10 8SF",
        {
            "name": "SE10 8SF",
            "lat": 51.47637,
            "lon": -0.01082,
            "kind": "postcode",
            "precision": "postcode",
            "borough": "Greenwich",
            "borough_code": "E09000011",
            "source": "codepoint_open",
            "candidates": 1,
        },
    ),
    (
        "Seven Sisters station",
        {
            "name": "Seven Sisters",
            "lat": 51.5829,
            "lon": -0.07089,
            "kind": "station",
            "precision": "station",
            "borough": "Haringey",
            "borough_code": "E09000014",
            "source": "tfl_stations",
            "candidates": 1,
        },
    ),
    (
        "south-east London",
        {
            "name": "South-east London",
            "lat": 51.45,
            "lon": 0.02,
            "kind": "region",
            "precision": "london",
            "borough": None,
            "borough_code": None,
            "source": "regions",
            "candidates": 1,
        },
    ),
]
MISSED = ["Coldharbour Lane", "Edmonton, Alberta", "Nowhere Street"]


@pytest.fixture(scope="module")
def mixed_run() -> subprocess.CompletedProcess:
    return geocode(*[q for q, _ in FOUND], *MISSED)


def test_one_json_line_per_query_in_order(mixed_run):
    queries = [json.loads(line)["query"] for line in mixed_run.stdout.splitlines()]
    assert queries == [q for q, _ in FOUND] + MISSED


@pytest.mark.parametrize(("i", "query", "expected"), [(i, q, e) for i, (q, e) in enumerate(FOUND)])
def test_found_query_prints_the_place_fields(mixed_run, i, query, expected):
    obj = json.loads(mixed_run.stdout.splitlines()[i])
    assert obj == {"query": query, **expected}
    assert list(obj) == ["query", *(f.name for f in dataclasses.fields(Place))]


@pytest.mark.parametrize(("i", "query"), [(len(FOUND) + i, q) for i, q in enumerate(MISSED)])
def test_missed_query_prints_null_and_a_reason(mixed_run, i, query):
    assert json.loads(mixed_run.stdout.splitlines()[i]) == {"query": query, "lat": None, "lon": None, "reason": REASON}


def test_any_miss_exits_1(mixed_run):
    assert (mixed_run.returncode, mixed_run.stderr) == (1, "")


def test_all_found_exits_0():
    run = geocode("Peckham", "SE15")
    assert (run.returncode, len(run.stdout.splitlines()), run.stderr) == (0, 2, "")


def test_context_option_decides_an_ambiguous_street():
    run = geocode("Coldharbour Lane", "--context", "Camberwell")
    obj = json.loads(run.stdout)
    assert (run.returncode, obj["name"], obj["borough"], obj["precision"]) == (
        0,
        "Coldharbour Lane",
        "Southwark",
        "street",
    )


@pytest.mark.parametrize(
    ("args", "code", "stderr_has"),
    [
        pytest.param((), 2, "the following arguments are required: queries", id="no-query"),
        pytest.param(("--online", "nominatim", "Peckham"), 1, "error: nominatim: a user_agent", id="no-user-agent"),
        pytest.param(("--online", "bing", "Peckham"), 2, "invalid choice: 'bing'", id="unknown-provider"),
    ],
)
def test_geocode_fail(args, code, stderr_has):
    run = geocode(*args)
    assert (run.returncode, run.stdout) == (code, "")
    assert stderr_has in run.stderr


PHRASES = [
    ("Mare Street, near the Hackney Empire", ("Mare Street", "street", "Hackney")),
    ("outside Clapham Junction station", ("Clapham Junction", "station", "Wandsworth")),
    (
        "junction of Holloway Road and Seven Sisters Road, N7",
        ("Holloway Road / Seven Sisters Road", "junction", "Islington"),
    ),
    ("a flat in Walthamstow", ("Walthamstow", "area", "Waltham Forest")),
    ("Ruskin Park, Lambeth", ("Ruskin Park", "site", "Lambeth")),
    ("Kingsland Road (by the canal), Dalston", ("Kingsland Road", "street", "Hackney")),
    ("Croydon, Victoria", None),
    ("Dartford, Kent", None),
    ("Hamilton, New Zealand", None),
    ("Bristol city centre", None),
]


def test_phrases_people_type_or_copy():
    run = geocode(*[q for q, _ in PHRASES])
    got = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(o["query"], (o["name"], o["precision"], o["borough"]) if o["lat"] else None) for o in got] == PHRASES
    assert (run.returncode, run.stderr) == (1, "")
