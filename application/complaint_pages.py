"""What the complaint screens show, decided here and handed to templates as plain values: every
step with who took it and when, the deadline, the scores with their derivations, the decision
receipts, and which steps this reader may take now (the domain refuses the rest anyway)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from application.complaints import may_see
from domain.access import Principal
from domain.agreement import AgreementState, RoundStatus
from domain.audit import may_read_timeline
from domain.calendar import BANGKOK, local_date
from domain.complaint_filing import window_closes
from domain.complaints import DECIDED, OPEN, ComplaintPolicy, ComplaintState, ComplaintStatus
from domain.receipts import is_decision
from domain.thai import format_date_th
from storage.agreements import get_state
from storage.complaints import get_complaint, list_complaints
from storage.db import Database
from storage.tables import AppUser, AuditEntry
from storage.users import agreement_unit, org_tree

_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Moment:
    """A time as each language writes it, on the Bangkok clock."""

    iso: str
    th: str  # 6 ธ.ค. 2569 14:05
    en: str  # 6 Dec 2026 14:05


def moment(at: datetime) -> Moment:
    local = at.astimezone(BANGKOK)
    clock = local.strftime("%H:%M")
    en = f"{local.day} {_EN_MONTHS[local.month - 1]} {local.year} {clock}"
    return Moment(
        local.isoformat(timespec="minutes"), f"{format_date_th(local.date())} {clock}", en
    )


def last_day(end: datetime) -> Moment:
    """A deadline that ends at midnight (the end of its last day) as people say it: by that
    last day, not at 00:00 of the next."""
    day = local_date(end - timedelta(microseconds=1))
    en = f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return Moment(day.isoformat(), format_date_th(day), en)


@dataclass(frozen=True)
class Deadline:
    at: Moment
    days_left: int  # calendar days, Bangkok; negative once passed
    overdue: bool


@dataclass(frozen=True)
class Step:
    kind: str  # filed, asked, answered, decided, acknowledged: a message key
    at: Moment
    by: str  # the person's name
    text: str | None = None
    number: int | None = None  # the question's number
    evidence: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ComplaintRow:
    complaint_id: str
    agreement_id: str
    round: int
    kpi_code: str
    status: str
    complainant: str
    filed_at: Moment
    due: Deadline
    mine: bool  # I filed it or sit on its committee


@dataclass(frozen=True)
class ComplaintView:
    complaint_id: str
    agreement_id: str
    round: int
    kpi_code: str
    status: str
    complainant: str
    filed_by: str | None  # when someone acting for the complainant filed it
    committee: list[str]
    reasons: str
    evidence: list[str]
    due: Deadline
    old_score: str
    old_version: int
    old_derivation: tuple[str, str]  # (th, en)
    new_score: str | None
    new_version: int | None
    new_derivation: tuple[str, str] | None
    outcome_reasons: str | None
    steps: list[Step]
    receipts: list[int]  # audit seqs of this complaint's decision entries
    may_ask: bool
    may_decide: bool
    open_questions: list[int]  # the numbers this reader may answer now
    may_acknowledge: bool
    score_places: int


@dataclass(frozen=True)
class Contestable:
    round: int
    kpi_code: str
    score: str
    closes: Moment


@dataclass(frozen=True)
class EvidenceChoice:
    evidence_id: str
    label: str  # round, KPI and the file's name


@dataclass(frozen=True)
class FilingView:
    agreement_id: str
    title: str
    scores: list[Contestable]
    evidence: list[EvidenceChoice]


def _deadline(due: datetime, overdue: bool, now: datetime) -> Deadline:
    shown = last_day(due)
    left = (date.fromisoformat(shown.iso) - local_date(now)).days
    return Deadline(shown, left, overdue or due < now)


def _names(session: Session, people: set[str]) -> dict[str, str]:
    return {u: user.display_name for u in people if (user := session.get(AppUser, u))}


def complaint_list(
    *, db: Database, reader: Principal, now: datetime, agreement_id: str | None = None
) -> list[ComplaintRow]:
    """Every complaint this reader may see, newest first: their own, the committee's, and for
    overseers those of their units."""
    with db.reader() as session:
        tree = org_tree(session)
        rows, _ = list_complaints(session, agreement_id=agreement_id, status=None, limit=10_000)
        states = [ComplaintState.model_validate(r.state) for r in rows]
        visible = [s for s in states if may_see(s, reader, tree)]
        names = _names(session, {s.complainant for s in visible})
    visible.sort(key=lambda s: s.filed_at, reverse=True)
    return [
        ComplaintRow(
            complaint_id=s.complaint_id,
            agreement_id=s.agreement_id,
            round=s.round,
            kpi_code=s.kpi_code,
            status=s.status.value,
            complainant=names.get(s.complainant, s.complainant),
            filed_at=moment(s.filed_at),
            due=_deadline(s.due, s.overdue and s.status in OPEN, now),
            mine=bool(reader.people & {s.complainant, s.filed_by, *s.committee}),
        )
        for s in visible
    ]


def complaint_view(
    *, db: Database, reader: Principal, complaint_id: str, now: datetime
) -> ComplaintView | None:
    """One complaint as this reader may see it; None when it does not exist or is out of their
    scope (the page answers 404 for both)."""
    with db.reader() as session:
        tree = org_tree(session)
        state = get_complaint(session, complaint_id)
        if state is None or not may_see(state, reader, tree):
            return None
        people = {state.complainant, state.filed_by, *state.committee}
        people |= {r.asked_by for r in state.requests}
        people |= {state.decided_by} if state.decided_by else set()
        names = _names(session, people)
        receipts = _receipts(session, complaint_id)
        files = _evidence_names(get_state(session, state.agreement_id))
    return _view(state, reader, names, receipts, files, now)


def _view(
    state: ComplaintState,
    reader: Principal,
    names: dict[str, str],
    receipts: list[int],
    files: dict[str, str],
    now: datetime,
) -> ComplaintView:
    def name(user: str | None) -> str:
        return names.get(user or "", user or "")

    def shown(ids: list[str]) -> list[str]:
        return [files.get(i, i) for i in ids]

    filed = moment(state.filed_at)
    steps = [
        Step("filed", filed, name(state.filed_by), state.reasons, None, shown(state.evidence_ids))
    ]
    for r in state.requests:
        steps.append(Step("asked", moment(r.asked_at), name(r.asked_by), r.question, r.number))
        if r.answered_at is not None:
            steps.append(
                Step(
                    "answered",
                    moment(r.answered_at),
                    name(state.complainant),
                    r.answer,
                    r.number,
                    shown(r.evidence_ids),
                )
            )
    if state.decided_at is not None:
        decided = Step(
            _decided_kind(state),
            moment(state.decided_at),
            name(state.decided_by),
            state.outcome_reasons,
        )
        steps.append(decided)
    if state.acknowledged_at is not None:
        steps.append(Step("acknowledged", moment(state.acknowledged_at), name(state.complainant)))
    steps.sort(key=lambda s: s.at.iso)
    is_open = state.status in OPEN
    member = reader.user_id in state.committee
    complainant = reader.user_id == state.complainant
    unanswered = [r.number for r in state.requests if r.answered_at is None]
    places = state.policy.places
    return ComplaintView(
        complaint_id=state.complaint_id,
        agreement_id=state.agreement_id,
        round=state.round,
        kpi_code=state.kpi_code,
        status=state.status.value,
        complainant=name(state.complainant),
        filed_by=name(state.filed_by) if state.filed_by != state.complainant else None,
        committee=[name(m) for m in state.committee],
        reasons=state.reasons,
        evidence=shown(state.evidence_ids),
        due=_deadline(state.due, state.overdue and is_open, now),
        old_score=_score(state.old_score, places),
        old_version=state.old_version,
        old_derivation=(state.old_derivation_th, state.old_derivation_en),
        new_score=_score(state.new_score, places) if state.new_score is not None else None,
        new_version=state.score_version,
        new_derivation=(state.new_derivation_th or "", state.new_derivation_en or "")
        if state.new_derivation_th or state.new_derivation_en
        else None,
        outcome_reasons=state.outcome_reasons,
        steps=steps,
        receipts=receipts,
        may_ask=is_open and member,
        may_decide=is_open and member,
        open_questions=unanswered if is_open and complainant else [],
        may_acknowledge=complainant and state.status in DECIDED and state.acknowledged_at is None,
        score_places=places,
    )


def _decided_kind(state: ComplaintState) -> str:
    upheld = state.status is ComplaintStatus.UPHELD or state.score_version is not None
    return "upheld" if upheld else "dismissed"


def _score(value: Decimal, places: int) -> str:
    """Shown with the policy's places, as the derivation writes it (rounded half-up there)."""
    return f"{value:.{places}f}"


