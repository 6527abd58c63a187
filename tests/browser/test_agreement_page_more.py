"""The agreement page and the inbox with real work behind them, in chromium: a scored round shows
each KPI's score with its derivation in words and the round total; a group task is claimed and
released from the inbox; a cascaded agreement lists its children with their progress, each
reader seeing only the children in their scope; the 404 page keeps who is signed in on top.

State is made as users make it: the workflow through the API's commands (signing, results,
evidence, submission, review) and the cascade through the application's use case."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from playwright.async_api import Browser

from application.cascades import run_cascade
from domain.agreement import Actor, Parties
from domain.cascade import UnitAssignment
from domain.cascade_plan import CascadeRequest, CascadeUnit
from domain.rollover import copy_for_year
from tests.browser.conftest import Site, shot, sign_in, sign_out, watched_page
from tests.support.http import (
    DEMO_ID,
    FY,
    RESULTS,
    R,
    eventually,
    parties,
    sign_all,
    state_of,
    until_round_opens,
)
from tests.support.lifecycle import seed000

EVIDENCE_PDF = b"%PDF-1.4\n%%EOF\n"


async def _open_agreement(site: Site, prefix: str, **more: Any) -> str:
    """A demo agreement for Chiang Mai, signed by both parties, today's round open."""
    aid = f"{prefix}-{uuid.uuid4().hex[:6]}"
    body = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi", **more)}
    await site.api.ok(site.api.post("admin", "/v1/agreements", f"{aid}-create", json=body), 201)
    await sign_all(site.api, aid, "cmi.head")
    await until_round_opens(site.api, aid)
    return aid


async def _scored(site: Site) -> tuple[str, dict[str, Any]]:
    """Every KPI's result and evidence entered, the round submitted and each result approved by
    the KPI owner: the round is scored (3.6250, as the demo's results give)."""
    api = site.api
    aid = await _open_agreement(site, "scored")
    base = f"/v1/agreements/{aid}"
    for code, result in RESULTS.items():
        kpi = f"{base}/rounds/{R}/kpis/{code}"
        await api.ok(api.post("cmi.staff", f"{kpi}/result", json=result))
        files = {"file": (f"หลักฐาน {code}.pdf", EVIDENCE_PDF, "application/pdf")}
        await api.ok(api.post("cmi.staff", f"{kpi}/evidence", files=files), 201)
    await api.ok(api.post("cmi.staff", f"{base}/rounds/{R}/submit"))
    state: dict[str, Any] = {}
    for code in RESULTS:
        state = await api.ok(
            api.post("kpi.owner", f"{base}/rounds/{R}/kpis/{code}/approve", json={"note": "ครบ"})
        )
    assert state["round_scores"][str(R)]["score"] == "3.6250"
    return aid, state


async def test_a_scored_round_shows_each_score_with_its_derivation_and_the_round_total(
    site: Site, browser: Browser
) -> None:
    aid, state = await _scored(site)
    total = state["round_scores"][str(R)]
    watched = await watched_page(browser)
    await sign_in(site, watched, "kpi.owner")  # a reviewer sees the scores before publication
    page = watched.page
    await page.goto(f"{site.url}/agreements/{aid}")
    for code in RESULTS:
        scored = state["kpi_rounds"][f"{R}:{code}"]["score"]
        card = page.locator(f"#kpi-{code} .round").nth(R - 1)
        facts = await card.locator("dl.facts").inner_text()
        assert "เห็นชอบแล้ว" in facts, facts  # the result's review state: approved
        assert f"หลักฐาน {code}.pdf" in facts  # its evidence, by the name it was uploaded as
        shown = await card.locator("dd").nth(1).inner_text()
        assert Decimal(shown) == Decimal(scored["score"])
        why = await card.locator("p.why").inner_text()
        assert why == scored["derivation"]["explanation_th"]
    totals = page.locator("table.totals").first.locator("tbody tr").nth(R - 1)
    cells = await totals.locator("td").all_inner_texts()
    assert [Decimal(c) for c in cells] == [Decimal(total["score"]), Decimal(total["score_100"])]
    assert Decimal(total["score_100"]) == Decimal(total["score"]) * 20  # x20 to the 100 scale
    await shot(page, "agreement-scored-th")
    await page.get_by_role("link", name="English").click()
    await page.get_by_role("heading", name="Round totals").wait_for()
    first = next(iter(RESULTS))
    english = state["kpi_rounds"][f"{R}:{first}"]["score"]["derivation"]["explanation_en"]
    card = page.locator(f"#kpi-{first} .round").nth(R - 1)
    assert await card.locator("p.why").inner_text() == english
    await shot(page, "agreement-scored-en")
    # No review chain here: the round is published at once, and the evaluated side sees the
    # same scores and words.
    assert state["rounds"][str(R)]["status"] == "published"
    await sign_out(watched)
    await page.get_by_role("link", name="ภาษาไทย").click()
    await sign_in(site, watched, "cmi.head")
    await page.goto(f"{site.url}/agreements/{aid}")
    assert await page.locator("p.why").count() == len(RESULTS)
    await shot(page, "agreement-scored-as-maker")
    watched.assert_clean()
    await page.context.close()


