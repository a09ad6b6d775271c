"""A real `streamlit run dashboard/serve.py` (as `make run` serves it) on a free 127.0.0.1 port, the line its warm-up
writes, and the installed packages' components discovered once as such a server discovers them: for the tests and
the dashboard benchmarks."""

from __future__ import annotations

import contextlib
import functools
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from streamlit.components.v2.component_manager import BidiComponentManager

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60  # a cold start imports pandas, pydeck and the extractor; CI machines may be loaded
WARM_LINE = "The map page's data"  # how the line dashboard/serve.py writes once its warm-up is over begins


@contextlib.contextmanager
def streamlit_server(
    env: Mapping[str, str], log_path: Path, script: str = "dashboard/serve.py", args: Sequence[str] = ()
) -> Iterator[str]:
    """Serve `script` (dashboard/serve.py, or dashboard/app.py) with `env` as the whole environment, and `args` for
    the app (after --), and yield its URL once healthy; the server's output goes to `log_path` and is shown if it
    fails to start; the server is stopped on exit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    command += ["--server.fileWatcherType", "none", *(["--", *args] if args else [])]
    with open(log_path, "w+") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError(f"streamlit did not start:\n{log.read()}") from None
                    time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def warm_line(log_path: Path, *, seconds: float, again: int = 0) -> str | None:
    """Return the line a server of dashboard/serve.py writing to `log_path` says its warm-up ended with (its `again`th
    warm-up after that, for a new version of the map's rows), waiting up to `seconds` for it; None when there is none
    by then."""
    deadline = time.monotonic() + seconds
    while True:
        if len(found := [line.strip() for line in log_path.read_text().splitlines() if WARM_LINE in line]) > again:
            return found[again]
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


@functools.cache
def discovered_components() -> BidiComponentManager:
    """Return the installed packages' components, discovered once, as a server discovers them as it starts; an
    AppTest given none discovers them at its first run (0.15-0.44 s each time)."""
    components = BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    return components
