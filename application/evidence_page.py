"""The evidence page of one KPI in one round: what is attached (in force, then withdrawn or
replaced), each file's hash, and whether a reader's browser can show it inline; the scoped read
of one file for its preview; and withdrawal, the page's one evidence command.

Uploads do not pass through here: the page streams them to the same route code as the API's
upload (decision 0037), which attaches them through the agreement's Update."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from application.agreements import (
    act_on_agreement,
    readable_in,
    readable_state_in,
    visible_state_in,
)
from application.gateway import TemporalGateway
from domain.access import Principal
from domain.agreement import Actor
from domain.commands import WithdrawEvidence
from domain.errors import ValidationFailed, violation
from domain.thai import format_date_th
from storage.agreements import get_definition, get_state
from storage.db import Database
from storage.evidence import EvidenceQuery, find_evidence, get_evidence
from storage.tables import AppUser, EvidenceRow
from storage.users import org_tree

# What a browser shows itself without running anything the file carries. HTML, SVG and XML are
# refused at upload (domain/media.py), and would be served as attachments if they ever were not.
INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
INLINE_PDF = "application/pdf"
REASON_MAX = 2000


@dataclass(frozen=True)
class EvidenceItem:
    id: str
    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: Shown  # (Thai with BE year, English)
    uploaded_by: str  # display name
    effective_from: Shown | None
    effective_to: Shown | None
    status: str  # "active", "withdrawn" or "replaced"
    withdrawal_reason: str | None
    preview: str | None  # "pdf", "image" or None (a download)


@dataclass(frozen=True)
class EvidencePage:
    agreement_id: str
    title: str
    round: int
    round_name_th: str
    round_name_en: str
    kpi_code: str
    kpi_name_th: str
    kpi_name_en: str | None
    active: list[EvidenceItem]
    past: list[EvidenceItem]


def preview_kind(media_type: str) -> str | None:
    if media_type == INLINE_PDF:
        return "pdf"
    if media_type in INLINE_IMAGES:
        return "image"
    return None


Shown = tuple[str, str]
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _shown(day: date) -> Shown:
    return format_date_th(day), f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def _date(value: date | None) -> Shown | None:
    return _shown(value) if value is not None else None


def _item(row: EvidenceRow, names: dict[str, str]) -> EvidenceItem:
    if row.superseded_at is None:
        status = "active"
    elif row.superseded_by is not None:
        status = "replaced"
    else:
        status = "withdrawn"
    return EvidenceItem(
        id=row.id,
        name=row.original_name,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_at=_shown(row.uploaded_at.date()),
        uploaded_by=names.get(row.uploaded_by, row.uploaded_by),
        effective_from=_date(row.effective_from),
        effective_to=_date(row.effective_to),
        status=status,
        withdrawal_reason=row.withdrawal_reason,
        preview=preview_kind(row.media_type),
    )


def evidence_page(
    *, db: Database, actor: Principal, agreement_id: str, round_number: int, kpi_code: str
) -> EvidencePage | None:
    """None when the agreement, its round or its KPI does not exist for this reader (404)."""
    with db.reader() as session:
        state = readable_state_in(
            session, reader=actor, tree=org_tree(session), agreement_id=agreement_id
        )
        if state is None:
            return None
        definition = get_definition(session, state.definition_id, state.definition_version)
        if definition is None:
            return None
        kpi = next((k for k in definition.kpis if k.code == kpi_code), None)
        found = next((r for r in definition.rounds if r.number == round_number), None)
        if kpi is None or found is None:
            return None
        query = EvidenceQuery(
            agreement_ids=[agreement_id], round=round_number, kpi_code=kpi_code, status="all"
        )
        rows, _ = find_evidence(session, query, offset=0, limit=200)
        people = {r.uploaded_by for r in rows}
        names = {u: user.display_name for u in people if (user := session.get(AppUser, u))}
    items = [_item(r, names) for r in sorted(rows, key=lambda r: r.uploaded_at, reverse=True)]
    return EvidencePage(
        agreement_id=agreement_id,
        title=state.title,
        round=round_number,
        round_name_th=found.name_th,
        round_name_en=found.name_en,
        kpi_code=kpi_code,
        kpi_name_th=kpi.name_th,
        kpi_name_en=kpi.name_en,
        active=[i for i in items if i.status == "active"],
        past=[i for i in items if i.status != "active"],
    )


def readable_evidence(*, db: Database, actor: Principal, evidence_id: str) -> EvidenceRow | None:
    """One evidence row if its agreement is in the reader's scope; None otherwise (404 alike)."""
    with db.reader() as session:
        row = get_evidence(session, evidence_id)
        state = get_state(session, row.agreement_id) if row is not None else None
        if row is None or state is None:
            return None
        if not readable_in(session, reader=actor, tree=org_tree(session), state=state):
            return None
        session.expunge(row)
    return row


async def withdraw_evidence(
    *,
    db: Database,
    temporal: TemporalGateway,
    actor: Actor,
    principal: Principal,
    agreement_id: str,
    round_number: int,
    kpi_code: str,
    evidence_id: str,
    reason: str,
) -> None:
    """Withdraws evidence from a round still collecting: it stays stored and listed, and no
    longer counts. The reason is required (a reviewer and a complaint read it)."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "a reason is required / ต้องระบุเหตุผล",
            [violation("reason", "required", "ต้องระบุเหตุผล / a reason is required")],
        )
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            "the reason is too long",
            [
                violation(
                    "reason",
                    "max_length",
                    f"เหตุผลยาวเกิน {REASON_MAX} ตัวอักษร / longer than {REASON_MAX} characters",
                )
            ],
        )
    with db.reader() as session:
        visible_state_in(
            session, reader=principal, tree=org_tree(session), agreement_id=agreement_id
        )
    command = WithdrawEvidence(
        command_id=str(uuid.uuid4()),
        actor=actor,
        round=round_number,
        kpi_code=kpi_code,
        evidence_id=evidence_id,
        reason=reason,
    )
    await act_on_agreement(temporal=temporal, agreement_id=agreement_id, command=command)
