"""Who may write: editors, signed in; everyone else reads the map and may only report a problem.

The sign-in method is the first that applies:
- local editing, when CRIMEMAP_LOCAL_EDITING=1 (`make run` sets it): whoever runs the server on their own machine
  edits, as that machine's user;
- Streamlit's OIDC login (st.login), when .streamlit/secrets.toml has an [auth] section; only the emails listed
  under [editors] emails = [...] edit;
- the editor password in CRIMEMAP_EDITOR_PASSWORD, compared in constant time; after MAX_FAILURES wrong passwords
  in a row from one network address sign-in is locked for LOCKOUT_SECONDS from that address, and after
  SERVER_FAILURES wrong ones from any addresses within that time, from every address of the server process;
- none of these: nobody edits, which is what a plain `streamlit run dashboard/app.py` gives.

A password sign-in is kept on the server under a random token; the session holds only the token, so no crafted
session state or URL makes a reader an editor.
"""

from __future__ import annotations

import getpass
import hmac
import os
import secrets as tokens
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard import data

LOCAL_EDITING_ENV = "CRIMEMAP_LOCAL_EDITING"
PASSWORD_ENV = "CRIMEMAP_EDITOR_PASSWORD"
MAX_FAILURES = 5  # wrong passwords in a row from one address before its lock-out: room for typos, too few to guess one
LOCKOUT_SECONDS = 15 * 60  # at most 20 guesses an hour from one address
# Wrong passwords from all addresses within LOCKOUT_SECONDS before every address is locked out: a guesser with many
# addresses gets at most 200 guesses an hour, and readers' wrong guesses from a few addresses lock out no editor.
SERVER_FAILURES = 50
SIGN_IN_SECONDS = 12 * 60 * 60  # a password sign-in lasts a working day
METHODS = ("local", "oidc", "password")
"""How editors are recognised (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class Editor:
    """A signed-in editor: the name the audit log records, and how they signed in (one of METHODS)."""

    name: str
    method: str


class PasswordGate:
    """The editor password, checked in constant time, with a lock-out of a network address after MAX_FAILURES wrong
    ones in a row from it, and of every address after SERVER_FAILURES wrong ones from all of them within
    LOCKOUT_SECONDS (a guesser with many addresses); one per server process, shared by every session and rerun. A
    reader's wrong guesses lock out that reader's address, not the editors' (a session whose address is unknown counts
    as one address, None)."""

    def __init__(
        self,
        password: str,
        *,
        max_failures: int = MAX_FAILURES,
        server_failures: int = SERVER_FAILURES,
        lockout_seconds: float = LOCKOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not password:
            raise ValueError("the editor password is empty")
        self._password = password.encode()
        self._max_failures = max_failures
        self._server_failures = server_failures
        self._lockout = lockout_seconds
        self._clock = clock
        self._failures: dict[str | None, tuple[int, float]] = {}  # per address: wrong ones in a row, the last when
        self._locked_until: dict[str | None, float] = {}  # per address locked out; None's key is an unknown address
        self._recent: deque[float] = deque()  # when the wrong passwords of the last LOCKOUT_SECONDS came, any address
        self._server_locked_until = 0.0
        self._lock = threading.Lock()

    def locked_for(self, address: str | None = None) -> float:
        """Return the seconds left before sign-in opens again from `address`; 0 when it is open."""
        with self._lock:
            until = max(self._locked_until.get(address, 0.0), self._server_locked_until)
            return max(0.0, until - self._clock())

    def tries_left(self, address: str | None = None) -> int:
        """Return how many wrong passwords in a row are left to `address` before its lock-out."""
        with self._lock:
            return self._max_failures - self._failures.get(address, (0, 0.0))[0]

    def check(self, given: str, address: str | None = None) -> str:
        """Return "ok" for the right password, "wrong" for another, and "locked" while `address` (or the server) is
        locked out, without even comparing."""
        with self._lock:
            now = self._clock()
            # Forgotten after LOCKOUT_SECONDS: at most SERVER_FAILURES addresses are added in that time.
            for locked, until in list(self._locked_until.items()):
                if until <= now:
                    del self._locked_until[locked]
            for guesser, (_, last) in list(self._failures.items()):
                if last <= now - self._lockout:
                    del self._failures[guesser]
            if now < max(self._locked_until.get(address, 0.0), self._server_locked_until):
                return "locked"
            if hmac.compare_digest(given.encode(), self._password):
                self._failures.pop(address, None)
                return "ok"
            failures = self._failures.get(address, (0, 0.0))[0] + 1
            self._failures[address] = (failures, now)
            if failures >= self._max_failures:
                del self._failures[address]
                self._locked_until[address] = now + self._lockout
            self._recent.append(now)
            while self._recent[0] <= now - self._lockout:
                self._recent.popleft()
            if len(self._recent) >= self._server_failures:
                self._recent.clear()
                self._server_locked_until = now + self._lockout
            return "wrong"


class SignIns:
    """Password sign-ins kept on the server by random token, each valid for SIGN_IN_SECONDS."""

    def __init__(self, *, lifetime: float = SIGN_IN_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._lifetime = lifetime
        self._clock = clock
        self._open: dict[str, tuple[Editor, float]] = {}
        self._lock = threading.Lock()

    def open(self, editor: Editor) -> str:
        """Record a sign-in and return its token."""
        token = tokens.token_urlsafe(32)
        with self._lock:
            self._open[token] = (editor, self._clock() + self._lifetime)
        return token

    def editor(self, token: object) -> Editor | None:
        """Return the editor signed in under `token`; None for anything else, or once it has expired."""
        if not isinstance(token, str):
            return None
        with self._lock:
            found = self._open.get(token)
            if found is None or found[1] <= self._clock():
                self._open.pop(token, None)
                return None
            return found[0]

    def close(self, token: object) -> None:
        """Forget a sign-in."""
        with self._lock:
            if isinstance(token, str):
                self._open.pop(token, None)


def sign_in_method(environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None) -> str | None:
    """Return how editors are recognised here (one of METHODS), or None when nobody may edit; `environ` and
    `secrets` default to the process's and to st.secrets."""
    environ = os.environ if environ is None else environ
    if environ.get(LOCAL_EDITING_ENV) == "1":
        return "local"
    if "auth" in (_secrets() if secrets is None else secrets):
        return "oidc"
    if environ.get(PASSWORD_ENV):
        return "password"
    return None


