"""Administration and people change, in chromium (decision 0039).

An administrator creates a unit and a user, grants a role, loads a definition with errors (listed
by their path in the file) and then a correct one, and cascades it to three units while the
progress fragment updates; each agreement exists afterwards. Mid-round the recipient of an
agreement is reassigned: their open task leaves their inbox for the new recipient's, who
completes it, and the agreement's reassignment history shows the order reference. A reset
password must be changed at the next sign-in; a deactivated user cannot sign in on the web or
the API. Every page is looked at in Thai and English, at 1280 and 390 px.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, FilePayload, Page

from application import administration
from domain.access import ADMINISTRATOR, Grant, Principal
from tests.browser.conftest import Site, Watched, shot, sign_in, sign_out, watched_page
from tests.support.http import (
    DEMO_ID,
    eventually,
    parties,
    sign_all,
    state_of,
    until_round_opens,
)

TEMPLATE = Path(__file__).resolve().parents[1] / "fixtures" / "seed002_standards_subset.json"
THAI = re.compile(r"[\u0E00-\u0E7F]")
ADMIN = Principal(user_id="u-admin", unit="msdhs", grants=(Grant(ADMINISTRATOR, "msdhs"),))
# Labels, headings, buttons, hints and menus: the words of the page itself, not user data.
# Elements marked .data (a heading that is a person's name) are user data too.
CHROME = ", ".join(
    f"{tag}:not(.data)"
    for tag in (
        *("h1", "h2", "h3", "label", "legend", "button", "th", "dt"),
        *(".hint", ".admin-nav", ".note", ".done", ".alert>p"),
    )
)


REFUSED_PAGE = re.compile(
    r"^console error: Failed to load resource: the server responded with a status of 4\d\d"
)


def assert_clean_but_refused(watched: Watched, refused: int) -> None:
    """Clean, apart from the refused forms this test sent on purpose: a page answered 4xx is
    logged by chromium as a failed load (any other 4xx, of a fetch or a file, still fails)."""
    expected = [p for p in watched.problems if REFUSED_PAGE.match(p)]
    assert len(expected) == refused, watched.problems
    assert [p for p in watched.problems if not REFUSED_PAGE.match(p)] == []


async def no_sideways_scroll(page: Page) -> None:
    wide = await page.evaluate("document.documentElement.scrollWidth")
    seen = await page.evaluate("document.documentElement.clientWidth")
    assert wide <= seen, f"{page.url} scrolls sideways at {seen} px ({wide})"


async def english_only(page: Page) -> None:
    """In English, the page's own words carry no Thai (names and titles are user data, shown
    as typed, and are left out by the selector)."""
    texts = await page.locator(CHROME).all_inner_texts()
    thai = [t for t in texts if THAI.search(t)]
    assert not thai, f"Thai left on {page.url}: {thai}"


async def look_at(browser: Browser, site: Site, username: str, path: str, name: str) -> None:
    """The page in English at 1280 px and on a 390 px phone, screenshots kept."""
    for width in (1280, 390):
        watched = await watched_page(browser, width)
        await sign_in(site, watched, username)
        await watched.page.goto(f"{site.url}/lang/en?next={path}")
        await english_only(watched.page)
        await no_sideways_scroll(watched.page)
        await shot(watched.page, f"{name}-en-{width}")
        watched.assert_clean()
        await watched.page.context.close()


def template_file(run: str, *, broken: bool) -> bytes:
    data: dict[str, Any] = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    data["id"] = f"web-template-{run}"
    data["title_th"] = f"แม่แบบมาตรฐานสำนักงาน {run}"
    if broken:
        data["kpis"][2]["weights"] = {"1": "สิบ"}
        del data["kpis"][0]["unit"]
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def payload(name: str, content: bytes) -> FilePayload:
    return {"name": name, "mimeType": "application/json", "buffer": content}


async def test_an_administrator_builds_a_unit_a_user_a_template_and_cascades_it(
    site: Site, browser: Browser
) -> None:
    run = uuid.uuid4().hex[:6]
    unit_id, user_id = f"lpn-{run}", f"u-lpn-head-{run}"
    watched = await watched_page(browser)
    page = watched.page
    await sign_in(site, watched, "admin")
    await page.get_by_role("link", name="ผู้ดูแลระบบ").click()
    await page.wait_for_url(site.url + "/admin/units")

    # A unit: a bad id is refused next to its field, with what was typed kept.
    await page.select_option("#f-parent_id", "ops")
    await page.fill("#f-unit_id", "ลำพูน!")
    await page.select_option("#f-kind", "province")
    await page.fill("#f-name_th", "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดลำพูน")
    await page.get_by_role("button", name="เพิ่มหน่วยงาน").click()
    assert "identifier" in await page.locator("#e-unit_id").inner_text()
    assert await page.input_value("#f-name_th") == ("สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดลำพูน")
    await shot(page, "admin-units-refused")
    await page.fill("#f-unit_id", unit_id)
    await page.get_by_role("button", name="เพิ่มหน่วยงาน").click()
    await page.wait_for_url(re.compile(r"/admin/units\?done=created"))
    assert await page.locator(f"[data-testid=units] li[data-unit='{unit_id}']").count() == 1
    await shot(page, "admin-units")

    # A user at the new unit, then the maker role there.
    await page.get_by_role("link", name="ผู้ใช้", exact=True).click()
    await page.select_option("#f-unit_id", unit_id)
    await page.fill("#f-user_id", user_id)
    await page.fill("#f-username", f"lpn.head.{run}")
    await page.fill("#f-display_name", "นายลำพูน หัวหน้า")
    await page.fill("#f-position", "พมจ.ลำพูน")
    await page.fill("#f-password", "short")
    await page.get_by_role("button", name="เพิ่มผู้ใช้").click()
    assert "min_length" in await page.locator("#e-password").inner_text()
    assert await page.input_value("#f-username") == f"lpn.head.{run}"
    await page.fill("#f-password", "lamphun-first-2569")
    await page.get_by_role("button", name="เพิ่มผู้ใช้").click()
    await page.wait_for_url(re.compile(rf"/admin/users/{user_id}\?done=created"))
    await page.select_option("#f-role", "maker")
    await page.select_option("#f-unit", unit_id)
    await page.get_by_role("button", name="มอบบทบาท").click()
    await page.wait_for_url(re.compile(r"\?done=granted"))
    assert "ผู้ทำคำรับรอง" in await page.locator("[data-testid=grants]").inner_text()
    await shot(page, "admin-user")

    # A definition with errors, each listed by its path in the file; nothing stored.
    await page.get_by_role("link", name="ตัวชี้วัดและแม่แบบ").click()
    await page.set_input_files(
        "#f-file",
        files=[payload("template-broken.json", template_file(run, broken=True))],
    )
    await page.get_by_role("button", name="ตรวจและนำเข้า").click()
    errors = await page.locator("[data-testid=file-errors] li").all_inner_texts()
    assert any(e.startswith("kpis[2].weights.1: ") for e in errors), errors
    assert any(e.startswith("kpis[0].unit: ") and e.endswith("; missing)") for e in errors), errors
    assert await page.locator(f"tr[data-definition='web-template-{run}']").count() == 0
    await shot(page, "admin-definitions-errors")
    await page.set_input_files(
        "#f-file",
        files=[payload("template.json", template_file(run, broken=False))],
    )
    await page.get_by_role("button", name="ตรวจและนำเข้า").click()
    await page.wait_for_url(re.compile(r"/admin/definitions\?done="))
    assert await page.locator(f"tr[data-definition='web-template-{run}']").count() == 1

    # The cascade: a unit without a maker is refused by its place in the list, then three
    # units, with progress shown while the agreements are made.
    await page.get_by_role("link", name="ถ่ายทอดคำรับรอง").click()
    await page.select_option("#f-template_id", f"web-template-{run}")
    await page.select_option("#f-level", "province")
    await page.select_option("#f-recipient", "u-permsec")
    await page.select_option("#f-reviewer", "u-owner")
    for unit in ("cmi", "skw", unit_id, "cmi-policy"):
        await page.check(f"input[name=units][value='{unit}']")
    await page.get_by_role("button", name="เริ่มถ่ายทอด").click()
    assert "has_maker" in await page.locator(".units .error").inner_text()
    assert await page.is_checked(f"input[name=units][value='{unit_id}']")
    await shot(page, "admin-cascade-refused")
    await page.uncheck("input[name=units][value='cmi-policy']")
    await page.get_by_role("button", name="เริ่มถ่ายทอด").click()
    await page.wait_for_url(re.compile(r"/admin/cascades/web-"))
    progress = page.locator("#cascade-progress")
    assert await progress.count() == 1
    await shot(page, "admin-cascade-running")
    await page.locator("#cascade-progress[data-finished=yes]").wait_for(timeout=60_000)
    assert "3 จาก 3" in await page.locator("[data-testid=made]").inner_text()
    await shot(page, "admin-cascade-finished")
    for unit in ("cmi", "skw", unit_id):
        aid = f"web-template-{run}-{unit}"
        state = await state_of(site.api, "admin", aid)
        assert state is not None and state["status"] == "draft", aid
        assert state["parties"]["unit"] == unit
    lamphun = await state_of(site.api, "admin", f"web-template-{run}-{unit_id}")
    assert lamphun is not None and lamphun["parties"]["maker"] == user_id
    assert_clean_but_refused(watched, 4)
    await page.context.close()

    # Someone who is not an administrator finds no administration at all.
    other = await watched_page(browser)
    await sign_in(site, other, "cmi.head")
    assert await other.page.get_by_role("link", name="ผู้ดูแลระบบ").count() == 0
    response = await other.page.goto(site.url + "/admin/units")
    assert response is not None and response.status == 404
    await other.page.context.close()

    for path, name in (
        ("/admin/units", "admin-units"),
        (f"/admin/users/{user_id}", "admin-user"),
        ("/admin/users", "admin-users"),
        ("/admin/definitions", "admin-definitions"),
        ("/admin/cascades", "admin-cascades"),
        ("/admin/delegations", "admin-delegations"),
    ):
        await look_at(browser, site, "admin", path, name)


def incoming_recipient(site: Site) -> str:
    """The new permanent secretary, created and past their first password change."""
    run = uuid.uuid4().hex[:6]
    user = administration.create_user(
        db=site.db,
        actor=ADMIN,
        user_id=f"u-permsec-{run}",
        username=f"permsec.{run}",
        display_name="นายปลัดใหม่ ย้ายมา",
        position="ปลัดกระทรวง",
        unit_id="ops",
        password="temporary-password-1",
    )
    me = Principal(user_id=user.id, unit="ops", grants=())
    administration.change_password(
        db=site.db,
        actor=me,
        current="temporary-password-1",
        new=site.password,
        repeated=site.password,
    )
    return user.username


async def open_tasks(watched: Watched, site: Site, agreement_id: str) -> list[str]:
    await watched.page.goto(f"{site.url}/?agreement={agreement_id}")
    kinds: list[str] = await watched.page.locator("li.task").evaluate_all(
        "items => items.map(i => i.dataset.kind)"
    )
    return kinds


async def test_the_recipient_reassigned_mid_round_hands_over_the_task(
    site: Site, browser: Browser
) -> None:
    api = site.api
    newcomer = incoming_recipient(site)
    aid = f"people-{uuid.uuid4().hex[:6]}"
    base = f"/v1/agreements/{aid}"
    create = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi")}
    await api.ok(api.post("admin", "/v1/agreements", json=create), 201)
    await sign_all(api, aid, "cmi.head")
    await until_round_opens(api, aid)
    definition = await api.ok(api.get("admin", f"/v1/definitions/{DEMO_ID}"))
    definition["kpis"][0]["name_th"] += " (ปรับกลางปี)"
    proposal = {"definition": definition, "reason_code": "budget_cut", "reason": "ถูกตัดงบ"}
    await api.ok(api.post("cmi.head", f"{base}/revisions", json=proposal))

    old = await watched_page(browser)
    await sign_in(site, old, "permsec")
    assert await eventually(lambda: open_tasks(old, site, aid)) == ["decide_revision"]
    await shot(old.page, "reassign-old-recipient-before")

    admin = await watched_page(browser)
    await sign_in(site, admin, "admin")
    page = admin.page
    await page.goto(f"{site.url}/agreements/{aid}")
    await page.get_by_role("link", name=re.compile("เปลี่ยนผู้รับผิดชอบ")).click()
    await page.wait_for_url(re.compile(rf"/admin/agreements/{aid}/reassign$"))
    await page.select_option("#f-holder", "recipient:u-permsec")
    new_id = newcomer.replace("permsec.", "u-permsec-")
    await page.select_option("#f-to_user", new_id)
    await page.fill("#f-reason", "ย้ายไปดำรงตำแหน่งอื่น")
    await page.get_by_role("button", name="เปลี่ยนผู้รับผิดชอบ").click()
    assert await page.locator("#e-order_ref").count() == 1  # refused: the order is missing
    assert await page.input_value("#f-reason") == "ย้ายไปดำรงตำแหน่งอื่น"
    await shot(page, "reassign-refused")
    await page.fill("#f-order_ref", "คำสั่ง สป.พม. ที่ ๒๑๔/๒๕๖๙")
    await page.get_by_role("button", name="เปลี่ยนผู้รับผิดชอบ").click()
    await page.wait_for_url(re.compile(r"\?done=reassigned"))
    history = await page.locator("[data-testid=reassignments]").inner_text()
    assert "คำสั่ง สป.พม. ที่ ๒๑๔/๒๕๖๙" in history and "นายปลัดใหม่ ย้ายมา" in history
    recipient = page.locator("[data-testid=parties] dd[data-role=recipient]")
    assert await recipient.get_attribute("data-user") == new_id
    # The old recipient's signature stays, under their own name.
    assert "นางสาวปลัด ตัวอย่าง" in await page.locator("[data-testid=signatures]").inner_text()
    await shot(page, "reassign")

    # The task left the old recipient's inbox and waits in the new one's.
    assert await eventually(lambda: _none_left(old, site, aid))
    await shot(old.page, "reassign-old-recipient-after")
    new = await watched_page(browser)
    await sign_in(site, new, newcomer)
    assert await open_tasks(new, site, aid) == ["decide_revision"]
    await shot(new.page, "reassign-new-recipient")
    decided = await api.ok(api.post(newcomer, f"{base}/revisions/decision", json={"approve": True}))
    assert decided["pending_revision"] is None
    assert await eventually(lambda: _none_left(new, site, aid))
    for watched, refused in ((old, 0), (admin, 1), (new, 0)):
        assert_clean_but_refused(watched, refused)
        await watched.page.context.close()
    await look_at(browser, site, "admin", f"/admin/agreements/{aid}/reassign", "reassign")


async def _none_left(watched: Watched, site: Site, agreement_id: str) -> bool:
    return await open_tasks(watched, site, agreement_id) == []


async def test_a_reset_password_is_changed_first_and_a_deactivated_user_signs_in_nowhere(
    site: Site, browser: Browser
) -> None:
    run = uuid.uuid4().hex[:6]
    username = f"leaver.{run}"
    administration.create_user(
        db=site.db,
        actor=ADMIN,
        user_id=f"u-leaver-{run}",
        username=username,
        display_name="นางสาวย้าย ออก",
        position="นักพัฒนาสังคม",
        unit_id="cmi-policy",
        password="first-password-2569",
    )
    admin = await watched_page(browser)
    await sign_in(site, admin, "admin")
    page = admin.page
    await page.goto(f"{site.url}/admin/users/u-leaver-{run}")
    await page.fill("#f-password", site.password + "-reset")
    await page.get_by_role("button", name="ตั้งรหัสผ่านชั่วคราว").click()
    await page.wait_for_url(re.compile(r"\?done=password_reset"))
    assert "ต้องเปลี่ยนรหัสผ่าน" in await page.locator("[data-testid=standing]").inner_text()

    # Signing in with the reset password leads to the change-password page and nowhere else.
    user = await watched_page(browser)
    await user.page.goto(site.url + "/")
    await user.page.fill("#username", username)
    await user.page.fill("#password", site.password + "-reset")
    await user.page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await user.page.wait_for_url(site.url + "/account/password")
    await user.page.goto(site.url + "/")
    assert user.page.url == site.url + "/account/password"
    refused = await site.api.http.post(
        "/v1/auth/token", data={"username": username, "password": site.password + "-reset"}
    )
    assert refused.status_code == 403 and "password" in refused.text
    await user.page.fill("#f-current", site.password + "-reset")
    await user.page.fill("#f-new", site.password)
    await user.page.fill("#f-repeated", site.password + "x")
    await user.page.get_by_role("button", name="เปลี่ยนรหัสผ่าน").click()
    assert "matches" in await user.page.locator("#e-repeated").inner_text()
    await shot(user.page, "account-password-refused")
    await user.page.fill("#f-current", site.password + "-reset")
    await user.page.fill("#f-new", site.password)
    await user.page.fill("#f-repeated", site.password)
    await user.page.get_by_role("button", name="เปลี่ยนรหัสผ่าน").click()
    await user.page.wait_for_url(re.compile(r"/\?password=changed"))
    token = await site.api.ok(
        site.api.http.post("/v1/auth/token", data={"username": username, "password": site.password})
    )
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await site.api.http.get("/v1/tasks", headers=bearer)).status_code == 200

    # Deactivated: the open session ends, the web and the API both refuse them.
    await page.goto(f"{site.url}/admin/users/u-leaver-{run}")
    await page.get_by_role("button", name="ระงับการใช้งานผู้ใช้นี้").click()
    await page.wait_for_url(re.compile(r"\?done=deactivated"))
    assert "ระงับการใช้งาน" in await page.locator("[data-testid=standing]").inner_text()
    await user.page.goto(site.url + "/")
    assert "/signin" in user.page.url
    assert (await site.api.http.get("/v1/tasks", headers=bearer)).status_code == 401
    again = await site.api.http.post(
        "/v1/auth/token", data={"username": username, "password": site.password}
    )
    assert again.status_code == 401
    await user.page.fill("#username", username)
    await user.page.fill("#password", site.password)
    await user.page.get_by_role("button", name="เข้าสู่ระบบ").click()
    assert await user.page.get_by_role("alert").count() == 1
    await shot(page, "admin-user-deactivated")
    await sign_out(admin)
    for watched, failed in ((admin, 0), (user, 2)):
        assert_clean_but_refused(watched, failed)
        await watched.page.context.close()
    await look_at(browser, site, "admin", f"/admin/users/u-leaver-{run}", "admin-user-inactive")
