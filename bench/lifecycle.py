"""Lifecycle throughput: N agreements from creation to an acknowledged round, against a bare
workflow that takes the same number of updates and does nothing with them.

    .venv/bin/python bench/lifecycle.py [--agreements 40] [--concurrency 20]

Starts its own Temporal dev server (in memory, free loopback ports), a SQLite file in a temporary
directory and one worker process that serves every workflow, as `rabrong worker` runs apart from
the API; this process is the client, as the API is. Each agreement takes 17 updates (create, two
signatures, four results with four evidence files, the submission, four approvals, the
acknowledgement), each one validated by the domain and recorded by an activity with its audit
entry, tasks and notifications. The bare workflow receives the same count of updates and returns
at once. A third, the floor (bench/baselines.py), has the shape every agreement command must
have by design (a sandboxed Update that awaits one local activity before it replies) and does
no work: `floor_ratio` is the most any such design could reach on this machine. Ends with
`name: value` lines, the ratio of our update throughput to the bare one last (goal: >= 0.5).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench.baselines import BareWorkflow, NoopRecordWorkflow, noop_record
from domain.agreement import Actor, EvidenceRef, Parties, Party
from domain.commands import (
    AcknowledgeRound,
    ApproveResult,
    AttachEvidence,
    CreateAgreement,
    EnterResult,
    Sign,
    SubmitRound,
)
from domain.criteria import ResultInput
from domain.deadlines import round_on
from domain.transition import AgreementWorkflowInput
from rabrong.demo import DEMO_RESULTS, DEMO_ROUND_RESULTS, demo_definition_for
from rabrong.embedded import binary
from rabrong.worker import build_worker
from storage.db import Database
from storage.migrate import upgrade
from workflows import AgreementWorkflow
from workflows.converter import DATA_CONVERTER

PARTIES = Parties(maker="gov", recipient="permsec", reviewers=["owner"], submitters=["staff"])
# The same KPIs in either round (the round open today's inputs, rabrong.demo).
UPDATES_PER_AGREEMENT = 3 + 2 * len(DEMO_RESULTS) + 1 + len(DEMO_RESULTS) + 1


Timed = Callable[[], Awaitable[Any]]


async def timed(latencies: list[float], call: Timed) -> Any:
    started = time.perf_counter()
    result = await call()
    latencies.append(time.perf_counter() - started)
    return result


def command(kind: type[Any], user: str, **fields: Any) -> Any:
    return kind(command_id=str(uuid.uuid4()), actor=Actor(user_id=user), **fields)


def evidence(code: str, n: int) -> EvidenceRef:
    sha = f"{n:032x}{int(code):032x}"
    return EvidenceRef(
        evidence_id=f"ev-{n}-{code}",
        sha256=sha,
        size=1000,
        media_type="application/pdf",
        original_name=f"{code}.pdf",
        object_key=f"sha256/{sha[:2]}/{sha}",
    )


async def one_agreement(client: Client, queue: str, n: int, latencies: list[float]) -> None:
    agreement_id = f"bench-{n}-{uuid.uuid4().hex[:6]}"
    definition = demo_definition_for(datetime.now(UTC).date())
    number = round_on(definition, datetime.now(UTC).date())
    results = DEMO_ROUND_RESULTS[number]  # round 1's inputs are refused in round 2
    create = command(
        CreateAgreement, "admin", agreement_id=agreement_id, title="bench", parties=PARTIES
    )
    start = AgreementWorkflowInput(agreement_id=agreement_id, definition=definition)
    handle = await client.start_workflow(
        AgreementWorkflow.run, start, id=agreement_id, task_queue=queue
    )
    await timed(latencies, lambda: handle.execute_update(AgreementWorkflow.create, create))

    async def send(update: Any, cmd: Any) -> Any:
        return await timed(latencies, lambda: handle.execute_update(update, cmd))

    await send(AgreementWorkflow.sign, command(Sign, "gov", party=Party.MAKER))
    await send(AgreementWorkflow.sign, command(Sign, "permsec", party=Party.RECIPIENT))
    for code, result in results.items():
        entry = ResultInput.model_validate(result)
        await send(
            AgreementWorkflow.enter_result,
            command(EnterResult, "staff", round=number, kpi_code=code, result=entry),
        )
        await send(
            AgreementWorkflow.attach_evidence,
            command(
                AttachEvidence, "staff", round=number, kpi_code=code, evidence=evidence(code, n)
            ),
        )
    await send(AgreementWorkflow.submit_round, command(SubmitRound, "staff", round=number))
    for code in results:
        await send(
            AgreementWorkflow.approve_result,
            command(ApproveResult, "owner", round=number, kpi_code=code),
        )
    await send(AgreementWorkflow.acknowledge_round, command(AcknowledgeRound, "gov", round=number))


Baseline = type[BareWorkflow] | type[NoopRecordWorkflow]


async def one_baseline(
    client: Client, queue: str, baseline: Baseline, n: int, latencies: list[float]
) -> None:
    handle = await client.start_workflow(
        baseline.run,
        UPDATES_PER_AGREEMENT,
        id=f"{baseline.__name__}-{n}-{uuid.uuid4().hex[:6]}",
        task_queue=queue,
    )
    for i in range(UPDATES_PER_AGREEMENT):
        await timed(latencies, partial(handle.execute_update, baseline.touch, f"u{i}"))


async def drive(
    count: int, concurrency: int, job: Callable[[int, list[float]], Awaitable[None]]
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def gated(n: int) -> None:
        async with gate:
            await job(n, latencies)

    started = time.perf_counter()
    await asyncio.gather(*(gated(n) for n in range(count)))
    return time.perf_counter() - started, latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def serve(address: str, url: str, queue: str, bare_queue: str, ready: str) -> None:
    """The worker process: both workflows' workers until stdin closes."""
    client = await Client.connect(address, data_converter=DATA_CONVERTER)
    db = Database(url)
    with ThreadPoolExecutor(max_workers=8) as executor:
        ours = build_worker(client, task_queue=queue, db=db, executor=executor)
        bare = Worker(
            client,
            task_queue=bare_queue,
            workflows=[BareWorkflow, NoopRecordWorkflow],
            activities=[noop_record],
        )
        async with ours, bare:
            Path(ready).touch()
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    db.dispose()


