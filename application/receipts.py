"""Decision receipts: the decision at one audit entry, proven into the first signed checkpoint
that covers it (or the current tree until one does). The API's JSON and printable receipt and
the web's receipt page read it here, with one rule for who may read it."""

from __future__ import annotations

from sqlmodel import Session

from application.complaints import may_see
from application.errors import Problem
from domain.access import OrgTree, Principal, may_query_whole_log
from domain.audit import may_read_timeline
from domain.receipts import Receipt, is_decision, split_facts
from storage.agreements import get_state
from storage.audit import body_of, tree_size
from storage.audit_query import get_entry
from storage.audit_tree import AuditTree
from storage.checkpoints import covering_checkpoint
from storage.complaints import get_complaint
from storage.db import Database
from storage.tables import AuditEntry
from storage.users import agreement_unit, org_tree


def decision_receipt(*, db: Database, reader: Principal, seq: int) -> Receipt:
    """The receipt of the decision at audit entry `seq`; 404 when there is none or the reader
    may not read it."""
    with db.reader() as session:
        return receipt_in(session, reader, org_tree(session), seq)


def receipt_in(session: Session, reader: Principal, tree: OrgTree, seq: int) -> Receipt:
    entry = get_entry(session, seq)
    if (
        entry is None
        or not is_decision(entry.action)
        or not _may_read(session, entry, reader, tree)
    ):
        raise Problem(404, "NotFound", "Not found", f"no decision receipt {seq}")
    checkpoint = covering_checkpoint(session, seq)
    size = checkpoint.tree_size if checkpoint is not None else tree_size(session)
    audit_tree = AuditTree(session)
    body = body_of(entry)
    decided_on, outcome = split_facts(entry.facts)
    return Receipt(
        seq=seq,
        index=seq - 1,
        action=entry.action,
        decided_by=entry.actor_id,
        on_behalf_of=entry.on_behalf_of,
        at=body["at"],
        agreement_id=agreement_of(entry),
        decided_on=decided_on,
        outcome=outcome,
        facts=entry.facts,
        entry_hash=entry.entry_hash,
        leaf_hash=entry.leaf_hash,
        tree_size=size,
        root_hash=audit_tree.root(size).hex(),
        inclusion=[node.hex() for node in audit_tree.inclusion_proof(seq - 1, size)],
        checkpoint=checkpoint.note if checkpoint is not None else None,
    )


def agreement_of(entry: AuditEntry) -> str | None:
    if entry.subject_type == "agreement":
        return entry.subject_id
    named = entry.facts.get("agreement_id")
    return named if isinstance(named, str) else None


def _may_read(session: Session, entry: AuditEntry, reader: Principal, tree: OrgTree) -> bool:
    """Overseers at the top; whoever may read the agreement's timeline; and for a complaint's
    decision, each side of the complaint (a committee member from another unit included)."""
    if may_query_whole_log(reader, tree):
        return True
    if entry.subject_type == "complaint":
        complaint = get_complaint(session, entry.subject_id)
        if complaint is not None and may_see(complaint, reader, tree):
            return True
    agreement_id = agreement_of(entry)
    state = get_state(session, agreement_id) if agreement_id else None
    if state is None:
        return False
    return may_read_timeline(state, reader, tree, agreement_unit(session, state))
