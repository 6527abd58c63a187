"""People change jobs mid-year (each October, and whenever an order moves them): a part in a
running agreement passes from one person to another.

The parties are the only thing that changes. Tasks are derived from the parties, so the open
ones follow to the new person on their own; signatures, approvals and endorsements keep the name
of whoever gave them, so what was signed stays signed and shows who signed it. The people index
(agreement_person) is rebuilt from the new parties, so the old holder loses what only that part
gave them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.agreement import AgreementState, AgreementStatus, Parties
from domain.book import DefinitionBook
from domain.commands import ReassignParty
from domain.errors import InvalidTransition, ValidationFailed, violation
from domain.lifecycle.outcome import Decision, advance, note, require_status
from domain.policies import require_distinct_parties
from domain.tasks import open_tasks

_RUNNING = set(AgreementStatus) - {AgreementStatus.ARCHIVED}
_LISTS = {"reviewer": "reviewers", "submitter": "submitters", "review_chain": "review_chain"}


def holders(parties: Parties, role: str) -> list[str]:
    """Who holds the part now (a list for the parts several people share)."""
    if role in _LISTS:
        found: list[str] = getattr(parties, _LISTS[role])
        return list(found)
    single: str | None = getattr(parties, role)
    return [] if single is None else [single]


def reassigned_parties(parties: Parties, command: ReassignParty) -> Parties:
    if command.from_user == command.to_user:
        raise ValidationFailed(
            "the new holder must be someone else",
            [violation("to_user", "differs_from_holder", "same person as now")],
        )
    held = holders(parties, command.role)
    if command.from_user not in held:
        raise ValidationFailed(
            f"{command.from_user} is not the agreement's {command.role}",
            [violation("from_user", "holds_role", f"not the {command.role} of this agreement")],
        )
    if command.to_user in held:
        raise ValidationFailed(
            f"{command.to_user} is the agreement's {command.role} already",
            [violation("to_user", "not_holder_yet", f"already a {command.role}")],
        )
    if command.role in _LISTS:
        moved = [command.to_user if user == command.from_user else user for user in held]
        new = parties.model_copy(update={_LISTS[command.role]: moved})
    else:
        new = parties.model_copy(update={command.role: command.to_user})
    require_distinct_parties(new)
    return new


def reassign_party(
    state: AgreementState, book: DefinitionBook, command: ReassignParty, at: datetime
) -> Decision:
    require_status(state, _RUNNING, "change who takes part in it")
    if any(s.signer == command.to_user for s in state.signatures) and command.role in (
        "maker",
        "recipient",
        "group_head",
    ):
        # One person may not sign for two parties of the same agreement.
        raise InvalidTransition(
            f"{command.to_user} signed this agreement for another party",
            [violation("to_user", "separation_of_duties", "signed for another party")],
        )
    parties = reassigned_parties(state.parties, command)
    # Tasks the deadline clock handed to the old holder go with the part.
    reassigned = {
        key: (command.to_user if user == command.from_user else user)
        for key, user in state.reassigned.items()
    }
    before = {t.key: t.people for t in open_tasks(state, book)}
    new = advance(state, at, parties=parties, reassigned=reassigned)
    moved = sorted(
        t.key for t in open_tasks(new, book) if t.key in before and before[t.key] != t.people
    )
    facts: dict[str, Any] = {
        "role": command.role,
        "from": command.from_user,
        "to": command.to_user,
        "order_ref": command.order_ref,
        "reason": command.reason,
        "tasks_moved": moved,
    }
    told = [
        note(
            new,
            command.to_user,
            "reassigned",
            f"ท่านได้รับมอบหมายแทน {command.from_user} ตามคำสั่ง {command.order_ref}",
            f"You now act in place of {command.from_user} under order {command.order_ref}",
        ),
        note(
            new,
            command.from_user,
            "reassigned",
            f"บทบาทของท่านในคำรับรองนี้โอนให้ {command.to_user} ตามคำสั่ง {command.order_ref}",
            f"Your part in this agreement passed to {command.to_user} under order "
            f"{command.order_ref}",
        ),
    ]
    return Decision(new, "agreement.reassigned", facts, told)
