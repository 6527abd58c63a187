"""The web app as its users meet it, in chromium: each demo role signs in and sees their inbox;
the demo agreement shows the source form's KPI table; Thai and English; signing out leaves
nothing behind the back button; CSRF, escaping, scope, CSP; a 390 px phone."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.async_api import Browser

from rabrong.demo import USERS, demo_definition
from tests.browser.conftest import EVIL, Site, Watched, shot, sign_in, sign_out, watched_page

SOURCE_FORM = Path(__file__).resolve().parents[1] / "fixtures" / "seed000_fy2565_provincial.json"


async def counts_on_page(watched: Watched) -> dict[str, int]:
    chips = watched.page.locator("[data-testid=counts] li")
    found: dict[str, int] = {}
    for i in range(await chips.count()):
        chip = chips.nth(i)
        kind = await chip.get_attribute("data-kind")
        number = await chip.locator("strong[data-open]").get_attribute("data-open")
        assert kind is not None and number is not None
        found[kind] = int(number)
    return found


async def test_each_demo_role_signs_in_and_sees_their_inbox_with_its_counts(
    site: Site, browser: Browser
) -> None:
    """The counts on the page are the JSON inbox's counts for the same user, and the maker of
    the two agreements made for this test has (at least) their two signatures to give."""
    for _, username, name, *_ in USERS:
        watched = await watched_page(browser)
        await sign_in(site, watched, username)
        page = watched.page
        await page.get_by_role("heading", name="กล่องงาน").wait_for()
        assert name in await page.locator(".who").inner_text()
        listing = await site.api.ok(site.api.get(username, "/v1/tasks"))
        expected = {kind: c["open"] for kind, c in listing["counts"].items()}
        assert await counts_on_page(watched) == expected, username
        total = await page.locator("[data-total]").get_attribute("data-total")
        assert total == str(listing["count"])
        if username == "cmi.head":
            assert expected.get("sign", 0) >= 2
            assert await page.locator("li.task[data-kind=sign]").count() >= 2
            assert "ลงนามคำรับรอง" in await page.locator("li.task").first.inner_text()
        await shot(page, f"inbox-{username}")
        await sign_out(watched)
        watched.assert_clean()
        await page.context.close()


async def test_demo_agreement_shows_the_kpi_table_as_the_source_form(
    site: Site, browser: Browser
) -> None:
    """Code and weight per round of each demo KPI as seed 000's transcription of the paper form
    has them; name and the five criteria levels as the agreement's definition words them (the
    demo abridges some of the form's names and milestone texts); reached from the inbox."""
    source: dict[str, Any] = json.loads(SOURCE_FORM.read_text("utf-8"))
    form = {k["code"]: k for k in source["kpis"]}
    agreed = {k.code: k.model_dump(mode="json") for k in demo_definition().kpis}
    watched = await watched_page(browser)
    await sign_in(site, watched, "cmi.head")
    page = watched.page
    task = page.locator("li.task", has_text=site.demo_id)
    await task.get_by_role("link", name="ลงนามคำรับรอง").click()
    await page.wait_for_url(f"{site.url}/agreements/{site.demo_id}")
    table = page.get_by_test_id("kpi-table")
    shown_kpis = [k.code for k in demo_definition().kpis]
    assert shown_kpis  # the demo carries some of the form's KPIs (decision 0006)
    for code in shown_kpis:
        row = table.locator(f"tr[data-kpi='{code}']")
        cells = [c.strip() for c in await row.locator("td").all_inner_texts()]
        assert cells[0] == code
        assert agreed[code]["name_th"] in cells[1]
        for number in (1, 2):
            weight = await row.locator(f"td[data-round='{number}']").inner_text()
            assert Decimal(weight) == Decimal(form[code]["weights"][str(number)])
        for number in (1, 2):
            criteria = agreed[code]["criteria"][str(number)]
            levels = page.get_by_test_id(f"criteria-{code}-{number}").locator("td")
            texts = await levels.all_inner_texts()
            assert len(texts) == 5
            if criteria["method"] == "milestones":
                for text, level in zip(texts, criteria["levels"], strict=True):
                    assert text == (level or "–")
            elif criteria["method"] == "threshold_ladder":
                for text, bound in zip(texts, criteria["thresholds"], strict=True):
                    assert Decimal(text.split()[-1]) == Decimal(bound["value"])
    await shot(page, "agreement-demo-th")
    watched.assert_clean()
    await page.context.close()


async def test_english_is_a_click_away_and_stays_chosen(site: Site, browser: Browser) -> None:
    watched = await watched_page(browser)
    await sign_in(site, watched, "cmi.staff")
    page = watched.page
    await page.get_by_role("link", name="English").click()
    await page.get_by_role("heading", name="Inbox").wait_for()
    await shot(page, "inbox-cmi.staff-en")
    await page.goto(f"{site.url}/agreements/{site.demo_id}")
    await page.get_by_role("heading", name="Evaluation framework").wait_for()
    assert await page.locator("html").get_attribute("lang") == "en"
    await shot(page, "agreement-demo-en")
    await sign_out(watched)
    # Chosen before signing out, still chosen on the sign-in page and after signing in again.
    await page.get_by_role("heading", name="Sign in").wait_for()
    await sign_in(site, watched, "cmi.staff")
    await page.get_by_role("heading", name="Inbox").wait_for()
    await page.get_by_role("link", name="ภาษาไทย").click()
    await page.get_by_role("heading", name="กล่องงาน").wait_for()
    assert await page.locator("html").get_attribute("lang") == "th"
    watched.assert_clean()
    await page.context.close()


