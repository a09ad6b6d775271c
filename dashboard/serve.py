"""The dashboard served warm: `streamlit run dashboard/serve.py` serves the pages of dashboard/app.py and runs its
default page once as the server starts, in a session of its own (Streamlit's script check: a reader's, or with local
editing an editor's), so that a reader who comes once that run is over does not wait for the imports, the map's rows,
the frames and the filter choices (benchmarks/server_start.py measures it). A missing database is built from seeds/
then too.

A reader who comes during the warm-up waits for the value being made (each st.cache_resource value is made once,
under its lock), not for a second making of it. A warm-up that fails, finds the database unusable or outlasts
Streamlit's check (60 s) says so on the server's output, and the first page makes what it did not.

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


async def warm_up() -> None:
    """Run the app's default page once in the running server and say on the server's output how it went."""
    started = time.perf_counter()
    try:
        ran, said = await Runtime.instance().does_script_run_without_error()
        # A database the page cannot use stops it at once, and without an error: nothing was loaded then.
        problem = await asyncio.to_thread(data.read_problem, str(data.database_path())) if ran else None
    except Exception as e:  # the server goes on without it
        ran, said, problem = False, f"{type(e).__name__}: {e}", None
    outcome = "warmed" if ran and problem is None else f"not warmed ({problem or said}): the first page loads it"
    print(f"  The map page's data {outcome} in {time.perf_counter() - started:.1f} s.", flush=True)


@contextlib.asynccontextmanager
async def warmed(_: st.App) -> AsyncIterator[None]:
    """Start warm_up as the server starts, without holding it back: the server answers meanwhile."""
    task = asyncio.create_task(warm_up())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


app = st.App(APP, lifespan=warmed)
