"""Decision receipts over the API: JSON, and a printable page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from api.deps import CurrentUser, ServicesDep
from api.identity import Caller
from api.problems import Problem
from api.receipt_page import render
from domain.audit import may_query_whole_log, may_read_timeline
from domain.receipts import Receipt, is_decision, split_facts
from storage.agreements import get_state
from storage.audit import body_of, tree_size
from storage.audit_query import get_entry
from storage.audit_tree import AuditTree
from storage.checkpoints import covering_checkpoint
from storage.tables import AuditEntry

router = APIRouter(prefix="/v1/audit/receipts", tags=["audit"])
Seq = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/{seq}")
def receipt(seq: Seq, user: CurrentUser, services: ServicesDep) -> Receipt:
    """The receipt of the decision at audit entry `seq`, proven into the first signed
    checkpoint that covers it (or the current tree until one does)."""
    with services.db.reader() as session:
        return _receipt(session, seq, user)


@router.get("/{seq}/print", response_class=HTMLResponse)
def printable(seq: Seq, user: CurrentUser, services: ServicesDep) -> HTMLResponse:
    with services.db.reader() as session:
        return HTMLResponse(render(_receipt(session, seq, user)))


def _receipt(session: Session, seq: int, user: Caller) -> Receipt:
    entry = get_entry(session, seq)
    if entry is None or not is_decision(entry.action) or not _may_read(session, entry, user):
        raise Problem(404, "NotFound", "Not found", f"no decision receipt {seq}")
    checkpoint = covering_checkpoint(session, seq)
    size = checkpoint.tree_size if checkpoint is not None else tree_size(session)
    tree = AuditTree(session)
    body = body_of(entry)
    decided_on, outcome = split_facts(entry.facts)
    return Receipt(
        seq=seq,
        index=seq - 1,
        action=entry.action,
        decided_by=entry.actor_id,
        on_behalf_of=entry.on_behalf_of,
        at=body["at"],
        agreement_id=_agreement_of(entry),
        decided_on=decided_on,
        outcome=outcome,
        facts=entry.facts,
        entry_hash=entry.entry_hash,
        leaf_hash=entry.leaf_hash,
        tree_size=size,
        root_hash=tree.root(size).hex(),
        inclusion=[node.hex() for node in tree.inclusion_proof(seq - 1, size)],
        checkpoint=checkpoint.note if checkpoint is not None else None,
    )


def _agreement_of(entry: AuditEntry) -> str | None:
    if entry.subject_type == "agreement":
        return entry.subject_id
    named = entry.facts.get("agreement_id")
    return named if isinstance(named, str) else None


def _may_read(session: Session, entry: AuditEntry, user: Caller) -> bool:
    if may_query_whole_log(user.principal, user.tree):
        return True
    agreement_id = _agreement_of(entry)
    state = get_state(session, agreement_id) if agreement_id else None
    return state is not None and may_read_timeline(
        state, user.principal, user.tree, user.unit_of(state)
    )
