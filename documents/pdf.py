"""A4 pages in Sarabun whose picture and text are both right (decision 0040).

HarfBuzz shaping places Thai marks correctly (no tone mark on top of the vowel above), but the
text a reader extracts from shaped glyphs comes back reordered ("คำ รับรอง"). So every line is
drawn shaped inside a marked-content span whose /ActualText is the line as written: viewers and
pdftotext take the span's text instead of guessing it from the glyphs.

Imported only where a document is made: fpdf2 and its dependencies cost a process about 40 MiB.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from documents.model import Check
from domain.thai import thai_digits

FONTS = Path(__file__).parent / "fonts"
FACE = "Sarabun"
ZWSP = "\u200b"
# Thai has no spaces between words and no dictionary is bundled: a line may wrap where a
# syllable most likely starts, before a leading vowel (เ แ โ ใ ไ) or before a consonant that
# carries a vowel or tone mark, never after ั or ็ (they always need a final consonant) nor
# after a leading vowel. So "ส่งเสริมให้มีการจัดกิจกรรม" wraps at ส่ง|เส|ริม|ให้|มี|การ|จัด|กิจ|กรรม.
# Nor inside a leading cluster (ปร, กล, คว ...: "ประจำ", "มกราคม" stay whole).
_SYLLABLE = re.compile(
    "(?<=[\u0e01-\u0e4e])(?<![\u0e31\u0e47\u0e40-\u0e44])"
    "(?!(?<=[กขคตปพผ])[รลว])"
    "(?=[\u0e40-\u0e44]|[\u0e01-\u0e2e][\u0e30-\u0e3a\u0e47-\u0e4b\u0e4d])"
)
MARGIN = 18.0
FOOTER_SPACE = 30.0  # mm kept free at the bottom of each page for the check block


# Words of these documents that the syllable rule would split where no syllable starts (ปฏิ|บัติ,
# พิจาร|ณา) or that read badly split: kept whole.
WHOLE_WORDS = (
    "ปฏิบัติ",
    "พิจารณา",
    "ราชการ",
    "ประเมิน",
    "ประสิทธิภาพ",
    "ประสิทธิผล",
    "ผลสัมฤทธิ์",
    "ยุทธศาสตร์",
    "มาตรฐาน",
    "คุณภาพ",
    "สถานการณ์",
    "สถาน",
    "ชาติ",
    "อุทธรณ์",
    "ร้องเรียน",
    "วินิจฉัย",
    "ตัวชี้วัด",
    "เป้าหมาย",
    "ดำเนินการ",
    "กิจกรรม",
    "ปฐมวัย",
    "พัฒนา",
    "ความสำเร็จ",
)
_SPLIT_WORDS = tuple((_SYLLABLE.sub(ZWSP, w), w) for w in WHOLE_WORDS if _SYLLABLE.search(w))


def breakable(text: str) -> str:
    """The text with zero-width break opportunities where a Thai syllable likely starts."""
    hinted = _SYLLABLE.sub(ZWSP, unicodedata.normalize("NFC", text))
    for split, whole in _SPLIT_WORDS:
        hinted = hinted.replace(split, whole)
    return hinted


def _utf16_hex(text: str) -> str:
    return ("\ufeff" + text).encode("utf-16-be").hex().upper()


@dataclass(frozen=True)
class Cell:
    width: float
    text: str
    align: str = "L"
    bold: bool = False


class ThaiPdf(FPDF):
    """FPDF with Sarabun, Thai shaping, ActualText per line and a check block on every page."""

    def __init__(self, check: Check, heading: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.check = check
        self.heading = heading
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.add_font(FACE, "", str(FONTS / "Sarabun-Regular.ttf"))
        self.add_font(FACE, "B", str(FONTS / "Sarabun-Bold.ttf"))
        self.set_text_shaping(use_shaping_engine=True, script="thai", language="tha")
        self.set_title(heading)
        self.set_lang("th")
        self.set_creator("Rabrong")
        self._advances: dict[tuple[str, str, float, str], float] = {}
        self._qr = segno.make(check.url, error="m") if check.url else None
        self.set_font(FACE, size=12)

    # -- text -------------------------------------------------------------------------------

    def say(self, width: float, height: float, text: str, align: str = "L") -> None:
        """One line of text in a cell, its extracted text exactly `text`."""
        written = text.replace(ZWSP, "")
        if written:
            self._out(f"/Span <</ActualText <{_utf16_hex(written)}>>> BDC")
        self.cell(width, height, written, align=align, new_x=XPos.RIGHT, new_y=YPos.TOP)
        if written:
            self._out("EMC")

    def lines_of(self, width: float, text: str) -> list[str]:
        """Where the text wraps in `width`, breaking at spaces and the syllable hints, a word
        wider than a line between clusters. Measured here, not by fpdf2's shaped dry run (it
        shapes once per character: the agreement took five times longer): a character's
        advance from the font's table, Thai marks counted as zero, as HarfBuzz places them."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            lines.extend(self._wrap(breakable(paragraph), width))
        return lines

    def _advance(self, char: str) -> float:
        key = (self.font_family, self.font_style, self.font_size_pt, char)
        found = self._advances.get(key)
        if found is None:
            if unicodedata.category(char) == "Mn" or char == ZWSP:
                found = 0.0
            else:
                shaping, self.text_shaping = self.text_shaping, None
                try:
                    found = self.get_string_width(char)
                finally:
                    self.text_shaping = shaping
            self._advances[key] = found
        return found

    def _width(self, text: str) -> float:
        return sum(self._advance(c) for c in text)

    def _wrap(self, text: str, width: float) -> list[str]:
        pieces = [p for p in re.split(f"([ {ZWSP}])", text) if p]
        lines: list[str] = []
        line = ""
        for piece in pieces:
            if piece == ZWSP:
                continue
            if not line and piece == " ":
                continue
            if self._width(line + piece) <= width:
                line += piece
                continue
            if line.strip():
                lines.append(line.rstrip())
                line = ""
            if piece == " ":
                continue
            while self._width(piece) > width:  # one word wider than the line: cut by clusters
                cut = len(piece)
                while cut > 1 and (
                    self._width(piece[:cut]) > width or unicodedata.category(piece[cut]) == "Mn"
                    if cut < len(piece)
                    else self._width(piece[:cut]) > width
                ):
                    cut -= 1
                lines.append(piece[:cut])
                piece = piece[cut:]
            line = piece
        if line.strip() or not lines:
            lines.append(line.rstrip())
        return lines

    def paragraph(self, text: str, size: float = 12, bold: bool = False, indent: float = 0) -> None:
        self.set_font(FACE, "B" if bold else "", size)
        height = size * 0.55
        width = self.epw - indent
        for line in self.lines_of(width, text):
            self.room_for(height)
            self.set_x(self.l_margin + indent)
            self.say(width, height, line)
            self.ln(height)

    def title_line(self, text: str, size: float = 16) -> None:
        self.set_font(FACE, "B", size)
        for line in self.lines_of(self.epw, text):
            self.room_for(size * 0.55)
            self.set_x(self.l_margin)
            self.say(self.epw, size * 0.55, line, align="C")
            self.ln(size * 0.55)

    def row(self, cells: list[Cell], size: float = 10, shade: bool = False) -> None:
        """A table row: each cell wrapped to its width, the row as tall as its tallest cell."""
        line_h = size * 0.5
        wrapped = []
        for cell in cells:
            self.set_font(FACE, "B" if cell.bold else "", size)
            wrapped.append(self.lines_of(cell.width - 2, cell.text) if cell.text else [])
        height = max(1, *(len(w) for w in wrapped)) * line_h + 2
        self.room_for(height)
        x, y = self.l_margin, self.get_y()
        for cell, lines in zip(cells, wrapped, strict=True):
            if shade:
                self.set_fill_color(235, 235, 235)
            self.rect(x, y, cell.width, height, style="DF" if shade else "D")
            self.set_font(FACE, "B" if cell.bold else "", size)
            for i, line in enumerate(lines):
                self.set_xy(x + 1, y + 1 + i * line_h)
                self.say(cell.width - 2, line_h, line, align=cell.align)
            x += cell.width
        self.set_xy(self.l_margin, y + height)

    def finish(self) -> bytes:
        """The PDF's bytes, each page's check block drawn once the number of pages is known
        ("หน้า ๒ จาก ๖": fpdf2's page-count alias cannot reach inside an ActualText span). The
        zero-width break hints are only measured, never drawn (Sarabun has no glyph for them):
        fpdf2 is told so, or it warns of a missing glyph."""
        last = self.page
        for number in range(1, last + 1):
            self.page = number
            self.font_family = ""  # so the page's stream is told its font again
            self.set_text_color(0, 0, 0)
            self._check_block(number, last)
        self.page = last
        for font in self.fonts.values():
            missing = getattr(font, "missing_glyphs", None)
            if missing and ord(ZWSP) in missing:
                missing.remove(ord(ZWSP))
        return bytes(self.output())

    def room_for(self, height: float) -> None:
        if self.get_y() + height > self.h - FOOTER_SPACE:
            self.add_page()

    # -- every page ---------------------------------------------------------------------------

    def header(self) -> None:
        self.set_font(FACE, "", 9)
        self.set_text_color(90, 90, 90)
        self.set_xy(self.l_margin, 8)
        self.say(self.epw, 5, self.heading, align="R")
        self.set_text_color(0, 0, 0)
        self.set_xy(self.l_margin, MARGIN)

    def _check_block(self, number: int, pages: int) -> None:
        top = self.h - FOOTER_SPACE + 4
        self.set_draw_color(150, 150, 150)
        self.line(self.l_margin, top - 1, self.w - self.r_margin, top - 1)
        self.set_draw_color(0, 0, 0)
        qr_size = 20.0
        if self._qr is not None:
            self._draw_qr(self.w - self.r_margin - qr_size, top + 1, qr_size)
        text_w = self.epw - qr_size - 4
        self.set_font(FACE, "", 8)
        self.set_xy(self.l_margin, top + 1)
        self.say(text_w, 4, f"{self.check.label_th} (SHA-256)")
        self.set_font(FACE, "", 7.5)
        self.set_xy(self.l_margin, top + 5)
        self.say(text_w, 4, self.check.digest)
        self.set_font(FACE, "", 8)
        self.set_xy(self.l_margin, top + 9)
        self.say(text_w, 4, "ตรวจสอบกับระบบ: สแกนคิวอาร์โค้ด หรือเปิด")
        self.set_font(FACE, "", 6.5)
        self.set_xy(self.l_margin, top + 13)
        self.say(text_w, 4, self.check.url)
        self.set_font(FACE, "", 10)
        self.set_xy(self.l_margin, top + 18)
        self.say(text_w, 5, f"หน้า {thai_digits(str(number))} จาก {thai_digits(str(pages))}")

    def _draw_qr(self, x: float, y: float, size: float) -> None:
        assert self._qr is not None
        matrix = [list(row) for row in self._qr.matrix_iter(scale=1, border=2)]
        module = size / len(matrix)
        self.set_fill_color(0, 0, 0)
        for r, bits in enumerate(matrix):
            c = 0
            while c < len(bits):
                if bits[c]:
                    start = c
                    while c < len(bits) and bits[c]:
                        c += 1
                    self.rect(x + start * module, y + r * module, (c - start) * module, module, "F")
                else:
                    c += 1
        self.set_fill_color(255, 255, 255)
