"""Handing the audit log over to a new signing key (`rabrong keys rotate`): the rotation's
entry and the checkpoint signed by both keys, in one unit of work. The key files themselves
are the composition root's (rabrong/key_rotation.py)."""

from __future__ import annotations

from datetime import datetime

from storage.audit_keys import AuditSigner
from storage.checkpoints import key_in_force, sign_handover
from storage.db import Database
from storage.tables import AuditCheckpoint
from storage.unit_of_work import unit_of_work


class NotInForce(Exception):
    """The key to rotate from is not the log's key in force: rotating from it would fork."""


def hand_over_audit_key(
    *, db: Database, current: AuditSigner, new: AuditSigner, at: datetime
) -> AuditCheckpoint | None:
    """The handover checkpoint, or None when an interrupted rotation already signed it."""
    with unit_of_work(db) as session:
        in_force = key_in_force(session)
        if in_force == new.verifier_key:
            return None
        if in_force not in (None, current.verifier_key):
            raise NotInForce(in_force)
        return sign_handover(session, current, new, at)
