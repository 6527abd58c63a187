"""The working screens' reads: a round as the unit enters it (every KPI on one screen, with the
inputs its method and formula ask for), a round as the reviewer sees it (result, derivation and
evidence side by side), what a signer signs and in which capacity; and the preview of a result's
computed value and score while it is typed (the domain's engine, never a copy of its rules).

Writes go through `application.agreements.act_on_agreement` with the commands domain/ names;
`send` is the one door the pages use, so every refusal arrives as the domain words it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from application.agreements import act_on_agreement, not_found, readable_state_in
from application.gateway import TemporalGateway
from application.pages import inbox_view
from domain.access import Principal
from domain.agreement import Actor, AgreementState, KpiRound, Party, RoundStatus
from domain.commands import Command
from domain.criteria import (
    Binary,
    Criteria,
    Cumulative,
    Milestones,
    ResultInput,
    StepSum,
)
from domain.deadlines import submission_due
from domain.definition import AgreementDefinition, Kpi
from domain.delegation import KIND_LABELS
from domain.errors import DomainError, NotAuthorized
from domain.formulas import Computation, literal, operands
from domain.policies import required_signers, signer_for, signing_capacity
from domain.scoring import score_kpi
from domain.scoring.engine import criteria_for
from domain.thai import format_date_th
from domain.visibility import as_seen_by
from storage.agreements import get_definition
from storage.db import Database
from storage.inbox import InboxFilter
from storage.tables import AppUser
from storage.users import org_tree

# How a KPI's result is typed, by its criteria's method: one number (with the measures its
# formula names), the levels whose steps are done, per-step progress, or done / not done.
VALUE, LEVELS, STEPS, DONE, OTHER = "value", "levels", "steps", "done", "other"


def actor_of(principal: Principal, name: str) -> Actor:
    """The command's actor, carrying the delegations in force today (read at sign-in)."""
    return Actor(user_id=principal.user_id, display_name=name, acting_for=principal.acting_for)


def command_id() -> str:
    return f"web:{uuid.uuid4()}"


async def send(
    *,
    db: Database,
    temporal: TemporalGateway,
    actor: Principal,
    agreement_id: str,
    command: Command,
) -> AgreementState:
    """One lifecycle command from a page, once the agreement is in the actor's scope (else
    NotFound, as the API answers)."""
    if _readable(db, actor, agreement_id) is None:
        raise not_found(agreement_id)
    return await act_on_agreement(temporal=temporal, agreement_id=agreement_id, command=command)


def _readable(
    db: Database, actor: Principal, agreement_id: str
) -> tuple[AgreementState, AgreementDefinition, dict[str, str]] | None:
    """The agreement, the definition in force and the names of its people, in one read; None
    when it does not exist or is out of the actor's scope (one answer for both, as the API)."""
    with db.reader() as session:
        state = readable_state_in(
            session, reader=actor, tree=org_tree(session), agreement_id=agreement_id
        )
        if state is None:
            return None
        definition = get_definition(session, state.definition_id, state.definition_version)
        if definition is None:
            return None
        people = {state.parties.maker, state.parties.recipient, *state.parties.reviewers}
        people |= set(state.parties.submitters) | set(state.parties.review_chain)
        people |= {s.principal for s in actor.acting_for}
        for entry in state.kpi_rounds.values():
            people |= {u for u in (entry.entered_by, entry.reviewed_by) if u}
            people |= {e.uploaded_by for e in entry.evidence}
        names = {u: user.display_name for u in people if u and (user := session.get(AppUser, u))}
    return state, definition, names


# --- result entry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureField:
    name: str
    name_th: str | None
    unit: str | None


@dataclass(frozen=True)
class EvidenceLine:
    evidence_id: str
    name: str
    sha256: str
    size: int
    media_type: str
    uploaded_by: str


@dataclass
class Row:
    """One KPI of the round: what to type, what is there now, and where it stands."""

    code: str
    name_th: str
    name_en: str | None
    unit: str
    weight: Decimal | None
    method: str
    kind: str
    measures: list[MeasureField]
    steps: list[str]  # step_sum's steps, or the milestone levels' texts (level n at n-1)
    formula: str | None
    status: str | None
    values: dict[str, str]  # form field -> what is recorded now (or what was typed)
    self_score: Decimal | None
    explanation_th: str | None
    explanation_en: str | None
    returned_reason: str | None
    resubmit_by: str | None  # Thai date
    resubmit_by_iso: str | None
    reviewer_note: str | None
    evidence: list[EvidenceLine]
    editable: bool
    errors: dict[str, str] = field(default_factory=dict)  # form field -> reason, on refusal


