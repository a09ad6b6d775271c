"""dashboard/serve.py: a real server runs the map page once as it starts, before anyone opens it, and again once the
map's rows have changed."""

import asyncio
import os
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit_server import streamlit_server, warm_line

from dashboard import serve
from extract import store
from extract.cache import CACHE_ENV
from extract.pipeline import ingest_paths

slow = pytest.mark.slow  # a real server: `make test` runs it, `make check` leaves it out

ROOT = Path(__file__).resolve().parent.parent
WARM_SECONDS = 90  # Streamlit's script check gives up after 60 s, and says so
METRICS_SECONDS = 5  # how long a server's metrics keep the caches' sizes (Streamlit's expensive stats' TTL)
READERS_FRAMES = ("dashboard.data._cached_public", "dashboard.data._cached_without_texts")  # what the map page reads


MADE_UP = (  # articles of three incidents, none of them in seeds/
    "Man stabbed in Mare Street\n\nA 24-year-old man was stabbed in Mare Street, Hackney, on Tuesday night, the"
    " Metropolitan Police said.\n",
    "Shop raided in Walworth Road\n\nTwo men threatened staff with a knife and took cash from a shop in Walworth"
    " Road, Southwark, on Monday evening, police said.\n",
    "Car set alight in Brixton\n\nA car was deliberately set alight in Coldharbour Lane, Brixton, in the early"
    " hours of Sunday, the London Fire Brigade said.\n",
)


def warmed_line(log_path: Path, *, again: int = 0) -> str:
    """Return the line the server writes once its warm-up is over (its `again`th warm-up after that), waiting."""
    line = warm_line(log_path, seconds=WARM_SECONDS, again=again)
    assert line is not None, f"no warm-up line in:\n{log_path.read_text()}"
    return line


def frame_bytes(url: str) -> int:
    """Return the size of the readers' frame the server holds (of a server started with its memory stats measured)."""
    name = READERS_FRAMES[0]
    (line,) = [line for line in cached(url).splitlines() if f'cache="{name}"' in line]
    return int(line.rsplit(" ", 1)[1])


def cached(url: str) -> str:
    """Return the server's Streamlit caches as its metrics list them: one line per cache that holds a value."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics?families=cache_memory_bytes", timeout=30) as response:
        return response.read().decode()


@slow
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


@slow
def test_a_database_the_page_cannot_use_is_said_and_nothing_is_loaded(tmp_path):
    env = {**os.environ, "INCIDENTS_DB": str(tmp_path), CACHE_ENV: str(tmp_path / "cache")}  # a directory
    log_path = tmp_path / "streamlit.log"
    with streamlit_server(env, log_path) as url:
        line = warmed_line(log_path)
        assert line.startswith("The map page's data not warmed (The incidents database "), line
        assert "cannot be used (not a regular file)" in line
        assert [name for name in READERS_FRAMES if f'cache="{name}"' in cached(url)] == []


@slow
def test_the_server_warms_the_map_again_once_its_rows_change(tmp_path):
    target = tmp_path / "incidents.db"
    ingest_paths(sorted(p for p in (ROOT / "seeds").iterdir() if p.is_file()), db_path=target)
    env = {**os.environ, "INCIDENTS_DB": str(target), CACHE_ENV: str(tmp_path / "cache")}
    env["STREAMLIT_SERVER_ENABLE_EXPENSIVE_MEMORY_STATS"] = "true"  # the frames' sizes, not a count of them
    log_path = tmp_path / "streamlit.log"
    articles = tmp_path / "new"
    articles.mkdir()
    for k, text in enumerate(MADE_UP):
        (articles / f"{k}.txt").write_text(text)
    with streamlit_server(env, log_path) as url:  # no page is opened
        warmed_line(log_path)
        before = frame_bytes(url)
        assert ingest_paths([articles], db_path=target).incidents == len(MADE_UP)
        line = warmed_line(log_path, again=1)
        assert line.startswith("The map page's data warmed again for a new version of the map's rows in "), line
        # The new version's frame is held, the old one let go: seen once the figures kept by the server's metrics
        # (a few seconds) are read again.
        deadline = time.monotonic() + 3 * METRICS_SECONDS
        while (grown := frame_bytes(url)) <= before and time.monotonic() < deadline:
            time.sleep(0.5)
        assert grown > before


@pytest.mark.parametrize(
    "versions, again",
    [
        # The map's version as serve.keep_warm reads it: before the warm-up, after it, then at each poll.
        (["a", "a", "a", "a"], 0),
        (["a", "a", "b", "b", "b"], 1),  # a write: warmed up again once it held for a poll
        (["a", "a", "b", "c", "d", "d"], 1),  # a run of writes: once, when it pauses
        (["a", "a", "b", "b", "c", "c"], 2),
        (["a", "a", "b", "a", "a"], 0),  # written back as it was: nothing new to warm up for
        ([None, "a", "a", "a"], 0),  # a database the warm-up built is not new
        (["a", "a", None, None, "a", "a"], 0),  # unreadable for a while, then as it was
        (["a", "a", "b", None, "b", "b"], 1),
    ],
)
def test_the_server_warms_up_again_for_each_new_version_that_held(monkeypatch, versions, again):
    read = iter(versions)
    runs: list[bool] = []

    async def map_version():
        try:
            return next(read)
        except StopIteration:
            raise asyncio.CancelledError from None  # the server stops

    async def warm_up(*, again=False):
        runs.append(again)

    monkeypatch.setattr(serve, "map_version", map_version)
    monkeypatch.setattr(serve, "warm_up", warm_up)
    monkeypatch.setattr(serve, "REWARM_POLL_SECONDS", 0)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(serve.keep_warm())
    assert runs == [False] + [True] * again
