"""Identity events in the audit log and failed logins slowed, on SQLite and PostgreSQL.

The use cases are called with their own `now`, so a window passes without waiting for it; the
HTTP tests run two API applications, each with its own engine on the same database, as two
processes behind a load balancer would.
"""

from __future__ import annotations

import io
import json
import secrets
import unicodedata
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from sqlmodel import col, select

from api.app import create_app
from api.services import Services
from application import identity
from application.errors import Problem
from application.gateway import TemporalGateway
from auditverify.export import verify_export
from auditverify.note import parse_public_key
from domain.access import Grant, Principal
from rabrong.first_run import ensure_first_administrator
from storage.audit_export import write_export
from storage.audit_keys import load_or_create_signer
from storage.checkpoints import Checkpointer
from storage.db import Database
from storage.evidence_store import EvidenceStore
from storage.tables import AuditEntry

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(days=14)
HOME = "192.0.2.10"
OFFICE = "198.51.100.7"
ELSEWHERE = "203.0.113.99"


def admin_password(db: Database, folder: Path) -> str:
    path = ensure_first_administrator(db, folder)
    assert path is not None
    return path.read_text(encoding="utf-8").strip()


def entries(db: Database, action: str | None = None) -> list[AuditEntry]:
    with db.reader() as session:
        statement = select(AuditEntry).order_by(col(AuditEntry.seq))
        if action is not None:
            statement = statement.where(AuditEntry.action == action)
        return list(session.exec(statement))


def log_in(db: Database, name: str, password: str, address: str, at: datetime) -> str:
    """The login's outcome as the API would answer it: "ok", or the problem's status and kind."""
    try:
        identity.log_in(
            db=db,
            username=name,
            password=password,
            client_address=address,
            now=at,
            refresh_ttl=TTL,
        )
    except Problem as refused:
        return f"{refused.status} {refused.kind}"
    return "ok"


def test_every_identity_event_is_recorded_with_the_address_and_no_secret(
    own_database: Database, tmp_path: Path
) -> None:
    db = own_database
    password = admin_password(db, tmp_path)
    admin = Principal(user_id="u-admin", unit="root", grants=(Grant("administrator", "root"),))

    signed_in = identity.log_in(
        db=db, username="admin", password=password, client_address=HOME, now=T0, refresh_ttl=TTL
    )
    rotated = identity.refresh_session(
        db=db,
        refresh_token=signed_in.refresh_token,
        client_address=HOME,
        now=T0 + timedelta(minutes=20),
        refresh_ttl=TTL,
    )
    with pytest.raises(Problem):  # presented twice: the family is revoked, and that recorded
        identity.refresh_session(
            db=db,
            refresh_token=signed_in.refresh_token,
            client_address=ELSEWHERE,
            now=T0 + timedelta(minutes=21),
            refresh_ttl=TTL,
        )
    row, api_token = identity.issue_api_token(
        db=db, actor=admin, name="นำเข้าข้อมูล", client_address=OFFICE, now=T0, ttl=TTL
    )
    identity.withdraw_api_token(
        db=db, actor=admin, token_id=row.token_hash, client_address=OFFICE, now=T0
    )
    identity.withdraw_api_token(  # revoked already: nothing changes, nothing is recorded
        db=db, actor=admin, token_id=row.token_hash, client_address=OFFICE, now=T0
    )
    # Revoked by the reuse already, and never issued: neither is a logout.
    identity.log_out(db=db, refresh_token=rotated.refresh_token, client_address=HOME, now=T0)
    identity.log_out(db=db, refresh_token="never-issued", client_address=HOME, now=T0)
    again = identity.log_in(
        db=db, username="admin", password=password, client_address=OFFICE, now=T0, refresh_ttl=TTL
    )
    identity.log_out(db=db, refresh_token=again.refresh_token, client_address=OFFICE, now=T0)
    assert log_in(db, "admin", "wrong", ELSEWHERE, T0) == "401 bad_credentials"
    typed = unicodedata.normalize("NFD", "ผู้ใช้ที่ไม่มี") + "x" * 200
    assert log_in(db, typed, "whatever", ELSEWHERE, T0) == "401 bad_credentials"

    recorded = [e for e in entries(db) if e.action.startswith("identity.")]
    assert [(e.action, e.actor_id, e.subject_id, e.facts["client_address"]) for e in recorded] == [
        ("identity.login", "u-admin", "u-admin", HOME),
        ("identity.refresh", "u-admin", "u-admin", HOME),
        ("identity.refresh", "u-admin", "u-admin", ELSEWHERE),
        ("identity.token_created", "u-admin", "u-admin", OFFICE),
        ("identity.token_revoked", "u-admin", "u-admin", OFFICE),
        ("identity.login", "u-admin", "u-admin", OFFICE),
        ("identity.logout", "u-admin", "u-admin", OFFICE),
        ("identity.login_failed", "anonymous", "u-admin", ELSEWHERE),
        (
            "identity.login_failed",
            "anonymous",
            unicodedata.normalize("NFC", typed)[:100],
            ELSEWHERE,
        ),
    ]
    assert all(e.subject_type == "identity" for e in recorded)
    assert recorded[3].facts["token_id"] == recorded[4].facts["token_id"] == row.token_hash
    assert recorded[3].facts["name"] == "นำเข้าข้อมูล"
    assert [e.facts.get("reason") for e in recorded[7:]] == ["wrong_password", "unknown_user"]
    assert recorded[2].facts["reused"] is True and recorded[2].facts["sessions_revoked"] is True
    assert recorded[0].facts["family"] == recorded[1].facts["family"] == recorded[2].facts["family"]
    assert recorded[5].facts["family"] == recorded[6].facts["family"] != recorded[0].facts["family"]

    # No password and no token value, anywhere in the entries.
    everything = json.dumps([e.model_dump(mode="json") for e in entries(db)], ensure_ascii=False)
    tokens = (signed_in.refresh_token, rotated.refresh_token, again.refresh_token, api_token)
    for secret in (password, "whatever", *tokens):
        assert secret not in everything

    # The entries are leaves of the log like any other: a signed export verifies.
    signer = load_or_create_signer(tmp_path / "keys" / "audit.pem", "rabrong.test/audit")
    Checkpointer(db, signer, None, every=16).checkpoint(T0 + timedelta(hours=1))
    out = io.BytesIO()
    with db.reader() as session:
        write_export(session, out, origin=signer.name)
    lines = out.getvalue().decode("utf-8").split("\n")[:-1]
    report = verify_export(lines, parse_public_key(signer.verifier_key))
    assert report.ok, [f.message for f in report.findings]


