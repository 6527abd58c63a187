"""The auditor's desk: what its pages show (log search, an agreement's timeline, the agreement
as of a moment, the state of the log) and the bundles it hands out. Everything here reads,
except that a bundle first signs a checkpoint of the log as it stands, as `rabrong audit
bundle` does, so the bundle proves every entry up to the moment it was asked for."""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from application.checkpoints import sign_checkpoint
from application.complaint_pages import Moment, moment
from application.errors import Problem
from domain.access import OrgTree, Principal, may_query_whole_log
from domain.agreement import AgreementState
from domain.as_of import AsOfView, LoggedFact, as_of, last_decision
from domain.audit import may_read_timeline
from domain.receipts import is_decision
from storage.agreements import get_state
from storage.audit import body_of, tree_size
from storage.audit_bundle import agreements_of_unit, write_bundle
from storage.audit_export import write_export
from storage.audit_keys import AuditSigner
from storage.audit_query import AuditQuery, agreement_entries, count_agreement_entries, find_entries
from storage.checkpoints import Checkpointer, latest_checkpoint
from storage.db import Database
from storage.evidence_store import EvidenceStore
from storage.tables import AgreementRow, AppUser, AuditEntry, OrgUnit
from storage.users import agreement_unit, org_tree

PAGE = 50


@dataclass(frozen=True)
class LogRow:
    seq: int
    at: Moment
    actor: str  # name (id)
    on_behalf_of: str | None
    action: str
    subject: str  # type: id
    agreement_id: str | None
    facts: list[tuple[str, str]]  # the entry's facts, as text, in the order logged
    receipt: bool  # a decision with a receipt page