async def test_after_signing_out_the_back_button_shows_nothing_private(
    site: Site, browser: Browser
) -> None:
    watched = await watched_page(browser)
    await sign_in(site, watched, "cmi.head")
    page = watched.page
    name = "นายเชียงใหม่ หัวหน้า"
    response = await page.goto(f"{site.url}/agreements/{site.demo_id}")
    assert response is not None and response.headers["cache-control"] == "no-store"
    await sign_out(watched)
    await shot(page, "signed-out")
    await page.go_back()
    await page.wait_for_load_state()
    assert "/signin" in page.url
    body = await page.locator("body").inner_text()
    assert name not in body and site.demo_id not in body
    await shot(page, "back-after-sign-out")
    # The old session id is dead on the server too, not only forgotten by this browser.
    await page.goto(f"{site.url}/")
    assert "/signin" in page.url
    watched.assert_clean()
    await page.context.close()


async def test_a_form_without_its_csrf_token_is_refused(site: Site, browser: Browser) -> None:
    watched = await watched_page(browser)
    await sign_in(site, watched, "cmi.head")
    page = watched.page
    request = page.context.request
    no_token = await request.post(f"{site.url}/signout", form={"x": "1"})
    assert no_token.status == 403
    wrong = await request.post(f"{site.url}/signout", form={"csrf": "not-the-token"})
    assert wrong.status == 403
    claim = await request.post(f"{site.url}/tasks/claim", form={"task_id": "anything", "take": "1"})
    assert claim.status == 403
    # Still signed in: the refused forms did nothing.
    await page.goto(f"{site.url}/")
    await page.get_by_role("heading", name="กล่องงาน").wait_for()
    # Signing in from another site's form (no token from our form) is refused as well.
    fresh = await browser.new_context()
    forged = await fresh.request.post(
        f"{site.url}/signin", form={"username": "cmi.head", "password": site.password}
    )
    assert forged.status == 403
    await fresh.close()
    watched.assert_clean()
    await page.context.close()


async def test_markup_in_a_kpi_name_and_a_user_name_renders_as_text(
    site: Site, browser: Browser
) -> None:
    watched = await watched_page(browser)
    await sign_in(site, watched, "evil.staff")
    page = watched.page
    assert EVIL in await page.locator(".who").inner_text()
    await page.goto(f"{site.url}/agreements/{site.evil_id}")
    first = page.get_by_test_id("kpi-table").locator("tbody tr").first
    assert EVIL in await first.inner_text()
    assert await page.evaluate("window.hacked") is None
    assert await page.locator("main script").count() == 0
    await shot(page, "agreement-markup-as-text")
    watched.assert_clean()
    await page.context.close()


async def test_out_of_scope_and_unknown_pages_are_a_404_page(site: Site, browser: Browser) -> None:
    watched = await watched_page(browser)
    await sign_in(site, watched, "skw.head")
    page = watched.page
    response = await page.goto(f"{site.url}/agreements/{site.demo_id}")
    assert response is not None and response.status == 404
    await page.get_by_role("heading", name="ไม่พบหน้าที่ต้องการ").wait_for()
    assert "Content-Security-Policy".lower() in response.headers
    await shot(page, "404-out-of-scope")
    unknown = await page.goto(f"{site.url}/no-such-page")
    assert unknown is not None and unknown.status == 404
    assert "ไม่พบหน้านี้" in await page.locator("main").inner_text()
    # The console's own messages for a 404 document are the browser's, not a page error.
    watched.problems = [p for p in watched.problems if "404" not in p]
    watched.assert_clean()
    await page.context.close()


async def test_a_390px_phone_never_scrolls_sideways(site: Site, browser: Browser) -> None:
    watched = await watched_page(browser, width=390)
    await sign_in(site, watched, "cmi.head")
    page = watched.page
    for path, name in (("/", "inbox"), (f"/agreements/{site.demo_id}", "agreement")):
        await page.goto(site.url + path)
        widths = await page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], (path, widths)
        await shot(page, f"phone-390-{name}")
    assert len(watched.documents) >= 3 and all(watched.documents)
    watched.assert_clean()
    await page.context.close()


def test_both_catalogues_hold_the_same_messages() -> None:
    from web.i18n import catalogue

    assert set(catalogue("th")) == set(catalogue("en"))
    assert not re.search(r"<[a-z]", json.dumps(catalogue("th"), ensure_ascii=False))


async def test_signing_in_and_reaching_the_first_task_by_keyboard_alone(
    site: Site, browser: Browser
) -> None:
    watched = await watched_page(browser)
    page = watched.page
    await page.goto(site.url + "/")
    await page.keyboard.type("cmi.head")  # the username field has the focus on arrival
    await page.keyboard.press("Tab")
    await page.keyboard.type(site.password)
    await page.keyboard.press("Enter")
    await page.wait_for_url(site.url + "/")
    first_action = page.locator("li.task a.button").first
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await first_action.evaluate("a => a === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the first task's action")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/agreements/"))
    await shot(page, "keyboard-reached-agreement")
    watched.assert_clean()
    await page.context.close()
