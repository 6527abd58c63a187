"""Complaints about a published score (ร้องเรียน/อุทธรณ์ผลการประเมิน): the models, commands and
payloads, and the helpers the rules share. The rules are in complaint_filing (who may file,
against what, before whom) and complaint_handling (questions, the decision, the deadline).

The seeds describe no appeal procedure (domain brief, section 6); the rules are the product's:
a window after publication, a committee independent of the score, a deadline that escalates,
and an outcome that is either dismissed with reasons or a new score version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.agreement import Actor, RoundStatus
from domain.calendar import local_date
from domain.errors import ValidationFailed, Violation, violation
from domain.notifications import Notification
from domain.thai import normalize_text, parse_decimal

MAX_COMMITTEE = 5
# Seed 002, D2 standard 6 indicator 8: complaints about appraisal stay at or below 10 % of staff.
COMPLAINT_SHARE_LIMIT = Decimal(10)
COMPLAINABLE = (RoundStatus.PUBLISHED, RoundStatus.ACKNOWLEDGED)
SECONDS_PER_DAY = Decimal(86400)

FILED, OVERDUE, UPHELD = "complaint.filed", "complaint.overdue", "complaint.upheld"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ComplaintStatus(StrEnum):
    FILED = "filed"
    UNDER_REVIEW = "under_review"  # the committee has what it asked for
    INFORMATION_REQUESTED = "information_requested"
    DISMISSED = "dismissed"
    UPHELD = "upheld"
    ACKNOWLEDGED = "acknowledged"


OPEN = (ComplaintStatus.FILED, ComplaintStatus.UNDER_REVIEW, ComplaintStatus.INFORMATION_REQUESTED)
DECIDED = (ComplaintStatus.DISMISSED, ComplaintStatus.UPHELD)


class ComplaintPolicy(_Frozen):
    """Days are Bangkok calendar days, counted to the end of the last one."""

    filing_window_days: int = Field(default=15, ge=1, le=365)
    decision_days: int = Field(default=15, ge=1, le=365)  # grievances elsewhere: 15 days
    # The 1-5 level scale plus 0, which the agreements' below_lowest policy gives a KPI that
    # misses level 1; other scales (0-10 standards, OPDC 50/75/100) set their own bounds.
    score_min: Decimal = Decimal(0)
    score_max: Decimal = Decimal(5)
    places: int = Field(default=4, ge=0, le=10)  # the definitions' default rounding
    escalate_to: list[str] = Field(default_factory=list, description="told when overdue")


def _text(value: str) -> str:
    """NFC and Thai look-alikes mended, so the same words always compare and hash the same."""
    return normalize_text(value)


class ComplaintCommand(_Frozen):
    command_id: str = Field(min_length=1, max_length=100)
    actor: Actor
    at: datetime | None = None  # set by the workflow clock, never by the caller
    request_id: str | None = Field(default=None, max_length=100)


class FileComplaint(ComplaintCommand):
    kind: Literal["file_complaint"] = "file_complaint"
    complaint_id: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")
    agreement_id: str = Field(min_length=1, max_length=100)
    round: int = Field(ge=1)
    kpi_code: str = Field(min_length=1, max_length=32)
    reasons: str = Field(max_length=4000)
    evidence_ids: list[str] = Field(default_factory=list, max_length=20)

    _normalise = field_validator("reasons")(_text)


class AskForInformation(ComplaintCommand):
    kind: Literal["ask_for_information"] = "ask_for_information"
    question: str = Field(max_length=4000)

    _normalise = field_validator("question")(_text)


class ProvideInformation(ComplaintCommand):
    kind: Literal["provide_information"] = "provide_information"
    question_number: int | None = None  # None: the oldest question still unanswered
    answer: str = Field(max_length=4000)
    evidence_ids: list[str] = Field(default_factory=list, max_length=20)

    _normalise = field_validator("answer")(_text)


class DecideComplaint(ComplaintCommand):
    kind: Literal["decide_complaint"] = "decide_complaint"
    outcome: Literal["dismiss", "uphold"]
    reasons: str = Field(max_length=4000)
    new_score: Decimal | None = None

    _normalise = field_validator("reasons")(_text)

    @field_validator("new_score", mode="before")
    @classmethod
    def _thai_digits(cls, value: object) -> object:
        return parse_decimal(value) if isinstance(value, str) else value


class AcknowledgeOutcome(ComplaintCommand):
    kind: Literal["acknowledge_outcome"] = "acknowledge_outcome"


class ContestedScore(_Frozen):
    """The published KPI score a complaint is against, and who had a hand in it."""

    agreement_id: str
    round: int
    kpi_code: str
    round_status: RoundStatus
    published_at: datetime | None
    score: Decimal | None  # None: the KPI has no score in that round
    version: int = 1  # a score upheld by an earlier complaint is version 2 and so on
    derivation_th: str = ""
    derivation_en: str = ""
    maker: str
    acting_for_maker: list[str] = Field(default_factory=list)
    involved: list[str]
    unit: str | None = None
    open_complaint_id: str | None = None  # another complaint on this score still open


class InformationRequest(_Frozen):
    number: int
    question: str
    asked_by: str
    asked_at: datetime
    answer: str | None = None
    evidence_ids: list[str] = Field(default_factory=list)
    answered_at: datetime | None = None


# The shape of ComplaintState: internal like STATE_SCHEMA in domain/agreement.py (the complaint
# workflow's payload and the complaint row's JSON); clients read application.public.complaints.
COMPLAINT_STATE_SCHEMA = 1


class ComplaintState(_Frozen):
    """Internal, versioned by COMPLAINT_STATE_SCHEMA: never a response body (decision 0029)."""

    complaint_id: str
    agreement_id: str
    round: int
    kpi_code: str
    unit: str | None = None
    complainant: str  # the evaluated person: the agreement's maker
    filed_by: str  # the complainant, or someone acting for them
    reasons: str
    evidence_ids: list[str] = Field(default_factory=list)
    filed_at: datetime
    committee: list[str]
    due: datetime
    overdue: bool = False
    status: ComplaintStatus = ComplaintStatus.FILED
    requests: list[InformationRequest] = Field(default_factory=list)
    old_score: Decimal
    old_version: int = 1
    old_derivation_th: str = ""
    old_derivation_en: str = ""
    outcome_reasons: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    new_score: Decimal | None = None
    score_version: int | None = None  # the new version an upheld complaint made
    new_derivation_th: str | None = None
    new_derivation_en: str | None = None
    acknowledged_at: datetime | None = None
    policy: ComplaintPolicy = ComplaintPolicy()
    version: int = 1


class ComplaintWorkflowInput(_Frozen):
    filing: FileComplaint
    committee: list[str]  # assigned by the API from the complaint committee, not the complainant
    policy: ComplaintPolicy = ComplaintPolicy()


class ComplaintRecord(_Frozen):
    """What the workflow hands the recording activity: projection, audit entry, notices."""

    command_id: str
    action: str
    actor_id: str
    on_behalf_of: str | None = None
    at: datetime
    facts: dict[str, Any]
    request_id: str | None = None
    state: ComplaintState
    notifications: list[Notification] = Field(default_factory=list)


@dataclass(frozen=True)
class ComplaintDecision:
    state: ComplaintState
    action: str
    facts: dict[str, Any]
    on_behalf_of: str | None = None
    notifications: list[Notification] = field(default_factory=list)


def required(text: str, name: str) -> list[Violation]:
    return [] if text else [violation(name, "required", f"{name} must not be empty")]


def refuse_if(problems: list[Violation]) -> None:
    if problems:
        raise ValidationFailed("the command cannot be accepted as it stands", problems)


def advanced(state: ComplaintState, **changes: Any) -> ComplaintState:
    return state.model_copy(update={**changes, "version": state.version + 1})


def facts_of(state: ComplaintState, **more: Any) -> dict[str, Any]:
    """Every entry names the agreement, so the agreement's timeline shows the complaint."""
    base = {
        "agreement_id": state.agreement_id,
        "complaint_id": state.complaint_id,
        "round": state.round,
        "kpi_code": state.kpi_code,
        "status": state.status.value,
        "overdue": state.overdue,
    }
    return base | more


