"""People change jobs mid-round (decision 0039): the recipient of a running agreement is
reassigned by an administrator under an order. Their open task leaves their inbox for the new
recipient's, who completes it; the signature the old recipient gave stays theirs; the change is
in the audit log with its order reference. A submitter reassigned loses the agreement, which
they saw only as its submitter. Over HTTP on the real app, a real worker, SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from application import administration
from application.reassignment import party_changes
from domain.access import ADMINISTRATOR, Grant, Principal
from storage.db import Database
from storage.users import org_tree
from tests.support.http import (
    DEMO_ID,
    Api,
    eventually,
    parties,
    problem,
    running_api,
    sign_all,
    state_of,
    until_round_opens,
)
from tests.support.servers import S3Server

ADMIN = Principal(user_id="u-admin", unit="msdhs", grants=(Grant(ADMINISTRATOR, "msdhs"),))
ORDER = "คำสั่ง สป.พม. ที่ ๒๑๔/๒๕๖๙"


@pytest.fixture
async def api(
    own_database: Database, s3_server: S3Server, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[Api]:
    async with running_api(own_database, s3_server, temporal_dev, tmp_path, max_bytes=1024) as api:
        yield api


def new_permanent_secretary(db: Database, password: str) -> str:
    """The incoming permanent secretary, created as an administrator does it; their first
    password is changed before they use the API (which refuses a reset one)."""
    user = administration.create_user(
        db=db,
        actor=ADMIN,
        user_id="u-permsec-new",
        username="permsec.new",
        display_name="นายปลัดใหม่ ย้ายมา",
        position="ปลัดกระทรวง",
        unit_id="ops",
        password="temporary-password-1",
    )
    assert user.must_change_password
    me = Principal(user_id=user.id, unit="ops", grants=())
    administration.change_password(
        db=db, actor=me, current="temporary-password-1", new=password, repeated=password
    )
    return user.id


async def tasks_of(api: Api, username: str, agreement_id: str) -> list[tuple[str, str]]:
    listing = await api.ok(api.get(username, "/v1/tasks", params={"agreement_id": agreement_id}))
    return [(t["kind"], t["assignee_user"]) for t in listing["data"]]


async def test_the_recipient_reassigned_mid_round_hands_over_the_open_task(
    api: Api, own_database: Database
) -> None:
    newcomer = new_permanent_secretary(own_database, api.password)
    aid = f"move-{uuid.uuid4().hex[:6]}"
    base = f"/v1/agreements/{aid}"
    create = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi")}
    await api.ok(api.post("admin", "/v1/agreements", json=create), 201)
    await sign_all(api, aid, "cmi.head")
    await until_round_opens(api, aid)

    # Mid-round the maker proposes a target revision: the recipient's task to decide it.
    definition = await api.ok(api.get("admin", f"/v1/definitions/{DEMO_ID}"))
    definition["kpis"][0]["name_th"] += " (ปรับกลางปี)"
    proposal = {"definition": definition, "reason_code": "budget_cut", "reason": "ถูกตัดงบ"}
    await api.ok(api.post("cmi.head", f"{base}/revisions", json=proposal))

    async def decide_task_with(username: str) -> list[tuple[str, str]] | None:
        found = [t for t in await tasks_of(api, username, aid) if t[0] == "decide_revision"]
        return found or None

    assert await eventually(lambda: decide_task_with("permsec")) == [
        ("decide_revision", "u-permsec")
    ]
    assert await decide_task_with("permsec.new") is None

    move: dict[str, Any] = {
        "role": "recipient",
        "from_user": "u-permsec",
        "to_user": newcomer,
        "order_ref": ORDER,
        "reason": "ย้ายไปดำรงตำแหน่งอื่น",
    }
    # Only an administrator of the agreement's unit; bad input named by field and rule.
    problem(await api.post("cmi.head", f"{base}/reassign", json=move), 403, "NotAuthorized")
    unknown = problem(
        await api.post("admin", f"{base}/reassign", json={**move, "to_user": "u-nobody"}),
        422,
        "ValidationFailed",
    )
    assert [(e["field"], e["rule"]) for e in unknown["errors"]] == [("to_user", "active_user")]
    not_holder = problem(
        await api.post("admin", f"{base}/reassign", json={**move, "from_user": "u-owner"}),
        422,
        "ValidationFailed",
    )
    assert [(e["field"], e["rule"]) for e in not_holder["errors"]] == [("from_user", "holds_role")]
    empty_order = await api.post("admin", f"{base}/reassign", json={**move, "order_ref": ""})
    assert empty_order.status_code == 422

    moved = await api.ok(api.post("admin", f"{base}/reassign", json=move))
    assert moved["parties"]["recipient"] == newcomer
    # The signature the old recipient gave stays valid and names them.
    assert ("recipient", "u-permsec") in {(s["party"], s["signer"]) for s in moved["signatures"]}
    assert moved["status"] == "active"

    # The open task left the old recipient's inbox for the new one's.
    assert await eventually(lambda: decide_task_with("permsec.new")) == [
        ("decide_revision", newcomer)
    ]
    assert await decide_task_with("permsec") is None
    problem(
        await api.post("permsec", f"{base}/revisions/decision", json={"approve": True}),
        403,
        "NotAuthorized",
    )
    decided = await api.ok(
        api.post("permsec.new", f"{base}/revisions/decision", json={"approve": True})
    )
    assert decided["pending_revision"] is None

    # Reassigning the same part again from the old holder is refused: they hold it no more.
    again = problem(await api.post("admin", f"{base}/reassign", json=move), 422, "ValidationFailed")
    assert again["errors"][0]["field"] == "from_user"

    # A submitter moved away loses the agreement they saw only as its submitter.
    assert await state_of(api, "cmi.staff", aid) is not None
    submitter = {**move, "role": "submitter", "from_user": "u-cmi-staff", "to_user": "u-skw-staff"}
    await api.ok(api.post("admin", f"{base}/reassign", json=submitter))
    assert await state_of(api, "cmi.staff", aid) is None
    assert await state_of(api, "skw.staff", aid) is not None

    # The audit log holds both changes with their order reference and reason.
    with own_database.reader() as session:
        tree = org_tree(session)
    changes = party_changes(db=own_database, reader=ADMIN, tree=tree, agreement_id=aid)
    assert [(c.role, c.from_user, c.to_user, c.order_ref) for c in changes] == [
        ("recipient", "u-permsec", newcomer, ORDER),
        ("submitter", "u-cmi-staff", "u-skw-staff", ORDER),
    ]
    assert changes[0].tasks_moved == (f"{aid}/revision/2",)
    assert changes[0].by == "u-admin" and changes[0].reason == "ย้ายไปดำรงตำแหน่งอื่น"
