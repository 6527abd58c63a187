"""A dependency that is down gives 503 naming it, records nothing, and the same command works
once it is back: the Temporal dev server stopped and started again, and a PostgreSQL database
that refuses connections and then accepts them again.

Both tests run their own server or database, never the session's shared ones. The database is
made unreachable with `ALTER DATABASE ... ALLOW_CONNECTIONS false` and its sessions terminated:
to every client that is what a stopped server looks like (the connection fails), the shared
PostgreSQL server keeps serving the other engineers' tests, and nothing has to be renamed back.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlmodel import col, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.agreement import AgreementState
from rabrong.embedded import binary, free_port
from storage.db import Database
from storage.tables import AuditEntry
from tests.integration.conftest import fresh_database
from tests.support.http import DEMO_ID, Api, parties, problem, running_api, state_of
from tests.support.servers import PG_ADMIN_URL, S3Server
from workflows.agreement import AgreementWorkflow
from workflows.converter import DATA_CONVERTER


def actions_of(db: Database, agreement_id: str) -> list[str]:
    with db.reader() as session:
        statement = select(AuditEntry.action).where(AuditEntry.subject_id == agreement_id)
        return list(session.exec(statement.order_by(col(AuditEntry.seq))))


async def drafted(api: Api) -> str:
    aid = f"down-{uuid.uuid4().hex[:6]}"
    body = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi")}
    await api.ok(api.post("admin", "/v1/agreements", f"{aid}-create", json=body), 201)
    await api.headers("cmi.head")  # signed in while everything is up
    return aid


async def sign_as_maker(api: Api, aid: str, key: str | None) -> Any:
    return await api.post("cmi.head", f"/v1/agreements/{aid}/sign", key, json={"party": "maker"})


def unavailable(response: Any, dependency: str) -> dict[str, Any]:
    body = problem(response, 503, "unavailable")
    assert body["dependency"] == dependency, body
    assert body["detail"].startswith(f"{dependency} is unavailable"), body
    assert response.headers["retry-after"] == "5"
    return body


# --- Temporal ---------------------------------------------------------------------------------


class DevServer:
    """`temporal server start-dev` on a port and a state file of its own, stopped and started
    again like any server process."""

    def __init__(self, folder: Path) -> None:
        self.port, self.folder = free_port(), folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        args = [binary("temporal"), "server", "start-dev", "--headless", "--ip", "127.0.0.1"]
        args += ["--port", str(self.port), "--db-filename", str(self.folder / "temporal.db")]
        args += ["--http-port", str(free_port()), "--metrics-port", str(free_port())]
        args += ["--log-level", "warn"]
        log = (self.folder / "temporal.log").open("ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=log)
        for _ in range(600):
            if self.process.poll() is not None:
                raise RuntimeError((self.folder / "temporal.log").read_text()[-2000:])
            try:
                await Client.connect(self.address, data_converter=DATA_CONVERTER)
                return
            except RuntimeError:  # not listening yet
                await asyncio.sleep(0.1)
        raise RuntimeError("the Temporal dev server did not start in 60 s")

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)


@asynccontextmanager
async def own_temporal(folder: Path) -> AsyncIterator[tuple[DevServer, WorkflowEnvironment]]:
    server = DevServer(folder)
    await server.start()
    try:
        client = await Client.connect(server.address, data_converter=DATA_CONVERTER)
        yield server, WorkflowEnvironment.from_client(client)
    finally:
        if server.process is not None and server.process.poll() is None:
            server.stop()


async def test_temporal_stopped_gives_503_records_nothing_and_recovers(
    sqlite_db: Database, s3_server: S3Server, tmp_path: Path
) -> None:
    async with (
        own_temporal(tmp_path) as (server, env),
        running_api(sqlite_db, s3_server, env, tmp_path, max_bytes=1024) as api,
    ):
        aid = await drafted(api)
        before = actions_of(sqlite_db, aid)

        server.stop()
        down = await sign_as_maker(api, aid, f"{aid}-sign-while-down")
        unavailable(down, "temporal")
        health = await api.http.get("/healthz")
        assert health.status_code == 503 and health.json()["unavailable"] == ["temporal"]

        await server.start()
        assert actions_of(sqlite_db, aid) == before
        state = await state_of(api, "admin", aid)
        assert state is not None and state["signatures"] == []

        signed = await api.ok(sign_as_maker(api, aid, f"{aid}-sign-when-back"))
        assert [s["party"] for s in signed["signatures"]] == ["maker"]
        assert actions_of(sqlite_db, aid) == [*before, "agreement.signed"]


# --- the database -----------------------------------------------------------------------------


@contextmanager
def connections_refused(db: Database) -> Iterator[None]:
    """The database refuses every new connection and loses the ones it had, until the block
    ends."""
    name = db.engine.url.database
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
    try:
        yield
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[Database]:
    with fresh_database("postgresql", tmp_path) as db:
        yield db


async def test_the_database_down_gives_503_records_nothing_and_recovers(
    own_postgres: Database,
    s3_server: S3Server,
    temporal_dev: WorkflowEnvironment,
    tmp_path: Path,
) -> None:
    db = own_postgres
    async with running_api(db, s3_server, temporal_dev, tmp_path, max_bytes=1024) as api:
        aid = await drafted(api)
        before = actions_of(db, aid)

        with connections_refused(db):
            with_key = await sign_as_maker(api, aid, f"{aid}-sign-while-down")
            unavailable(with_key, "database")
            without_key = await sign_as_maker(api, aid, None)
            unavailable(without_key, "database")
            read = await api.get("cmi.head", f"/v1/agreements/{aid}")
            unavailable(read, "database")
            health = await api.http.get("/healthz")
            assert health.status_code == 503 and health.json()["unavailable"] == ["db"]

        assert actions_of(db, aid) == before
        state = await state_of(api, "admin", aid)
        assert state is not None and state["signatures"] == []

        # The key used while the database was down was never kept: the same request acts now.
        signed = await api.ok(sign_as_maker(api, aid, f"{aid}-sign-while-down"))
        assert [s["party"] for s in signed["signatures"]] == ["maker"]
        assert actions_of(db, aid) == [*before, "agreement.signed"]


def lock_waiters(name: str) -> list[str]:
    """What the sessions of database `name` waiting on a lock are running."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (name,),
        ).fetchall()
    return [str(row[0]) for row in rows]


