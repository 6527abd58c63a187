"""Group tasks claimed and released, each with its audit entry on the agreement."""

from __future__ import annotations

from datetime import UTC, datetime

from application.errors import Problem
from domain.access import Principal
from domain.task_actions import claimable
from storage.audit_append import append_entry
from storage.db import Database
from storage.inbox import Reach, offered_to, set_claim, task_in_reach
from storage.tables import TaskRow
from storage.unit_of_work import unit_of_work


def reach_of(actor: Principal) -> Reach:
    """Whose tasks the actor sees: their own, those of whom they stand in for, their seats'."""
    seats = [(g.role, g.unit) for g in actor.grants]
    return Reach(people=sorted(actor.people), seats=seats)


def claim_task(*, db: Database, actor: Principal, task_id: str, take: bool) -> TaskRow:
    """Take a group task (it leaves the other candidates' inboxes), or give it back (take
    False); doing what is done already records nothing."""
    reach = reach_of(actor)
    now = datetime.now(UTC)
    with unit_of_work(db) as session:
        row = task_in_reach(session, reach, task_id)
        if row is None:
            raise Problem(404, "NotFound", "Not found", f"no open task {task_id} in your inbox")
        if not claimable(row.assignee_user) or not offered_to(session, row, reach):
            raise Problem(
                409,
                "not_a_group_task",
                "Not a group task",
                "only a task offered to several people or to a role can be claimed or released",
            )
        if take and row.claimed_by not in (None, actor.user_id):
            raise Problem(409, "claimed", "Claimed already", f"claimed by {row.claimed_by}")
        if not take and row.claimed_by != actor.user_id:
            raise Problem(409, "not_claimed", "Not yours", "only who claimed it may release it")
        if (row.claimed_by == actor.user_id) != take:
            set_claim(session, row, actor.user_id if take else None, now)
            append_entry(
                session,
                command_id=None,
                at=now,
                actor_id=actor.user_id,
                action="task.claimed" if take else "task.released",
                subject_type="agreement",
                subject_id=row.agreement_id,
                facts={"task": row.id, "kind": row.kind},
            )
        session.flush()
        return row
