"""The inbox's filters as a user types them (Thai digits, BE dates): parsed, or refused naming
the field and the rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.task_actions import COMPLETES
from domain.thai import parse_date, thai_digits_to_ascii
from storage.inbox import InboxFilter

AGREEMENT_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


@dataclass(frozen=True)
class BadFilter(Exception):
    field: str
    rule: str


def inbox_filter(params: dict[str, str]) -> InboxFilter:
    kind = params.get("kind") or None
    if kind is not None and kind not in COMPLETES:
        raise BadFilter("kind", "one of the task kinds")
    agreement = (params.get("agreement") or "").strip() or None
    if agreement is not None and not AGREEMENT_ID.match(agreement):
        raise BadFilter("agreement", "an agreement id (letters, digits, . _ -)")
    round_raw = thai_digits_to_ascii(params.get("round") or "").strip()
    if round_raw not in ("", "1", "2"):
        raise BadFilter("round", "1 or 2")
    due_raw = (params.get("due_before") or "").strip()
    due = parse_date(due_raw) if due_raw else None
    if due is not None and not isinstance(due, date):
        raise BadFilter("due_before", "a date: 2569-03-31, 31/3/2569 or ๓๑/๓/๒๕๖๙")
    return InboxFilter(
        kind=kind,
        agreement_id=agreement,
        round=int(round_raw) if round_raw else None,
        due_before=due,
        overdue=True if params.get("overdue") else None,
    )
