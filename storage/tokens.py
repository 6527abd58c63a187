"""Refresh tokens (rotated on every use) and machine API tokens; only their SHA-256 is kept."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select, update

from storage.tables import ApiToken, AppUser, RefreshToken

API_TOKEN_PREFIX = "rbk_"  # tells a machine token from a JWT at a glance, and to secret scanners


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class RefreshRefused(Exception):
    """Unknown, expired or revoked."""


class RefreshReused(RefreshRefused):
    """Presented a second time: it leaked, and its whole family must be revoked."""

    def __init__(self, family: str, user_id: str) -> None:
        super().__init__("refresh token used before; its sessions are revoked")
        self.family = family
        self.user_id = user_id


@dataclass(frozen=True)
class Rotated:
    user_id: str
    refresh_token: str
    family: str  # the session's lineage: a name for the audit log, not a credential


def issue_refresh(
    session: Session, user_id: str, *, now: datetime, ttl: timedelta, family: str | None = None
) -> Rotated:
    token = secrets.token_urlsafe(32)
    family = family or uuid.uuid4().hex
    session.add(
        RefreshToken(
            token_hash=token_hash(token), user_id=user_id, family=family, expires_at=now + ttl
        )
    )
    return Rotated(user_id=user_id, refresh_token=token, family=family)


def rotate_refresh(session: Session, token: str, *, now: datetime, ttl: timedelta) -> Rotated:
    """Spend the token and issue its successor in the same family. A token presented twice
    means it leaked: the caller revokes its family (RefreshReused), the thief's and the owner's."""
    row = session.get(RefreshToken, token_hash(token), with_for_update=True)
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise RefreshRefused("refresh token unknown, expired or revoked")
    if row.used_at is not None:
        raise RefreshReused(row.family, row.user_id)
    row.used_at = now
    session.add(row)
    return issue_refresh(session, row.user_id, now=now, ttl=ttl, family=row.family)


def revoke_family(session: Session, family: str, now: datetime) -> None:
    session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.family) == family, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


def revoke_refresh(session: Session, token: str, now: datetime) -> RefreshToken | None:
    """Revokes the token's family: the token's row, or None when it is unknown or was revoked
    already (nothing changed)."""
    row = session.get(RefreshToken, token_hash(token))
    if row is None or row.revoked_at is not None:
        return None
    revoke_family(session, row.family, now)
    return row


def create_api_token(
    session: Session, user_id: str, name: str, *, now: datetime, ttl: timedelta
) -> tuple[ApiToken, str]:
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=token_hash(token),
        user_id=user_id,
        name=name,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    return row, token


def user_for_api_token(session: Session, token: str, *, now: datetime) -> AppUser | None:
    row = session.get(ApiToken, token_hash(token))
    if row is None or row.name is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return session.get(AppUser, row.user_id)


def api_tokens_of(
    session: Session, user_id: str, *, offset: int, limit: int
) -> tuple[list[ApiToken], int]:
    where = (col(ApiToken.user_id) == user_id, col(ApiToken.name).is_not(None))
    rows = session.exec(
        select(ApiToken)
        .where(*where)
        .order_by(col(ApiToken.created_at))
        .offset(offset)
        .limit(limit)
    )
    total = session.exec(select(func.count()).select_from(ApiToken).where(*where)).one()
    return list(rows), int(total)


def revoke_api_token(session: Session, user_id: str, token_id: str, now: datetime) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id or row.name is None:
        return False
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
    return True
