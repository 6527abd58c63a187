"""Signing in and out: passwords, refresh tokens and machine API tokens.

Identity rows are not agreement state, so they are written here rather than by a workflow
(decision 0004). No audit entry yet: identity events are a later change, and belong here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from application.errors import Problem
from domain.access import Principal
from storage.db import Database
from storage.tables import ApiToken
from storage.tokens import (
    RefreshRefused,
    RefreshReused,
    Rotated,
    create_api_token,
    issue_refresh,
    revoke_api_token,
    revoke_family,
    revoke_refresh,
    rotate_refresh,
)
from storage.unit_of_work import unit_of_work
from storage.users import check_password, hash_password, needs_rehash, user_by_username


def log_in(
    *, db: Database, username: str, password: str, now: datetime, refresh_ttl: timedelta
) -> Rotated:
    """A refresh token for the user whose password this is; the hash is renewed if outdated."""
    with unit_of_work(db) as session:
        user = user_by_username(session, username)
        if user is None or not check_password(password, user.password_hash):
            raise Problem(401, "bad_credentials", "Login failed", "wrong username or password")
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
            session.add(user)
        refresh = issue_refresh(session, user.id, now=now, ttl=refresh_ttl)
    return Rotated(user_id=user.id, refresh_token=refresh)


def refresh_session(
    *, db: Database, refresh_token: str, now: datetime, refresh_ttl: timedelta
) -> Rotated:
    """Spends the refresh token for a new one; one presented twice ends all its sessions."""
    try:
        with unit_of_work(db) as session:
            return rotate_refresh(session, refresh_token, now=now, ttl=refresh_ttl)
    except RefreshReused as reused:
        with unit_of_work(db) as session:
            revoke_family(session, reused.family, now)
        raise Problem(401, "bad_refresh_token", "Refresh refused", str(reused)) from reused
    except RefreshRefused as refused:
        raise Problem(401, "bad_refresh_token", "Refresh refused", str(refused)) from refused


def log_out(*, db: Database, refresh_token: str, now: datetime) -> None:
    """Revokes the refresh token's whole family; access tokens lapse within minutes."""
    with unit_of_work(db) as session:
        revoke_refresh(session, refresh_token, now)


def issue_api_token(
    *, db: Database, actor: Principal, name: str, now: datetime, ttl: timedelta
) -> tuple[ApiToken, str]:
    """A token for a machine acting as this user: its row, and the token, shown once."""
    with unit_of_work(db) as session:
        return create_api_token(session, actor.user_id, name, now=now, ttl=ttl)


def withdraw_api_token(*, db: Database, actor: Principal, token_id: str, now: datetime) -> ApiToken:
    """Revokes one of the actor's own API tokens; anyone else's is not found."""
    with unit_of_work(db) as session:
        if not revoke_api_token(session, actor.user_id, token_id, now):
            raise Problem(404, "NotFound", "Not found", f"no API token {token_id}")
        row = session.get(ApiToken, token_id)
        assert row is not None
        return row
