"""Editor sign-in: which method applies, the password gate's constant-time check and lock-out, server-side sign-ins,
and the lock-out holding across reruns and sessions of one server process (AppTest)."""

import sys
from pathlib import Path

import pytest
from dashboard_fixtures import build_incidents_db
from streamlit.testing.v1 import AppTest

from dashboard import auth, data

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "environ, secrets, method",
    [
        ({}, {}, None),
        ({auth.PASSWORD_ENV: "s3cret"}, {}, "password"),
        ({auth.PASSWORD_ENV: ""}, {}, None),
        ({auth.PASSWORD_ENV: "s3cret"}, {"auth": {"client_id": "x"}}, "oidc"),
        ({}, {"auth": {"client_id": "x"}}, "oidc"),
        ({auth.LOCAL_EDITING_ENV: "1", auth.PASSWORD_ENV: "s3cret"}, {"auth": {}}, "local"),
        ({auth.LOCAL_EDITING_ENV: "yes"}, {}, None),  # only "1" turns it on: nothing opens editing by accident
        ({auth.LOCAL_EDITING_ENV: "0"}, {}, None),
    ],
)
def test_sign_in_method(environ, secrets, method):
    assert auth.sign_in_method(environ, secrets) == method


@pytest.mark.parametrize(
    "email, allowed, expected",
    [
        ("sam@example.org", ["sam@example.org"], True),
        ("Sam@Example.org ", ["sam@example.org"], True),
        ("eve@example.org", ["sam@example.org"], False),
        (None, ["sam@example.org"], False),
        ("sam@example.org", [], False),
    ],
)
def test_allowed_editor(email, allowed, expected):
    assert auth.allowed_editor(email, allowed) is expected


@pytest.mark.parametrize(
    "secrets, emails",
    [
        ({}, []),
        ({"editors": {"emails": ["a@example.org", "b@example.org"]}}, ["a@example.org", "b@example.org"]),
        ({"editors": {"emails": ["a@example.org", 7]}}, ["a@example.org"]),
        ({"editors": "a@example.org"}, []),
    ],
)
def test_editor_emails(secrets, emails):
    assert auth.editor_emails(secrets) == emails


def test_password_gate_locks_after_the_set_number_of_failures():
    clock = Clock()
    gate = auth.PasswordGate("right horse", clock=clock)
    assert [gate.check("guess") for _ in range(auth.MAX_FAILURES - 1)] == ["wrong"] * (auth.MAX_FAILURES - 1)
    assert (gate.locked_for(), gate.tries_left()) == (0, 1)
    assert gate.check("guess") == "wrong"  # the last allowed try
    assert gate.locked_for() == auth.LOCKOUT_SECONDS
    assert gate.check("right horse") == "locked"  # even the right password waits
    clock.now += auth.LOCKOUT_SECONDS - 1
    assert gate.check("right horse") == "locked"
    clock.now += 1
    assert gate.check("right horse") == "ok"


def test_password_gate_counts_failures_in_a_row_only():
    gate = auth.PasswordGate("right horse", clock=Clock())
    for _ in range(auth.MAX_FAILURES - 1):
        assert gate.check("guess") == "wrong"
    assert gate.check("right horse") == "ok"
    assert [gate.check("guess") for _ in range(auth.MAX_FAILURES - 1)] == ["wrong"] * (auth.MAX_FAILURES - 1)
    assert gate.locked_for() == 0


def test_password_gate_locks_out_the_guessing_address_only():
    clock = Clock()
    gate = auth.PasswordGate("right horse", clock=clock)
    assert [gate.check("guess", "10.0.0.9") for _ in range(auth.MAX_FAILURES)] == ["wrong"] * auth.MAX_FAILURES
    assert gate.check("right horse", "10.0.0.9") == "locked"
    assert (gate.locked_for("10.0.0.9"), gate.locked_for("10.0.0.1")) == (auth.LOCKOUT_SECONDS, 0)
    assert gate.tries_left("10.0.0.1") == auth.MAX_FAILURES
    assert gate.check("right horse", "10.0.0.1") == "ok"  # an editor elsewhere still signs in
    assert gate.check("right horse", None) == "ok"  # so does a session whose address is unknown


