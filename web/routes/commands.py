"""Sending an agreement command from a page: the refusal to show beside the field, or None
when the command was taken. A dependency down is not a refusal: it goes on to the 503 page."""

from __future__ import annotations

from fastapi import Request

from application.errors import Problem
from application.work_pages import send
from domain.commands import Command
from domain.errors import DomainError
from web.routes.context import db_of, signed_in, temporal_of


async def refusal_of(
    request: Request, agreement_id: str, command: Command
) -> DomainError | Problem | None:
    who = signed_in(request)
    assert who is not None  # the form was checked signed in (signed_form) before this
    try:
        await send(
            db=db_of(request),
            temporal=temporal_of(request),
            actor=who.principal,
            agreement_id=agreement_id,
            command=command,
        )
    except DomainError as refused:
        return refused
    except Problem as refused:
        if refused.status >= 500:
            raise
        return refused
    return None
