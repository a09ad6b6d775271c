"""The store on PostgreSQL, end to end: the CLI's --db, concurrent ingests, and the dashboard, on a real server."""

import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from dashboard_fixtures import build_incidents_db, database_problem_line, database_problem_shown
from streamlit.testing.v1 import AppTest
from test_app import ALL, APP, count, drawn_ids, run

from dashboard import data
from dashboard.display import escape_markdown
from extract import store
from extract.records import ExtractError

pytestmark = (
    pytest.mark.slow
)  # a real PostgreSQL server and subprocess ingests: `make test` runs it, `make check` leaves it out

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def crimemap(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "extract", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


KEY = ", ".join(store.COUNT_KEY)
COUNTS_MADE_AHEAD = (
    f"SELECT {KEY}, sum(n) FROM (SELECT {KEY}, n FROM incident_counts UNION ALL SELECT {KEY}, n FROM "
    f"incident_count_changes) c GROUP BY {KEY} HAVING sum(n) <> 0 ORDER BY {KEY}"
)


def contents(url: str) -> dict:
    """Articles (without the ingest time), incidents, the incidents grouped into events (ids left out), and the map's
    counts made ahead of them (store.COUNTED)."""
    conn = store.connect(url)
    try:
        articles = conn.execute("SELECT article_id, headline, source, n_incidents FROM articles ORDER BY 1").fetchall()
        groups = defaultdict(set)
        for incident_id, event_id in store.incident_event_ids(conn).items():
            groups[event_id].add(incident_id)
        return {
            "articles": articles,
            "incidents": list(store.iter_incident_rows(conn)),
            "events": sorted(sorted(g) for g in groups.values()),
            "reports": conn.execute("SELECT count(*) FROM incident_events").fetchone()[0],
            "counts": conn.execute(COUNTS_MADE_AHEAD).fetchall(),
        }
    finally:
        conn.close()


@pytest.mark.parametrize(
    "db",
    ["mysql://db.example/incidents", "sqlite:///incidents.db", "https://user:secret@db.example/x", "postgresql:"],
)
def test_bad_db_url_is_one_error_and_creates_nothing(tmp_path, db):
    work = tmp_path / "work"
    work.mkdir()
    done = crimemap("ingest", str(SEEDS), "--db", db, "--no-progress", cwd=work)
    _, err = done.communicate(timeout=300)
    shown = db.replace("secret", "***")
    assert err.splitlines() == [
        f"error: {shown}: not a database this store can open: give a file path (SQLite) or a postgresql:// URL "
        "(PostgreSQL)"
    ]
    assert done.returncode != 0
    assert list(work.iterdir()) == []


@pytest.mark.parametrize(
    "target",
    [
        "mysql://db.example/incidents",
        Path("postgresql://db.example/incidents"),
        "postgresql:",
        "POSTGRES:",
        "postgres:incidents",
        "sqlite:",
        Path("sqlite:/incidents.db"),
    ],
)
def test_connect_fail_on_other_urls(tmp_path, monkeypatch, target):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExtractError, match="not a database this store can open"):
        store.connect(target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["incidents:v2.db", "C:incidents.db"])