def allowed_editor(email: object, allowed: Sequence[str]) -> bool:
    """Return whether the signed-in email is on the editors' allow-list (case-insensitively)."""
    return isinstance(email, str) and email.strip().lower() in {a.strip().lower() for a in allowed}


def editor_emails(secrets: Mapping[str, Any] | None = None) -> list[str]:
    """Return the allow-list of editor emails ([editors] emails in .streamlit/secrets.toml); empty without one."""
    editors = (_secrets() if secrets is None else secrets).get("editors", {})
    emails = editors.get("emails", []) if isinstance(editors, Mapping) else []
    return [e for e in emails if isinstance(e, str)]


def current_editor() -> Editor | None:
    """Return the editor this session is signed in as, None for a reader."""
    method = sign_in_method()
    if method == "local":
        return Editor(_local_user(), "local")
    if method == "oidc":
        user = st.user
        if user.is_logged_in and allowed_editor(user.get("email"), editor_emails()):
            return Editor(str(user.get("email")), "oidc")
        return None
    if method == "password":
        return sign_ins().editor(st.session_state.get(data.EDITOR_TOKEN))
    return None


def require_editor() -> Editor:
    """Return the signed-in editor; for a reader, say that the page is for editors and stop the run."""
    editor = current_editor()
    if editor is None:
        st.warning("This page is for editors. The map is open to everyone; editors sign in first.")
        st.stop()
    return editor


def sign_in_with_password(name: str, password: str) -> str:
    """Check the password through the server's gate and, when right, sign this session in as `name`; returns the
    gate's answer ("ok", "wrong" or "locked")."""
    expected = os.environ.get(PASSWORD_ENV, "")
    if not expected:
        return "wrong"
    outcome = password_gate(expected).check(password, data.client_address())
    if outcome == "ok":
        st.session_state[data.EDITOR_TOKEN] = sign_ins().open(Editor(name.strip() or "editor", "password"))
    return outcome


def locked_for() -> float:
    """Return the seconds left in the password lock-out; 0 when sign-in is open."""
    expected = os.environ.get(PASSWORD_ENV, "")
    return password_gate(expected).locked_for(data.client_address()) if expected else 0.0


def tries_left() -> int:
    """Return how many wrong passwords in a row are left before the lock-out."""
    expected = os.environ.get(PASSWORD_ENV, "")
    return password_gate(expected).tries_left(data.client_address()) if expected else 0


def sign_out() -> None:
    """End this session's password sign-in."""
    sign_ins().close(st.session_state.pop(data.EDITOR_TOKEN, None))


@st.cache_resource(show_spinner=False)
def password_gate(password: str) -> PasswordGate:
    """Return the server's gate for `password`: one per process, so failures count across sessions and reruns."""
    return PasswordGate(password)


@st.cache_resource(show_spinner=False)
def sign_ins() -> SignIns:
    """Return the server's password sign-ins."""
    return SignIns()


def _secrets() -> Mapping[str, Any]:
    # Without a secrets.toml (or with one that does not parse) no OIDC provider is configured.
    return st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}


def _local_user() -> str:
    try:
        return f"{getpass.getuser()} (local)"
    except OSError:
        return "local editor"