async def test_the_database_lost_mid_command_gives_503_records_nothing_and_recovers(
    own_postgres: Database,
    s3_server: S3Server,
    temporal_dev: WorkflowEnvironment,
    tmp_path: Path,
) -> None:
    """The command has passed the API's checks and its record is being written when the
    database goes: the writer's transaction is lost with it, the workflow gives up after its
    wait (RECORD_GIVE_UP) and the API answers 503 naming the database; nothing of the command
    is anywhere once the database is back, and the command acts once when sent again."""
    db = own_postgres
    name = str(db.engine.url.database)
    # Every wait is bounded, the worker's shutdown included: a command that never ends must
    # fail this test, not hang the suite.
    async with (
        asyncio.timeout(300),
        running_api(db, s3_server, temporal_dev, tmp_path, max_bytes=1024) as api,
    ):
        aid = await drafted(api)
        before = actions_of(db, aid)
        key = f"{aid}-sign-mid-command"

        # Hold the audit log so the command's record waits, half written, inside its transaction.
        holder = psycopg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        try:
            holder.execute("LOCK TABLE audit_entry IN ACCESS EXCLUSIVE MODE")
            sending = asyncio.create_task(sign_as_maker(api, aid, key))
            for _ in range(300):
                waiting = lock_waiters(name)
                if waiting:
                    break
                await asyncio.sleep(0.1)
            assert any("audit_entry" in query for query in waiting), waiting

            with connections_refused(db):  # the writer and the lock holder are cut off with it
                # RECORD_GIVE_UP (45 s) and the retries' backoff are well inside two minutes
                lost = await asyncio.wait_for(sending, timeout=120)
                body = unavailable(lost, "database")
                assert "could not be written" in body["detail"], body
        finally:
            holder.close()

        assert actions_of(db, aid) == before
        state = await state_of(api, "admin", aid)
        assert state is not None and state["signatures"] == []
        handle = temporal_dev.client.get_workflow_handle(aid)
        live = await handle.query(AgreementWorkflow.get_state)
        assert isinstance(live, AgreementState)
        assert live.signatures == [], "the workflow kept a command it never recorded"

        # The lost request's key could not be released while the database was down: it stays
        # held (409, acting on nothing) until stale, as a key still in progress does.
        problem(await sign_as_maker(api, aid, key), 409, "request_in_progress")
        assert actions_of(db, aid) == before
        signed = await api.ok(sign_as_maker(api, aid, f"{aid}-sign-when-back"))
        assert [s["party"] for s in signed["signatures"]] == ["maker"]
        assert actions_of(db, aid) == [*before, "agreement.signed"]
