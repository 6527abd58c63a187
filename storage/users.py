"""Organisation units, users and bearer tokens (minimal identity; issue 7 completes it)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from storage.tables import ApiToken, AppUser, OrgUnit

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password(password: str, stored: str) -> bool:
    scheme, salt_b64, digest_b64 = stored.split("$")
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt_b64), **_SCRYPT)
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def upsert_unit(session: Session, unit: OrgUnit) -> None:
    session.merge(unit)


def upsert_user(session: Session, user: AppUser) -> None:
    existing = session.get(AppUser, user.id)
    if existing is None:
        session.add(user)
        return
    existing.display_name = user.display_name
    existing.position = user.position
    existing.unit_id = user.unit_id
    existing.roles = user.roles


def user_by_username(session: Session, username: str) -> AppUser | None:
    return session.exec(select(AppUser).where(AppUser.username == username)).first()


def issue_token(session: Session, *, user_id: str, now: datetime, ttl: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_token_hash(token), user_id=user_id, expires_at=now + ttl))
    return token


def user_for_token(session: Session, token: str, *, now: datetime) -> AppUser | None:
    row = session.get(ApiToken, _token_hash(token))
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now.tzinfo)
    if expires <= now:
        return None
    return session.get(AppUser, row.user_id)


def users_with_role(session: Session, role: str) -> list[AppUser]:
    """Roles are a small JSON list per user; the few candidates are filtered here."""
    users = session.exec(select(AppUser).order_by(col(AppUser.id)))
    return [user for user in users if role in user.roles]
