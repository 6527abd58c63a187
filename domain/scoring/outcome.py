"""The unrounded result of one method, before the definition's rounding is applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from domain.definition import RoundingPolicy

if TYPE_CHECKING:
    from domain.scoring.model import KpiScore

_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}


@dataclass(frozen=True)
class Outcome:
    raw: Decimal
    rule: str
    deciding: str | None
    th: str
    en: str
    parts: list[KpiScore] = field(default_factory=list)
    combined: Decimal | None = None  # a composite's value before banding
    band_rule: str | None = None  # the band that decided, e.g. "8.5 <= x <= 10"


def quantize(value: Decimal, policy: RoundingPolicy) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-policy.places), rounding=_MODES[policy.mode])


SHOWN_PLACES = 10


def show(value: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros, at most 10 places (…)."""
    text = format(value.normalize(), "f")
    dot = text.find(".")
    if dot >= 0 and len(text) - dot - 1 > SHOWN_PLACES:
        return text[: dot + 1 + SHOWN_PLACES] + "…"  # cut, not rounded, like ROUND_DOWN
    return text


def grouped(value: Decimal) -> str:
    """As show(), with thousands separated by commas (3,938), as the source forms print them."""
    if value == value.to_integral_value():
        return f"{int(value):,}"  # counts and amounts, the common case, without show()'s work
    text = show(value)
    if -1000 < value < 1000:
        return text  # nothing to group
    sign = "-" if text.startswith("-") else ""
    whole, dot, fraction = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"
