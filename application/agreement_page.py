"""The agreement page: the agreement as the paper form shows it (header, the KPI table with
weights per round and the five criteria levels, results, evidence, scores with their derivation
in words, round totals), as the actor may see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from application.agreements import readable_in, readable_or_none
from application.web_sessions import SignedIn, keep_alive, resume_in
from domain.access import OrgTree, Principal
from domain.agreement import AgreementState
from domain.criteria import Banded, Criteria, Milestones, StepSum, ThresholdLadder
from domain.definition import AgreementDefinition
from domain.progress import progress
from domain.thai import format_date_th
from domain.visibility import as_seen_by
from storage.agreements import get_definition, with_children
from storage.db import Database
from storage.page_reads import labels
from storage.tables import AgreementRow
from storage.users import agreement_unit, org_tree

LEVELS = 5  # the paper form's five score levels


@dataclass(frozen=True)
class KpiRow:
    code: str
    name_th: str
    name_en: str | None
    unit: str
    mandatory: bool
    owner: str | None
    weights: dict[int, Decimal | None]
    criteria: dict[int, list[str]]  # per round, the five levels' descriptions as the form has
    results: dict[int, str | None]  # per round: status
    scores: dict[int, Decimal | None]
    explanations: dict[int, tuple[str, str] | None]
    evidence: dict[int, list[str]]  # per round, the original names of evidence in force


@dataclass(frozen=True)
class SignatureView:
    party: str
    signer: str
    on_behalf_of: str | None
    signed_at: str
    version_hash: str


@dataclass(frozen=True)
class RoundTotal:
    number: int
    name_th: str
    name_en: str
    status: str | None
    score: Decimal | None
    score_100: Decimal | None
    weight_total: Decimal


@dataclass(frozen=True)
class ChildRound:
    number: int
    status: str
    kpis: int
    entered: int
    approved: int
    returned: int
    score: Decimal | None


@dataclass(frozen=True)
class ChildView:
    """An agreement cascaded from this one, and how far it has come."""

    id: str
    title: str
    status: str
    unit: str | None
    rounds: list[ChildRound]
    final_score: Decimal | None


@dataclass
class AgreementView:
    id: str
    title: str
    title_en: str | None
    level: str
    fiscal_year_be: int
    status: str
    version: int
    maker: str
    recipient: str
    unit_th: str | None
    unit_en: str | None
    signatures: list[SignatureView]
    rounds: list[RoundTotal]
    kpis: list[KpiRow]
    names: dict[str, str] = field(default_factory=dict)  # user id -> display name
    children: list[ChildView] = field(default_factory=list)  # cascaded from this one


def _bound(band: Banded, index: int) -> str:
    b = band.bands[index]
    low = "" if b.min is None else str(b.min)
    high = "" if b.max is None else str(b.max)
    return f"{low}–{high}"


def _levels(criteria: Criteria | None) -> list[str]:
    """The five levels in the form's words: a milestone's text, a threshold's bound; a method
    whose levels are not one line each (conditional, composite, ...) is named instead."""
    texts: list[str]
    if isinstance(criteria, Milestones):
        texts = [t or "" for t in criteria.levels]
    elif isinstance(criteria, ThresholdLadder):
        op = "≥" if criteria.direction == "higher_is_better" else "≤"
        texts = [f"{op} {t.value}" for t in criteria.thresholds]
    elif isinstance(criteria, Banded):
        texts = [_bound(criteria, i) for i in range(len(criteria.bands))]
    elif isinstance(criteria, StepSum):
        texts = list(criteria.steps)
    elif criteria is None:
        texts = []
    else:
        texts = [criteria.method]
    return (texts + [""] * LEVELS)[:LEVELS]


def _kpi_row(definition: AgreementDefinition, state: AgreementState, code: str) -> KpiRow:
    kpi = next(k for k in definition.kpis if k.code == code)
    rounds = [r.number for r in definition.rounds]
    results: dict[int, str | None] = {}
    scores: dict[int, Decimal | None] = {}
    explanations: dict[int, tuple[str, str] | None] = {}
    evidence: dict[int, list[str]] = {}
    for number in rounds:
        kr = state.kpi_round(number, code)
        results[number] = kr.status.value if kr.status else None
        scored = kr.score
        scores[number] = scored.score if scored else None
        explanations[number] = (
            (scored.derivation.explanation_th, scored.derivation.explanation_en) if scored else None
        )
        evidence[number] = [e.original_name for e in kr.active_evidence]
    return KpiRow(
        code=kpi.code,
        name_th=kpi.name_th,
        name_en=kpi.name_en,
        unit=kpi.unit,
        mandatory=kpi.mandatory,
        owner=kpi.owner,
        weights={n: kpi.weights.get(n) for n in rounds},
        criteria={n: _levels(kpi.criteria.get(n)) for n in rounds},
        results=results,
        scores=scores,
        explanations=explanations,
        evidence=evidence,
    )


_DEFINITIONS: dict[tuple[str, int, str], AgreementDefinition] = {}


def _definition(session: Session, state: AgreementState) -> AgreementDefinition:
    """A definition version never changes once in force, and its hash in the state says which
    content it is: parsed once per process (it is the page's largest read)."""
    key = (state.definition_id, state.definition_version, state.definition_hash)
    cached = _DEFINITIONS.get(key)
    if cached is None:
        found = get_definition(session, state.definition_id, state.definition_version)
        assert found is not None  # an agreement's definition is never deleted
        if found.content_hash() != state.definition_hash:
            return found  # not what the state names: shown, never kept
        if len(_DEFINITIONS) > 256:
            _DEFINITIONS.clear()
        cached = _DEFINITIONS[key] = found
    return cached


def agreement_for(
    *, db: Database, session_id: str, now: datetime, agreement_id: str
) -> tuple[SignedIn, AgreementView | None] | None:
    """The agreement page for the browser behind this session id (None: not signed in); its
    view is None when the agreement does not exist or is out of their scope (the page answers
    404 for both, as the API does). The whole page is read on one connection in four queries,
    without a transaction around them (decision 0033): who it is, the organisation tree, the
    agreement with the rows cascaded from it (scoped by application.agreements'
    readable_or_none, the step every reader goes through), and the names."""
    with db.statement_reader() as session:
        who = resume_in(session, session_id=session_id, now=now)
        if who is None:
            return None
        view = _agreement_view(session, who.principal, org_tree(session), agreement_id)
    keep_alive(db=db, signed_in=who, session_id=session_id, now=now)
    return who, view


def _agreement_view(
    session: Session, actor: Principal, tree: OrgTree, agreement_id: str
) -> AgreementView | None:
    own, cascaded = with_children(session, agreement_id)
    state = readable_or_none(session, reader=actor, tree=tree, state=own)
    if state is None:
        return None
    state = as_seen_by(state, actor.user_id)
    unit_id = state.parties.unit or agreement_unit(session, state)
    definition = _definition(session, state)
    children = _children(session, actor, tree, cascaded)
    people = {state.parties.maker, state.parties.recipient}
    people |= {s.signer for s in state.signatures}
    people |= {s.on_behalf_of for s in state.signatures if s.on_behalf_of}
    named = labels(session, user_ids=people, unit_ids={unit_id} if unit_id else ())
    unit = named.units.get(unit_id) if unit_id else None
    rounds = []
    for r in definition.rounds:
        seen = state.round_scores.get(r.number)
        rounds.append(
            RoundTotal(
                number=r.number,
                name_th=r.name_th,
                name_en=r.name_en,
                status=state.round_state(r.number).status.value
                if r.number in state.rounds
                else None,
                score=seen.score if seen else None,
                score_100=seen.score_100 if seen else None,
                weight_total=sum(
                    (k.weights.get(r.number) or Decimal(0) for k in definition.kpis), Decimal(0)
                ),
            )
        )
    return AgreementView(
        id=state.agreement_id,
        title=state.title,
        title_en=definition.title_en,
        level=str(definition.level),
        fiscal_year_be=definition.fiscal_year_be,
        status=state.status.value,
        version=state.definition_version,
        maker=state.parties.maker,
        recipient=state.parties.recipient,
        unit_th=unit[0] if unit else None,
        unit_en=unit[1] if unit else None,
        signatures=[
            SignatureView(
                party=s.party.value,
                signer=s.signer,
                on_behalf_of=s.on_behalf_of,
                signed_at=format_date_th(s.signed_at.date()),
                version_hash=s.definition_hash[:12],
            )
            for s in state.signatures
        ],
        rounds=rounds,
        kpis=[_kpi_row(definition, state, k.code) for k in definition.kpis],
        names=named.names,
        children=children,
    )


def _children(
    session: Session, actor: Principal, tree: OrgTree, rows: list[AgreementRow]
) -> list[ChildView]:
    """The agreements cascaded from this one that the actor may read, with how far each has
    come (domain.progress, as GET /v1/agreements/{id}/children answers)."""
    shown = []
    for row in rows:
        child = AgreementState.model_validate(row.state)
        if not readable_in(session, reader=actor, tree=tree, state=child, unit=row.unit):
            continue
        done = progress(as_seen_by(child, actor.user_id), _definition(session, child))
        shown.append(
            ChildView(
                id=done.agreement_id,
                title=done.title,
                status=done.status,
                unit=row.unit,
                rounds=[
                    ChildRound(
                        number=r.number,
                        status=r.status.value,
                        kpis=r.kpis,
                        entered=r.entered,
                        approved=r.approved,
                        returned=r.returned,
                        score=r.score,
                    )
                    for r in done.rounds
                ],
                final_score=done.final_score,
            )
        )
    return shown
