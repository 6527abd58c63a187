"""Every audit table refuses to be rewritten, on real SQLite and PostgreSQL: UPDATE and DELETE
on both, TRUNCATE on PostgreSQL (SQLite has no TRUNCATE; its `DELETE FROM t` is the same
statement as a DELETE and is refused by the DELETE trigger).

The log is built in a database of its own with more than 256 entries, so the Merkle tree has
cached a level-8 node and every table has rows for a row trigger to fire on. Each statement runs
in a transaction that is rolled back whatever happens, so a broken trigger cannot damage the
log the next case reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from activities.agreements import AgreementActivities
from domain.transition import AuditEvent
from storage.audit_keys import load_or_create_signer
from storage.checkpoints import Checkpointer
from storage.db import Database
from tests.integration.conftest import fresh_database

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
ENTRIES = 260  # past the first 256-leaf subtree, whose hash audit_node keeps
AUDIT_TABLES = ["audit_entry", "audit_node", "audit_checkpoint"]
KEY_COLUMN = {"audit_entry": "actor_id", "audit_node": "hash", "audit_checkpoint": "note"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def audit_log(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp(f"append-only-{request.param}")
    with fresh_database(request.param, folder) as db:
        signer = load_or_create_signer(folder / "audit.pem", "rabrong.test/audit")
        checkpointer = Checkpointer(db, signer, None, every=64)
        recorder = AgreementActivities(db, checkpointer)
        for n in range(ENTRIES):
            recorder.record_event(
                AuditEvent(
                    command_id=f"append-only-{n}",
                    at=T0 + timedelta(minutes=n),
                    actor_id="u-owner",
                    action="kpi.approved",
                    subject_type="agreement",
                    subject_id="fy2570-cmi",
                    facts={"kpi": "2", "score": "4.00"},
                )
            )
        checkpointer.checkpoint(T0 + timedelta(days=1))
        yield db


def count(db: Database, table: str) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def refused(db: Database, statement: str) -> None:
    """The statement fails with the trigger's message; its transaction is rolled back."""
    with db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            with pytest.raises(DatabaseError, match="append-only"):
                connection.execute(text(statement))
        finally:
            transaction.rollback()


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_every_audit_table_has_rows_to_protect(audit_log: Database, table: str) -> None:
    assert count(audit_log, table) >= 1


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_update_is_refused(audit_log: Database, table: str) -> None:
    before = count(audit_log, table)
    refused(audit_log, f"UPDATE {table} SET {KEY_COLUMN[table]} = 'forged'")
    assert count(audit_log, table) == before


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_delete_is_refused(audit_log: Database, table: str) -> None:
    before = count(audit_log, table)
    refused(audit_log, f"DELETE FROM {table}")
    assert count(audit_log, table) == before


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_truncate_is_refused(audit_log: Database, table: str) -> None:
    # SQLite's TRUNCATE is a DELETE without WHERE (its truncate optimisation), which a table
    # with a DELETE trigger must not take.
    sqlite = audit_log.engine.dialect.name == "sqlite"
    before = count(audit_log, table)
    refused(audit_log, f"DELETE FROM {table}" if sqlite else f"TRUNCATE {table}")
    assert count(audit_log, table) == before
