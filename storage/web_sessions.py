"""Browser sessions: stored by the SHA-256 of their opaque id, so a database read leaks none."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam
from sqlalchemy import select as columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from domain.access import Grant
from domain.delegation import Delegation
from storage.tables import AppUser, DelegationRow, OrgUnit, RoleGrant, WebSession


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


@dataclass(frozen=True)
class SessionUser:
    """What a page needs of the signed-in user's row (not their password hash)."""

    id: str
    username: str
    display_name: str
    position: str | None
    unit_id: str
    roles: list[str]
    active: bool
    must_change_password: bool


@dataclass(frozen=True)
class SessionTimes:
    """What decides whether a browser session is live, and the token its forms carry."""

    csrf_token: str
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class WebCaller:
    """A live-looking session's row and everything a page shows of its user, read at once."""

    row: SessionTimes
    user: SessionUser
    unit_th: str | None
    unit_en: str | None
    grants: tuple[Grant, ...]
    delegations: tuple[Delegation, ...]
    names: dict[str, str]  # the delegations' principals' display names


_PRINCIPAL = aliased(AppUser, name="principal_user")


def web_caller(session: Session, session_id: str, day: date) -> WebCaller | None:
    """The session, its user, their unit's names, further grants, the delegations that may be
    in force on the day and their principals' names, in one query (a page view's first read):
    one row per grant and delegation pair, as storage.callers.identity_of reads them. Read as
    plain columns on the session's connection, the session and user rows made from the first
    (no ORM load, identity map or expunge on every page view; decision 0033)."""
    parameters = {"id_hash": _hash(session_id), "day": day}
    rows = session.connection().execute(_caller_statement(), parameters).all()
    if not rows:
        return None
    first = rows[0]
    user = SessionUser(*(getattr(first, "u_" + name) for name in _USER))
    row = SessionTimes(*(getattr(first, "s_" + name) for name in _SESSION))
    further = sorted({Grant(role=r.role, unit=r.grant_unit) for r in rows if r.role}, key=_order)
    home = [Grant(role=role, unit=user.unit_id) for role in user.roles]
    delegations = {r.d_id: r for r in rows if r.d_id is not None}
    names = {r.d_principal: r.principal_name for r in delegations.values() if r.principal_name}
    return WebCaller(
        row=row,
        user=user,
        unit_th=first.unit_th,
        unit_en=first.unit_en,
        grants=tuple(dict.fromkeys([*home, *further])),
        delegations=tuple(
            Delegation.model_validate({name: getattr(r, "d_" + name) for name in _DELEGATION})
            for _, r in sorted(delegations.items())
        ),
        names=names,
    )


_USER = tuple(f.name for f in fields(SessionUser))
_SESSION = tuple(f.name for f in fields(SessionTimes))
_DELEGATION = tuple(name for name in DelegationRow.model_fields if name != "created_at")


@lru_cache(maxsize=1)
def _caller_statement() -> Any:
    """web_caller's query, built once (every page view reads it); the session's hash and the
    day are bound."""
    in_force = and_(
        col(DelegationRow.delegate) == col(AppUser.id),
        col(DelegationRow.valid_from) <= bindparam("day"),
        col(DelegationRow.valid_to) >= bindparam("day"),
    )
    return (
        columns(
            *(getattr(WebSession, name).label("s_" + name) for name in _SESSION),
            *(getattr(AppUser, name).label("u_" + name) for name in _USER),
            col(OrgUnit.name_th).label("unit_th"),
            col(OrgUnit.name_en).label("unit_en"),
            col(RoleGrant.role),
            col(RoleGrant.unit_id).label("grant_unit"),
            *(getattr(DelegationRow, name).label("d_" + name) for name in _DELEGATION),
            col(_PRINCIPAL.display_name).label("principal_name"),
        )
        .select_from(WebSession)
        .join(AppUser, col(AppUser.id) == col(WebSession.user_id))
        .outerjoin(OrgUnit, col(OrgUnit.id) == col(AppUser.unit_id))
        .outerjoin(RoleGrant, col(RoleGrant.user_id) == col(AppUser.id))
        .outerjoin(DelegationRow, in_force)
        .outerjoin(_PRINCIPAL, col(_PRINCIPAL.id) == col(DelegationRow.principal))
        .where(col(WebSession.id_hash) == bindparam("id_hash"))
    )


def _order(grant: Grant) -> tuple[str, str]:
    return grant.role, grant.unit
