"""Fixtures shared by test modules."""

import os
import shutil
import sys
import tempfile

import pytest
from dashboard_fixtures import build_incidents_db
from streamlit.testing.v1 import AppTest
from streamlit_server import discovered_components

from dashboard.data import read_incidents, shown_rows
from extract.cache import CACHE_ENV

CACHE_DIR = tempfile.mkdtemp(prefix="crimemap-cache-")


def pytest_configure(config):
    # The extractor's start-up cache (extract/cache.py) goes to a directory of this run, not the user's own cache:
    # set in the environment, so the servers and commands the tests start use it too.
    os.environ[CACHE_ENV] = CACHE_DIR


def pytest_unconfigure(config):
    shutil.rmtree(CACHE_DIR, ignore_errors=True)


@pytest.fixture(autouse=True, scope="session")
def components_discovered_once():
    """Every AppTest is given the installed packages' components discovered once (at the first AppTest), as a server
    discovers them when it starts: each AppTest discovered them at its first run (about 280 times in the dashboard's
    tests)."""
    made = AppTest.__init__

    def given(self, *args, **kwargs):
        made(self, *args, **kwargs)
        self._bidi_component_manager = discovered_components()

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(AppTest, "__init__", given)
        yield


@pytest.fixture(autouse=True)
def main_module_kept():
    """Put back the `__main__` an AppTest replaced: Streamlit's script runner installs the page as `__main__` and
    leaves it there, and a worker process spawned later (ingest --workers, Dask) would run the page again on import,
    opening the default database in the checkout."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    """The dashboard's incidents DataFrame read from a real fixture database (tests/dashboard_fixtures.py), each
    row whole as the page shows it (with its texts) to an editor."""
    db = build_incidents_db(tmp_path_factory.mktemp("db") / "incidents.db")
    return shown_rows(db, read_incidents(db).index, public_view=False, events_view=False)


SMALL_BOROUGHS = {  # name -> (GSS code, (west, south, east, north)): rectangles roughly where the boroughs lie
    "Lambeth": ("E09000022", (-0.150, 51.420, -0.100, 51.510)),
    "Southwark": ("E09000028", (-0.100, 51.420, -0.030, 51.510)),
    "Hackney": ("E09000012", (-0.110, 51.530, -0.020, 51.580)),
}
SMALL_PLACES = (  # kind, name, lat, lon, borough, outcode, locality
    ("borough", "Lambeth", 51.4600, -0.1200, "Lambeth", "", ""),
    ("borough", "Southwark", 51.4700, -0.0700, "Southwark", "", ""),
    ("borough", "Hackney", 51.5500, -0.0600, "Hackney", "", ""),
    ("area", "Brixton", 51.4613, -0.1156, "Lambeth", "SW9", ""),
    ("station", "Brixton", 51.4627, -0.1145, "Lambeth", "SW9", ""),
    ("area", "Peckham", 51.4740, -0.0690, "Southwark", "SE15", ""),
    ("station", "Peckham Rye", 51.4699, -0.0694, "Southwark", "SE15", "Peckham"),
    ("area", "Camberwell", 51.4740, -0.0930, "Southwark", "SE5", ""),
    ("area", "Camberwell Green", 51.4741, -0.0921, "Southwark", "SE5", "Camberwell"),
    ("area", "Dalston", 51.5460, -0.0750, "Hackney", "E8", ""),
    ("street", "Rye Lane", 51.4700, -0.0680, "Southwark", "SE15", "Peckham"),
    ("street", "Denmark Hill", 51.4680, -0.0900, "Southwark", "SE5", "Camberwell"),
    ("street", "Coldharbour Lane", 51.4640, -0.1080, "Lambeth", "SW9", "Brixton"),
    ("street", "Atlantic Road", 51.4610, -0.1140, "Lambeth", "SW9", "Brixton"),
    ("street", "Brixton Road", 51.4680, -0.1130, "Lambeth", "SW9", "Brixton"),
    ("street", "Kingsland Road", 51.5450, -0.0760, "Hackney", "E8", "Dalston"),
    ("street", "Mare Street", 51.5450, -0.0550, "Hackney", "E8", "Hackney"),
    ("area", "Stoke Newington", 51.5620, -0.0760, "Hackney", "N16", ""),
    ("area", "Leyton", 51.5660, -0.0250, "Hackney", "E10", ""),  # Waltham Forest's: the nearest rectangle here
    ("street", "High Road Leyton", 51.5650, -0.0260, "Hackney", "E10", "Leyton"),
    ("street", "Stoke Newington High Street", 51.5610, -0.0740, "Hackney", "N16", "Stoke Newington"),
    ("street", "Inner London Crown Court", 51.4986, -0.0978, "Southwark", "SE1", ""),  # a bus stop, in TfL's data
    ("region", "London", 51.5074, -0.1278, None, "", ""),
    ("region", "South London", 51.4400, -0.1000, None, "", ""),
)
"""A handful of real London places, near where they are, for the reading heuristics' tests."""


@pytest.fixture(scope="session")
def small_gazetteer():
    """A Gazetteer of SMALL_PLACES in the three SMALL_BOROUGHS rectangles; Essex, Devon and Ontario are elsewhere."""
    from extract.geo.gazetteer import Entry, Gazetteer
    from extract.geo.names import name_key

    features = [
        {
            "type": "Feature",
            "properties": {"name": name, "code": code},
            "geometry": {"type": "Polygon", "coordinates": [[(w, s), (e, s), (e, n), (w, n), (w, s)]]},
        }
        for name, (code, (w, s, e, n)) in SMALL_BOROUGHS.items()
    ]
    entries = [
        Entry(
            kind=kind,
            precision={"region": "london", "borough": "borough"}.get(kind, kind),
            name=name,
            key=name_key(name),
            lat=lat,
            lon=lon,
            borough_code=SMALL_BOROUGHS[borough][0] if borough else "",
            outcode=outcode,
            ward="",
            locality=locality,
            weight=1,
            source="test",
        )
        for kind, name, lat, lon, borough, outcode, locality in SMALL_PLACES
    ]
    return Gazetteer(
        entries,
        {"type": "FeatureCollection", "features": features},
        non_london=frozenset(name_key(n) for n in ("Essex", "Devon", "Ontario")),
        postcodes_path=None,
    )


@pytest.fixture(scope="session")
def small_extractor(small_gazetteer):
    """An Extractor over the small gazetteer, with the real vocabularies and its offline geocoder."""
    from extract.pipeline import load_extractor

    return load_extractor(gazetteer=small_gazetteer)


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server with PostGIS (tests/postgres_server.py) for the session; failing to start fails."""
    from postgres_server import start_server

    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """The URL of a new, empty PostgreSQL database with PostGIS."""
    return postgres_server.new_database()
