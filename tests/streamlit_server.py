"""A real `streamlit run dashboard/serve.py` (as `make run` serves it) on a free 127.0.0.1 port, for the browser
tests and benchmarks/server_start.py."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60  # a cold start imports pandas, pydeck and the extractor; CI machines may be loaded


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