async def test_a_group_task_is_claimed_and_released_from_the_inbox(
    site: Site, browser: Browser
) -> None:
    """Result entry is offered to both provinces' staff: one claims it, it leaves the other's
    inbox; released, it comes back."""
    aid = await _open_agreement(site, "claim", submitters=["u-cmi-staff", "u-skw-staff"])

    async def entries(username: str) -> list[str]:
        listed = await site.api.ok(
            site.api.get(username, "/v1/tasks", params={"agreement_id": aid, "limit": 100})
        )
        return [t["id"] for t in listed["data"] if t["kind"] == "enter_result"]

    offered = await eventually(lambda: entries("cmi.staff"))
    watched = await watched_page(browser)
    await sign_in(site, watched, "cmi.staff")
    page = watched.page
    await page.goto(f"{site.url}/?agreement={quote(aid)}&kind=enter_result")
    tasks = page.locator("li.task")
    assert await tasks.count() == len(offered)
    first = tasks.first
    assert "งานกลุ่ม" in await first.inner_text()
    task_id = await first.locator("input[name=task_id]").get_attribute("value")
    assert task_id == offered[0]
    await shot(page, "inbox-group-task-offered")
    await first.get_by_role("button", name="รับงานนี้").click()
    await page.wait_for_url(site.url + "/")
    await page.goto(f"{site.url}/?agreement={quote(aid)}&kind=enter_result")
    mine = page.locator("li.task", has=page.locator(f"input[value='{task_id}']"))
    await mine.get_by_role("button", name="คืนงาน").wait_for()
    assert await page.get_by_role("button", name="คืนงาน").count() == 1
    await shot(page, "inbox-group-task-claimed")
    assert task_id not in await entries("skw.staff")  # gone from the colleague's inbox

    await mine.get_by_role("button", name="คืนงาน").click()
    await page.wait_for_url(site.url + "/")
    assert task_id in await entries("skw.staff")  # back in it
    await page.goto(f"{site.url}/?agreement={quote(aid)}&kind=enter_result")
    assert await page.get_by_role("button", name="คืนงาน").count() == 0
    assert await page.get_by_role("button", name="รับงานนี้").count() == len(offered)
    watched.assert_clean()
    await page.context.close()


def _cascade_unit(province: str, unit: str, agreement_id: str, target: str) -> CascadeUnit:
    return CascadeUnit(
        assignment=UnitAssignment(
            unit=province,
            definition_id=f"{agreement_id}-def",
            electives=["3", "5"],
            targets={"5": Decimal(target)},
        ),
        agreement_id=agreement_id,
        title=f"คำรับรองการปฏิบัติราชการ จ.{province} ปีงบประมาณ พ.ศ. {FY}",
        parties=Parties.model_validate({**parties(unit), "unit": unit}),
    )


