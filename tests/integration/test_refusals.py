"""Refused commands say why and change nothing: not the workflow's state, the audit log, the
task table or the outbox. Wrong role, wrong state, self-approval, late submission."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.agreement import Parties, Party
from domain.calendar import at_local
from domain.commands import (
    ApproveResult,
    AttachEvidence,
    EnterResult,
    GrantException,
    Sign,
    SubmitRound,
)
from domain.criteria import ResultInput
from domain.errors import DomainError, InvalidTransition, NotAuthorized, ValidationFailed
from domain.rollover import copy_for_year
from rabrong.demo import demo_definition
from storage.db import Database
from tests.integration.test_fiscal_year import evidence
from tests.support.lifecycle import Driver, audit, notifications, tasks, worker_for
from tests.support.today import time_skipping_from

# The reviewer also works in the unit: allowed, but never on what they entered themselves.
PARTIES = Parties(
    maker="gov", recipient="permsec", reviewers=["owner"], submitters=["staff", "owner"]
)
RESULTS = {"2": {"steps_done": [1, 2, 3]}, "5": {"value": "55"}, "10": {"value": "52.5"}}


# Late-submission and deadline dates are checked by hand below: FY2571 is pinned, not derived.
PINNED_START = datetime(2027, 9, 20, tzinfo=UTC)


@pytest.fixture
async def time_skipping(tmp_path: Path) -> AsyncIterator[WorkflowEnvironment]:
    """The server's clock starts before FY2571 whatever today is (libfaketime once the real day
    is past it), so this test passes on any date."""
    async with time_skipping_from(PINNED_START, tmp_path) as env:
        yield env


async def snapshot(driver: Driver, db: Database) -> tuple[Any, ...]:
    state = await driver.state()
    open_tasks = [(t.key, t.due, t.overdue) for t in tasks(db, driver.agreement_id)]
    return (
        state,
        len(audit(db, driver.agreement_id)),
        open_tasks,
        len(notifications(db, driver.agreement_id)),
    )


async def refused(
    driver: Driver,
    db: Database,
    error: type[DomainError],
    rule: str,
    kind: type[Any],
    user: str,
    **fields: Any,
) -> None:
    before = await snapshot(driver, db)
    with pytest.raises(error) as caught:
        await driver.send(kind, user, **fields)
    assert rule in [v.rule for v in caught.value.violations], caught.value.violations
    assert caught.value.message
    assert await snapshot(driver, db) == before


async def test_refusals_change_nothing(
    time_skipping: WorkflowEnvironment, sqlite_db: Database
) -> None:
    definition = copy_for_year(demo_definition(), 2571, new_id="fy2571-refusals")
    async with worker_for(time_skipping.client, sqlite_db) as gateway:
        driver = Driver(time_skipping, gateway, f"refusals-{uuid.uuid4().hex[:6]}")
        await driver.until(at_local(date(2027, 10, 4), 10))
        await driver.start(definition, "admin", title="ทดสอบ", parties=PARTIES)

        # Wrong role: the KPI owner cannot sign for the maker; wrong order: recipient first.
        await refused(
            driver,
            sqlite_db,
            NotAuthorized,
            "signer_is_party",
            Sign,
            "owner",
            party=Party.MAKER,
        )
        await refused(
            driver,
            sqlite_db,
            InvalidTransition,
            "signing_order",
            Sign,
            "permsec",
            party=Party.RECIPIENT,
        )
        await driver.send(Sign, "gov", party=Party.MAKER)
        await driver.send(Sign, "permsec", party=Party.RECIPIENT)
        await driver.wait_for(lambda s: s.round_state(1).opened_at is not None)

        for code, result in RESULTS.items():
            user = "owner" if code == "10" else "staff"
            await driver.send(
                EnterResult,
                user,
                round=1,
                kpi_code=code,
                result=ResultInput.model_validate(result),
            )
            await driver.send(
                AttachEvidence,
                "staff",
                round=1,
                kpi_code=code,
                evidence=evidence(code),
            )
        # Wrong state: nothing is approved before the unit submits the round.
        await refused(
            driver,
            sqlite_db,
            InvalidTransition,
            "in_review",
            ApproveResult,
            "owner",
            round=1,
            kpi_code="5",
        )
        await refused(
            driver,
            sqlite_db,
            ValidationFailed,
            "result_entered",
            SubmitRound,
            "staff",
            round=1,
        )

        # Late: KPI 8 was never entered; round 1 closes after 10 April 2028 (31 March + 5
        # working days, 6 April being Chakri Day).
        await driver.until(at_local(date(2028, 4, 11), 9))
        late = ResultInput.model_validate(
            {"steps": [{"achieved": "1"}] * 4 + [{"achieved": "0", "target": "6"}]}
        )
        await refused(
            driver,
            sqlite_db,
            InvalidTransition,
            "before_cutoff",
            EnterResult,
            "staff",
            round=1,
            kpi_code="8",
            result=late,
        )
        await refused(
            driver,
            sqlite_db,
            NotAuthorized,
            "is_recipient",
            GrantException,
            "gov",
            round=1,
            until=date(2028, 4, 18),
            reason="ขอขยายเวลา",
        )
        await driver.send(
            GrantException,
            "permsec",
            round=1,
            until=date(2028, 4, 18),
            reason="ระบบ GFMIS ขัดข้อง",
        )
        await driver.send(EnterResult, "staff", round=1, kpi_code="8", result=late)
        await driver.send(
            AttachEvidence,
            "staff",
            round=1,
            kpi_code="8",
            evidence=evidence("8"),
        )
        await driver.send(SubmitRound, "staff", round=1)

        # Self-approval: the owner entered KPI 10 and may not approve it; KPI 5 is fine.
        await refused(
            driver,
            sqlite_db,
            NotAuthorized,
            "separation_of_duties",
            ApproveResult,
            "owner",
            round=1,
            kpi_code="10",
        )
        state = await driver.send(ApproveResult, "owner", round=1, kpi_code="5")
        assert state.kpi_round(1, "5").reviewed_by == "owner"
        # After the exception ends, the lock is back.
        await driver.until(at_local(date(2028, 4, 19), 9))
        await refused(
            driver,
            sqlite_db,
            InvalidTransition,
            "before_cutoff",
            EnterResult,
            "staff",
            round=1,
            kpi_code="2",
            result=late,
        )
