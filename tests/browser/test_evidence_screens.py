"""The evidence screens in chromium: a 30 MiB upload with its progress bar seen advancing and
the hash shown equal to the file's; several files at once; PDF and image previews inline, each
an audited read; a disguised executable refused with the server's reason on the file;
withdrawal with a reason; the screens in English; a 390 px phone."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect
from sqlmodel import col, select

from domain.media import UnsupportedMedia, sniff
from domain.thai import fiscal_year_bounds, format_date_th
from storage.tables import AuditEntry, EvidenceRow
from tests.browser.conftest import Site, Watched, shot, sign_in, watched_page
from tests.browser.evidence_steps import (
    ROWS,
    choose_and_send,
    elf_bytes,
    evidence_path,
    pdf_bytes,
    png_bytes,
    upload_evidence,
    wait_finished,
)
from tests.support.http import FY, open_round

MIB = 1024 * 1024
THAI = re.compile(r"[\u0E00-\u0E7F]")
TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@dataclass
class Room:
    """An agreement signed with today's round open, and its KPI 2's evidence page."""

    site: Site
    agreement_id: str
    round: int
    path: str


@pytest.fixture(scope="module")
async def room(site: Site) -> AsyncIterator[Room]:
    services = site.api.services
    assert services is not None
    # These screens move a 30 MiB file; the shared fixture's limit is 64 KiB for cheap refusals.
    services.evidence_max_bytes = 40 * MIB
    round_path = await open_round(site.api, "evw")
    _, _, agreement_id, _, round_text = round_path.strip("/").split("/")
    yield Room(
        site, agreement_id, int(round_text), evidence_path(agreement_id, int(round_text), "2")
    )


async def staff_on_page(room: Room, browser: Browser, width: int = 1280) -> Watched:
    watched = await watched_page(browser, width=width)
    await sign_in(room.site, watched, "cmi.staff")
    await watched.page.goto(room.site.url + room.path)
    return watched


def clean(watched: Watched) -> None:
    # The preview frame's document carries its own, narrower CSP (frame-ancestors 'self'), and
    # chromium draws a PDF with its own viewer (an extension's page, not ours).
    watched.problems = [
        p
        for p in watched.problems
        if not (p.startswith("no CSP on ") and ("/view" in p or "chrome-extension://" in p))
    ]
    watched.assert_clean()


def reads_of(room: Room, evidence_id: str) -> list[AuditEntry]:
    with room.site.db.reader() as session:
        statement = select(AuditEntry).where(
            AuditEntry.subject_id == evidence_id, AuditEntry.action == "evidence.read"
        )
        return list(session.exec(statement.order_by(col(AuditEntry.seq))))


def evidence_named(room: Room, sha256: str) -> EvidenceRow:
    with room.site.db.reader() as session:
        row = session.exec(
            select(EvidenceRow).where(
                EvidenceRow.sha256 == sha256, EvidenceRow.agreement_id == room.agreement_id
            )
        ).first()
    assert row is not None
    return row


async def no_sideways_scroll(page: Page) -> None:
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


async def test_a_30_mib_upload_shows_its_progress_and_the_files_hash(
    room: Room, browser: Browser, tmp_path: Path
) -> None:
    big = tmp_path / "รายงานประจำไตรมาส.pdf"
    big.write_bytes(pdf_bytes("big", 30 * MIB))
    expected = hashlib.sha256(big.read_bytes()).hexdigest()
    watched = await staff_on_page(room, browser)
    page = watched.page
    # Loopback moves 30 MiB in a blink: a 12 MiB/s uplink (an office line) lets the bar be seen.
    cdp = await page.context.new_cdp_session(page)
    await cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 12 * MIB},
    )
    before = await choose_and_send(page, [big])
    row = page.locator(ROWS).nth(before)
    samples: list[float] = []
    for _ in range(1200):
        phase = await row.get_attribute("data-phase")
        if phase == "uploading":
            samples.append(float(await row.locator("progress").evaluate("p => p.value")))
            if len(samples) == 3:
                await shot(page, "evidence-uploading-1280")
        elif phase in ("saving", "done", "refused"):
            break
        await asyncio.sleep(0.05)
    await cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    await wait_finished(page, before, 1)
    middle = [s for s in samples if 0 < s < 1]
    assert len(set(middle)) >= 3, samples
    assert middle == sorted(middle), samples
    assert await row.get_attribute("data-phase") == "done"
    assert await row.locator(".file-hash").get_attribute("data-sha256") == expected
    assert expected in await row.locator(".file-hash").inner_text()
    # The list below now holds it, with the same hash, as the server recorded it.
    listed = page.locator("#evidence-list [data-testid=sha256]", has_text=expected)
    await expect(listed).to_have_count(1)
    assert evidence_named(room, expected).size == 30 * MIB + 0
    await shot(page, "evidence-after-upload-1280")
    clean(watched)
    await page.context.close()


async def test_several_files_at_once_then_pdf_and_image_previews_are_audited_reads(
    room: Room, browser: Browser, tmp_path: Path
) -> None:
    report, photo = tmp_path / "สรุปผล.pdf", tmp_path / "ภาพกิจกรรม.png"
    report.write_bytes(pdf_bytes("several"))
    photo.write_bytes(png_bytes())
    watched = await staff_on_page(room, browser)
    page = watched.page
    before = await choose_and_send(page, [report, photo])
    await wait_finished(page, before, 2)
    hashes = []
    for i, path in enumerate((report, photo)):
        row = page.locator(ROWS).nth(before + i)
        assert await row.get_attribute("data-phase") == "done"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert await row.locator(".file-hash").get_attribute("data-sha256") == digest
        hashes.append(digest)
    pdf_row, png_row = (evidence_named(room, h) for h in hashes)

    # The image: inline on its preview page, the read audited.
    reads = len(reads_of(room, png_row.id))
    card = page.locator(f"[data-evidence='{png_row.id}']")
    await card.get_by_role("link", name=re.compile("ดูไฟล์")).click()
    await page.wait_for_url(re.compile(rf"/evidence/{png_row.id}$"))
    image = page.get_by_test_id("preview")
    await expect(image).to_be_visible()
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=preview]').naturalWidth === 48"
    )
    assert hashes[1] in await page.locator("main").inner_text()
    assert len(reads_of(room, png_row.id)) == reads + 1
    await shot(page, "evidence-preview-image-1280")

    # The PDF: framed from a same-origin route that says inline, nosniff, this site only.
    reads = len(reads_of(room, pdf_row.id))
    async with page.expect_response(re.compile(rf"/evidence/{pdf_row.id}/view$")) as framed:
        await page.goto(f"{room.site.url}/evidence/{pdf_row.id}")
    response = await framed.value
    headers = response.headers
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"].startswith("inline;")
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert (
        await page.get_by_test_id("preview").get_attribute("src") == f"/evidence/{pdf_row.id}/view"
    )
    assert len(reads_of(room, pdf_row.id)) == reads + 1
    entry = reads_of(room, pdf_row.id)[-1]
    assert entry.actor_id == "u-cmi-staff" and entry.facts["sha256"] == hashes[0]
    await shot(page, "evidence-preview-pdf-1280")
    clean(watched)
    await page.context.close()


async def test_a_disguised_executable_is_refused_with_the_servers_reason_on_the_file(
    room: Room, browser: Browser, tmp_path: Path
) -> None:
    disguised = tmp_path / "รายงาน.pdf"
    disguised.write_bytes(elf_bytes())
    with pytest.raises(UnsupportedMedia) as refused:
        sniff(disguised.read_bytes()[:8192], disguised.name)
    server_words = refused.value.violations[0].message.split(" / ")[0]
    watched = await staff_on_page(room, browser)
    page = watched.page
    await page.locator("#effective_from").fill("๑/๑๐/๒๕๖๘")
    before = await choose_and_send(page, [disguised])
    await wait_finished(page, before, 1)
    row = page.locator(ROWS).nth(before)
    assert await row.get_attribute("data-phase") == "refused"
    await expect(row.locator(".file-error")).to_have_text(server_words)
    assert await page.locator("#effective_from").input_value() == "๑/๑๐/๒๕๖๘"  # kept
    with room.site.db.reader() as session:
        names = session.exec(
            select(EvidenceRow.original_name).where(EvidenceRow.agreement_id == room.agreement_id)
        ).all()
    assert disguised.name not in names
    await shot(page, "evidence-refused-1280")
    # The browser's console names the 415 response; that is the refusal, not a page fault.
    watched.problems = [p for p in watched.problems if "415" not in p]
    clean(watched)
    await page.context.close()


async def test_a_period_that_ends_before_it_starts_is_refused_next_to_the_field(
    room: Room, browser: Browser, tmp_path: Path
) -> None:
    """Thai digits and BE years are accepted; the refusal keeps what was typed and says why
    next to the field; corrected, the same file goes and its period is listed."""
    start, _ = fiscal_year_bounds(FY)
    first = f"{start.day}/{start.month}/{start.year + 543}".translate(TO_THAI)
    earlier = f"{start.day}/{start.month}/{start.year + 542}".translate(TO_THAI)
    period = tmp_path / "ผลการดำเนินงาน.pdf"
    period.write_bytes(pdf_bytes("period"))
    watched = await staff_on_page(room, browser)
    page = watched.page
    await page.locator("#effective_from").fill(first)
    await page.locator("#effective_to").fill(earlier)
    before = await choose_and_send(page, [period])
    await wait_finished(page, before, 1)
    row = page.locator(ROWS).nth(before)
    assert await row.get_attribute("data-phase") == "refused"
    await expect(page.locator("#effective_to-error")).to_have_text("วันสิ้นสุดต้องไม่ก่อนวันเริ่มต้น")
    assert await page.locator("#effective_to").get_attribute("aria-invalid") == "true"
    assert await page.locator("#effective_from").input_value() == first
    assert await page.locator("#effective_to").input_value() == earlier
    await shot(page, "evidence-period-refused-1280")
    await page.locator("#effective_to").fill("")
    await page.locator("#effective_from").fill("31/13/2569")
    before = await choose_and_send(page, [period])
    await wait_finished(page, before, 1)
    await expect(page.locator("#effective_from-error")).to_contain_text("๓๑/๓/๒๕๖๙")
    await page.locator("#effective_from").fill(first)
    digest = await upload_evidence(page, period)
    assert not await page.locator("#effective_from-error").is_visible()
    assert evidence_named(room, digest).effective_from == start
    card = page.locator(f"#evidence-list [data-evidence='{evidence_named(room, digest).id}']")
    await expect(card).to_contain_text(format_date_th(start))
    watched.problems = [p for p in watched.problems if "422" not in p]
    clean(watched)
    await page.context.close()


async def test_the_upload_route_needs_the_session_and_its_csrf_header(
    room: Room, browser: Browser
) -> None:
    watched = await staff_on_page(room, browser)
    page = watched.page
    url = f"{room.site.url}{room.path}/upload?name=x.pdf"
    body = pdf_bytes("no-csrf")
    without = await page.request.post(url, data=body, headers={"Content-Type": "application/pdf"})
    assert without.status == 403 and "X-CSRF-Token" in (await without.json())["detail"]
    other = await page.context.browser.new_context()  # type: ignore[union-attr]
    anonymous = await other.request.post(url, data=body, headers={"X-CSRF-Token": "x"})
    assert anonymous.status == 401
    await other.close()
    await page.context.close()


async def test_a_new_file_replaces_an_earlier_one_which_stays_listed(
    room: Room, browser: Browser, tmp_path: Path
) -> None:
    old, new = tmp_path / "แผนงาน-เดิม.pdf", tmp_path / "แผนงาน-ฉบับแก้.pdf"
    old.write_bytes(pdf_bytes("old plan"))
    new.write_bytes(pdf_bytes("new plan"))
    watched = await staff_on_page(room, browser)
    page = watched.page
    first = evidence_named(room, await upload_evidence(page, old))
    # The list and the "replaces" choices were refreshed after the upload, without a reload.
    await page.locator("#supersedes").select_option(first.id)
    second = evidence_named(room, await upload_evidence(page, new))
    past = page.locator(f".evidence.past [data-evidence='{first.id}']")
    await expect(past).to_contain_text("ถูกแทนที่ด้วยไฟล์ใหม่")
    await expect(
        page.locator(f"#evidence-list > ul:not(.past) [data-evidence='{second.id}']")
    ).to_have_count(1)
    with room.site.db.reader() as session:
        replaced = session.get(EvidenceRow, first.id)
    assert replaced is not None and replaced.superseded_by == second.id
    clean(watched)
    await page.context.close()


async def test_out_of_scope_evidence_is_a_404_and_no_read_is_recorded(
    room: Room, browser: Browser, tmp_path: Path
) -> None:
    secret = tmp_path / "ลับ.pdf"
    secret.write_bytes(pdf_bytes("scope"))
    watched = await staff_on_page(room, browser)
    row = evidence_named(room, await upload_evidence(watched.page, secret))
    await watched.page.context.close()
    other = await watched_page(browser)
    await sign_in(room.site, other, "skw.head")  # another province's head
    for path in (room.path, f"/evidence/{row.id}", f"/evidence/{row.id}/view"):
        response = await other.page.goto(room.site.url + path)
        assert response is not None and response.status == 404, path
    assert reads_of(room, row.id) == []
    await other.page.context.close()


async def test_withdrawal_needs_a_reason_and_keeps_the_file_listed(
    room: Room, browser: Browser, tmp_path: Path
) -> None:
    doomed = tmp_path / "ฉบับร่าง.pdf"
    doomed.write_bytes(pdf_bytes("withdraw"))
    watched = await staff_on_page(room, browser)
    page = watched.page
    digest = await upload_evidence(page, doomed)
    row = evidence_named(room, digest)
    card = page.locator(f"[data-evidence='{row.id}']")
    await card.locator("summary").click()
    await card.get_by_role("button", name="ยืนยันการถอน").click()
    card = page.locator(f"[data-evidence='{row.id}']")
    await expect(card.locator(".field-error")).to_have_text("ต้องระบุเหตุผล")
    await shot(page, "evidence-withdraw-refused-1280")
    await card.locator("textarea").fill("แนบผิดไฟล์ ใช้ฉบับลงนามแทน")
    await card.get_by_role("button", name="ยืนยันการถอน").click()
    await page.wait_for_url(re.compile(r"\?withdrawn="))
    past = page.locator(f".evidence.past [data-evidence='{row.id}']")
    await expect(past).to_contain_text("แนบผิดไฟล์ ใช้ฉบับลงนามแทน")
    await expect(page.locator(".flash")).to_be_visible()
    with room.site.db.reader() as session:
        again = session.get(EvidenceRow, row.id)
    assert again is not None and again.superseded_at is not None
    assert again.withdrawal_reason == "แนบผิดไฟล์ ใช้ฉบับลงนามแทน"
    await shot(page, "evidence-withdrawn-1280")
    # The empty reason was refused with 422: the browser names the document's status.
    watched.problems = [p for p in watched.problems if "422" not in p]
    clean(watched)
    await page.context.close()


async def _labels_without_data(page: Page) -> str:
    """The page's text less what users typed or named (file names, KPI and agreement names,
    reasons, people): those are data, shown as entered; and the switch to Thai, named in Thai."""
    text = await page.evaluate(
        """() => {
          const copy = document.body.cloneNode(true);
          copy.querySelectorAll('.data, .who, .lang, .name, .file-name, .reason, option, code')
              .forEach(n => n.remove());
          return copy.innerText;
        }"""
    )
    assert isinstance(text, str)
    return text


async def test_the_evidence_screens_in_english_and_on_a_phone(
    room: Room, browser: Browser, tmp_path: Path
) -> None:
    photo, disguised = tmp_path / "photo.png", tmp_path / "report.pdf"
    photo.write_bytes(png_bytes(64, 40))
    disguised.write_bytes(elf_bytes(12 * 1024))
    for width in (1280, 390):
        watched = await staff_on_page(room, browser, width)
        page = watched.page
        await page.goto(f"{room.site.url}/lang/en?next={room.path}")
        await page.wait_for_url(re.compile(re.escape(room.path) + "$"))
        before = await choose_and_send(page, [photo, disguised])
        await wait_finished(page, before, 2)
        await expect(page.locator(ROWS).nth(before + 1).locator(".file-error")).to_contain_text(
            "not an allowed type"
        )
        labels = await _labels_without_data(page)
        assert not THAI.search(labels), THAI.findall(labels)
        await no_sideways_scroll(page)
        await shot(page, f"evidence-en-{width}")
        shown = await page.locator(f"{ROWS} .file-hash").first.get_attribute("data-sha256")
        row = evidence_named(room, shown or "")
        await page.goto(f"{room.site.url}/evidence/{row.id}")
        labels = await _labels_without_data(page)
        assert not THAI.search(labels), THAI.findall(labels)
        await no_sideways_scroll(page)
        await shot(page, f"evidence-preview-en-{width}")
        # Thai, on the phone too.
        await page.goto(f"{room.site.url}/lang/th?next={room.path}")
        await no_sideways_scroll(page)
        await shot(page, f"evidence-th-{width}")
        watched.problems = [p for p in watched.problems if "415" not in p]
        clean(watched)
        await page.context.close()
