"""Request dependencies as Annotated aliases, declared once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from api.identity import Caller, caller_for_bearer, unauthenticated
from api.problems import Problem
from api.services import Services
from application import web_sessions
from domain.agreement import Actor

oauth2 = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


def get_services(request: Request) -> Services:
    services = request.app.state.services
    assert isinstance(services, Services)
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def current_user(services: ServicesDep, token: Annotated[str | None, Depends(oauth2)]) -> Caller:
    if not token:
        raise unauthenticated("send a bearer token")
    caller = caller_for_bearer(services, token)
    if caller is None:
        raise unauthenticated("token unknown, expired or revoked")
    return caller


CurrentUser = Annotated[Caller, Depends(current_user)]

CSRF_HEADER = "X-CSRF-Token"


def page_user(request: Request, services: ServicesDep) -> Caller:
    """The browser's session (its cookie) for the few page routes that stream a body the page
    sends by script (evidence uploads, decision 0037). A cookie travels with any request a
    browser makes, so the session's CSRF token must come too, in a header another site's form
    cannot set."""
    session_id = request.cookies.get(web_sessions.COOKIE)
    who = (
        web_sessions.resume(db=services.db, session_id=session_id, now=datetime.now(UTC))
        if session_id
        else None
    )
    if who is None:
        raise unauthenticated("sign in again: the session has ended")
    if not web_sessions.same_token(request.headers.get(CSRF_HEADER), who.csrf_token):
        raise Problem(403, "csrf", "Forbidden", f"the {CSRF_HEADER} header is missing or wrong")
    return Caller(user=who.user, principal=who.principal, services=services)


PageUser = Annotated[Caller, Depends(page_user)]


def actor_of(user: Caller) -> Actor:
    return user.actor()


def idempotency_key(
    user: CurrentUser,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=100,
            description="a retried request with the same key acts once and gets the same answer",
        ),
    ] = None,
) -> str | None:
    """The key as the command's id, scoped to the caller: two people who happen to pick the same
    key must not be taken for one retried request (the workflow acts once per command id)."""
    if key is None:
        return None
    scoped = f"{user.id}:{key}"
    if len(scoped) <= 100:
        return scoped
    return "k:" + hashlib.sha256(scoped.encode("utf-8")).hexdigest()


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
