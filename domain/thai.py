"""Thai text and numbers as users type them: NFC text, Thai digits, Buddhist-era years."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

BE_OFFSET = 543
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# OCR and some keyboard layouts put Lao vowels inside Thai words; they look identical on screen.
_LAO_LOOKALIKES = str.maketrans({"\u0eb2": "\u0e32", "\u0eb4": "\u0e34", "\u0eb5": "\u0e35"})


def normalize_text(text: str) -> str:
    """NFC, Thai look-alikes mended, surrounding whitespace dropped."""
    return unicodedata.normalize("NFC", text).translate(_LAO_LOOKALIKES).strip()


def thai_digits_to_ascii(text: str) -> str:
    return text.translate(_THAI_DIGITS)


_TO_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def thai_digits(text: str) -> str:
    """ASCII digits written as Thai numerals, as printed government forms write them."""
    return text.translate(_TO_THAI_DIGITS)


def parse_decimal(raw: str | int | float | Decimal) -> Decimal:
    """A decimal from user input: Thai digits, thousands separators and spaces accepted."""
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        # Through str so 0.1 stays 0.1 rather than its binary expansion.
        value = Decimal(str(raw))
    elif not isinstance(raw, str):
        raise ValueError(f"expected a number, got {type(raw).__name__}")
    else:
        cleaned = thai_digits_to_ascii(normalize_text(raw)).replace(",", "").replace(" ", "")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {raw!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite number: {raw!r}")
    return value


def be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def ce_year(be_year_value: int) -> int:
    return be_year_value - BE_OFFSET


def fiscal_year_be(day: date) -> int:
    """The Thai fiscal year runs 1 Oct - 30 Sep and is named by the BE year it ends in."""
    return be_year(day.year + 1 if day.month >= 10 else day.year)


def fiscal_year_bounds(fy_be: int) -> tuple[date, date]:
    year = ce_year(fy_be)
    return date(year - 1, 10, 1), date(year, 9, 30)


_THAI_MONTHS = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)


def format_date_th(day: date) -> str:
    """The short Thai date users expect on screen, e.g. 31 มี.ค. 2565."""
    return f"{day.day} {_THAI_MONTHS[day.month - 1]} {be_year(day.year)}"


BE_YEAR_FLOOR = 2400  # no CE date in this domain is that late; any such year is Buddhist era


def be_year_as_written(year: int) -> int:
    """A year as users write it, Buddhist era (2568) or Common era (2025), in Buddhist era."""
    return year if year >= BE_YEAR_FLOOR else be_year(year)


def parse_date(raw: object) -> object:
    """A date as Thai users write it: ISO or d/m/yyyy, Thai digits, CE or BE years.

    Anything else is passed on unchanged, for the model's own date parsing to judge.
    """
    if not isinstance(raw, str):
        return raw
    text = thai_digits_to_ascii(normalize_text(raw))
    parts = text.replace("/", "-").split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return raw
    if len(parts[0]) == 4:
        year, month, day = (int(p) for p in parts)
    else:
        day, month, year = (int(p) for p in parts)
    if year >= BE_YEAR_FLOOR:
        year = ce_year(year)
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return raw


_THAI_MONTHS_LONG = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)


def format_long_date_th(day: date) -> str:
    """The date as a printed form writes it: ๑ ตุลาคม ๒๕๖๔ (Thai numerals, BE year)."""
    return thai_digits(f"{day.day} {_THAI_MONTHS_LONG[day.month - 1]} {be_year(day.year)}")
