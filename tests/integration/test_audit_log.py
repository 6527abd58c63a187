"""The audit log against tampering, on real SQLite and PostgreSQL databases.

Each case builds a signed log through the recording activity, then changes the database behind
the application's back (lifting the append-only triggers the way a database administrator
could), exports the log and runs the offline verifier. The tampering happens inside a
transaction that is rolled back, so every case starts from the same untouched log.
"""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, col, select

from activities.agreements import AgreementActivities
from auditverify.export import verify_export
from auditverify.note import parse_public_key
from domain.checkpoint import CheckpointBody, signed_note
from domain.transition import AuditEvent
from storage.audit import tree_size
from storage.audit_export import write_export
from storage.audit_keys import AuditSigner, load_or_create_signer
from storage.checkpoints import Checkpointer
from storage.db import Database
from storage.unit_of_work import unit_of_work

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
ENTRIES = 40
Tamper = Callable[[Connection, int], None]


@pytest.fixture
def signer(tmp_path: Path) -> AuditSigner:
    return load_or_create_signer(tmp_path / "keys" / "audit.pem", "rabrong.test/audit")


@pytest.fixture
def signed_log(database: Database, signer: AuditSigner) -> Iterator[tuple[Database, int]]:
    """ENTRIES entries appended after whatever the database holds, checkpointed every 16."""
    checkpointer = Checkpointer(database, signer, None, every=16)
    recorder = AgreementActivities(database, checkpointer)
    with database.reader() as session:
        first = tree_size(session) + 1
    run = datetime.now(UTC).strftime("%H%M%S%f")
    for n in range(ENTRIES):
        recorder.record_event(event(f"tamper-{run}-{n}", n))
    checkpointer.checkpoint(T0 + timedelta(days=1))
    yield database, first


def event(command_id: str, n: int) -> AuditEvent:
    return AuditEvent(
        command_id=command_id,
        at=T0 + timedelta(minutes=n),
        actor_id=f"user-{n % 3}",
        action="kpi.approved" if n % 2 else "evidence.read",
        subject_type="agreement",
        subject_id="fy2569-cmi",
        facts={"kpi": "1.1", "score": f"{3 + n % 3}.00", "หมายเหตุ": "ตัวชี้วัดที่ ๑"},
        on_behalf_of="cmi.head" if n % 5 == 0 else None,
        request_id=f"req-{n}" if n % 4 == 0 else None,
    )


def verified(session: Session, signer: AuditSigner) -> tuple[bool, int | None, str]:
    out = io.BytesIO()
    write_export(session, out, origin=signer.name)
    # Split on \n only: facts may hold U+2028/U+2029 raw (docs/audit-format.md).
    lines = out.getvalue().decode("utf-8").split("\n")[:-1]
    report = verify_export(lines, parse_public_key(signer.verifier_key))
    detail = "; ".join(f.message for f in report.findings)
    return report.ok, report.first_bad, detail


def tampered(
    db: Database, signer: AuditSigner, change: Tamper, seq: int
) -> tuple[bool, int | None]:
    with db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            _lift_triggers(connection)
            change(connection, seq)
            ok, first_bad, _ = verified(Session(bind=connection), signer)
        finally:
            transaction.rollback()
    return ok, first_bad


