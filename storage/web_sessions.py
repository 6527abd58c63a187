"""Browser sessions: stored by the SHA-256 of their opaque id, so a database read leaks none."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from storage.tables import WebSession


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def create_web_session(
    session: Session, user_id: str, *, now: datetime, absolute: timedelta
) -> tuple[WebSession, str]:
    """A new session row and its id (for the cookie; only its hash is kept)."""
    session_id = secrets.token_urlsafe(32)
    row = WebSession(
        id_hash=_hash(session_id),
        user_id=user_id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + absolute,
    )
    session.add(row)
    return row, session_id


def web_session(session: Session, session_id: str) -> WebSession | None:
    return session.get(WebSession, _hash(session_id))


def touch_web_session(session: Session, session_id: str, now: datetime) -> None:
    row = web_session(session, session_id)
    if row is not None and row.last_seen_at < now:
        row.last_seen_at = now
        session.add(row)


def revoke_web_sessions_of(session: Session, user_id: str, now: datetime) -> int:
    """Ends every open session of a user (an administrator's lever); how many were open."""
    rows = session.exec(
        select(WebSession).where(
            col(WebSession.user_id) == user_id, col(WebSession.revoked_at).is_(None)
        )
    ).all()
    for row in rows:
        row.revoked_at = now
        session.add(row)
    return len(rows)
