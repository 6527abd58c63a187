"""Fixtures shared by the integration tests of the evidence vault."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from storage.db import Database
from tests.support.http import VAULT_LIMIT, Api, running_api
from tests.support.servers import S3Server


@pytest.fixture
async def vault(
    sqlite_db: Database, s3_server: S3Server, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[Api]:
    """The API with a fresh locked bucket, a 64 KiB upload limit and a worker that also runs
    the vault check."""
    async with running_api(
        sqlite_db, s3_server, temporal_dev, tmp_path, max_bytes=VAULT_LIMIT
    ) as api:
        yield api
