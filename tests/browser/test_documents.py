"""The printed documents in the browser: the agreement page's download link gives a PDF whose
QR code opens the verification page, which says ตรงกัน for the real record and ไม่ตรงกัน for an
altered hash; at 1280 px and on a 390 px phone, without sideways scrolling or console errors."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.async_api import Browser

from tests.browser.conftest import Site, shot, sign_in, watched_page


def qr_url(pdf: bytes, folder: Path) -> str:
    path = folder / "agreement.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "110", "-png", "-singlefile", str(path), str(folder / "page")],
        check=True,
    )
    found = zxingcpp.read_barcodes(
        Image.open(io.BytesIO((folder / "page.png").read_bytes())).convert("L")
    )
    assert len(found) == 1
    return str(found[0].text)


async def test_the_qr_code_opens_a_verification_that_matches(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    watched = await watched_page(browser)
    await sign_in(site, watched, "cmi.head")
    page = watched.page
    await page.goto(f"{site.url}/agreements/{site.demo_id}")
    link = page.get_by_test_id("agreement-pdf")
    assert await link.get_attribute("href") == f"/agreements/{site.demo_id}/agreement.pdf"
    async with page.expect_download() as downloading:
        await link.click()
    download = await downloading.value
    pdf = Path(await download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    url = qr_url(pdf, tmp_path)
    assert re.fullmatch(
        rf"{re.escape(site.url)}/verify/agreements/{site.demo_id}\?hash=[0-9a-f]{{64}}", url
    )
    await page.goto(url)
    verdict = page.get_by_test_id("verdict")
    assert (await verdict.locator(".verdict-word").inner_text()).strip() == "ตรงกัน"
    assert await page.locator(".proof.ok").count() >= 1
    assert await page.locator(".proof.bad").count() == 0
    await shot(page, "verify-agreement-matches")
    altered = url[:-1] + ("0" if url[-1] != "0" else "1")
    await page.goto(altered)
    assert (await verdict.locator(".verdict-word").inner_text()).strip() == "ไม่ตรงกัน"
    await shot(page, "verify-agreement-does-not-match")
    await page.get_by_role("link", name="English").click()
    assert (await verdict.locator(".verdict-word").inner_text()).strip() == "does not match"
    watched.assert_clean()
    await page.context.close()

    phone = await watched_page(browser, width=390)
    await sign_in(site, phone, "cmi.head")
    await phone.page.goto(url)
    assert (
        await phone.page.get_by_test_id("verdict").locator(".verdict-word").inner_text()
    ).strip() == "ตรงกัน"
    await phone.page.keyboard.press("Tab")
    wide = await phone.page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, wide
    await shot(phone.page, "verify-agreement-phone")
    phone.assert_clean()
    await phone.page.context.close()


async def test_out_of_scope_verification_is_a_404_page(site: Site, browser: Browser) -> None:
    watched = await watched_page(browser)
    await sign_in(site, watched, "skw.head")
    answer = await watched.page.goto(f"{site.url}/verify/agreements/{site.demo_id}?hash=00")
    assert answer is not None and answer.status == 404
    answer = await watched.page.goto(f"{site.url}/agreements/{site.demo_id}/agreement.pdf")
    assert answer is not None and answer.status == 404
    await watched.page.context.close()