@dataclass(frozen=True)
class LogPage:
    rows: list[LogRow]
    count: int
    offset: int
    limit: int
    tree_size: int

    @property
    def first(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.rows)

    @property
    def previous(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None

    @property
    def next(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.count else None


@dataclass(frozen=True)
class LogSearch:
    """An auditor's search as the form gives it, already parsed (web/ parses what was typed)."""

    actor_id: str | None = None
    action: str | None = None
    agreement_id: str | None = None
    unit: str | None = None
    at_from: datetime | None = None
    at_to: datetime | None = None


@dataclass(frozen=True)
class LogStatus:
    tree_size: int
    checkpoint_size: int | None
    checkpoint_signed: Moment | None
    unsigned: int  # entries after the latest checkpoint
    verified: bool | None  # None: not checked on this view
    verdict: str | None  # the verifier's one-line summary


@dataclass(frozen=True)
class AsOfPage:
    agreement_id: str
    title: str
    kpis: list[tuple[int, str]]  # (round, code) that have a review decision
    view: AsOfView | None
    moment: Moment | None  # the time of the entry the view stops at


def is_auditor(*, db: Database, reader: Principal) -> bool:
    with db.reader() as session:
        return may_query_whole_log(reader, org_tree(session))


def _require_auditor(session: Session, reader: Principal) -> OrgTree:
    tree = org_tree(session)
    if not may_query_whole_log(reader, tree):
        raise Problem(403, "NotAuthorized", "Not allowed for this user", "auditors only")
    return tree


def search_log(
    *, db: Database, reader: Principal, search: LogSearch, offset: int, limit: int = PAGE
) -> LogPage:
    """The whole log, narrowed by actor, action, agreement, unit (and the units below it) and
    time; auditors at the top only (403 for others)."""
    with db.reader() as session:
        _require_auditor(session, reader)
        ids: tuple[str, ...] | None = None
        if search.unit is not None:
            if session.get(OrgUnit, search.unit) is None:
                raise Problem(404, "NotFound", "Not found", f"no unit {search.unit}")
            ids = tuple(_agreements_within(session, search.unit))
        if search.agreement_id is not None:
            ids = (search.agreement_id,) if ids is None or search.agreement_id in ids else ()
        query = AuditQuery(
            actor_id=search.actor_id,
            action=search.action,
            at_from=_utc(search.at_from),
            at_to=_utc(search.at_to),
            agreement_ids=ids,
        )
        rows, count = find_entries(session, query, offset=offset, limit=limit)
        names = _names(session, {r.actor_id for r in rows})
        size = tree_size(session)
    return LogPage([_row(r, names) for r in rows], count, offset, limit, size)


def agreement_timeline(
    *, db: Database, reader: Principal, agreement_id: str, offset: int, limit: int = PAGE
) -> tuple[str, LogPage]:
    """The agreement's title and every entry about it, its evidence and its complaints, oldest
    first; for whoever may read its timeline (404 for anyone else)."""
    with db.reader() as session:
        state = _readable(session, reader, agreement_id)
        rows = agreement_entries(session, agreement_id, offset=offset, limit=limit)
        count = count_agreement_entries(session, agreement_id)
        names = _names(session, {r.actor_id for r in rows})
        size = tree_size(session)
    return state.title, LogPage([_row(r, names) for r in rows], count, offset, limit, size)


def agreement_as_of(
    *,
    db: Database,
    reader: Principal,
    agreement_id: str,
    round_number: int | None,
    kpi_code: str | None,
    seq: int | None = None,
    at: datetime | None = None,
) -> AsOfPage:
    """One KPI of a round as the log shows it at a moment: at audit entry `seq`, or the last
    entry at or before `at`, or (neither given) the KPI's latest review decision, which is what
    the reviewer had in front of them when they decided. Rebuilt from the log alone."""
    with db.reader() as session:
        state = _readable(session, reader, agreement_id)
        logged = [
            LoggedFact(e.seq, e.at.astimezone(UTC).isoformat(), e.actor_id, e.action, e.facts)
            for e in agreement_entries(session, agreement_id)
        ]
    kpis = sorted(
        {
            (f.facts["round"], f.facts["kpi_code"])
            for f in logged
            if f.action in ("result.approved", "result.returned")
            and isinstance(f.facts.get("round"), int)
            and isinstance(f.facts.get("kpi_code"), str)
        }
    )
    if round_number is None or kpi_code is None:
        return AsOfPage(agreement_id, state.title, kpis, None, None)
    stop = seq
    if stop is None and at is not None:
        cutoff = _utc(at)
        assert cutoff is not None
        before = [f.seq for f in logged if datetime.fromisoformat(f.at) <= cutoff]
        stop = max(before, default=None)
    if stop is None and at is None:
        stop = last_decision(logged, round_number, kpi_code)
    if stop is None:
        return AsOfPage(agreement_id, state.title, kpis, None, None)
    when = next((f.at for f in logged if f.seq == stop), None)
    shown = moment(datetime.fromisoformat(when)) if when is not None else None
    return AsOfPage(
        agreement_id, state.title, kpis, as_of(logged, round_number, kpi_code, stop), shown
    )


def log_status(
    *, db: Database, reader: Principal, verifier_key: str | None, check: bool
) -> LogStatus:
    """How big the log is, when its latest checkpoint was signed, and (when asked: it reads the
    whole log) whether the log as it stands verifies with the verifier `rabrong audit verify`
    uses, against the signing key's public half."""
    with db.reader() as session:
        _require_auditor(session, reader)
        size = tree_size(session)
        latest = latest_checkpoint(session)
        verified: bool | None = None
        verdict: str | None = None
        if check and verifier_key is not None:
            # Here, not at the top: the verifier's Ed25519 needs `cryptography`, about 9 MiB
            # the API process does not carry until an auditor asks (decision 0033, amended).
            from auditverify.export import verify_export
            from auditverify.note import parse_public_key

            buffer = io.BytesIO()
            write_export(session, buffer, origin="", up_to=size)
            report = verify_export(
                buffer.getvalue().split(b"\n")[:-1], parse_public_key(verifier_key)
            )
            verified, verdict = report.ok, report.summary()
    return LogStatus(
        tree_size=size,
        checkpoint_size=latest.tree_size if latest else None,
        checkpoint_signed=moment(latest.signed_at) if latest else None,
        unsigned=size - (latest.tree_size if latest else 0),
        verified=verified,
        verdict=verdict,
    )


def bundle_file(
    *,
    db: Database,
    store: EvidenceStore,
    signer: AuditSigner,
    reader: Principal,
    agreement_id: str | None = None,
    unit: str | None = None,
    fiscal_year_be: int | None = None,
    now: datetime,
) -> tuple[Path, str]:
    """The bundle `rabrong audit bundle` writes, for one agreement or a unit's year, written to
    a temporary file (the caller removes it) with the name to download it as. Auditors at the
    top only: a bundle carries the evidence files themselves."""
    with db.reader() as session:
        _require_auditor(session, reader)
        if agreement_id is not None:
            if get_state(session, agreement_id) is None:
                raise Problem(404, "NotFound", "Not found", f"no agreement {agreement_id}")
        elif unit is None or fiscal_year_be is None:
            raise Problem(422, "ValidationFailed", "Validation failed", "a unit needs a year")
        elif session.get(OrgUnit, unit) is None:
            raise Problem(404, "NotFound", "Not found", f"no unit {unit}")
    sign_checkpoint(checkpointer=Checkpointer(db, signer, store, every=0), at=now)
    scope: dict[str, Any]
    with db.reader() as session:
        if agreement_id is not None:
            ids, scope, name = [agreement_id], {"agreement_id": agreement_id}, agreement_id
        else:
            assert unit is not None and fiscal_year_be is not None
            ids = agreements_of_unit(session, unit, fiscal_year_be)
            scope = {"unit": unit, "fiscal_year_be": fiscal_year_be, "agreement_ids": ids}
            name = f"{unit}-{fiscal_year_be}"
        handle, raw = tempfile.mkstemp(prefix="rabrong-bundle-", suffix=".zip")
        os.close(handle)  # the ZIP writer opens it again by name
        out = Path(raw)
        write_bundle(session, store, out, agreement_ids=ids, scope=scope, origin=signer.name)
    return out, f"rabrong-bundle-{name}.zip"


def _agreements_within(session: Session, unit: str) -> list[str]:
    tree = org_tree(session)
    chosen = []
    for row in session.exec(select(AgreementRow).order_by(col(AgreementRow.id))):
        belongs = agreement_unit(session, AgreementState.model_validate(row.state))
        if belongs is not None and tree.within(belongs, unit):
            chosen.append(row.id)
    return chosen


def _readable(session: Session, reader: Principal, agreement_id: str) -> AgreementState:
    state = get_state(session, agreement_id)
    if state is None or not may_read_timeline(
        state, reader, org_tree(session), agreement_unit(session, state)
    ):
        raise Problem(404, "NotFound", "Not found", f"no agreement {agreement_id}")
    return state


def _names(session: Session, people: set[str]) -> dict[str, str]:
    return {u: user.display_name for u in people if (user := session.get(AppUser, u))}


def _row(entry: AuditEntry, names: dict[str, str]) -> LogRow:
    facts = body_of(entry).get("facts", {})
    agreement = entry.subject_id if entry.subject_type == "agreement" else facts.get("agreement_id")
    actor = names.get(entry.actor_id)
    return LogRow(
        seq=entry.seq,
        at=moment(entry.at),
        actor=f"{actor} ({entry.actor_id})" if actor else entry.actor_id,
        on_behalf_of=entry.on_behalf_of,
        action=entry.action,
        subject=f"{entry.subject_type}: {entry.subject_id}",
        agreement_id=agreement if isinstance(agreement, str) else None,
        facts=[(k, _text(v)) for k, v in facts.items()],
        receipt=is_decision(entry.action),
    )


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _utc(at: datetime | None) -> datetime | None:
    """SQLite compares stored UTC text; a bound given on the Bangkok clock is converted first."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
