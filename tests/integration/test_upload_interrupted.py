"""Killing the API in the middle of an upload leaves no evidence row and no visible object
version: the API runs as its own process (`rabrong api`) on the real stack and is sent SIGKILL,
while the body is still arriving, while it is being written to S3, and while a body with its
digest sent ahead streams to S3 as it arrives."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from rabrong.embedded import free_port
from storage.db import Database
from storage.evidence_store import EvidenceStore
from storage.tables import EvidenceRow
from storage.vault_check import reconcile
from tests.support.http import Api, open_round
from tests.support.servers import S3Server

MIB = 1024 * 1024


@dataclass
class ApiProcess:
    url: str
    var_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rabrong.cli", "api"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # not listening yet
            time.sleep(0.2)
        raise RuntimeError("the API did not become healthy in 60 s")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def spooled(self) -> list[Path]:
        return sorted((self.var_dir / "incoming").glob("upload-*"))


@pytest.fixture
def api_process(
    vault: Api,
    own_database: Database,
    s3_server: S3Server,
    temporal_dev: WorkflowEnvironment,
    tmp_path: Path,
) -> Iterator[ApiProcess]:
    assert vault.services is not None
    var_dir = tmp_path / "api-var"
    port = free_port()
    env = {
        **os.environ,
        "RABRONG_DATABASE_URL": str(own_database.engine.url),
        "RABRONG_S3_ENDPOINT": s3_server.endpoint,
        "RABRONG_S3_ACCESS_KEY": s3_server.access_key,
        "RABRONG_S3_SECRET_KEY": s3_server.secret_key,
        "RABRONG_S3_BUCKET": vault.services.store.bucket,
        "RABRONG_TEMPORAL_ADDRESS": temporal_dev.client.service_client.config.target_host,
        "RABRONG_TASK_QUEUE": vault.services.temporal.task_queue,
        "RABRONG_API_PORT": str(port),
        "RABRONG_VAR_DIR": str(var_dir),
        "RABRONG_EVIDENCE_MAX_BYTES": str(512 * MIB),
    }
    api = ApiProcess(f"http://127.0.0.1:{port}", var_dir, env)
    api.start()
    yield api
    if api.process is not None and api.process.poll() is None:
        api.kill()


async def evidence_path(vault: Api) -> str:
    return await open_round(vault, "kill") + "/kpis/2/evidence"


def token(api: ApiProcess, password: str) -> str:
    response = httpx.post(
        f"{api.url}/v1/auth/token", data={"username": "cmi.staff", "password": password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def post_body(
    api: ApiProcess,
    path: str,
    bearer: str,
    chunks: Iterator[bytes],
    extra: dict[str, str] | None = None,
) -> None:
    """Send the body; the API dies under it, so the request must fail."""
    headers = {
        "Authorization": f"Bearer {bearer}",
        "Content-Type": "application/pdf",
        "Content-Disposition": "attachment; filename*=UTF-8''%E0%B8%A0%E0%B8%B2%E0%B8%9E.pdf",
        **(extra or {}),
    }
    with pytest.raises(httpx.TransportError):
        httpx.post(f"{api.url}{path}", content=chunks, headers=headers, timeout=60)


def nothing_recorded(db: Database, store: EvidenceStore) -> None:
    with db.reader() as session:
        assert list(session.exec(select(EvidenceRow))) == []
    assert list(store.versions()) == []


async def test_killed_while_the_body_arrives(
    vault: Api, api_process: ApiProcess, own_database: Database
) -> None:
    assert vault.services is not None
    store = vault.services.store
    path = await evidence_path(vault)
    bearer = token(api_process, vault.password)

    def body() -> Iterator[bytes]:
        yield b"%PDF-1.7\n" + os.urandom(MIB)
        for _ in range(8):
            yield os.urandom(MIB)
        # The API has the first megabytes on disk: kill it with the rest still to come.
        deadline = time.monotonic() + 10
        while not api_process.spooled() and time.monotonic() < deadline:
            time.sleep(0.02)
        api_process.kill()
        for _ in range(64):
            yield os.urandom(MIB)

    await asyncio.to_thread(post_body, api_process, path, bearer, body())
    nothing_recorded(own_database, store)
    assert store.incomplete_uploads() == []  # nothing had reached S3 at all
    assert len(api_process.spooled()) == 1  # the half-received body, never recorded
    api_process.start()
    assert api_process.spooled() == []  # a new API clears what a killed one left behind


async def test_killed_while_the_object_is_written_to_s3(
    vault: Api, api_process: ApiProcess, own_database: Database
) -> None:
    assert vault.services is not None
    store = vault.services.store
    path = await evidence_path(vault)
    bearer = token(api_process, vault.password)
    stop = threading.Event()

    def kill_once_s3_has_parts() -> None:
        while not stop.is_set():
            if store.incomplete_uploads():
                api_process.kill()
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=kill_once_s3_has_parts)
    watcher.start()

    def body() -> Iterator[bytes]:
        yield b"%PDF-1.7\n" + os.urandom(MIB)
        for _ in range(300):
            yield os.urandom(MIB)

    try:
        await asyncio.to_thread(post_body, api_process, path, bearer, body())
    finally:
        stop.set()
        watcher.join()
    nothing_recorded(own_database, store)  # parts of an upload never completed are not a version
    pending = store.incomplete_uploads()
    assert len(pending) == 1
    cleaned = reconcile(own_database, store, now=datetime.now(UTC) + timedelta(hours=2))
    assert [f.problem for f in cleaned.findings] == ["stale_upload"]
    assert store.incomplete_uploads() == []
    nothing_recorded(own_database, store)


async def test_killed_while_a_digest_ahead_body_streams_to_s3(
    vault: Api, api_process: ApiProcess, own_database: Database
) -> None:
    """With its size and digest sent ahead, the body goes to S3 part by part as it arrives:
    killed then, the parts already sent are an incomplete upload, never a version."""
    assert vault.services is not None
    store = vault.services.store
    path = await evidence_path(vault)
    bearer = token(api_process, vault.password)
    chunks = [b"%PDF-1.7\n" + random.Random(7).randbytes(MIB)]
    chunks += [random.Random(n).randbytes(MIB) for n in range(200)]
    digest = base64.b64encode(hashlib.sha256(b"".join(chunks)).digest()).decode()
    ahead = {
        "Repr-Digest": f"sha-256=:{digest}:",
        "Content-Length": str(sum(len(c) for c in chunks)),
    }

    def body() -> Iterator[bytes]:
        for n, chunk in enumerate(chunks):
            if n == 100:  # more than a 64 MiB part is in: S3 holds the upload by now
                deadline = time.monotonic() + 10
                while not store.incomplete_uploads() and time.monotonic() < deadline:
                    time.sleep(0.02)
                api_process.kill()
            yield chunk

    await asyncio.to_thread(post_body, api_process, path, bearer, body(), ahead)
    nothing_recorded(own_database, store)
    assert len(store.incomplete_uploads()) == 1
    assert api_process.spooled() == []  # this path never spools
