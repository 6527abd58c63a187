"""Mid-year target revision: the maker proposes with a reason, the recipient decides.

An approved revision is a new definition version in force from the decision; rounds whose
cut-off is still ahead are scored with it, so their approvals made under the old version are
voided and go back to the evaluator.
"""

from __future__ import annotations

from datetime import datetime

from domain.agreement import (
    AgreementState,
    AgreementStatus,
    DefinitionVersion,
    PendingRevision,
    ResultStatus,
    RoundStatus,
)
from domain.book import DefinitionBook
from domain.commands import DecideRevision, ProposeRevision
from domain.deadlines import cutoff
from domain.errors import InvalidTransition, violation
from domain.lifecycle.drafting import next_version
from domain.lifecycle.outcome import Decision, advance, note, require_status
from domain.policies import acting_facts, require_maker, require_recipient


def propose_revision(
    state: AgreementState, book: DefinitionBook, command: ProposeRevision, at: datetime
) -> Decision:
    require_status(state, {AgreementStatus.ACTIVE}, "take a target revision")
    on_behalf_of = require_maker(state, command.actor, "propose a target revision")
    if state.pending_revision is not None:
        raise InvalidTransition(
            "a revision is already waiting for the recipient's decision",
            [violation("revision", "one_pending", "decide the pending revision first")],
        )
    definition = next_version(state, book, command.definition)
    pending = PendingRevision(
        version=definition.version,
        content_hash=definition.content_hash(),
        reason_code=command.reason_code,
        reason=command.reason,
        proposed_by=command.actor.user_id,
        proposed_at=at,
    )
    new = advance(state, at, pending_revision=pending)
    told = note(
        state,
        state.parties.recipient,
        "revision_proposed",
        f"ขอปรับเป้าหมายตัวชี้วัด (ฉบับที่ {definition.version}): {command.reason}",
        f"Target revision proposed (version {definition.version}): {command.reason}",
        task_key=f"{state.agreement_id}/revision/{definition.version}",
    )
    facts = {
        "version": definition.version,
        "content_hash": pending.content_hash,
        "reason_code": command.reason_code,
        "reason": command.reason,
    }
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(new, "revision.proposed", facts, [told], definition)


def decide_revision(
    state: AgreementState, book: DefinitionBook, command: DecideRevision, at: datetime
) -> Decision:
    pending = state.pending_revision
    if pending is None:
        raise InvalidTransition(
            "there is no revision waiting for a decision",
            [violation("revision", "pending", "nothing to decide")],
        )
    on_behalf_of = require_recipient(state, command.actor, "decide a target revision")
    facts: dict[str, object] = {"version": pending.version, "approved": command.approve}
    facts |= acting_facts(command.actor, on_behalf_of)
    told = note(
        state,
        state.parties.maker,
        "revision_decided",
        "อนุมัติการปรับเป้าหมาย" if command.approve else "ไม่อนุมัติการปรับเป้าหมาย",
        "Target revision approved" if command.approve else "Target revision refused",
    )
    if not command.approve:
        new = advance(state, at, pending_revision=None)
        return Decision(new, "revision.refused", facts | {"note": command.note}, [told])
    new = advance(
        state,
        at,
        pending_revision=None,
        definition_version=pending.version,
        definition_hash=pending.content_hash,
        versions=[
            *state.versions,
            DefinitionVersion(
                version=pending.version,
                content_hash=pending.content_hash,
                in_force_from=at,
                reason=pending.reason,
            ),
        ],
    )
    new, voided = _void_superseded_approvals(new, book, at)
    facts |= {"content_hash": pending.content_hash, "voided_approvals": voided}
    return Decision(new, "revision.approved", facts, [told])


def _void_superseded_approvals(
    state: AgreementState, book: DefinitionBook, at: datetime
) -> tuple[AgreementState, list[str]]:
    reason = "เป้าหมายถูกปรับ ต้องพิจารณาใหม่ / targets revised: review again"
    entries = dict(state.kpi_rounds)
    rounds = dict(state.rounds)
    scores = dict(state.round_scores)
    voided: list[str] = []
    for number in [r.number for r in book.current(state).rounds]:
        round_state = state.round_state(number)
        if round_state.status in (RoundStatus.PUBLISHED, RoundStatus.ACKNOWLEDGED):
            continue
        if at >= cutoff(book.current(state), state.policy, number):
            continue  # this round keeps the version in force at its cut-off
        for key, entry in state.kpi_rounds.items():
            if entry.round == number and entry.status is ResultStatus.APPROVED:
                entries[key] = entry.model_copy(
                    update={
                        "status": ResultStatus.SUBMITTED,
                        "submitted_at": at,
                        "approved_hash": None,
                        "score": None,
                        "reopened": reason,
                    }
                )
                voided.append(key)
        if round_state.status is RoundStatus.ENDORSING or any(
            k.startswith(f"{number}:") for k in voided
        ):
            rounds[number] = round_state.model_copy(
                update={
                    "status": RoundStatus.REVIEW,
                    "approved_at": None,
                    "endorsements": [],
                    "reopened": reason,
                }
            )
            scores.pop(number, None)
    new = state.model_copy(update={"kpi_rounds": entries, "rounds": rounds, "round_scores": scores})
    return new, voided
