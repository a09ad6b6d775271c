"""dashboard/serve.py: a real server runs the map page once as it starts, before anyone opens it."""

import os
import time
from pathlib import Path

import pytest
from streamlit_server import streamlit_server

from extract import store
from extract.pipeline import ingest_paths

pytestmark = pytest.mark.slow  # a real server: `make test` runs it, `make check` leaves it out

ROOT = Path(__file__).resolve().parent.parent
WARM_SECONDS = 60  # Streamlit's script check gives up after 60 s


def warm_line(log_path: Path) -> str:
    """Return the line the server writes once its warm-up is over, waiting for it."""
    deadline = time.monotonic() + WARM_SECONDS
    while time.monotonic() < deadline:
        if found := [line for line in log_path.read_text().splitlines() if "The map page's data" in line]:
            return found[0].strip()
        time.sleep(0.2)
    raise AssertionError(f"no warm-up line in:\n{log_path.read_text()}")


def test_the_server_builds_a_missing_database_and_loads_it_before_the_first_page(tmp_path):
    fresh = tmp_path / "fresh" / "incidents.db"
    env = {**os.environ, "INCIDENTS_DB": str(fresh), "CRIMEMAP_CACHE_DIR": str(tmp_path / "cache")}
    log_path = tmp_path / "streamlit.log"
    with streamlit_server(env, log_path):  # no page is opened
        line = warm_line(log_path)
        assert line.startswith("The map page's data warmed in "), line
        assert fresh.exists()
        reference = tmp_path / "cli.db"
        ingest_paths(sorted(p for p in (ROOT / "seeds").iterdir() if p.is_file()), db_path=reference)
        built, cli = store.connect_readonly(fresh), store.connect_readonly(reference)
        try:
            assert store.count_incidents(built) > 0
            assert list(store.iter_incident_rows(built)) == list(store.iter_incident_rows(cli))
        finally:
            built.close(), cli.close()
