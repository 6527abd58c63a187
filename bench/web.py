"""The web app's pages beside the JSON routes for the same data, under load, on PostgreSQL.

    .venv/bin/python bench/web.py [--clients 20] [--seconds 15] [--rounds 2]

Seeds the organisation, 5,000 agreements and 100,000 open tasks exactly as bench/api.py does
(its functions, same random seed); each of the --clients users also makes one agreement with a
real state (the demo definition), which their agreement page shows. Starts the real API process
(`rabrong api`, which loads the web app at /), signs each user in twice: a bearer token for the
JSON routes, a browser session (the sign-in form, its token and cookie) for the pages. Then, in
alternating rounds of --seconds each, --clients closed-loop clients (httpx, keep-alive) measure:
  - api_inbox: GET /v1/tasks?limit=50          - web_inbox: GET / (the inbox page, 50 tasks)
  - api_agreement: GET /v1/agreements/{id}     - web_agreement: GET /agreements/{id}
Every answer is checked (200; the page names the user; the inbox page shows the JSON total).
Ends with `name: value` lines and `ratio: X`: the worst of the four costs page/JSON (p95
latency, and throughput JSON rps / page rps) for the two pages; at most 1.3 is the target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlmodel import Session, create_engine

from bench.api import (
    PAGE,
    PASSWORD,
    Api,
    Phase,
    Seed,
    cpu_seconds,
    load,
    percentile,
    pick_users,
    postgres_database,
    say,
    seed_agreements,
    seed_org,
    seed_tasks,
    start_api,
)
from domain.agreement import AgreementState, Parties
from rabrong.demo import demo_definition
from storage.agreements import save_definition
from storage.migrate import upgrade
from storage.tables import AgreementRow, AppUser
from storage.users import hash_password

NOW = datetime.now(UTC)
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Client:
    username: str
    display_name: str
    agreement_id: str
    bearer: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    json_total: int = 0


def real_agreements(url: str, users: list[str]) -> list[Client]:
    """User i's agreement i gets a real state: the demo definition, user i its maker."""
    definition = demo_definition()
    engine = create_engine(url)
    clients = []
    with Session(engine) as session:
        save_definition(session, definition)
        for i, user_id in enumerate(users):
            user = session.get(AppUser, user_id)
            row = session.get(AgreementRow, f"fy2569-{i:06d}")  # as bench/api.py names them
            assert user is not None and row is not None
            state = AgreementState(
                agreement_id=row.id,
                title=definition.title_th,
                definition_id=definition.id,
                definition_version=definition.version,
                definition_hash=definition.content_hash(),
                parties=Parties(
                    maker=user.id,
                    recipient=user.id,
                    reviewers=[user.id],
                    submitters=[user.id],
                    unit=user.unit_id,
                ),
                created_by=user.id,
                created_at=NOW,
                updated_at=NOW,
            )
            row.state = state.model_dump(mode="json")
            row.definition_id, row.maker_id, row.unit = definition.id, user.id, user.unit_id
            session.add(row)
            clients.append(Client(user.username, user.display_name, row.id))
        session.commit()
    engine.dispose()
    return clients


def sign_in(api: Api, clients: list[Client]) -> None:
    """A bearer token and a browser session per user; each page checked against its JSON."""
    for client in clients:
        with httpx.Client(base_url=api.base, timeout=60) as http:
            form = {"username": client.username, "password": PASSWORD}
            answer = http.post("/v1/auth/token", data=form)
            answer.raise_for_status()
            client.bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
            tasks = http.get("/v1/tasks", params={"limit": PAGE}, headers=client.bearer).json()
            client.json_total = tasks["count"]
            page = http.get("/signin")
            token = TOKEN.search(page.text)
            assert token is not None, page.text[:500]
            signed = http.post(
                "/signin",
                data={**form, "csrf": token.group(1), "next": "/"},
                follow_redirects=True,
            )
            if signed.status_code != 200 or client.display_name not in signed.text:
                raise SystemExit(f"{client.username}: signing in failed: {signed.status_code}")
            if f'data-total="{client.json_total}"' not in signed.text:
                raise SystemExit(f"{client.username}: the inbox page's total differs from JSON")
            client.cookies = dict(http.cookies.items())


Way = Callable[[httpx.AsyncClient, Client], str]


def path_of(way: str, client: Client) -> tuple[str, dict[str, str], dict[str, str]]:
    """The request of a way for a client: path, headers, cookies."""
    if way == "api_inbox":
        return f"/v1/tasks?limit={PAGE}", client.bearer, {}
    if way == "web_inbox":
        return "/", {}, client.cookies
    if way == "api_agreement":
        return f"/v1/agreements/{client.agreement_id}", client.bearer, {}
    return f"/agreements/{client.agreement_id}", {}, client.cookies


