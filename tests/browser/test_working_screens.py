"""The working screens in chromium, each step as its own role: signing (one signature by a
stand-in under a cited order), a round entered in the grid with Thai digits, a return with its
reason, resubmission, approval (one KPI singly, the rest in bulk), the round's score with its
derivation equal to the engine's; refusals shown next to the field with what was typed kept;
and an English pass over every screen."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from application.agreements import read_agreement
from domain.access import Principal
from domain.agreement import kpi_round_key
from domain.deadlines import round_on
from domain.rollover import copy_for_year
from rabrong.demo import UNITS, USERS, demo_definition
from storage.users import org_tree
from tests.browser.conftest import Site, Watched, shot, sign_in, sign_out, watched_page
from tests.browser.evidence_steps import (
    ROWS,
    advanced,
    evidence_path,
    pdf_bytes,
    upload_evidence,
    upload_watching_progress,
)
from tests.browser.work_steps import (
    LATE_DEFINITION,
    ORDER,
    STAND_IN,
    THAI,
    WORK_DEFINITION,
    attach_evidence,
    delegate_recipient,
    new_agreement,
    no_sideways_scroll,
    save_work_definitions,
    signed_agreement,
    state,
)
from tests.support.http import FY, until_round_opens
from tests.support.today import today

MIB = 1024 * 1024
R = round_on(copy_for_year(demo_definition(), FY, new_id="probe"), today())


@pytest.fixture(scope="module")
async def work(site: Site) -> AsyncIterator[Site]:
    save_work_definitions(site.db)
    await delegate_recipient(site)
    services = site.api.services
    assert services is not None
    # The journey sends a 30 MiB report; the shared fixture's limit is 64 KiB for cheap refusals.
    limit, services.evidence_max_bytes = services.evidence_max_bytes, 40 * MIB
    yield site
    services.evidence_max_bytes = limit


async def as_user(browser: Browser, site: Site, username: str, width: int = 1280) -> Watched:
    watched = await watched_page(browser, width)
    await sign_in(site, watched, username)
    return watched


async def done_with(watched: Watched, *refusals: int) -> None:
    """Signs out; the page's console must be clean but for the refusals the test provoked
    (a refused form answers 4xx, which chromium logs)."""
    await sign_out(watched)
    watched.problems = [
        p for p in watched.problems if not any(re.search(rf"\b{s}\b", p) for s in refusals)
    ]
    watched.assert_clean()
    await watched.page.context.close()


async def both_widths(browser: Browser, site: Site, username: str, path: str, name: str) -> None:
    """The screen at 390 px too: no sideways scroll, and a picture to look at."""
    phone = await as_user(browser, site, username, 390)
    await phone.page.goto(site.url + path)
    await no_sideways_scroll(phone.page)
    await shot(phone.page, f"{name}-390")
    await done_with(phone)


# What the unit types in round 1, Thai digits where numbers are typed: KPI 2 reaches level 3,
# the others level 4; the weighted score by hand is (15*3 + 10*4 + 10*4 + 5*4) / 40.
ROUND_1_SCORE = (Decimal(15) * 3 + Decimal(10) * 4 + Decimal(10) * 4 + Decimal(5) * 4) / 40
# Round 2's criteria: KPI 2 and 10 are threshold ladders, KPI 5 from 70 in steps of 10 (the
# corrected ๙๖ reaches level 3), KPI 8 five steps: (15*4 + 10*3 + 10*4 + 5*4) / 40.
ROUND_2_SCORE = (Decimal(15) * 4 + Decimal(10) * 3 + Decimal(10) * 4 + Decimal(5) * 4) / 40


async def fill_round(page: Page, number: int) -> None:
    """Types every row of the grid, moving from cell to cell before saving any of them."""
    row2, row5 = page.locator("#kpi-2"), page.locator("#kpi-5")
    row8, row10 = page.locator("#kpi-8"), page.locator("#kpi-10")
    if number == 1:
        for level in (1, 2, 3):
            await row2.locator(f"input[name='level.{level}']").check()
        await row5.locator("input[name=value]").fill("๕๕")
    else:
        await row2.locator("input[name=value]").fill("๙๐")
        await row5.locator("input[name=value]").fill("๙๕")
    for step in (1, 2, 3, 4):
        await row8.locator(f"input[name='step.{step}']").fill("๑")
    await row8.locator("input[name='step.5']").fill("๐")
    disbursed = "๕๒,๕๐๐" if number == 1 else "๙๘,๕๐๐"
    await row10.locator("input[name='m.disbursed']").fill(disbursed)
    await row10.locator("input[name='m.allocated']").fill("๑๐๐,๐๐๐")


async def test_a_round_from_signatures_to_its_published_score(
    work: Site, browser: Browser, tmp_path: Path
) -> None:
    site = work
    aid = await new_agreement(site, WORK_DEFINITION, "journey")
    base = f"/agreements/{aid}"
    expected_hash = (await state(site, aid))["definition_hash"]

    # The maker signs in person, seeing the content hash they sign.
    head = await as_user(browser, site, "cmi.head")
    page = head.page
    await page.goto(site.url + base)
    await page.get_by_role("link", name="ลงนาม / ปรับเป้าหมาย").click()
    await page.wait_for_url(site.url + base + "/sign")
    assert await page.get_by_test_id("content-hash").inner_text() == expected_hash
    maker = page.locator("form.signchoice[data-party=maker]")
    assert "ลงนามด้วยตนเอง" in await maker.get_by_test_id("capacity-maker").inner_text()
    await shot(page, "work-sign-maker")
    await maker.get_by_role("button", name="ลงนาม").click()
    await page.get_by_test_id("done").wait_for()
    assert "ลงนามแล้ว" in await page.get_by_test_id("done").inner_text()
    await done_with(head)

    # The recipient's stand-in signs for them, under the order in force.
    stand_in = await as_user(browser, site, STAND_IN)
    page = stand_in.page
    await page.goto(site.url + base + "/sign")
    recipient = page.locator("form.signchoice[data-party=recipient]")
    capacity = await recipient.get_by_test_id("capacity-recipient").inner_text()
    assert "ปฏิบัติราชการแทน" in capacity and "นางสาวปลัด ตัวอย่าง" in capacity
    assert ORDER in capacity
    await shot(page, "work-sign-stand-in")
    await recipient.get_by_role("button", name="ลงนาม").click()
    await page.get_by_test_id("done").wait_for()
    await done_with(stand_in)
    signed = await state(site, aid)
    assert signed["status"] == "active"
    by_party = {s["party"]: s for s in signed["signatures"]}
    assert by_party["maker"]["signer"] == "u-cmi-head"
    assert by_party["maker"].get("on_behalf_of") is None
    assert by_party["recipient"]["signer"] == "u-committee-1"
    assert by_party["recipient"]["on_behalf_of"] == "u-permsec"
    assert {s["definition_hash"] for s in signed["signatures"]} == {expected_hash}
    await both_widths(browser, site, "permsec", base + "/sign", "work-sign-signed")
    await until_round_opens(site.api, aid, R)

    # The unit's staff enter the round in the grid, with Thai digits.
    staff = await as_user(browser, site, "cmi.staff")
    page = staff.page
    grid = f"{base}/rounds/{R}"
    await page.goto(site.url + grid)
    missing = await page.get_by_test_id("missing").inner_text()
    assert all(code in missing for code in ("2", "5", "8", "10"))
    await fill_round(page, R)
    # The computed value and its arithmetic, from the server, as typed.
    why = page.get_by_test_id("preview-why-10")
    await why.wait_for()
    value = "52.5" if R == 1 else "98.5"
    await page.wait_for_function(
        "v => (document.querySelector('[data-testid=preview-why-10]') || {}).textContent"
        " ?.includes(v)",
        arg=value,
    )
    arithmetic = await why.inner_text()
    assert "เบิกจ่ายแล้ว" in arithmetic and "= " + value in arithmetic, arithmetic
    assert Decimal(await page.get_by_test_id("preview-score-10").inner_text()) == 4
    # Values typed in one row are still there after typing in the others.
    first = "๕๕" if R == 1 else "๙๕"
    assert await page.locator("#kpi-5 input[name=value]").input_value() == first
    await shot(page, "work-grid-typing")
    for code in ("2", "5", "8", "10"):
        row = page.locator(f"#kpi-{code}")
        await row.get_by_role("button", name="บันทึก").click()
        await page.locator(f"#kpi-{code}.saved").wait_for()
    assert Decimal(await page.get_by_test_id("self-score-10").inner_text()) == 4
    # Evidence through its screen, reached from the row's link: a 30 MiB report for KPI 2 with
    # its progress bar seen advancing, a small file for each of the others.
    for code in ("2", "5", "8", "10"):
        await page.locator(f"#kpi-{code}").get_by_role("link", name="แนบหลักฐาน").click()
        await page.wait_for_url(site.url + evidence_path(aid, R, code))
        report = tmp_path / f"หลักฐาน {code}.pdf"
        report.write_bytes(pdf_bytes(f"journey-{code}", (30 if code == "2" else 0) * MIB))
        if code == "2":
            samples = await upload_watching_progress(page, report, uplink=4 * MIB)
            sent = page.locator(ROWS).last
            assert advanced(samples), (samples, await sent.inner_text())
            await shot(page, "work-evidence-30mib")
        else:
            await upload_evidence(page, report)
        shown = await page.locator(f"{ROWS} .file-hash").last.get_attribute("data-sha256")
        assert shown == hashlib.sha256(report.read_bytes()).hexdigest()
        await page.goto(site.url + grid)
    assert await page.get_by_test_id("missing").count() == 0
    await shot(page, "work-grid-entered")
    await page.get_by_role("button", name="ส่งผลทั้งรอบ").click()
    await page.get_by_test_id("submitted").wait_for()
    await done_with(staff)
    await both_widths(browser, site, "cmi.staff", grid, "work-grid-submitted")

    # The reviewer returns KPI 5; a return without a reason is refused on the field.
    owner = await as_user(browser, site, "kpi.owner")
    page = owner.page
    await page.goto(site.url + "/review")
    await shot(page, "work-review-queue")
    await page.locator("ul.queue li", has_text=aid).get_by_role("link").click()
    await page.wait_for_url(site.url + grid + "/review")
    card5 = page.locator("#rv-5")
    await card5.locator("summary").click()
    assert "หลักฐาน 5.pdf" in await card5.inner_text()
    await card5.get_by_role("button", name="ส่งกลับให้แก้ไข").click()
    await page.locator("#err-return-5").wait_for()
    assert "ต้องระบุเหตุผล" in await page.locator("#err-return-5").inner_text()
    card5 = page.locator("#rv-5")
    await card5.locator("textarea[name=reason]").fill("ตัวเลขไม่ตรงกับรายงานของ พส.")
    await card5.get_by_role("button", name="ส่งกลับให้แก้ไข").click()
    await page.get_by_test_id("done").wait_for()
    assert await page.locator("#rv-5").get_attribute("data-status") == "returned"
    await done_with(owner, 422)

    # The staff see the reason on the row and correct it.
    staff = await as_user(browser, site, "cmi.staff")
    page = staff.page
    await page.goto(site.url + grid)
    assert "ตัวเลขไม่ตรงกับรายงานของ พส." in await page.get_by_test_id("returned-5").inner_text()
    corrected = "๕๖" if R == 1 else "๙๖"
    await page.locator("#kpi-5 input[name=value]").fill(corrected)
    await page.locator("#kpi-5").get_by_role("button", name="บันทึก").click()
    await page.locator("#kpi-5.saved").wait_for()
    assert await page.locator("#kpi-5 .status").get_attribute("data-status") == "submitted"
    await shot(page, "work-grid-resubmitted")
    await done_with(staff)

    # The reviewer approves KPI 2 alone, then the rest together, each looked at first.
    owner = await as_user(browser, site, "kpi.owner")
    page = owner.page
    await page.goto(site.url + grid + "/review")
    card2 = page.locator("#rv-2")
    await card2.locator("summary").click()
    assert await page.get_by_test_id("derivation-2").inner_text()
    await shot(page, "work-review-open")
    await card2.get_by_role("button", name="อนุมัติ", exact=True).click()
    await page.get_by_test_id("done").wait_for()
    for code in ("5", "8", "10"):
        box = page.locator(f"input[data-needs-look='{code}']")
        assert await box.is_disabled(), code  # not looked at yet
        await page.locator(f"#rv-{code} summary").click()
        await box.check()
    await page.get_by_role("button", name="อนุมัติที่เลือกไว้").click()
    await page.get_by_test_id("round-score").wait_for()
    shown_score = Decimal(await page.get_by_test_id("round-score").inner_text())
    derivation = await page.get_by_test_id("round-derivation").inner_text()
    await shot(page, "work-review-published")
    await done_with(owner)

    # The score on the page is the engine's, read through the application, and the hand's.
    final = await state(site, aid)
    assert final["rounds"][str(R)]["status"] == "published", final["rounds"]
    with site.db.reader() as session:
        tree = org_tree(session)
    public = read_agreement(
        db=site.db,
        reader=Principal(user_id="u-cmi-head", unit="cmi", grants=()),
        tree=tree,
        agreement_id=aid,
    )
    engine = public.agreement.round_scores[R]
    hand = ROUND_1_SCORE if R == 1 else ROUND_2_SCORE
    assert shown_score == engine.score == hand, (shown_score, engine.score, hand)
    assert engine.explanation_th == derivation
    await both_widths(browser, site, "kpi.owner", grid + "/review", "work-review-published")

    # The maker sees the published score and its derivation on the round's page.
    head = await as_user(browser, site, "cmi.head")
    await head.page.goto(site.url + grid)
    assert Decimal(await head.page.get_by_test_id("round-score").inner_text()) == hand
    await shot(head.page, "work-grid-published")
    await done_with(head)


async def test_self_approval_is_refused_next_to_the_field_with_the_note_kept(
    work: Site, browser: Browser
) -> None:
    """The reviewer also submits for this unit and entered KPI 5 themselves."""
    site = work
    aid = await signed_agreement(
        site, WORK_DEFINITION, "self", submitters=["u-cmi-staff", "u-owner"]
    )
    await until_round_opens(site.api, aid, R)
    v1 = f"/v1/agreements/{aid}/rounds/{R}"
    results = {
        "2": {"steps_done": [1, 2, 3]} if R == 1 else {"value": "90"},
        "5": {"value": "55" if R == 1 else "95"},
        "8": {"steps": [{"achieved": "1"}] * 4 + [{"achieved": "0"}]},
        "10": {"value": "52.5" if R == 1 else "98.5"},
    }
    for code, result in results.items():
        user = "kpi.owner" if code == "5" else "cmi.staff"
        await site.api.ok(site.api.post(user, f"{v1}/kpis/{code}/result", json=result))
        await attach_evidence(site, "cmi.staff", aid, R, code)
    await site.api.ok(site.api.post("cmi.staff", f"{v1}/submit"))

    owner = await as_user(browser, site, "kpi.owner")
    page = owner.page
    await page.goto(f"{site.url}/agreements/{aid}/rounds/{R}/review")
    await page.locator("#rv-5 summary").click()
    note = "ตรวจแล้วถูกต้อง ๑๐๐%"
    await page.locator("#rv-5 input[name=note]").fill(note)
    await page.locator("#rv-5").get_by_role("button", name="อนุมัติ", exact=True).click()
    error = page.locator("#err-approve-5")
    await error.wait_for()
    text = await error.inner_text()
    assert "nobody may review a result or evidence they submitted themselves" in text
    assert "separation_of_duties" in text
    assert await page.locator("#rv-5 input[name=note]").input_value() == note
    assert await page.locator("#rv-5 input[name=note]").get_attribute("aria-invalid") == "true"
    await shot(page, "work-refused-self-approval")
    await done_with(owner, 403)
    after = await state(site, aid)
    assert after["kpi_rounds"][kpi_round_key(R, "5")]["status"] == "submitted"


async def test_late_submission_is_refused_on_the_row_until_an_exception_is_granted(
    work: Site, browser: Browser
) -> None:
    """Last year's agreement: its rounds' cut-offs have passed."""
    site = work
    aid = await signed_agreement(site, LATE_DEFINITION, "late")
    staff = await as_user(browser, site, "cmi.staff")
    page = staff.page
    await page.goto(f"{site.url}/agreements/{aid}/rounds/1")
    row = page.locator("#kpi-10")
    await row.locator("input[name=value]").fill("๕๒.๕")
    await row.locator("input[name=note]").fill("ส่งช้าเพราะระบบ GFMIS ขัดข้อง")
    await row.get_by_role("button", name="บันทึก").click()
    error = page.locator("#err-10-row")
    await error.wait_for()
    text = await error.inner_text()
    assert "closed for submissions" in text and "no exception was granted" in text, text
    assert "before_cutoff" in text
    row = page.locator("#kpi-10")
    assert await row.locator("input[name=value]").input_value() == "๕๒.๕"
    assert await row.locator("input[name=note]").input_value() == "ส่งช้าเพราะระบบ GFMIS ขัดข้อง"
    await shot(page, "work-refused-late")
    await done_with(staff, 409)

    # The recipient grants an exception (a wrong date first: refused on the field, typed kept).
    permsec = await as_user(browser, site, "permsec")
    page = permsec.page
    await page.goto(f"{site.url}/agreements/{aid}/rounds/1/review")
    await page.locator("input[name=until]").fill("๓๑/๑๓/๒๕๗๐")
    await page.locator("textarea[name=reason]").fill("ระบบ GFMIS ขัดข้อง")
    await page.get_by_role("button", name="อนุญาตให้ส่งช้า").click()
    await page.locator("#err-exception-until").wait_for()
    assert await page.locator("textarea[name=reason]").input_value() == "ระบบ GFMIS ขัดข้อง"
    # until the tests' day: the workflow checks it on its clock, which runs on that day
    await page.locator("input[name=until]").fill(_be(today()))
    await page.get_by_role("button", name="อนุญาตให้ส่งช้า").click()
    await page.get_by_test_id("done").wait_for()
    await shot(page, "work-exception-granted")
    await done_with(permsec, 422)

    staff = await as_user(browser, site, "cmi.staff")
    page = staff.page
    await page.goto(f"{site.url}/agreements/{aid}/rounds/1")
    row = page.locator("#kpi-10")
    await row.locator("input[name=value]").fill("๕๒.๕")
    await row.locator("input[name=note]").fill("ส่งช้าเพราะระบบ GFMIS ขัดข้อง")
    await row.get_by_role("button", name="บันทึก").click()
    await page.locator("#kpi-10.saved").wait_for()
    await done_with(staff)

    entry = (await state(site, aid))["kpi_rounds"][kpi_round_key(1, "10")]
    assert Decimal(entry["result"]["value"]) == Decimal("52.5")
    assert entry["result"]["note"] == "ส่งช้าเพราะระบบ GFMIS ขัดข้อง"


def _be(day: object) -> str:
    from datetime import date

    assert isinstance(day, date)
    digits = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
    return f"{day.day}/{day.month}/{day.year + 543}".translate(digits)


def _data_strings() -> list[str]:
    """What the English screens may show in Thai: the agreement's own words (KPI names,
    criteria, units, title), people's names and positions, units' names, and what users typed."""
    found: list[str] = []
    definition = demo_definition()
    for kpi in definition.kpis:
        found += [kpi.name_th, kpi.unit, kpi.owner or ""]
        for criteria in kpi.criteria.values():
            found += [t or "" for t in getattr(criteria, "levels", [])]
            found += list(getattr(criteria, "steps", []))
        if kpi.formula:
            found.append(kpi.formula.text)
    for _, _, name, position, _, _ in USERS:
        found += [name, position]
    for unit in UNITS:
        found.append(unit.name_th)
    found += [definition.title_th, "เบิกจ่ายแล้ว", "งบที่ได้รับจัดสรร", "บาท", ORDER, "หลักฐาน"]
    found += ["ตัวเลขไม่ตรงกับรายงานของ พส.", "ไทย", "ภาษาไทย"]
    return sorted({s for s in found if s}, key=len, reverse=True)


async def test_every_working_screen_in_english(work: Site, browser: Browser) -> None:
    site = work
    aid = await signed_agreement(site, WORK_DEFINITION, "english")
    await until_round_opens(site.api, aid, R)
    await attach_evidence(site, "cmi.staff", aid, R, "5")
    await site.api.ok(
        site.api.post(
            "cmi.staff", f"/v1/agreements/{aid}/rounds/{R}/kpis/5/result", json={"value": "55"}
        )
    )
    unsigned = await new_agreement(site, WORK_DEFINITION, "english-draft")
    screens = [
        ("cmi.staff", f"/agreements/{aid}/rounds/{R}", "grid"),
        ("cmi.staff", f"/agreements/{aid}/rounds/{R}/kpis/10", "kpi"),
        ("kpi.owner", "/review", "review-queue"),
        ("kpi.owner", f"/agreements/{aid}/rounds/{R}/review", "review"),
        ("permsec", f"/agreements/{aid}/rounds/{R}/review", "review-recipient"),
        ("cmi.head", f"/agreements/{aid}/sign", "sign-active"),
        ("permsec", f"/agreements/{unsigned}/sign", "sign-draft"),
    ]
    data = _data_strings()
    for username, path, name in screens:
        watched = await as_user(browser, site, username)
        page = watched.page
        await page.goto(f"{site.url}/lang/en?next={path}")
        await page.wait_for_url(site.url + path)
        await page.locator("html[lang=en]").wait_for()
        for details in await page.locator("details").all():
            await details.locator("summary").click()
        text = await page.locator("body").inner_text()
        left = text
        for s in data:
            left = left.replace(s, "")
        assert not THAI.search(left), (
            path,
            [line for line in left.splitlines() if THAI.search(line)],
        )
        assert not re.search(r"\b(results|review|sign|revision|work)\.[a-z_]+\b", text), path
        await shot(page, f"work-en-{name}")
        await done_with(watched)
        await both_widths(browser, site, username, path, f"work-{name}")


async def test_a_draft_returned_with_comments_and_a_target_revision_decided(
    work: Site, browser: Browser
) -> None:
    site = work
    draft = await new_agreement(site, WORK_DEFINITION, "draft")
    permsec = await as_user(browser, site, "permsec")
    page = permsec.page
    await page.goto(f"{site.url}/agreements/{draft}/sign")
    await page.get_by_role("button", name="ส่งร่างกลับให้แก้ไข").click()
    await page.locator("#err-comments").wait_for()
    comments = "ขอให้ปรับน้ำหนักตัวชี้วัดที่ ๑๐"
    await page.locator("textarea[name=comments]").fill(comments)
    await page.get_by_role("button", name="ส่งร่างกลับให้แก้ไข").click()
    await page.get_by_test_id("done").wait_for()
    assert comments in await page.locator("main").inner_text()
    await shot(page, "work-sign-draft-returned")
    await done_with(permsec, 422)
    returned = await state(site, draft)
    assert returned["status"] == "negotiation" and returned["negotiation_note"] == comments

    aid = await signed_agreement(site, WORK_DEFINITION, "revise")
    head = await as_user(browser, site, "cmi.head")
    page = head.page
    await page.goto(f"{site.url}/agreements/{aid}/sign")
    await page.locator("select[name=kpi]").select_option("10")
    await page.locator("select[name=round]").select_option(str(R))
    for i, typed in enumerate(("๔๐", "๔๒", "สี่สิบสี่", "๔๖", "๔๘"), start=1):
        await page.locator(f"input[name=t{i}]").fill(typed)
    await page.locator("select[name=reason_code]").select_option("budget_cut")
    reason = "งบประมาณถูกปรับลดร้อยละ ๑๐"
    await page.locator("textarea[name=reason]").fill(reason)
    await page.get_by_role("button", name="เสนอปรับเป้าหมาย").click()
    await page.locator("#err-t3").wait_for()
    assert await page.locator("input[name=t3]").input_value() == "สี่สิบสี่"
    assert await page.locator("textarea[name=reason]").input_value() == reason
    await page.locator("input[name=t3]").fill("๔๔")
    await page.get_by_role("button", name="เสนอปรับเป้าหมาย").click()
    await page.get_by_test_id("pending-revision").wait_for()
    await shot(page, "work-revision-proposed")
    await done_with(head, 422)

    permsec = await as_user(browser, site, "permsec")
    page = permsec.page
    await page.goto(f"{site.url}/agreements/{aid}/sign")
    assert reason in await page.get_by_test_id("pending-revision").inner_text()
    await page.get_by_role("button", name="อนุมัติการปรับ").click()
    await page.get_by_test_id("done").wait_for()
    await done_with(permsec)
    revised = await state(site, aid)
    assert revised["pending_revision"] is None and revised["definition_version"] == 2
    await both_widths(browser, site, "cmi.head", f"/agreements/{aid}/sign", "work-sign-active")


async def test_the_review_chain_returns_a_round_then_endorses_it(
    work: Site, browser: Browser
) -> None:
    """A higher reviewer (committee2) after the evaluator: the round comes back with a reason,
    is approved again, then endorsed and published. The evaluator's steps go through the API."""
    site = work
    aid = await signed_agreement(site, WORK_DEFINITION, "chain", review_chain=["u-committee-2"])
    await until_round_opens(site.api, aid, R)
    v1 = f"/v1/agreements/{aid}/rounds/{R}"
    results = {
        "2": {"steps_done": [1, 2, 3]} if R == 1 else {"value": "90"},
        "5": {"value": "55" if R == 1 else "95"},
        "8": {"steps": [{"achieved": "1"}] * 4 + [{"achieved": "0"}]},
        "10": {"value": "52.5" if R == 1 else "98.5"},
    }
    for code, result in results.items():
        await site.api.ok(site.api.post("cmi.staff", f"{v1}/kpis/{code}/result", json=result))
        await attach_evidence(site, "cmi.staff", aid, R, code)
    await site.api.ok(site.api.post("cmi.staff", f"{v1}/submit"))
    for code in results:
        await site.api.ok(site.api.post("kpi.owner", f"{v1}/kpis/{code}/approve", json={}))

    higher = await as_user(browser, site, "committee2")
    page = higher.page
    review = f"{site.url}/agreements/{aid}/rounds/{R}/review"
    await page.goto(review)
    assert await page.get_by_test_id("round-status").inner_text() == "อยู่ระหว่างให้ความเห็นชอบ"
    await page.locator("input[name='kpi.5']").check()
    await page.get_by_role("button", name="ส่งกลับผู้ตรวจ").click()
    await page.locator("#err-return_round").wait_for()
    assert await page.locator("input[name='kpi.5']").is_checked()
    reason = "ขอให้ตรวจหลักฐานของตัวชี้วัดที่ ๕ อีกครั้ง"
    await page.locator("form[action$='/return-round'] textarea[name=reason]").fill(reason)
    await page.get_by_role("button", name="ส่งกลับผู้ตรวจ").click()
    await page.get_by_test_id("done").wait_for()
    await shot(page, "work-chain-returned")
    await done_with(higher, 422)
    assert (await state(site, aid))["rounds"][str(R)]["status"] == "review"

    await site.api.ok(site.api.post("kpi.owner", f"{v1}/kpis/5/approve", json={}))
    higher = await as_user(browser, site, "committee2")
    page = higher.page
    await page.goto(review)
    await page.get_by_role("button", name="เห็นชอบผลของรอบ").click()
    await page.get_by_test_id("round-score").wait_for()
    await shot(page, "work-chain-endorsed")
    await done_with(higher)
    assert (await state(site, aid))["rounds"][str(R)]["status"] == "published"
