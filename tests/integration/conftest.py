"""Fixtures shared by the integration tests of the evidence vault."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from storage.db import Database
from storage.migrate import upgrade
from tests.support.http import VAULT_LIMIT, Api, running_api
from tests.support.servers import S3Server, postgres_available, postgres_database


@pytest.fixture
async def vault(
    own_database: Database, s3_server: S3Server, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[Api]:
    """The API with a fresh locked bucket, a 64 KiB upload limit and a worker that also runs
    the vault check, on SQLite and on PostgreSQL (`own_database`)."""
    async with running_api(
        own_database, s3_server, temporal_dev, tmp_path, max_bytes=VAULT_LIMIT
    ) as api:
        yield api


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[Database]:
    """A migrated database of its own: a SQLite file in the folder, or a PostgreSQL database
    made for it and dropped afterwards (skipped, saying why, when PostgreSQL is not there)."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'own.db'}"
        upgrade(url)
        db = Database(url)
        yield db
        db.dispose()
        return
    reason = postgres_available()
    if reason is not None:
        pytest.skip(reason)
    with postgres_database() as url:
        upgrade(url)
        db = Database(url)
        yield db
        db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The API's tests append to the audit log, which other PostgreSQL tests check whole: they
    get a database of their own."""
    with fresh_database(request.param, tmp_path) as db:
        yield db
