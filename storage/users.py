"""Organisation units, users, the roles they hold where, and their passwords (argon2id)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text
from sqlmodel import Session, col, select

from domain.access import Grant, OrgTree
from domain.agreement import AgreementState
from storage.tables import AppUser, OrgUnit, RoleGrant

_ARGON2 = PasswordHasher()  # argon2id with the library's (RFC 9106) defaults
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # hashes made before issue 7; rehashed at next login


def hash_password(password: str) -> str:
    return _ARGON2.hash(password)


def check_password(password: str, stored: str) -> bool:
    if stored.startswith("scrypt$"):
        _, salt_b64, digest_b64 = stored.split("$")
        salt = base64.b64decode(salt_b64)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
        return hmac.compare_digest(digest, base64.b64decode(digest_b64))
    try:
        return _ARGON2.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return stored.startswith("scrypt$") or _ARGON2.check_needs_rehash(stored)


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


def grants_of(session: Session, user: AppUser) -> list[Grant]:
    """Roles at the user's own unit, then those held at further units."""
    home = [Grant(role=role, unit=user.unit_id) for role in user.roles]
    statement = select(RoleGrant).where(RoleGrant.user_id == user.id)
    further = [Grant(role=row.role, unit=row.unit_id) for row in session.exec(statement)]
    return list(dict.fromkeys([*home, *further]))


def org_tree(session: Session) -> OrgTree:
    """Two columns of every unit, no ORM objects."""
    rows = session.exec(select(OrgUnit.id, OrgUnit.parent_id))
    return OrgTree(parents=dict(rows.all()))


# Per database: the tree as last read by this process, with the version of the unit table it
# was read at.
_TREES: dict[str, tuple[tuple[int, ...], OrgTree]] = {}
# On PostgreSQL every row version carries the transaction that wrote it (xmin, kept when a row
# is frozen): a unit added, changed or moved brings a new transaction id into the sum and
# usually raises the newest one, a unit removed lowers the count.
_VERSION = text(
    "SELECT count(*), coalesce(sum(xmin::text::bigint), 0), coalesce(max(xmin::text::bigint), 0)"
    " FROM org_unit"
)


def current_org_tree(session: Session) -> OrgTree:
    """org_tree, read again only when the unit table has changed since this process last read
    it (decision 0033, amended). The version is asked of the database on every call, so a
    change made by another process (the worker, another API process, an administrator's page)
    is seen by the next request as before; the version is read before the tree, so a tree is
    never kept under a version older than itself. SQLite (one process, development and tests)
    reads the tree each time."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return org_tree(session)
    version = tuple(int(n) for n in session.connection().execute(_VERSION).one())
    database = str(bind.engine.url)
    cached = _TREES.get(database)
    if cached is not None and cached[0] == version:
        return cached[1]
    tree = org_tree(session)
    _TREES[database] = (version, tree)
    return tree


def unit_of(session: Session, user_id: str) -> str | None:
    user = session.get(AppUser, user_id)
    return None if user is None else user.unit_id


def agreement_unit(session: Session, state: AgreementState) -> str | None:
    """The unit an agreement belongs to: its parties' unit, else its maker's (decision 0020)."""
    if state.parties.unit is not None:
        return state.parties.unit
    return unit_of(session, state.parties.maker)


def users_with_role(session: Session, role: str) -> list[AppUser]:
    """Roles are a small JSON list per user; the few candidates are filtered here."""
    users = session.exec(select(AppUser).order_by(col(AppUser.id)))
    return [user for user in users if role in user.roles]


def holders_at(session: Session, role: str, unit: str) -> list[str]:
    """Who holds a role at exactly this unit: its own people with the role, then those granted
    it there."""
    own = session.exec(select(AppUser).where(col(AppUser.unit_id) == unit, col(AppUser.active)))
    found = [user.id for user in own if role in user.roles]
    granted = select(RoleGrant.user_id).where(
        col(RoleGrant.role) == role, col(RoleGrant.unit_id) == unit
    )
    for user_id in session.exec(granted):
        member = session.get(AppUser, user_id)
        if member is not None and member.active:
            found.append(user_id)
    return sorted(dict.fromkeys(found))