def test_a_file_name_with_a_colon_is_a_path(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    store.connect(name).close()
    assert name in [p.name for p in tmp_path.iterdir()]


def test_two_concurrent_ingests_store_what_one_does(postgres_server, tmp_path):
    one, two = postgres_server.new_database("one"), postgres_server.new_database("two")
    store.connect(two).close()  # migrated before the race, so both processes time the ingest, not the schema
    alone = crimemap("ingest", str(SEEDS), "--db", one, "--no-progress", cwd=tmp_path)
    together = [crimemap("ingest", str(SEEDS), "--db", two, "--no-progress", cwd=tmp_path) for _ in range(2)]
    for process in (alone, *together):
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    expected = contents(one)
    assert expected["incidents"]
    assert contents(two) == expected


def test_dashboard_reads_incidents_from_postgresql(postgres_url, monkeypatch):
    build_incidents_db(postgres_url)
    monkeypatch.setenv("INCIDENTS_DB", postgres_url)
    monkeypatch.delenv("CRIMEMAP_BASEMAP", raising=False)
    monkeypatch.setattr(sys, "argv", ["app.py"])
    at = run(AppTest.from_file(APP, default_timeout=60))
    assert count(at) == "7 incidents"
    assert drawn_ids(at) == ALL


def test_dashboard_on_an_empty_postgresql_database_says_how_to_fill_it(postgres_url, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", postgres_url)  # PostGIS's table only
    monkeypatch.setattr(sys, "argv", ["app.py"])
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert database_problem_shown(at) == database_problem_line(postgres_url, data.EMPTY_SERVER_DATABASE)


def test_postgis_point_and_h3_cell_are_written_with_the_incident(postgres_url):
    build_incidents_db(postgres_url)
    conn = store.connect(postgres_url)
    try:
        rows = conn.execute(
            "SELECT lat, lon, ST_Y(geom), ST_X(geom), ST_SRID(geom), h3_r8 FROM incidents WHERE lat IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    assert rows
    assert all((y, x, srid, cell) == (lat, lon, 4326, store.h3_cell(lat, lon)) for lat, lon, y, x, srid, cell in rows)


def test_dashboard_asks_the_version_again_on_a_new_connection_when_its_own_is_lost(postgres_url):
    build_incidents_db(postgres_url)
    before = data.database_version(postgres_url)
    kept = data._version_connections()[postgres_url]
    assert data.database_version(postgres_url) == before  # on the connection kept
    kept.raw.close()  # as a server restart drops it
    assert data.database_version(postgres_url) == before
    assert data._version_connections()[postgres_url] is not kept


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://reader:secret@127.0.0.1:1/incidents", "postgresql://reader:***@127.0.0.1:1/incidents"),
        (
            "postgresql://reader@127.0.0.1:1/incidents?password=secret&sslmode=disable",
            "postgresql://reader@127.0.0.1:1/incidents?password=***&sslmode=disable",
        ),
    ],
)
def test_a_server_that_cannot_be_reached_is_one_line_naming_why(tmp_path, url, shown):
    done = crimemap("ingest", str(SEEDS), "--db", url, cwd=tmp_path)
    _, err = done.communicate(timeout=300)
    (line,) = err.splitlines()  # port 1: nothing listens there
    assert line.startswith(f"error: {shown}: cannot open the incidents database (")
    assert "Connection refused. Is the server running" in line
    assert "\t" not in line and "secret" not in line
    assert done.returncode != 0


@pytest.mark.parametrize("may_report", [True, False])
def test_a_dashboard_whose_role_may_only_read_shows_every_page_and_reports_a_problem_if_allowed(
    postgres_server, postgres_url, monkeypatch, may_report
):
    build_incidents_db(postgres_url)  # the schema at this code's version: nothing to migrate
    database = postgres_url.rsplit("/", 1)[1]
    role = f"reader_{database}"  # roles are the server's: one per database
    postgres_server.sql(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'")
    grants = READER_GRANTS if may_report else READER_GRANTS[:1]
    for grant in grants:
        postgres_server.sql(grant.format(role=role), database=database)
    monkeypatch.setenv("INCIDENTS_DB", postgres_url.replace("postgres@", f"{role}:pw@"))
    monkeypatch.delenv("CRIMEMAP_LOCAL_EDITING", raising=False)
    monkeypatch.setattr(sys, "argv", ["app.py"])
    for page in sorted(p.name for p in (Path(APP).parent / "app_pages").glob("*.py")):
        at = AppTest.from_file(APP, default_timeout=60)
        at.switch_page(f"app_pages/{page}")
        at.run()
        assert not at.exception and not at.error, (page, [e.message for e in at.exception], [e.value for e in at.error])
    owner = store.connect(postgres_url)
    try:
        incident = owner.execute("SELECT min(incident_id) FROM incidents").fetchone()[0]
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["incident"] = incident
        at.run()
        next(b for b in at.button if b.label == "Send report").click().run()
        filed = owner.execute("SELECT incident_id FROM problem_reports").fetchall()
    finally:
        owner.close()
    if may_report:
        assert ([s.value for s in at.success], filed) == (["Thank you: the editors will look at it."], [(incident,)])
    else:
        (message,) = [e.value for e in at.error]
        assert message == "The report could not be stored: " + escape_markdown(
            f"{incident}: cannot store the problem report (permission denied for table problem_reports)"
        )
        assert filed == []


# DEPLOY.md's grants for the dashboards' role: read everything, and file readers' problem reports.
READER_GRANTS = (
    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT INSERT ON problem_reports TO {role}",
)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:secret@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u@h/db?password=secret&sslmode=require", "postgresql://u@h/db?password=***&sslmode=require"),
        ("postgresql://h/db?user=u&sslpassword=k&password=s", "postgresql://h/db?user=u&sslpassword=***&password=***"),
        ("postgresql://u:a@h/db?password=b", "postgresql://u:***@h/db?password=***"),
        ("postgresql://u@h/db?passwordless=1", "postgresql://u@h/db?passwordless=1"),
        ("postgresql://h/db", "postgresql://h/db"),
        ("postgresql:///db?password=s", "postgresql:///db?password=***"),  # no host: libpq's default, "//" kept
        ("sqlite:///incidents.db", "sqlite:///incidents.db"),
        # libpq's own reading: a password ends at the first "@" or "/", and may hold "?" or "#"
        ("postgresql://u:se?cret@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:se#cret@h/db?sslmode=disable", "postgresql://u:***@h/db?sslmode=disable"),
        ("POSTGRESQL://u:secret@h/db", "POSTGRESQL://u:***@h/db"),
        ("postgresql://u:p@ss@h/db", "postgresql://***@h/db"),  # refused: an "@" must be %40
        ("postgresql://crimemap:ab/cd+ef@h:5432/db", "postgresql://***@h:5432/db"),  # refused: a "/" must be %2F
        ("postgresql://u:p@ss/word@h/db", "postgresql://***@h/db"),
        ("postgresql://u:secret@[::1:1/x", "postgresql://u:***@[::1:1/x"),  # malformed: named all the same
        ("postgresql:///db?host=/tmp&user=a@b", "postgresql:///db?host=/tmp&user=a@b"),
    ],
)
def test_messages_name_a_database_without_its_passwords(url, shown):
    assert store.redacted(url) == shown


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("POSTGRESQL://u:secret@127.0.0.1:1/x", "Connection refused"),  # read as libpq reads it: lower case
        ("postgresql://u:se?cret@127.0.0.1:1/x", "Connection refused"),
        ("postgresql://u:se#cret@127.0.0.1:1/x", "Connection refused"),
        ("postgresql://u:secret@[::1:1/x", "cannot open the incidents database"),
        ("postgresql://u:p@ss@127.0.0.1:1/x", "an @ or / in the user or password must be written %40 or %2F"),
        ("postgresql://u:ab/cd+cret@127.0.0.1:1/x", "an @ or / in the user or password must be written %40 or %2F"),
        ("postgresql://u:p@ss/wocret@127.0.0.1:1/x", "an @ or / in the user or password must be written %40 or %2F"),
    ],
)
def test_a_password_is_never_shown_whatever_the_url(tmp_path, url, reason):
    done = crimemap("ingest", str(SEEDS), "--db", url, cwd=tmp_path)
    _, err = done.communicate(timeout=300)
    (line,) = err.splitlines()
    assert line.startswith(f"error: {store.redacted(url)}: ") and reason in line
    assert "secret" not in line and "cret" not in line and "ss@" not in line and "ab/" not in line
    assert done.returncode != 0 and not list(tmp_path.iterdir())


