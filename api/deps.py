"""Request dependencies as Annotated aliases, declared once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from api.problems import Problem
from api.services import Services
from domain.agreement import Actor
from storage.tables import AppUser
from storage.users import user_for_token

oauth2 = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


def get_services(request: Request) -> Services:
    services = request.app.state.services
    assert isinstance(services, Services)
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def current_user(services: ServicesDep, token: Annotated[str | None, Depends(oauth2)]) -> AppUser:
    if not token:
        raise Problem(401, "unauthenticated", "Authentication required", "send a bearer token")
    with services.db.reader() as session:
        user = user_for_token(session, token, now=datetime.now(UTC))
    if user is None:
        raise Problem(401, "unauthenticated", "Authentication required", "token unknown or expired")
    return user


CurrentUser = Annotated[AppUser, Depends(current_user)]


def actor_of(user: AppUser) -> Actor:
    return Actor(user_id=user.id, display_name=user.display_name)


def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)] = None,
) -> str | None:
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
