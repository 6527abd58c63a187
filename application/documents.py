"""Printable documents and their check from paper (decision 0040).

The signed agreement and a round's score report, as the application layer reads them for an
actor (out of scope: None, which every entrypoint answers as 404), laid out by documents/; and
the verification a printed page's QR code opens: the hash recomputed from the record, the audit
entries it rests on with their inclusion proofs, and whether it matches the printed one.

What a page's hash is of:
- the agreement: the definition's content hash, which the signatures bind to;
- a round's report: SHA-256 of the canonical JSON of the round's figures as the audit log
  recorded them (each KPI's latest `result.approved` entry: score and approved-content hash; the
  round score those entries carry), so it can be recomputed from the log alone.

The PDF library is imported inside the functions that make PDFs, never at import time: the API
process must stay small (decision 0040, bench/evidence.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from application.agreement_page import _definition, _levels
from application.agreements import readable_state_in
from application.errors import Problem
from documents.model import (
    AgreementDocument,
    Check,
    KpiLine,
    ReportLine,
    RoundReportDocument,
    Signed,
)
from domain.access import Principal
from domain.agreement import AgreementState, Party
from domain.calendar import BANGKOK
from domain.canonical import canonical_json
from domain.criteria import Condition, Criteria, Cumulative, Step
from domain.definition import AgreementDefinition
from domain.errors import violation
from domain.merkle import ProofError, verify_inclusion
from domain.thai import fiscal_year_bounds, format_long_date_th, thai_digits
from storage.agreements import get_definition
from storage.audit import tree_size
from storage.audit_append import append_entry
from storage.audit_query import agreement_entries
from storage.audit_tree import AuditTree
from storage.db import Database
from storage.tables import AppUser, AuditEntry, OrgUnit
from storage.unit_of_work import unit_of_work
from storage.users import agreement_unit, org_tree

PARTY_TH = {
    Party.MAKER: "ผู้ทำคำรับรอง",
    Party.RECIPIENT: "ผู้รับคำรับรอง",
    Party.GROUP_HEAD: "หัวหน้ากลุ่ม",
}
STATUS_TH = {
    "draft": "ร่าง รอลงนาม",
    "negotiation": "อยู่ระหว่างเจรจา",
    "signing": "อยู่ระหว่างลงนาม",
    "active": "ลงนามครบแล้ว มีผลบังคับใช้",
    "closed": "ปิดการประเมินแล้ว",
    "archived": "เก็บถาวร",
    "collecting": "รวบรวมผล",
    "review": "อยู่ระหว่างพิจารณา",
    "endorsing": "อยู่ระหว่างให้ความเห็นชอบ",
    "published": "ประกาศผลแล้ว",
    "acknowledged": "รับทราบผลแล้ว",
}
AGREEMENT_LABEL = "รหัสตรวจสอบเนื้อหาคำรับรองที่ลงนาม"
REPORT_LABEL = "รหัสตรวจสอบข้อมูลผลการประเมินตามบันทึกตรวจสอบ"


def bare(digest: str) -> str:
    """A hash as hex, without the `sha256:` a definition's content hash is written with."""
    return digest.strip().lower().removeprefix("sha256:")


def agreement_verify_url(site: str, agreement_id: str, digest: str) -> str:
    return f"{site.rstrip('/')}/verify/agreements/{agreement_id}?hash={bare(digest)}"


def report_verify_url(site: str, agreement_id: str, number: int, digest: str) -> str:
    path = f"/verify/agreements/{agreement_id}/rounds/{number}"
    return f"{site.rstrip('/')}{path}?hash={bare(digest)}"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(UTC).astimezone(BANGKOK)
    return f"{format_long_date_th(local.date())} {thai_digits(local.strftime('%H:%M'))} น."


def _readable(session: Session, actor: Principal, agreement_id: str) -> AgreementState | None:
    return readable_state_in(
        session, reader=actor, tree=org_tree(session), agreement_id=agreement_id
    )


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    return {u: user.display_name for u in ids if (user := session.get(AppUser, u))}


def _unit_name(session: Session, state: AgreementState) -> str | None:
    unit_id = state.parties.unit or agreement_unit(session, state)
    unit = session.get(OrgUnit, unit_id) if unit_id else None
    return unit.name_th if unit else None


# -- the agreement ---------------------------------------------------------------------------

