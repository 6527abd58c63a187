"""Setting the stage for the working screens' browser tests, through the API the product
serves (never by writing tables): a definition whose KPI 10 is computed from two measures, a
delegation in force, agreements made and signed, evidence attached. What the tests check is
then done in the browser alone."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from playwright.async_api import Page

from domain.formulas import Measure, Ratio
from domain.rollover import copy_for_year
from rabrong.demo import demo_definition
from storage.agreements import save_definition
from storage.db import Database
from storage.unit_of_work import unit_of_work
from tests.browser.conftest import Site
from tests.support.http import FY, eventually, parties, sign_all
from tests.support.today import real_today

WORK_DEFINITION = f"fy{FY}-work"
LATE_DEFINITION = f"fy{FY - 1}-late"
ORDER = "คำสั่ง สป.พม. ที่ ๑๒๓/๒๕๖๙"
STAND_IN = "committee1"  # signs for the recipient (permsec) under ORDER
EVIDENCE_PDF = b"%PDF-1.4\n%%EOF\n"
THAI = re.compile(r"[\u0E00-\u0E7F]")


def save_work_definitions(db: Database) -> None:
    """The demo moved to this year, KPI 10 computed from what the unit reports (disbursed and
    allocated budget, decision 0026); and the demo of last year, whose cut-offs have passed."""
    definition = copy_for_year(demo_definition(), FY, new_id=WORK_DEFINITION)
    kpis = []
    for kpi in definition.kpis:
        if kpi.code == "10":
            assert kpi.formula is not None
            kpi = kpi.model_copy(
                update={
                    "measures": [
                        Measure(name="disbursed", name_th="เบิกจ่ายแล้ว", unit="บาท"),
                        Measure(name="allocated", name_th="งบที่ได้รับจัดสรร", unit="บาท"),
                    ],
                    "formula": kpi.formula.model_copy(
                        update={
                            "compute": Ratio(
                                numerator=["disbursed"],
                                denominator=["allocated"],
                                multiplier=Decimal(100),
                                at_most=Decimal(100),
                            )
                        }
                    ),
                }
            )
        kpis.append(kpi)
    late = copy_for_year(demo_definition(), FY - 1, new_id=LATE_DEFINITION)
    with unit_of_work(db) as session:
        save_definition(session, definition.model_copy(update={"kpis": kpis}))
        save_definition(session, late)


async def delegate_recipient(site: Site) -> None:
    """The recipient's order: committee1 acts for them (ปฏิบัติราชการแทน) from yesterday."""
    today = real_today()
    body = {
        "principal": "u-permsec",
        "delegate": "u-committee-1",
        "kind": "acting_for",
        "order_ref": ORDER,
        "order_date": (today - timedelta(days=2)).isoformat(),
        "valid_from": (today - timedelta(days=1)).isoformat(),
        "valid_to": (today + timedelta(days=60)).isoformat(),
    }
    await site.api.ok(site.api.post("permsec", "/v1/delegations", json=body), 201)


async def new_agreement(site: Site, definition_id: str, prefix: str, **more: Any) -> str:
    aid = f"{prefix}-{uuid.uuid4().hex[:6]}"
    body = {"agreement_id": aid, "definition_id": definition_id, "parties": parties("cmi", **more)}
    await site.api.ok(site.api.post("admin", "/v1/agreements", f"{aid}-create", json=body), 201)

    async def sign_task_open() -> bool:
        listing = await site.api.ok(site.api.get("cmi.head", f"/v1/tasks?agreement_id={aid}"))
        return bool(listing["count"])

    await eventually(sign_task_open)
    return aid


async def signed_agreement(site: Site, definition_id: str, prefix: str, **more: Any) -> str:
    aid = await new_agreement(site, definition_id, prefix, **more)
    await sign_all(site.api, aid, "cmi.head")
    return aid


async def attach_evidence(site: Site, user: str, aid: str, number: int, code: str) -> None:
    """The evidence upload is issue 22's other half (its own screen); here it is attached
    through the API, as that screen will."""
    kpi = f"/v1/agreements/{aid}/rounds/{number}/kpis/{code}"
    files = {"file": (f"หลักฐาน {code}.pdf", EVIDENCE_PDF, "application/pdf")}
    await site.api.ok(site.api.post(user, f"{kpi}/evidence", files=files), 201)


async def state(site: Site, aid: str) -> dict[str, Any]:
    found: dict[str, Any] = (await site.api.ok(site.api.get("admin", f"/v1/agreements/{aid}")))[
        "agreement"
    ]
    return found


async def no_sideways_scroll(page: Page) -> None:
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], (page.url, widths)