async def test_a_cascaded_agreement_lists_its_children_with_their_progress(
    site: Site, browser: Browser
) -> None:
    """The demo agreement is the parent of a cascade to two provinces; Chiang Mai's child is
    signed and one result entered. An auditor sees both children; Chiang Mai's head only his."""
    assert site.api.services is not None
    run = uuid.uuid4().hex[:6]
    cmi, skw = f"child-cmi-{run}", f"child-skw-{run}"
    request = CascadeRequest(
        cascade_id=f"web-cascade-{run}",
        template=copy_for_year(seed000(), FY, new_id=f"fy{FY}-provincial-{run}"),
        level="province",
        parent_id=site.demo_id,
        units=[
            _cascade_unit("เชียงใหม่", "cmi", cmi, "4400"),
            _cascade_unit("สระแก้ว", "skw", skw, "3200"),
        ],
        actor=Actor(user_id="u-admin", display_name="ผู้ดูแลระบบ"),
    )
    made = await run_cascade(db=site.db, temporal=site.api.services.temporal, request=request)
    assert made == [cmi, skw]

    async def recorded() -> bool:
        return all([await state_of(site.api, "admin", child) for child in made])

    await eventually(recorded)
    await sign_all(site.api, cmi, "cmi.head")
    await until_round_opens(site.api, cmi)
    kpi5 = f"/v1/agreements/{cmi}/rounds/{R}/kpis/5/result"
    await site.api.ok(site.api.post("cmi.staff", kpi5, json={"value": "48"}))

    async def entered() -> bool:
        listed = await site.api.ok(
            site.api.get("auditor", f"/v1/agreements/{site.demo_id}/children")
        )
        return any(c["rounds"][R - 1]["entered"] == 1 for c in listed["data"])

    await eventually(entered)
    progress = await site.api.ok(site.api.get("auditor", f"/v1/agreements/{site.demo_id}/children"))
    by_id = {c["agreement_id"]: c for c in progress["data"]}

    watched = await watched_page(browser)
    await sign_in(site, watched, "auditor")
    page = watched.page
    await page.goto(f"{site.url}/agreements/{site.demo_id}")
    children = page.get_by_test_id("children")
    assert await children.locator("tbody tr").count() == 2
    for child, status in ((cmi, "มีผลบังคับ"), (skw, "ร่าง")):
        row = children.locator(f"tr[data-child='{child}']")
        assert status in await row.locator("td[data-status]").inner_text(), child
        kpis = by_id[child]["rounds"][R - 1]["kpis"]
        done = by_id[child]["rounds"][R - 1]["entered"]
        cell = await row.locator(f"td[data-round='{R}']").inner_text()
        assert f"รายงานผลแล้ว {done}/{kpis} ตัวชี้วัด" in cell, cell
    assert by_id[cmi]["rounds"][R - 1]["entered"] == 1
    await shot(page, "agreement-children-auditor")
    await children.get_by_role("link", name=re.compile("เชียงใหม่")).click()
    await page.wait_for_url(f"{site.url}/agreements/{cmi}")
    await sign_out(watched)

    await sign_in(site, watched, "cmi.head")
    await page.goto(f"{site.url}/agreements/{site.demo_id}")
    rows = page.get_by_test_id("children").locator("tbody tr")
    assert await rows.count() == 1  # Sa Kaeo's child is out of his scope
    assert await rows.first.get_attribute("data-child") == cmi
    await shot(page, "agreement-children-cmi-head")
    watched.assert_clean()
    await page.context.close()

    phone = await watched_page(browser, width=390)
    await sign_in(site, phone, "auditor")
    await phone.page.goto(f"{site.url}/agreements/{site.demo_id}")
    widths = await phone.page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    await shot(phone.page, "phone-390-agreement-children")
    phone.assert_clean()
    await phone.page.context.close()


async def test_the_404_page_keeps_who_is_signed_in_and_the_way_out(
    site: Site, browser: Browser
) -> None:
    watched = await watched_page(browser)
    await sign_in(site, watched, "skw.head")
    page = watched.page
    for path in (f"/agreements/{site.demo_id}", "/no-such-page"):
        response = await page.goto(site.url + path)
        assert response is not None and response.status == 404
        assert "นายสระแก้ว หัวหน้า" in await page.locator(".who").inner_text()
        assert "สระแก้ว" in await page.locator(".who .unit").inner_text()
        await page.get_by_role("button", name="ออกจากระบบ").wait_for()
    await shot(page, "404-signed-in")
    await sign_out(watched)  # the 404 page's own form, with its token
    response = await page.goto(site.url + "/no-such-page")
    assert response is not None and response.status == 404
    assert await page.locator(".who").count() == 0
    watched.problems = [p for p in watched.problems if "404" not in p]
    watched.assert_clean()
    await page.context.close()
