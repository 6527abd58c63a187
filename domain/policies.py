"""Who may do what: roles on an agreement and separation of duties, decided once, here."""

from __future__ import annotations

from domain.agreement import AgreementState, KpiRound, Party
from domain.errors import NotAuthorized, ValidationFailed, violation


def require_distinct_parties(maker: str, recipient: str, reviewers: list[str]) -> None:
    if maker == recipient:
        raise ValidationFailed(
            "the maker and the recipient must be different people",
            [violation("parties.recipient", "separation_of_duties", "recipient equals maker")],
        )
    if maker in reviewers:
        raise ValidationFailed(
            "the maker may not review their own agreement",
            [violation("parties.reviewers", "separation_of_duties", "maker listed as reviewer")],
        )


def require_party(state: AgreementState, user_id: str, party: Party) -> None:
    expected = state.parties.maker if party is Party.MAKER else state.parties.recipient
    if user_id != expected:
        raise NotAuthorized(
            f"only the {party.value} of this agreement may sign as {party.value}",
            [violation("party", "signer_is_party", f"user is not the {party.value}")],
        )


def require_submitter(state: AgreementState, user_id: str) -> None:
    if user_id not in state.parties.submitters and user_id != state.parties.maker:
        raise NotAuthorized(
            "only the evaluated unit's staff or the maker may enter results and evidence",
            [violation("actor", "is_submitter", "user does not submit for this agreement")],
        )


def require_independent_reviewer(state: AgreementState, user_id: str, entry: KpiRound) -> None:
    if user_id not in state.parties.reviewers:
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


ADMINISTRATOR = "administrator"


def require_may_create(user_id: str, roles: list[str], maker: str, recipient: str) -> None:
    if ADMINISTRATOR not in roles and user_id not in (maker, recipient):
        raise NotAuthorized(
            "only an administrator or a party to the agreement may create it",
            [violation("parties", "creator_is_party_or_admin", "user may not create this")],
        )
