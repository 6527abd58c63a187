"""The whole product through `rabrong up --demo`, on free loopback ports, over HTTP.

One scenario, because each step needs the last: the walkthrough, a clean Ctrl-C, a restart that
finds everything as it was, and SeaweedFS stopped under a running product.

With RABRONG_TEST_TODAY the scenario runs as of that day (decision 0034): the Temporal dev
server `rabrong up` starts cannot be moved (a static Go binary), so the test starts the
time-skipping server on that day through libfaketime and `rabrong up` uses it
(RABRONG_TEMPORAL_EMBEDDED=false) without schedules, which that server lacks; the demo is loaded
for that day (RABRONG_DEMO_DAY) and the walkthrough enters that day's round. SeaweedFS and the
product's processes stay on the real clock, as in the other tests run as of a day.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from examples.walkthrough import EVIDENCE_PDF, Walkthrough
from rabrong.demo import demo_agreement_id
from rabrong.embedded import WEED_PORTS, binary, free_port, free_port_block
from tests.support.today import NO_NEW_WORKER, faked, now_on, shifted, today

pytestmark = pytest.mark.e2e
READY = "Rabrong is up"
AFTER_RESTART = "every step ran but the last (a command after the restart): " + NO_NEW_WORKER


class Product:
    def __init__(self, var_dir: Path, temporal_address: str | None = None) -> None:
        """`temporal_address`: a Temporal server already running, which `rabrong up` then
        uses instead of starting its own."""
        self.var_dir = var_dir
        self.api_port = free_port()
        self.env = {
            **os.environ,
            "RABRONG_VAR_DIR": str(var_dir),
            "RABRONG_API_PORT": str(self.api_port),
            "RABRONG_TEMPORAL_ADDRESS": temporal_address or f"127.0.0.1:{free_port()}",
            "RABRONG_TEMPORAL_UI_PORT": str(free_port()),
            "RABRONG_S3_ENDPOINT": f"127.0.0.1:{free_port()}",
            "RABRONG_S3_INTERNAL_PORT_BASE": str(free_port_block(len(WEED_PORTS) + 1)),
        }
        if temporal_address is not None:
            self.env |= {
                "RABRONG_TEMPORAL_EMBEDDED": "false",
                "RABRONG_TEMPORAL_SCHEDULES": "false",
                "RABRONG_DEMO_DAY": today().isoformat(),
            }
        self.url = f"http://127.0.0.1:{self.api_port}"
        self.starts_seen = 0  # each start appends one READY banner to the shared log

    @contextmanager
    def up(self) -> Iterator[subprocess.Popen[bytes]]:
        out = (self.var_dir.parent / "up.out").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "rabrong.cli", "up", "--demo"],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_ready(process)
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
            out.close()

    def _wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        log = self.var_dir.parent / "up.out"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace") if log.exists() else ""
            if text.count(READY) > self.starts_seen:
                self.starts_seen = text.count(READY)
                return
            if process.poll() is not None:
                pytest.fail(f"rabrong up exited {process.returncode}:\n{text[-4000:]}")
            time.sleep(0.3)
        pytest.fail(f"rabrong up not ready in 120 s:\n{log.read_text(errors='replace')[-4000:]}")

    def children(self) -> dict[str, int]:
        data = json.loads((self.var_dir / "run" / "up.json").read_text())
        return dict(data["children"])

    def password(self) -> str:
        return (self.var_dir / "demo-password").read_text().strip()

    def evidence_rows(self) -> int:
        with sqlite3.connect(self.var_dir / "rabrong.db") as db:
            return int(db.execute("SELECT count(*) FROM evidence").fetchone()[0])


@contextmanager
def temporal_as_of_today(folder: Path) -> Iterator[str | None]:
    """None on the real day (`rabrong up` starts its dev server); with RABRONG_TEST_TODAY the
    address of the time-skipping server started on that day, stopped afterwards."""
    if not shifted():
        yield None
        return
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = faked(binary("temporal-test-server"), now_on(today()), folder)
    process = subprocess.Popen(
        [server, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the time-skipping server did not start ({process.returncode})")
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def processes_using(path: Path) -> list[str]:
    """Any process whose command line names our var dir: nothing of ours may outlive `up`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(path) in cmdline:
                found.append(f"{entry.name}: {cmdline[:200]}")
    return found


