"""Who may do what: roles on an agreement and separation of duties, decided once, here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.access import ADMINISTRATOR, OrgTree, Principal, may_administer
from domain.agreement import Actor, AgreementState, KpiRound, Parties, Party
from domain.errors import NotAuthorized, ValidationFailed, violation

__all__ = ["ADMINISTRATOR"]


def require_distinct_parties(parties: Parties) -> None:
    if parties.maker == parties.recipient:
        raise ValidationFailed(
            "the maker and the recipient must be different people",
            [violation("parties.recipient", "separation_of_duties", "recipient equals maker")],
        )
    if parties.maker in parties.reviewers or parties.maker in parties.review_chain:
        raise ValidationFailed(
            "the maker may not review their own agreement",
            [violation("parties.reviewers", "separation_of_duties", "maker listed as reviewer")],
        )
    if parties.group_head is not None and parties.group_head == parties.maker:
        raise ValidationFailed(
            "the group head signs beside the maker, so must be someone else",
            [violation("parties.group_head", "separation_of_duties", "group head equals maker")],
        )
    if len(set(parties.review_chain)) != len(parties.review_chain):
        raise ValidationFailed(
            "each higher reviewer appears once in the review chain",
            [violation("parties.review_chain", "unique", "a reviewer is listed twice")],
        )


def required_signers(parties: Parties) -> list[Party]:
    """In signing order: the group head signs between maker and recipient when there is one."""
    middle = [Party.GROUP_HEAD] if parties.group_head else []
    if parties.signing_order == "recipient_first":
        return [Party.RECIPIENT, *middle, Party.MAKER]
    return [Party.MAKER, *middle, Party.RECIPIENT]


def signer_for(parties: Parties, party: Party) -> str:
    if party is Party.MAKER:
        return parties.maker
    if party is Party.RECIPIENT:
        return parties.recipient
    if parties.group_head is None:
        raise ValidationFailed(
            "this agreement has no group head",
            [violation("party", "party_exists", "no group head on this agreement")],
        )
    return parties.group_head


def stands_for(actor: Actor, holders: Iterable[str]) -> str | None:
    """The holder the actor stands in for under a delegation in force, if any."""
    return next((h for h in holders if actor.standing_for(h) is not None), None)


def acting_facts(actor: Actor, on_behalf_of: str | None) -> dict[str, Any]:
    """What an event records about standing in: whom for, and under which order."""
    if on_behalf_of is None:
        return {}
    standing = actor.standing_for(on_behalf_of)
    if standing is None:  # named on the agreement itself (Parties.acting)
        return {"on_behalf_of": on_behalf_of}
    return {
        "on_behalf_of": on_behalf_of,
        "delegation": {
            "id": standing.delegation_id,
            "kind": standing.kind,
            "order_ref": standing.order_ref,
        },
    }


def signing_capacity(parties: Parties, actor: Actor, party: Party) -> str | None:
    """None when signing in person; the party's user id when acting on their behalf."""
    holder = signer_for(parties, party)
    if actor.user_id == holder:
        return None
    if actor.user_id not in parties.acting.get(party, []) and actor.standing_for(holder) is None:
        raise NotAuthorized(
            f"only the {party.value} of this agreement, or someone acting for them, may sign",
            [violation("party", "signer_is_party", f"user is not the {party.value}")],
        )
    other_sides = {parties.maker, parties.recipient, parties.group_head} - {holder}
    if actor.user_id in other_sides:
        raise NotAuthorized(
            "nobody may sign for both sides of an agreement",
            [violation("party", "separation_of_duties", "user signs for another party")],
        )
    return holder


def _require_party(state: AgreementState, actor: Actor, party: Party, what: str) -> str | None:
    """The party in person (None), or someone standing in for them who is not the other side."""
    holder, other = (
        (state.parties.maker, state.parties.recipient)
        if party is Party.MAKER
        else (state.parties.recipient, state.parties.maker)
    )
    if actor.user_id == holder:
        return None
    if actor.standing_for(holder) is not None and actor.user_id != other:
        return holder
    raise NotAuthorized(
        f"only the {party.value} of this agreement may {what}",
        [violation("actor", f"is_{party.value}", f"user is not the {party.value}")],
    )


def require_maker(state: AgreementState, actor: Actor, what: str) -> str | None:
    return _require_party(state, actor, Party.MAKER, what)


def require_recipient(state: AgreementState, actor: Actor, what: str) -> str | None:
    return _require_party(state, actor, Party.RECIPIENT, what)