METHOD_TH = {
    "cumulative": "ระดับสะสม แต่ละระดับต้องผ่านระดับก่อนหน้า",
    "conditional": "ให้คะแนนตามเงื่อนไขที่กำหนด",
    "composite": "รวมคะแนนจากตัวชี้วัดย่อย",
    "binary": "ดำเนินการแล้วได้คะแนนเต็ม ไม่ดำเนินการได้ ๐",
    "same_as_round": "ใช้เกณฑ์เดียวกับรอบก่อน",
}


def _requirement_th(requirement: Condition | Step) -> str:
    if isinstance(requirement, Step):
        return requirement.step
    op = {">=": "≥", "<=": "≤"}.get(requirement.op, requirement.op)
    measure = "ผล" if requirement.measure == "value" else requirement.measure
    return f"{measure} {op} {requirement.value}"


def _printed_levels(criteria: Criteria | None) -> list[str]:
    """The five levels as the form prints them: a cumulative level's steps and conditions in
    its own words; a method without one line per level described in Thai, not by its code."""
    if isinstance(criteria, Cumulative):
        texts = [
            "; ".join(_requirement_th(r) for r in level) if level else ""
            for level in criteria.levels
        ]
        return (texts + [""] * 5)[:5]
    levels = _levels(criteria)
    if criteria is not None and levels[0] == criteria.method and not any(levels[1:]):
        return [METHOD_TH.get(criteria.method, criteria.method), "", "", "", ""]
    return levels


