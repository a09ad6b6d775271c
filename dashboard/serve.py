"""The dashboard served warm: `streamlit run dashboard/serve.py` serves dashboard/app.py as `streamlit run
dashboard/app.py` does, and runs its default page once as the server starts, in a session of nobody's (Streamlit's
script check), so that the first person to open it does not wait for the imports, the database's frames and the filter
choices. At a million incidents a server's first page in chromium took 5.9-7.1 s from app.py, and 1.7-2.6 s from this
once warmed (3.5-4.1 s after its start; benchmarks/server_start.py). A missing database is built from seeds/ then too.

Someone who opens a page while the server warms waits for the same work (each st.cache_resource value is computed
once, under its lock), not for it twice. A warm-up that fails, or takes longer than Streamlit's check allows (60 s),
leaves the server as `streamlit run dashboard/app.py` would be: each value is made at the first page that needs it.

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

APP = Path(__file__).resolve().with_name("app.py")


async def warm_up() -> None:
    """Run the app's default page once in the running server and say on the server's output how it went."""
    started = time.perf_counter()
    ran, said = await Runtime.instance().does_script_run_without_error()
    outcome = "warmed" if ran else f"not warmed ({said}: the first page loads it)"
    print(f"  The map page's data {outcome} in {time.perf_counter() - started:.1f} s.", flush=True)


@contextlib.asynccontextmanager
async def warmed(_: st.App) -> AsyncIterator[None]:
    """Start warm_up as the server starts, without holding it back: the server answers meanwhile."""
    task = asyncio.create_task(warm_up())
    try:
        yield
    finally:
        task.cancel()


app = st.App(APP, lifespan=warmed)