def _lift_triggers(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for name in ("audit_entry_no_update", "audit_entry_no_delete"):
            connection.execute(text(f"DROP TRIGGER {name}"))
        for name in ("audit_checkpoint_no_update", "audit_checkpoint_no_delete"):
            connection.execute(text(f"DROP TRIGGER {name}"))
    else:
        connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
        connection.execute(text("ALTER TABLE audit_checkpoint DISABLE TRIGGER USER"))


def set_column(column: str, value: str) -> Tamper:
    def change(connection: Connection, seq: int) -> None:
        statement = f"UPDATE audit_entry SET {column} = {value} WHERE seq = :seq"
        connection.execute(text(statement), {"seq": seq})

    return change


FIELD_CHANGES: dict[str, Tamper] = {
    "command_id": set_column("command_id", "'forged-command'"),
    "at": set_column("at", "'2026-10-02 09:00:00'"),
    "actor_id": set_column("actor_id", "'intruder'"),
    "on_behalf_of": set_column("on_behalf_of", "'somebody-else'"),
    "action": set_column("action", "'kpi.returned'"),
    "subject_type": set_column("subject_type", "'evidence'"),
    "subject_id": set_column("subject_id", "'fy2569-bkk'"),
    "facts": set_column("facts", """'{"kpi": "1.1", "score": "5.00"}'"""),
    "request_id": set_column("request_id", "'req-forged'"),
    "prev_hash": set_column("prev_hash", "'" + "ab" * 32 + "'"),
    "entry_hash": set_column("entry_hash", "'" + "cd" * 32 + "'"),
}


def test_an_untouched_export_verifies(
    signed_log: tuple[Database, int], signer: AuditSigner
) -> None:
    db, _ = signed_log
    with db.reader() as session:
        ok, first_bad, detail = verified(session, signer)
    assert ok, detail
    assert first_bad is None


@pytest.mark.parametrize("field", sorted(FIELD_CHANGES))
def test_a_changed_field_is_found_at_its_entry(
    signed_log: tuple[Database, int], signer: AuditSigner, field: str
) -> None:
    db, first = signed_log
    seq = first + 17
    assert tampered(db, signer, FIELD_CHANGES[field], seq) == (False, seq)


def delete(connection: Connection, seq: int) -> None:
    connection.execute(text("DELETE FROM audit_entry WHERE seq = :seq"), {"seq": seq})


def swap_with_the_fifth_after(connection: Connection, seq: int) -> None:
    other, parking = seq + 5, -seq
    for source, target in ((seq, parking), (other, seq), (parking, other)):
        connection.execute(
            text("UPDATE audit_entry SET seq = :target WHERE seq = :source"),
            {"source": source, "target": target},
        )


def insert_before(connection: Connection, seq: int) -> None:
    """Shift every later entry up by one (through a parking range, for the primary key) and
    put a forged entry in the gap."""
    shift = "UPDATE audit_entry SET seq = seq + 1000000 WHERE seq >= :s"
    connection.execute(text(shift), {"s": seq})
    connection.execute(text("UPDATE audit_entry SET seq = seq - 999999 WHERE seq >= 1000000"))
    connection.execute(
        text(
            "INSERT INTO audit_entry (seq, command_id, at, actor_id, action, subject_type,"
            " subject_id, facts, prev_hash, entry_hash, leaf_hash) SELECT :s, 'forged', at,"
            " actor_id, action, subject_type, subject_id, facts, prev_hash, entry_hash, leaf_hash"
            " FROM audit_entry WHERE seq = :s + 1"
        ),
        {"s": seq},
    )


@pytest.mark.parametrize(
    "change", [delete, swap_with_the_fifth_after, insert_before], ids=lambda c: c.__name__
)
def test_a_deleted_moved_or_inserted_entry_is_found_where_it_happened(
    signed_log: tuple[Database, int], signer: AuditSigner, change: Tamper
) -> None:
    db, first = signed_log
    seq = first + 9
    assert tampered(db, signer, change, seq) == (False, seq)


def test_a_rewritten_tail_with_a_recomputed_chain_is_caught_by_the_signed_checkpoints(
    signed_log: tuple[Database, int], signer: AuditSigner
) -> None:
    """Someone with the database but not the key rewrites an entry and every hash after it:
    the chain is whole again, but the signed roots no longer match."""
    db, first = signed_log

    def rewrite(connection: Connection, seq: int) -> None:
        from storage.audit import body_of, entry_hash, leaf_hash
        from storage.tables import AuditEntry

        session = Session(bind=connection)
        rows = session.exec(
            select(AuditEntry).where(AuditEntry.seq >= seq).order_by(col(AuditEntry.seq))
        )
        prev = session.get(AuditEntry, seq - 1)
        assert prev is not None
        last = prev.entry_hash
        for row in list(rows):
            if row.seq == seq:
                row.actor_id = "intruder"
            body = body_of(row)
            row.prev_hash, row.entry_hash = last, entry_hash(last, body)
            row.leaf_hash = leaf_hash(body).hex()
            last = row.entry_hash
        session.flush()

    ok, first_bad = tampered(db, signer, rewrite, first + 20)
    assert not ok
    assert first_bad is not None and first_bad <= first + 20


def test_a_forged_checkpoint_is_refused(
    signed_log: tuple[Database, int], signer: AuditSigner
) -> None:
    db, first = signed_log
    stranger = AuditSigner(signer.name, secrets.token_bytes(32))  # another Ed25519 seed

    def forge(connection: Connection, _seq: int) -> None:
        size = first + 30
        body = CheckpointBody(signer.name, size, b"\x11" * 32, T0)
        note = signed_note(body, stranger.public_key, stranger.sign(body.text().encode()))
        connection.execute(text("DELETE FROM audit_checkpoint WHERE tree_size = :s"), {"s": size})
        connection.execute(
            text(
                "INSERT INTO audit_checkpoint (tree_size, root_hash, signed_at, note)"
                " VALUES (:s, :r, :t, :n)"
            ),
            {"s": size, "r": "11" * 32, "t": T0, "n": note},
        )

    ok, _ = tampered(db, signer, forge, first)
    assert not ok


def test_the_log_refuses_update_and_delete(signed_log: tuple[Database, int]) -> None:
    db, first = signed_log
    for statement in (
        "UPDATE audit_entry SET actor_id = 'x' WHERE seq = :s",
        "DELETE FROM audit_entry WHERE seq = :s",
        "UPDATE audit_checkpoint SET note = 'x' WHERE tree_size >= :s",
        "DELETE FROM audit_checkpoint WHERE tree_size >= :s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), unit_of_work(db) as session:
            session.connection().execute(text(statement), {"s": first})


def test_entries_written_before_the_merkle_tree_join_it_unchanged(tmp_path: Path) -> None:
    """Migration 0004 gives the entries of an older database their leaf hashes and subtree
    hashes without touching what was hashed, so their export verifies like new ones."""
    from storage.audit import GENESIS, entry_hash
    from storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0003")
    db = Database(url)
    prev = GENESIS
    with unit_of_work(db) as session:
        for seq in range(1, 300):
            at = T0 + timedelta(seconds=seq)
            body = {
                "seq": seq,
                "command_id": f"old-{seq}",
                "at": at.isoformat(),
                "actor_id": "maker",
                "action": "agreement.signed",
                "subject_type": "agreement",
                "subject_id": "fy2565-old",
                "facts": {"คำรับรอง": "ปี ๒๕๖๕"},
            }
            digest = entry_hash(prev, body)
            session.connection().execute(
                text(
                    "INSERT INTO audit_entry (seq, command_id, at, actor_id, action, subject_type,"
                    " subject_id, facts, prev_hash, entry_hash) VALUES (:seq, :command_id, :at,"
                    " :actor_id, :action, :subject_type, :subject_id, :facts, :prev, :digest)"
                ),
                {
                    **body,
                    "at": at,
                    "facts": json.dumps(body["facts"]),
                    "prev": prev,
                    "digest": digest,
                },
            )
            prev = digest
    db.dispose()
    upgrade(url)
    db = Database(url)
    signer = load_or_create_signer(tmp_path / "audit.pem", "rabrong.test/audit")
    Checkpointer(db, signer, None, every=0).checkpoint(T0 + timedelta(days=1))
    with db.reader() as session:
        ok, _, detail = verified(session, signer)
        nodes = session.connection().execute(text("SELECT count(*) FROM audit_node")).scalar()
    db.dispose()
    assert ok, detail
    assert nodes == 1  # the first 256 leaves' subtree
