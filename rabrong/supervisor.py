"""`rabrong up`: the whole product on loopback, as child processes, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import structlog

from rabrong import embedded
from rabrong.children import Child, start_child
from rabrong.demo import demo_agreement_id, demo_parties, load_demo
from rabrong.first_run import ensure_first_administrator
from rabrong.keys import KeyFile, init_keys
from rabrong.resources import database, evidence_store, temporal_client
from rabrong.settings import Settings
from storage.agreements import get_state
from storage.evidence_store import StorageUnavailable
from storage.migrate import upgrade

log = structlog.get_logger(__name__)
READY_TIMEOUT = 90.0


class Interrupted(Exception):
    pass


class Stack:
    def __init__(self, settings: Settings, *, demo: bool, say: Callable[[str], None]) -> None:
        self.settings = settings
        self.demo = demo
        self.say = say
        self.children: list[Child] = []
        self.stopping = threading.Event()
        self.run_file = settings.var_dir / "run" / "up.json"
        self.keys: list[KeyFile] = []

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self.stopping.set())
        try:
            self._start()
            self._watch()
            return 0
        except Interrupted:
            return 0
        except Exception:
            log.exception("rabrong up failed")
            return 1
        finally:
            self._shutdown()

    def _start(self) -> None:
        settings = self.settings
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        # `rabrong keys init`, before any child needs a key: the first start makes them, loudly.
        self.keys = init_keys(settings)
        logs = settings.var_dir / "log"
        identities = embedded.ensure_s3_credentials(settings)
        env = {
            **os.environ,
            "RABRONG_VAR_DIR": str(settings.var_dir.resolve()),
            # glibc gives each thread its own heap arena, which keeps freed upload buffers
            # resident; two arenas keep the API's memory flat during large uploads.
            "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
            # glibc raises its mmap threshold each time it frees a mapped buffer, so later
            # upload buffers land in the heap and stay resident; fixed at 1 MiB they are
            # mapped and given back when freed (decision 0033: 1.8 MiB off the API's peak).
            "MALLOC_MMAP_THRESHOLD_": os.environ.get("MALLOC_MMAP_THRESHOLD_", "1048576"),
        }
        if settings.temporal_embedded:
            self._spawn("temporal", embedded.temporal_argv(settings), logs, env)
        self._spawn("seaweedfs", embedded.weed_argv(settings, identities), logs, env)
        self._wait("temporal", lambda: _tcp(settings.temporal_address))
        store = evidence_store(settings)
        self._wait("s3", store.ensure_bucket)
        upgrade(settings.db_url)
        loaded = (
            load_demo(database(settings), settings.var_dir, settings.demo_day)
            if self.demo
            else None
        )
        first_admin = ensure_first_administrator(database(settings), settings.var_dir)
        me = [sys.executable, "-m", "rabrong.cli"]
        self._spawn("worker", [*me, "worker"], logs, env)
        # The API without rich, which only the development tools bring (rabrong/api_process.py).
        self._spawn("api", [sys.executable, "-m", "rabrong.api_process"], logs, env)
        self._wait("api", lambda: _healthy(settings.api_url))
        if self.demo:
            asyncio.run(_ensure_demo_agreement(settings))
        self._write_run_file()
        self._announce(loaded.password if loaded else None, first_admin)

    def _spawn(self, name: str, argv: list[str], logs: Any, env: dict[str, str]) -> None:
        self._check_interrupted()
        self.children.append(start_child(name, argv, log_dir=logs, env=env))

    def _wait(self, what: str, probe: Callable[[], Any]) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        last: Exception | None = None
        while time.monotonic() < deadline:
            self._check_interrupted()
            self._check_children()
            try:
                probe()
                log.info("ready", dependency=what)
                return
            except (OSError, StorageUnavailable, httpx.HTTPError, RuntimeError) as exc:
                last = exc
            self.stopping.wait(0.25)
        raise RuntimeError(f"{what} did not become ready in {READY_TIMEOUT:.0f}s: {last}")

    def _check_interrupted(self) -> None:
        if self.stopping.is_set():
            raise Interrupted

    def _check_children(self) -> None:
        for child in self.children:
            if not child.alive():
                raise RuntimeError(f"{child.name} exited; see {child.log_path}")

    def _watch(self) -> None:
        reported: set[str] = set()
        while not self.stopping.wait(1.0):
            for child in self.children:
                if not child.alive() and child.name not in reported:
                    reported.add(child.name)
                    # Keep the rest running: /healthz then says what is missing.
                    log.error("child exited", child=child.name, code=child.process.returncode)
                    self.say(f"! {child.name} stopped (see {child.log_path}); Ctrl-C to stop all")

    def _shutdown(self) -> None:
        if self.children:
            self.say("stopping ...")
        for child in reversed(self.children):
            child.stop()
        self.run_file.unlink(missing_ok=True)
        if self.children:
            self.say("stopped.")

    def _write_run_file(self) -> None:
        self.run_file.parent.mkdir(parents=True, exist_ok=True)
        pids = {child.name: child.pid for child in self.children}
        self.run_file.write_text(json.dumps({"supervisor": os.getpid(), "children": pids}))

    def _announce(self, demo_password: str | None, first_admin: Path | None) -> None:
        s = self.settings
        lines = [
            "",
            "Rabrong is up (Ctrl-C stops everything):",
            f"  web app      {s.api_url}/",
            f"  API docs     {s.api_url}/docs",
            f"  health       {s.api_url}/healthz",
            f"  Temporal UI  http://{embedded.host_port(s.temporal_address)[0]}:{s.temporal_ui_port}"
            if s.temporal_embedded
            else f"  Temporal     {s.temporal_address} (not started by rabrong up)",
            f"  data         {s.var_dir.resolve()}",
        ]
        if demo_password is not None:
            lines += [
                f"  demo logins  admin, permsec, kpi.owner, cmi.head, cmi.staff, skw.head,"
                f" skw.staff, auditor; password: {demo_password}",
                f"  demo agreement  {demo_agreement_id(_demo_day(s))}",
                "  walkthrough  .venv/bin/python examples/walkthrough.py",
            ]
        if first_admin is not None:
            lines.append(f"  first administrator  admin; password in {first_admin}")
        for key in self.keys:
            if key.created:
                lines.append(f"  NEW {key.what}  {key.path}  {key.fingerprint}")
        self.say("\n".join(lines) + "\n")


def _demo_day(settings: Settings) -> date:
    return settings.demo_day or datetime.now(UTC).date()


def _tcp(address: str) -> None:
    host, port = embedded.host_port(address)
    with socket.create_connection((host, port), timeout=1):
        pass


def _healthy(api_url: str) -> None:
    response = httpx.get(f"{api_url}/healthz", timeout=3)
    if response.status_code != 200:
        raise RuntimeError(f"healthz {response.status_code}: {response.text[:200]}")


async def _ensure_demo_agreement(settings: Settings) -> None:
    from application.gateway import TemporalGateway
    from domain.agreement import Actor
    from domain.commands import CreateAgreement
    from domain.transition import AgreementWorkflowInput
    from rabrong.demo import demo_definition_for

    today = _demo_day(settings)
    agreement_id = demo_agreement_id(today)
    with database(settings).reader() as session:
        if get_state(session, agreement_id) is not None:
            return
    definition = demo_definition_for(today)
    gateway = TemporalGateway(lambda: temporal_client(settings), settings.task_queue)
    command = CreateAgreement(
        command_id=f"demo-create-{agreement_id}",
        actor=Actor(user_id="u-admin", display_name="ผู้ดูแลระบบ"),
        agreement_id=agreement_id,
        title=definition.title_th + " (เชียงใหม่)",
        parties=demo_parties("cmi"),
    )
    await gateway.create(
        command, AgreementWorkflowInput(agreement_id=agreement_id, definition=definition)
    )
