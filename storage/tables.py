"""The system of record. The schema itself is owned by the Alembic migrations beside this file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, TypeDecorator, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from domain.complaints import OPEN


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps come back in UTC on every database: SQLite keeps no zone and would hand back
    naive datetimes that cannot be compared with the aware ones the rest of the code uses."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def _utc() -> Any:
    return Column(UtcDateTime(), nullable=False)


def _utc_or_none() -> Any:
    return Column(UtcDateTime())


class OrgUnit(SQLModel, table=True):
    __tablename__ = "org_unit"

    id: str = Field(primary_key=True, max_length=64)
    parent_id: str | None = Field(default=None, foreign_key="org_unit.id", max_length=64)
    kind: str = Field(max_length=32)
    name_th: str = Field(max_length=300)
    name_en: str | None = Field(default=None, max_length=300)


class AppUser(SQLModel, table=True):
    __tablename__ = "app_user"

    id: str = Field(primary_key=True, max_length=64)
    username: str = Field(unique=True, index=True, max_length=100)
    display_name: str = Field(max_length=300)
    position: str | None = Field(default=None, max_length=300)
    unit_id: str = Field(foreign_key="org_unit.id", max_length=64)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    password_hash: str = Field(max_length=300)
    # Never deleted: a deactivated user keeps their name on what they signed, but cannot sign in.
    active: bool = True
    must_change_password: bool = False


class RoleGrant(SQLModel, table=True):
    """A role held at a unit beyond the user's own (AppUser.roles are held at AppUser.unit_id)."""

    __tablename__ = "role_grant"

    user_id: str = Field(primary_key=True, foreign_key="app_user.id", max_length=64)
    role: str = Field(primary_key=True, max_length=32)
    unit_id: str = Field(primary_key=True, foreign_key="org_unit.id", max_length=64)
    granted_by: str = Field(max_length=64)
    granted_at: datetime = Field(sa_column=_utc())


class DelegationRow(SQLModel, table=True):
    """รักษาราชการแทน / ปฏิบัติราชการแทน: who acts for whom, under which order, when."""

    __tablename__ = "delegation"

    id: str = Field(primary_key=True, max_length=64)
    principal: str = Field(foreign_key="app_user.id", max_length=64)
    delegate: str = Field(foreign_key="app_user.id", index=True, max_length=64)
    kind: str = Field(max_length=32)
    order_ref: str = Field(max_length=300)
    order_date: date
    valid_from: date
    valid_to: date
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_utc())
    revoked_on: date | None = None
    revoked_by: str | None = Field(default=None, max_length=64)


class ApiToken(SQLModel, table=True):
    """A machine's API token (named), stored as its SHA-256 only."""

    __tablename__ = "api_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=64)
    expires_at: datetime = Field(sa_column=_utc())
    name: str | None = Field(default=None, max_length=100)
    created_at: datetime | None = Field(default=None, sa_column=_utc_or_none())
    revoked_at: datetime | None = Field(default=None, sa_column=_utc_or_none())


class RefreshToken(SQLModel, table=True):
    """One use each: a refresh rotates it; presenting a used one revokes its whole family."""

    __tablename__ = "refresh_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="app_user.id", max_length=64)
    family: str = Field(index=True, max_length=64)
    expires_at: datetime = Field(sa_column=_utc())
    used_at: datetime | None = Field(default=None, sa_column=_utc_or_none())
    revoked_at: datetime | None = Field(default=None, sa_column=_utc_or_none())


class LoginThrottle(SQLModel, table=True):
    """Failed logins counted for one account or one client address (domain.login_throttle)."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=200)
    window_start: datetime = Field(sa_column=_utc())
    failures: int = 0
    blocks: int = 0
    blocked_until: datetime | None = Field(default=None, sa_column=_utc_or_none())


class IdempotencyRecord(SQLModel, table=True):
    """A POST seen with an Idempotency-Key: in progress, then the response it gave."""

    __tablename__ = "idempotency_record"

    scope: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=100)
    method: str = Field(max_length=10)
    path: str = Field(max_length=1000)
    fingerprint: str | None = Field(default=None, max_length=64)
    status_code: int | None = None
    content_type: str | None = Field(default=None, max_length=200)
    body: bytes | None = None
    replayable: bool = True
    created_at: datetime = Field(sa_column=_utc())
    completed_at: datetime | None = Field(default=None, sa_column=_utc_or_none())


class DefinitionRow(SQLModel, table=True):
    __tablename__ = "agreement_definition"

    id: str = Field(primary_key=True, max_length=100)
    version: int = Field(primary_key=True)
    title_th: str = Field(max_length=500)
    fiscal_year_be: int
    content_hash: str = Field(max_length=80)
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class AgreementRow(SQLModel, table=True):
    __tablename__ = "agreement"
    __table_args__ = (Index("ix_agreement_unit_id", "unit", "id"),)

    id: str = Field(primary_key=True, max_length=100)
    title: str = Field(max_length=500)
    definition_id: str = Field(max_length=100)
    definition_version: int
    definition_hash: str = Field(max_length=80)
    parent_id: str | None = Field(default=None, index=True, max_length=100)
    maker_id: str = Field(index=True, max_length=64)
    recipient_id: str = Field(index=True, max_length=64)
    status: str = Field(index=True, max_length=32)
    state_version: int
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())
    # The unit whose scope holds it (decision 0020), so that the list filters in SQL (0030);
    # indexed with the id (ix_agreement_unit_id, migration 0012).
    unit: str | None = Field(default=None, max_length=100)


class AgreementPerson(SQLModel, table=True):
    """Who takes part in an agreement (domain.access.agreement_people), one row each: the
    index the agreement list matches a reader's people against (decision 0030)."""

    __tablename__ = "agreement_person"

    # Looked up by person, the agreement's id read from the index alone (migration 0012).
    __table_args__ = (Index("ix_agreement_person_user_agreement", "user_id", "agreement_id"),)

    agreement_id: str = Field(primary_key=True, foreign_key="agreement.id", max_length=100)
    user_id: str = Field(primary_key=True, max_length=64)


