"""A worker killed (SIGKILL) in the middle of a round: after a restart the round finishes with
every command recorded once, no task opened twice and no notification sent twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlmodel import select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from application.gateway import TemporalGateway
from domain.agreement import Parties, Party, RoundStatus
from domain.commands import ApproveResult, AttachEvidence, EnterResult, Sign, SubmitRound
from domain.deadlines import round_on
from domain.thai import fiscal_year_be
from storage.db import Database
from storage.migrate import upgrade
from storage.tables import AuditEntry, NotificationRow, TaskRow
from tests.integration.test_fiscal_year import RESULTS, evidence
from tests.support.lifecycle import Driver, provincial_agreement
from tests.support.servers import S3Server
from tests.support.today import shifted, today

QUEUE = "restart-test"
PARTIES = Parties(maker="gov", recipient="permsec", reviewers=["owner"], submitters=["staff"])


def start_worker(address: str, db_url: str, var_dir: Path, s3: S3Server) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RABRONG_TEMPORAL_ADDRESS": address,
        "RABRONG_DATABASE_URL": db_url,
        "RABRONG_TASK_QUEUE": QUEUE,
        "RABRONG_VAR_DIR": str(var_dir),
        "RABRONG_S3_ENDPOINT": s3.endpoint,
        "RABRONG_S3_ACCESS_KEY": s3.access_key,
        "RABRONG_S3_SECRET_KEY": s3.secret_key,
        # As of another day the server is the time-skipping one, which has no schedules.
        "RABRONG_TEMPORAL_SCHEDULES": "false" if shifted() else "true",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "rabrong.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


async def test_a_killed_worker_restarts_and_the_round_finishes_once(
    temporal_dev: WorkflowEnvironment, s3_server: S3Server, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'rabrong.db'}"
    upgrade(db_url)
    db = Database(db_url)
    address = temporal_dev.client.service_client.config.target_host
    worker = start_worker(address, db_url, tmp_path, s3_server)

    async def connect() -> Client:
        return temporal_dev.client

    driver = Driver(temporal_dev, TemporalGateway(connect, QUEUE), "restart-cmi")
    # The fiscal year and round that run on the server's day (tests/support/today.py).
    definition = provincial_agreement(fiscal_year_be(today()))
    number = round_on(definition, today())
    try:
        await driver.start(definition, "admin", title="ทดสอบ", parties=PARTIES)
        await driver.send(Sign, "gov", party=Party.MAKER)
        await driver.send(Sign, "permsec", party=Party.RECIPIENT)
        await driver.wait_for(lambda s: s.round_state(number).opened_at is not None)
        kpis = [k.code for k in definition.scored_kpis(number)]

        at_once = asyncio.Semaphore(4)  # Temporal admits 10 in-flight updates per workflow

        async def enter(code: str) -> None:
            async with at_once:
                await enter_one(code)

        async def enter_one(code: str) -> None:
            result = RESULTS.rounds[number][code].result
            await driver.send(EnterResult, "staff", round=number, kpi_code=code, result=result)
            await driver.send(
                AttachEvidence,
                "staff",
                round=number,
                kpi_code=code,
                evidence=evidence(code),
            )

        burst = [asyncio.create_task(enter(code)) for code in kpis]
        while not any(task.done() for task in burst):  # the first KPIs are in: kill now
            await asyncio.sleep(0.01)
        assert not all(task.done() for task in burst), "the burst ended before the kill"
        os.killpg(worker.pid, signal.SIGKILL)  # mid-burst: some commands are half done
        worker.wait()
        worker = start_worker(address, db_url, tmp_path, s3_server)
        await asyncio.gather(*burst)

        await driver.send(SubmitRound, "staff", round=number)
        for code in kpis:
            state = await driver.send(ApproveResult, "owner", round=number, kpi_code=code)
        assert state.round_state(number).status is RoundStatus.PUBLISHED
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)

    with db.reader() as session:
        entries = list(
            session.exec(select(AuditEntry).where(AuditEntry.subject_id == "restart-cmi"))
        )
        rows = list(session.exec(select(TaskRow).where(TaskRow.agreement_id == "restart-cmi")))
        sent = list(session.exec(select(NotificationRow)))
    actions = Counter(e.action for e in entries)
    assert actions["result.entered"] == len(kpis)
    assert actions["evidence.attached"] == len(kpis)
    assert actions["result.approved"] == len(kpis)
    assert actions["round.submitted"] == 1
    openings = Counter(r.key for r in rows)
    assert openings[f"restart-cmi/r{number}/{kpis[0]}/enter"] == 1
    assert all(count == 1 for count in openings.values()), openings
    assert sum(1 for r in rows if r.closed_at is None and r.kind == "review") == 0
    told = [n for n in sent if n.kind in ("round_open", "published")]
    once = {(n.kind, n.recipient, n.due, n.subject_th) for n in told}
    assert len(once) == len(told), [(n.kind, n.recipient, n.subject_th) for n in told]
    # Every round opened so far tells the maker and the staff (an agreement signed in round 2
    # opens round 1 too, overdue); the published round tells the maker.
    assert sorted((n.kind, n.recipient) for n in told) == sorted(
        [("published", "gov")] + [("round_open", "gov"), ("round_open", "staff")] * number
    )
    db.dispose()
