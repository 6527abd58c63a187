"""Real servers for the tests, each on free loopback ports in a temporary directory."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from rabrong.embedded import WEED_PORTS, binary, free_port_block
from storage.evidence_store import EvidenceStore

PG_ADMIN_URL = os.environ.get(
    "RABRONG_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]
    data_dir: Path

    def store(self, bucket: str) -> EvidenceStore:
        return EvidenceStore(
            endpoint=self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            bucket=bucket,
        )


@contextmanager
def seaweedfs(workdir: Path) -> Iterator[S3Server]:
    access_key, secret_key = "test-" + secrets.token_hex(4), secrets.token_hex(16)
    identities = workdir / "identities.json"
    identity = {
        "name": "test",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    identities.write_text(json.dumps({"identities": [identity]}))
    base = free_port_block(len(WEED_PORTS) + 1)
    s3_port = base
    argv = [
        binary("weed"),
        "mini",
        f"-dir={workdir / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-s3.config={identities}",
        "-admin.ui=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.port={s3_port}",
    ] + [f"-{flag}={base + offset}" for offset, flag in enumerate(WEED_PORTS, start=1)]
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    log = (workdir / "weed.log").open("wb")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = S3Server(f"127.0.0.1:{s3_port}", access_key, secret_key, process, workdir / "data")
    try:
        _wait_s3(server, workdir)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_s3(server: S3Server, workdir: Path) -> None:
    probe = server.store("probe-bucket")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"weed exited: {(workdir / 'weed.log').read_text()[-2000:]}")
        try:
            probe.client.list_buckets()
            return
        except Exception:  # not up yet, whatever it says
            time.sleep(0.3)
    raise RuntimeError("SeaweedFS did not start in 60 s")


def postgres_available() -> str | None:
    """None if the local PostgreSQL answers, else why not."""
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A database of its own for this test run, dropped afterwards."""
    name = f"rabrong_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
