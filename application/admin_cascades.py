"""A cascade started from the administration pages: the administrator picks a template and the
units; each unit's parties come from who holds which role there (decision 0039), so the form
does not ask for a dozen user ids. The cascade itself is application.cascades.run_cascade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from application.administration import require_administrator
from domain.access import MAKER, STAFF, OrgTree, Principal
from domain.agreement import Actor, Parties
from domain.cascade import UnitAssignment
from domain.cascade_plan import CascadeRequest, CascadeUnit, plan
from domain.definition import HierarchyLevel
from domain.errors import ValidationFailed, Violation, violation
from storage.agreements import get_definition, get_state
from storage.db import Database
from storage.tables import AppUser, OrgUnit
from storage.users import holders_at

SAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass(frozen=True)
class UnitProgress:
    unit: str
    unit_name: str
    agreement_id: str
    status: str | None  # None until the agreement exists in the read model


def cascade_request(
    *,
    db: Database,
    actor: Principal,
    display_name: str,
    tree: OrgTree,
    cascade_id: str,
    template_id: str,
    level: HierarchyLevel,
    units: list[str],
    electives: list[str],
    recipient: str,
    reviewer: str,
) -> CascadeRequest:
    """The whole cascade, checked before anything starts: every unit needs a head holding the
    maker role there; its staff (in the unit or below) submit, else the head does. Refusals
    name the form's fields (units[i], recipient, reviewer, template_id)."""
    problems: list[Violation] = []
    if not units:
        raise ValidationFailed("choose at least one unit", [violation("units", "min_items", "1")])
    with db.reader() as session:
        template = get_definition(session, template_id)
        if template is None:
            raise ValidationFailed(
                f"no template {template_id}", [violation("template_id", "exists", "no such")]
            )
        for field, user_id in (("recipient", recipient), ("reviewer", reviewer)):
            person = session.get(AppUser, user_id)
            if person is None or not person.active:
                problems.append(violation(field, "active_user", f"no active user {user_id}"))
        planned: list[CascadeUnit] = []
        for index, unit_id in enumerate(units):
            unit = session.get(OrgUnit, unit_id)
            if unit is None:
                problems.append(violation(f"units[{index}]", "unit_exists", unit_id))
                continue
            require_administrator(actor, tree, unit_id)
            heads = holders_at(session, MAKER, unit_id)
            if not heads:
                problems.append(
                    violation(f"units[{index}]", "has_maker", f"no one holds maker at {unit_id}")
                )
                continue
            below = [u for u in tree.parents if tree.within(u, unit_id)]
            staff = [p for u in below for p in holders_at(session, STAFF, u)]
            agreement_id = SAFE.sub("-", f"{template.id}-{unit_id}")[:100]
            planned.append(
                CascadeUnit(
                    assignment=UnitAssignment(
                        unit=unit_id, definition_id=agreement_id, electives=electives
                    ),
                    agreement_id=agreement_id,
                    title=f"{template.title_th} — {unit.name_th}",
                    parties=Parties(
                        maker=heads[0],
                        recipient=recipient,
                        reviewers=[reviewer],
                        submitters=sorted(set(staff)) or [heads[0]],
                        unit=unit_id,
                    ),
                )
            )
        if problems:
            raise ValidationFailed("the cascade cannot start", problems)
        taken = [
            violation(f"units[{i}]", "unique", f"{u.agreement_id} exists already")
            for i, u in enumerate(planned)
            if get_state(session, u.agreement_id) is not None
        ]
    if taken:
        raise ValidationFailed("some units have this agreement already", taken)
    request = CascadeRequest(
        cascade_id=cascade_id,
        template=template,
        level=level,
        units=planned,
        actor=Actor(user_id=actor.user_id, display_name=display_name, acting_for=actor.acting_for),
    )
    plan(request)  # every unit's definition is built now: a bad one refuses the whole cascade
    return request


def cascade_progress(*, db: Database, request: CascadeRequest) -> list[UnitProgress]:
    """Each unit's agreement as the read model has it so far."""
    with db.reader() as session:
        found = []
        for u in request.units:
            state = get_state(session, u.agreement_id)
            status = None if state is None else state.status.value
            unit = session.get(OrgUnit, u.assignment.unit)
            name = u.assignment.unit if unit is None else unit.name_th
            found.append(UnitProgress(u.assignment.unit, name, u.agreement_id, status))
        return found
