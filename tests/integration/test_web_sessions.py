"""Browser sessions on SQLite and PostgreSQL: a wrong password signs nobody in; idle and
absolute timeouts; signing out ends the session for every tab; only the id's hash is kept. And
the pages when the database is down: a 503 page that says to try again, no stack trace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI

from application import web_sessions
from application.web_sessions import ABSOLUTE, IDLE
from rabrong.demo import load_demo
from storage.db import Database
from storage.tables import WebSession
from storage.unit_of_work import unit_of_work
from storage.users import hash_password, user_by_username
from web.app import install_web
from web.cookies import SESSION
from web.security import CSP

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
PASSWORD = "web-session-test"


def demo_users(db: Database, folder: Path) -> str:
    """The demo users, with a password of this test's: PostgreSQL keeps them across tests."""
    load_demo(db, folder)
    with unit_of_work(db) as session:
        for username in ("cmi.head", "cmi.staff", "permsec"):
            user = user_by_username(session, username)
            assert user is not None
            user.password_hash = hash_password(PASSWORD)
            session.add(user)
    return PASSWORD


def test_sessions_sign_in_time_out_and_sign_out(database: Database, tmp_path: Path) -> None:
    password = demo_users(database, tmp_path)
    assert web_sessions.sign_in(db=database, username="cmi.head", password="wrong", now=T0) is None
    session_id = web_sessions.sign_in(db=database, username="cmi.head", password=password, now=T0)
    assert session_id is not None
    with database.reader() as session:
        assert session.get(WebSession, session_id) is None  # only the SHA-256 is stored
    who = web_sessions.resume(db=database, session_id=session_id, now=T0 + timedelta(minutes=5))
    assert who is not None and who.user.username == "cmi.head" and who.principal.unit == "cmi"
    assert who.identity.unit_th is not None and "เชียงใหม่" in who.identity.unit_th
    late = T0 + timedelta(minutes=5) + IDLE + timedelta(seconds=1)
    assert web_sessions.resume(db=database, session_id=session_id, now=late) is None
    assert web_sessions.resume(db=database, session_id="not-a-session", now=T0) is None


def test_an_active_session_still_ends_at_its_absolute_limit(
    database: Database, tmp_path: Path
) -> None:
    password = demo_users(database, tmp_path)
    session_id = web_sessions.sign_in(db=database, username="cmi.staff", password=password, now=T0)
    assert session_id is not None
    at = T0
    while at + IDLE / 2 < T0 + ABSOLUTE:  # a page every quarter of an hour all day
        at += IDLE / 2
        assert web_sessions.resume(db=database, session_id=session_id, now=at) is not None
    end = T0 + ABSOLUTE + timedelta(seconds=1)
    assert web_sessions.resume(db=database, session_id=session_id, now=end) is None


def test_signing_out_ends_the_session_everywhere(database: Database, tmp_path: Path) -> None:
    password = demo_users(database, tmp_path)
    session_id = web_sessions.sign_in(db=database, username="permsec", password=password, now=T0)
    assert session_id is not None
    web_sessions.sign_out(db=database, session_id=session_id, now=T0 + timedelta(minutes=1))
    after = T0 + timedelta(minutes=2)
    assert web_sessions.resume(db=database, session_id=session_id, now=after) is None


async def test_a_page_with_the_database_down_is_a_503_page_without_a_trace() -> None:
    app = FastAPI()
    install_web(app, Database("postgresql+psycopg://rabrong@127.0.0.1:1/down"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        signed_out = await http.get("/")
        assert signed_out.status_code == 303 and signed_out.headers["location"] == "/signin?next=/"
        http.cookies.set(SESSION, "some-session")
        down = await http.get("/")
        assert down.status_code == 503
        assert down.headers["content-security-policy"] == CSP
        assert down.headers["retry-after"] == "30"
        assert "กรุณาลองใหม่" in down.text and "Traceback" not in down.text
        assert "psycopg" not in down.text
        unknown_api = await http.get("/v1/no-such-route")
        assert unknown_api.status_code == 404
        assert not unknown_api.headers["content-type"].startswith("text/html")
        assert "content-security-policy" not in unknown_api.headers
