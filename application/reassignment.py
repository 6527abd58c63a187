"""People change jobs mid-year: an administrator passes a part in a running agreement from one
person to another under the order that moved them (decision 0039).

The ReassignParty command travels as the workflow's reassign_party Update (application.commands
names it); the recording activity writes the new parties, the tasks that moved and the
`agreement.reassigned` audit entry (with the order reference and the reason) in one transaction.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from application.administration import error_path
from application.agreements import act_on_agreement, visible_state
from application.gateway import TemporalGateway
from domain.access import OrgTree, Principal, agreement_people
from domain.agreement import Actor, AgreementState
from domain.commands import PartyRole, ReassignParty
from domain.errors import ValidationFailed, violation
from domain.policies import require_may_reassign
from storage.audit_query import AuditQuery, find_entries
from storage.db import Database
from storage.tables import AppUser
from storage.users import agreement_unit


async def reassign_party(
    *,
    db: Database,
    temporal: TemporalGateway,
    actor: Principal,
    display_name: str,
    tree: OrgTree,
    agreement_id: str,
    role: PartyRole,
    from_user: str,
    to_user: str,
    order_ref: str,
    reason: str,
    command_id: str | None = None,
) -> AgreementState:
    """The agreement with the part passed on; out of scope is 404, a non-administrator 403, and
    a new holder who does not exist or cannot sign in is refused naming `to_user`."""
    state = visible_state(db=db, reader=actor, tree=tree, agreement_id=agreement_id)
    with db.reader() as session:
        require_may_reassign(actor, tree, agreement_unit(session, state))
        newcomer = session.get(AppUser, to_user.strip())
        if newcomer is None or not newcomer.active:
            raise ValidationFailed(
                f"no active user {to_user}",
                [violation("to_user", "active_user", "no active user with this id")],
            )
    try:
        command = ReassignParty(
            command_id=command_id or f"{agreement_id}/reassign/{uuid.uuid4()}",
            actor=Actor(
                user_id=actor.user_id, display_name=display_name, acting_for=actor.acting_for
            ),
            role=role,
            from_user=from_user.strip(),
            to_user=newcomer.id,
            order_ref=unicodedata.normalize("NFC", order_ref).strip(),
            reason=unicodedata.normalize("NFC", reason).strip(),
        )
    except ValidationError as bad:  # a form's empty order or reason, named like the API's
        raise ValidationFailed(
            "the reassignment is incomplete",
            [violation(error_path(e["loc"]), e["type"], e["msg"]) for e in bad.errors()],
        ) from bad
    return await act_on_agreement(temporal=temporal, agreement_id=agreement_id, command=command)


@dataclass(frozen=True)
class PartyChange:
    """One reassignment as the agreement's history shows it."""

    at: datetime
    by: str
    role: str
    from_user: str
    to_user: str
    order_ref: str
    reason: str
    tasks_moved: tuple[str, ...]


def party_changes(
    *, db: Database, reader: Principal, tree: OrgTree, agreement_id: str
) -> list[PartyChange]:
    """The agreement's reassignments from its audit log, oldest first (404 out of scope)."""
    visible_state(db=db, reader=reader, tree=tree, agreement_id=agreement_id)
    with db.reader() as session:
        found, _ = find_entries(
            session,
            AuditQuery(subject_id=agreement_id, action="agreement.reassigned"),
            offset=0,
            limit=500,
        )
        return [
            PartyChange(
                at=entry.at,
                by=entry.actor_id,
                role=str(entry.facts["role"]),
                from_user=str(entry.facts["from"]),
                to_user=str(entry.facts["to"]),
                order_ref=str(entry.facts["order_ref"]),
                reason=str(entry.facts["reason"]),
                tasks_moved=tuple(str(k) for k in entry.facts.get("tasks_moved", [])),
            )
            for entry in found
        ]


def current_parties(
    *, db: Database, reader: Principal, tree: OrgTree, agreement_id: str
) -> tuple[AgreementState, dict[str, str]]:
    """The agreement (404 out of scope) and the names of everyone taking part."""
    state = visible_state(db=db, reader=reader, tree=tree, agreement_id=agreement_id)
    people = agreement_people(state) | {s.signer for s in state.signatures}
    with db.reader() as session:
        names = {u: user.display_name for u in people if (user := session.get(AppUser, u))}
    return state, names
