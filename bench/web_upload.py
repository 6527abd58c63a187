"""The API's peak memory during a 1 GiB evidence upload sent the way the web page sends it,
against the same upload through the JSON API in the same run.

    env -u PYTHONPATH PATH=/usr/bin:/bin .venv/bin/python bench/web_upload.py

Starts the whole product as `make up` does (bench/evidence.py's `start_product`), signs in
through the page's sign-in form as a browser does (double-submit token, then the session
cookie), reads the CSRF token the evidence page hands its script, and sends a 1 GiB file as
web/static/evidence.js does: POST to the page upload route, the file as the raw body with its
Content-Length, `Repr-Digest` computed before sending, `X-CSRF-Token`, the session cookie, the
name in `?name=`. Then the same file size through `/v1` with a bearer token and the digest
(bench/evidence.py's `api_rss_peak_1gib_mib`). /proc/<api pid>/status is sampled throughout.
Ends with `name: value` lines; `ratio` is the page's peak over the API's (goal: both < 150).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.evidence import (
    BIG_MIB,
    RssSampler,
    digest_of,
    make_file,
    rss_mib,
    start_product,
    stop_product,
)
from examples.walkthrough import Walkthrough
from rabrong.settings import Settings

CSRF = re.compile(r'data-csrf="([^"]+)"')
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def page_session(http: httpx.Client, base_url: str, username: str, password: str) -> None:
    """Signs `http` in as a browser would; its cookie jar then holds the session."""
    form = http.get(f"{base_url}/signin")
    token = TOKEN.search(form.text)
    assert token is not None, form.text[:500]
    answer = http.post(
        f"{base_url}/signin",
        data={"csrf": token.group(1), "next": "/", "username": username, "password": password},
    )
    assert answer.status_code == 303 and "rabrong_session" in http.cookies, answer.text[:500]


def send(
    http: httpx.Client, url: str, headers: dict[str, str], path: Path, pid: int
) -> tuple[float, float]:
    """One upload with the digest ahead; the API's peak RSS during it, and the seconds taken."""
    headers = {
        **headers,
        "Repr-Digest": digest_of(path),
        "Content-Type": "application/octet-stream",
    }
    sampler = RssSampler(pid)
    sampler.start()
    started = time.perf_counter()
    with path.open("rb") as source:  # with its Content-Length, as the browser sends a File
        response = http.post(url, content=source, headers=headers)
    took = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    if response.status_code != 201:
        raise SystemExit(f"upload refused: {response.status_code} {response.text[:500]}")
    return sampler.peak, took


def main() -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="rabrong-bench-web-upload-"))
    files_dir = var_dir / "files"
    files_dir.mkdir()
    up, env = start_product(var_dir)
    try:
        os.environ.update({k: v for k, v in env.items() if k.startswith("RABRONG_")})
        settings = Settings()
        api_pid = json.loads((var_dir / "run" / "up.json").read_text())["children"]["api"]
        password = (var_dir / "demo-password").read_text().strip()
        walk = Walkthrough(settings.api_url, password, lambda _: None)
        base, number = walk.start(f"bench-{uuid.uuid4().hex[:6]}")
        kpi = f"{base}/rounds/{number}/kpis/2/evidence"
        api_url = f"{settings.api_url}{kpi}?name=bench.pdf"
        bearer = walk.login("skw.staff")

        browser = httpx.Client(timeout=600)
        page_session(browser, settings.api_url, "skw.staff", password)
        page_path = kpi.removeprefix("/v1")
        screen = browser.get(f"{settings.api_url}{page_path}")
        csrf = CSRF.search(screen.text)
        assert screen.status_code == 200 and csrf is not None, screen.text[:500]
        page_url = f"{settings.api_url}{page_path}/upload?name=bench.pdf"
        page_headers = {"X-CSRF-Token": csrf.group(1), "Accept": "application/json"}
        http = httpx.Client(timeout=600)

        rss_idle = rss_mib(api_pid)
        for url, client, headers in ((page_url, browser, page_headers), (api_url, http, bearer)):
            send(client, url, headers, make_file(files_dir, 1), api_pid)  # warm each path
        peaks: dict[str, tuple[float, float]] = {}
        for way, url, client, headers in (
            ("api", api_url, http, bearer),
            ("page", page_url, browser, page_headers),
        ):
            big = make_file(files_dir, BIG_MIB)
            peaks[way] = send(client, url, headers, big, api_pid)
            big.unlink()
        lines = [
            ("api_rss_idle_mib", f"{rss_idle:.1f}"),
            ("api_rss_peak_1gib_mib", f"{peaks['api'][0]:.1f}"),
            ("page_upload_rss_peak_1gib_mib", f"{peaks['page'][0]:.1f}"),
            ("api_upload_1gib_s", f"{peaks['api'][1]:.1f}"),
            ("page_upload_1gib_s", f"{peaks['page'][1]:.1f}"),
            ("ratio", f"{peaks['page'][0] / peaks['api'][0]:.3f}"),
        ]
        sys.stdout.write("".join(f"{name}: {value}\n" for name, value in lines))
    finally:
        stop_product(up)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
