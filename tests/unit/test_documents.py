"""The printed documents: Thai text that comes back exactly, Sarabun embedded, the hash and a
QR code that decodes to the verification page on every page (checked with Poppler and zxing)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from application.documents import (
    _agreement_document,
    _report_document,
    logged_figures,
    recorded_figures,
)
from documents.model import Check, DecisionDocument
from documents.render import agreement_pdf, decision_pdf, round_report_pdf
from domain.agreement import Party
from domain.book import DefinitionBook
from domain.commands import Sign
from domain.lifecycle import decide
from domain.thai import thai_digits
from tests.support.factories import MAKER, RECIPIENT, cmd, created
from tests.support.journeys import open_round, publish, signed
from tests.support.lifecycle import seed000

ARTEFACTS = Path(__file__).parents[2] / "var" / "test-artefacts" / "documents"
SITE = "http://127.0.0.1:8000"
NAMES = {MAKER: "นางสาวสมใจ ใจดี", RECIPIENT: "นายปลัด กระทรวง", "reviewer": "นายผู้ประเมิน ตรงไป"}
UNIT = "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดเชียงใหม่"


def poppler(tool: str, *args: str) -> str:
    return subprocess.run(
        [tool, *args], check=True, capture_output=True, text=True, encoding="utf-8"
    ).stdout


def text_of(path: Path) -> str:
    return poppler("pdftotext", "-enc", "UTF-8", "-layout", str(path), "-")


@pytest.fixture(scope="module")
def journey() -> object:
    agreement = signed()
    open_round(agreement, 1)
    return publish(agreement, 1)


@pytest.fixture(scope="module")
def agreement_file(journey: object) -> Path:
    state, book = journey.state, journey.book  # type: ignore[attr-defined]
    document = _agreement_document(state, book.current(state), NAMES, UNIT, {}, SITE)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / "agreement-demo.pdf"
    path.write_bytes(agreement_pdf(document))
    return path


def test_the_agreement_text_comes_back_exactly(agreement_file: Path, journey: object) -> None:
    text = text_of(agreement_file)
    for words in ("ที่", "ปฏิบัติ", "น้ำ", "คำรับรอง", "คำรับรองการปฏิบัติราชการ", "ผู้รับคำรับรอง"):
        assert words in text, words
    assert "คำ รับรอง" not in text
    assert "ท่ี" not in text
    # a KPI name of seed 000 as the definition has it
    assert "ประจำปีงบประมาณ พ.ศ. ๒๕๖๕" in text
    assert "๑ ตุลาคม" in text
    assert "๒๕๖๔ ถึงวันที่ ๓๐ กันยายน ๒๕๖๕" in text
    assert journey.state.definition_hash in text  # type: ignore[attr-defined]
    assert text.count(journey.state.definition_hash) == len(text.split("\f")) - 1  # type: ignore[attr-defined]


def test_sarabun_is_embedded(agreement_file: Path) -> None:
    fonts = poppler("pdffonts", str(agreement_file)).splitlines()[2:]
    assert fonts
    for line in fonts:
        assert "Sarabun" in line
        assert re.search(r"\byes\s+yes\s+yes\b", line), line  # embedded, subset, ToUnicode


def test_a_page_image_and_its_qr_code(agreement_file: Path, journey: object) -> None:
    zxingcpp = pytest.importorskip("zxingcpp") if False else __import__("zxingcpp")
    from PIL import Image

    prefix = ARTEFACTS / "agreement-demo"
    poppler("pdftoppm", "-r", "110", "-png", str(agreement_file), str(prefix))
    pages = sorted(ARTEFACTS.glob("agreement-demo-*.png"))
    assert pages
    digest = journey.state.definition_hash  # type: ignore[attr-defined]
    for page in (pages[0], pages[-1]):
        found = zxingcpp.read_barcodes(Image.open(page).convert("L"))
        urls = [b.text for b in found]
        assert urls == [f"{SITE}/verify/agreements/a-1?hash={digest.removeprefix('sha256:')}"]


def test_the_round_report(journey: object) -> None:
    state, book = journey.state, journey.book  # type: ignore[attr-defined]
    figures = recorded_figures(state, 1)
    assert figures["round_score"] is not None
    document = _report_document(state, book.current(state), 1, NAMES, UNIT, "ab" * 32, SITE)
    path = ARTEFACTS / "round-report-seed000.pdf"
    path.write_bytes(round_report_pdf(document))
    text = text_of(path)
    assert "รายงานผลการประเมิน" in text
    assert "ab" * 32 in text
    assert "คะแนนผลการประเมิน (เต็ม ๕)" in text
    for line in document.lines:
        assert line.name_th[:14] in text
    poppler(
        "pdftoppm", "-r", "110", "-png", "-f", "1", "-l", "1", str(path), str(path.with_suffix(""))
    )


def test_seed_000s_whole_agreement_comes_back_kpi_by_kpi() -> None:
    """All of seed 000's KPIs (the fixture of the source document), each name and every
    weight back from the PDF's text, and the page images kept for a look."""
    definition = seed000()
    state, _ = created(definition)
    book = DefinitionBook([definition])
    for user, party in ((MAKER, Party.MAKER), (RECIPIENT, Party.RECIPIENT)):
        state = decide(state, book, cmd(Sign, user, party=party)).state
    document = _agreement_document(state, definition, NAMES, UNIT, {}, SITE)
    path = ARTEFACTS / "agreement-seed000-full.pdf"
    path.write_bytes(agreement_pdf(document))
    text = text_of(path)
    flat = re.sub(r"\s+", "", text)
    for kpi in definition.kpis:
        assert re.sub(r"\s+", "", kpi.name_th)[:20] in flat, kpi.code
    pages = text.count("\f")
    assert pages >= 3
    assert text.count(state.definition_hash) == pages
    for n in range(1, pages + 1):
        assert f"หน้า {thai_digits(str(n))} จาก {thai_digits(str(pages))}" in text
    poppler("pdftoppm", "-r", "90", "-png", str(path), str(path.with_suffix("")))


