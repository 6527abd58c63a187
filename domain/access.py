"""Who may see what across the organisation, decided once.

A role is held at a unit and reaches that unit's whole subtree. People with a part in an
agreement see it wherever they sit, and so does whoever stands in for them under a delegation in
force. Anything else is out of scope and, for that user, does not exist (the API answers 404).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from domain.agreement import AgreementState, Standing
from domain.errors import NotAuthorized, ValidationFailed, violation

STAFF = "staff"
MAKER = "maker"
RECIPIENT = "recipient"
REVIEWER = "reviewer"
COMMITTEE = "committee"
AUDITOR = "auditor"
ADMINISTRATOR = "administrator"
ROLES = (STAFF, MAKER, RECIPIENT, REVIEWER, COMMITTEE, AUDITOR, ADMINISTRATOR)

# Heads and reviewers follow the agreements below them; auditors and administrators oversee.
# Staff and committee members see only what they have a part in.
SCOPE_READERS = frozenset({MAKER, RECIPIENT, REVIEWER, AUDITOR, ADMINISTRATOR})
OVERSEERS = frozenset({AUDITOR, ADMINISTRATOR})


@dataclass(frozen=True)
class Grant:
    role: str
    unit: str


@dataclass(frozen=True)
class OrgTree:
    """unit -> parent (None at the top); small enough to hold whole (a ministry has hundreds)."""

    parents: Mapping[str, str | None]
    # ReadScope.units() per set of reader units, remembered while this tree is the one in use
    # (a tree read once serves many requests: storage.users.current_org_tree).
    covered: dict[frozenset[str], frozenset[str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def lineage(self, unit: str) -> list[str]:
        """The unit, then its parent, up to the top."""
        seen: list[str] = []
        current: str | None = unit
        while current is not None and current not in seen:
            seen.append(current)
            current = self.parents.get(current)
        return seen

    def within(self, unit: str, ancestor: str) -> bool:
        return ancestor in self.lineage(unit)

    def is_top(self, unit: str) -> bool:
        return unit in self.parents and self.parents[unit] is None


@dataclass(frozen=True)
class Principal:
    """A signed-in user as access rules see them."""

    user_id: str
    unit: str
    grants: tuple[Grant, ...]
    acting_for: tuple[Standing, ...] = field(default=())

    @property
    def people(self) -> frozenset[str]:
        """Themselves and everyone they stand in for today."""
        return frozenset({self.user_id, *(s.principal for s in self.acting_for)})

    @property
    def roles(self) -> list[str]:
        return sorted({g.role for g in self.grants})

    def holds(self, roles: Iterable[str], unit: str | None, tree: OrgTree) -> bool:
        """Whether one of the roles is held at the unit or above it."""
        if unit is None:
            return False
        wanted = set(roles)
        lineage = tree.lineage(unit)
        return any(g.role in wanted and g.unit in lineage for g in self.grants)

    def holds_at_top(self, roles: Iterable[str], tree: OrgTree) -> bool:
        wanted = set(roles)
        return any(g.role in wanted and tree.is_top(g.unit) for g in self.grants)

    def holds_anywhere(self, roles: Iterable[str]) -> bool:
        return bool(set(roles).intersection(self.roles))


def agreement_people(state: AgreementState) -> set[str]:
    parties = state.parties
    people = {parties.maker, parties.recipient, *parties.submitters, *parties.reviewers}
    people |= set(parties.review_chain)
    if parties.group_head is not None:
        people.add(parties.group_head)
    people |= {user for users in parties.acting.values() for user in users}
    people |= set(state.reassigned.values())
    return people


@dataclass(frozen=True)
class ReadScope:
    """The agreements a user may read, as two facts a query can match on an agreement's own
    columns: the people who take part in it, and the unit it belongs to.

    An agreement is in scope when one of `people` takes part in it (they, or whom they stand in
    for today), or when its unit lies within one of `reader_units` (where the user holds a role
    that follows the agreements below it). Staff and committee grants add no unit.
    """

    people: frozenset[str]
    reader_units: frozenset[str]
    tree: OrgTree

    def covers(self, unit: str | None) -> bool:
        return unit is not None and any(u in self.reader_units for u in self.tree.lineage(unit))

    def units(self) -> frozenset[str]:
        """Every unit `covers` holds true for, named once for a query's IN list."""
        known = self.tree.covered.get(self.reader_units)
        if known is None:
            known = frozenset(u for u in (*self.tree.parents, *self.reader_units) if self.covers(u))
            self.tree.covered[self.reader_units] = known
        return known

    def admits(self, people: Iterable[str], unit: str | None) -> bool:
        return not self.people.isdisjoint(people) or self.covers(unit)


def read_scope(principal: Principal, tree: OrgTree) -> ReadScope:
    readers = frozenset(g.unit for g in principal.grants if g.role in SCOPE_READERS)
    return ReadScope(people=principal.people, reader_units=readers, tree=tree)


def may_read_agreement(
    state: AgreementState, principal: Principal, tree: OrgTree, unit: str | None
) -> bool:
    """`unit` is the agreement's unit (its parties' unit, else the maker's)."""
    return read_scope(principal, tree).admits(agreement_people(state), unit)


def may_oversee(principal: Principal, tree: OrgTree, unit: str | None) -> bool:
    """Auditors and administrators of the unit or above it."""
    return principal.holds(OVERSEERS, unit, tree)


def may_query_whole_log(principal: Principal, tree: OrgTree) -> bool:
    """The audit log spans every unit, so only overseers at the top may search all of it."""
    return principal.holds_at_top(OVERSEERS, tree)


def may_administer(principal: Principal, tree: OrgTree, unit: str | None) -> bool:
    return principal.holds([ADMINISTRATOR], unit, tree)


def require_known_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed(
            f"unknown role {role}", [violation("role", "known_role", ", ".join(ROLES))]
        )


def require_may_grant(principal: Principal, tree: OrgTree, unit: str) -> None:
    """An administrator of the unit gives roles there, to anyone."""
    if unit not in tree.parents:
        raise ValidationFailed("no such unit", [violation("unit", "unit_exists", unit)])
    if not may_administer(principal, tree, unit):
        raise NotAuthorized(
            "only an administrator of the unit may grant roles there",
            [violation("unit", "administers_unit", "user does not administer this unit")],
        )
