"""A result as a row of the round's grid types it, read into the domain's ResultInput: numbers
with Thai digits and thousands separators accepted; a number that cannot be read is refused
naming the field, before anything is sent. Which fields a row has follows from its KPI's method
(application.work_pages.Row.kind)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from application.work_pages import DONE, LEVELS, STEPS, VALUE, Row
from domain.criteria import ResultInput
from domain.errors import Violation
from domain.thai import normalize_text, parse_decimal
from web.refusals import said


@dataclass
class FormRefused(Exception):
    errors: dict[str, str]  # form field -> reason


def _number(raw: str, name: str, errors: dict[str, str]) -> Decimal | None:
    text = normalize_text(raw)
    if not text:
        return None
    try:
        return parse_decimal(text)
    except (InvalidOperation, ValueError):
        errors[name] = "number"
        return None


def typed_values(form: dict[str, str]) -> dict[str, str]:
    """What the user typed, to show again as typed (never the parsed number)."""
    skip = {"csrf", "kpi_code"}
    return {k: v for k, v in form.items() if k not in skip and v != ""}


def result_of(row: Row, form: dict[str, str]) -> ResultInput:
    errors: dict[str, str] = {}
    fields: dict[str, object] = {}
    if row.kind == VALUE or row.measures:
        value = _number(form.get("value", ""), "value", errors)
        if value is not None:
            fields["value"] = value
        measures = {}
        for m in row.measures:
            number = _number(form.get(f"m.{m.name}", ""), f"m.{m.name}", errors)
            if number is not None:
                measures[m.name] = number
        if measures:
            fields["measures"] = measures
    if row.kind == LEVELS:
        fields["steps_done"] = [
            n for n in range(1, len(row.steps) + 1) if form.get(f"level.{n}") == "1"
        ]
    if row.kind == STEPS:
        steps = []
        for n in range(1, len(row.steps) + 1):
            achieved = _number(form.get(f"step.{n}", ""), f"step.{n}", errors)
            target = _number(form.get(f"step.{n}.target", ""), f"step.{n}.target", errors)
            step: dict[str, Decimal] = {
                "achieved": achieved if achieved is not None else Decimal(0)
            }
            if target is not None:
                step["target"] = target
            steps.append(step)
        fields["steps"] = steps
    if row.kind == DONE:
        if form.get("done") in ("0", "1"):
            fields["done"] = form["done"] == "1"
        else:
            errors["done"] = "required"
    note = normalize_text(form.get("note", ""))
    if note:
        fields["note"] = note
    if errors:
        raise FormRefused(errors)
    try:
        return ResultInput.model_validate(fields)
    except ValidationError as bad:
        raise FormRefused(
            {_field_of(e["loc"]): e["msg"] for e in bad.errors(include_url=False)}
        ) from None


def _field_of(loc: tuple[int | str, ...]) -> str:
    """pydantic's location as the row's form field: ('steps', 0, 'target') is step.1.target."""
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        return f"step.{loc[1] + 1}" + (".target" if loc[-1] == "target" else "")
    if len(loc) >= 2 and loc[0] == "measures":
        return f"m.{loc[1]}"
    return str(loc[0]) if loc else "value"


def errors_of(violations: list[Violation], message: str, lang: str) -> dict[str, str]:
    """The domain's refusal placed next to the row's field it names (measures.x is m.x; a
    rule about the round or the status goes on the row's save button), in the page's language
    first (web.refusals.said)."""
    placed: dict[str, str] = {}
    for v in violations:
        name = v.field
        if name.startswith("measures."):
            name = "m." + name.removeprefix("measures.")
        elif name.startswith("steps."):
            name = "step." + name.removeprefix("steps.")
        elif name not in ("value", "done", "note"):
            name = "row"
        words = f"{message}: {v.message}" if name == "row" else v.message
        text = said(lang, v.rule, words)
        placed[name] = placed[name] + "; " + text if name in placed else text
    if not placed:
        placed["row"] = message
    return placed
