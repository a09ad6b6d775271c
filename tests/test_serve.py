"""dashboard/serve.py: a real server runs the map page once as it starts, before anyone opens it."""

import os
import urllib.request
from pathlib import Path

import pytest
from streamlit_server import streamlit_server, warm_line

from extract import store
from extract.cache import CACHE_ENV
from extract.pipeline import ingest_paths

pytestmark = pytest.mark.slow  # a real server: `make test` runs it, `make check` leaves it out

ROOT = Path(__file__).resolve().parent.parent
WARM_SECONDS = 90  # Streamlit's script check gives up after 60 s, and says so
READERS_FRAMES = ("dashboard.data._cached_public", "dashboard.data._cached_without_texts")  # what the map page reads


def warmed_line(log_path: Path) -> str:
    """Return the line the server writes once its warm-up is over, waiting for it."""
    line = warm_line(log_path, seconds=WARM_SECONDS)
    assert line is not None, f"no warm-up line in:\n{log_path.read_text()}"
    return line


def cached(url: str) -> str:
    """Return the server's Streamlit caches as its metrics list them: one line per cache that holds a value."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics?families=cache_memory_bytes", timeout=30) as response:
        return response.read().decode()


def test_the_server_builds_a_missing_database_and_loads_the_map_before_the_first_page(tmp_path):
    fresh = tmp_path / "fresh" / "incidents.db"
    env = {**os.environ, CACHE_ENV: str(tmp_path / "cache")}
    env.pop("INCIDENTS_DB", None)
    log_path = tmp_path / "streamlit.log"
    with streamlit_server(env, log_path, args=["--db", str(fresh)]) as url:  # no page is opened
        line = warmed_line(log_path)
        assert line.startswith("The map page's data warmed in "), line
        assert [name for name in READERS_FRAMES if f'cache="{name}"' not in cached(url)] == []
    reference = tmp_path / "cli.db"
    ingest_paths(sorted(p for p in (ROOT / "seeds").iterdir() if p.is_file()), db_path=reference)
    built, cli = store.connect_readonly(fresh), store.connect_readonly(reference)
    try:
        assert store.count_incidents(built) > 0
        assert list(store.iter_incident_rows(built)) == list(store.iter_incident_rows(cli))
    finally:
        built.close()
        cli.close()


def test_a_database_the_page_cannot_use_is_said_and_nothing_is_loaded(tmp_path):
    env = {**os.environ, "INCIDENTS_DB": str(tmp_path), CACHE_ENV: str(tmp_path / "cache")}  # a directory
    log_path = tmp_path / "streamlit.log"
    with streamlit_server(env, log_path) as url:
        line = warmed_line(log_path)
        assert line.startswith("The map page's data not warmed (The incidents database "), line
        assert "cannot be used (not a regular file)" in line
        assert [name for name in READERS_FRAMES if f'cache="{name}"' in cached(url)] == []
