"""What day the tests take it to be, from one place.

`RABRONG_TEST_TODAY=2027-05-01` runs the date-sensitive tests as if it were that day: test code
reads `today()`, and the time-skipping Temporal server is started with its clock at that day
through libfaketime (Debian's `faketime` package), which it honours (it is a dynamically linked
native image; measured). The Temporal dev server and SeaweedFS are static Go binaries, which
read the clock without libc: libfaketime cannot move them. Tests on the dev server take their
dates from `today()` too; with the variable set the session's `temporal_dev` fixture is the
time-skipping server started on that day instead (tests/conftest.py, docs/decisions/0034).
Without the variable both are the real day.

A test pinned to a fiscal year whose dates it checks by hand (weekdays, holidays) starts its
time-skipping server at a fixed instant before that year instead (`time_skipping_from`), so it
passes on any date.
"""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from domain.thai import fiscal_year_be
from rabrong.embedded import binary
from workflows.converter import DATA_CONVERTER

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")
VARIABLE = "RABRONG_TEST_TODAY"
# Why a step that hands a workflow to a new worker cannot run as of another day (0034).
NO_NEW_WORKER = (
    "as of another day the server is the time-skipping one, which never hands an update to a "
    "new worker once the worker that last ran the workflow stopped gracefully (measured on it "
    "without libfaketime too: no answer in 40 s, the dev server answers in 0.2 s); this runs "
    "on the real day (decision 0034)"
)


def real_today() -> date:
    return datetime.now(UTC).date()


def today() -> date:
    """RABRONG_TEST_TODAY (an ISO date) if set, else the real day."""
    chosen = os.environ.get(VARIABLE)
    return date.fromisoformat(chosen) if chosen else real_today()


def shifted() -> bool:
    return today() != real_today()


def this_fiscal_year() -> int:
    """The fiscal year (BE) containing today: its rounds run now."""
    return fiscal_year_be(today())


def now_on(day: date) -> datetime:
    """That day at the real time of day (UTC), so a moved clock keeps its hours."""
    return datetime.combine(day, datetime.now(UTC).time().replace(microsecond=0), tzinfo=UTC)


def faked(binary: str, start: datetime, folder: Path) -> str:
    """A wrapper that starts `binary` with its clock starting at `start` and running on.

    The monotonic clock is moved with the wall clock (libfaketime's default). Leaving it real
    (FAKETIME_DONT_FAKE_MONOTONIC) made every update on the time-skipping server take 0.1-2.5 s
    instead of 4-10 ms, and every skip 0.5 s instead of a few ms (measured, 0034's amendment)."""
    if not LIBFAKETIME.exists():
        raise RuntimeError(
            f"the clock must start at {start.isoformat()}, which needs libfaketime "
            f"({LIBFAKETIME}): apt-get install faketime"
        )
    stamp = start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    wrapper = folder / f"{Path(binary).name}-at-{start:%Y%m%d%H%M%S}"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"export LD_PRELOAD='{LIBFAKETIME}' FAKETIME='@{stamp}' TZ=UTC FAKETIME_DONT_RESET=1\n"
        f'exec "{binary}" "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper)


async def start_time_skipping(folder: Path, at: datetime | None = None) -> WorkflowEnvironment:
    """The time-skipping server, its clock starting at `at` (libfaketime) or, by default, at
    the tests' today (tests/support/today.py): the real clock unless RABRONG_TEST_TODAY moves
    it."""
    server = binary("temporal-test-server")
    if at is None and shifted():
        at = now_on(today())
    if at is not None:
        server = faked(server, at, folder)
    return await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=server, data_converter=DATA_CONVERTER
    )


@asynccontextmanager
async def time_skipping_from(start: datetime, folder: Path) -> AsyncIterator[WorkflowEnvironment]:
    """For a test pinned to dates it checks by hand: the server's clock starts at today, or at
    `start` once today is past it, so the test's first `until(...)` can always reach its date."""
    at = now_on(today()) if shifted() else None
    if now_on(today()) >= start:
        at = start
    env = await start_time_skipping(folder, at)
    try:
        yield env
    finally:
        await env.shutdown()
