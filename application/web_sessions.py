"""Browser sessions of the web app: sign in with the same users and passwords as the API, resume
a session from its cookie (idle and absolute timeouts), sign out. The JWT flow stays for API
clients; a browser holds no token, only an opaque session id (decision 0031)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from domain.access import OVERSEERS, Principal
from domain.delegation import standings
from storage.db import Database
from storage.unit_of_work import unit_of_work
from storage.users import check_password, hash_password, needs_rehash, user_by_username
from storage.web_sessions import (
    SessionTimes,
    SessionUser,
    create_web_session,
    touch_web_session,
    web_caller,
    web_session,
)

COOKIE = "rabrong_session"  # the session id's cookie, read by the pages and the page upload
IDLE = timedelta(minutes=30)  # a government PC left unattended at lunch signs out
ABSOLUTE = timedelta(hours=10)  # a working day, then sign in again
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class StandingView:
    kind: str  # acting_for (ปฏิบัติราชการแทน) or acting_in_place (รักษาราชการแทน)
    principal: str
    principal_name: str
    order_ref: str


@dataclass(frozen=True)
class IdentityView:
    """Always on screen: who I am, my unit, and whom I stand in for under which order."""

    name: str
    position: str | None
    unit_th: str | None
    unit_en: str | None
    standings: list[StandingView]
    # Whether to offer the auditor's desk on every page; the desk itself decides anew.
    audits: bool = False


@dataclass(frozen=True)
class SignedIn:
    """Who the browser is, for one request: the user, what they may do today, the form token."""

    user: SessionUser
    principal: Principal
    csrf_token: str
    identity: IdentityView
    last_seen_at: datetime


def sign_in(*, db: Database, username: str, password: str, now: datetime) -> str | None:
    """A new session's id for the user whose password this is; None for a wrong pair (the page
    says so without telling which half was wrong)."""
    with unit_of_work(db) as session:
        user = user_by_username(session, username.strip())
        if user is None or not check_password(password, user.password_hash):
            return None
        if not user.active:  # deactivated: never deleted, never signed in (decision 0039)
            return None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
            session.add(user)
        _, session_id = create_web_session(session, user.id, now=now, absolute=ABSOLUTE)
    return session_id


def _live(row: SessionTimes | None, now: datetime) -> bool:
    return (
        row is not None
        and row.revoked_at is None
        and now < row.expires_at
        and now - row.last_seen_at < IDLE
    )


def resume(*, db: Database, session_id: str, now: datetime) -> SignedIn | None:
    """The signed-in user behind a cookie, or None when the session is unknown, signed out,
    idle too long or past its absolute limit."""
    with db.reader() as session:
        signed_in = resume_in(session, session_id=session_id, now=now)
    if signed_in is not None:
        keep_alive(db=db, signed_in=signed_in, session_id=session_id, now=now)
    return signed_in


def resume_in(session: Session, *, session_id: str, now: datetime) -> SignedIn | None:
    """`resume`'s read, in a session a page goes on reading in (one connection per page view):
    the session, the user and all the identity bar shows come in one query."""
    today = now.date()
    found = web_caller(session, session_id, today)
    if found is None or not _live(found.row, now) or not found.user.active:
        return None
    user, row, names = found.user, found.row, found.names
    principal = Principal(
        user_id=user.id,
        unit=user.unit_id,
        grants=found.grants,
        acting_for=standings(list(found.delegations), user.id, today),
    )
    identity = IdentityView(
        user.display_name,
        user.position,
        found.unit_th,
        found.unit_en,
        [
            StandingView(s.kind, s.principal, names.get(s.principal, s.principal), s.order_ref)
            for s in principal.acting_for
        ],
        principal.holds_anywhere(OVERSEERS),
    )
    return SignedIn(user, principal, row.csrf_token, identity, row.last_seen_at)


def keep_alive(*, db: Database, signed_in: SignedIn, session_id: str, now: datetime) -> None:
    """A page view is a read: seen-at is written at most once a minute, in a transaction of
    its own, after the page's reads."""
    if now - signed_in.last_seen_at > TOUCH_EVERY:
        with unit_of_work(db) as session:
            touch_web_session(session, session_id, now)


def sign_out(*, db: Database, session_id: str, now: datetime) -> None:
    """Ends the session for good: its id is refused from now on, in every tab."""
    with unit_of_work(db) as session:
        row = web_session(session, session_id)
        if row is not None and row.revoked_at is None:
            row.revoked_at = now
            session.add(row)


def same_token(sent: str | None, expected: str) -> bool:
    """The form's CSRF token against the session's, in constant time."""
    return sent is not None and secrets.compare_digest(sent.encode(), expected.encode())