class SignatureRow(SQLModel, table=True):
    __tablename__ = "signature"

    agreement_id: str = Field(primary_key=True, foreign_key="agreement.id", max_length=100)
    party: str = Field(primary_key=True, max_length=32)
    signer_id: str = Field(max_length=64)
    definition_hash: str = Field(max_length=80)
    signed_at: datetime = Field(sa_column=_utc())


class KpiResultRow(SQLModel, table=True):
    __tablename__ = "kpi_result"

    agreement_id: str = Field(primary_key=True, foreign_key="agreement.id", max_length=100)
    round: int = Field(primary_key=True)
    kpi_code: str = Field(primary_key=True, max_length=32)
    status: str = Field(max_length=32)
    result: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    self_score: str | None = Field(default=None, max_length=40)
    score: str | None = Field(default=None, max_length=40)
    derivation: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    entered_by: str | None = Field(default=None, max_length=64)
    reviewed_by: str | None = Field(default=None, max_length=64)
    review_note: str | None = Field(default=None, max_length=2000)
    approved_hash: str | None = Field(default=None, max_length=80)


class EvidenceRow(SQLModel, table=True):
    __tablename__ = "evidence"

    id: str = Field(primary_key=True, max_length=64)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=100)
    round: int
    kpi_code: str = Field(max_length=32)
    sha256: str = Field(index=True, max_length=64)
    size: int
    media_type: str = Field(max_length=200)
    original_name: str = Field(max_length=500)
    object_key: str = Field(max_length=300)
    version_id: str | None = Field(default=None, max_length=200)
    uploaded_by: str = Field(max_length=64)
    uploaded_at: datetime = Field(sa_column=_utc())
    item_code: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    effective_from: date | None = None
    effective_to: date | None = None
    retain_until: datetime | None = Field(default=None, sa_column=_utc_or_none())
    reviewed_at: datetime | None = Field(default=None, sa_column=_utc_or_none())
    reviewed_by: str | None = Field(default=None, max_length=64)
    superseded_at: datetime | None = Field(default=None, sa_column=_utc_or_none())
    superseded_by: str | None = Field(default=None, max_length=64)
    withdrawn_by: str | None = Field(default=None, max_length=64)
    withdrawal_reason: str | None = Field(default=None, max_length=2000)


class RoundScoreRow(SQLModel, table=True):
    __tablename__ = "round_score"

    agreement_id: str = Field(primary_key=True, foreign_key="agreement.id", max_length=100)
    round: int = Field(primary_key=True)
    score: str = Field(max_length=40)
    score_100: str = Field(max_length=40)
    complete: bool
    derivation: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class AuditEntry(SQLModel, table=True):
    """Append-only: database triggers refuse UPDATE and DELETE (see the migrations)."""

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("command_id", name="uq_audit_entry_command_id"),)

    seq: int = Field(primary_key=True)
    command_id: str | None = Field(default=None, max_length=100)
    at: datetime = Field(sa_column=_utc())
    actor_id: str = Field(max_length=64)
    action: str = Field(max_length=64, index=True)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=100, index=True)
    facts: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    request_id: str | None = Field(default=None, max_length=100)
    leaf_hash: str = Field(max_length=64)  # RFC 9162 leaf hash of the canonical body


class AuditNode(SQLModel, table=True):
    """A cached perfect-subtree hash of the audit Merkle tree (levels 8 and 16), append-only."""

    __tablename__ = "audit_node"

    level: int = Field(primary_key=True)
    idx: int = Field(primary_key=True)
    hash: str = Field(max_length=64)


class AuditCheckpoint(SQLModel, table=True):
    """A signed commitment to the first tree_size entries (a C2SP signed note), append-only."""

    __tablename__ = "audit_checkpoint"

    tree_size: int = Field(primary_key=True)
    root_hash: str = Field(max_length=64)
    signed_at: datetime = Field(sa_column=_utc())
    note: str


