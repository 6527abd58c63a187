"""Steps on the evidence screens, for these tests and for the journey: choose files and press
Upload as a user does, wait for each file's row to finish, read back the hash shown."""

from __future__ import annotations

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