def submitting_capacity(state: AgreementState, actor: Actor) -> str | None:
    """None for the unit's own staff or the maker; whom they stand in for otherwise."""
    parties = state.parties
    if actor.user_id in parties.submitters or actor.user_id == parties.maker:
        return None
    if actor.user_id in parties.acting.get(Party.MAKER, []):
        return parties.maker
    stood = stands_for(actor, [parties.maker, *parties.submitters])
    if stood is not None:
        return stood
    raise NotAuthorized(
        "only the evaluated unit's staff or the maker may enter results and evidence",
        [violation("actor", "is_submitter", "user does not submit for this agreement")],
    )


def require_submitter(state: AgreementState, actor: Actor) -> str | None:
    return submitting_capacity(state, actor)


def require_independent_reviewer(
    state: AgreementState, actor: Actor, entry: KpiRound, task_key: str | None = None
) -> str | None:
    user_id = actor.user_id
    stand_in = task_key is not None and state.reassigned.get(task_key) == user_id
    on_behalf_of = None
    if user_id not in state.parties.reviewers and not stand_in:
        on_behalf_of = stands_for(actor, state.parties.reviewers)
        if on_behalf_of is None:
            raise NotAuthorized(
                "only a reviewer of this agreement may review its results",
                [violation("actor", "is_reviewer", "user is not a reviewer of this agreement")],
            )
    own_work = {entry.entered_by, state.parties.maker} | {e.uploaded_by for e in entry.evidence}
    if user_id in own_work or on_behalf_of in own_work:
        raise NotAuthorized(
            "nobody may review a result or evidence they submitted themselves",
            [violation("actor", "separation_of_duties", "reviewer submitted this result")],
        )
    return on_behalf_of


def require_chain_step(state: AgreementState, actor: Actor, step: int) -> str | None:
    expected = state.parties.review_chain[step]
    if actor.user_id == expected:
        return None
    own_work = {state.parties.maker, *state.parties.submitters}
    if actor.standing_for(expected) is not None and actor.user_id not in own_work:
        return expected
    raise NotAuthorized(
        f"step {step + 1} of the review chain belongs to another reviewer",
        [violation("actor", "chain_order", f"waiting for reviewer {step + 1}")],
    )


def superior_of(parties: Parties, user_id: str) -> str | None:
    """Whom to tell when someone's task is overdue: configured first, then the agreement's chain."""
    if user_id in parties.superiors:
        return parties.superiors[user_id]
    if user_id in parties.submitters or user_id == parties.group_head:
        return parties.maker if user_id != parties.maker else parties.recipient
    if user_id == parties.maker:
        return parties.recipient
    if user_id in parties.reviewers:
        return parties.review_chain[0] if parties.review_chain else parties.recipient
    if user_id in parties.review_chain:
        step = parties.review_chain.index(user_id)
        higher = parties.review_chain[step + 1 : step + 2]
        return higher[0] if higher else parties.recipient
    return None


def require_may_create(
    principal: Principal, tree: OrgTree, unit: str | None, maker: str, recipient: str
) -> None:
    if principal.user_id not in (maker, recipient) and not may_administer(principal, tree, unit):
        raise NotAuthorized(
            "only an administrator of its unit or a party to the agreement may create it",
            [violation("parties", "creator_is_party_or_admin", "user may not create this")],
        )


def require_may_cascade(principal: Principal, tree: OrgTree, units: list[str | None]) -> None:
    """An administrator whose unit reaches every unit the cascade makes an agreement for."""
    if not units or not all(may_administer(principal, tree, unit) for unit in units):
        raise NotAuthorized(
            "only an administrator of every unit concerned may cascade a template",
            [violation("actor", "is_administrator", "user is not an administrator")],
        )


def require_may_apply_calendar(principal: Principal, tree: OrgTree, state: AgreementState) -> None:
    """A newer holiday calendar moves deadlines: an administrator of the agreement's unit."""
    if not may_administer(principal, tree, state.parties.unit):
        raise NotAuthorized(
            "only an administrator of the agreement's unit may apply a holiday calendar",
            [violation("actor", "is_administrator", "user is not an administrator")],
        )


def require_may_reassign(principal: Principal, tree: OrgTree, unit: str | None) -> None:
    """Who holds which part follows an order of the administration: an administrator of the
    agreement's unit records it."""
    if not may_administer(principal, tree, unit):
        raise NotAuthorized(
            "only an administrator of the agreement's unit may reassign its parties",
            [violation("actor", "is_administrator", "user is not an administrator")],
        )
