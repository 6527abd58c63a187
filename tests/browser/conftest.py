"""The web app in a real browser: the product's app (API and pages) served by uvicorn on
loopback with the demo users, a real worker, SeaweedFS and SQLite, driven by Playwright through
Debian's chromium. No chromium is a failure that says what to install, never a skip."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Response,
    async_playwright,
)
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from domain.rollover import copy_for_year
from rabrong.demo import demo_definition
from storage.agreements import save_definition
from storage.db import Database
from storage.migrate import upgrade
from storage.tables import AppUser
from storage.unit_of_work import unit_of_work
from storage.users import hash_password, upsert_user
from tests.support.http import DEMO_ID, FY, VAULT_LIMIT, Api, eventually, parties, running_api
from tests.support.servers import S3Server
from web.app import install_web
from web.security import CSP
from web.services import PageServices

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-artefacts" / "screenshots"
EVIL = "<script>window.hacked=1</script>"
EVIL_DEFINITION = f"fy{FY}-evil"


@dataclass
class Site:
    """The running product: its address, the API client over the same app, and ids made."""

    url: str
    api: Api
    db: Database
    password: str
    demo_id: str
    evil_id: str
    visited: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _evil_user_and_definition(db: Database, password: str) -> None:
    """A user and a KPI whose names carry markup: the pages must show them as text."""
    definition = copy_for_year(demo_definition(), FY, new_id=EVIL_DEFINITION)
    kpis = list(definition.kpis)
    kpis[0] = kpis[0].model_copy(update={"name_th": f"ตัวชี้วัด {EVIL}"})
    with unit_of_work(db) as session:
        save_definition(session, definition.model_copy(update={"kpis": kpis}))
        upsert_user(
            session,
            AppUser(
                id="u-evil",
                username="evil.staff",
                display_name=f"นายทดสอบ {EVIL}",
                position="นักพัฒนาสังคม",
                unit_id="cmi-policy",
                roles=["staff"],
                password_hash=hash_password(password),
            ),
        )


async def _agreement(api: Api, definition_id: str, prefix: str, **more: Any) -> str:
    aid = f"{prefix}-{uuid.uuid4().hex[:6]}"
    body = {"agreement_id": aid, "definition_id": definition_id, "parties": parties("cmi", **more)}
    await api.ok(api.post("admin", "/v1/agreements", f"{aid}-create", json=body), 201)

    async def sign_task_open() -> bool:
        listing = await api.ok(api.get("cmi.head", f"/v1/tasks?agreement_id={aid}"))
        return bool(listing["count"])

    await eventually(sign_task_open)
    return aid


@pytest.fixture(scope="module")
async def site(
    tmp_path_factory: pytest.TempPathFactory,
    s3_server: S3Server,
    temporal_dev: WorkflowEnvironment,
) -> AsyncIterator[Site]:
    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'rabrong.db'}"
    upgrade(url)
    db = Database(url)
    async with running_api(db, s3_server, temporal_dev, folder, max_bytes=VAULT_LIMIT) as api:
        assert api.services is not None
        _evil_user_and_definition(db, api.password)
        demo_id = await _agreement(api, DEMO_ID, "web")
        evil_id = await _agreement(api, EVIL_DEFINITION, "evil", submitters=["u-evil"])
        app = create_app(api.services)  # the same services, as `rabrong up` composes them
        services = api.services
        install_web(app, db, PageServices(services.temporal, services.store, services.audit_signer))
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            yield Site(f"http://127.0.0.1:{port}", api, db, api.password, demo_id, evil_id)
        finally:
            server.should_exit = True
            await serving
    db.dispose()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.fail(
            "the browser tests need Debian's chromium at /usr/bin/chromium: "
            "run 'make system-packages' as root, or 'sudo apt-get install -y chromium'"
        )
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        await launched.close()


@dataclass
class Watched:
    """A page whose console and errors are kept: any error or CSP violation fails the test."""

    page: Page
    problems: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.problems == [], self.problems


async def watched_page(browser: Browser, width: int = 1280) -> Watched:
    context = await browser.new_context(viewport={"width": width, "height": 900}, locale="th-TH")
    page = await context.new_page()
    watched = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            watched.problems.append(f"console {message.type}: {message.text}")

    def on_error(error: Error) -> None:
        watched.problems.append(f"page error: {error}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            watched.problems.append(f"{response.status} for {response.url}")
        if response.request.resource_type == "document":
            watched.documents.append(response.url)
            if response.headers.get("content-security-policy") != CSP:
                watched.problems.append(f"no CSP on {response.url}")

    page.on("console", on_console)
    page.on("pageerror", on_error)
    page.on("response", on_response)
    return watched


async def shot(page: Page, name: str) -> Path:
    """Every screen a test visits, saved for a person to look at (var/ is not committed): the
    whole page, and the first screenful as the user sees it on arrival."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^a-z0-9_.-]+", "-", name.lower())
    path = SCREENSHOTS / f"{stem}.png"
    await page.screenshot(path=str(path), full_page=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{stem}-first-screen.png"))
    return path


async def sign_in(site: Site, watched: Watched, username: str) -> None:
    """As a user does it: the front page sends them to the form; they type and press the
    button, and land on their inbox."""
    page = watched.page
    await page.goto(site.url + "/")
    await page.get_by_label(re.compile("ชื่อผู้ใช้|Username")).fill(username)
    await page.get_by_label(re.compile("รหัสผ่าน|Password")).fill(site.password)
    await page.get_by_role("button", name=re.compile("^(เข้าสู่ระบบ|Sign in)$")).click()
    await page.wait_for_url(site.url + "/")


async def sign_out(watched: Watched) -> None:
    await watched.page.get_by_role("button", name=re.compile("ออกจากระบบ|Sign out")).click()
    await watched.page.wait_for_url(re.compile(r"/signin\?bye=1$"))
