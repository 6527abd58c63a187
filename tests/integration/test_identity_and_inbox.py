"""Identity, delegations, idempotency and the inbox over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from rabrong.first_run import ensure_first_administrator
from storage.db import Database
from storage.idempotency import begin, release
from storage.tables import AppUser, AuditEntry, EvidenceRow
from storage.users import check_password
from tests.support.http import (
    DEMO_ID,
    RESULTS,
    Api,
    R,
    eventually,
    parties,
    problem,
    running_api,
    sign_all,
    until_round_opens,
)
from tests.support.servers import S3Server


@pytest.fixture
async def api(
    own_database: Database, s3_server: S3Server, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[Api]:
    async with running_api(
        own_database, s3_server, temporal_dev, tmp_path, max_bytes=1 << 20
    ) as api:
        yield api


def _entries(db: Database, agreement_id: str, action: str) -> list[AuditEntry]:
    with db.reader() as session:
        rows = session.exec(
            select(AuditEntry).where(
                AuditEntry.subject_id == agreement_id, AuditEntry.action == action
            )
        )
        return list(rows)


async def _open_agreement(api: Api, **more: Any) -> str:
    aid = f"idn-{uuid.uuid4().hex[:6]}"
    body = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi", **more)}
    await api.ok(api.post("admin", "/v1/agreements", json=body), 201)
    await sign_all(api, aid, "cmi.head")
    await until_round_opens(api, aid)
    return aid


async def test_a_retried_post_with_the_same_key_acts_once(api: Api) -> None:
    assert api.services is not None
    db = api.services.db
    aid = await _open_agreement(api)
    kpi = f"/v1/agreements/{aid}/rounds/{R}/kpis/2"
    first = await api.post("cmi.staff", f"{kpi}/result", "result-1", json=RESULTS["2"])
    again = await api.post("cmi.staff", f"{kpi}/result", "result-1", json=RESULTS["2"])
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert len(_entries(db, aid, "result.entered")) == 1

    # The same key on a different request is refused and changes nothing.
    other = await api.post("cmi.staff", f"{kpi}/result", "result-1", json=RESULTS["5"])
    assert [e["field"] for e in problem(other, 422, "idempotency_key_reused")["errors"]] == [
        "Idempotency-Key"
    ]
    assert len(_entries(db, aid, "result.entered")) == 1

    # Keys belong to who sends them: the maker's "result-1" is a request of its own.
    mine = await api.post("cmi.head", f"{kpi}/result", "result-1", json=RESULTS["2"])
    assert mine.status_code == 200 and "Idempotent-Replayed" not in mine.headers
    assert len(_entries(db, aid, "result.entered")) == 2

    # Uploads too, though their multipart boundaries differ between sendings.
    files = {"file": ("หลักฐาน.txt", b"evidence once", "text/plain")}
    uploads = [await api.post("cmi.staff", f"{kpi}/evidence", "up-1", files=files) for _ in "ab"]
    assert [u.status_code for u in uploads] == [201, 201]
    assert uploads[1].json()["evidence_id"] == uploads[0].json()["evidence_id"]
    with db.reader() as session:
        rows = session.exec(select(EvidenceRow).where(EvidenceRow.agreement_id == aid))
        assert len(list(rows)) == 1
    assert len(_entries(db, aid, "evidence.attached")) == 1

    # A retry while the first is still running is 409, and acts once it has finished: the
    # first is held running by taking its key as the middleware does when a request starts.
    result_5 = f"/v1/agreements/{aid}/rounds/{R}/kpis/5/result"
    begin(db, "u-cmi-staff", "r5", method="POST", path=result_5, now=datetime.now(UTC))
    busy = await api.post("cmi.staff", result_5, "r5", json=RESULTS["5"])
    assert problem(busy, 409, "request_in_progress")["errors"][0]["field"] == "Idempotency-Key"
    assert busy.headers["Retry-After"] == "1"
    assert len(_entries(db, aid, "result.entered")) == 2
    release(db, "u-cmi-staff", "r5")

    # Sent twice at once: one acts; the other is told to retry (409) or, if it came after the
    # first had finished, gets the first's answer replayed. Never a second act.
    both = await asyncio.gather(
        *(api.post("cmi.staff", result_5, "r5", json=RESULTS["5"]) for _ in "ab")
    )
    acted = [r for r in both if r.status_code == 200 and "Idempotent-Replayed" not in r.headers]
    assert len(acted) == 1, [r.text for r in both]
    for other in (r for r in both if r is not acted[0]):
        if other.status_code == 409:
            problem(other, 409, "request_in_progress")
        else:
            assert other.status_code == 200 and other.headers["Idempotent-Replayed"] == "true"
            assert other.json() == acted[0].json()
    assert len(_entries(db, aid, "result.entered")) == 3


async def test_refresh_tokens_rotate_and_a_reused_one_ends_the_session(api: Api) -> None:
    login = await api.http.post(
        "/v1/auth/token", data={"username": "cmi.staff", "password": api.password}
    )
    tokens = login.json()
    assert login.headers["Cache-Control"] == "no-store"
    assert tokens["expires_in"] <= 15 * 60 and tokens["refresh_token"]
    rotated = (
        await api.http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).json()
    me = await api.http.get(
        "/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert me.json()["username"] == "cmi.staff"
    assert me.json()["grants"] == [{"role": "staff", "unit": "cmi-policy"}]
    replayed = await api.http.post(
        "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    problem(replayed, 401, "bad_refresh_token")
    # The reuse revoked the whole family, the thief's successor with it.
    stolen = await api.http.post(
        "/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    problem(stolen, 401, "bad_refresh_token")

    forged = tokens["access_token"][:-4] + "AAAA"
    problem(
        await api.http.get("/v1/me", headers={"Authorization": f"Bearer {forged}"}),
        401,
        "unauthenticated",
    )
    assert api.services is not None
    with api.services.db.reader() as session:
        user = session.exec(select(AppUser).where(AppUser.username == "cmi.staff")).one()
    assert user.password_hash.startswith("$argon2id$") and check_password(
        api.password, user.password_hash
    )


async def test_machine_tokens_work_until_revoked(api: Api) -> None:
    made = await api.ok(api.post("auditor", "/v1/me/api-tokens", json={"name": "ระบบรายงาน"}), 201)
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert (await api.http.get("/v1/audit/entries", headers=bearer)).status_code == 200
    listed = await api.ok(api.get("auditor", "/v1/me/api-tokens"))
    assert [t["name"] for t in listed["data"]] == ["ระบบรายงาน"] and "token" not in listed["data"][
        0
    ]
    await api.ok(api.post("auditor", f"/v1/me/api-tokens/{made['id']}/revoke"))
    problem(await api.http.get("/v1/audit/entries", headers=bearer), 401, "unauthenticated")


async def test_a_delegate_signs_for_the_recipient_citing_the_order(api: Api) -> None:
    assert api.services is not None
    aid = f"dlg-{uuid.uuid4().hex[:6]}"
    body = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi")}
    await api.ok(api.post("admin", "/v1/agreements", json=body), 201)
    await api.ok(api.post("cmi.head", f"/v1/agreements/{aid}/sign", json={"party": "maker"}))
    sign = {"party": "recipient"}
    refused = await api.post("kpi.owner", f"/v1/agreements/{aid}/sign", json=sign)
    problem(refused, 403, "NotAuthorized")

    today = datetime.now(UTC).date()
    order = {
        "principal": "u-permsec",
        "delegate": "u-owner",
        "kind": "acting_in_place",
        "order_ref": "คำสั่งกระทรวง ที่ ๑๒๓/๒๕๖๙",
        "order_date": (today - timedelta(days=1)).isoformat(),
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=10)).isoformat(),
    }
    problem(await api.post("kpi.owner", "/v1/delegations", json=order), 403, "NotAuthorized")
    bad = await api.post("permsec", "/v1/delegations", json={**order, "valid_to": "2000-01-01"})
    assert "valid_to" in [e["field"] for e in problem(bad, 422, "ValidationFailed")["errors"]]
    delegation = await api.ok(api.post("permsec", "/v1/delegations", json=order), 201)
    assert delegation["in_force"] and delegation["kind_th"] == "รักษาราชการแทน"

    # The delegate's inbox holds the principal's task, and the delegate may act on it.
    inbox = await api.ok(api.get("kpi.owner", "/v1/tasks", params={"agreement_id": aid}))
    assert [(t["kind"], t["assignee_user"]) for t in inbox["data"]] == [("sign", "u-permsec")]
    signed = await api.ok(api.post("kpi.owner", f"/v1/agreements/{aid}/sign", json=sign))
    assert signed["signatures"][-1]["on_behalf_of"] == "u-permsec"
    (entry,) = _entries(api.services.db, aid, "agreement.signed")[-1:]
    assert entry.actor_id == "u-owner" and entry.on_behalf_of == "u-permsec"
    assert entry.facts["delegation"]["order_ref"] == "คำสั่งกระทรวง ที่ ๑๒๓/๒๕๖๙"

    await api.ok(api.post("permsec", f"/v1/delegations/{delegation['id']}/revoke", json={}))
    other = await _open_agreement(api)
    ret = await api.post(
        "kpi.owner",
        f"/v1/agreements/{other}/rounds/{R}/exception",
        json={"until": (today + timedelta(days=3)).isoformat(), "reason": "ระบบล่ม"},
    )
    problem(ret, 403, "NotAuthorized")


async def test_the_inbox_filters_counts_pages_and_lets_a_group_task_be_claimed(api: Api) -> None:
    aid = await _open_agreement(api, submitters=["u-cmi-staff", "u-skw-staff"])
    # Round R's tasks: an agreement signed in round 2 keeps round 1's entries open (overdue).

    async def entries() -> dict[str, Any] | None:
        page = await api.ok(
            api.get(
                "cmi.staff",
                "/v1/tasks",
                params={"agreement_id": aid, "round": R, "kind": "enter_result"},
            )
        )
        return page if page["count"] == len(RESULTS) else None

    page = await eventually(entries)
    assert page["counts"]["enter_result"]["open"] >= len(RESULTS)
    dues = [t["due"] for t in page["data"]]
    assert dues == sorted(dues)
    first = page["data"][0]
    assert [a["name"] for a in first["actions"]] == ["enter_result"]
    assert first["actions"][0]["href"].endswith(f"/kpis/{first['kpi_code']}/result")
    one = await api.ok(
        api.get(
            "cmi.staff",
            "/v1/tasks",
            params={
                "agreement_id": aid,
                "round": R,
                "kind": "enter_result",
                "limit": 1,
                "offset": 1,
            },
        )
    )
    assert one["count"] == page["count"] and one["data"][0]["id"] == page["data"][1]["id"]
    none_due = await api.ok(
        api.get("cmi.staff", "/v1/tasks", params={"agreement_id": aid, "due_before": "2000-01-01"})
    )
    assert none_due["count"] == 0
    assert (
        await api.ok(
            api.get(
                "cmi.staff", "/v1/tasks", params={"agreement_id": aid, "round": R, "overdue": True}
            )
        )
    )["count"] == 0

    task = quote(first["id"])
    claimed = await api.ok(api.post("cmi.staff", f"/v1/tasks/{task}/claim"))
    assert claimed["claimed_by"] == "u-cmi-staff"
    others = await api.ok(api.get("skw.staff", "/v1/tasks", params={"agreement_id": aid}))
    assert first["id"] not in [t["id"] for t in others["data"]]
    problem(await api.post("skw.staff", f"/v1/tasks/{task}/claim"), 404, "NotFound")
    problem(await api.post("permsec", f"/v1/tasks/{task}/claim"), 404, "NotFound")
    await api.ok(api.post("cmi.staff", f"/v1/tasks/{task}/release"))
    back = await api.ok(api.get("skw.staff", "/v1/tasks", params={"agreement_id": aid}))
    assert first["id"] in [t["id"] for t in back["data"]]


def test_the_first_administrator_is_made_once_with_a_private_password(
    sqlite_db: Database, tmp_path: Path
) -> None:
    made = ensure_first_administrator(sqlite_db, tmp_path)
    assert made is not None and made.stat().st_mode & 0o777 == 0o600
    with sqlite_db.reader() as session:
        admin = session.exec(select(AppUser).where(AppUser.username == "admin")).one()
    assert admin.roles == ["administrator"]
    assert check_password(made.read_text().strip(), admin.password_hash)
    assert ensure_first_administrator(sqlite_db, tmp_path) is None
