"""Decision receipts: what a decider decided, on what, and where the log proves it.

A receipt is issued for review decisions, endorsements, revisions, acknowledgements and
complaint outcomes; anyone holding it can check the inclusion proof against a signed
checkpoint without asking us. A complaint cites the receipt of the score it contests.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

RECEIPT_ACTIONS = frozenset(
    {
        "result.approved",
        "result.returned",
        "round.endorsed",
        "round.returned",
        "round.acknowledged",
        "revision.approved",
        "revision.refused",
        "complaint.upheld",
        "complaint.dismissed",
    }
)
# A decision in the words a printed receipt uses (the code stays beside it).
ACTION_TH = {
    "result.approved": "อนุมัติผลการดำเนินงานของตัวชี้วัด",
    "result.returned": "ส่งคืนผลการดำเนินงานให้แก้ไข",
    "round.endorsed": "ให้ความเห็นชอบผลการประเมินของรอบ",
    "round.returned": "ส่งคืนผลการประเมินของรอบ",
    "round.acknowledged": "รับทราบผลการประเมิน",
    "revision.approved": "อนุมัติการแก้ไขคำรับรอง",
    "revision.refused": "ไม่อนุมัติการแก้ไขคำรับรอง",
    "complaint.upheld": "รับฟังข้อร้องเรียน ปรับคะแนน",
    "complaint.dismissed": "ยกข้อร้องเรียน คงคะแนนเดิม",
}
# What a decision was bound to: hashes of content, the rubric (definition) version.
DECIDED_ON = ("approved_hash", "content_hash", "definition_version", "rule", "evidence_hashes")
OUTCOME = ("score", "self_score", "round_score", "final_score", "new_score", "old_score")

LABELS = {
    "action": ("การตัดสิน", "Decision"),
    "decided_by": ("ผู้ตัดสิน", "Decided by"),
    "on_behalf_of": ("ปฏิบัติราชการแทน", "On behalf of"),
    "at": ("เวลา", "Time"),
    "agreement_id": ("คำรับรอง", "Agreement"),
    "decided_on": ("สิ่งที่พิจารณา (แฮช)", "Decided on (hashes)"),
    "outcome": ("ผลการตัดสิน", "Outcome"),
    "seq": ("ลำดับในบันทึกตรวจสอบ", "Audit log entry"),
    "entry_hash": ("แฮชรายการ", "Entry hash"),
    "tree_size": ("ขนาดต้นไม้ Merkle", "Merkle tree size"),
    "root_hash": ("ราก Merkle", "Merkle root"),
}


class Receipt(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int
    index: int
    action: str
    decided_by: str
    on_behalf_of: str | None
    at: str
    agreement_id: str | None
    decided_on: dict[str, Any]
    outcome: dict[str, Any]
    facts: dict[str, Any]
    entry_hash: str
    leaf_hash: str
    tree_size: int
    root_hash: str
    inclusion: list[str]
    checkpoint: str | None  # the signed note for tree_size; None until the next checkpoint


def is_decision(action: str) -> bool:
    return action in RECEIPT_ACTIONS


def split_facts(facts: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    decided_on = {k: facts[k] for k in DECIDED_ON if facts.get(k) is not None}
    outcome = {k: facts[k] for k in OUTCOME if facts.get(k) is not None}
    return decided_on, outcome
