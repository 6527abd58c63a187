"""Request and response bodies of identity: tokens, the current user, delegations, API tokens."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds the access token is valid")
    refresh_token: str | None = None
    refresh_expires_in: int | None = None


class RefreshCreate(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class GrantPublic(BaseModel):
    role: str
    unit: str


class StandingPublic(BaseModel):
    principal: str
    delegation_id: str
    kind: str
    order_ref: str


class UserPublic(BaseModel):
    id: str
    username: str
    display_name: str
    position: str | None
    unit_id: str
    roles: list[str]
    grants: list[GrantPublic] = Field(default_factory=list)
    acting_for: list[StandingPublic] = Field(
        default_factory=list, description="delegations in force today"
    )


class DelegationPublic(BaseModel):
    id: str
    principal: str
    delegate: str
    kind: str
    kind_th: str
    order_ref: str
    order_date: date
    valid_from: date
    valid_to: date
    created_by: str
    revoked_on: date | None
    in_force: bool


class DelegationList(BaseModel):
    data: list[DelegationPublic]
    count: int


class RevokeCreate(BaseModel):
    on: date | None = Field(default=None, description="the first day it no longer holds; today")


class ApiTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="what the machine is")


class ApiTokenPublic(BaseModel):
    id: str = Field(description="the token's SHA-256, to revoke it by")
    name: str
    created_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None


class ApiTokenIssued(ApiTokenPublic):
    token: str = Field(description="shown once; only its hash is kept")


class ApiTokenList(BaseModel):
    data: list[ApiTokenPublic]
    count: int
