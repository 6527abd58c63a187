"""Who is calling: bearer tokens (JWT access tokens, or machine API tokens) to a Caller that
carries the user, their grants, the delegations they hold today and the organisation tree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from api import jwt_hs256
from api.problems import Problem
from api.services import Services
from domain.access import OrgTree, Principal, may_read_agreement
from domain.agreement import Actor, AgreementState
from domain.delegation import standings
from storage.callers import identity_of, reader_of
from storage.delegations import delegations_to
from storage.tables import AppUser
from storage.tokens import API_TOKEN_PREFIX, user_for_api_token
from storage.users import agreement_unit, grants_of, org_tree
from storage.web_sessions import SessionUser

ALGORITHM = jwt_hs256.ALGORITHM
ISSUER = "rabrong"


def access_token(services: Services, user_id: str, now: datetime) -> str:
    claims = {
        "iss": ISSUER,
        "sub": user_id,
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + services.token_ttl).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt_hs256.encode(claims, services.session_key)


# Tokens verified already, with their user and expiry (decision 0033, amended): a client sends
# the same token with each request, and checking its signature again costs more Python than
# the inbox's own queries. Only a token that passed the whole check is kept, by the key that
# signed it; its expiry is checked on every use. Cleared when full.
_VERIFIED: dict[tuple[bytes, str], tuple[str, float]] = {}
_VERIFIED_MAX = 2_048  # about 1 MiB when full (the API stays within its memory budget)
_LEEWAY = timedelta(seconds=5)


def user_id_from_jwt(services: Services, token: str) -> str | None:
    return jwt_user(services.session_key, token)


def jwt_user(key: bytes, token: str) -> str | None:
    """The user an access token signed with `key` speaks for, if it is good now."""
    known = _VERIFIED.get((key, token))
    if known is not None:
        user_id, expires = known
        return user_id if datetime.now(UTC).timestamp() < expires else None
    verified = _verify_jwt(key, token)
    if verified is None:
        return None
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(key, token)] = verified
    return verified[0]


def _verify_jwt(key: bytes, token: str) -> tuple[str, float] | None:
    """The token's user and the moment it stops being accepted, if it is good now."""
    claims = jwt_hs256.decode(
        token,
        key,
        issuer=ISSUER,
        now=datetime.now(UTC).timestamp(),
        leeway=_LEEWAY.total_seconds(),
    )
    if claims is None:
        return None
    if claims.get("typ") != "access" or not isinstance(claims.get("sub"), str):
        return None
    if not isinstance(claims["exp"], int | float):
        return None
    return str(claims["sub"]), claims["exp"] + _LEEWAY.total_seconds()


def caller_for_bearer(services: Services, token: str) -> Caller | None:
    """The caller a bearer token speaks for, read in one query (two for a machine's API token,
    whose user is found first)."""
    with services.db.statement_reader() as session:
        return caller_in(services, session, token)


def _token_user(services: Services, session: Session, token: str) -> str | None:
    """Whom a bearer token speaks for: a machine's API token looked up, a JWT checked."""
    if token.startswith(API_TOKEN_PREFIX):
        user = user_for_api_token(session, token, now=datetime.now(UTC))
        return None if user is None else user.id
    return user_id_from_jwt(services, token)


def caller_in(services: Services, session: Session, token: str) -> Caller | None:
    """caller_for_bearer on a session the request reads its page on too: a route that runs
    whole on one thread and one pooled connection (decision 0033)."""
    today = datetime.now(UTC).date()
    user_id = _token_user(services, session, token)
    found = None if user_id is None else identity_of(session, user_id, today)
    if found is None:
        return None
    principal = Principal(
        user_id=found.user.id,
        unit=found.user.unit_id,
        grants=found.grants,
        acting_for=standings(list(found.delegations), found.user.id, today),
    )
    return Caller(user=found.user, principal=principal, services=services)


def principal_in(services: Services, session: Session, token: str) -> Principal | None:
    """caller_in's principal without the user's ORM row, for the inbox and the agreement list:
    the same one query, read as columns (storage.callers.reader_of)."""
    today = datetime.now(UTC).date()
    user_id = _token_user(services, session, token)
    found = None if user_id is None else reader_of(session, user_id, today)
    if found is None:
        return None
    return Principal(
        user_id=found.user_id,
        unit=found.unit,
        grants=found.grants,
        acting_for=standings(list(found.delegations), found.user_id, today),
    )


def user_for_bearer(services: Services, session: Session, token: str) -> AppUser | None:
    now = datetime.now(UTC)
    if token.startswith(API_TOKEN_PREFIX):
        return user_for_api_token(session, token, now=now)
    user_id = user_id_from_jwt(services, token)
    return None if user_id is None else session.get(AppUser, user_id)


def scope_for_bearer(services: Services, token: str | None) -> str | None:
    """The user a request speaks for, without a database read when the token is a JWT."""
    if not token:
        return None
    if token.startswith(API_TOKEN_PREFIX):
        with services.db.reader() as session:
            user = user_for_api_token(session, token, now=datetime.now(UTC))
        return None if user is None else user.id
    return user_id_from_jwt(services, token)


@dataclass
class Caller:
    user: AppUser | SessionUser  # a bearer token's user row, or a browser session's user
    principal: Principal
    services: Services
    _tree: OrgTree | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def roles(self) -> list[str]:
        return self.principal.roles

    @property
    def display_name(self) -> str:
        return self.user.display_name

    @property
    def tree(self) -> OrgTree:
        if self._tree is None:
            with self.services.db.statement_reader() as session:
                self._tree = org_tree(session)
        return self._tree

    def tree_in(self, session: Session) -> OrgTree:
        """The tree, read on the request's own session when it has not been read yet."""
        if self._tree is None:
            self._tree = org_tree(session)
        return self._tree

    def actor(self) -> Actor:
        return Actor(
            user_id=self.user.id,
            display_name=self.user.display_name,
            acting_for=self.principal.acting_for,
        )

    def unit_of(self, state: AgreementState) -> str | None:
        if state.parties.unit is not None:  # saves opening a session for most agreements
            return state.parties.unit
        with self.services.db.reader() as session:
            return agreement_unit(session, state)

    def may_read(self, state: AgreementState) -> bool:
        return may_read_agreement(state, self.principal, self.tree, self.unit_of(state))


def caller_for(services: Services, session: Session, user: AppUser) -> Caller:
    today = datetime.now(UTC).date()
    principal = Principal(
        user_id=user.id,
        unit=user.unit_id,
        grants=tuple(grants_of(session, user)),
        acting_for=standings(delegations_to(session, user.id, today), user.id, today),
    )
    return Caller(user=user, principal=principal, services=services)


def unauthenticated(detail: str) -> Problem:
    return Problem(401, "unauthenticated", "Authentication required", detail)
