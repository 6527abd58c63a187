"""Inbox and agreement list latency under load, at 1,000 and at 100,000 agreements: GET
/v1/tasks and GET /v1/agreements through the API beside the inbox's queries run raw.

    .venv/bin/python bench/api.py [--clients 20] [--seconds 10] [--rounds 2]

Creates a PostgreSQL database of its own (at RABRONG_TEST_PG_ADMIN, as the tests do), migrates
it and bulk-loads an organisation: 1 ministry, 10 departments, 76 provinces of 5 groups each,
10,000 users (one argon2 hash shared by all), a few hundred role grants and delegations, 1,000
agreements (each in its maker's unit, with maker and recipient in agreement_person), 100,000
open tasks on them (60% assigned to one person, 40% offered to a role at a unit with 2-5
candidates, indexed in task_candidate) and 20,000 closed ones; then VACUUM ANALYZE. After the
first measurement it adds agreements up to --agreements (rows written directly, as the
recording activity would leave them; the tasks stay as they are) and measures again.

Starts the real API (`rabrong api` alone: the inbox touches neither Temporal nor S3) and signs
in --clients users, each with open tasks of their own and offered ones. Their SQL is captured
from storage.inbox as the API runs it, and checked to give the page the API gives. Then, in
alternating rounds of --seconds each, --clients closed-loop clients, one user each, measure:
  - raw:  the inbox's page query alone over psycopg, one connection per client;
  - raw3: the three queries of the inbox (count, page, per-kind counts), same connections;
  - api:  GET /v1/tasks?limit=50 with the user's bearer token (httpx, keep-alive);
  - list: GET /v1/agreements?limit=50, the same users and connections.
Ends with `name: value` lines, each size's prefixed `a1000_` and `a100000_` (or the sizes
given), the p95 drifts (`*_p95_drift`: the larger size's p95 over the smaller's), and last
`ratio: X` = api_rps / raw3_rps at the larger size (the share of the inbox's raw three-query
throughput the API keeps; higher is better). PostgreSQL, the API and the clients share this
machine's cores, so other load skews every way; `api_requests_sent_again` counts requests
sent a second time after the server closed their kept-alive connection under them.
BENCH_KEEP=1 keeps the temporary directory (the API's log is api.log there); the database is
always dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import create_engine, event, insert
from sqlmodel import Session, SQLModel

from domain.access import Principal
from domain.delegation import standings
from rabrong.embedded import free_port
from storage.delegations import delegations_to
from storage.inbox import InboxFilter, Reach, inbox_counts, inbox_page
from storage.migrate import upgrade
from storage.tables import AppUser
from storage.users import grants_of, hash_password

PG_ADMIN_URL = os.environ.get(
    "RABRONG_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "bench-inbox-password"
PAGE = 50
NOW = datetime.now(UTC)
TODAY = NOW.date()
ROLE_KINDS = {
    "staff": ("enter_result", "submit_evidence", "resubmit", "submit_round"),
    "reviewer": ("review", "endorse"),
}
KINDS = ("sign", *ROLE_KINDS["staff"], *ROLE_KINDS["reviewer"], "acknowledge")
HEAVY = {"maker", "reviewer", "recipient"}  # ten times the personal tasks of plain staff
AGREEMENT: dict[str, Any] = {
    "definition_id": "bench",
    "definition_version": 1,
    "definition_hash": "sha256:" + "0" * 64,
    "parent_id": None,
    "status": "active",
    "state_version": 1,
    "state": {},
    "created_at": NOW,
    "updated_at": NOW,
}
DELEGATION: dict[str, Any] = {
    "kind": "acting_for",
    "order_date": TODAY - timedelta(days=31),
    "valid_from": TODAY - timedelta(days=30),
    "valid_to": TODAY + timedelta(days=60),
    "created_by": "bench",
    "created_at": NOW,
}
Query = tuple[str, dict[str, Any]]
RETRIED: Counter[str] = Counter()  # requests sent again after a closed kept-alive connection


def say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


@contextmanager
def postgres_database() -> Iterator[tuple[str, str]]:
    """A database of its own, dropped afterwards: its SQLAlchemy URL and its libpq URL."""
    name = f"rabrong_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}", f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Seed:
    rng: random.Random
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    holders: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (role, unit)
    parent: dict[str, str] = field(default_factory=dict)
    direct: Counter[str] = field(default_factory=Counter)  # open tasks per assignee
    offered: Counter[str] = field(default_factory=Counter)  # open tasks per candidate

    def add(self, table: str, **row: Any) -> None:
        self.rows.setdefault(table, []).append(row)

    def ids(self, table: str) -> list[str]:
        return [str(row["id"]) for row in self.rows[table]]


def unit_roles(kind: str, j: int) -> list[str]:
    """The roles of the j-th user of a unit of this kind."""
    if kind == "group":
        return ["staff", "maker"] if j < 3 else ["staff", "reviewer"] if j < 5 else ["staff"]
    if kind == "province":
        return ["reviewer", "recipient"] if j < 2 else ["staff", "reviewer"] if j < 4 else ["maker"]
    return ["recipient", "auditor"] if j < 2 else ["auditor"]


def seed_org(seed: Seed, users: int, password_hash: str) -> None:
    units: list[tuple[str, str | None, str]] = [("m", None, "ministry")]
    units += [(f"d{d:02d}", "m", "department") for d in range(10)]
    units += [(f"p{p:02d}", f"d{p % 10:02d}", "province") for p in range(76)]
    groups: list[tuple[str, str | None, str]]
    groups = [(f"p{p:02d}-g{g}", f"p{p:02d}", "group") for p in range(76) for g in range(5)]
    fixed = {"ministry": 4, "department": 4, "province": 6}
    spread, extra = divmod(users - sum(fixed[kind] for *_, kind in units), len(groups))
    sizes = [fixed[kind] for *_, kind in units] + [spread + (i < extra) for i in range(len(groups))]
    n = 0
    for (unit, parent, kind), size in zip(units + groups, sizes, strict=True):
        names = {"name_th": f"หน่วยงาน {unit}", "name_en": f"Unit {unit}"}
        seed.add("org_unit", id=unit, parent_id=parent, kind=kind, **names)
        if parent is not None:
            seed.parent[unit] = parent
        for j in range(size):
            n += 1
            roles = unit_roles(kind, j)
            seed.add(
                "app_user",
                id=f"u-{n:05d}",
                username=f"user{n:05d}",
                display_name=f"ผู้ใช้ทดสอบ {n:05d}",
                position="นักวิเคราะห์นโยบายและแผน",
                unit_id=unit,
                roles=roles,
                password_hash=password_hash,
            )
            for role in roles:
                seed.holders.setdefault((role, unit), []).append(f"u-{n:05d}")


def seed_agreements(seed: Seed, first: int, count: int) -> None:
    """Agreements first..count-1, each in its maker's unit (as the API files them), their maker
    and recipient indexed in agreement_person."""
    makers = [u for (role, _), us in seed.holders.items() if role == "maker" for u in us]
    recipients = [u for (role, _), us in seed.holders.items() if role == "recipient" for u in us]
    home = {u["id"]: u["unit_id"] for u in seed.rows["app_user"]}
    for n in range(first, count):
        maker, recipient = seed.rng.choice(makers), seed.rng.choice(recipients)
        title = f"คำรับรองการปฏิบัติราชการ {n:06d}"
        parties = {"maker_id": maker, "recipient_id": recipient, "unit": home[maker]}
        seed.add("agreement", id=f"fy2569-{n:06d}", title=title, **parties, **AGREEMENT)
        for person in sorted({maker, recipient}):
            seed.add("agreement_person", agreement_id=f"fy2569-{n:06d}", user_id=person)


def seed_tasks(seed: Seed, count: int, closed: int) -> None:
    """`count` tasks open and `closed` closed: 60% personal, 40% offered to a role at a unit."""
    rng, agreements = seed.rng, seed.ids("agreement")
    users = seed.rows["app_user"]
    weights = [10 if HEAVY & set(u["roles"]) else 1 for u in users]
    assignees = rng.choices([u["id"] for u in users], weights=weights, k=count + closed)
    seats = [k for k in seed.holders if k[0] in ROLE_KINDS and len(seed.holders[k]) >= 2]
    group_seats = [k for k in seats if "-g" in k[1]]
    for n in range(count + closed):
        role = unit = user = None
        candidates: list[str] = []
        kind = rng.choice(KINDS)
        if rng.random() < 0.6:
            user = assignees[n]
        else:
            role, unit = rng.choice(group_seats if rng.random() < 0.8 else seats)
            kind = rng.choice(ROLE_KINDS[role])
            pool = seed.holders[(role, unit)]
            candidates = sorted(rng.sample(pool, min(len(pool), rng.randint(2, 5))))
        aid = rng.choice(agreements)
        key = f"{aid}/t{n:06d}/{kind}"
        due = None if rng.random() < 0.05 else TODAY + timedelta(days=rng.randint(-36, 329))
        done = n >= count
        seed.add(
            "task",
            id=f"{key}#1",
            key=key,
            kind=kind,
            agreement_id=aid,
            round=rng.choice((1, 2)),
            kpi_code=f"{rng.randint(1, 9)}.{rng.randint(1, 4)}",
            assignee_user=user,
            assignee_role=role,
            assignee_unit=unit,
            candidates=candidates,
            due=due,
            overdue=due is not None and due < TODAY,  # ~10% of those dated
            note=None,
            opened_at=NOW - timedelta(days=rng.randint(1, 200)),
            opened_by_command=f"cmd-{n}",
            closed_at=NOW if done else None,
            closed_by_command=f"cmd-close-{n}" if done else None,
        )
        for candidate in candidates:  # closing a task leaves its index rows, so closed have them
            seed.add("task_candidate", task_id=f"{key}#1", user_id=candidate)
        if not done:
            seed.direct.update([user] if user else [])
            seed.offered.update(candidates)


def pick_users(seed: Seed, clients: int) -> list[str]:
    """Users with open tasks of their own and offered ones; a fifth also stand in for someone
    and another fifth hold a further grant, beside 200 delegations and 300 grants elsewhere."""
    rng, people = seed.rng, seed.ids("app_user")
    eligible = sorted(u for u, n in seed.direct.items() if n >= 3 and seed.offered[u] >= 3)
    chosen = rng.sample(eligible, clients)
    for n, delegate in enumerate(chosen[: clients // 5] + rng.sample(people, 200)):
        principal = rng.choice([p for p in people[:500] if p != delegate])  # high up
        order = {"order_ref": f"คำสั่ง ที่ {n}/2569", **DELEGATION}
        seed.add("delegation", id=f"dlg-{n:04d}", principal=principal, delegate=delegate, **order)
    home = {u["id"]: u["unit_id"] for u in seed.rows["app_user"]}
    granted: set[tuple[str, str, str]] = set()
    for user in chosen[-(clients // 5) :] + rng.sample(people, 300):
        unit = home[user]
        up = seed.parent.get(unit)
        siblings = [u for u, p in seed.parent.items() if p == up and u != unit]
        if rng.random() < 0.5 and unit in seed.parent:
            granted.add((user, "reviewer", seed.parent[unit]))
        else:
            granted.add((user, "staff", rng.choice(siblings or [unit])))
    for user, role, unit in sorted(granted):
        by = {"granted_by": "bench", "granted_at": NOW}
        seed.add("role_grant", user_id=user, role=role, unit_id=unit, **by)
    return chosen


def load(url: str, pq_url: str, seed: Seed, tables: tuple[str, ...] = ()) -> None:
    """The seeded rows of `tables` (all, when none named), then VACUUM ANALYZE."""
    engine = create_engine(url)
    with engine.begin() as connection:
        for name, rows in seed.rows.items():  # in the order first added: referred to first
            if tables and name not in tables:
                continue
            table = SQLModel.metadata.tables[name]
            for start in range(0, len(rows), 5000):
                connection.execute(insert(table), rows[start : start + 5000])
    engine.dispose()
    with psycopg.connect(pq_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


@dataclass
class Inbox:
    """One bench user's inbox as storage.inbox queries it: the SQL and the first page."""

    username: str
    queries: list[Query]  # count, page, per-kind counts, in the order a request runs them
    page_ids: list[str]
    count: int

    @property
    def page(self) -> Query:
        return self.queries[1]


