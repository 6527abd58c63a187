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
from fpdf.enums import MethodReturnValue, WrapMode, XPos, YPos

from documents.model import Check
from domain.thai import thai_digits

FONTS = Path(__file__).parent / "fonts"
FACE = "Sarabun"
ZWSP = "\u200b"
# Thai has no spaces between words; without a dictionary the safe places to wrap a long phrase
# are syllable starts that cannot be mid-syllable: before a leading vowel, after SARA A / SARA AM.
_BREAK_BEFORE = re.compile("(?<=[\u0e01-\u0e4e])(?=[\u0e40-\u0e44])")
_BREAK_AFTER = re.compile("(?<=[\u0e30\u0e33])(?=[\u0e01-\u0e2e\u0e40-\u0e44])")
MARGIN = 18.0
FOOTER_SPACE = 30.0  # mm kept free at the bottom of each page for the check block


# In a narrow table cell a long Thai phrase may have no syllable break that fits: there any
# boundary between two clusters will do (never between a consonant and its marks or vowels).
_CLUSTER_BREAK = re.compile(
    "(?<=[\u0e01-\u0e2e\u0e30-\u0e3a\u0e45\u0e47-\u0e4e])(?=[\u0e01-\u0e2e\u0e40-\u0e44])"
)


def breakable(text: str, fine: bool = False) -> str:
    """The text with zero-width break opportunities between Thai syllables (or, `fine`,
    between any two clusters), so a line never wraps inside a cluster."""
    text = unicodedata.normalize("NFC", text)
    if fine:
        return _CLUSTER_BREAK.sub(ZWSP, text)
    return _BREAK_AFTER.sub(ZWSP, _BREAK_BEFORE.sub(ZWSP, text))


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
        self._qr = segno.make(check.url, error="m") if check.url else None
        self.set_font(FACE, size=12)

    # -- text -------------------------------------------------------------------------------

    def say(self, width: float, height: float, text: str, align: str = "L") -> None:
        """One line of text in a cell, its extracted text exactly `text`."""
        written = text.replace(ZWSP, "")
        if written:
            self._out(f"/Span <</ActualText <{_utf16_hex(written)}>>> BDC")
        self.cell(width, height, text, align=align, new_x=XPos.RIGHT, new_y=YPos.TOP)
        if written:
            self._out("EMC")

    def lines_of(self, width: float, text: str, fine: bool = False) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            found = self.multi_cell(
                width,
                5,
                breakable(paragraph, fine) or " ",
                dry_run=True,
                output=MethodReturnValue.LINES,
                wrapmode=WrapMode.WORD,
                padding=0,
            )
            assert isinstance(found, list)  # output=LINES answers the lines
            lines.extend(str(line).strip(ZWSP) for line in found)
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
            wrapped.append(
                self.lines_of(cell.width - 2, cell.text, fine=cell.width < 40) if cell.text else []
            )
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

    def footer(self) -> None:
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
        self.say(text_w, 5, f"หน้า {thai_digits(str(self.page_no()))}")

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
