"""What a reviewer had in front of them: one KPI of one round, rebuilt from the audit log alone.

Replaying the entries up to a decision gives the result and self-score last entered, the
evidence then active (with the exact object versions and hashes), and the decision itself
with the definition version it was scored under. Nothing here trusts the current state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DECISIONS = frozenset({"result.approved", "result.returned"})


@dataclass(frozen=True)
class LoggedFact:
    seq: int
    at: str
    actor_id: str
    action: str
    facts: dict[str, Any]


class EvidenceSeen(BaseModel):
    model_config = ConfigDict(frozen=True)

    evidence_id: str
    item_code: str | None = None
    sha256: str
    version_id: str | None = None
    size: int | None = None
    attached_seq: int


class AsOfView(BaseModel):
    model_config = ConfigDict(frozen=True)

    round: int
    kpi_code: str
    as_of_seq: int
    decision: str | None = None  # the action at as_of_seq when it is a review decision
    decided_by: str | None = None
    decided_at: str | None = None
    definition_version: int | None = None
    result: dict[str, Any] | None = None
    self_score: str | None = None
    result_seq: int | None = None
    score: str | None = None
    approved_hash: str | None = None
    rule: str | None = None
    evidence: list[EvidenceSeen] = Field(default_factory=list)


def as_of(entries: list[LoggedFact], round_number: int, kpi_code: str, seq: int) -> AsOfView:
    """Replay the KPI's entries (oldest first) up to and including `seq`."""
    view: dict[str, Any] = {"round": round_number, "kpi_code": kpi_code, "as_of_seq": seq}
    active: dict[str, EvidenceSeen] = {}
    for entry in entries:
        facts = entry.facts
        if entry.seq > seq or not _about(facts, round_number, kpi_code):
            continue
        if entry.action == "result.entered":
            view |= {
                "result": facts.get("result"),
                "self_score": facts.get("self_score"),
                "result_seq": entry.seq,
            }
        elif entry.action == "evidence.attached":
            active.pop(str(facts.get("supersedes")), None)
            active[facts["evidence_id"]] = EvidenceSeen(
                evidence_id=facts["evidence_id"],
                item_code=facts.get("item_code"),
                sha256=facts["sha256"],
                version_id=facts.get("version_id"),
                size=facts.get("size"),
                attached_seq=entry.seq,
            )
        elif entry.action == "evidence.withdrawn":
            active.pop(str(facts.get("evidence_id")), None)
        if entry.seq == seq and entry.action in DECISIONS:
            view |= _decision(entry)
    return AsOfView(**view, evidence=list(active.values()))


def last_decision(entries: list[LoggedFact], round_number: int, kpi_code: str) -> int | None:
    """The seq of the latest approval or return of the KPI, the default moment to look at."""
    seqs = [
        e.seq for e in entries if e.action in DECISIONS and _about(e.facts, round_number, kpi_code)
    ]
    return max(seqs, default=None)


def _about(facts: dict[str, Any], round_number: int, kpi_code: str) -> bool:
    return facts.get("round") == round_number and facts.get("kpi_code") == kpi_code


def _decision(entry: LoggedFact) -> dict[str, Any]:
    facts = entry.facts
    return {
        "decision": entry.action,
        "decided_by": entry.actor_id,
        "decided_at": entry.at,
        "definition_version": facts.get("definition_version"),
        "score": facts.get("score"),
        "approved_hash": facts.get("approved_hash"),
        "rule": facts.get("rule"),
    }