def _order_refs(entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """(party, signer) -> the order cited when the signer signed for someone else."""
    found: dict[tuple[str, str], str] = {}
    for entry in entries:
        if entry.action != "agreement.signed":
            continue
        delegation = entry.facts.get("delegation") or {}
        if isinstance(delegation, dict) and delegation.get("order_ref"):
            found[(str(entry.facts.get("party")), entry.actor_id)] = str(delegation["order_ref"])
    return found


def agreement_document(
    *, db: Database, actor: Principal, agreement_id: str, site: str
) -> AgreementDocument | None:
    with db.reader() as session:
        state = _readable(session, actor, agreement_id)
        if state is None:
            return None
        definition = _definition(session, state)
        entries = agreement_entries(session, agreement_id)
        people = {state.parties.maker, state.parties.recipient}
        people |= {s.signer for s in state.signatures}
        people |= {s.on_behalf_of for s in state.signatures if s.on_behalf_of}
        names = _names(session, people)
        unit = _unit_name(session, state)
    return _agreement_document(state, definition, names, unit, _order_refs(entries), site)


def _agreement_document(
    state: AgreementState,
    definition: AgreementDefinition,
    names: dict[str, str],
    unit: str | None,
    orders: dict[tuple[str, str], str],
    site: str,
) -> AgreementDocument:
    start, end = fiscal_year_bounds(definition.fiscal_year_be)
    numbers = [r.number for r in definition.rounds]
    versions = {v.content_hash: v.version for v in state.versions} if state.versions else {}
    digest = state.definition_hash
    return AgreementDocument(
        agreement_id=state.agreement_id,
        title=state.title,
        fiscal_year_be=definition.fiscal_year_be,
        period_th=f"{format_long_date_th(start)} ถึงวันที่ {format_long_date_th(end)}",
        maker=names.get(state.parties.maker, state.parties.maker),
        recipient=names.get(state.parties.recipient, state.parties.recipient),
        unit=unit,
        version=state.definition_version,
        status_th=STATUS_TH.get(state.status.value, state.status.value),
        rounds=[r.name_th for r in definition.rounds],
        kpis=[
            KpiLine(
                code=k.code,
                name_th=k.name_th,
                unit=k.unit,
                mandatory=k.mandatory,
                weights=[k.weights.get(n) for n in numbers],
                levels=[_printed_levels(k.criteria.get(n)) for n in numbers],
            )
            for k in definition.kpis
        ],
        signatures=[
            Signed(
                party_th=PARTY_TH.get(s.party, s.party.value),
                signer=names.get(s.signer, s.signer),
                on_behalf_of=names.get(s.on_behalf_of, s.on_behalf_of) if s.on_behalf_of else None,
                order_ref=orders.get((s.party.value, s.signer)),
                signed_at=_when(s.signed_at),
                version=versions.get(s.definition_hash, state.definition_version),
                version_hash=s.definition_hash,
            )
            for s in state.signatures
        ],
        made_at=_when(datetime.now(UTC)),
        check=Check(
            AGREEMENT_LABEL, digest, agreement_verify_url(site, state.agreement_id, digest)
        ),
    )


# -- a round's report ------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedFigures:
    """A round's figures as the audit log recorded them, and the entries they come from."""

    figures: dict[str, Any]
    entries: list[AuditEntry]

    @property
    def digest(self) -> str:
        return hashlib.sha256(canonical_json(self.figures)).hexdigest()


def logged_figures(entries: list[AuditEntry], agreement_id: str, number: int) -> LoggedFigures:
    """Each KPI's latest approval in the round, and the round score the last of them carried;
    an approval voided by a later return or reopening drops out."""
    latest: dict[str, AuditEntry] = {}
    round_score: str | None = None
    score_entry: AuditEntry | None = None
    for entry in entries:
        if entry.facts.get("round") != number:
            continue
        if entry.action == "result.approved":
            latest[str(entry.facts["kpi_code"])] = entry
            if entry.facts.get("round_score") is not None:
                round_score, score_entry = str(entry.facts["round_score"]), entry
        elif entry.action in {"result.returned", "round.returned"}:
            codes = entry.facts.get("kpi_codes") or [entry.facts.get("kpi_code")]
            for code in codes:
                latest.pop(str(code), None)
            round_score, score_entry = None, None
    figures = {
        "agreement_id": agreement_id,
        "round": number,
        "kpis": [
            {
                "kpi_code": code,
                "score": e.facts.get("score"),
                "approved_hash": e.facts.get("approved_hash"),
            }
            for code, e in sorted(latest.items())
        ],
        "round_score": round_score,
    }
    by_seq = {e.seq: e for e in latest.values()}
    if score_entry is not None:
        by_seq[score_entry.seq] = score_entry
    used = [by_seq[seq] for seq in sorted(by_seq)]
    return LoggedFigures(figures, used)


def recorded_figures(state: AgreementState, number: int) -> dict[str, Any]:
    """The same figures from the agreement's record (its current state)."""
    kpis = []
    for _key, kr in sorted(state.kpi_rounds.items()):
        if kr.round != number or kr.score is None:
            continue
        kpis.append(
            {
                "kpi_code": kr.kpi_code,
                "score": str(kr.score.score),
                "approved_hash": kr.approved_hash,
            }
        )
    seen = state.round_scores.get(number)
    return {
        "agreement_id": state.agreement_id,
        "round": number,
        "kpis": sorted(kpis, key=lambda k: str(k["kpi_code"])),
        "round_score": str(seen.score) if seen else None,
    }


def round_report_document(
    *, db: Database, actor: Principal, agreement_id: str, number: int, site: str
) -> RoundReportDocument | None:
    """None when the agreement is out of scope; a 409 problem while the round has no score."""
    with db.reader() as session:
        state = _readable(session, actor, agreement_id)
        if state is None:
            return None
        if number not in state.round_scores:
            raise Problem(
                409,
                "RoundNotScored",
                "Round not scored",
                f"round {number} of {agreement_id} has no score yet: its report is made once "
                "every KPI of the round is approved",
                [violation("round", "scored", "the round has no score yet")],
            )
        definition = _definition(session, state)
        entries = agreement_entries(session, agreement_id)
        round_state = state.round_state(number)
        people = {state.parties.maker}
        people |= {kr.reviewed_by for kr in state.kpi_rounds.values() if kr.reviewed_by}
        people |= {e.reviewer for e in round_state.endorsements}
        if round_state.acknowledged_by:
            people.add(round_state.acknowledged_by)
        names = _names(session, people)
        unit = _unit_name(session, state)
    logged = logged_figures(entries, agreement_id, number)
    return _report_document(state, definition, number, names, unit, logged.digest, site)


def _result_words(kpi_unit: str, result: Any) -> str:
    if result is None:
        return "-"
    parts: list[str] = []
    if result.value is not None:
        parts.append(f"{thai_digits(str(result.value))} {kpi_unit}".strip())
    if result.steps_done:
        parts.append("ขั้นที่ทำแล้ว " + ", ".join(thai_digits(str(s)) for s in result.steps_done))
    if result.steps:
        done = sum(1 for s in result.steps if s.achieved >= s.target)
        of = len(result.steps)
        parts.append(f"ครบตามเป้าหมาย {thai_digits(str(done))} จาก {thai_digits(str(of))} ขั้นตอน")
    if result.done is not None:
        parts.append("ดำเนินการแล้ว" if result.done else "ยังไม่ดำเนินการ")
    if result.measures:
        parts.extend(f"{k} = {thai_digits(str(v))}" for k, v in result.measures.items())
    return "; ".join(parts) or "-"


def _report_document(
    state: AgreementState,
    definition: AgreementDefinition,
    number: int,
    names: dict[str, str],
    unit: str | None,
    digest: str,
    site: str,
) -> RoundReportDocument:
    seen = state.round_scores[number]
    parts = {p.kpi_code: p for p in seen.parts}
    round_state = state.round_state(number)
    rnd = next(r for r in definition.rounds if r.number == number)
    lines = []
    for kpi in definition.kpis:
        kr = state.kpi_round(number, kpi.code)
        part = parts.get(kpi.code)
        if part is None and kr.score is None:
            continue
        lines.append(
            ReportLine(
                code=kpi.code,
                name_th=kpi.name_th,
                weight=part.weight if part else kpi.weights.get(number),
                result_th=_result_words(kpi.unit, kr.result),
                score=kr.score.score if kr.score else None,
                weighted=part.weighted if part else None,
                derivation_th=kr.score.derivation.explanation_th if kr.score else "-",
                reviewed_by=names.get(kr.reviewed_by, kr.reviewed_by) if kr.reviewed_by else None,
                reviewed_at=_when(kr.reviewed_at) if kr.reviewed_at else None,
            )
        )
    people: list[tuple[str, str]] = []
    reviewers = sorted(
        {
            (kr.reviewed_by, kr.reviewed_at)
            for kr in state.kpi_rounds.values()
            if kr.round == number and kr.reviewed_by and kr.reviewed_at
        },
        key=lambda p: p[1],
    )
    last: dict[str, datetime] = {}
    for who, at in reviewers:
        last[who] = at
    for who, at in last.items():
        people.append((f"ผู้ประเมิน: {names.get(who, who)}", f"พิจารณาล่าสุด {_when(at)}"))
    for e in round_state.endorsements:
        people.append((f"ผู้ให้ความเห็นชอบ: {names.get(e.reviewer, e.reviewer)}", _when(e.at)))
    if round_state.published_at:
        people.append(("ประกาศผล", _when(round_state.published_at)))
    if round_state.acknowledged_by and round_state.acknowledged_at:
        who = names.get(round_state.acknowledged_by, round_state.acknowledged_by)
        people.append((f"รับทราบผลโดย {who}", _when(round_state.acknowledged_at)))
    return RoundReportDocument(
        agreement_id=state.agreement_id,
        title=state.title,
        fiscal_year_be=definition.fiscal_year_be,
        round_number=number,
        round_name=rnd.name_th,
        status_th=STATUS_TH.get(round_state.status.value, round_state.status.value),
        unit=unit,
        maker=names.get(state.parties.maker, state.parties.maker),
        lines=lines,
        weight_total=seen.weight_scored,
        weighted_total=sum((p.weighted or Decimal(0) for p in seen.parts), Decimal(0)),
        score=seen.score,
        score_100=seen.score_100,
        explanation_th=seen.explanation_th,
        people=people,
        made_at=_when(datetime.now(UTC)),
        check=Check(
            REPORT_LABEL, digest, report_verify_url(site, state.agreement_id, number, digest)
        ),
    )


# -- the PDFs (fpdf2 imported here only) ------------------------------------------------------


def agreement_pdf(*, db: Database, actor: Principal, agreement_id: str, site: str) -> bytes | None:
    """The agreement as a PDF, recorded in the audit log as a read; None out of scope."""
    document = agreement_document(db=db, actor=actor, agreement_id=agreement_id, site=site)
    if document is None:
        return None
    from documents.render import agreement_pdf as render

    made = render(document)
    _record_read(db, actor, agreement_id, "agreement", document.check.digest, None)
    return made


def round_report_pdf(
    *, db: Database, actor: Principal, agreement_id: str, number: int, site: str
) -> bytes | None:
    """A round's score report as a PDF, recorded as a read; None out of scope or not scored."""
    document = round_report_document(
        db=db, actor=actor, agreement_id=agreement_id, number=number, site=site
    )
    if document is None:
        return None
    from documents.render import round_report_pdf as render

    made = render(document)
    _record_read(db, actor, agreement_id, "round_report", document.check.digest, number)
    return made


def _record_read(
    db: Database,
    actor: Principal,
    agreement_id: str,
    kind: str,
    digest: str,
    number: int | None,
) -> None:
    from application.recording import current_request_id

    facts: dict[str, Any] = {"agreement_id": agreement_id, "document": kind, "hash": digest}
    if number is not None:
        facts["round"] = number
    with unit_of_work(db) as session:
        append_entry(
            session,
            command_id=None,
            at=datetime.now(UTC),
            actor_id=actor.user_id,
            action="document.made",
            subject_type="agreement",
            subject_id=agreement_id,
            facts=facts,
            request_id=current_request_id(),
        )


# -- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProvenEntry:
    seq: int
    action: str
    at: datetime
    actor_id: str
    facts: dict[str, Any]
    leaf_hash: str
    proof: list[str]
    proof_holds: bool
    at_th: str = ""  # Bangkok time, Thai date
    actor_name: str = ""


@dataclass(frozen=True)
class Verification:
    kind: str  # "agreement" | "round_report" | "receipt" | "complaint_decision"
    agreement_id: str
    round: int | None
    shown: str
    recomputed: str
    matches: bool
    record_agrees_with_log: bool
    tree_size: int
    root_hash: str
    entries: list[ProvenEntry] = field(default_factory=list)
    subject: str = ""  # a receipt's seq, a complaint's id


def _proven(session: Session, entries: list[AuditEntry]) -> tuple[int, str, list[ProvenEntry]]:
    size = tree_size(session)
    tree = AuditTree(session)
    root = tree.root(size)
    names = _names(session, {e.actor_id for e in entries})
    proven = []
    for entry in entries:
        index = entry.seq - 1
        proof = tree.inclusion_proof(index, size)
        try:
            verify_inclusion(bytes.fromhex(entry.leaf_hash), index, size, proof, root)
            holds = True
        except ProofError:
            holds = False
        proven.append(
            ProvenEntry(
                seq=entry.seq,
                action=entry.action,
                at=entry.at,
                actor_id=entry.actor_id,
                facts=entry.facts,
                leaf_hash=entry.leaf_hash,
                proof=[p.hex() for p in proof],
                proof_holds=holds,
                at_th=_when(entry.at),
                actor_name=names.get(entry.actor_id, entry.actor_id),
            )
        )
    return size, root.hex(), proven


def verify_agreement(
    *, db: Database, actor: Principal, agreement_id: str, shown: str
) -> Verification | None:
    """The printed hash against the definition the record names, hashed again from its stored
    content; with the entries that created and signed it. None out of scope."""
    with db.reader() as session:
        state = _readable(session, actor, agreement_id)
        if state is None:
            return None
        definition = get_definition(session, state.definition_id, state.definition_version)
        recomputed = definition.content_hash() if definition else ""
        entries = [
            e
            for e in agreement_entries(session, agreement_id)
            if e.action in {"agreement.created", "agreement.signed", "agreement.revised"}
        ]
        size, root, proven = _proven(session, entries)
    agrees = recomputed == state.definition_hash and all(
        s.definition_hash == recomputed for s in state.signatures
    )
    return Verification(
        kind="agreement",
        agreement_id=agreement_id,
        round=None,
        shown=bare(shown),
        recomputed=bare(recomputed),
        matches=bare(shown) == bare(recomputed) != "",
        record_agrees_with_log=agrees,
        tree_size=size,
        root_hash=root,
        entries=proven,
    )


def verify_round_report(
    *, db: Database, actor: Principal, agreement_id: str, number: int, shown: str
) -> Verification | None:
    """The printed hash against the round's figures recomputed from the audit log, which must
    also agree with the agreement's record; with each entry's inclusion proof."""
    with db.reader() as session:
        state = _readable(session, actor, agreement_id)
        if state is None:
            return None
        logged = logged_figures(agreement_entries(session, agreement_id), agreement_id, number)
        size, root, proven = _proven(session, logged.entries)
    recomputed = logged.digest
    return Verification(
        kind="round_report",
        agreement_id=agreement_id,
        round=number,
        shown=bare(shown),
        recomputed=bare(recomputed),
        matches=bare(shown) == bare(recomputed) != "",
        record_agrees_with_log=logged.figures == recorded_figures(state, number),
        tree_size=size,
        root_hash=root,
        entries=proven,
    )


def operator(*, db: Database) -> Principal:
    """Whoever runs the command line on the server: they could read the database itself, so
    they read every agreement, as an auditor at the top of the organisation does."""
    from domain.access import AUDITOR, Grant

    with db.reader() as session:
        tree = org_tree(session)
    tops = sorted(unit for unit, parent in tree.parents.items() if parent is None)
    return Principal(
        user_id="cli",
        unit=tops[0] if tops else "",
        grants=tuple(Grant(AUDITOR, unit) for unit in tops),
    )