@dataclass
class RoundView:
    agreement_id: str
    title: str
    title_en: str | None
    number: int
    name_th: str
    name_en: str
    status: str
    due_th: str
    due_iso: str
    exception_until: str | None  # Thai date
    exception_until_iso: str | None
    rows: list[Row]
    missing: list[str]
    is_submitter: bool
    is_reviewer: bool
    is_chain_next: bool
    is_recipient: bool
    score: Decimal | None
    score_100: Decimal | None
    score_explanation_th: str | None
    score_explanation_en: str | None
    names: dict[str, str]


def _kind(criteria: Criteria) -> str:
    if isinstance(criteria, Milestones | Cumulative):
        return LEVELS
    if isinstance(criteria, StepSum):
        return STEPS
    if isinstance(criteria, Binary):
        return DONE
    if criteria.method in ("threshold_ladder", "banded", "conditional", "gated"):
        return VALUE
    return OTHER


def _steps(criteria: Criteria) -> list[str]:
    if isinstance(criteria, StepSum):
        return list(criteria.steps)
    if isinstance(criteria, Milestones):
        return [t or "" for t in criteria.levels]
    if isinstance(criteria, Cumulative):
        return [str(i + 1) for i in range(5)]
    return []


def form_values(result: ResultInput | None) -> dict[str, str]:
    """A recorded result as the row's form fields hold it."""
    if result is None:
        return {}
    values: dict[str, str] = {}
    if result.value is not None:
        values["value"] = str(result.value)
    for name, number in (result.measures or {}).items():
        values[f"m.{name}"] = str(number)
    for level in result.steps_done or []:
        values[f"level.{level}"] = "1"
    for i, step in enumerate(result.steps or [], start=1):
        values[f"step.{i}"] = str(step.achieved)
        values[f"step.{i}.target"] = str(step.target)
    if result.done is not None:
        values["done"] = "1" if result.done else "0"
    if result.note:
        values["note"] = result.note
    return values


def _row(
    definition: AgreementDefinition, state: AgreementState, kpi: Kpi, number: int, editable: bool
) -> Row:
    criteria, _ = criteria_for(definition, kpi, number)
    entry = state.kpi_round(number, kpi.code)
    computation = kpi.formula.compute if kpi.formula is not None else None
    measures = [MeasureField(m.name, m.name_th, m.unit) for m in kpi.measures]
    # A formula over measures the KPI does not declare still asks for them, by name.
    if computation is not None and not measures:
        measures = [MeasureField(n, None, None) for n in _operand_names(computation)]
    explanation = _explained(definition, kpi.code, number, entry)
    return Row(
        code=kpi.code,
        name_th=kpi.name_th,
        name_en=kpi.name_en,
        unit=kpi.unit,
        weight=kpi.weights.get(number),
        method=criteria.method,
        kind=_kind(criteria),
        measures=measures,
        steps=_steps(criteria),
        formula=kpi.formula.text if kpi.formula is not None else None,
        status=entry.status.value if entry.status else None,
        values=form_values(entry.result),
        self_score=entry.self_score,
        explanation_th=explanation[0] if explanation else None,
        explanation_en=explanation[1] if explanation else None,
        returned_reason=entry.review_note
        if entry.status and entry.status.value == "returned"
        else None,
        resubmit_by=format_date_th(entry.resubmit_by) if entry.resubmit_by else None,
        resubmit_by_iso=entry.resubmit_by.isoformat() if entry.resubmit_by else None,
        reviewer_note=entry.review_note,
        evidence=[
            EvidenceLine(
                e.evidence_id, e.original_name, e.sha256, e.size, e.media_type, e.uploaded_by
            )
            for e in entry.active_evidence
        ],
        editable=editable,
    )


def _operand_names(computation: Computation) -> list[str]:
    return [o for o in operands(computation) if literal(o) is None]


def _explained(
    definition: AgreementDefinition, code: str, number: int, entry: KpiRound
) -> tuple[str, str] | None:
    """The score's derivation: the approved one, else the self-score as the engine computes it."""
    if entry.score is not None:
        d = entry.score.derivation
        return d.explanation_th, d.explanation_en
    if entry.result is None:
        return None
    try:
        scored = score_kpi(definition, code, number, entry.result)
    except DomainError:
        return None
    return scored.derivation.explanation_th, scored.derivation.explanation_en


