"""What the administration pages show: plain rows read in one session each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from domain.access import Grant, OrgTree
from domain.delegation import Delegation
from storage.agreements import list_definitions
from storage.db import Database
from storage.delegations import delegations_involving
from storage.tables import AppUser, OrgUnit
from storage.users import grants_of, org_tree


@dataclass(frozen=True)
class UnitRow:
    id: str
    parent_id: str | None
    kind: str
    name_th: str
    name_en: str | None
    depth: int


@dataclass(frozen=True)
class UserRow:
    id: str
    username: str
    name: str
    position: str | None
    unit: str
    active: bool
    must_change_password: bool
    grants: tuple[Grant, ...]


@dataclass(frozen=True)
class DefinitionRowView:
    id: str
    version: int
    title_th: str
    fiscal_year_be: int
    kind: str
    electives: tuple[str, ...]


def tree_of(*, db: Database) -> OrgTree:
    with db.reader() as session:
        return org_tree(session)


def units(*, db: Database) -> list[UnitRow]:
    """Every unit, each under its parent (depth-first), as an indented list shows them."""
    with db.reader() as session:
        rows = list(session.exec(select(OrgUnit).order_by(col(OrgUnit.id))))
    children: dict[str | None, list[OrgUnit]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[UnitRow] = []
    known = {row.id for row in rows}

    def walk(parent: str | None, depth: int) -> None:
        for row in children.get(parent, []):
            ordered.append(
                UnitRow(row.id, row.parent_id, row.kind, row.name_th, row.name_en, depth)
            )
            walk(row.id, depth + 1)

    walk(None, 0)
    for row in rows:  # a parent that is gone still shows its children, at the top
        if row.parent_id is not None and row.parent_id not in known:
            ordered.append(UnitRow(row.id, row.parent_id, row.kind, row.name_th, row.name_en, 0))
    return ordered


def _row(session: object, user: AppUser) -> UserRow:
    return UserRow(
        user.id,
        user.username,
        user.display_name,
        user.position,
        user.unit_id,
        user.active,
        user.must_change_password,
        tuple(grants_of(session, user)),  # type: ignore[arg-type]
    )


def users(*, db: Database) -> list[UserRow]:
    with db.reader() as session:
        found = session.exec(select(AppUser).order_by(col(AppUser.unit_id), col(AppUser.id)))
        return [_row(session, user) for user in found]


def user(*, db: Database, user_id: str) -> UserRow | None:
    with db.reader() as session:
        found = session.get(AppUser, user_id)
        return None if found is None else _row(session, found)


def definitions(*, db: Database) -> list[DefinitionRowView]:
    with db.reader() as session:
        rows = list_definitions(session)
        return [
            DefinitionRowView(
                row.id,
                row.version,
                row.title_th,
                row.fiscal_year_be,
                str(row.body.get("kind", "agreement")),
                tuple(str(k["code"]) for k in row.body.get("kpis", []) if k.get("elective_group")),
            )
            for row in rows
        ]


def delegations(*, db: Database) -> list[Delegation]:
    with db.reader() as session:
        found, _ = delegations_involving(session, None, offset=0, limit=200)
        return found
