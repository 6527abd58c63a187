"""The recording activity stops its own retries at the schedule-to-close timeout (0034): the
worker drops that timeout when it fires between two attempts of a local activity."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.agreements import AgreementActivities
from domain.transition import TransitionRecord
from storage.db import Database
from workflows.agreement import RECORD_GIVE_UP, RECORD_RETRY


def attempt(tmp_path: Path, waited: timedelta) -> None:
    # A database file in a folder that does not exist: every attempt fails to connect at once,
    # as against a database refusing connections.
    db = Database(f"sqlite:///{tmp_path / 'gone' / 'rabrong.db'}")
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        ActivityEnvironment.default_info(),
        is_local=True,
        attempt=9,
        scheduled_time=datetime.now(UTC) - waited,
        schedule_to_close_timeout=RECORD_GIVE_UP,
        retry_policy=RetryPolicy(maximum_interval=RECORD_RETRY.maximum_interval),
    )
    # The attempt fails on connecting, before any field but the command id is read.
    fields: dict[str, Any] = {"command_id": "c-1"}
    record = TransitionRecord.model_construct(**fields)
    env.run(AgreementActivities(db).record_transition, record)


def test_an_attempt_with_time_left_fails_as_it_failed_and_is_retried(tmp_path: Path) -> None:
    with pytest.raises(OperationalError):
        attempt(tmp_path, timedelta(seconds=10))


def test_an_attempt_whose_next_would_start_past_the_wait_gives_up_for_good(
    tmp_path: Path,
) -> None:
    assert RECORD_RETRY.maximum_interval is not None
    waited = RECORD_GIVE_UP - RECORD_RETRY.maximum_interval + timedelta(seconds=1)
    with pytest.raises(ApplicationError) as raised:
        attempt(tmp_path, waited)
    assert raised.value.non_retryable
    assert raised.value.type == "Unavailable"
    assert raised.value.message.startswith("the record could not be written after 9 attempts")
    assert "database file" not in raised.value.message  # the driver's words stay in the log
