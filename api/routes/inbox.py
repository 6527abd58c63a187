"""The current user's inbox: open tasks, and the notifications written for them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, ServicesDep
from api.schemas import NotificationList, NotificationPublic, TaskList, TaskPublic
from storage.outbox import notifications_for
from storage.tasks import open_tasks_for

router = APIRouter(prefix="/v1", tags=["inbox"])


@router.get("/tasks")
def tasks(
    user: CurrentUser,
    services: ServicesDep,
    agreement_id: Annotated[str | None, Query(max_length=100)] = None,
    overdue: bool | None = None,
) -> TaskList:
    with services.db.reader() as session:
        rows = open_tasks_for(session, user_id=user.id, agreement_id=agreement_id, overdue=overdue)
    data = [TaskPublic.model_validate(r, from_attributes=True) for r in rows]
    return TaskList(data=data, count=len(data))


@router.get("/notifications")
def notifications(
    user: CurrentUser,
    services: ServicesDep,
    agreement_id: Annotated[str | None, Query(max_length=100)] = None,
) -> NotificationList:
    with services.db.reader() as session:
        rows = notifications_for(session, agreement_id=agreement_id, recipient=user.id)
    data = [NotificationPublic.model_validate(r, from_attributes=True) for r in rows]
    return NotificationList(data=data, count=len(data))
