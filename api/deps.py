"""Request dependencies as Annotated aliases, declared once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from api.identity import Caller, caller_for_bearer, unauthenticated, user_id_from_jwt
from api.problems import Problem
from api.services import Services
from application import web_sessions
from domain.agreement import Actor
from storage.tokens import API_TOKEN_PREFIX

oauth2 = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` on its thread pool,
# a hop each (decision 0033).
async def get_services(request: Request) -> Services:
    services = request.app.state.services
    assert isinstance(services, Services)
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def current_user(services: ServicesDep, token: Annotated[str | None, Depends(oauth2)]) -> Caller:
    if not token:
        raise unauthenticated("send a bearer token")
    caller = caller_for_bearer(services, token)
    if caller is None:
        raise unknown_token()
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


async def bearer_token(services: ServicesDep, token: Annotated[str | None, Depends(oauth2)]) -> str:
    """The bearer token, for a read route that builds its caller on the thread and the
    connection it reads its page on (`api.identity.caller_in`). A JWT is checked here, on the
    event loop (an HMAC, no I/O), so a bad or expired one answers 401 before the query string
    is validated, as current_user does; a machine's API token, or a JWT whose user is gone,
    gets the same 401 from the route (`unknown_token`)."""
    if not token:
        raise unauthenticated("send a bearer token")
    if not token.startswith(API_TOKEN_PREFIX) and user_id_from_jwt(services, token) is None:
        raise unknown_token()
    return token


BearerToken = Annotated[str, Depends(bearer_token)]


def unknown_token() -> Problem:
    return unauthenticated("token unknown, expired or revoked")


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
