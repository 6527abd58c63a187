"""The recording activity and the audit log on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from activities.agreements import AgreementActivities
from domain.agreement import Party
from domain.commands import Sign
from domain.lifecycle import decide
from domain.transition import TransitionRecord
from storage.agreements import get_definition, get_state, save_state
from storage.audit import entries_for
from storage.db import Database
from storage.migrate import upgrade
from storage.tables import AuditEntry, EvidenceRow, KpiResultRow, RoundScoreRow, SignatureRow
from storage.unit_of_work import unit_of_work
from tests.support.factories import MAKER, cmd, created
from tests.support.journeys import KPIS, approve, signed, submit


def records(agreement_id: str) -> tuple[TransitionRecord, TransitionRecord]:
    state, definition = created()
    state = state.model_copy(update={"agreement_id": agreement_id})
    first = TransitionRecord(
        command_id=f"{agreement_id}-create",
        agreement_id=agreement_id,
        action="agreement.created",
        actor_id="admin",
        at=state.created_at,
        facts={"k": "v"},
        state=state,
        definition=definition,
    )
    signed = decide(state, definition, cmd(Sign, MAKER, party=Party.MAKER))
    second = TransitionRecord(
        command_id=f"{agreement_id}-sign",
        agreement_id=agreement_id,
        action=signed.action,
        actor_id=MAKER,
        at=signed.state.updated_at,
        facts=signed.facts,
        state=signed.state,
    )
    return first, second


def test_a_transition_is_recorded_once_however_often_it_is_retried(database: Database) -> None:
    recorder = AgreementActivities(database)
    first, second = records("rec-once")
    assert not recorder.record_transition(first).already_recorded
    assert recorder.record_transition(first).already_recorded
    recorder.record_transition(second)
    assert recorder.record_transition(second).already_recorded
    with database.reader() as session:
        entries = entries_for(session, subject_id="rec-once")
        state = get_state(session, "rec-once")
        signatures = session.exec(
            select(SignatureRow).where(SignatureRow.agreement_id == "rec-once")
        )
        assert [e.action for e in entries] == ["agreement.created", "agreement.signed"]
        assert state is not None and state.version == 2
        assert [s.party for s in signatures] == ["maker"]
        assert get_definition(session, first.state.definition_id) is not None


def test_an_older_snapshot_never_overwrites_a_newer_one(database: Database) -> None:
    recorder = AgreementActivities(database)
    first, second = records("rec-order")
    recorder.record_transition(second.model_copy(update={"command_id": "rec-order-new"}))
    recorder.record_transition(first)
    with database.reader() as session:
        state = get_state(session, "rec-order")
    assert state is not None and state.version == 2


def projected_rows(database: Database, agreement_id: str) -> dict[str, list[Any]]:
    """Every child row of one agreement, as plain values."""
    tables: dict[str, Any] = {
        "signature": SignatureRow,
        "kpi_result": KpiResultRow,
        "round_score": RoundScoreRow,
        "evidence": EvidenceRow,
    }
    with database.reader() as session:
        return {
            name: sorted(
                (
                    row.model_dump()
                    for row in session.exec(select(table).where(table.agreement_id == agreement_id))
                ),
                key=repr,
            )
            for name, table in tables.items()
        }


def test_projecting_only_what_changed_leaves_the_rows_a_whole_projection_writes(
    database: Database, tmp_path: Path
) -> None:
    """save_state writes only the parts of a snapshot that differ from the one it replaces;
    after every step, voids included, the rows equal those of projecting that state afresh."""
    agreement = signed()
    states = [agreement.state]
    submit(agreement, 1)
    states.append(agreement.state)
    approve(agreement, 1, kpis=KPIS[:2])
    states.append(agreement.state)
    approve(agreement, 1, kpis=KPIS[2:])
    states.append(agreement.state)
    published = agreement.state
    voided = published.model_copy(
        update={
            "version": published.version + 1,
            "signatures": published.signatures[:1],
            "round_scores": {},
            "kpi_rounds": {
                k: (
                    v.model_copy(update={"review_note": "ตรวจใหม่"})
                    if k == min(published.kpi_rounds)
                    else v
                )
                for k, v in published.kpi_rounds.items()
            },
        }
    )
    states.append(voided)
    assert published.round_scores and len(published.signatures) >= 2
    for state in states:
        with unit_of_work(database) as session:
            save_state(session, state)
        url = f"sqlite:///{tmp_path / f'afresh-{state.version}.db'}"
        upgrade(url)
        afresh = Database(url)
        with unit_of_work(afresh) as session:
            save_state(session, state)
        assert projected_rows(database, state.agreement_id) == projected_rows(
            afresh, state.agreement_id
        ), f"after version {state.version}"
        afresh.dispose()


def test_audit_entries_form_a_hash_chain(database: Database) -> None:
    recorder = AgreementActivities(database)
    for record in records("rec-chain"):
        recorder.record_transition(record)
    with database.reader() as session:
        chain = list(session.exec(select(AuditEntry).order_by(AuditEntry.seq)))  # type: ignore[arg-type]
    assert "rec-chain" in {entry.subject_id for entry in chain}
    previous = "0" * 64  # the first entry's prev_hash (docs/audit-format.md)
    for entry in chain:
        assert entry.prev_hash == previous
        canonical = documented_canonical_body(entry)
        assert entry.entry_hash == hashlib.sha256(previous.encode("ascii") + canonical).hexdigest()
        assert entry.leaf_hash == hashlib.sha256(b"\x00" + canonical).hexdigest()
        previous = entry.entry_hash


def documented_canonical_body(entry: AuditEntry) -> bytes:
    """An entry's canonical body as docs/audit-format.md defines it, built here from the
    document rather than by the writer's own code, so a writer that drifts from it fails."""
    body: dict[str, Any] = {
        "seq": entry.seq,
        "command_id": entry.command_id,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "facts": entry.facts,
    }
    if entry.on_behalf_of is not None:  # omitted when nobody, never null
        body["on_behalf_of"] = entry.on_behalf_of
    if entry.request_id is not None:
        body["request_id"] = entry.request_id
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entry SET actor_id = 'mallory'", "DELETE FROM audit_entry"],
)
def test_the_database_refuses_to_change_or_delete_audit_entries(
    database: Database, statement: str
) -> None:
    recorder = AgreementActivities(database)
    recorder.record_transition(records(f"rec-lock-{len(statement)}")[0])
    with pytest.raises(DatabaseError, match="append-only"), unit_of_work(database) as session:
        session.execute(text(statement))
    with database.reader() as session:
        assert "mallory" not in {e.actor_id for e in session.exec(select(AuditEntry))}
