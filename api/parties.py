"""The parties of an agreement about to be created (one, or a cascade's): which unit it
belongs to, checked against the organisation before the workflow is asked."""

from __future__ import annotations

from sqlmodel import Session

from domain.agreement import Parties
from domain.errors import ValidationFailed, violation
from storage.tables import OrgUnit
from storage.users import unit_of


def with_unit(session: Session, parties: Parties, where: str = "parties") -> Parties:
    """An agreement belongs to a unit (its scope): the one named, else its maker's."""
    if parties.unit is not None:
        if session.get(OrgUnit, parties.unit) is None:
            rule = violation(f"{where}.unit", "unit_exists", "unknown unit")
            raise ValidationFailed(f"no unit {parties.unit}", [rule])
        return parties
    unit = unit_of(session, parties.maker)
    if unit is None:
        rule = violation(f"{where}.maker", "user_exists", "unknown user")
        raise ValidationFailed(f"no user {parties.maker}", [rule])
    return parties.model_copy(update={"unit": unit})