def test_password_gate_locks_every_address_after_many_guesses_from_many():
    clock = Clock()
    gate = auth.PasswordGate("right horse", server_failures=12, clock=clock)
    for n in range(11):  # never MAX_FAILURES from one address
        assert gate.check("guess", f"10.0.{n // 3}.{n}") == "wrong"
    assert gate.check("right horse", "10.1.0.1") == "ok"
    clock.now += auth.LOCKOUT_SECONDS  # the first eleven are out of the window
    assert gate.check("guess", "10.2.0.1") == "wrong"
    assert gate.locked_for("10.1.0.1") == 0
    for n in range(11):
        gate.check("guess", f"10.3.0.{n}")
    assert gate.check("right horse", "10.1.0.1") == "locked"
    assert gate.locked_for("10.1.0.1") == auth.LOCKOUT_SECONDS
    clock.now += auth.LOCKOUT_SECONDS
    assert gate.check("right horse", "10.1.0.1") == "ok"


def test_password_gate_refuses_an_empty_password():
    with pytest.raises(ValueError, match="the editor password is empty"):
        auth.PasswordGate("")


def test_sign_ins_by_token_expire():
    clock = Clock()
    sign_ins = auth.SignIns(lifetime=60, clock=clock)
    token = sign_ins.open(auth.Editor("Sam", "password"))
    assert sign_ins.editor(token) == auth.Editor("Sam", "password")
    assert [sign_ins.editor(t) for t in (None, "", "forged", 7, auth.Editor("Sam", "password"))] == [None] * 5
    clock.now += 60
    assert sign_ins.editor(token) is None
    other = sign_ins.open(auth.Editor("Kim", "password"))
    sign_ins.close(other)
    assert sign_ins.editor(other) is None


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENTS_DB", str(build_incidents_db(tmp_path / "incidents.db")))
    monkeypatch.delenv(auth.LOCAL_EDITING_ENV, raising=False)
    monkeypatch.setattr(sys, "argv", ["app.py"])
    return lambda: AppTest.from_file(APP, default_timeout=60)


def sign_in(at, password, name="Sam"):
    at.switch_page("app_pages/sign_in.py").run()
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    at.button(key="sign_in").click().run()
    assert not at.exception, at.exception
    return at


def test_password_sign_in_opens_the_editors_pages_and_sign_out_closes_them(app, monkeypatch):
    monkeypatch.setenv(auth.PASSWORD_ENV, "open sesame 1")
    at = app()
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/review.py")
    sign_in(at, "open sesame 1")
    assert [s.value for s in at.success] == ["Signed in as Sam. Add articles, Review and History are in the menu."]
    at.switch_page("app_pages/review.py").run()
    assert [t.value for t in at.title] == ["Review"]
    at.switch_page("app_pages/sign_in.py").run()
    at.button(key="sign_out").click().run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/review.py")


def test_brute_force_is_locked_out_across_sessions(app, monkeypatch):
    monkeypatch.setenv(auth.PASSWORD_ENV, "open sesame 2")  # its own gate: the lock-out of other tests is not shared
    first = app()
    first.run()
    for _ in range(auth.MAX_FAILURES):
        sign_in(first, "not it")
        assert first.error[0].value.startswith("Wrong password.")
    sign_in(first, "open sesame 2")
    assert [e.value for e in first.error] == ["Too many wrong passwords: sign-in is locked for 15 more minutes."]
    second = app()  # another session of the same server process
    second.run()
    sign_in(second, "open sesame 2")
    assert [e.value for e in second.error] == ["Too many wrong passwords: sign-in is locked for 15 more minutes."]
    assert data.EDITOR_TOKEN not in second.session_state
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        second.switch_page("app_pages/add_articles.py")


def test_a_crafted_token_signs_nobody_in(app, monkeypatch):
    monkeypatch.setenv(auth.PASSWORD_ENV, "open sesame 3")
    at = app()
    at.session_state[data.EDITOR_TOKEN] = "forged-token"
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/add_articles.py")


def test_without_a_method_nobody_can_sign_in(app, monkeypatch):
    monkeypatch.delenv(auth.PASSWORD_ENV, raising=False)
    at = app()
    at.run()
    with pytest.raises(ValueError, match="Known pages: .*sources.py'\\]"):  # no sign-in page at all
        at.switch_page("app_pages/sign_in.py")
