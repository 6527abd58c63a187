"""Fixtures that start real servers: SeaweedFS, the Temporal dev and time-skipping servers,
SQLite files and a PostgreSQL database per test run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from rabrong.embedded import binary
from storage.db import Database
from storage.migrate import upgrade
from tests.support.servers import S3Server, postgres_available, postgres_database, seaweedfs
from tests.support.today import shifted, start_time_skipping
from workflows.converter import DATA_CONVERTER


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    reason = postgres_available()
    if reason is not None:
        pytest.skip(reason)
    with postgres_database() as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database: a fresh SQLite file, or this run's PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'rabrong.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("pg_url")
    db = Database(url)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'rabrong.db'}"
    upgrade(url)
    db = Database(url)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
async def temporal_dev(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal dev server, on the real clock. With RABRONG_TEST_TODAY the dev server
    cannot follow (a static Go binary, deaf to libfaketime): the time-skipping server stands
    in, its clock starting on that day and, with nothing awaiting a workflow's result, running
    at the real pace, so the tests that take their dates from `today()` run as of that day."""
    if shifted():
        env = await start_time_skipping(tmp_path_factory.mktemp("temporal-as-of"))
    else:
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=binary("temporal"), data_converter=DATA_CONVERTER
        )
    yield env
    await env.shutdown()


@pytest.fixture
async def time_skipping(tmp_path: Path) -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping(tmp_path)
    yield env
    await env.shutdown()