class TaskRow(SQLModel, table=True):
    """One opening of a pending human step; the inbox reads the open ones (closed_at null)."""

    __tablename__ = "task"

    id: str = Field(primary_key=True, max_length=200)  # key#opening
    key: str = Field(index=True, max_length=200)
    kind: str = Field(max_length=32)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=100)
    round: int | None = None
    kpi_code: str | None = Field(default=None, max_length=32)
    item_code: str | None = Field(default=None, max_length=64)
    assignee_user: str | None = Field(default=None, index=True, max_length=64)
    assignee_role: str | None = Field(default=None, max_length=32)
    assignee_unit: str | None = Field(default=None, max_length=100)
    candidates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    due: date | None = None
    overdue: bool = False
    note: str | None = Field(default=None, max_length=4000)
    opened_at: datetime = Field(sa_column=_utc())
    opened_by_command: str = Field(max_length=100)
    closed_at: datetime | None = Field(default=None, sa_column=_utc_or_none())
    closed_by_command: str | None = Field(default=None, max_length=100)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=_utc_or_none())


class TaskCandidate(SQLModel, table=True):
    """Who may take a group task: the index the inbox queries (TaskRow.candidates, one per row)."""

    __tablename__ = "task_candidate"

    task_id: str = Field(primary_key=True, foreign_key="task.id", max_length=200)
    user_id: str = Field(primary_key=True, index=True, max_length=64)


class NotificationRow(SQLModel, table=True):
    """The outbox: written with the transition that raised it; a delivery channel drains it."""

    __tablename__ = "notification_outbox"

    id: str = Field(primary_key=True, max_length=200)
    recipient: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=32)
    agreement_id: str = Field(index=True, max_length=100)
    task_key: str | None = Field(default=None, max_length=200)
    due: date | None = None
    subject_th: str = Field(max_length=1000)
    subject_en: str = Field(max_length=1000)
    created_at: datetime = Field(sa_column=_utc())
    sent_at: datetime | None = Field(default=None, sa_column=_utc_or_none())


OPEN_COMPLAINT = f"status IN ({', '.join(repr(s.value) for s in OPEN)})"


class ComplaintRow(SQLModel, table=True):
    """A complaint about a published score, projected from its workflow's state."""

    __tablename__ = "complaint"
    # One open complaint per score (migration 0007): two filings at once both pass the check.
    __table_args__ = (
        Index(
            "uq_complaint_open_score",
            "agreement_id",
            "round",
            "kpi_code",
            unique=True,
            sqlite_where=text(OPEN_COMPLAINT),
            postgresql_where=text(OPEN_COMPLAINT),
        ),
    )

    id: str = Field(primary_key=True, max_length=80)
    agreement_id: str = Field(foreign_key="agreement.id", index=True, max_length=100)
    round: int
    kpi_code: str = Field(max_length=32)
    unit: str | None = Field(default=None, index=True, max_length=100)
    complainant: str = Field(index=True, max_length=64)
    filed_by: str = Field(max_length=64)
    status: str = Field(index=True, max_length=32)
    committee: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    overdue: bool = False
    old_score: str = Field(max_length=40)
    new_score: str | None = Field(default=None, max_length=40)
    score_version: int | None = None
    filed_at: datetime = Field(sa_column=_utc())
    due: datetime = Field(sa_column=_utc())
    decided_at: datetime | None = Field(default=None, sa_column=_utc_or_none())
    acknowledged_at: datetime | None = Field(default=None, sa_column=_utc_or_none())
    state_version: int
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class ScoreVersionRow(SQLModel, table=True):
    """Every version of a KPI's score in a round: the published one, then each a complaint
    upheld. Append-only: database triggers refuse UPDATE and DELETE (migration 0005)."""

    __tablename__ = "score_version"

    agreement_id: str = Field(primary_key=True, foreign_key="agreement.id", max_length=100)
    round: int = Field(primary_key=True)
    kpi_code: str = Field(primary_key=True, max_length=32)
    version: int = Field(primary_key=True)
    score: str = Field(max_length=40)
    source: str = Field(max_length=32)  # published | complaint
    # The complaint whose record wrote the row: for version 1, the first one upheld against
    # the published score, which is written beside its replacement.
    complaint_id: str = Field(foreign_key="complaint.id", index=True, max_length=80)
    derivation_th: str
    derivation_en: str
    recorded_at: datetime = Field(sa_column=_utc())
    command_id: str = Field(max_length=100)


class WebSession(SQLModel, table=True):
    """A browser's signed-in session: the cookie carries an opaque id, the row only its SHA-256.
    Server-side, so two tabs share it and signing out (or an administrator) ends it at once."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=64)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_utc())
    last_seen_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())  # the absolute timeout
    revoked_at: datetime | None = Field(default=None, sa_column=_utc_or_none())
