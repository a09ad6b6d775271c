"""Fixtures shared by test modules."""

import pytest
from dashboard_fixtures import build_incidents_db

from dashboard.filters import incidents_frame
from extract import store


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    """The dashboard's incidents DataFrame read from a real fixture database (tests/dashboard_fixtures.py)."""
    conn = store.connect_readonly(build_incidents_db(tmp_path_factory.mktemp("db") / "incidents.db"))
    try:
        return incidents_frame(store.iter_incident_rows(conn))
    finally:
        conn.close()
