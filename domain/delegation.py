"""Acting for someone else: รักษาราชการแทน and ปฏิบัติราชการแทน, each cited to the order that
authorised it and bounded in time."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.access import AUDITOR, OVERSEERS, OrgTree, Principal, may_administer
from domain.agreement import Standing
from domain.errors import NotAuthorized, ValidationFailed, Violation, violation
from domain.thai import normalize_text

DelegationKind = Literal["acting_in_place", "acting_for"]

KIND_LABELS: dict[str, tuple[str, str]] = {
    "acting_in_place": ("รักษาราชการแทน", "Acting in place of"),
    "acting_for": ("ปฏิบัติราชการแทน", "Acting on behalf of"),
}

# A government order rarely runs past a fiscal year; longer is almost certainly a typo.
MAX_DAYS = 366


class DelegationRequest(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    principal: str = Field(min_length=1, max_length=64, description="the user acted for")
    delegate: str = Field(min_length=1, max_length=64, description="the user who acts")
    kind: DelegationKind
    order_ref: str = Field(
        min_length=1, max_length=300, description="the order, e.g. คำสั่ง สป.พม. ที่ 123/2568"
    )
    order_date: date
    valid_from: date
    valid_to: date


class Delegation(DelegationRequest):
    id: str
    created_by: str
    revoked_on: date | None = None

    def in_force_on(self, day: date) -> bool:
        ended = self.revoked_on is not None and self.revoked_on <= day
        return self.valid_from <= day <= self.valid_to and not ended

    def standing(self) -> Standing:
        return Standing(
            principal=self.principal,
            delegation_id=self.id,
            kind=self.kind,
            order_ref=self.order_ref,
        )


def check_delegation(request: DelegationRequest) -> DelegationRequest:
    """Every broken rule at once; the order reference is kept NFC-normalised."""
    problems: list[Violation] = []
    if request.principal == request.delegate:
        problems.append(violation("delegate", "not_self", "nobody acts on their own behalf"))
    if request.valid_to < request.valid_from:
        problems.append(violation("valid_to", "not_before_valid_from", "ends before it starts"))
    elif (request.valid_to - request.valid_from).days >= MAX_DAYS:
        problems.append(violation("valid_to", "at_most_a_year", f"longer than {MAX_DAYS} days"))
    if request.order_date > request.valid_from:
        problems.append(
            violation("order_date", "order_precedes_period", "the order postdates the period")
        )
    if problems:
        raise ValidationFailed("the delegation cannot be recorded", problems)
    return request.model_copy(update={"order_ref": normalize_text(request.order_ref)})


def require_may_delegate(
    user: Principal, tree: OrgTree, principal: str, principal_unit: str | None
) -> None:
    """The person acted for signs their own delegation; an administrator of their unit records
    orders."""
    if user.user_id != principal and not may_administer(user, tree, principal_unit):
        raise NotAuthorized(
            "only the person acted for, or an administrator of their unit, may record this",
            [violation("principal", "is_self_or_administrator", "user may not delegate for them")],
        )


def standings(delegations: list[Delegation], delegate: str, day: date) -> tuple[Standing, ...]:
    return tuple(d.standing() for d in delegations if d.delegate == delegate and d.in_force_on(day))


def may_see_delegation(
    delegation: Delegation, user: Principal, tree: OrgTree, principal_unit: str | None
) -> bool:
    """Its two people, an administrator of the principal's unit, and auditors at the top."""
    return (
        user.user_id in (delegation.principal, delegation.delegate)
        or may_administer(user, tree, principal_unit)
        or user.holds_at_top([AUDITOR], tree)
    )


def may_list_every_delegation(user: Principal, tree: OrgTree) -> bool:
    return user.holds_at_top(OVERSEERS, tree)
