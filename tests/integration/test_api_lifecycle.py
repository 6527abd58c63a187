"""The lifecycle over HTTP on the real app: cascades, inbox, rounds, visibility and refusals.

Real SQLite (migrated), SeaweedFS, the Temporal dev server and a worker. The dev server runs on
the real clock: definitions move to the fiscal year and round that hold today, so rounds
open by their alarm at once; the tests wait for `opened_at` before they expect round tasks.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from auditverify import merkle as independent
from domain.rollover import copy_for_year
from storage.agreements import save_definition
from storage.db import Database
from storage.unit_of_work import unit_of_work
from tests.support.http import (
    DEMO_ID,
    FY,
    RESULTS,
    Api,
    R,
    eventually,
    parties,
    problem,
    running_api,
    sign_all,
    state_of,
    until_round_opens,
)
from tests.support.lifecycle import seed000
from tests.support.servers import S3Server

TEMPLATE_ID = f"fy{FY}-provincial"
CMI, KSN = "เชียงใหม่", "กาฬสินธุ์"
EVIDENCE_PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
async def api(
    own_database: Database, s3_server: S3Server, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[Api]:
    with unit_of_work(own_database) as session:
        save_definition(session, copy_for_year(seed000(), FY, new_id=TEMPLATE_ID))
    async with running_api(own_database, s3_server, temporal_dev, tmp_path, max_bytes=1024) as api:
        yield api


def unit(name: str, agreement_id: str, province: str, target: str, **assignment: Any) -> Any:
    return {
        "assignment": {
            "unit": name,
            "definition_id": f"{agreement_id}-def",
            "electives": ["3", "5"],
            "targets": {"5": target},
            **assignment,
        },
        "agreement_id": agreement_id,
        "title": f"คำรับรองการปฏิบัติราชการ จ.{name} ปีงบประมาณ พ.ศ. {FY}",
        "parties": parties(province),
    }


async def test_a_cascade_creates_each_units_agreement_and_the_parent_sees_their_progress(
    api: Api,
) -> None:
    run = uuid.uuid4().hex[:6]
    parent, cmi, ksn = f"ops-{run}", f"cmi-{run}", f"ksn-{run}"
    body = {
        "template_id": TEMPLATE_ID,
        "level": "province",
        "parent_id": parent,
        "units": [unit(CMI, cmi, "cmi", "4400"), unit(KSN, ksn, "skw", "3200")],
    }
    key = f"cascade-{run}"
    created = await api.ok(api.post("admin", "/v1/cascades", key, json=body), 201)
    # Named after the key as the admin sent it (keys are scoped to who sends them).
    assert created == {"cascade_id": f"u-admin:{key}", "agreements": [cmi, ksn]}
    # The same request again reaches the same cascade: nothing runs twice.
    again = await api.ok(api.post("admin", "/v1/cascades", key, json=body), 201)
    assert again == created

    states: dict[str, dict[str, Any]] = {}
    for agreement_id in (cmi, ksn):
        states[agreement_id] = await eventually(partial(state_of, api, "admin", agreement_id))
        assert states[agreement_id]["parent_id"] == parent
        assert states[agreement_id]["status"] == "draft"
    targets = {}
    for agreement_id, province in ((cmi, CMI), (ksn, KSN)):
        state = states[agreement_id]
        definition = await api.ok(api.get("admin", f"/v1/definitions/{state['definition_id']}"))
        kpi5 = next(k for k in definition["kpis"] if k["code"] == "5")
        targets[province] = {u: Decimal(t) for u, t in kpi5["unit_targets"].items()}
        assert {k["code"] for k in definition["kpis"]} >= {"3", "3.1", "3.2", "5"}
        assert not {"6", "7", "8"} & {k["code"] for k in definition["kpis"]}
    assert targets == {CMI: {CMI: Decimal("4400")}, KSN: {KSN: Decimal("3200")}}

    # A new cascade may not reach an agreement that exists: refused whole, naming the unit.
    fresh = f"fresh-{run}"
    taken = {**body, "units": [unit(CMI, fresh, "cmi", "1"), unit(KSN, ksn, "skw", "1")]}
    refused = problem(
        await api.post("admin", "/v1/cascades", f"taken-{run}", json=taken),
        409,
        "InvalidTransition",
    )
    assert [(e["field"], e["rule"]) for e in refused["errors"]] == [
        ("units[1].agreement_id", "unique")
    ]
    assert await state_of(api, "admin", fresh) is None

    children = await api.ok(api.get("admin", f"/v1/agreements/{parent}/children"))
    assert children["count"] == 2
    assert [c["agreement_id"] for c in children["data"]] == [cmi, ksn]
    for child in children["data"]:
        assert child["status"] == "draft"
        assert [r["number"] for r in child["rounds"]] == [1, 2]
        assert child["rounds"][R - 1]["entered"] == 0

    await sign_all(api, cmi, "cmi.head")
    await until_round_opens(api, cmi)
    entered = await api.ok(
        api.post(
            "cmi.staff", f"/v1/agreements/{cmi}/rounds/{R}/kpis/5/result", json={"value": "48"}
        )
    )
    assert entered["kpi_rounds"][f"{R}:5"]["result"]["value"] == "48"

    async def progress_shows_the_entry() -> dict[str, Any] | None:
        listed = await api.ok(api.get("admin", f"/v1/agreements/{parent}/children"))
        by_id = {c["agreement_id"]: c for c in listed["data"]}
        return listed if by_id[cmi]["rounds"][R - 1]["entered"] == 1 else None

    listed = await eventually(progress_shows_the_entry)
    by_id = {c["agreement_id"]: c for c in listed["data"]}
    assert by_id[cmi]["status"] == "active" and by_id[ksn]["status"] == "draft"
    assert by_id[ksn]["rounds"][R - 1]["entered"] == 0
    assert by_id[cmi]["rounds"][R - 1]["kpis"] == by_id[ksn]["rounds"][R - 1]["kpis"] > 1
    one = await api.ok(api.get("cmi.head", f"/v1/agreements/{cmi}/progress"))
    assert one == by_id[cmi]


async def test_a_bad_cascade_names_the_unit_and_creates_nothing(api: Api) -> None:
    run = uuid.uuid4().hex[:6]
    body = {
        "template_id": TEMPLATE_ID,
        "level": "province",
        "units": [
            unit(CMI, f"bad-cmi-{run}", "cmi", "4400", electives=["3", "99"]),
            unit(KSN, f"bad-ksn-{run}", "skw", "3200"),
        ],
    }
    refused = problem(
        await api.post("admin", "/v1/cascades", f"bad-{run}", json=body), 422, "ValidationFailed"
    )
    fields = [e["field"] for e in refused["errors"]]
    assert "units[0].electives[1]" in fields
    assert all(f.startswith("units[0].") for f in fields)
    assert (await api.ok(api.get("admin", "/v1/agreements")))["count"] == 0

    denied = problem(
        await api.post("cmi.head", "/v1/cascades", json={**body, "units": body["units"][1:]}),
        403,
        "NotAuthorized",
    )
    assert denied["errors"][0]["rule"] == "is_administrator"
    missing = await api.post("admin", "/v1/cascades", json={**body, "template_id": "nothing"})
    problem(missing, 404, "NotFound")
    assert (await api.ok(api.get("admin", "/v1/agreements")))["count"] == 0
    problem(await api.get("admin", f"/v1/agreements/bad-cmi-{run}/children"), 404, "NotFound")


async def test_a_round_runs_over_http_from_signing_to_acknowledgement(api: Api) -> None:
    aid = f"demo-{uuid.uuid4().hex[:6]}"
    base = f"/v1/agreements/{aid}"
    create = {
        "agreement_id": aid,
        "definition_id": DEMO_ID,
        # the staff member also reviews, to show that nobody approves their own work
        "parties": parties("cmi", reviewers=["u-owner", "u-cmi-staff"], review_chain=["u-auditor"]),
        "policy": {"reminder_days": [3]},
    }
    created = await api.ok(api.post("admin", "/v1/agreements", f"{aid}-create", json=create), 201)
    assert created["agreement"]["status"] == "draft"
    assert created["agreement"]["policy"]["reminder_days"] == [3]

    inbox = await api.ok(api.get("cmi.head", "/v1/tasks", params={"agreement_id": aid}))
    assert [(t["kind"], t["key"]) for t in inbox["data"]] == [("sign", f"{aid}/sign/maker")]
    assert inbox["data"][0]["assignee_user"] == "u-cmi-head"
    assert (await api.ok(api.get("permsec", "/v1/tasks", params={"agreement_id": aid})))[
        "count"
    ] == 0

    await sign_all(api, aid, "cmi.head")
    problem(await api.post("cmi.head", f"{base}/rounds/{R}/acknowledge"), 409, "InvalidTransition")
    await until_round_opens(api, aid)

    async def entry_tasks() -> list[dict[str, Any]]:
        listed = await api.ok(api.get("cmi.staff", "/v1/tasks", params={"agreement_id": aid}))
        # this round's: an agreement signed in round 2 keeps round 1's entries open (overdue)
        return [t for t in listed["data"] if (t["kind"], t["round"]) == ("enter_result", R)]

    assert sorted(t["kpi_code"] for t in await eventually(entry_tasks)) == sorted(RESULTS)
    for code, result in RESULTS.items():
        kpi = f"{base}/rounds/{R}/kpis/{code}"
        await api.ok(api.post("cmi.staff", f"{kpi}/result", json=result))
        files = {"file": (f"หลักฐาน {code}.pdf", EVIDENCE_PDF, "application/pdf")}
        await api.ok(api.post("cmi.staff", f"{kpi}/evidence", files=files), 201)
    submitted = await api.ok(api.post("cmi.staff", f"{base}/rounds/{R}/submit"))
    assert submitted["rounds"][str(R)]["status"] == "review"
    problem(await api.post("cmi.staff", f"{base}/rounds/{R}/submit"), 409, "InvalidTransition")

    review = await api.ok(api.get("kpi.owner", "/v1/tasks", params={"agreement_id": aid}))
    reviews = [t["kpi_code"] for t in review["data"] if (t["kind"], t["round"]) == ("review", R)]
    assert sorted(reviews) == sorted(RESULTS)
    own = problem(
        await api.post("cmi.staff", f"{base}/rounds/{R}/kpis/2/approve", json={}),
        403,
        "NotAuthorized",
    )
    assert [e["rule"] for e in own["errors"]] == ["separation_of_duties"]

    for code in RESULTS:
        state = await api.ok(
            api.post("kpi.owner", f"{base}/rounds/{R}/kpis/{code}/approve", json={"note": "ครบ"})
        )
    assert state["rounds"][str(R)]["status"] == "endorsing"
    assert state["round_scores"][str(R)]["score"] == "3.6250"
    await _the_log_shows_what_the_reviewer_saw(api, base, state)

    # Until the chain has endorsed it, the evaluated side does not see the score.
    maker_view = await state_of(api, "cmi.head", aid)
    assert maker_view is not None and str(R) not in maker_view["round_scores"]
    assert all(e["score"] is None for e in maker_view["kpi_rounds"].values())
    problem(await api.get("cmi.head", f"{base}/rounds/{R}/score"), 404, "NotFound")
    hidden = await api.ok(api.get("cmi.head", f"{base}/progress"))
    assert hidden["rounds"][R - 1]["score"] is None and hidden["rounds"][R - 1]["approved"] == 4
    assert (await api.ok(api.get("kpi.owner", f"{base}/rounds/{R}/score")))["score"] == "3.6250"

    endorsed = await api.ok(api.post("auditor", f"{base}/rounds/{R}/endorse", json={"note": "ok"}))
    assert endorsed["rounds"][str(R)]["status"] == "published"
    assert (await api.ok(api.get("cmi.head", f"{base}/rounds/{R}/score")))["score"] == "3.6250"
    ack_tasks = await api.ok(api.get("cmi.head", "/v1/tasks", params={"agreement_id": aid}))
    assert [t["kind"] for t in ack_tasks["data"]] == ["acknowledge"]
    told = await api.ok(api.get("cmi.head", "/v1/notifications", params={"agreement_id": aid}))
    assert "published" in [n["kind"] for n in told["data"]]

    acknowledged = await api.ok(api.post("cmi.head", f"{base}/rounds/{R}/acknowledge"))
    assert acknowledged["rounds"][str(R)]["status"] == "acknowledged"
    assert acknowledged["round_scores"][str(R)]["score"] == "3.6250"
    await _a_complaint_is_upheld_over_http(api, aid)

    # The other round (round 2 ahead, or round 1 behind when today is in round 2) may take
    # late submissions until a date typed in Thai digits and BE years: the last day of this
    # fiscal year, 30 September of its CE year (FY - 543).
    other = 3 - R
    thai_digits = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
    year_end = f"{FY - 543}-09-30"
    extended = await api.ok(
        api.post(
            "permsec",
            f"{base}/rounds/{other}/exception",
            json={"until": f"30/9/{FY}".translate(thai_digits), "reason": "ระบบ GFMIS ขัดข้อง"},
        )
    )
    assert extended["rounds"][str(other)]["exception_until"] == year_end
    problem(
        await api.post("cmi.head", f"{base}/rounds/{other}/exception", json={"until": year_end}),
        422,
        "validation",
    )


async def test_negotiation_and_revision_commands_reach_the_workflow(api: Api) -> None:
    aid = f"nego-{uuid.uuid4().hex[:6]}"
    base = f"/v1/agreements/{aid}"
    create = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi")}
    await api.ok(api.post("admin", "/v1/agreements", json=create), 201)
    returned = await api.ok(
        api.post("permsec", f"{base}/return-draft", json={"comments": "ปรับเป้าหมาย KPI 5"})
    )
    assert returned["status"] == "negotiation"
    definition = await api.ok(api.get("admin", f"/v1/definitions/{DEMO_ID}"))
    kpi5 = next(k for k in definition["kpis"] if k["code"] == "5")
    kpi5["name_th"] += " (ปรับปรุง)"
    revised = await api.ok(
        api.post("cmi.head", f"{base}/revise", json={"definition": definition, "note": "แก้แล้ว"})
    )
    assert revised["status"] == "draft" and revised["definition_version"] == 2

    await sign_all(api, aid, "cmi.head")
    kpi5["name_th"] += " ฉบับกลางปี"
    proposal = {"definition": definition, "reason_code": "budget_cut", "reason": "ถูกตัดงบ"}
    proposed = await api.ok(api.post("cmi.head", f"{base}/revisions", json=proposal))
    assert proposed["pending_revision"]["version"] == 3
    problem(
        await api.post("cmi.head", f"{base}/revisions/decision", json={"approve": True}),
        403,
        "NotAuthorized",
    )
    decided = await api.ok(
        api.post("permsec", f"{base}/revisions/decision", json={"approve": True, "note": "ok"})
    )
    assert decided["pending_revision"] is None and decided["definition_version"] == 3
    problem(
        await api.post(
            "cmi.head", f"/v1/agreements/nothing-{aid}/revise", json={"definition": definition}
        ),
        404,
        "NotFound",
    )


async def _the_log_shows_what_the_reviewer_saw(api: Api, base: str, state: dict[str, Any]) -> None:
    """The as-of view, rebuilt from the audit log alone, matches what was approved."""
    seen = await api.ok(api.get("auditor", f"{base}/rounds/{R}/kpis/2/as-of"))
    entry = state["kpi_rounds"][f"{R}:2"]
    assert (seen["decision"], seen["decided_by"]) == ("result.approved", "u-owner")
    assert seen["score"] == entry["score"]["score"]
    assert seen["approved_hash"] == entry["approved_hash"]
    assert seen["definition_version"] == 1  # no revision in this journey
    # what was entered for KPI 2: the steps done in round 1, the value in round 2
    assert {field: seen["result"][field] for field in RESULTS["2"]} == RESULTS["2"]
    assert [e["sha256"] for e in seen["evidence"]] == [hashlib.sha256(EVIDENCE_PDF).hexdigest()]
    before = await api.ok(
        api.get("auditor", f"{base}/rounds/{R}/kpis/2/as-of", params={"seq": seen["result_seq"]})
    )
    assert before["decision"] is None and before["evidence"] == []
    problem(await api.get("skw.head", f"{base}/rounds/{R}/kpis/2/as-of"), 404, "NotFound")

    receipt = await api.ok(api.get("cmi.head", f"/v1/audit/receipts/{seen['as_of_seq']}"))
    assert receipt["decided_on"]["approved_hash"] == entry["approved_hash"]
    assert receipt["outcome"]["score"] == seen["score"] and receipt["decided_by"] == "u-owner"
    proof = [bytes.fromhex(node) for node in receipt["inclusion"]]
    root, leaf = bytes.fromhex(receipt["root_hash"]), bytes.fromhex(receipt["leaf_hash"])
    assert independent.verify_inclusion(leaf, receipt["index"], receipt["tree_size"], proof, root)
    page = await api.get("cmi.head", f"/v1/audit/receipts/{seen['as_of_seq']}/print")
    assert page.status_code == 200 and "ใบรับรองการตัดสิน" in page.text
    assert entry["approved_hash"] in page.text
    not_a_decision = await api.get("cmi.head", f"/v1/audit/receipts/{seen['result_seq']}")
    problem(not_a_decision, 404, "NotFound")


async def _a_complaint_is_upheld_over_http(api: Api, aid: str) -> None:
    """The evaluated person contests KPI 2; an independent committee upholds it with a new
    score; the receipt of the outcome proves into the log."""
    filing = {"agreement_id": aid, "round": R, "kpi_code": "2", "reasons": "หลักฐานขั้นที่ ๔ ไม่ถูกพิจารณา"}
    problem(await api.post("skw.head", "/v1/complaints", json=filing), 404, "NotFound")
    filed = await api.ok(
        api.post("cmi.head", "/v1/complaints", f"{aid}-complaint", json=filing), 201
    )
    again = await api.ok(
        api.post("cmi.head", "/v1/complaints", f"{aid}-complaint", json=filing), 201
    )
    assert again["complaint_id"] == filed["complaint_id"]
    assert filed["committee"] == ["u-committee-1", "u-committee-2"]
    base = f"/v1/complaints/{filed['complaint_id']}"
    problem(
        await api.post("cmi.head", f"{base}/decision", json={"outcome": "dismiss", "reasons": "x"}),
        403,
        "NotAuthorized",
    )
    await api.ok(api.post("committee1", f"{base}/questions", json={"question": "ขอเอกสารขั้นที่ ๔"}))
    await api.ok(api.post("cmi.head", f"{base}/answers", json={"answer": "แนบแล้ว"}))
    decided = await api.ok(
        api.post(
            "committee2",
            f"{base}/decision",
            json={"outcome": "uphold", "reasons": "ครบ ๔ ขั้น", "new_score": "4"},
        )
    )
    assert decided["status"] == "upheld"
    done = await api.ok(api.post("cmi.head", f"{base}/acknowledge"))
    assert done["status"] == "acknowledged"
    # A late retry files nothing: it gets the first answer again, marked as a replay.
    late_retry = await api.post("cmi.head", "/v1/complaints", f"{aid}-complaint", json=filing)
    assert late_retry.status_code == 201 and late_retry.headers["Idempotent-Replayed"] == "true"
    assert late_retry.json()["complaint_id"] == filed["complaint_id"]
    assert late_retry.json()["status"] == "filed"

    timeline = await api.ok(
        api.get("auditor", f"/v1/agreements/{aid}/timeline", params={"limit": 500})
    )
    by_action = {e["body"]["action"]: e for e in timeline["data"]}
    upheld = by_action["complaint.upheld"]["body"]["facts"]
    assert "complaint.filed" in by_action and "result.approved" in by_action
    assert (upheld["old_score"], upheld["score_version"]) == ("3.0000", 2)
    receipt = await api.ok(
        api.get("cmi.head", f"/v1/audit/receipts/{by_action['complaint.upheld']['seq']}")
    )
    assert receipt["outcome"]["new_score"] == upheld["new_score"]
    figures = await api.ok(api.get("auditor", "/v1/complaints/figures"))
    assert figures["resolved"] >= 1
    problem(await api.get("cmi.head", "/v1/complaints/figures"), 403, "NotAuthorized")

    # Two filings on another KPI at once (different keys): one is filed, the other refused.
    other = {**filing, "kpi_code": "5"}
    both = await asyncio.gather(
        api.post("cmi.head", "/v1/complaints", f"{aid}-c5-a", json=other),
        api.post("cmi.head", "/v1/complaints", f"{aid}-c5-b", json=other),
    )
    assert sorted(r.status_code for r in both) == [201, 409], [r.text for r in both]
    refused = next(r for r in both if r.status_code == 409).json()
    assert "one_open_complaint" in {e["rule"] for e in refused.get("errors", [])}, refused
    open_ones = await api.ok(api.get("auditor", "/v1/complaints", params={"agreement_id": aid}))
    on_five = [c for c in open_ones["data"] if c["kpi_code"] == "5"]
    assert len(on_five) == 1 and on_five[0]["status"] == "filed"


async def test_only_an_administrator_hands_an_agreement_a_holiday_calendar(api: Api) -> None:
    aid = f"cal-{uuid.uuid4().hex[:6]}"
    create = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi")}
    created = await api.ok(api.post("admin", "/v1/agreements", json=create), 201)
    pinned = created["agreement"]["policy"]["calendar"]["holidays"]
    assert pinned["version"].startswith("holidays-0.109/") and len(pinned["sha256"]) == 64

    path = f"/v1/agreements/{aid}/calendar"
    refused = problem(await api.post("cmi.head", path), 403, "NotAuthorized")
    assert refused["errors"][0]["rule"] == "is_administrator"
    # The agreement was created on this release's calendar: nothing newer to hand it.
    current = problem(await api.post("admin", path), 409, "InvalidTransition")
    assert current["errors"][0] == {
        "field": "calendar",
        "rule": "newer",
        "message": f"already on {pinned['version']}",
    }
    problem(await api.post("admin", "/v1/agreements/no-such/calendar"), 404, "NotFound")