def start_worker(workdir: Path, address: str, url: str, queues: list[str]) -> subprocess.Popen[str]:
    """The worker's log goes to a file in the work directory, read if the run fails."""
    ready = workdir / "worker.ready"
    command = [sys.executable, __file__, "--serve", address, url, *queues, str(ready)]
    with (workdir / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, text=True
        )
    for _ in range(600):
        if ready.exists():
            return worker
        if worker.poll() is not None:
            break
        time.sleep(0.1)
    worker.kill()
    raise RuntimeError(f"the worker process did not start; see {workdir / 'worker.log'}")


async def main(agreements: int, concurrency: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="rabrong-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"), data_converter=DATA_CONVERTER
    )
    queue, bare_queue = f"bench-{uuid.uuid4()}", f"bare-{uuid.uuid4()}"
    address = env.client.service_client.config.target_host
    worker = start_worker(workdir, address, url, [queue, bare_queue])
    try:
        bare = partial(one_baseline, env.client, bare_queue, BareWorkflow)
        floor = partial(one_baseline, env.client, bare_queue, NoopRecordWorkflow)
        await drive(2, 2, bare)
        await drive(2, 2, floor)
        await drive(2, 2, lambda n, lat: one_agreement(env.client, queue, 1000 + n, lat))
        bare_time, bare_lat = await drive(agreements, concurrency, bare)
        floor_time, floor_lat = await drive(agreements, concurrency, floor)
        our_time, our_lat = await drive(
            agreements, concurrency, lambda n, lat: one_agreement(env.client, queue, n, lat)
        )
    finally:
        worker.communicate(input="", timeout=60)
        await env.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
    updates = agreements * UPDATES_PER_AGREEMENT
    ours_rate, bare_rate, floor_rate = updates / our_time, updates / bare_time, updates / floor_time
    print(f"agreements: {agreements}")
    print(f"concurrency: {concurrency}")
    print(f"updates: {updates}")
    print(f"lifecycle_updates_per_s: {ours_rate:.1f}")
    print(f"lifecycle_p50_ms: {statistics.median(our_lat) * 1000:.1f}")
    print(f"lifecycle_p95_ms: {percentile(our_lat, 0.95) * 1000:.1f}")
    print(f"lifecycle_agreements_per_s: {agreements / our_time:.2f}")
    print(f"bare_updates_per_s: {bare_rate:.1f}")
    print(f"bare_p50_ms: {statistics.median(bare_lat) * 1000:.1f}")
    print(f"bare_p95_ms: {percentile(bare_lat, 0.95) * 1000:.1f}")
    print(f"floor_updates_per_s: {floor_rate:.1f}")
    print(f"floor_p50_ms: {statistics.median(floor_lat) * 1000:.1f}")
    print(f"floor_p95_ms: {percentile(floor_lat, 0.95) * 1000:.1f}")
    print(f"floor_ratio: {floor_rate / bare_rate:.3f}")
    print(f"ratio_to_floor: {ours_rate / floor_rate:.3f}")
    print(f"ratio: {ours_rate / bare_rate:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agreements", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--serve", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(*args.serve))
    else:
        asyncio.run(main(args.agreements, args.concurrency))
