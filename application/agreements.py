"""Agreement commands and reads.

Commands go to the agreement workflow's Update (application.commands names it for each command
class), whose validator decides through domain/ and whose handler has the recording activity
write the projection and the audit entry. The actor travels inside the command
(`command.actor`), as the workflow needs it. Reads answer with public models
(application.public.agreements), never the workflow's state.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from application.commands import update_for
from application.errors import Problem
from application.gateway import TemporalGateway
from application.public.agreements import AgreementPublic, agreement_detail
from domain.access import OrgTree, Principal, may_read_agreement
from domain.agreement import AgreementState
from domain.commands import Command, CreateAgreement
from domain.transition import AgreementWorkflowInput
from storage.agreements import get_state
from storage.db import Database
from storage.users import agreement_unit


async def start_agreement(
    *, temporal: TemporalGateway, command: CreateAgreement, start: AgreementWorkflowInput
) -> Any:
    """Starts the agreement's workflow with its creation (a retry reaches the same one)."""
    return await temporal.create(command, start)


async def act_on_agreement(
    *, temporal: TemporalGateway, agreement_id: str, command: Command
) -> AgreementState:
    """One lifecycle command (sign, submit, approve, attach evidence, ...), sent as the Update
    the command table names for it. The caller has read the agreement first, so a missing
    workflow means it has finished."""
    return await temporal.send(agreement_id, update_for(command), command, known=True)


def not_found(agreement_id: str) -> Problem:
    return Problem(404, "NotFound", "Not found", f"no agreement {agreement_id}")


def readable_in(
    session: Session,
    *,
    reader: Principal,
    tree: OrgTree,
    state: AgreementState,
    unit: str | None = None,
) -> bool:
    """Whether this reader may read this agreement: domain.access's rule, given the agreement's
    unit (`unit` when its row records one, else its parties' unit, else its maker's, read in
    the caller's session)."""
    return may_read_agreement(state, reader, tree, unit or agreement_unit(session, state))


def readable_state_in(
    session: Session, *, reader: Principal, tree: OrgTree, agreement_id: str
) -> AgreementState | None:
    """The agreement's internal state if it exists for this reader, else None: out of their
    scope it does not exist, one answer for both (the pages' 404). Read in the caller's
    session, so a page or route that reads more goes on in the same connection."""
    return readable_or_none(
        session, reader=reader, tree=tree, state=get_state(session, agreement_id)
    )


def readable_or_none(
    session: Session, *, reader: Principal, tree: OrgTree, state: AgreementState | None
) -> AgreementState | None:
    """`readable_state_in` for a state the caller has read with more (the agreement page reads
    it with its children)."""
    if state is None or not readable_in(session, reader=reader, tree=tree, state=state):
        return None
    return state


def visible_state_in(
    session: Session, *, reader: Principal, tree: OrgTree, agreement_id: str
) -> AgreementState:
    """`readable_state_in`, answering 404 (Problem) for none. For deciding; what is shown goes
    through `read_agreement`."""
    state = readable_state_in(session, reader=reader, tree=tree, agreement_id=agreement_id)
    if state is None:
        raise not_found(agreement_id)
    return state


def visible_state(
    *, db: Database, reader: Principal, tree: OrgTree, agreement_id: str
) -> AgreementState:
    """`visible_state_in` in a session of its own."""
    with db.reader() as session:
        return visible_state_in(session, reader=reader, tree=tree, agreement_id=agreement_id)


def read_agreement(
    *, db: Database, reader: Principal, tree: OrgTree, agreement_id: str
) -> AgreementPublic:
    """One agreement as this reader may see it (404 out of their scope)."""
    state = visible_state(db=db, reader=reader, tree=tree, agreement_id=agreement_id)
    return AgreementPublic(agreement=agreement_detail(state, reader.user_id))