def test_the_sixth_failure_within_a_minute_waits_and_the_window_passing_lets_it_try(
    own_database: Database, tmp_path: Path
) -> None:
    url = own_database.url
    password = admin_password(own_database, tmp_path)
    other = Database(url)  # a second API process: its own engine, the same rows
    try:
        outcomes = [
            log_in(
                own_database if n % 2 else other,
                "admin",
                "guess",
                OFFICE,
                T0 + timedelta(seconds=n),
            )
            for n in range(5)
        ]
        assert outcomes == ["401 bad_credentials"] * 5
        # The sixth, on either process, even with the right password: refused unchecked.
        with pytest.raises(Problem) as sixth:
            identity.log_in(
                db=other,
                username="ADMIN",  # the same account however it is typed
                password=password,
                client_address=OFFICE,
                now=T0 + timedelta(seconds=10),
                refresh_ttl=TTL,
            )
        assert (sixth.value.status, sixth.value.kind) == (429, "too_many_logins")
        assert sixth.value.extra["retry_after"] == 50
        assert [(v.field, v.rule) for v in sixth.value.errors] == [
            ("username", "failed_logins_per_account")
        ]
        assert log_in(own_database, "admin", password, HOME, T0 + timedelta(seconds=11)) == (
            "429 too_many_logins"
        )
        # Another account from another address is not slowed.
        assert log_in(other, "somebody", "guess", ELSEWHERE, T0 + timedelta(seconds=12)) == (
            "401 bad_credentials"
        )
        # The window passed: the account may try again, and the right password signs in.
        assert log_in(own_database, "admin", password, HOME, T0 + timedelta(seconds=60)) == "ok"
        throttled = entries(own_database, "identity.login_failed")
        assert [e.facts["reason"] for e in throttled].count("throttled") == 2
    finally:
        other.dispose()


