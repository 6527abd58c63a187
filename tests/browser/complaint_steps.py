"""Test setup for the complaint and audit journeys: a demo agreement for Chiang Mai driven to
a published round through the product's API (the application's use cases behind it), so the
browser starts where the journey does, at a published score."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.async_api import Page

from tests.browser.conftest import Site, shot
from tests.support.http import (
    DEMO_ID,
    RESULTS,
    R,
    eventually,
    parties,
    sign_all,
    until_round_opens,
)

EVIDENCE_PDF = b"%PDF-1.4\n%%EOF\n"
THAI = re.compile(r"[\u0E00-\u0E7F]")
# What a screen says in its own words (not the people, titles and reasons users typed).
LABELS = (
    "h1, h2, h3, legend, dt, th, button, summary, .tag, .top nav a:not(.lang), label, .note,"
    " .pager a"
)


async def published_agreement(site: Site) -> str:
    """Signed, results and evidence in, reviewed by the KPI owner, endorsed by the auditor:
    round R published, its scores visible to the evaluated person (cmi.head)."""
    api = site.api
    aid = f"cmp-{uuid.uuid4().hex[:6]}"
    base = f"/v1/agreements/{aid}"
    body = {
        "agreement_id": aid,
        "definition_id": DEMO_ID,
        "parties": parties("cmi", review_chain=["u-auditor"]),
    }
    await api.ok(api.post("admin", "/v1/agreements", f"{aid}-create", json=body), 201)

    async def sign_task_open() -> bool:
        listing = await api.ok(api.get("cmi.head", f"/v1/tasks?agreement_id={aid}"))
        return bool(listing["count"])

    await eventually(sign_task_open)
    await sign_all(api, aid, "cmi.head")
    await until_round_opens(api, aid)
    for code, result in RESULTS.items():
        kpi = f"{base}/rounds/{R}/kpis/{code}"
        await api.ok(api.post("cmi.staff", f"{kpi}/result", json=result))
        pdf = EVIDENCE_PDF + f"% KPI {code}\n".encode()  # each its own file, none deduplicated
        files = {"file": (f"evidence-kpi-{code}.pdf", pdf, "application/pdf")}
        await api.ok(api.post("cmi.staff", f"{kpi}/evidence", files=files), 201)
    await api.ok(api.post("cmi.staff", f"{base}/rounds/{R}/submit"))
    for code in RESULTS:
        path = f"{base}/rounds/{R}/kpis/{code}/approve"
        await api.ok(api.post("kpi.owner", path, json={"note": "ครบถ้วน"}))
    endorsed = await api.ok(api.post("auditor", f"{base}/rounds/{R}/endorse", json={"note": "ok"}))
    assert endorsed["rounds"][str(R)]["status"] == "published"
    return aid


async def in_english(page: Page, site: Site) -> None:
    await page.goto(f"{site.url}/lang/en?next=/")


async def english_only(page: Page, where: str) -> None:
    """No Thai in the screen's own words once English is chosen."""
    assert await page.locator("html").get_attribute("lang") == "en", where
    texts = await page.locator(LABELS).all_inner_texts()
    thai = [t for t in texts if THAI.search(t)]
    assert thai == [], (where, thai)


async def both_widths(page: Page, name: str) -> None:
    """The screen at 1280 px and at a 390 px phone, which must never scroll sideways."""
    await page.set_viewport_size({"width": 1280, "height": 900})
    await shot(page, f"{name}-1280")
    await page.set_viewport_size({"width": 390, "height": 844})
    widths: Any = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], (name, widths)
    await shot(page, f"{name}-390")
    await page.set_viewport_size({"width": 1280, "height": 900})
