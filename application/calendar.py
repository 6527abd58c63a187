"""Handing running agreements the holiday calendar the worker computes now (decision 0025).

One use case shared by `rabrong calendar apply` and the administrators' route: send each
agreement the ApplyCalendar command (its Update named in application/commands.py). The
workflow computes the calendar, records the change (an audit entry naming the old and the new
version) and recounts its deadlines; the task rows, and so the inbox's due dates, follow from
the recorded state.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlmodel import Session

from application.commands import update_for
from application.gateway import AgreementUpdate
from domain.agreement import Actor, AgreementState, AgreementStatus
from domain.commands import ApplyCalendar, Command
from storage.agreements import all_agreements


class AgreementSender(Protocol):
    async def send(
        self, agreement_id: str, update: AgreementUpdate, command: Command, *, known: bool = False
    ) -> AgreementState: ...


async def apply_calendar(
    *, sender: AgreementSender, agreement_id: str, actor: Actor, command_id: str | None = None
) -> AgreementState:
    """The agreement counting on the newest calendar; refusals come back as the sender's."""
    command = ApplyCalendar(
        command_id=command_id or f"{agreement_id}/calendar/{uuid.uuid4()}", actor=actor
    )
    return await sender.send(agreement_id, update_for(command), command, known=True)


def still_counting(session: Session) -> list[str]:
    """The agreements a new calendar can reach: every one not archived."""
    archived = AgreementStatus.ARCHIVED.value
    return [row.id for row in all_agreements(session) if row.status != archived]
