"""`python -m extract watch` as a user runs it: a subprocess against the local test server, the database in tmp_path.

Every run names its feeds (a URL or a list in tmp_path), so the real data/feeds.csv is never polled.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feed_fixtures import STORIES, Route, item, page, rss, serve

from extract import store

pytestmark = (
    pytest.mark.slow
)  # the watch command as subprocesses with signals: `make test` runs it, `make check` leaves it out

ROOT = Path(__file__).resolve().parent.parent
AGENT = "crimemap-test (tests@example.org)"
HANG_GUARD = 120  # seconds; a hang fails instead of blocking the suite
CRIMES = 3


def watch(*args, db: Path, agent: str | None = AGENT) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "extract", "watch", *map(str, args), "--db", str(db), "--delay", "0"]
    command += ["--user-agent", agent] if agent else []
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=HANG_GUARD)


def watch_process(*args, db: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "extract", "watch", *map(str, args), "--db", str(db), "--delay", "0"]
    return subprocess.Popen(
        [*command, "--user-agent", AGENT], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def round_line(stderr: str) -> list[str]:
    """The round lines of a run, without their timestamps."""
    return [line.split(" ", 1)[1] for line in stderr.splitlines() if " round: " in line]


def stored(db: Path | str) -> tuple[int, int]:
    conn = store.connect_readonly(db)  # a SQLite file or a PostgreSQL URL
    try:
        return (
            conn.execute("SELECT count(*) FROM articles").fetchone()[0],
            conn.execute("SELECT count(*) FROM incidents").fetchone()[0],
        )
    finally:
        conn.close()


@pytest.fixture
def server():
    with serve() as s:
        for story in STORIES:
            s.routes[f"/news/{story.slug}"] = Route(page(story), content_type="text/html")
        s.routes["/feed"] = Route(rss([item(story, s.url(f"/news/{story.slug}")) for story in STORIES]), etag='"v1"')
        yield s


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_watch_once_twice(server, tmp_path, backend, request):
    db = tmp_path / "watch.db" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    first = watch(server.url("/feed"), "--once", db=db)
    assert (first.returncode, first.stdout) == (0, "")
    assert round_line(first.stderr) == [
        f"round: 1 feeds polled (0 failed, 0 backing off), 4 new items, 4 articles, {CRIMES} incidents, 0 failures"
    ]
    assert stored(db) == (4, CRIMES)
    second = watch(server.url("/feed"), db=db)
    assert second.returncode == 0
    assert round_line(second.stderr) == [
        "round: 1 feeds polled (0 failed, 0 backing off), 0 new items, 0 articles, 0 incidents, 0 failures"
    ]
    assert stored(db) == (4, CRIMES)
    assert [r.if_none_match for r in server.log if r.path == "/feed"] == [None, '"v1"']
    assert {r.user_agent for r in server.log} == {AGENT}


def test_watch_once_exits_1_after_reading_the_other_feeds(server, tmp_path):
    server.routes["/down"] = Route(b"down", 500, "text/plain")
    db = tmp_path / "watch.db"
    result = watch(server.url("/down"), server.url("/feed"), "--once", db=db)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"error: {server.url('/down')}: HTTP 500 Internal Server Error"
    assert round_line(result.stderr) == [
        f"round: 2 feeds polled (1 failed, 0 backing off), 4 new items, 4 articles, {CRIMES} incidents, 1 failures"
    ]
    assert stored(db) == (4, CRIMES)


def test_watch_with_a_feed_list_and_a_url(server, tmp_path):
    (tmp_path / "feeds.csv").write_text(
        f"outlet,feed_url,homepage,terms,full_pages,verified\nLocal,{server.url('/feed')},,,yes,unverified\n"
    )
    (tmp_path / "extra.xml").write_bytes(rss([item(STORIES[0], server.url("/news/walthamstow-stabbing"))]))
    result = watch(tmp_path / "extra.xml", "--feeds", tmp_path / "feeds.csv", db=tmp_path / "watch.db")
    assert result.returncode == 0, result.stderr
    assert round_line(result.stderr)[0].startswith("round: 2 feeds polled (0 failed, 0 backing off), 4 new items")


@pytest.mark.parametrize(
    "args, agent, message",
    [
        (["http://127.0.0.1:9/feed"], None, "the following arguments are required: --user-agent"),
        (["--every", "0m"], AGENT, "argument --every: expected a positive interval such as 90s, 15m or 1h, got '0m'"),
        (["--every", "soon"], AGENT, "argument --every: expected a positive interval"),
        (["--once", "--every", "15m"], AGENT, "argument --every: not allowed with argument --once"),
        (["--max-articles", "0"], AGENT, "argument --max-articles: expected a positive whole number, got '0'"),
    ],
)
def test_watch_argument_failures(tmp_path, args, agent, message):
    result = watch(*args, db=tmp_path / "watch.db", agent=agent)
    assert result.returncode == 2
    assert message in result.stderr


def test_watch_rejects_an_empty_user_agent(tmp_path):
    result = watch("http://127.0.0.1:9/feed", db=tmp_path / "watch.db", agent=" ")
    assert (result.returncode, result.stderr.strip()) == (
        1,
        "error: a user agent is required: a name and a contact, e.g. 'crimemap (you@example.org)'",
    )


def test_watch_every_stops_on_sigterm_between_rounds(server, tmp_path):
    db = tmp_path / "watch.db"
    process = watch_process(server.url("/feed"), "--every", "1h", db=db)
    try:
        line = process.stderr.readline()  # the first round's line: the watch now waits for the next round
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=HANG_GUARD) == 0
    finally:
        process.kill()
    assert " round: 1 feeds polled (0 failed, 0 backing off), 4 new items" in line
    assert stored(db) == (4, CRIMES)


def test_watch_every_finishes_the_current_article_on_sigint(server, tmp_path):
    for story in STORIES:
        server.routes[f"/news/{story.slug}"] = Route(page(story), content_type="text/html", wait=1.0)
    db = tmp_path / "watch.db"
    process = watch_process(server.url("/feed"), "--every", "1h", db=db)
    try:
        deadline = time.monotonic() + HANG_GUARD
        while not any(r.path.startswith("/news/") for r in server.log) and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)  # while the first page is on its way
        assert process.wait(timeout=HANG_GUARD) == 0
    finally:
        process.kill()
    assert round_line(process.stderr.read()) == [
        "round: 1 feeds polled (0 failed, 0 backing off), 1 new items, 1 articles, 1 incidents, 0 failures, "
        "stopped early"
    ]
    assert stored(db) == (1, 1)
    assert [r.path for r in server.log if r.path.startswith("/news/")] == ["/news/walthamstow-stabbing"]