async def load_way(api: Api, clients: list[Client], way: str, seconds: float) -> list[float]:
    async def one(client: Client) -> list[float]:
        path, headers, cookies = path_of(way, client)
        latencies: list[float] = []
        async with httpx.AsyncClient(base_url=api.base, timeout=120, cookies=cookies) as http:
            end = time.perf_counter() + seconds
            while (started := time.perf_counter()) < end:
                answer = await http.get(path, headers=headers)
                if answer.status_code != 200:
                    raise SystemExit(f"{way} {path}: {answer.status_code} {answer.text[:300]}")
                latencies.append(time.perf_counter() - started)
        return latencies

    per_client = await asyncio.gather(*(one(c) for c in clients))
    return [x for xs in per_client for x in xs]


def run_way(
    api: Api, clients: list[Client], way: str, seconds: float
) -> tuple[list[float], float, float]:
    """The latencies, the wall seconds and the API process's CPU seconds of one way's run."""
    started, cpu = time.perf_counter(), cpu_seconds(api.process.pid)
    latencies = asyncio.run(load_way(api, clients, way, seconds))
    return latencies, time.perf_counter() - started, cpu_seconds(api.process.pid) - cpu


WAYS = ("api_inbox", "web_inbox", "api_agreement", "web_agreement")


def measure(api: Api, clients: list[Client], args: argparse.Namespace) -> dict[str, Phase]:
    phases = {way: Phase() for way in WAYS}
    for way in WAYS:
        run_way(api, clients, way, args.warmup)
    for number in range(args.rounds):
        for way in WAYS:
            phases[way].add(*run_way(api, clients, way, args.seconds))
            say(f"round {number + 1}: {way} {phases[way].requests} requests so far")
    return phases


def report(seed: Seed, clients: list[Client], phases: dict[str, Phase]) -> None:
    lines: list[tuple[str, object]] = [
        ("open_tasks", sum(t["closed_at"] is None for t in seed.rows["task"])),
        ("clients", len(clients)),
        ("inbox_count_avg", f"{statistics.mean(c.json_total for c in clients):.0f}"),
    ]
    for way, phase in phases.items():
        lines += [
            (f"{way}_requests", phase.requests),
            (f"{way}_p50_ms", f"{1000 * statistics.median(phase.latencies):.2f}"),
            (f"{way}_p95_ms", f"{1000 * percentile(phase.latencies, 0.95):.2f}"),
            (f"{way}_rps", f"{phase.requests / phase.seconds:.1f}"),
            (f"{way}_api_cpu_ms_per_request", f"{1000 * phase.api_cpu / phase.requests:.2f}"),
        ]
    costs = []
    for page in ("inbox", "agreement"):
        web, api = phases[f"web_{page}"], phases[f"api_{page}"]
        p95 = percentile(web.latencies, 0.95) / percentile(api.latencies, 0.95)
        rps = (api.requests / api.seconds) / (web.requests / web.seconds)
        cpu = (web.api_cpu / web.requests) / (api.api_cpu / api.requests)
        lines += [(f"{page}_p95_cost", f"{p95:.3f}"), (f"{page}_throughput_cost", f"{rps:.3f}")]
        lines.append((f"{page}_cpu_cost", f"{cpu:.3f}"))  # not in the ratio: a diagnosis
        costs += [p95, rps]
    lines.append(("ratio", f"{max(costs):.3f}"))
    sys.stdout.write("".join(f"{name}: {value}\n" for name, value in lines))


def main(args: argparse.Namespace) -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="rabrong-bench-web-"))
    try:
        with postgres_database() as (url, pq_url):
            started = time.perf_counter()
            upgrade(url)
            seed = Seed(random.Random(2569))
            seed_org(seed, args.users, hash_password(PASSWORD))
            seed_agreements(seed, 0, args.agreements)
            seed_tasks(seed, args.tasks, args.tasks // 5)
            users = pick_users(seed, args.clients)
            load(url, pq_url, seed)
            clients = real_agreements(url, users)
            say(f"seeded in {time.perf_counter() - started:.1f} s")
            api = start_api(url, var_dir)
            try:
                sign_in(api, clients)
                phases = measure(api, clients, args)
            finally:
                api.stop()
        report(seed, clients, phases)
        if os.environ.get("BENCH_JSON"):
            sys.stderr.write(json.dumps({w: p.requests for w, p in phases.items()}) + "\n")
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--agreements", type=int, default=5_000)
    parser.add_argument("--tasks", type=int, default=100_000, help="open; a fifth more closed")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0, help="per way and round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating the four ways")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds per way, discarded")
    main(parser.parse_args())