def round_view(
    *, db: Database, actor: Principal, agreement_id: str, number: int
) -> RoundView | None:
    """The round as the actor may see it; None when the agreement or round is not there for
    them (the page answers 404)."""
    found = _readable(db, actor, agreement_id)
    if found is None:
        return None
    state, definition, names = found
    state = as_seen_by(state, actor.user_id)
    round_def = definition.round(number)
    if round_def is None:
        return None
    round_state = state.round_state(number)
    me = actor.user_id
    standing = {s.principal for s in actor.acting_for}
    parties = state.parties
    is_submitter = bool({me, *standing} & {parties.maker, *parties.submitters})
    is_reviewer = bool({me, *standing} & set(parties.reviewers))
    step = len(round_state.endorsements)
    chain_next = parties.review_chain[step] if step < len(parties.review_chain) else None
    collecting = round_state.status in (RoundStatus.COLLECTING, RoundStatus.REVIEW)
    rows = []
    for kpi in definition.scored_kpis(number):
        entry = state.kpi_round(number, kpi.code)
        editable = (
            is_submitter
            and collecting
            and (round_state.status is RoundStatus.COLLECTING or entry.status is not None)
            and (entry.status is None or entry.status.value in ("entered", "returned"))
        )
        rows.append(_row(definition, state, kpi, number, editable))
    missing = [r.code for r in rows if r.status is None]
    due = submission_due(definition, state.policy, number)
    seen = state.round_scores.get(number)
    return RoundView(
        agreement_id=state.agreement_id,
        title=state.title,
        title_en=definition.title_en,
        number=number,
        name_th=round_def.name_th,
        name_en=round_def.name_en,
        status=round_state.status.value,
        due_th=format_date_th(due),
        due_iso=due.isoformat(),
        exception_until=format_date_th(round_state.exception_until)
        if round_state.exception_until
        else None,
        exception_until_iso=round_state.exception_until.isoformat()
        if round_state.exception_until
        else None,
        rows=rows,
        missing=missing,
        is_submitter=is_submitter,
        is_reviewer=is_reviewer,
        is_chain_next=chain_next is not None and chain_next in {me, *standing},
        is_recipient=parties.recipient in {me, *standing},
        score=seen.score if seen else None,
        score_100=seen.score_100 if seen else None,
        score_explanation_th=seen.explanation_th if seen else None,
        score_explanation_en=seen.explanation_en if seen else None,
        names=names,
    )


@dataclass(frozen=True)
class Preview:
    score: Decimal
    explanation_th: str
    explanation_en: str


def preview_result(
    *,
    db: Database,
    actor: Principal,
    agreement_id: str,
    number: int,
    kpi_code: str,
    result: ResultInput,
) -> Preview | None:
    """The score a result would get, with its arithmetic, as the engine computes it; nothing is
    written. A refusal (a measure out of bounds, a zero divisor) is raised as the domain words
    it. None when the agreement is not there for the actor."""
    found = _readable(db, actor, agreement_id)
    if found is None:
        return None
    _, definition, _ = found
    scored = score_kpi(definition, kpi_code, number, result)
    d = scored.derivation
    return Preview(scored.score, d.explanation_th, d.explanation_en)


def row_of(
    *, db: Database, actor: Principal, agreement_id: str, number: int, kpi_code: str
) -> Row | None:
    view = round_view(db=db, actor=actor, agreement_id=agreement_id, number=number)
    if view is None:
        return None
    return next((r for r in view.rows if r.code == kpi_code), None)


# --- signing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignChoice:
    party: str
    holder: str
    holder_name: str
    on_behalf_of: str | None  # whom the actor signs for, when not in person
    order_ref: str | None  # the order that lets them
    standing_kind_th: str | None
    standing_kind_en: str | None
    refused: str | None  # why this actor may not sign for this party


@dataclass
class SignView:
    agreement_id: str
    title: str
    status: str
    content_hash: str
    version: int
    # party, signer, on behalf of, Thai date, ISO date, the hash of the content signed
    signed: list[tuple[str, str, str | None, str, str, str]]
    choices: list[SignChoice]
    negotiation_note: str | None
    pending_revision: dict[str, str] | None
    is_recipient: bool
    is_maker: bool
    names: dict[str, str]
    kpis: list[tuple[str, str, str | None, dict[int, list[str]]]]  # code, th, en, thresholds


