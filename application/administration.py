"""Administration: units, users, roles and definitions, written here and nowhere else.

Identity and organisation rows are not agreement state, so they are written by the application
rather than a workflow (decision 0004). Every change appends its audit entry in the same unit of
work, so a change and its entry are committed together or not at all; a refusal names the field
and the rule (decision 0039). An administrator acts at a unit and everything below it
(domain.access.may_administer).
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete
from sqlmodel import Session, col, select

from application.recording import record_identity_event
from domain.access import ADMINISTRATOR, OrgTree, Principal, may_administer, require_known_role
from domain.definition import AgreementDefinition
from domain.errors import NotAuthorized, NotFound, ValidationFailed, Violation, violation
from domain.validation import validate_definition
from storage.agreements import get_definition, save_definition
from storage.audit_append import append_entry
from storage.db import Database
from storage.tables import AppUser, OrgUnit, RoleGrant
from storage.unit_of_work import unit_of_work
from storage.users import check_password, hash_password, org_tree, user_by_username
from storage.web_sessions import revoke_web_sessions_of

ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{2,99}$")
UNIT_KINDS = ("ministry", "department", "province", "district", "division", "office", "group")
MIN_PASSWORD = 12


def _refuse(field: str, rule: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [violation(field, rule, message)])


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def require_administrator(actor: Principal, tree: OrgTree, unit: str | None) -> None:
    if not may_administer(actor, tree, unit):
        raise NotAuthorized(
            "only an administrator of this unit may change it",
            [violation("unit", "administers_unit", "user does not administer this unit")],
        )


def is_administrator(actor: Principal) -> bool:
    """Whether the administration pages exist for this user at all (others get 404)."""
    return actor.holds_anywhere([ADMINISTRATOR])


def _unit(session: Session, unit_id: str, field: str) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise _refuse(field, "unit_exists", f"no unit {unit_id}")
    return unit


def _user(session: Session, user_id: str) -> AppUser:
    user = session.get(AppUser, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", [violation("user_id", "user_exists", "no such user")])
    return user


def _audit(
    session: Session, actor: Principal, action: str, subject: str, facts: dict[str, Any]
) -> None:
    record_identity_event(
        session,
        actor_id=actor.user_id,
        action=action,
        subject=subject,
        facts=facts,
        command_id=None,
    )


# Units


def create_unit(
    *,
    db: Database,
    actor: Principal,
    unit_id: str,
    parent_id: str,
    kind: str,
    name_th: str,
    name_en: str | None,
) -> OrgUnit:
    """A new unit below one the actor administers (a new top unit is made at installation)."""
    unit_id, name_th = _text(unit_id).lower(), _text(name_th)
    if not ID.match(unit_id):
        raise _refuse("unit_id", "identifier", "lower-case letters, digits, '.', '_' or '-'")
    if kind not in UNIT_KINDS:
        raise _refuse("kind", "known_kind", ", ".join(UNIT_KINDS))
    if not name_th:
        raise _refuse("name_th", "required", "the Thai name is required")
    with unit_of_work(db) as session:
        tree = org_tree(session)
        _unit(session, parent_id, "parent_id")
        require_administrator(actor, tree, parent_id)
        if session.get(OrgUnit, unit_id) is not None:
            raise _refuse("unit_id", "unique", f"unit {unit_id} exists already")
        unit = OrgUnit(
            id=unit_id,
            parent_id=parent_id,
            kind=kind,
            name_th=name_th,
            name_en=_text(name_en or "") or None,
        )
        session.add(unit)
        session.flush()
        facts = {"unit": unit_id, "parent": parent_id, "kind": kind, "name_th": name_th}
        _audit(session, actor, "unit.created", unit_id, facts)
        session.refresh(unit)
        session.expunge(unit)
        return unit


def move_unit(*, db: Database, actor: Principal, unit_id: str, parent_id: str) -> OrgUnit:
    """A unit moves under another parent with its whole subtree; never under itself."""
    with unit_of_work(db) as session:
        tree = org_tree(session)
        unit = _unit(session, unit_id, "unit_id")
        _unit(session, parent_id, "parent_id")
        if unit.parent_id is None:
            raise _refuse("unit_id", "not_top", "the top unit does not move")
        require_administrator(actor, tree, unit.parent_id)
        require_administrator(actor, tree, parent_id)
        if tree.within(parent_id, unit_id):
            raise _refuse("parent_id", "no_cycle", "a unit cannot move below itself")
        before = unit.parent_id
        if before == parent_id:
            raise _refuse("parent_id", "differs", "the unit is there already")
        unit.parent_id = parent_id
        session.add(unit)
        session.flush()
        _audit(
            session,
            actor,
            "unit.moved",
            unit_id,
            {"unit": unit_id, "from": before, "to": parent_id},
        )
        session.refresh(unit)
        session.expunge(unit)
        return unit


# Users


def _password_rule(password: str, field: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise _refuse(field, "min_length", f"at least {MIN_PASSWORD} characters")


def create_user(
    *,
    db: Database,
    actor: Principal,
    user_id: str,
    username: str,
    display_name: str,
    position: str | None,
    unit_id: str,
    password: str,
) -> AppUser:
    """A user at a unit the actor administers, with a first password they must change at their
    first sign-in. No role yet: roles are granted apart, each audited."""
    user_id, username = _text(user_id).lower(), _text(username).lower()
    display_name = _text(display_name)
    if not ID.match(user_id):
        raise _refuse("user_id", "identifier", "lower-case letters, digits, '.', '_' or '-'")
    if not USERNAME.match(username):
        raise _refuse("username", "identifier", "3+ lower-case letters, digits, '.', '_' or '-'")
    if not display_name:
        raise _refuse("display_name", "required", "the name is required")
    _password_rule(password, "password")
    with unit_of_work(db) as session:
        tree = org_tree(session)
        _unit(session, unit_id, "unit_id")
        require_administrator(actor, tree, unit_id)
        if session.get(AppUser, user_id) is not None:
            raise _refuse("user_id", "unique", f"user {user_id} exists already")
        if user_by_username(session, username) is not None:
            raise _refuse("username", "unique", f"username {username} is taken")
        user = AppUser(
            id=user_id,
            username=username,
            display_name=display_name,
            position=_text(position or "") or None,
            unit_id=unit_id,
            roles=[],
            password_hash=hash_password(password),
            must_change_password=True,
        )
        session.add(user)
        session.flush()
        facts = {"user": user_id, "username": username, "unit": unit_id}
        _audit(session, actor, "user.created", user_id, facts)
        session.refresh(user)
        session.expunge(user)
        return user


def move_user(*, db: Database, actor: Principal, user_id: str, unit_id: str) -> AppUser:
    """A user moves to another unit; the roles held at their own unit go with them (they are
    that unit's staff, head, ...), roles granted at further units stay where they were."""
    with unit_of_work(db) as session:
        tree = org_tree(session)
        user = _user(session, user_id)
        _unit(session, unit_id, "unit_id")
        require_administrator(actor, tree, user.unit_id)
        require_administrator(actor, tree, unit_id)
        before = user.unit_id
        if before == unit_id:
            raise _refuse("unit_id", "differs", "the user is there already")
        user.unit_id = unit_id
        session.add(user)
        session.flush()
        _audit(
            session, actor, "user.moved", user_id, {"user": user_id, "from": before, "to": unit_id}
        )
        session.refresh(user)
        session.expunge(user)
        return user


def deactivate_user(*, db: Database, actor: Principal, user_id: str, now: datetime) -> AppUser:
    """Never deleted (their name stays on what they signed): they can no longer sign in, on the
    web or the API, and their open browser sessions end now."""
    if user_id == actor.user_id:
        raise _refuse("user_id", "not_self", "administrators cannot deactivate themselves")
    with unit_of_work(db) as session:
        tree = org_tree(session)
        user = _user(session, user_id)
        require_administrator(actor, tree, user.unit_id)
        if not user.active:
            raise _refuse("user_id", "active", "the user is deactivated already")
        user.active = False
        session.add(user)
        revoke_web_sessions_of(session, user_id, now)
        session.flush()
        _audit(session, actor, "user.deactivated", user_id, {"user": user_id})
        session.refresh(user)
        session.expunge(user)
        return user


def reset_password(
    *, db: Database, actor: Principal, user_id: str, password: str, now: datetime
) -> AppUser:
    """A temporary password the administrator hands over; the user must change it at their next
    sign-in, and their sessions end now. The password is never recorded, only that it changed."""
    _password_rule(password, "password")
    with unit_of_work(db) as session:
        tree = org_tree(session)
        user = _user(session, user_id)
        require_administrator(actor, tree, user.unit_id)
        user.password_hash = hash_password(password)
        user.must_change_password = True
        session.add(user)
        revoke_web_sessions_of(session, user_id, now)
        session.flush()
        _audit(session, actor, "user.password_reset", user_id, {"user": user_id})
        session.refresh(user)
        session.expunge(user)
        return user


def change_password(
    *, db: Database, actor: Principal, current: str, new: str, repeated: str
) -> None:
    """The user's own change (forced after a reset): the current password, then the new one
    twice; the new one may not be the current one."""
    if new != repeated:
        raise _refuse("repeated", "matches", "the two new passwords differ")
    _password_rule(new, "new")
    with unit_of_work(db) as session:
        user = _user(session, actor.user_id)
        if not check_password(current, user.password_hash):
            raise _refuse("current", "correct", "the current password is wrong")
        if current == new:
            raise _refuse("new", "differs", "choose a password other than the current one")
        user.password_hash = hash_password(new)
        user.must_change_password = False
        session.add(user)
        session.flush()
        _audit(session, actor, "identity.password_changed", user.id, {"user": user.id})


# Roles


def revoke_role(*, db: Database, actor: Principal, user_id: str, role: str, unit: str) -> None:
    """Takes a role away, whether held at the user's own unit or granted at another."""
    require_known_role(role)
    with unit_of_work(db) as session:
        tree = org_tree(session)
        user = _user(session, user_id)
        _unit(session, unit, "unit")
        require_administrator(actor, tree, unit)
        if user_id == actor.user_id and role == ADMINISTRATOR:
            raise _refuse("role", "not_self", "administrators cannot revoke their own role")
        held = False
        if unit == user.unit_id and role in user.roles:
            user.roles = [r for r in user.roles if r != role]
            session.add(user)
            held = True
        mine = (
            col(RoleGrant.user_id) == user_id,
            col(RoleGrant.role) == role,
            col(RoleGrant.unit_id) == unit,
        )
        if session.exec(select(RoleGrant).where(*mine)).first() is not None:
            session.execute(delete(RoleGrant).where(*mine))
            held = True
        if not held:
            raise _refuse("role", "held", f"{user_id} does not hold {role} at {unit}")
        session.flush()
        facts = {"user": user_id, "role": role, "unit": unit}
        _audit(session, actor, "role.revoked", user_id, facts)


# Definitions


def definition_errors(raw: bytes) -> tuple[AgreementDefinition | None, list[Violation]]:
    """A definition read from a file, or every error found, each named by its path in the file
    (kpis[2].weights.1: ...): JSON syntax first, then the shape, then the rules."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as bad:
        where = f"line {bad.lineno}" if isinstance(bad, json.JSONDecodeError) else "file"
        return None, [violation(where, "json", str(bad))]
    try:
        definition = AgreementDefinition.model_validate(data)
    except ValidationError as bad:
        return None, [
            violation(error_path(error["loc"]), str(error["type"]), str(error["msg"]))
            for error in bad.errors()
        ]
    report = validate_definition(definition)
    found = [violation(v.field.removeprefix("$."), v.rule, v.message) for v in report.errors]
    return (None, found) if found else (definition, [])


def error_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's location as a path into the file: indexes in brackets after their list."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "$"


def load_definition(*, db: Database, actor: Principal, raw: bytes) -> AgreementDefinition:
    """Stores a definition (a template or an agreement's KPIs) from its JSON file. A version
    once stored never changes: loading the same id and version again is refused."""
    if not is_administrator(actor):
        raise NotAuthorized(
            "only administrators load definitions",
            [violation("actor", "is_administrator", "user is not an administrator")],
        )
    definition, errors = definition_errors(raw)
    if definition is None:
        raise ValidationFailed("the definition has errors", errors)
    with unit_of_work(db) as session:
        if get_definition(session, definition.id, definition.version) is not None:
            raise _refuse(
                "version", "unique", f"{definition.id} version {definition.version} exists"
            )
        save_definition(session, definition)
        append_entry(
            session,
            command_id=None,
            at=datetime.now(UTC),
            actor_id=actor.user_id,
            action="definition.loaded",
            subject_type="definition",
            subject_id=f"{definition.id}@{definition.version}",
            facts={
                "definition": definition.id,
                "version": definition.version,
                "content_hash": definition.content_hash(),
                "kpis": len(definition.kpis),
            },
            request_id=None,
        )
    return definition
