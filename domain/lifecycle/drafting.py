"""Draft, negotiation and signing: every signature is bound to the definition it signed."""

from __future__ import annotations

from datetime import datetime

from domain.agreement import (
    AgreementState,
    AgreementStatus,
    DefinitionVersion,
    Signature,
)
from domain.book import DefinitionBook
from domain.commands import CreateAgreement, ReturnDraft, ReviseDraft, Sign
from domain.definition import AgreementDefinition
from domain.errors import InvalidTransition, ValidationFailed, violation
from domain.lifecycle.calendar import calendar_facts
from domain.lifecycle.outcome import Decision, advance, note, require_status
from domain.policies import (
    acting_facts,
    require_distinct_parties,
    require_maker,
    require_recipient,
    required_signers,
    signing_capacity,
)
from domain.validation import validate_definition

_OPEN_DRAFT = {AgreementStatus.DRAFT, AgreementStatus.SIGNING, AgreementStatus.NEGOTIATION}


def create(
    state: AgreementState | None, book: DefinitionBook, command: CreateAgreement, at: datetime
) -> Decision:
    if state is not None:
        raise InvalidTransition(
            "the agreement exists already", [violation("agreement_id", "unique", "exists")]
        )
    definition = book.latest
    report = validate_definition(definition)
    if not report.ok:
        raise ValidationFailed("the definition has errors", report.errors)
    parties = command.parties
    require_distinct_parties(parties)
    if definition.level == "individual" and parties.group_head is None:
        raise ValidationFailed(
            "an individual agreement is also signed by the group head",
            [violation("parties.group_head", "required_for_individual", "no group head")],
        )
    new = AgreementState(
        agreement_id=command.agreement_id,
        title=command.title,
        definition_id=definition.id,
        definition_version=definition.version,
        definition_hash=definition.content_hash(),
        parties=parties,
        rules=command.rules,
        parent_id=command.parent_id,
        policy=command.policy,
        versions=[
            DefinitionVersion(
                version=definition.version,
                content_hash=definition.content_hash(),
                in_force_from=at,
            )
        ],
        created_by=command.actor.user_id,
        created_at=at,
        updated_at=at,
    )
    facts = {
        "definition": f"{definition.id}@{definition.version}",
        "definition_hash": new.definition_hash,
        "parties": parties.model_dump(mode="json"),
        "parent_id": command.parent_id,
        "warnings": [w.rule for w in report.warnings],
        "calendar": calendar_facts(command.policy.calendar),
    }
    return Decision(new, "agreement.created", facts)


def return_draft(
    state: AgreementState, book: DefinitionBook, command: ReturnDraft, at: datetime
) -> Decision:
    require_status(state, {AgreementStatus.DRAFT, AgreementStatus.SIGNING}, "be returned")
    on_behalf_of = require_recipient(state, command.actor, "return the draft")
    new = advance(state, at, status=AgreementStatus.NEGOTIATION, negotiation_note=command.comments)
    told = note(
        state,
        state.parties.maker,
        "draft_returned",
        "ร่างคำรับรองถูกส่งกลับให้แก้ไข",
        "The draft agreement was returned for revision",
    )
    facts = {"comments": command.comments, "definition_hash": state.definition_hash}
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(new, "draft.returned", facts, [told])


def revise_draft(
    state: AgreementState, book: DefinitionBook, command: ReviseDraft, at: datetime
) -> Decision:
    require_status(state, _OPEN_DRAFT, "be revised as a draft")
    on_behalf_of = require_maker(state, command.actor, "revise the draft")
    definition = next_version(state, book, command.definition)
    new_hash = definition.content_hash()
    voided = [s for s in state.signatures if s.definition_hash != new_hash]
    reason = f"ร่างแก้ไขเป็นฉบับที่ {definition.version} / draft revised to version {definition.version}"
    new = advance(
        state,
        at,
        status=AgreementStatus.DRAFT,
        definition_version=definition.version,
        definition_hash=new_hash,
        signatures=[s for s in state.signatures if s.definition_hash == new_hash],
        negotiation_note=command.note or reason,
        versions=[
            *state.versions,
            DefinitionVersion(version=definition.version, content_hash=new_hash, in_force_from=at),
        ],
    )
    told = [
        note(
            state,
            s.signer,
            "signature_voided",
            "ลายมือชื่อของท่านถูกยกเลิกเพราะร่างมีการแก้ไข",
            "Your signature was voided because the draft changed",
        )
        for s in voided
    ]
    facts = {
        "version": definition.version,
        "definition_hash": new_hash,
        "previous_hash": state.definition_hash,
        "voided_signatures": [s.party.value for s in voided],
    }
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(new, "draft.revised", facts, told, definition)


def next_version(
    state: AgreementState, book: DefinitionBook, proposed: AgreementDefinition
) -> AgreementDefinition:
    """The proposed content as the next version, if it is valid and changes something.

    Numbered after the latest version the book holds (a refused proposal keeps its number);
    compared with the version in force.
    """
    latest, in_force = book.latest, book.current(state)
    if proposed.id != state.definition_id:
        raise ValidationFailed(
            "a revision keeps the definition's id",
            [violation("definition.id", "same_definition", f"expected {state.definition_id}")],
        )
    definition = proposed.model_copy(update={"version": latest.version + 1})
    report = validate_definition(definition)
    if not report.ok:
        raise ValidationFailed("the revised definition has errors", report.errors)
    if (
        proposed.model_copy(update={"version": in_force.version}).content_hash()
        == in_force.content_hash()
    ):
        raise ValidationFailed(
            "the revision changes nothing",
            [violation("definition", "changed", "identical to the version in force")],
        )
    return definition


def sign(state: AgreementState, book: DefinitionBook, command: Sign, at: datetime) -> Decision:
    require_status(state, {AgreementStatus.DRAFT, AgreementStatus.SIGNING}, "be signed")
    if any(s.party is command.party for s in state.signatures):
        raise InvalidTransition(
            f"the {command.party.value} has signed already",
            [violation("party", "sign_once", "already signed")],
        )
    order = required_signers(state.parties)
    if command.party not in order:
        raise ValidationFailed(
            "this agreement has no such signer",
            [violation("party", "party_exists", f"{command.party.value} does not sign")],
        )
    on_behalf_of = signing_capacity(state.parties, command.actor, command.party)
    signed = {s.party for s in state.signatures}
    if state.parties.signing_order != "any":
        waiting = next(p for p in order if p not in signed)
        if waiting is not command.party:
            raise InvalidTransition(
                f"the {waiting.value} signs first",
                [violation("party", "signing_order", f"waiting for the {waiting.value}")],
            )
    signature = Signature(
        party=command.party,
        signer=command.actor.user_id,
        on_behalf_of=on_behalf_of,
        signed_at=at,
        definition_hash=state.definition_hash,
    )
    signatures = [*state.signatures, signature]
    complete = {s.party for s in signatures} >= set(order)
    status = AgreementStatus.ACTIVE if complete else AgreementStatus.SIGNING
    new = advance(
        state,
        at,
        signatures=signatures,
        status=status,
        negotiation_note=None if complete else state.negotiation_note,
        activated_at=at if complete else None,
    )
    facts = {
        "party": command.party.value,
        "on_behalf_of": on_behalf_of,
        "definition_hash": state.definition_hash,
        "status": status.value,
    }
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(new, "agreement.signed", facts)
