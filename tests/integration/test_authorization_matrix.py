"""Every endpoint x every role x inside/outside the agreement's scope, on SQLite and PostgreSQL.

The world: demo agreements of the Chiang Mai office (unit cmi) at different stages, complaints
at each stage of their handling, one delegation. Inside scope, each role is held by someone
whose unit is cmi or above it (the demo users, parties where the role makes them one); outside,
by someone at Sa Kaeo (skw), a sibling province. The expectations are written out per endpoint
below, not derived from the code under test; a route without an expectation fails the test, so
none is left out. Each expectation is exact: the world holds, for every route, a state in which
its permitted actors succeed (a complaint of its own per complaint route, a piece of evidence of
their own per withdrawer), so the other roles' refusals are what the matrix sees and the order
of the routes decides nothing.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from storage.checkpoints import sign_checkpoint
from storage.db import Database
from storage.tables import AppUser, RoleGrant
from storage.unit_of_work import unit_of_work
from storage.users import hash_password
from tests.integration.conftest import fresh_database
from tests.support.http import (
    DEMO_ID,
    RESULTS,
    Api,
    R,
    eventually,
    parties,
    running_api,
    sign_all,
    until_round_opens,
)
from tests.support.servers import S3Server
from tests.support.today import today

ROLES = ["staff", "maker", "recipient", "reviewer", "committee", "auditor", "administrator"]
INSIDE = {
    "staff": "cmi.staff",
    "maker": "cmi.head",
    "recipient": "permsec",
    "reviewer": "kpi.owner",
    "committee": "committee1",
    "auditor": "auditor",
    "administrator": "admin",
}
OUTSIDE = {
    "staff": "skw.staff",
    "maker": "skw.head",
    "recipient": "x.recipient",
    "reviewer": "x.reviewer",
    "committee": "x.committee",
    "auditor": "x.auditor",
    "administrator": "x.admin",
}
OK = frozenset({200, 201, 204})
STATE = frozenset({409, 422})
HIDDEN = frozenset({404})
REFUSED = frozenset({403})
# Who may read an agreement of cmi: its parties, and heads, reviewers and overseers above it.
READERS = {"staff", "maker", "recipient", "reviewer", "auditor", "administrator"}
TOP_OVERSEERS = {"auditor", "administrator"}  # inside only: the demo's are at the ministry


@dataclass
class World:
    api: Api
    collecting: str  # round R open, KPI results being entered
    reviewing: str  # round R submitted, in review
    published: str  # round R published; complaints filed against KPIs 2, 8 and 10
    to_sign: str  # a draft nobody has signed
    to_return: str  # a draft nobody has signed, for the recipient to send back
    to_revise: str  # a draft the recipient sent back to the maker
    endorsing: str  # round R approved, waiting for the review chain (the recipient) to endorse
    to_return_round: str  # the same, for the chain to send back
    revising: str  # round R open, a revision of its targets waiting for the recipient
    evidence_id: str
    withdrawable: dict[str, str]  # user -> evidence of `collecting` they may withdraw
    review_task: str
    complaint: str  # KPI 2, filed: for the committee's question
    questioned: str  # KPI 8, a question waiting for the complainant's answer
    to_decide: str  # KPI 10, filed: for the committee's decision
    decided: str  # KPI 2, dismissed before `complaint` was filed: acknowledgement, its PDF
    delegation: str
    receipt_seq: int
    checkpoint: int
    definition: dict[str, Any]
    own_tokens: dict[str, str] = field(default_factory=dict)


def _outsiders(db: Database, password: str) -> None:
    """The roles no demo user holds at Sa Kaeo. The committee member holds the role by a grant
    at skw, not at home, so complaints (drawn from home roles) never pick them."""
    now = datetime.now(UTC)
    people = [
        ("u-x-recipient", "x.recipient", ["recipient"]),
        ("u-x-reviewer", "x.reviewer", ["reviewer"]),
        ("u-x-committee", "x.committee", []),
        ("u-x-auditor", "x.auditor", ["auditor"]),
        ("u-x-admin", "x.admin", ["administrator"]),
    ]
    with unit_of_work(db) as session:
        for user_id, username, roles in people:
            if session.get(AppUser, user_id) is None:
                session.add(
                    AppUser(
                        id=user_id,
                        username=username,
                        display_name=username,
                        unit_id="skw",
                        roles=roles,
                        password_hash=hash_password(password),
                    )
                )
        session.flush()
        if session.get(RoleGrant, ("u-x-committee", "committee", "skw")) is None:
            session.add(
                RoleGrant(
                    user_id="u-x-committee",
                    role="committee",
                    unit_id="skw",
                    granted_by="u-admin",
                    granted_at=now,
                )
            )


async def _signed_with_round_open(api: Api, prefix: str) -> str:
    aid = f"{prefix}-{uuid.uuid4().hex[:6]}"
    body = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi")}
    await api.ok(api.post("admin", "/v1/agreements", json=body), 201)
    await sign_all(api, aid, "cmi.head")
    await until_round_opens(api, aid)
    return aid


async def _drafted(api: Api, prefix: str, **more: Any) -> str:
    aid = f"{prefix}-{uuid.uuid4().hex[:6]}"
    body = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi", **more)}
    await api.ok(api.post("admin", "/v1/agreements", json=body), 201)
    return aid


async def _awaiting_endorsement(api: Api, prefix: str) -> str:
    """Round R entered, submitted and approved; the review chain (the recipient) is next."""
    aid = await _drafted(api, prefix, review_chain=["u-permsec"])
    await sign_all(api, aid, "cmi.head")
    await until_round_opens(api, aid)
    codes = sorted(RESULTS)
    await _enter(api, aid, codes)
    await api.ok(api.post("cmi.staff", f"/v1/agreements/{aid}/rounds/{R}/submit"))
    for code in codes:
        path = f"/v1/agreements/{aid}/rounds/{R}/kpis/{code}/approve"
        state = await api.ok(api.post("kpi.owner", path, json={}))
    assert state["rounds"][str(R)]["status"] == "endorsing", state["rounds"][str(R)]
    return aid


async def _revision_proposed(api: Api, definition: dict[str, Any]) -> str:
    aid = await _signed_with_round_open(api, "mx-revising")
    changed = copy.deepcopy(definition)
    changed["kpis"][0]["name_th"] += " (ปรับ)"
    body = {"definition": changed, "reason_code": "budget_cut", "reason": "ถูกตัดงบ"}
    await api.ok(api.post("cmi.head", f"/v1/agreements/{aid}/revisions", json=body))
    return aid


async def _enter(api: Api, aid: str, codes: list[str]) -> str:
    evidence_id = ""
    for code in codes:
        kpi = f"/v1/agreements/{aid}/rounds/{R}/kpis/{code}"
        await api.ok(api.post("cmi.staff", f"{kpi}/result", json=RESULTS[code]))
        evidence_id = await _upload_evidence(api, aid, code)
    return evidence_id


async def _upload_evidence(api: Api, aid: str, code: str) -> str:
    kpi = f"/v1/agreements/{aid}/rounds/{R}/kpis/{code}"
    content = f"evidence {aid} {code} {uuid.uuid4().hex[:8]}".encode()
    files = {"file": (f"หลักฐาน {code}.txt", content, "text/plain")}
    uploaded = await api.ok(api.post("cmi.staff", f"{kpi}/evidence", files=files), 201)
    return str(uploaded["evidence_id"])


async def _complaints(api: Api, published: str) -> dict[str, str]:
    """A complaint of its own for each complaint route, in the state its actor acts on."""

    async def filed(code: str) -> str:
        filing = {"agreement_id": published, "round": R, "kpi_code": code, "reasons": "ไม่เป็นธรรม"}
        made = await api.ok(api.post("cmi.head", "/v1/complaints", json=filing), 201)
        return str(made["complaint_id"])

    decided = await filed("2")
    dismissed = await api.ok(
        api.post("committee1", f"/v1/complaints/{decided}/decision", json=DECISION)
    )
    assert dismissed["status"] == "dismissed", dismissed
    questioned = await filed("8")
    question = {"question": "ขอเอกสารเพิ่ม"}
    await api.ok(api.post("committee1", f"/v1/complaints/{questioned}/questions", json=question))
    return {
        "decided": decided,
        "complaint": await filed("2"),
        "questioned": questioned,
        "to_decide": await filed("10"),
    }


async def _build(api: Api, db: Database) -> World:
    _outsiders(db, api.password)
    codes = sorted(RESULTS)
    collecting = await _signed_with_round_open(api, "mx-collect")
    evidence_id = await _enter(api, collecting, codes[:1])
    withdrawable = {
        user: await _upload_evidence(api, collecting, codes[0])
        for user in ("cmi.staff", "cmi.head")
    }
    reviewing = await _signed_with_round_open(api, "mx-review")
    await _enter(api, reviewing, codes)
    await api.ok(api.post("cmi.staff", f"/v1/agreements/{reviewing}/rounds/{R}/submit"))
    published = await _signed_with_round_open(api, "mx-pub")
    await _enter(api, published, codes)
    await api.ok(api.post("cmi.staff", f"/v1/agreements/{published}/rounds/{R}/submit"))
    for code in codes:
        path = f"/v1/agreements/{published}/rounds/{R}/kpis/{code}/approve"
        state = await api.ok(api.post("kpi.owner", path, json={}))
    assert state["rounds"][str(R)]["status"] == "published"
    complaints = await _complaints(api, published)

    async def review_task() -> str | None:
        listed = await api.ok(
            api.get("kpi.owner", "/v1/tasks", params={"agreement_id": reviewing, "kind": "review"})
        )
        found = [t["id"] for t in listed["data"] if t["kpi_code"] == codes[-1]]
        return found[0] if found else None

    timeline = await api.ok(
        api.get("auditor", f"/v1/agreements/{published}/timeline", params={"limit": 500})
    )
    approval = next(e for e in timeline["data"] if e["body"]["action"] == "result.approved")
    soon = datetime.now(UTC).date() + timedelta(days=400)
    delegation = await api.ok(
        api.post(
            "cmi.staff",
            "/v1/delegations",
            json={
                "principal": "u-cmi-staff",
                "delegate": "u-cmi-head",
                "kind": "acting_for",
                "order_ref": "คำสั่งสำนักงานฯ ที่ ๑/๒๕๖๙",
                "order_date": soon.isoformat(),
                "valid_from": soon.isoformat(),
                "valid_to": (soon + timedelta(days=30)).isoformat(),
            },
        ),
        201,
    )
    definition = await api.ok(api.get("admin", f"/v1/definitions/{DEMO_ID}"))
    to_revise = await _drafted(api, "mx-revise")
    sent_back = {"comments": "ขอปรับค่าเป้าหมาย"}
    await api.ok(api.post("permsec", f"/v1/agreements/{to_revise}/return-draft", json=sent_back))
    assert api.services is not None and api.services.audit_signer is not None
    with unit_of_work(db) as session:
        signed = sign_checkpoint(session, api.services.audit_signer, datetime.now(UTC))
    assert signed is not None
    return World(
        api=api,
        collecting=collecting,
        reviewing=reviewing,
        published=published,
        evidence_id=evidence_id,
        withdrawable=withdrawable,
        review_task=await eventually(review_task),
        complaint=complaints["complaint"],
        questioned=complaints["questioned"],
        to_decide=complaints["to_decide"],
        decided=complaints["decided"],
        delegation=delegation["id"],
        receipt_seq=approval["index"] + 1,
        checkpoint=signed.tree_size,
        definition=definition,
        to_sign=await _drafted(api, "mx-sign"),
        to_return=await _drafted(api, "mx-return"),
        to_revise=to_revise,
        endorsing=await _awaiting_endorsement(api, "mx-endorse"),
        to_return_round=await _awaiting_endorsement(api, "mx-rreturn"),
        revising=await _revision_proposed(api, definition),
    )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matrix_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    with fresh_database(request.param, tmp_path_factory.mktemp("matrix")) as db:
        yield db


@pytest.fixture(scope="module")
async def world(
    matrix_db: Database,
    s3_server: S3Server,
    temporal_dev: WorkflowEnvironment,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    var = tmp_path_factory.mktemp("matrix-var")
    async with running_api(matrix_db, s3_server, temporal_dev, var, max_bytes=1 << 20) as api:
        yield await _build(api, matrix_db)


Expect = Callable[[str, bool], frozenset[int]]
Call = Callable[[World, str], Awaitable[httpx.Response]]


def everyone(statuses: frozenset[int]) -> Expect:
    return lambda role, inside: statuses


def agreement_read() -> Expect:
    return lambda role, inside: OK if inside and role in READERS else HIDDEN


def agreement_write(actors: set[str], allowed: frozenset[int] = OK) -> Expect:
    """Hidden out of scope; the actors get `allowed`; other readers are refused."""

    def expect(role: str, inside: bool) -> frozenset[int]:
        if not inside or role not in READERS:
            return HIDDEN
        return allowed if role in actors else REFUSED

    return expect


def top_overseers(role: str, inside: bool) -> frozenset[int]:
    return OK if inside and role in TOP_OVERSEERS else REFUSED


def complaint_read(role: str, inside: bool) -> frozenset[int]:
    """The complainant, the committee (both demo committee members), overseers of cmi."""
    return OK if inside and role in {"maker", "committee", *TOP_OVERSEERS} else HIDDEN


def complaint_write(actor: str, allowed: frozenset[int] = OK) -> Expect:
    def expect(role: str, inside: bool) -> frozenset[int]:
        seen = complaint_read(role, inside)
        if seen == HIDDEN:
            return HIDDEN
        return allowed if role == actor else REFUSED

    return expect


def delegation_read(role: str, inside: bool) -> frozenset[int]:
    """The principal (cmi.staff), the delegate (cmi.head), and overseers above them."""
    return OK if inside and role in {"staff", "maker", *TOP_OVERSEERS} else HIDDEN


def delegation_revoke(role: str, inside: bool) -> frozenset[int]:
    if delegation_read(role, inside) == HIDDEN:
        return HIDDEN
    return OK if role in {"staff", "administrator"} else REFUSED


def kpi(world: World, aid: str, code: str) -> str:
    return f"/v1/agreements/{aid}/rounds/{R}/kpis/{code}"


def post(path: Callable[[World], str], body: Any = None, **kwargs: Any) -> Call:
    def call(world: World, user: str) -> Awaitable[httpx.Response]:
        extra = dict(kwargs)
        if body is not None:
            extra["json"] = body(world) if callable(body) else body
        return world.api.post(user, path(world), **extra)

    return call


def get(path: Callable[[World], str], **params: Any) -> Call:
    def call(world: World, user: str) -> Awaitable[httpx.Response]:
        return world.api.get(user, path(world), params=params)

    return call


async def _revoke_own_token(world: World, user: str) -> httpx.Response:
    made = await world.api.post(user, "/v1/me/api-tokens", json={"name": f"probe {user}"})
    assert made.status_code == 201, made.text
    return await world.api.post(user, f"/v1/me/api-tokens/{made.json()['id']}/revoke")


def _new_agreement(world: World) -> dict[str, Any]:
    aid = f"mx-new-{uuid.uuid4().hex[:8]}"
    return {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi")}


def _upload(world: World, user: str) -> Awaitable[httpx.Response]:
    files = {"file": ("ผล.txt", f"more {uuid.uuid4()}".encode(), "text/plain")}
    return world.api.post(user, f"{kpi(world, world.collecting, '2')}/evidence", files=files)


def _withdraw(world: World, user: str) -> Awaitable[httpx.Response]:
    """Each permitted withdrawer withdraws evidence of their own; the others try the staff's."""
    evidence_id = world.withdrawable.get(user, world.withdrawable["cmi.staff"])
    path = f"{kpi(world, world.collecting, sorted(RESULTS)[0])}/evidence/{evidence_id}/withdraw"
    return world.api.post(user, path, json={"reason": "ผิดไฟล์"})


