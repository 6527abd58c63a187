"""Login with a password (OAuth2 password form, as /docs expects) giving a short-lived JWT and a
refresh token; refresh, logout, the current user, and machine API tokens.

The writes are application.identity's. Every answer holding a credential says
Cache-Control: no-store, so it is never kept for replay.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import CurrentUser, ServicesDep
from api.identity import access_token
from api.identity_schemas import (
    ApiTokenCreate,
    ApiTokenIssued,
    ApiTokenList,
    ApiTokenPublic,
    GrantPublic,
    RefreshCreate,
    StandingPublic,
    TokenPublic,
    UserPublic,
)
from api.services import Services
from application import identity
from storage.tables import ApiToken
from storage.tokens import api_tokens_of

router = APIRouter(prefix="/v1", tags=["auth"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def client_address(request: Request) -> str | None:
    """The caller's address as the server sees it: behind a proxy, the one it names in
    X-Forwarded-For when uvicorn trusts it (FORWARDED_ALLOW_IPS)."""
    return None if request.client is None else request.client.host


def _tokens(services: Services, user_id: str, refresh: str, now: datetime) -> TokenPublic:
    return TokenPublic(
        access_token=access_token(services, user_id, now),
        expires_in=int(services.token_ttl.total_seconds()),
        refresh_token=refresh,
        refresh_expires_in=int(services.refresh_ttl.total_seconds()),
    )


@router.post("/auth/token")
def login(
    services: ServicesDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    response: Response,
) -> TokenPublic:
    # Too many failed logins for the account or from the address answer 429 with Retry-After.
    # (A comment, not a docstring: the published OpenAPI document stays as decision 0023 has it.)
    now = datetime.now(UTC)
    signed_in = identity.log_in(
        db=services.db,
        username=form.username,
        password=form.password,
        client_address=client_address(request),
        now=now,
        refresh_ttl=services.refresh_ttl,
    )
    response.headers.update(NO_STORE)
    return _tokens(services, signed_in.user_id, signed_in.refresh_token, now)


@router.post("/auth/refresh")
def refresh(
    services: ServicesDep, body: RefreshCreate, request: Request, response: Response
) -> TokenPublic:
    """Spends the refresh token for a new pair; one presented twice ends all its sessions."""
    now = datetime.now(UTC)
    rotated = identity.refresh_session(
        db=services.db,
        refresh_token=body.refresh_token,
        client_address=client_address(request),
        now=now,
        refresh_ttl=services.refresh_ttl,
    )
    response.headers.update(NO_STORE)
    return _tokens(services, rotated.user_id, rotated.refresh_token, now)


@router.post("/auth/logout", status_code=204)
def logout(services: ServicesDep, body: RefreshCreate, request: Request) -> Response:
    """Revokes the refresh token's whole family; access tokens lapse within minutes."""
    identity.log_out(
        db=services.db,
        refresh_token=body.refresh_token,
        client_address=client_address(request),
        now=datetime.now(UTC),
    )
    return Response(status_code=204)


@router.get("/me")
def me(user: CurrentUser) -> UserPublic:
    return UserPublic(
        id=user.user.id,
        username=user.user.username,
        display_name=user.user.display_name,
        position=user.user.position,
        unit_id=user.user.unit_id,
        roles=user.roles,
        grants=[GrantPublic(role=g.role, unit=g.unit) for g in user.principal.grants],
        acting_for=[StandingPublic(**s.model_dump()) for s in user.principal.acting_for],
    )


def _public(row: ApiToken) -> ApiTokenPublic:
    return ApiTokenPublic(
        id=row.token_hash,
        name=row.name or "",
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


@router.post("/me/api-tokens", status_code=201)
def create_token(
    user: CurrentUser,
    services: ServicesDep,
    body: ApiTokenCreate,
    request: Request,
    response: Response,
) -> ApiTokenIssued:
    """A token for a machine acting as this user; shown once."""
    row, token = identity.issue_api_token(
        db=services.db,
        actor=user.principal,
        name=body.name,
        client_address=client_address(request),
        now=datetime.now(UTC),
        ttl=services.api_token_ttl,
    )
    response.headers.update(NO_STORE)
    return ApiTokenIssued(**_public(row).model_dump(), token=token)


@router.get("/me/api-tokens")
def list_tokens(
    user: CurrentUser,
    services: ServicesDep,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ApiTokenList:
    with services.db.reader() as session:
        rows, count = api_tokens_of(session, user.id, offset=offset, limit=limit)
    return ApiTokenList(data=[_public(r) for r in rows], count=count)


@router.post("/me/api-tokens/{token_id}/revoke")
def revoke_token(
    token_id: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    user: CurrentUser,
    services: ServicesDep,
    request: Request,
) -> ApiTokenPublic:
    row = identity.withdraw_api_token(
        db=services.db,
        actor=user.principal,
        token_id=token_id,
        client_address=client_address(request),
        now=datetime.now(UTC),
    )
    return _public(row)
