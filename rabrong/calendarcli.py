"""`rabrong calendar apply`: hand running agreements the holiday calendar of this release.

Each agreement named (or, with --all, every one not archived) gets the apply_calendar update
through the same function as the administrators' route. Exit status 0 when every agreement
counts on the new calendar (applied now or already), 1 when some refused, 2 when Temporal or
the database cannot be reached.
"""

from __future__ import annotations

import asyncio
import getpass

from application.calendar import AgreementSender, apply_calendar, still_counting
from application.errors import Problem
from application.gateway import TemporalGateway
from domain.agreement import Actor
from domain.errors import DomainError
from rabrong.resources import database, temporal_client
from rabrong.settings import Settings


def run_apply(settings: Settings, agreement_ids: list[str], *, every: bool) -> tuple[int, str]:
    db = database(settings)
    try:
        with db.reader() as session:
            ids = still_counting(session) if every else agreement_ids
    finally:
        db.dispose()
    gateway = TemporalGateway(lambda: temporal_client(settings), settings.task_queue)
    return asyncio.run(apply_each(gateway, ids, operator()))


def operator() -> Actor:
    """Who ran the command, as the audit log names them."""
    return Actor(user_id=f"cli:{getpass.getuser()}"[:64], display_name="rabrong calendar apply")


async def apply_each(sender: AgreementSender, ids: list[str], actor: Actor) -> tuple[int, str]:
    lines, refused = [], 0
    for agreement_id in ids:
        try:
            state = await apply_calendar(sender=sender, agreement_id=agreement_id, actor=actor)
        except Problem as problem:
            if problem.status == 503:  # Temporal or the database is down: the rest would fail
                lines.append(f"UNAVAILABLE {agreement_id}: {problem.detail}")
                return 2, "\n".join(lines)
            refused += 1  # e.g. its workflow has ended
            lines.append(f"REFUSED {agreement_id}: {problem.detail}")
            continue
        except DomainError as error:
            if any(v.rule == "newer" for v in error.violations):
                lines.append(f"current {agreement_id}: {error.message}")
            else:
                refused += 1
                lines.append(f"REFUSED {agreement_id}: {error.message}")
            continue
        lines.append(f"applied {agreement_id}: {state.policy.calendar.version}")
    lines.append(f"{len(ids)} agreements, {refused} refused")
    return (1 if refused else 0), "\n".join(lines)
