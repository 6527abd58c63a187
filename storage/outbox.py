"""The notification outbox: one row per notification, written once whatever the retries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, func, select

from domain.notifications import Notification
from storage.tables import NotificationRow


def enqueue(session: Session, notifications: Sequence[Notification], at: datetime) -> None:
    for n in notifications:
        if session.get(NotificationRow, n.notification_id) is not None:
            continue
        session.add(
            NotificationRow(
                id=n.notification_id,
                recipient=n.recipient,
                kind=n.kind,
                agreement_id=n.agreement_id,
                task_key=n.task_key,
                due=n.due,
                subject_th=n.subject_th,
                subject_en=n.subject_en,
                created_at=at,
            )
        )


def notifications_for(
    session: Session, *, agreement_id: str | None = None, recipient: str | None = None
) -> list[NotificationRow]:
    statement = select(NotificationRow)
    if agreement_id is not None:
        statement = statement.where(NotificationRow.agreement_id == agreement_id)
    if recipient is not None:
        statement = statement.where(NotificationRow.recipient == recipient)
    return list(session.exec(statement.order_by(col(NotificationRow.created_at))))


def notifications_page(
    session: Session, *, agreement_id: str | None, recipient: str, offset: int, limit: int
) -> tuple[list[NotificationRow], int]:
    where = [col(NotificationRow.recipient) == recipient]
    if agreement_id is not None:
        where.append(col(NotificationRow.agreement_id) == agreement_id)
    total = session.exec(select(func.count()).select_from(NotificationRow).where(*where)).one()
    statement = (
        select(NotificationRow)
        .where(*where)
        .order_by(col(NotificationRow.created_at), col(NotificationRow.id))
        .offset(offset)
        .limit(limit)
    )
    return list(session.exec(statement)), int(total)


def latest_notifications(session: Session, recipient: str, limit: int) -> list[NotificationRow]:
    """The newest few for one person, newest first: one indexed query (the inbox page's)."""
    statement = (
        select(NotificationRow)
        .where(col(NotificationRow.recipient) == recipient)
        .order_by(col(NotificationRow.created_at).desc(), col(NotificationRow.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement).all())