def _revision(world: World) -> dict[str, Any]:
    definition = copy.deepcopy(world.definition)
    definition["kpis"][0]["name_th"] += f" (ปรับ {uuid.uuid4().hex[:4]})"
    return {"definition": definition, "reason_code": "budget_cut", "reason": "ถูกตัดงบ"}


def _delegation(world: World) -> dict[str, Any]:
    later = datetime.now(UTC).date() + timedelta(days=500)
    return {
        "principal": "u-cmi-staff",
        "delegate": "u-permsec",
        "kind": "acting_in_place",
        "order_ref": "คำสั่ง ที่ ๒/๒๕๖๙",
        "order_date": later.isoformat(),
        "valid_from": later.isoformat(),
        "valid_to": later.isoformat(),
    }


def _may_delegate_for_staff(role: str, inside: bool) -> frozenset[int]:
    return OK if inside and role in {"staff", "administrator"} else REFUSED


def _grant(role: str, inside: bool) -> frozenset[int]:
    return OK if inside and role == "administrator" else REFUSED


def _cascade(role: str, inside: bool) -> frozenset[int]:
    # The admin of the ministry passes the scope check and meets the missing template.
    return HIDDEN if inside and role == "administrator" else REFUSED


def _create(role: str, inside: bool) -> frozenset[int]:
    return OK if inside and role in {"maker", "recipient", "administrator"} else REFUSED


