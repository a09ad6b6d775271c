"""The dashboard served warm: `streamlit run dashboard/serve.py` serves the pages of dashboard/app.py and runs its
default page once as the server starts, in a session of its own (Streamlit's script check: a reader's, or with local
editing an editor's), so that a reader who comes once that run is over does not wait for the imports, the map's rows,
the frames and the filter choices (benchmarks/server_start.py measures it). A missing database is built from seeds/
then too.

A reader who comes during the warm-up waits for the value being made (each st.cache_resource value is made once,
under its lock), not for a second making of it. A warm-up that fails, finds the database unusable or outlasts
Streamlit's check (60 s) says so on the server's output, and the first page makes what it did not.

Then the server keeps it warm: when the map's rows change (`watch`, an ingest, an editor's correction: data.
map_version, asked every REWARM_POLL_SECONDS), it runs the default page again, so that the first reader after a
write does not wait for the new version's frames (at a million incidents in SQLite, a new read; at ten million in
PostgreSQL, the readers' derived rows) but finds them made or being made.

An st.App (Streamlit's ASGI entry) rather than dashboard/app.py itself, which Streamlit runs only for a session: the
App's lifespan is what a server runs before its first session. The run is Runtime.does_script_run_without_error, the
method behind Streamlit's /_stcore/script-health-check.

Example:
    streamlit run dashboard/serve.py -- --db other.db     # the arguments after -- are dashboard/app.py's
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import streamlit as st
from streamlit.runtime import Runtime

from dashboard import data  # and with it pandas, Arrow and the store: imported before the server answers

APP = Path(__file__).resolve().with_name("app.py")
REWARM_POLL_SECONDS = 2.0  # how often the map's version is asked: a stat of a SQLite file, a statement of a server


async def warm_up(*, again: bool = False) -> None:
    """Run the app's default page once in the running server and say on the server's output how it went (`again`:
    for a new version of the map's rows)."""
    started = time.perf_counter()
    try:
        ran, said = await Runtime.instance().does_script_run_without_error()
        # A database the page cannot use stops it at once, and without an error: nothing was loaded then.
        problem = await asyncio.to_thread(data.read_problem, str(data.database_path())) if ran else None
    except Exception as e:  # the server goes on without it
        ran, said, problem = False, f"{type(e).__name__}: {e}", None
    new = " again for a new version of the map's rows" if again else ""
    outcome = (
        f"warmed{new}" if ran and problem is None else f"not warmed{new} ({problem or said}): the first page loads it"
    )
    print(f"  The map page's data {outcome} in {time.perf_counter() - started:.1f} s.", flush=True)


async def map_version() -> tuple | None:
    """Return data.map_version of the app's database, None while it cannot be read (its problem is the page's to
    say, and the warm-up's)."""
    try:
        return await asyncio.to_thread(data.map_version, data.database_path())
    except Exception:
        return None


async def keep_warm() -> None:
    """Warm the default page up as the server starts, then again each time the map's rows have changed and held."""
    before = await map_version()
    await warm_up()
    warmed_at = before if before is not None else await map_version()  # None: the warm-up may have built it
    seen = warmed_at
    while True:
        await asyncio.sleep(REWARM_POLL_SECONDS)
        version = await map_version()
        # A new version that has held for a poll: a run of writes (a `watch` round storing its articles one by one)
        # is warmed up for once, when it pauses. Read before the run: a write during it is a version found after.
        if version is not None and version == seen != warmed_at:
            warmed_at = version
            await warm_up(again=True)
        seen = version


@contextlib.asynccontextmanager
async def warmed(_: st.App) -> AsyncIterator[None]:
    """Start keep_warm as the server starts, without holding it back: the server answers meanwhile."""
    task = asyncio.create_task(keep_warm())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


app = st.App(APP, lifespan=warmed)