@pytest.mark.parametrize("encoding", ["LATIN1", "SQL_ASCII"])
def test_a_database_not_in_utf8_is_refused_with_one_message(postgres_server, tmp_path, encoding):
    name = f"enc_{encoding.lower()}"
    postgres_server.sql(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING '{encoding}' LC_COLLATE 'C' LC_CTYPE 'C'")
    url = postgres_server.url(name)
    done = crimemap("ingest", str(SEEDS), "--db", url, cwd=tmp_path)
    _, err = done.communicate(timeout=300)
    assert err.splitlines() == [
        f"error: {store.redacted(url)}: the database's encoding is {encoding}, not UTF8: create it with --encoding "
        "UTF8 (see DEPLOY.md)"
    ]
    assert done.returncode != 0


def test_the_command_line_names_the_database_without_its_password(postgres_url, tmp_path):
    url = postgres_url.replace("postgres@", "postgres:secret@") + "?password=secret&sslmode=disable"
    done = crimemap("ingest", str(SEEDS), "--db", url, "--no-progress", cwd=tmp_path)  # the server trusts 127.0.0.1
    _, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    shown = postgres_url.replace("postgres@", "postgres:***@") + "?password=***&sslmode=disable"
    assert err.splitlines()[-1].endswith(f" -> {shown}")
    assert "secret" not in err


def test_an_editors_correction_reaches_other_processes_at_once(postgres_url):
    """The server counts a connection's writes once a second at most, and holds them back 10 s when it reported
    under a second before: a writer that stays connected (an editor's page, `watch`) has them counted at once."""
    from extract import corrections

    build_incidents_db(postgres_url)
    writer, reader = store.connect(postgres_url), store.connect(postgres_url)
    try:
        (incident_id, *_), *_ = store.iter_incident_rows(writer)
        for act in (corrections.hide, corrections.unhide, corrections.hide):
            before = store.map_version(reader)
            if act is corrections.unhide:
                act(writer, incident_id, editor="ed")
            else:
                act(writer, incident_id, "duplicate", editor="ed")
            deadline = time.monotonic() + 3
            while store.map_version(reader) == before:
                assert time.monotonic() < deadline, f"{act.__name__} not counted within 3 s"
                time.sleep(0.05)
    finally:
        writer.close()
        reader.close()
