"""The auditor's API: entries, an agreement's timeline, proofs, checkpoints and the public key.

Everything here reads; nothing changes the log. Proofs follow RFC 9162 and
docs/audit-format.md, so an auditor can check them with any implementation of the RFC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as FPath
from pydantic import BaseModel

from api.agreement_access import AgreementId, KpiCode, RoundNo, not_found
from api.deps import CurrentUser, ServicesDep
from api.identity import Caller
from api.problems import Problem
from domain.agreement import AgreementState
from domain.as_of import AsOfView, LoggedFact, as_of, last_decision
from domain.audit import may_query_whole_log, may_read_timeline
from domain.errors import violation
from storage.agreements import get_state
from storage.audit import body_of, tree_size
from storage.audit import tree_size as tree_size_of
from storage.audit_query import (
    AuditQuery,
    agreement_entries,
    count_agreement_entries,
    find_entries,
    get_entry,
)
from storage.audit_tree import AuditTree
from storage.checkpoints import checkpoint_at, latest_checkpoint
from storage.tables import AuditEntry

router = APIRouter(prefix="/v1", tags=["audit"])

MAX = 2**63 - 1
Offset = Annotated[int, Query(ge=0, le=MAX)]
Limit = Annotated[int, Query(ge=1, le=500)]


class AuditEntryPublic(BaseModel):
    seq: int
    index: int  # the Merkle leaf index, seq - 1
    body: dict[str, Any]
    prev_hash: str
    entry_hash: str
    leaf_hash: str


class AuditEntryList(BaseModel):
    data: list[AuditEntryPublic]
    count: int
    tree_size: int


class InclusionProof(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]


class ConsistencyProof(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


class CheckpointPublic(BaseModel):
    tree_size: int
    root_hash: str
    signed_at: datetime
    note: str


class PublicKey(BaseModel):
    name: str
    verifier_key: str
    pem: str


def public(entry: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(
        seq=entry.seq,
        index=entry.seq - 1,
        body=body_of(entry),
        prev_hash=entry.prev_hash,
        entry_hash=entry.entry_hash,
        leaf_hash=entry.leaf_hash,
    )


def _may_read_timeline(user: Caller, state: AgreementState) -> bool:
    return may_read_timeline(state, user.principal, user.tree, user.unit_of(state))


def _auditor(user: Caller) -> None:
    if not may_query_whole_log(user.principal, user.tree):
        raise Problem(403, "NotAuthorized", "Not allowed for this user", "auditors only")


@router.get("/audit/entries")
def list_entries(
    user: CurrentUser,
    services: ServicesDep,
    subject_type: Annotated[str | None, Query(max_length=32)] = None,
    subject_id: Annotated[str | None, Query(max_length=100)] = None,
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    at_from: datetime | None = None,
    at_to: datetime | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> AuditEntryList:
    _auditor(user)
    query = AuditQuery(subject_type, subject_id, actor_id, action, _utc(at_from), _utc(at_to))
    with services.db.reader() as session:
        rows, count = find_entries(session, query, offset=offset, limit=limit)
        size = tree_size(session)
    return AuditEntryList(data=[public(r) for r in rows], count=count, tree_size=size)


@router.get("/audit/entries/{seq}")
def read_entry(
    seq: Annotated[int, FPath(ge=1, le=MAX)], user: CurrentUser, services: ServicesDep
) -> AuditEntryPublic:
    _auditor(user)
    with services.db.reader() as session:
        entry = get_entry(session, seq)
    if entry is None:
        raise Problem(404, "NotFound", "Not found", f"no audit entry {seq}")
    return public(entry)


@router.get("/agreements/{agreement_id}/timeline")
def timeline(
    agreement_id: AgreementId,
    user: CurrentUser,
    services: ServicesDep,
    offset: Offset = 0,
    limit: Limit = 100,
) -> AuditEntryList:
    """Every entry about the agreement, its evidence and its complaints, oldest first."""
    with services.db.reader() as session:
        state = get_state(session, agreement_id)
        if state is None or not _may_read_timeline(user, state):
            raise not_found(agreement_id)
        rows = agreement_entries(session, agreement_id, offset=offset, limit=limit)
        count = count_agreement_entries(session, agreement_id)
        size = tree_size(session)
    return AuditEntryList(data=[public(r) for r in rows], count=count, tree_size=size)


@router.get("/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/as-of")
def seen_when_scored(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    user: CurrentUser,
    services: ServicesDep,
    seq: Annotated[int | None, Query(ge=1, le=MAX)] = None,
) -> AsOfView:
    """What the reviewer saw: the result, the evidence versions and hashes and the definition
    version, rebuilt from the log up to `seq` (default: the KPI's latest review decision)."""
    with services.db.reader() as session:
        state = get_state(session, agreement_id)
        if state is None or not _may_read_timeline(user, state):
            raise not_found(agreement_id)
        logged = [
            LoggedFact(e.seq, e.at.astimezone(UTC).isoformat(), e.actor_id, e.action, e.facts)
            for e in agreement_entries(session, agreement_id)
        ]
    moment = seq or last_decision(logged, round_number, kpi_code)
    if moment is None:
        raise Problem(
            404, "NotFound", "Not found", f"KPI {kpi_code} of round {round_number} has no review"
        )
    return as_of(logged, round_number, kpi_code, moment)


@router.get("/audit/proofs/inclusion")
def inclusion_proof(
    user: CurrentUser,
    services: ServicesDep,
    index: Annotated[int, Query(ge=0, le=MAX)],
    tree_size: Annotated[int | None, Query(ge=1, le=MAX)] = None,
) -> InclusionProof:
    """Leaf `index` (seq - 1) in the tree of `tree_size` (default: the latest checkpoint's)."""
    _auditor(user)
    with services.db.reader() as session:
        size = tree_size or _checkpointed_size(session)
        _within(size, tree_size_of(session), "tree_size")
        _within(index + 1, size, "index")
        tree = AuditTree(session)
        proof = tree.inclusion_proof(index, size)
        leaf = tree.subtree(index, index + 1)
        root = tree.root(size)
    return InclusionProof(
        index=index,
        tree_size=size,
        leaf_hash=leaf.hex(),
        root_hash=root.hex(),
        proof=[node.hex() for node in proof],
    )


@router.get("/audit/proofs/consistency")
def consistency_proof(
    user: CurrentUser,
    services: ServicesDep,
    first: Annotated[int, Query(ge=1, le=MAX)],
    second: Annotated[int, Query(ge=1, le=MAX)],
) -> ConsistencyProof:
    _auditor(user)
    if first > second:
        raise Problem(
            422,
            "ValidationFailed",
            "Validation failed",
            "the first tree size must not exceed the second",
            [violation("first", "not_after_second", "first must be <= second")],
        )
    with services.db.reader() as session:
        _within(second, tree_size(session), "second")
        tree = AuditTree(session)
        proof = tree.consistency_proof(first, second)
        first_root, second_root = tree.root(first), tree.root(second)
    return ConsistencyProof(
        first=first,
        second=second,
        first_root=first_root.hex(),
        second_root=second_root.hex(),
        proof=[node.hex() for node in proof],
    )


@router.get("/audit/checkpoints/latest")
def latest(user: CurrentUser, services: ServicesDep) -> CheckpointPublic:
    with services.db.reader() as session:
        row = latest_checkpoint(session)
    if row is None:
        raise Problem(404, "NotFound", "Not found", "no checkpoint has been signed yet")
    return CheckpointPublic.model_validate(row, from_attributes=True)


@router.get("/audit/checkpoints/{size}")
def checkpoint(
    size: Annotated[int, FPath(ge=1, le=MAX)], user: CurrentUser, services: ServicesDep
) -> CheckpointPublic:
    with services.db.reader() as session:
        row = checkpoint_at(session, size)
    if row is None:
        raise Problem(404, "NotFound", "Not found", f"no checkpoint at tree size {size}")
    return CheckpointPublic.model_validate(row, from_attributes=True)


@router.get("/audit/public-key")
def public_key(services: ServicesDep) -> PublicKey:
    """Public on purpose: anyone may check a checkpoint."""
    signer = services.audit_signer
    if signer is None:
        raise Problem(503, "unavailable", "Service unavailable", "no audit signing key configured")
    return PublicKey(name=signer.name, verifier_key=signer.verifier_key, pem=signer.public_pem)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite compares stored UTC text; a bound given in +07:00 must be converted first."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _checkpointed_size(session: Any) -> int:
    row = latest_checkpoint(session)
    if row is None:
        raise Problem(404, "NotFound", "Not found", "no checkpoint yet: give tree_size")
    return row.tree_size


def _within(size: int, available: int, field: str) -> None:
    if size > available:
        raise Problem(
            422,
            "ValidationFailed",
            "Validation failed",
            f"the log has {available} entries",
            [violation(field, "within_tree", f"{field} beyond the log's {available} entries")],
        )
