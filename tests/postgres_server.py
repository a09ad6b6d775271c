"""A throwaway PostgreSQL server with PostGIS for the tests: initdb and pg_ctl in a temporary directory.

The server runs as the `postgres` user when the tests run as root (PostgreSQL refuses root), on a free 127.0.0.1
port with trust authentication, and is stopped at the end. Failing to start it fails the tests: they never skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BINARIES = Path("/usr/lib/postgresql/15/bin")  # Debian's PostgreSQL 15 (Makefile: make test installs PostGIS)
TEMPLATE = "crimemap_template"  # a database with PostGIS, copied for each test database (cheaper than the extension)


@dataclass
class PostgresServer:
    """A running throwaway server: its port and directory, and the databases made on it."""

    port: int
    directory: Path
    _numbers: itertools.count = field(default_factory=itertools.count)

    def url(self, database: str = "postgres") -> str:
        """Return the URL of a database on this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, prefix: str = "test") -> str:
        """Create an empty database with PostGIS and return its URL."""
        name = f"{prefix}_{next(self._numbers)}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement on a database of this server (autocommit)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)

    def stop(self) -> None:
        """Stop the server at once and remove its directory."""
        _run(["pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(self.directory, ignore_errors=True)


BACKENDS = ("sqlite", "postgresql")
"""The store's backends, as tests parametrize their databases (`new_store`)."""


def new_store(request, folder: Path, name: str = "incidents") -> Path | str:
    """Return where a new, empty store is on the backend `request.param` (one of BACKENDS): a SQLite file named
    `name` in `folder`, or a new database named after it on the session's test server (the postgres_server
    fixture)."""
    if request.param == "sqlite":
        return folder / f"{name}.db"
    return request.getfixturevalue("postgres_server").new_database(name)


def start_server() -> PostgresServer:
    """Start a server in a new temporary directory and make the PostGIS template; raises RuntimeError naming what
    failed (PostgreSQL or PostGIS not installed: `make test` installs them)."""
    if not (BINARIES / "initdb").exists():
        raise RuntimeError(
            f"PostgreSQL 15 is not installed ({BINARIES}); run `make test` or apt-get install postgresql-15"
        )
    directory = Path(tempfile.mkdtemp(prefix="crimemap-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    port = _free_port()
    data = directory / "data"
    try:
        _run(["initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "--locale=C.UTF-8"])
        options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(["pg_ctl", "-D", str(data), "-o", options, "-l", str(directory / "log"), "-w", "start"])
    except (OSError, subprocess.CalledProcessError) as e:
        log = (directory / "log").read_text(errors="replace")[-2000:] if (directory / "log").exists() else ""
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"cannot start the test PostgreSQL server: {e}\n{getattr(e, 'stderr', '')}{log}") from None
    server = PostgresServer(port, directory)
    try:
        server.sql(f"CREATE DATABASE {TEMPLATE}")
        server.sql("CREATE EXTENSION postgis", database=TEMPLATE)
    except Exception as e:
        server.stop()
        raise RuntimeError(f"PostGIS is missing ({e}); apt-get install postgresql-15-postgis-3") from None
    return server


def _run(command: list[str], *, check: bool = True) -> None:
    argv = [str(BINARIES / command[0]), *command[1:]]
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    subprocess.run(argv, check=check, capture_output=True, text=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