def capture(url: str, users: list[str]) -> list[Inbox]:
    """Run storage.inbox for each user the way the API does and keep the SQL it sends."""
    engine = create_engine(url)
    sent: list[Query] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, dict(parameters or {})))

    inboxes = []
    with Session(engine) as session:
        for user_id in users:
            user = session.get(AppUser, user_id)
            assert user is not None
            principal = Principal(
                user_id=user.id,
                unit=user.unit_id,
                grants=tuple(grants_of(session, user)),
                acting_for=standings(delegations_to(session, user.id, TODAY), user.id, TODAY),
            )
            reach = Reach(sorted(principal.people), [(g.role, g.unit) for g in principal.grants])
            event.listen(engine, "before_cursor_execute", keep)
            rows, count = inbox_page(session, reach, InboxFilter(), offset=0, limit=PAGE)
            inbox_counts(session, reach)
            event.remove(engine, "before_cursor_execute", keep)
            inboxes.append(Inbox(user.username, list(sent), [r.id for r in rows], count))
            sent.clear()
    engine.dispose()
    assert all(len(i.queries) == 3 and "LIMIT" in i.page[0] for i in inboxes)
    return inboxes


@dataclass
class Api:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_api(url: str, var_dir: Path) -> Api:
    """`rabrong api` alone; Temporal and S3 point at closed ports (both connect lazily)."""
    port = free_port()
    env = {
        **os.environ,
        "RABRONG_DATABASE_URL": url,
        "RABRONG_VAR_DIR": str(var_dir),
        "RABRONG_API_HOST": "127.0.0.1",
        "RABRONG_API_PORT": str(port),
        "RABRONG_S3_ACCESS_KEY": "bench",
        "RABRONG_S3_SECRET_KEY": "benchbench",
        "RABRONG_S3_ENDPOINT": f"127.0.0.1:{free_port()}",
        "RABRONG_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "RABRONG_TOKEN_TTL_MINUTES": "120",
    }
    log = var_dir / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "rabrong.cli", "api"], env=env, stdout=out, stderr=out
        )
    api = Api(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the API exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{api.base}/v1/me", timeout=5).status_code == 401:
                return api
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    api.stop()
    raise SystemExit(f"the API did not answer in 120 s: {log.read_text()[-3000:]}")


def sign_in(api: Api, inboxes: list[Inbox]) -> list[dict[str, str]]:
    """A bearer header per user, after checking the API gives the page the captured SQL gave."""
    headers = []
    with httpx.Client(base_url=api.base, timeout=60) as http:
        for inbox in inboxes:
            form = {"username": inbox.username, "password": PASSWORD}
            answer = http.post("/v1/auth/token", data=form)
            answer.raise_for_status()
            header = {"Authorization": f"Bearer {answer.json()['access_token']}"}
            body = http.get("/v1/tasks", params={"limit": PAGE}, headers=header).json()
            got = ([t["id"] for t in body["data"]], body["count"])
            if got != (inbox.page_ids, inbox.count):
                raise SystemExit(f"{inbox.username}: the API's page differs from storage.inbox's")
            listed = http.get("/v1/agreements", params={"limit": PAGE}, headers=header)
            listed.raise_for_status()
            headers.append(header)
    return headers


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    api_cpu: float = 0.0  # CPU seconds the API process spent (the API ways only)

    def add(self, latencies: list[float], seconds: float, api_cpu: float = 0.0) -> None:
        self.latencies += latencies
        self.requests += len(latencies)
        self.seconds += seconds
        self.api_cpu += api_cpu


Phases = dict[str, Phase]
Timed = tuple[list[float], float]  # latencies, wall-clock seconds


def threaded(clients: int, seconds: float, work: Callable[[int], None]) -> Timed:
    """Closed loop: each client thread repeats its work until the time is up."""
    gate = threading.Barrier(clients + 1)
    per_client: list[list[float]] = [[] for _ in range(clients)]
    failed: list[BaseException] = []

    def run(i: int) -> None:
        gate.wait()
        end = time.perf_counter() + seconds
        try:
            while (started := time.perf_counter()) < end:
                work(i)
                per_client[i].append(time.perf_counter() - started)
        except Exception as exc:  # reported by the main thread, which would not see it
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if failed:
        raise SystemExit(f"a raw client failed: {failed[0]!r}")
    return [x for xs in per_client for x in xs], time.perf_counter() - started


def raw_work(
    connections: list[psycopg.Connection[Any]], inboxes: list[Inbox], *, all_three: bool
) -> Callable[[int], None]:
    """Client i runs user i's page query (or all three of a request) on its own connection."""

    def work(i: int) -> None:
        queries = inboxes[i].queries if all_three else [inboxes[i].page]
        with connections[i].cursor() as cursor:
            for statement, parameters in queries:
                cursor.execute(statement, parameters)
                cursor.fetchall()

    return work


async def api_load(
    api: Api, headers: list[dict[str, str]], seconds: float, path: str
) -> list[list[float]]:
    limits = httpx.Limits(max_connections=len(headers), max_keepalive_connections=len(headers))
    async with httpx.AsyncClient(base_url=api.base, timeout=120, limits=limits) as http:

        async def client(header: dict[str, str]) -> list[float]:
            latencies: list[float] = []
            end = time.perf_counter() + seconds
            while (started := time.perf_counter()) < end:
                try:
                    answer = await http.get(path, params={"limit": PAGE}, headers=header)
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    # The server closed a kept-alive connection as this request went out on
                    # it (uvicorn drops one idle for 5 s; a starved client can be that slow):
                    # sent again once on a new connection, as browsers do, and counted.
                    RETRIED[path] += 1
                    answer = await http.get(path, params={"limit": PAGE}, headers=header)
                if answer.status_code != 200:
                    raise SystemExit(f"GET {path}: {answer.status_code} {answer.text[:300]}")
                latencies.append(time.perf_counter() - started)
            return latencies

        return await asyncio.gather(*(client(h) for h in headers))


def api_phase(
    api: Api, headers: list[dict[str, str]], seconds: float, path: str
) -> tuple[list[float], float, float]:
    """Latencies, wall-clock seconds and the API process's CPU seconds: the CPU per request
    holds still when other load on the machine moves the latencies."""
    started, cpu = time.perf_counter(), cpu_seconds(api.process.pid)
    per_client = asyncio.run(api_load(api, headers, seconds, path))
    spent = cpu_seconds(api.process.pid) - cpu
    return [x for xs in per_client for x in xs], time.perf_counter() - started, spent


def cpu_seconds(pid: int) -> float:
    """User and system time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    api: Api, pq_url: str, inboxes: list[Inbox], args: argparse.Namespace, size: int
) -> Phases:
    headers = sign_in(api, inboxes)
    say(f"measuring at {size} agreements")
    connections = [psycopg.connect(pq_url, autocommit=True) for _ in inboxes]
    try:
        return alternate(api, headers, connections, inboxes, args)
    finally:
        for connection in connections:
            connection.close()


def alternate(
    api: Api,
    headers: list[dict[str, str]],
    connections: list[psycopg.Connection[Any]],
    inboxes: list[Inbox],
    args: argparse.Namespace,
) -> Phases:
    """Warm each way up, then run them in turn, --rounds times, so noise falls on them all."""
    raw = raw_work(connections, inboxes, all_three=False)
    raw3 = raw_work(connections, inboxes, all_three=True)
    ways: dict[str, Callable[[float], tuple[Any, ...]]] = {
        "raw": lambda s: threaded(len(inboxes), s, raw),
        "raw3": lambda s: threaded(len(inboxes), s, raw3),
        "api": lambda s: api_phase(api, headers, s, "/v1/tasks"),
        "list": lambda s: api_phase(api, headers, s, "/v1/agreements"),
    }
    phases = {name: Phase() for name in ways}
    for run in ways.values():
        run(args.warmup)
    for number in range(args.rounds):
        for name, run in ways.items():
            phases[name].add(*run(args.seconds))
            say(f"round {number + 1}: {name} {phases[name].requests} requests so far")
    return phases


def explain(pq_url: str, inbox: Inbox) -> None:
    with psycopg.connect(pq_url, autocommit=True) as connection:
        for statement, parameters in inbox.queries:
            plan = connection.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            say("\n".join(str(line[0]) for line in plan.fetchall()) + "\n")


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def report(seed: Seed, inboxes: list[Inbox], measured: dict[int, Phases], seed_s: float) -> None:
    tasks = seed.rows["task"]
    lines: list[tuple[str, object]] = [
        ("seed_s", f"{seed_s:.1f}"),
        ("users", len(seed.rows["app_user"])),
        ("tasks", len(tasks)),
        ("open_tasks", sum(t["closed_at"] is None for t in tasks)),
        ("task_candidates", len(seed.rows["task_candidate"])),
        ("clients", len(inboxes)),
        ("inbox_count_avg", f"{statistics.mean(i.count for i in inboxes):.0f}"),
    ]
    for size, phases in measured.items():
        for name, phase in phases.items():
            lines += [
                (f"a{size}_{name}_requests", phase.requests),
                (f"a{size}_{name}_p50_ms", f"{1000 * statistics.median(phase.latencies):.2f}"),
                (f"a{size}_{name}_p95_ms", f"{1000 * p95(phase):.2f}"),
                (f"a{size}_{name}_rps", f"{phase.requests / phase.seconds:.1f}"),
            ]
            if phase.api_cpu:
                cpu_ms = 1000 * phase.api_cpu / phase.requests
                lines.append((f"a{size}_{name}_api_cpu_ms_per_request", f"{cpu_ms:.2f}"))
        lines.append((f"a{size}_api_over_raw3", f"{rps(phases['api']) / rps(phases['raw3']):.3f}"))
    small, large = measured[min(measured)], measured[max(measured)]
    for name, label in (("list", "list"), ("api", "inbox")):
        lines.append((f"{label}_p95_drift", f"{p95(large[name]) / p95(small[name]):.2f}"))
    lines.append(("api_requests_sent_again", sum(RETRIED.values())))
    lines.append(("ratio", f"{rps(large['api']) / rps(large['raw3']):.3f}"))
    sys.stdout.write("".join(f"{name}: {value}\n" for name, value in lines))


def p95(phase: Phase) -> float:
    return percentile(phase.latencies, 0.95)


def rps(phase: Phase) -> float:
    return phase.requests / phase.seconds


def grow(url: str, pq_url: str, seed: Seed, first: int, count: int) -> None:
    """More agreements, written as the recording activity leaves them, to measure again."""
    started = time.perf_counter()
    seed.rows["agreement"], seed.rows["agreement_person"] = [], []
    seed_agreements(seed, first, count)
    load(url, pq_url, seed, ("agreement", "agreement_person"))
    say(f"grew to {count} agreements in {time.perf_counter() - started:.1f} s")


def main(args: argparse.Namespace) -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="rabrong-bench-api-"))
    try:
        with postgres_database() as (url, pq_url):
            started = time.perf_counter()
            upgrade(url)
            seed = Seed(random.Random(2569))
            seed_org(seed, args.users, hash_password(PASSWORD))
            seed_agreements(seed, 0, args.first_agreements)
            seed_tasks(seed, args.tasks, args.tasks // 5)
            users = pick_users(seed, args.clients)
            load(url, pq_url, seed)
            seed_s = time.perf_counter() - started
            say(f"seeded in {seed_s:.1f} s")
            inboxes = capture(url, users)
            if args.explain:
                explain(pq_url, inboxes[0])
            api = start_api(url, var_dir)
            measured: dict[int, Phases] = {}
            try:
                measured[args.first_agreements] = measure(
                    api, pq_url, inboxes, args, args.first_agreements
                )
                grow(url, pq_url, seed, args.first_agreements, args.agreements)
                measured[args.agreements] = measure(api, pq_url, inboxes, args, args.agreements)
            finally:
                api.stop()
        report(seed, inboxes, measured, seed_s)
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--first-agreements", type=int, default=1_000, help="measured first")
    parser.add_argument("--agreements", type=int, default=100_000, help="then grown to")
    parser.add_argument("--tasks", type=int, default=100_000, help="open; a fifth more closed")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0, help="per way and round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating raw, raw3, api, list")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds per way, discarded")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the first user")
    main(parser.parse_args())
