"""Steps on the evidence screens, for these tests and for the journey: choose files and press
Upload as a user does, wait for each file's row to finish, read back the hash shown."""

from __future__ import annotations

import asyncio
import re
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

from playwright.async_api import Page, expect

ROWS = "[data-testid=uploads] li"
_finished = re.compile("^(done|refused)$")


def evidence_path(agreement_id: str, round_number: int, kpi_code: str) -> str:
    return f"/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/evidence"


async def choose_and_send(page: Page, paths: Sequence[Path]) -> int:
    """Chooses the files and presses Upload; the number of upload rows before (so a caller can
    find the new rows)."""
    before = await page.locator(ROWS).count()
    await page.locator("#files").set_input_files([str(p) for p in paths])
    await page.locator("#send").click()
    return before


async def wait_finished(page: Page, before: int, count: int, timeout_ms: float = 120_000) -> None:
    rows = page.locator(ROWS)
    await expect(rows).to_have_count(before + count, timeout=timeout_ms)
    for i in range(before, before + count):
        await expect(rows.nth(i)).to_have_attribute("data-phase", _finished, timeout=timeout_ms)


async def upload_evidence(page: Page, path: Path, timeout_ms: float = 120_000) -> str:
    """On a KPI's evidence page: uploads one file through the form and returns the SHA-256 the
    page shows for it once the server has recorded it."""
    before = await choose_and_send(page, [path])
    await wait_finished(page, before, 1, timeout_ms)
    row = page.locator(ROWS).nth(before)
    await expect(row).to_have_attribute("data-phase", "done")
    shown = await row.locator(".file-hash").get_attribute("data-sha256")
    assert shown is not None
    return shown


async def upload_watching_progress(page: Page, path: Path, uplink: int) -> list[float]:
    """On a KPI's evidence page: uploads one file over an uplink throttled to `uplink` bytes a
    second (loopback moves 30 MiB in a blink, an office line does not), sampling the file's
    progress bar while it is sent; the samples, once the file has finished."""
    cdp = await page.context.new_cdp_session(page)
    conditions = {"offline": False, "latency": 0, "downloadThroughput": -1}
    await cdp.send("Network.emulateNetworkConditions", {**conditions, "uploadThroughput": uplink})
    before = await choose_and_send(page, [path])
    row = page.locator(ROWS).nth(before)
    # Hashing in the browser comes first and takes long on a loaded machine: wait it out, then
    # sample while the bytes go.
    sent = re.compile("^(uploading|saving|done|refused)$")
    await expect(row).to_have_attribute("data-phase", sent, timeout=300_000)
    samples: list[float] = []
    while await row.get_attribute("data-phase") == "uploading":
        samples.append(float(await row.locator("progress").evaluate("p => p.value")))
        await asyncio.sleep(0.05)
    await cdp.send("Network.emulateNetworkConditions", {**conditions, "uploadThroughput": -1})
    await wait_finished(page, before, 1)
    return samples


def advanced(samples: list[float]) -> bool:
    """The bar was seen part-way at least three times, never going back."""
    middle = [s for s in samples if 0 < s < 1]
    return len(set(middle)) >= 3 and middle == sorted(middle)


def pdf_bytes(marker: str, size: int = 0) -> bytes:
    """A PDF (as the sniffer sees it) of at least `size` bytes, unique per marker."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n% " + marker.encode() + b"\n"
    tail = b"%%EOF\n"
    filler = max(0, size - len(head) - len(tail))
    return head + (b"% padding\n" * (filler // 10 + 1))[:filler] + tail


def png_bytes(width: int = 48, height: int = 32) -> bytes:
    """A real PNG: a blue band over white, so a screenshot shows it was drawn."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + (b"\x17\x3f\x73" if y < height // 2 else b"\xff\xff\xff") * width
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def elf_bytes(size: int = 16 * 1024) -> bytes:
    """An x86-64 ELF executable's header, padded: what a disguised program begins with."""
    header = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00"
    return header + b"\x00" * (size - len(header))
