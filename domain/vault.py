"""What a check of the evidence vault can find, in words users read (Thai first)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VaultProblem = Literal["mismatch", "unreadable", "missing", "replaced", "orphan", "stale_upload"]

PROBLEM_LABELS: dict[VaultProblem, tuple[str, str]] = {
    "mismatch": ("เนื้อหาไม่ตรงกับค่าแฮชที่บันทึก", "content differs from the recorded hash"),
    "unreadable": ("อ่านไฟล์ไม่ได้ ข้อมูลในคลังเสียหาย", "the store cannot read it back intact"),
    "missing": ("ไม่พบไฟล์ในคลัง", "object missing from the store"),
    "replaced": ("มีรุ่นใหม่เขียนทับรุ่นที่บันทึก", "a newer version was written over it"),
    "orphan": ("ไฟล์ที่ไม่มีรายการอ้างอิง", "stored object no evidence row references"),
    "stale_upload": ("การอัปโหลดค้าง ยกเลิกแล้ว", "abandoned multipart upload, aborted"),
}

# Damage to referenced evidence needs a person; orphans and stale uploads are housekeeping.
ALERTING: frozenset[VaultProblem] = frozenset({"mismatch", "unreadable", "missing", "replaced"})


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    problem: VaultProblem
    object_key: str
    version_id: str | None = None
    evidence_ids: tuple[str, ...] = ()
    agreement_ids: tuple[str, ...] = ()
    detail: str = ""

    def describe(self) -> str:
        th, en = PROBLEM_LABELS[self.problem]
        where = f"{self.object_key}@{self.version_id}" if self.version_id else self.object_key
        return f"{th} / {en}: {where} ({self.detail})"


class VaultReport(BaseModel):
    checked_objects: int = 0
    checked_bytes: int = 0
    findings: list[Finding] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings
