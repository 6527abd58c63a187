"""Who may do what: roles on an agreement and separation of duties, decided once, here."""

from __future__ import annotations

from domain.agreement import AgreementState, KpiRound, Parties, Party
from domain.errors import NotAuthorized, ValidationFailed, violation


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


def signing_capacity(parties: Parties, user_id: str, party: Party) -> str | None:
    """None when signing in person; the party's user id when acting on their behalf."""
    holder = signer_for(parties, party)
    if user_id == holder:
        return None
    if user_id in parties.acting.get(party, []):
        return holder
    raise NotAuthorized(
        f"only the {party.value} of this agreement, or someone acting for them, may sign",
        [violation("party", "signer_is_party", f"user is not the {party.value}")],
    )


def require_maker(state: AgreementState, user_id: str, what: str) -> None:
    if user_id != state.parties.maker:
        raise NotAuthorized(
            f"only the maker of this agreement may {what}",
            [violation("actor", "is_maker", "user is not the maker")],
        )


def require_recipient(state: AgreementState, user_id: str, what: str) -> None:
    if user_id != state.parties.recipient:
        raise NotAuthorized(
            f"only the recipient of this agreement may {what}",
            [violation("actor", "is_recipient", "user is not the recipient")],
        )


def submitting_capacity(state: AgreementState, user_id: str) -> str | None:
    """None for the unit's own staff or the maker; the maker's id for someone acting for them."""
    if user_id in state.parties.submitters or user_id == state.parties.maker:
        return None
    if user_id in state.parties.acting.get(Party.MAKER, []):
        return state.parties.maker
    raise NotAuthorized(
        "only the evaluated unit's staff or the maker may enter results and evidence",
        [violation("actor", "is_submitter", "user does not submit for this agreement")],
    )


def require_submitter(state: AgreementState, user_id: str) -> None:
    submitting_capacity(state, user_id)


def require_independent_reviewer(
    state: AgreementState, user_id: str, entry: KpiRound, task_key: str | None = None
) -> None:
    stand_in = task_key is not None and state.reassigned.get(task_key) == user_id
    if user_id not in state.parties.reviewers and not stand_in:
        raise NotAuthorized(
            "only a reviewer of this agreement may review its results",
            [violation("actor", "is_reviewer", "user is not a reviewer of this agreement")],
        )
    own_work = {entry.entered_by, state.parties.maker} | {e.uploaded_by for e in entry.evidence}
    if user_id in own_work:
        raise NotAuthorized(
            "nobody may review a result or evidence they submitted themselves",
            [violation("actor", "separation_of_duties", "reviewer submitted this result")],
        )


def require_chain_step(state: AgreementState, user_id: str, step: int) -> None:
    expected = state.parties.review_chain[step]
    if user_id != expected:
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


ADMINISTRATOR = "administrator"


def require_may_create(user_id: str, roles: list[str], maker: str, recipient: str) -> None:
    if ADMINISTRATOR not in roles and user_id not in (maker, recipient):
        raise NotAuthorized(
            "only an administrator or a party to the agreement may create it",
            [violation("parties", "creator_is_party_or_admin", "user may not create this")],
        )


def require_may_cascade(roles: list[str]) -> None:
    if ADMINISTRATOR not in roles:
        raise NotAuthorized(
            "only an administrator may cascade a template",
            [violation("actor", "is_administrator", "user is not an administrator")],
        )