def test_no_pdf_library_is_imported_with_the_api_or_the_web_app() -> None:
    code = (
        "import sys, api.app, web.app, application.documents, application.decision_documents; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'fpdf', 'segno', 'uharfbuzz', 'PIL', 'fontTools', 'documents'} and m != 'documents.model'"
        " and m != 'documents'))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_logged_figures_from_no_entries_are_empty() -> None:
    figures = logged_figures([], "a-1", 1)
    assert figures.figures["kpis"] == []
    assert figures.figures["round_score"] is None


def test_a_decision_comes_back_exactly_with_its_hash_and_qr_code_on_every_page() -> None:
    """A complaint's decision long enough for two pages: its Thai back exactly from pdftotext,
    the entry hash and a QR code of the verification page on each page."""
    import zxingcpp
    from PIL import Image

    digest = "9a" * 32
    url = f"{SITE}/verify/complaints/c-1?hash={digest}"
    reasons = "คณะกรรมการพิจารณาหลักฐานแล้ว เห็นว่าผลถึงเกณฑ์ระดับ ๕ ที่ปฏิบัติ น้ำ คำรับรอง"
    document = DecisionDocument(
        heading="คำวินิจฉัยข้อร้องเรียน c-1",
        title="คำวินิจฉัยข้อร้องเรียนผลการประเมิน",
        subtitle="ข้อร้องเรียนเลขที่ c-1",
        facts=[("ผลการวินิจฉัย", "รับฟังข้อร้องเรียน ปรับคะแนน"), ("คะแนนเดิม", "๔ (ฉบับที่ ๑)")],
        texts=[("เหตุผลของคำวินิจฉัย", reasons)] * 14,
        hashes=[("แฮชรายการ", digest)],
        made_at="๖ ธันวาคม ๒๕๖๙ ๑๕:๓๐ น.",
        check=Check("รหัสตรวจสอบคำวินิจฉัยข้อร้องเรียนในบันทึกตรวจสอบ", digest, url),
    )
    path = ARTEFACTS / "complaint-decision-long.pdf"
    path.write_bytes(decision_pdf(document))
    text = poppler("pdftotext", "-enc", "UTF-8", str(path), "-")
    pages = text.count("\f")
    assert pages == 2
    assert text.count(reasons) == 14
    assert "รับฟังข้อร้องเรียน ปรับคะแนน" in text and "คำ รับรอง" not in text
    assert text.count(digest) == 2 * pages + 1  # each footer (hash, URL), the table once
    assert "หน้า ๑ จาก ๒" in text and "หน้า ๒ จาก ๒" in text
    poppler("pdftoppm", "-r", "110", "-png", str(path), str(path.with_suffix("")))
    for page in sorted(ARTEFACTS.glob("complaint-decision-long-*.png")):
        found = zxingcpp.read_barcodes(Image.open(page).convert("L"))
        assert [b.text for b in found] == [url]