def _receipts(session: Session, complaint_id: str) -> list[int]:
    rows = session.exec(
        select(AuditEntry.seq, AuditEntry.action)
        .where(col(AuditEntry.subject_id) == complaint_id)
        .order_by(col(AuditEntry.seq))
    )
    return [seq for seq, action in rows.all() if is_decision(action)]


def _evidence_names(state: AgreementState | None) -> dict[str, str]:
    if state is None:
        return {}
    return {e.evidence_id: e.original_name for kr in state.kpi_rounds.values() for e in kr.evidence}


def filing_view(
    *, db: Database, reader: Principal, agreement_id: str, now: datetime
) -> FilingView | None:
    """What this reader may contest on the agreement: each published KPI score whose window is
    still open, and the agreement's evidence files to point the committee at. None out of
    scope (404)."""
    with db.reader() as session:
        state = get_state(session, agreement_id)
        if state is None:
            return None
        unit = agreement_unit(session, state)
        if not may_read_timeline(state, reader, org_tree(session), unit):
            return None
    policy = ComplaintPolicy()
    scores = []
    for number, round_state in sorted(state.rounds.items()):
        if round_state.status not in (RoundStatus.PUBLISHED, RoundStatus.ACKNOWLEDGED):
            continue
        if round_state.published_at is None:
            continue
        closes = window_closes(round_state.published_at, policy)
        if closes < now:
            continue
        for kr in sorted(state.kpi_rounds.values(), key=lambda k: _natural(k.kpi_code)):
            if kr.round == number and kr.score is not None:
                scores.append(
                    Contestable(
                        number, kr.kpi_code, _score(kr.score.score, policy.places), last_day(closes)
                    )
                )
    evidence = [
        EvidenceChoice(e.evidence_id, f"{kr.round} · {kr.kpi_code} · {e.original_name}")
        for kr in sorted(state.kpi_rounds.values(), key=lambda k: (k.round, _natural(k.kpi_code)))
        for e in kr.evidence
    ]
    return FilingView(agreement_id, state.title, scores, evidence)


def _natural(code: str) -> tuple[int, str]:
    """KPI codes as the form numbers them: 2 before 10."""
    return (int(code), "") if code.isdigit() else (10**9, code)
