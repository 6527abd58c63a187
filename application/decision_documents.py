"""The decision receipt and a complaint's decision as printable documents, and their check from
paper (decision 0040), on the same machinery as the agreement and the round's report.

What a page's hash is of: the decision's own audit entry, its chained entry hash
(docs/audit-format.md): for a receipt the entry at its seq, for a complaint the entry that
recorded its decision (`complaint.upheld` or `complaint.dismissed`). The verification recomputes
that hash from the stored entry (its body and the hash before it), checks the chain and the
leaf, proves the entry into the current tree, and for a complaint checks that the complaint's
record says what the entry says. Who may read is the receipt's rule (application.receipts) and
the complaint's (each side, the committee, overseers); anyone else gets None, i.e. 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from application.complaints import may_see
from application.documents import (
    ProvenEntry,
    Verification,
    _names,
    _proven,
    _when,
    bare,
)
from application.errors import Problem
from application.receipts import agreement_of, receipt_in
from documents.model import Check, DecisionDocument
from domain.access import Principal
from domain.complaints import ComplaintState, ComplaintStatus
from domain.errors import violation
from domain.receipts import ACTION_TH, LABELS
from domain.thai import thai_digits
from storage.agreements import get_definition, get_state
from storage.audit import GENESIS, body_of, entries_for, entry_hash, leaf_hash
from storage.audit_append import append_entry
from storage.audit_query import get_entry
from storage.complaints import get_complaint
from storage.db import Database
from storage.tables import AuditEntry
from storage.unit_of_work import unit_of_work
from storage.users import org_tree

RECEIPT_LABEL = "รหัสตรวจสอบรายการตัดสินในบันทึกตรวจสอบ"
COMPLAINT_LABEL = "รหัสตรวจสอบคำวินิจฉัยข้อร้องเรียนในบันทึกตรวจสอบ"
COMPLAINT_DECISIONS = frozenset({"complaint.upheld", "complaint.dismissed"})
FACT_TH = {
    "approved_hash": "แฮชของผลที่อนุมัติ",
    "content_hash": "แฮชของเนื้อหา",
    "definition_version": "ฉบับของคำรับรอง",
    "rule": "เกณฑ์",
    "evidence_hashes": "แฮชของหลักฐาน",
    "score": "คะแนน",
    "self_score": "คะแนนประเมินตนเอง",
    "round_score": "คะแนนรวมของรอบ",
    "final_score": "คะแนนสุดท้าย",
    "new_score": "คะแนนใหม่",
    "old_score": "คะแนนเดิม",
}

COMPLAINT_STATUS_TH = {
    ComplaintStatus.FILED: "ยื่นข้อร้องเรียนแล้ว",
    ComplaintStatus.UNDER_REVIEW: "อยู่ระหว่างพิจารณา",
    ComplaintStatus.INFORMATION_REQUESTED: "ขอข้อมูลเพิ่มเติม",
    ComplaintStatus.DISMISSED: "ยกข้อร้องเรียน",
    ComplaintStatus.UPHELD: "รับฟังข้อร้องเรียน",
    ComplaintStatus.ACKNOWLEDGED: "ผู้ร้องเรียนรับทราบคำวินิจฉัยแล้ว",
}


def receipt_verify_url(site: str, seq: int, digest: str) -> str:
    return f"{site.rstrip('/')}/verify/receipts/{seq}?hash={bare(digest)}"


def complaint_verify_url(site: str, complaint_id: str, digest: str) -> str:
    return f"{site.rstrip('/')}/verify/complaints/{complaint_id}?hash={bare(digest)}"


def _figure(value: Any) -> str:
    """A recorded figure as printed: a score in Thai digits, hashes and lists as recorded."""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value) or "-"
    text = str(value)
    try:
        return _score(Decimal(text))
    except InvalidOperation:
        return text


def _score(value: Decimal) -> str:
    """A score as the round's report prints it: exactly as recorded, trailing zeros dropped
    (5.0000 is ๕), never rounded again."""
    return thai_digits(format(value.normalize(), "f"))


def _person(names: dict[str, str], user_id: str | None) -> str:
    if not user_id:
        return "-"
    name = names.get(user_id)
    return f"{name} ({user_id})" if name else user_id


def _recomputed(session: Session, entry: AuditEntry) -> tuple[str, bool]:
    """The entry's hash computed again from its stored body and the hash before it, and
    whether the stored entry agrees: its hash, its leaf, and its link to the entry before."""
    body = body_of(entry)
    digest = entry_hash(entry.prev_hash, body)
    before = get_entry(session, entry.seq - 1) if entry.seq > 1 else None
    linked = entry.prev_hash == (before.entry_hash if before is not None else GENESIS)
    intact = digest == entry.entry_hash and leaf_hash(body).hex() == entry.leaf_hash
    return digest, linked and intact


def _verification(
    kind: str,
    subject: str,
    agreement_id: str,
    shown: str,
    recomputed: str,
    agrees: bool,
    proven: tuple[int, str, list[ProvenEntry]],
) -> Verification:
    size, root, entries = proven
    return Verification(
        kind=kind,
        agreement_id=agreement_id,
        round=None,
        shown=bare(shown),
        recomputed=bare(recomputed),
        matches=bare(shown) == bare(recomputed) != "",
        record_agrees_with_log=agrees,
        tree_size=size,
        root_hash=root,
        entries=entries,
        subject=subject,
    )


# -- the decision receipt ----------------------------------------------------------------------


def receipt_document(
    *, db: Database, actor: Principal, seq: int, site: str
) -> DecisionDocument | None:
    """The receipt of the decision at audit entry `seq`; None when there is none or the actor
    may not read it (the receipt page's rule)."""
    with db.reader() as session:
        try:
            receipt = receipt_in(session, actor, org_tree(session), seq)
        except Problem:
            return None
        names = _names(session, {receipt.decided_by, receipt.on_behalf_of or ""})
    facts = receipt.facts
    rows = [
        (LABELS["action"][0], f"{ACTION_TH.get(receipt.action, receipt.action)}\n{receipt.action}"),
        (LABELS["decided_by"][0], _person(names, receipt.decided_by)),
        (LABELS["on_behalf_of"][0], _person(names, receipt.on_behalf_of)),
        (LABELS["at"][0], _when(datetime.fromisoformat(receipt.at))),
        (LABELS["agreement_id"][0], receipt.agreement_id or "-"),
    ]
    if facts.get("round") is not None:
        rows.append(("รอบการประเมิน", thai_digits(str(facts["round"]))))
    if facts.get("kpi_code") is not None:
        rows.append(("ตัวชี้วัด", thai_digits(str(facts["kpi_code"]))))
    if facts.get("complaint_id") is not None:
        rows.append(("ข้อร้องเรียน", str(facts["complaint_id"])))
    rows += [(FACT_TH.get(k, k), _figure(v)) for k, v in sorted(receipt.outcome.items())]
    texts = []
    if facts.get("reasons"):
        texts.append(("เหตุผล", str(facts["reasons"])))
    hashes = [(FACT_TH.get(k, k), _figure(v)) for k, v in sorted(receipt.decided_on.items())]
    hashes += [
        (LABELS["seq"][0], thai_digits(str(receipt.seq))),
        (LABELS["entry_hash"][0], receipt.entry_hash),
        ("แฮชใบ (leaf)", receipt.leaf_hash),
        (LABELS["tree_size"][0], thai_digits(str(receipt.tree_size))),
        (LABELS["root_hash"][0], receipt.root_hash),
        ("หลักฐานการบรรจุ", "\n".join(receipt.inclusion) or "-"),
        ("จุดตรวจสอบที่ลงนาม", "ลงนามแล้ว" if receipt.checkpoint else "รอจุดตรวจสอบถัดไป"),
    ]
    return DecisionDocument(
        heading=f"ใบรับรองการตัดสิน ลำดับที่ {thai_digits(str(receipt.seq))}",
        title="ใบรับรองการตัดสิน",
        subtitle=ACTION_TH.get(receipt.action, receipt.action),
        facts=rows,
        texts=texts,
        hashes=hashes,
        made_at=_when(datetime.now(UTC)),
        check=Check(
            RECEIPT_LABEL,
            receipt.entry_hash,
            receipt_verify_url(site, receipt.seq, receipt.entry_hash),
        ),
    )


def receipt_pdf(*, db: Database, actor: Principal, seq: int, site: str) -> bytes | None:
    """The receipt as a PDF, recorded in the audit log as a read; None out of scope."""
    document = receipt_document(db=db, actor=actor, seq=seq, site=site)
    if document is None:
        return None
    from documents.render import decision_pdf

    made = decision_pdf(document)
    with db.reader() as session:
        entry = get_entry(session, seq)
        agreement_id = agreement_of(entry) if entry is not None else None
    facts: dict[str, Any] = {"document": "receipt", "seq": seq, "hash": document.check.digest}
    if agreement_id:
        facts["agreement_id"] = agreement_id
    _record_read(db, actor, "agreement" if agreement_id else "audit", agreement_id or "", facts)
    return made


def verify_receipt(*, db: Database, actor: Principal, seq: int, shown: str) -> Verification | None:
    """The printed hash against the receipt's entry hashed again; None out of scope."""
    with db.reader() as session:
        try:
            receipt_in(session, actor, org_tree(session), seq)
        except Problem:
            return None
        entry = get_entry(session, seq)
        assert entry is not None  # receipt_in found it
        recomputed, intact = _recomputed(session, entry)
        proven = _proven(session, [entry])
    return _verification(
        "receipt", str(seq), agreement_of(entry) or "", shown, recomputed, intact, proven
    )


# -- a complaint's decision --------------------------------------------------------------------


def _decided(session: Session, actor: Principal, complaint_id: str) -> ComplaintState | None:
    state = get_complaint(session, complaint_id)
    if state is None or not may_see(state, actor, org_tree(session)):
        return None
    return state


def _decision_entry(entries: list[AuditEntry], complaint_id: str) -> AuditEntry:
    decided = [
        e for e in entries if e.action in COMPLAINT_DECISIONS and e.subject_type == "complaint"
    ]
    if not decided:
        raise Problem(
            409,
            "ComplaintNotDecided",
            "Complaint not decided",
            f"complaint {complaint_id} has no decision yet: its decision is printed once the "
            "committee has decided",
            [violation("status", "decided", "the complaint has no decision yet")],
        )
    return decided[-1]


def _agrees(state: ComplaintState, entry: AuditEntry) -> bool:
    """The complaint's record says what its decision entry recorded."""
    upheld = entry.action == "complaint.upheld"
    recorded_new = entry.facts.get("new_score")
    return (
        state.status
        in (
            (ComplaintStatus.UPHELD if upheld else ComplaintStatus.DISMISSED),
            ComplaintStatus.ACKNOWLEDGED,
        )
        and state.decided_by == entry.actor_id
        and (state.outcome_reasons or "") == str(entry.facts.get("reasons") or "")
        and (str(state.new_score) if state.new_score is not None else None)
        == (str(recorded_new) if recorded_new is not None else None)
    )


def complaint_decision_document(
    *, db: Database, actor: Principal, complaint_id: str, site: str
) -> DecisionDocument | None:
    """None when the complaint does not exist for this actor; 409 before it is decided."""
    with db.reader() as session:
        state = _decided(session, actor, complaint_id)
        if state is None:
            return None
        entry = _decision_entry(entries_for(session, subject_id=complaint_id), complaint_id)
        agreement = get_state(session, state.agreement_id)
        definition = (
            get_definition(session, agreement.definition_id, agreement.definition_version)
            if agreement is not None
            else None
        )
        people = {state.complainant, state.filed_by, entry.actor_id, *state.committee}
        names = _names(session, people)
    kpi_name = ""
    if definition is not None:
        kpi_name = next((k.name_th for k in definition.kpis if k.code == state.kpi_code), "")
    upheld = entry.action == "complaint.upheld"
    old = f"{_score(state.old_score)} (ฉบับที่ {thai_digits(str(state.old_version))})"
    new = "คงคะแนนเดิม"
    if upheld and state.new_score is not None:
        version = thai_digits(str(state.score_version or ""))
        new = f"{_score(state.new_score)} (ฉบับที่ {version})"
    filer = _person(names, state.complainant)
    if state.filed_by != state.complainant:
        filer += f"\nยื่นแทนโดย {_person(names, state.filed_by)}"
    rows = [
        (
            "คำรับรอง",
            f"{state.agreement_id}\n{agreement.title}" if agreement else state.agreement_id,
        ),
        ("รอบการประเมิน", thai_digits(str(state.round))),
        ("ตัวชี้วัด", f"{thai_digits(state.kpi_code)} {kpi_name}".strip()),
        ("ผู้ร้องเรียน", filer),
        ("วันที่ยื่น", _when(state.filed_at)),
        ("คณะกรรมการพิจารณา", "\n".join(_person(names, m) for m in state.committee)),
        ("ผลการวินิจฉัย", ACTION_TH[entry.action]),
        ("คะแนนเดิม", old),
        ("คะแนนหลังวินิจฉัย", new),
        ("ผู้วินิจฉัย", _person(names, entry.actor_id)),
        ("วันที่วินิจฉัย", _when(entry.at)),
        ("สถานะ", COMPLAINT_STATUS_TH[state.status]),
    ]
    texts = [
        ("เหตุผลของข้อร้องเรียน", state.reasons),
        ("เหตุผลของคำวินิจฉัย", str(entry.facts.get("reasons") or "")),
    ]
    if upheld and entry.facts.get("derivation"):
        texts.append(("ที่มาของคะแนนใหม่", str(entry.facts["derivation"])))
    hashes = [
        ("ลำดับในบันทึกตรวจสอบ", thai_digits(str(entry.seq))),
        ("แฮชรายการ", entry.entry_hash),
        ("แฮชใบ (leaf)", entry.leaf_hash),
    ]
    return DecisionDocument(
        heading=f"คำวินิจฉัยข้อร้องเรียน {complaint_id}",
        title="คำวินิจฉัยข้อร้องเรียนผลการประเมิน",
        subtitle=f"ข้อร้องเรียนเลขที่ {complaint_id}",
        facts=rows,
        texts=texts,
        hashes=hashes,
        made_at=_when(datetime.now(UTC)),
        check=Check(
            COMPLAINT_LABEL,
            entry.entry_hash,
            complaint_verify_url(site, complaint_id, entry.entry_hash),
        ),
    )


def complaint_decision_pdf(
    *, db: Database, actor: Principal, complaint_id: str, site: str
) -> bytes | None:
    """The complaint's decision as a PDF, recorded as a read; None out of scope, 409 before
    the decision."""
    document = complaint_decision_document(db=db, actor=actor, complaint_id=complaint_id, site=site)
    if document is None:
        return None
    from documents.render import decision_pdf

    made = decision_pdf(document)
    facts = {"document": "complaint_decision", "hash": document.check.digest}
    _record_read(db, actor, "complaint", complaint_id, facts)
    return made


def verify_complaint_decision(
    *, db: Database, actor: Principal, complaint_id: str, shown: str
) -> Verification | None:
    """The printed hash against the decision entry hashed again, which the complaint's record
    must agree with; every step of the complaint with its inclusion proof. None out of scope;
    before a decision the recomputed hash is empty and nothing matches."""
    with db.reader() as session:
        state = _decided(session, actor, complaint_id)
        if state is None:
            return None
        entries = [
            e
            for e in entries_for(session, subject_id=complaint_id)
            # the complaint's own steps; its printouts (document.made) are reads, not proof
            if e.subject_type == "complaint" and e.action.startswith("complaint.")
        ]
        decided = [e for e in entries if e.action in COMPLAINT_DECISIONS]
        recomputed, agrees = "", False
        if decided:
            recomputed, intact = _recomputed(session, decided[-1])
            agrees = intact and _agrees(state, decided[-1])
        proven = _proven(session, entries)
    return _verification(
        "complaint_decision",
        complaint_id,
        state.agreement_id,
        shown,
        recomputed,
        agrees,
        proven,
    )


def _record_read(
    db: Database, actor: Principal, subject_type: str, subject_id: str, facts: dict[str, Any]
) -> None:
    from application.recording import current_request_id

    with unit_of_work(db) as session:
        append_entry(
            session,
            command_id=None,
            at=datetime.now(UTC),
            actor_id=actor.user_id,
            action="document.made",
            subject_type=subject_type,
            subject_id=subject_id,
            facts=facts,
            request_id=current_request_id(),
        )