def test_a_success_forgets_the_account_failures_but_not_the_address_guesses(
    own_database: Database, tmp_path: Path
) -> None:
    db = own_database
    password = admin_password(db, tmp_path)
    at = T0
    # A user who mistypes three times, then gets it right, twice in a minute: never slowed.
    for _ in range(2):
        for _ in range(3):
            assert log_in(db, "admin", "typo", HOME, at) == "401 bad_credentials"
            at += timedelta(seconds=1)
        assert log_in(db, "admin", password, HOME, at) == "ok"
    # One address guessing at many accounts, four tries each, is slowed on the twenty-first.
    names = [f"user{n}" for n in range(6)]
    tries = [name for name in names for _ in range(4)][:20]
    for name in tries:
        assert log_in(db, name, "guess", OFFICE, at) == "401 bad_credentials"
    with pytest.raises(Problem) as slowed:
        identity.log_in(
            db=db,
            username="user9",
            password="guess",
            client_address=OFFICE,
            now=at,
            refresh_ttl=TTL,
        )
    assert slowed.value.status == 429
    assert [(v.field, v.rule) for v in slowed.value.errors] == [
        ("client_address", "failed_logins_per_address")
    ]
    # A good password from that address does not reset the address's counter.
    assert log_in(db, "admin", password, OFFICE, at) == "429 too_many_logins"
    assert log_in(db, "admin", password, HOME, at) == "ok"


@pytest.fixture
async def two_apis(own_database: Database, tmp_path: Path) -> AsyncIterator[list[Services]]:
    """Two API applications' services on the database, each with its own engine, sharing the
    session key as processes loading the same key file do. The login and audit routes use
    neither evidence nor Temporal, so those are left out rather than started."""
    key = secrets.token_bytes(32)
    made = []
    for n in range(2):
        services = Services(
            db=Database(own_database.url),
            store=cast(EvidenceStore, None),
            temporal=cast(TemporalGateway, None),
            token_ttl=timedelta(minutes=10),
            evidence_max_bytes=1 << 20,
            spool_dir=tmp_path / f"incoming-{n}",
            session_key=key,
        )
        made.append(services)
    yield made
    for services in made:
        services.db.dispose()


@asynccontextmanager
async def client(services: Services, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """Requests to this application from this client address."""
    transport = httpx.ASGITransport(app=create_app(services), client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as http:
        yield http


async def test_two_api_processes_agree_on_the_sixth_failure_and_auditors_see_it(
    own_database: Database, tmp_path: Path, two_apis: list[Services]
) -> None:
    password = admin_password(own_database, tmp_path)
    async with AsyncExitStack() as stack:
        home = await stack.enter_async_context(client(two_apis[0], HOME))
        office = [await stack.enter_async_context(client(s, OFFICE)) for s in two_apis]
        elsewhere = await stack.enter_async_context(client(two_apis[1], ELSEWHERE))

        signed_in = await home.post(
            "/v1/auth/token", data={"username": "admin", "password": password}
        )
        assert signed_in.status_code == 200, signed_in.text
        bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

        guesses = {"username": "admin", "password": "guess"}
        answers = [await office[n % 2].post("/v1/auth/token", data=guesses) for n in range(6)]
        assert [a.status_code for a in answers] == [401] * 5 + [429]
        sixth = answers[-1]
        assert sixth.headers["content-type"] == "application/problem+json"
        assert 1 <= int(sixth.headers["Retry-After"]) <= 60
        body: dict[str, Any] = sixth.json()
        assert body["type"].endswith("/too_many_logins") and body["status"] == 429
        assert body["retry_after"] == int(sixth.headers["Retry-After"])
        assert [(e["field"], e["rule"]) for e in body["errors"]] == [
            ("username", "failed_logins_per_account")
        ]
        # Another account from another address, on the other process, is answered as usual.
        other = await elsewhere.post(
            "/v1/auth/token", data={"username": "somebody", "password": "guess"}
        )
        assert other.status_code == 401

        # The auditor's query, on the other process, finds the events by action.
        found = await elsewhere.get(
            "/v1/audit/entries", params={"action": "identity.login_failed"}, headers=bearer
        )
        assert found.status_code == 200, found.text
        bodies = [e["body"] for e in found.json()["data"]]
        assert [
            (b["subject_id"], b["facts"]["client_address"], b["facts"]["reason"]) for b in bodies
        ] == [
            *[("u-admin", OFFICE, "wrong_password")] * 5,
            ("u-admin", OFFICE, "throttled"),
            ("somebody", ELSEWHERE, "unknown_user"),
        ]
        logins = await office[1].get(
            "/v1/audit/entries", params={"action": "identity.login"}, headers=bearer
        )
        assert [e["body"]["facts"]["client_address"] for e in logins.json()["data"]] == [HOME]