def notices(
    state: ComplaintState, users: list[str], kind: str, th: str, en: str
) -> list[Notification]:
    """Drafts; the caller numbers them by command id so a retry never sends twice."""
    return [
        Notification(
            notification_id="",
            recipient=user,
            kind=kind,
            agreement_id=state.agreement_id,
            task_key=f"complaint/{state.complaint_id}",
            due=local_date(state.due) if state.status in OPEN else None,
            subject_th=th,
            subject_en=en,
        )
        for user in users
    ]


class ComplaintFigures(_Frozen):
    """How the complaint channel is used, for one unit or all and one fiscal year or all."""

    complaints: int
    by_unit: dict[str, int]
    open: int
    overdue: int  # passed their deadline undecided, whatever became of them since
    complainants: int
    appraised: int  # distinct evaluated people with a published round
    share_percent: Decimal | None  # complainants / appraised x 100; None when nobody appraised
    within_standard: bool | None  # D2-S6-I8: at most COMPLAINT_SHARE_LIMIT percent
    resolved: int
    median_days_to_resolve: Decimal | None


def share_percent(complainants: int, appraised: int) -> Decimal | None:
    if appraised == 0:
        return None
    return (Decimal(100) * complainants / appraised).quantize(Decimal("0.01"), ROUND_HALF_UP)


def median_days(durations: list[timedelta]) -> Decimal | None:
    """The middle duration in days (the mean of the middle two for an even count), 2 places."""
    if not durations:
        return None
    days = sorted(Decimal(int(d.total_seconds())) / SECONDS_PER_DAY for d in durations)
    middle = len(days) // 2
    value = days[middle] if len(days) % 2 else (days[middle - 1] + days[middle]) / 2
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)
