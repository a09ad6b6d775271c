"""Fixtures shared by test modules."""

import pytest
from dashboard_fixtures import build_incidents_db

from dashboard.data import read_incidents


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    """The dashboard's incidents DataFrame read from a real fixture database (tests/dashboard_fixtures.py)."""
    return read_incidents(build_incidents_db(tmp_path_factory.mktemp("db") / "incidents.db"))
