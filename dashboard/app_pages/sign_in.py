"""The Editor sign-in page: the editor password (with its lock-out) or the OIDC provider's login, and signing out.

Readers need no account: the map is open to everyone, and a problem is reported from an incident's details.
"""

from __future__ import annotations

import math

import streamlit as st

from dashboard import auth
from dashboard.display import escape_markdown

st.title("Editor sign-in")
editor = auth.current_editor()
method = auth.sign_in_method()

if editor is not None:
    st.success(f"Signed in as {escape_markdown(editor.name)}. Add articles, Review and History are in the menu.")
    if editor.method == "password" and st.button("Sign out", key="sign_out"):
        auth.sign_out()
        st.rerun()
    elif editor.method == "oidc" and st.button("Sign out", key="sign_out"):
        st.logout()
    elif editor.method == "local":
        st.caption(f"Local editing is on ({auth.LOCAL_EDITING_ENV}=1): whoever uses this server edits.")
elif method == "oidc":
    if st.user.is_logged_in:
        st.warning(f"{escape_markdown(st.user.get('email') or 'This account')} is not on the editors' list.")
        st.button("Sign out", key="sign_out", on_click=st.logout)
    else:
        st.button("Sign in", key="sign_in", type="primary", on_click=st.login)
elif method == "password":
    with st.form("sign_in_form", clear_on_submit=True):  # the password never stays in the page
        name = st.text_input("Your name, for the log of changes", key="sign_in_name")
        password = st.text_input("Editor password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary", key="sign_in")
    if submitted:
        outcome = auth.sign_in_with_password(name, password)
        if outcome == "ok":
            st.rerun()
        elif wait := auth.locked_for():
            wrong = "Wrong password. " if outcome == "wrong" else ""
            st.error(f"{wrong}Too many wrong passwords: sign-in is locked for {math.ceil(wait / 60)} more minutes.")
        else:
            left = auth.tries_left()
            st.error(f"Wrong password. {left} more {'try' if left == 1 else 'tries'} before sign-in is locked.")
else:
    st.info("Editing is not set up on this server: the map is read-only.")