def _evidence_search(role: str, inside: bool) -> frozenset[int]:
    return OK if inside and role in TOP_OVERSEERS else frozenset({422})


def _claim(role: str, inside: bool) -> frozenset[int]:
    return OK if inside and role == "reviewer" else HIDDEN


def _release(role: str, inside: bool) -> frozenset[int]:
    return frozenset({200, 409}) if inside and role == "reviewer" else HIDDEN


A_COLLECT: Callable[[World], str] = lambda w: f"/v1/agreements/{w.collecting}"  # noqa: E731
A_REVIEW: Callable[[World], str] = lambda w: f"/v1/agreements/{w.reviewing}"  # noqa: E731
A_PUB: Callable[[World], str] = lambda w: f"/v1/agreements/{w.published}"  # noqa: E731
COMPLAINT: Callable[[World], str] = lambda w: f"/v1/complaints/{w.complaint}"  # noqa: E731
DECISION = {"outcome": "dismiss", "reasons": "ไม่พบความไม่เป็นธรรม"}

# (method, route path) -> (how to call it, what each role gets)
SPEC: dict[tuple[str, str], tuple[Call, Expect]] = {
    ("GET", "/healthz"): (get(lambda w: "/healthz"), everyone(OK)),
    ("POST", "/v1/auth/token"): (
        lambda w, u: w.api.http.post("/v1/auth/token", data={"username": u, "password": "wrong"}),
        everyone(frozenset({401})),
    ),
    ("POST", "/v1/auth/refresh"): (
        post(lambda w: "/v1/auth/refresh", {"refresh_token": "forged"}),
        everyone(frozenset({401})),
    ),
    ("POST", "/v1/auth/logout"): (
        post(lambda w: "/v1/auth/logout", {"refresh_token": "forged"}),
        everyone(frozenset({204})),
    ),
    ("GET", "/v1/me"): (get(lambda w: "/v1/me"), everyone(OK)),
    ("GET", "/v1/me/api-tokens"): (get(lambda w: "/v1/me/api-tokens"), everyone(OK)),
    ("POST", "/v1/me/api-tokens"): (
        post(lambda w: "/v1/me/api-tokens", {"name": "a scanner"}),
        everyone(OK),
    ),
    ("POST", "/v1/me/api-tokens/{token_id}/revoke"): (_revoke_own_token, everyone(OK)),
    ("GET", "/v1/units"): (get(lambda w: "/v1/units"), everyone(OK)),
    ("GET", "/v1/users"): (get(lambda w: "/v1/users"), everyone(OK)),
    ("POST", "/v1/users/{user_id}/grants"): (
        post(lambda w: "/v1/users/u-cmi-staff/grants", {"role": "staff", "unit": "cmi-policy"}),
        _grant,
    ),
    ("POST", "/v1/delegations"): (
        post(lambda w: "/v1/delegations", _delegation),
        _may_delegate_for_staff,
    ),
    ("GET", "/v1/delegations"): (get(lambda w: "/v1/delegations"), everyone(OK)),
    ("GET", "/v1/delegations/{delegation_id}"): (
        get(lambda w: f"/v1/delegations/{w.delegation}"),
        delegation_read,
    ),
    ("POST", "/v1/delegations/{delegation_id}/revoke"): (
        post(lambda w: f"/v1/delegations/{w.delegation}/revoke", {}),
        delegation_revoke,
    ),
    ("GET", "/v1/tasks"): (get(lambda w: "/v1/tasks"), everyone(OK)),
    ("GET", "/v1/tasks/{task_id}"): (get(lambda w: f"/v1/tasks/{quote(w.review_task)}"), _claim),
    ("POST", "/v1/tasks/{task_id}/claim"): (
        post(lambda w: f"/v1/tasks/{quote(w.review_task)}/claim"),
        _claim,
    ),
    ("POST", "/v1/tasks/{task_id}/release"): (
        post(lambda w: f"/v1/tasks/{quote(w.review_task)}/release"),
        _release,
    ),
    ("GET", "/v1/notifications"): (get(lambda w: "/v1/notifications"), everyone(OK)),
    ("GET", "/v1/definitions"): (get(lambda w: "/v1/definitions"), everyone(OK)),
    ("GET", "/v1/definitions/{definition_id}"): (
        get(lambda w: f"/v1/definitions/{DEMO_ID}"),
        everyone(OK),
    ),
    ("POST", "/v1/scoring/preview"): (
        post(
            lambda w: "/v1/scoring/preview",
            lambda w: {"definition": w.definition, "results": {"rounds": {}}},
        ),
        everyone(OK),
    ),
    ("POST", "/v1/agreements"): (post(lambda w: "/v1/agreements", _new_agreement), _create),
    ("GET", "/v1/agreements"): (get(lambda w: "/v1/agreements"), everyone(OK)),
    ("GET", "/v1/agreements/{agreement_id}"): (get(A_COLLECT), agreement_read()),
    ("GET", "/v1/agreements/{agreement_id}/rounds/{round_number}/score"): (
        get(lambda w: f"{A_PUB(w)}/rounds/{R}/score"),
        agreement_read(),
    ),
    ("POST", "/v1/agreements/{agreement_id}/sign"): (
        post(lambda w: f"/v1/agreements/{w.to_sign}/sign", {"party": "maker"}),
        agreement_write({"maker"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/result"): (
        post(lambda w: f"{kpi(w, w.collecting, '2')}/result", RESULTS["2"]),
        agreement_write({"staff", "maker"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/approve"): (
        post(lambda w: f"{kpi(w, w.reviewing, sorted(RESULTS)[0])}/approve", {}),
        agreement_write({"reviewer"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/return"): (
        post(lambda w: f"{kpi(w, w.reviewing, '2')}/return", {"reason": "ขาดหลักฐาน"}),
        agreement_write({"reviewer"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/return-draft"): (
        post(lambda w: f"/v1/agreements/{w.to_return}/return-draft", {"comments": "แก้"}),
        agreement_write({"recipient"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/revise"): (
        post(
            lambda w: f"/v1/agreements/{w.to_revise}/revise",
            lambda w: {"definition": _revision(w)["definition"]},
        ),
        agreement_write({"maker"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/rounds/{round_number}/submit"): (
        post(lambda w: f"{A_COLLECT(w)}/rounds/{R}/submit"),
        agreement_write({"staff", "maker"}, STATE),
    ),
    ("POST", "/v1/agreements/{agreement_id}/rounds/{round_number}/endorse"): (
        post(lambda w: f"/v1/agreements/{w.endorsing}/rounds/{R}/endorse", {}),
        agreement_write({"recipient"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/rounds/{round_number}/return"): (
        post(
            lambda w: f"/v1/agreements/{w.to_return_round}/rounds/{R}/return",
            {"kpi_codes": ["2"], "reason": "ทบทวน"},
        ),
        agreement_write({"recipient"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/rounds/{round_number}/acknowledge"): (
        post(lambda w: f"{A_PUB(w)}/rounds/{R}/acknowledge"),
        agreement_write({"maker"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/rounds/{round_number}/exception"): (
        post(
            lambda w: f"{A_COLLECT(w)}/rounds/{R}/exception",
            {
                # decided on the workflow's clock, which runs on the tests' day
                "until": (today() + timedelta(days=30)).isoformat(),
                "reason": "ระบบล่ม",
            },
        ),
        agreement_write({"recipient"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/revisions"): (
        post(lambda w: f"{A_COLLECT(w)}/revisions", _revision),
        agreement_write({"maker"}),
    ),
    ("POST", "/v1/agreements/{agreement_id}/revisions/decision"): (
        post(
            lambda w: f"/v1/agreements/{w.revising}/revisions/decision",
            {"approve": False, "note": "ไม่"},
        ),
        agreement_write({"recipient"}),
    ),
    # An administrator of the unit meets the state: the agreement has this release's calendar.
    ("POST", "/v1/agreements/{agreement_id}/calendar"): (
        post(lambda w: f"{A_COLLECT(w)}/calendar"),
        agreement_write({"administrator"}, STATE),
    ),
    # An administrator of the unit meets the rules: nobody takes over a part they hold.
    ("POST", "/v1/agreements/{agreement_id}/reassign"): (
        post(
            lambda w: f"{A_COLLECT(w)}/reassign",
            {
                "role": "reviewer",
                "from_user": "u-owner",
                "to_user": "u-owner",
                "order_ref": "คำสั่ง สป.พม. ที่ ๑/๒๕๖๙",
                "reason": "ทดสอบสิทธิ์",
            },
        ),
        agreement_write({"administrator"}, STATE),
    ),
    ("GET", "/v1/agreements/{agreement_id}/progress"): (
        get(lambda w: f"{A_COLLECT(w)}/progress"),
        agreement_read(),
    ),
    ("GET", "/v1/agreements/{agreement_id}/children"): (
        get(lambda w: f"{A_COLLECT(w)}/children"),
        agreement_read(),
    ),
    ("POST", "/v1/cascades"): (
        post(
            lambda w: "/v1/cascades",
            {
                "template_id": "no-such-template",
                "level": "province",
                "units": [
                    {
                        "agreement_id": f"mx-cascade-{uuid.uuid4().hex[:6]}",
                        "title": "คำรับรองเชียงใหม่",
                        "parties": parties("cmi"),
                        "assignment": {"unit": "cmi", "definition_id": "mx-cmi"},
                    }
                ],
            },
        ),
        _cascade,
    ),
    ("POST", "/v1/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/evidence"): (
        _upload,
        agreement_write({"staff", "maker"}),
    ),
    (
        "POST",
        "/v1/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/evidence/{evidence_id}/withdraw",
    ): (
        _withdraw,
        agreement_write({"staff", "maker"}),
    ),
    ("GET", "/v1/evidence"): (
        lambda w, u: w.api.get(u, "/v1/evidence", params={"agreement_id": w.collecting}),
        agreement_read(),
    ),
    ("GET", "/v1/evidence/{evidence_id}"): (
        get(lambda w: f"/v1/evidence/{w.evidence_id}"),
        agreement_read(),
    ),
    ("GET", "/v1/evidence/{evidence_id}/content"): (
        get(lambda w: f"/v1/evidence/{w.evidence_id}/content"),
        agreement_read(),
    ),
    ("GET", "/v1/evidence/{evidence_id}/url"): (
        get(lambda w: f"/v1/evidence/{w.evidence_id}/url"),
        agreement_read(),
    ),
    ("GET", "/v1/audit/entries"): (get(lambda w: "/v1/audit/entries"), top_overseers),
    ("GET", "/v1/audit/entries/{seq}"): (get(lambda w: "/v1/audit/entries/1"), top_overseers),
    ("GET", "/v1/agreements/{agreement_id}/documents/agreement.pdf"): (
        get(lambda w: f"{A_PUB(w)}/documents/agreement.pdf"),
        agreement_read(),
    ),
    ("GET", "/v1/agreements/{agreement_id}/documents/rounds/{round_number}/report.pdf"): (
        get(lambda w: f"{A_PUB(w)}/documents/rounds/{R}/report.pdf"),
        agreement_read(),
    ),
    ("GET", "/v1/agreements/{agreement_id}/timeline"): (
        get(lambda w: f"{A_PUB(w)}/timeline"),
        agreement_read(),
    ),
    ("GET", "/v1/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/as-of"): (
        get(lambda w: f"{kpi(w, w.published, '2')}/as-of"),
        agreement_read(),
    ),
    ("GET", "/v1/audit/proofs/inclusion"): (
        get(lambda w: "/v1/audit/proofs/inclusion", index=0, tree_size=1),
        top_overseers,
    ),
    ("GET", "/v1/audit/proofs/consistency"): (
        get(lambda w: "/v1/audit/proofs/consistency", first=1, second=2),
        top_overseers,
    ),
    ("GET", "/v1/audit/checkpoints/latest"): (
        get(lambda w: "/v1/audit/checkpoints/latest"),
        everyone(OK),  # signed commitments are public to every signed-in user
    ),
    ("GET", "/v1/audit/checkpoints/{size}"): (
        get(lambda w: f"/v1/audit/checkpoints/{w.checkpoint}"),
        everyone(OK),
    ),
    ("GET", "/v1/audit/public-key"): (get(lambda w: "/v1/audit/public-key"), everyone(OK)),
    ("GET", "/v1/audit/receipts/{seq}"): (
        get(lambda w: f"/v1/audit/receipts/{w.receipt_seq}"),
        agreement_read(),
    ),
    ("GET", "/v1/audit/receipts/{seq}/print"): (
        get(lambda w: f"/v1/audit/receipts/{w.receipt_seq}/print"),
        agreement_read(),
    ),
    ("GET", "/v1/audit/receipts/{seq}/receipt.pdf"): (
        get(lambda w: f"/v1/audit/receipts/{w.receipt_seq}/receipt.pdf"),
        agreement_read(),
    ),
    ("POST", "/v1/complaints"): (
        post(
            lambda w: "/v1/complaints",
            lambda w: {
                "agreement_id": w.published,
                "round": R,
                "kpi_code": "5",
                "reasons": "ไม่เป็นธรรม",
            },
        ),
        agreement_write({"maker"}),
    ),
    ("GET", "/v1/complaints"): (get(lambda w: "/v1/complaints"), everyone(OK)),
    ("GET", "/v1/complaints/figures"): (get(lambda w: "/v1/complaints/figures"), top_overseers),
    ("GET", "/v1/complaints/{complaint_id}"): (get(COMPLAINT), complaint_read),
    ("GET", "/v1/complaints/{complaint_id}/decision.pdf"): (
        get(lambda w: f"/v1/complaints/{w.decided}/decision.pdf"),
        complaint_read,  # decided, so printed for its readers whether acknowledged or not
    ),
    ("POST", "/v1/complaints/{complaint_id}/questions"): (
        post(lambda w: f"{COMPLAINT(w)}/questions", {"question": "ขอเอกสารเพิ่ม"}),
        complaint_write("committee"),
    ),
    ("POST", "/v1/complaints/{complaint_id}/answers"): (
        post(lambda w: f"/v1/complaints/{w.questioned}/answers", {"answer": "แนบแล้ว"}),
        complaint_write("maker"),
    ),
    ("POST", "/v1/complaints/{complaint_id}/decision"): (
        post(lambda w: f"/v1/complaints/{w.to_decide}/decision", DECISION),
        complaint_write("committee"),
    ),
    ("POST", "/v1/complaints/{complaint_id}/acknowledge"): (
        post(lambda w: f"/v1/complaints/{w.decided}/acknowledge"),
        complaint_write("maker"),
    ),
}

# Overseers at the top may decide nothing in a complaint: seeing it is not taking part.
for _route in (
    ("POST", "/v1/complaints/{complaint_id}/questions"),
    ("POST", "/v1/complaints/{complaint_id}/answers"),
    ("POST", "/v1/complaints/{complaint_id}/decision"),
    ("POST", "/v1/complaints/{complaint_id}/acknowledge"),
):
    assert _route in SPEC


def routes() -> list[tuple[str, str]]:
    """Every operation the OpenAPI document publishes."""
    from api.services import Services

    document = create_app(Services.__new__(Services)).openapi()
    return sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    )


def test_every_endpoint_has_an_expectation() -> None:
    missing = [r for r in routes() if r not in SPEC]
    stale = [r for r in SPEC if r not in routes()]
    assert (missing, stale) == ([], [])


async def test_every_endpoint_for_every_role_inside_and_outside_scope(world: World) -> None:
    failures: list[str] = []
    for (method, path), (call, expect) in SPEC.items():
        # Those who may act go last, so that what they change does not decide the others' cells.
        for role in sorted(ROLES, key=lambda r: bool(expect(r, True) & OK)):
            for inside in (False, True):
                user = (INSIDE if inside else OUTSIDE)[role]
                response = await call(world, user)
                allowed = expect(role, inside)
                if response.status_code not in allowed:
                    where = "inside" if inside else "outside"
                    failures.append(
                        f"{method} {path} as {role} {where} ({user}): {response.status_code} "
                        f"not in {sorted(allowed)}: {response.text[:160]}"
                    )
    assert not failures, "\n".join(failures)


async def test_without_a_token_only_the_public_endpoints_answer(world: World) -> None:
    public = {
        ("GET", "/healthz"),
        ("GET", "/v1/audit/public-key"),
        ("POST", "/v1/auth/token"),
        ("POST", "/v1/auth/refresh"),
        ("POST", "/v1/auth/logout"),
    }
    for method, path in routes():
        if (method, path) in public:
            continue
        concrete = path.replace("{", "").replace("}", "")
        response = await world.api.http.request(method, concrete)
        assert response.status_code == 401, (method, path, response.status_code)