def sign_view(*, db: Database, actor: Principal, name: str, agreement_id: str) -> SignView | None:
    found = _readable(db, actor, agreement_id)
    if found is None:
        return None
    state, definition, names = found
    me = actor_of(actor, name)
    signed_parties = {s.party for s in state.signatures}
    choices = []
    for party in required_signers(state.parties):
        if party in signed_parties:
            continue
        holder = signer_for(state.parties, party)
        refused = None
        on_behalf = None
        try:
            on_behalf = signing_capacity(state.parties, me, party)
        except NotAuthorized as no:
            refused = no.message
        standing = me.standing_for(on_behalf) if on_behalf else None
        labels = KIND_LABELS.get(standing.kind) if standing else None
        choices.append(
            SignChoice(
                party=party.value,
                holder=holder,
                holder_name=names.get(holder, holder),
                on_behalf_of=on_behalf,
                order_ref=standing.order_ref if standing else None,
                standing_kind_th=labels[0] if labels else None,
                standing_kind_en=labels[1] if labels else None,
                refused=refused,
            )
        )
    pending = state.pending_revision
    kpis = []
    for kpi in definition.kpis:
        ladders = {
            n: [str(t.value) for t in c.thresholds]
            for n, c in kpi.criteria.items()
            if c.method == "threshold_ladder" and hasattr(c, "thresholds")
        }
        kpis.append((kpi.code, kpi.name_th, kpi.name_en, ladders))
    for s in state.signatures:
        names.setdefault(s.signer, s.signer)
    with db.reader() as session:
        for s in state.signatures:
            for who in (s.signer, s.on_behalf_of):
                if who and who not in names and (user := session.get(AppUser, who)):
                    names[who] = user.display_name
    return SignView(
        agreement_id=state.agreement_id,
        title=state.title,
        status=state.status.value,
        content_hash=state.definition_hash,
        version=state.definition_version,
        signed=[
            (
                s.party.value,
                s.signer,
                s.on_behalf_of,
                format_date_th(s.signed_at.date()),
                s.signed_at.date().isoformat(),
                s.definition_hash,
            )
            for s in state.signatures
        ],
        choices=choices,
        negotiation_note=state.negotiation_note,
        pending_revision=None
        if pending is None
        else {
            "version": str(pending.version),
            "hash": pending.content_hash,
            "reason_code": pending.reason_code,
            "reason": pending.reason,
            "by": names.get(pending.proposed_by, pending.proposed_by),
        },
        is_recipient=state.parties.recipient in {actor.user_id, *me_standing(actor)},
        is_maker=state.parties.maker in {actor.user_id, *me_standing(actor)},
        names=names,
        kpis=kpis,
    )


def me_standing(actor: Principal) -> set[str]:
    return {s.principal for s in actor.acting_for}


def party_of(raw: str) -> Party | None:
    return next((p for p in Party if p.value == raw), None)


def revised_definition(
    *,
    db: Database,
    actor: Principal,
    agreement_id: str,
    kpi_code: str,
    number: int,
    thresholds: list[Decimal],
) -> AgreementDefinition | None:
    """The agreement's definition with one KPI's threshold ladder for one round replaced: the
    change a target revision proposes. None when the agreement is not there for the actor."""
    found = _readable(db, actor, agreement_id)
    if found is None:
        return None
    _, definition, _ = found
    kpis = []
    for kpi in definition.kpis:
        if kpi.code == kpi_code and number in kpi.criteria:
            criteria = kpi.criteria[number]
            ladder = getattr(criteria, "thresholds", None)
            if ladder is not None and len(ladder) == len(thresholds):
                new = [
                    t.model_copy(update={"value": v})
                    for t, v in zip(ladder, thresholds, strict=True)
                ]
                criteria = criteria.model_copy(update={"thresholds": new})
            kpi = kpi.model_copy(update={"criteria": {**kpi.criteria, number: criteria}})
        kpis.append(kpi)
    return definition.model_copy(update={"kpis": kpis, "version": definition.version + 1})


def review_queue(*, db: Database, actor: Principal, today: date) -> list[tuple[str, int, str, int]]:
    """Rounds waiting for this reviewer: (agreement id, round, title, KPIs waiting), from the
    inbox's review and endorse tasks."""
    waiting: dict[tuple[str, int], int] = {}
    titles: dict[str, str] = {}
    for kind in ("review", "endorse"):
        view = inbox_view(db=db, actor=actor, where=InboxFilter(kind=kind), today=today, limit=200)
        titles |= view.titles
        for task in view.tasks:
            if task.round is None:
                continue
            key = (task.agreement_id, task.round)
            waiting[key] = waiting.get(key, 0) + (1 if kind == "review" else 0)
    return [(a, n, titles.get(a, a), c) for (a, n), c in sorted(waiting.items())]
