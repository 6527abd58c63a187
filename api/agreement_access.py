"""Reaching an agreement from a route: in the caller's scope or not found, shown as the caller
may see it, and commanded through the application layer. Every agreement route module uses
these; they were api/routes/agreements.py's until issue 18."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

from api.identity import Caller
from api.services import Services
from application.agreements import act_on_agreement, visible_state_in
from application.agreements import not_found as not_found
from application.public.agreements import AgreementDetail, agreement_detail
from domain.agreement import AgreementState
from domain.commands import Command

AgreementId = Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")]
RoundNo = Annotated[int, Path(ge=1, le=2)]
KpiCode = Annotated[str, Path(max_length=32)]


def command_id(key: str | None) -> str:
    """The command's id: the request's Idempotency-Key, so a retry is the same command."""
    return key or str(uuid.uuid4())


def visible(services: Services, user: Caller, agreement_id: str) -> AgreementState:
    """The agreement, if it exists for this user: out of their scope it does not (404). The
    organisation tree, when the caller has not read it yet, comes on the same connection."""
    with services.db.reader() as session:
        return visible_state_in(
            session, reader=user.principal, tree=user.tree_in(session), agreement_id=agreement_id
        )


def seen(state: AgreementState, user: Caller) -> AgreementDetail:
    """The agreement as this user may see it (unpublished scores hidden from the evaluated)."""
    return agreement_detail(state, user.id)


async def act(
    services: Services, user: Caller, agreement_id: str, command: Command
) -> AgreementDetail:
    """A lifecycle command through the workflow's Update, once the agreement is in scope."""
    visible(services, user, agreement_id)
    state = await act_on_agreement(
        temporal=services.temporal, agreement_id=agreement_id, command=command
    )
    return seen(state, user)
