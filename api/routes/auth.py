"""Password login giving a short-lived bearer token (OAuth2 password form, as /docs expects)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import CurrentUser, ServicesDep
from api.problems import Problem
from api.schemas import TokenPublic, UserPublic
from storage.users import check_password, issue_token, user_by_username

router = APIRouter(prefix="/v1", tags=["auth"])


@router.post("/auth/token")
def login(
    services: ServicesDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenPublic:
    # Identity, not agreement state: the session token is the one row the API writes itself.
    with services.db.transaction() as session:
        user = user_by_username(session, form.username)
        if user is None or not check_password(form.password, user.password_hash):
            raise Problem(401, "bad_credentials", "Login failed", "wrong username or password")
        token = issue_token(session, user_id=user.id, now=datetime.now(UTC), ttl=services.token_ttl)
    return TokenPublic(access_token=token, expires_in=int(services.token_ttl.total_seconds()))


@router.get("/me")
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)
