"""Reads only the web pages make, beside the API's: what a page names by id (agreement titles,
people's display names, units' names), in one query per page, not one per row."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Executable, literal, null, select, union_all
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from storage.tables import AgreementRow, AppUser, OrgUnit


@dataclass(frozen=True)
class Labels:
    titles: dict[str, str] = field(default_factory=dict)  # agreement id -> title
    names: dict[str, str] = field(default_factory=dict)  # user id -> display name
    units: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # id -> (th, en)


def labels(
    session: Session,
    *,
    agreement_ids: Collection[str] = (),
    user_ids: Collection[str] = (),
    unit_ids: Collection[str] = (),
) -> Labels:
    """The names of the ids a page shows, one union of indexed lookups by primary key."""
    branches: list[Select[str, str, str, str | None]] = []
    if agreement_ids:
        branches.append(
            select(literal("a"), col(AgreementRow.id), col(AgreementRow.title), null()).where(
                col(AgreementRow.id).in_(sorted(agreement_ids))
            )
        )
    if user_ids:
        branches.append(
            select(literal("u"), col(AppUser.id), col(AppUser.display_name), null()).where(
                col(AppUser.id).in_(sorted(user_ids))
            )
        )
    if unit_ids:
        branches.append(
            select(literal("o"), col(OrgUnit.id), col(OrgUnit.name_th), col(OrgUnit.name_en)).where(
                col(OrgUnit.id).in_(sorted(unit_ids))
            )
        )
    found = Labels()
    if not branches:
        return found
    statement: Executable = branches[0] if len(branches) == 1 else union_all(*branches)
    result = session.connection().execute(statement)
    rows: list[tuple[str, str, str, str | None]] = [tuple(r) for r in result]
    for what, key, label, other in rows:
        if what == "a":
            found.titles[key] = label
        elif what == "u":
            found.names[key] = label
        else:
            found.units[key] = (label, other)
    return found
