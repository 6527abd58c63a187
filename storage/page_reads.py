"""Reads only the web pages make, beside the API's: what a page names by id (agreement titles,
people's display names, units' names), in one query per page, not one per row."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, bindparam, literal, null, select, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from storage.inbox import InboxFilter, Reach, inbox_total, page_query
from storage.tables import AgreementRow, AppUser, NotificationRow, OrgUnit


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


def latest_notes(
    session: Session, recipient: str, few: int
) -> list[tuple[str, str, str, datetime]]:
    """storage.outbox.latest_notifications as the four columns the inbox page shows: subject
    in Thai and English, agreement, written at; newest first."""
    rows = session.connection().execute(_LATEST_NOTES, {"recipient": recipient, "few": few})
    return [tuple(row) for row in rows]  # type: ignore[misc]


# Built once, with the recipient and the count bound: building and keying a statement costs
# the inbox page more Python than running it (decision 0033).
_LATEST_NOTES = (
    select(
        col(NotificationRow.subject_th),
        col(NotificationRow.subject_en),
        col(NotificationRow.agreement_id),
        col(NotificationRow.created_at),
    )
    .where(col(NotificationRow.recipient) == bindparam("recipient"))
    .order_by(col(NotificationRow.created_at).desc(), col(NotificationRow.id).desc())
    .limit(bindparam("few"))
)


_ASSIGNEE = aliased(AppUser, name="assignee")

# What a row of the inbox page shows or decides by (application.pages._task): not every task
# column. The candidates' list, read as JSON for each row, and the opened-at time were a tenth
# of the page's reading (decision 0033).
SHOWN = (
    "id",
    "kind",
    "agreement_id",
    "round",
    "kpi_code",
    "due",
    "overdue",
    "note",
    "assignee_user",
    "claimed_by",
)


def inbox_rows_named(
    session: Session,
    reach: Reach,
    where: InboxFilter,
    *,
    limit: int,
    known_total: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """storage.inbox.inbox_page_rows's first page (the same filter and order, the columns in
    SHOWN), each row with what the page names beside it: the agreement's title
    (`agreement_title`) and the assignee's display name (`assignee_name`), joined by primary
    key in the same query."""
    if not reach.people:
        return [], 0
    total = inbox_total(session, reach, where, known_total)
    # Paged first, then joined: the names are looked up by primary key for the page's rows
    # only, whatever plan the database picks for the inbox's filter.
    paged, parameters = page_query(reach, where, offset=0, limit=limit)
    result = session.connection().execute(_named(paged), parameters)
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()], total


@lru_cache(maxsize=128)
def _named(paged: Select[Any]) -> Select[Any]:
    """The page's statement with the titles and names joined, once per shape: page_query hands
    out one statement object per shape (storage.inbox caches them), so this is keyed by it."""
    page = paged.subquery("page")
    return (
        select(
            *(page.c[name] for name in SHOWN),
            col(AgreementRow.title).label("agreement_title"),
            col(_ASSIGNEE.display_name).label("assignee_name"),
        )
        .outerjoin(AgreementRow, col(AgreementRow.id) == page.c.agreement_id)
        .outerjoin(_ASSIGNEE, col(_ASSIGNEE.id) == page.c.assignee_user)
        .order_by(page.c.due.is_(None), page.c.due, page.c.id)
    )