def _web_app_is_announced_first_and_served(product: Product) -> None:
    """`rabrong up` names the web app before anything else, and serves it at `/`."""
    banner = (product.var_dir.parent / "up.out").read_text().split(READY, 1)[1].splitlines()
    assert banner[1].split() == ["web", "app", f"{product.url}/"], banner[:3]
    front = httpx.get(f"{product.url}/", timeout=30)
    assert front.status_code == 303 and front.headers["location"].startswith("/signin")
    form = httpx.get(f"{product.url}/signin", timeout=30)
    assert form.status_code == 200 and "content-security-policy" in form.headers
    assert 'name="csrf"' in form.text and "rabrong_signin" in form.headers["set-cookie"]


def test_the_product_end_to_end(tmp_path: Path) -> None:
    with temporal_as_of_today(tmp_path / "temporal") as temporal_address:
        _end_to_end(Product(tmp_path / "var", temporal_address))


def _end_to_end(product: Product) -> None:
    lines: list[str] = []
    day = today()
    own_temporal = {"temporal"} if not shifted() else set()

    with product.up() as supervisor:
        walk = Walkthrough(product.url, product.password(), lines.append, day)
        score = walk.run("e2e-skw")
        # (3 x 15 + 4 x 10 + 4 x 10 + 4 x 5) / 40 = 3.625, shown as x20 = 72.5 on the PMS form
        assert score["score"] == "3.6250" and score["score_100"] == "72.5000"
        assert any(": 3.6250 (x20 = 72.5000)" in line for line in lines)
        _problems_are_rfc9457(product.url, walk)
        _web_app_is_announced_first_and_served(product)
        before = _get(product.url, walk, "/v1/agreements/e2e-skw")
        children = product.children()
        assert set(children) == {*own_temporal, "seaweedfs", "worker", "api"}
        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(timeout=60) == 0
    assert not [pid for pid in children.values() if alive(pid)]
    assert processes_using(product.var_dir) == []

    with product.up():
        walk = Walkthrough(product.url, product.password(), lines.append, day)
        after = _get(product.url, walk, "/v1/agreements/e2e-skw")
        assert after == before
        if shifted():
            _s3_down(product, walk)
            pytest.skip(AFTER_RESTART)
        # The workflow is still running: the demo agreement takes a new command.
        demo = demo_agreement_id(day)
        signed = walk.post("cmi.head", f"/v1/agreements/{demo}/sign", json={"party": "maker"})
        assert signed["status"] == "signing"
        _s3_down(product, walk)


def _get(url: str, walk: Walkthrough, path: str) -> Any:
    response = httpx.get(url + path, headers=walk.login("auditor"), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _problems_are_rfc9457(url: str, walk: Walkthrough) -> None:
    anonymous = httpx.get(url + "/v1/agreements", timeout=30)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    bad = httpx.post(
        url + "/v1/agreements/e2e-skw/rounds/1/kpis/5/result",
        json={"value": "ห้าสิบ"},
        headers=walk.login("skw.staff"),
        timeout=30,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.value"
    refused = httpx.post(
        url + "/v1/agreements/e2e-skw/rounds/1/kpis/5/approve",
        json={},
        headers=walk.login("skw.staff"),
        timeout=30,
    )
    # Round 1 is published by now: no longer in review, whoever asks (the state is checked
    # before the role, so the same answer for everyone; the role refusals are in
    # tests/integration/test_authorization_matrix.py).
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("InvalidTransition")
    assert [e["rule"] for e in refused.json()["errors"]] == ["in_review"]
    missing = httpx.get(url + "/v1/agreements/nothing-here", headers=walk.login("auditor"))
    assert missing.status_code == 404


def _s3_down(product: Product, walk: Walkthrough) -> None:
    weed = product.children()["seaweedfs"]
    os.killpg(weed, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while alive(weed) and time.monotonic() < deadline:
        time.sleep(0.2)
    health = httpx.get(product.url + "/healthz", timeout=30)
    assert health.status_code == 503
    assert health.json()["unavailable"] == ["s3"]
    base, number = walk.start("e2e-s3")  # an open round, so only S3 can refuse the upload
    rows = product.evidence_rows()
    upload = httpx.post(
        f"{product.url}{base}/rounds/{number}/kpis/5/evidence",
        files={"file": ("รายงาน.pdf", EVIDENCE_PDF, "application/pdf")},
        headers=walk.login("skw.staff"),
        timeout=60,
    )
    assert upload.status_code == 503, upload.text
    assert upload.json()["dependency"] == "s3"
    assert product.evidence_rows() == rows
