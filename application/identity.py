"""Signing in and out: passwords, refresh tokens and machine API tokens.

Identity rows are not agreement state, so they are written here rather than by a workflow
(decision 0004). Each change appends its `identity.*` audit entry, with the client's address,
in the same unit of work (decision 0032); no password and no token value is ever recorded (an
API token is named by its id, a session by its refresh family). Failed logins are counted per
account and per address and slowed by domain.login_throttle's rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from application.errors import Problem
from application.recording import record_identity_event
from domain import login_throttle as throttle
from domain.access import Principal
from domain.errors import violation
from domain.login_throttle import ACCOUNT, ADDRESS, Counter, ThrottleRule
from storage.db import Database
from storage.login_throttle import counters_for_update, forget_counter, save_counter
from storage.tables import ApiToken, AppUser
from storage.tokens import (
    RefreshRefused,
    RefreshReused,
    Rotated,
    create_api_token,
    issue_refresh,
    revoke_api_token,
    revoke_family,
    revoke_refresh,
    rotate_refresh,
)
from storage.unit_of_work import unit_of_work
from storage.users import check_password, hash_password, needs_rehash, user_by_username

ANONYMOUS = "anonymous"  # the actor of a failed login: whoever typed it is not known
FAILED = "identity.login_failed"


def log_in(
    *,
    db: Database,
    username: str,
    password: str,
    client_address: str | None,
    now: datetime,
    refresh_ttl: timedelta,
) -> Rotated:
    """A refresh token for the user whose password this is; the hash is renewed if outdated.
    An account or address with too many recent failures is refused (429) unchecked."""
    with unit_of_work(db) as session:
        outcome = _attempt(session, username, password, client_address, now, refresh_ttl)
    if isinstance(outcome, Problem):  # raised only now: its counters and entry are committed
        raise outcome
    return outcome


def _attempt(
    session: Session,
    username: str,
    password: str,
    address: str | None,
    now: datetime,
    refresh_ttl: timedelta,
) -> Rotated | Problem:
    keys = {ACCOUNT: throttle.account_key(username), ADDRESS: throttle.address_key(address)}
    counters = counters_for_update(session, list(keys.values()), now=now)
    login_name = throttle.login_name_as_typed(username)
    facts = {"client_address": throttle.client_address(address), "login_name": login_name}
    user = user_by_username(session, username)
    subject = login_name if user is None else user.id  # an unknown name is still recorded
    throttled = _throttled({rule: counters[key] for rule, key in keys.items()}, now)
    if throttled is not None:
        wait = throttled.extra["retry_after"]
        _record(
            session, ANONYMOUS, FAILED, subject, facts, now, reason="throttled", retry_after=wait
        )
        return throttled
    if user is None or not check_password(password, user.password_hash):
        for rule, key in keys.items():
            save_counter(session, key, throttle.after_failure(counters[key], rule, now))
        reason = "unknown_user" if user is None else "wrong_password"
        _record(session, ANONYMOUS, FAILED, subject, facts, now, reason=reason)
        return Problem(401, "bad_credentials", "Login failed", "wrong username or password")
    if not user.active:
        _record(session, ANONYMOUS, FAILED, subject, facts, now, reason="deactivated")
        return Problem(401, "bad_credentials", "Login failed", "wrong username or password")
    if user.must_change_password:
        # A password an administrator reset is changed on the sign-in page first (0039).
        _record(session, ANONYMOUS, FAILED, subject, facts, now, reason="must_change_password")
        return Problem(
            403,
            "password_change_required",
            "Password change required",
            "this password was reset: sign in on the web app and choose a new one first",
            [violation("password", "must_change", "reset by an administrator")],
        )
    return _signed_in(session, user, password, keys[ACCOUNT], facts, now, refresh_ttl)


def _throttled(counters: dict[ThrottleRule, Counter], now: datetime) -> Problem | None:
    """The 429 naming each rule whose counter is blocked, and the longest wait of them."""
    waits = {rule: throttle.retry_after(counter, now) for rule, counter in counters.items()}
    blocked = {rule: wait for rule, wait in waits.items() if wait is not None}
    if not blocked:
        return None
    errors = [
        violation(rule.field, rule.name, f"{throttle.describe(rule)}; try again in {wait} s")
        for rule, wait in blocked.items()
    ]
    wait = max(blocked.values())
    detail = f"too many failed logins; try again in {wait} seconds"
    return Problem(
        429, "too_many_logins", "Too many failed logins", detail, errors, retry_after=wait
    )


def _signed_in(
    session: Session,
    user: AppUser,
    password: str,
    account: str,
    facts: dict[str, Any],
    now: datetime,
    refresh_ttl: timedelta,
) -> Rotated:
    # A success ends the account's run of failures; the address's counter runs on, so that one
    # good password does not wipe out an address's guesses at other accounts (decision 0032).
    forget_counter(session, account)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    signed_in = issue_refresh(session, user.id, now=now, ttl=refresh_ttl)
    _record(session, user.id, "identity.login", user.id, facts, now, family=signed_in.family)
    return signed_in


def refresh_session(
    *,
    db: Database,
    refresh_token: str,
    client_address: str | None,
    now: datetime,
    refresh_ttl: timedelta,
) -> Rotated:
    """Spends the refresh token for a new one; one presented twice ends all its sessions."""
    facts = {"client_address": _address(client_address)}
    try:
        with unit_of_work(db) as session:
            rotated = rotate_refresh(session, refresh_token, now=now, ttl=refresh_ttl)
            _record(
                session,
                rotated.user_id,
                "identity.refresh",
                rotated.user_id,
                facts,
                now,
                family=rotated.family,
            )
            return rotated
    except RefreshReused as reused:
        with unit_of_work(db) as session:
            revoke_family(session, reused.family, now)
            _record(
                session,
                reused.user_id,
                "identity.refresh",
                reused.user_id,
                facts,
                now,
                family=reused.family,
                reused=True,
                sessions_revoked=True,
            )
        raise Problem(401, "bad_refresh_token", "Refresh refused", str(reused)) from reused
    except RefreshRefused as refused:
        raise Problem(401, "bad_refresh_token", "Refresh refused", str(refused)) from refused


def log_out(*, db: Database, refresh_token: str, client_address: str | None, now: datetime) -> None:
    """Revokes the refresh token's whole family; access tokens lapse within minutes. An unknown
    or revoked token changes nothing and records nothing."""
    with unit_of_work(db) as session:
        row = revoke_refresh(session, refresh_token, now)
        if row is not None:
            facts = {"client_address": _address(client_address)}
            _record(
                session, row.user_id, "identity.logout", row.user_id, facts, now, family=row.family
            )


def issue_api_token(
    *,
    db: Database,
    actor: Principal,
    name: str,
    client_address: str | None,
    now: datetime,
    ttl: timedelta,
) -> tuple[ApiToken, str]:
    """A token for a machine acting as this user: its row, and the token, shown once."""
    with unit_of_work(db) as session:
        row, token = create_api_token(session, actor.user_id, name, now=now, ttl=ttl)
        facts = {"client_address": _address(client_address)}
        _record(
            session,
            actor.user_id,
            "identity.token_created",
            actor.user_id,
            facts,
            now,
            token_id=row.token_hash,
            name=name,
            expires_at=row.expires_at.isoformat(),
        )
        return row, token


def withdraw_api_token(
    *, db: Database, actor: Principal, token_id: str, client_address: str | None, now: datetime
) -> ApiToken:
    """Revokes one of the actor's own API tokens; anyone else's is not found. Revoking one
    revoked already changes nothing and records nothing."""
    with unit_of_work(db) as session:
        before = session.get(ApiToken, token_id)
        was_live = before is not None and before.revoked_at is None
        if not revoke_api_token(session, actor.user_id, token_id, now):
            raise Problem(404, "NotFound", "Not found", f"no API token {token_id}")
        row = session.get(ApiToken, token_id)
        assert row is not None
        if was_live:
            facts = {"client_address": _address(client_address)}
            _record(
                session,
                actor.user_id,
                "identity.token_revoked",
                actor.user_id,
                facts,
                now,
                token_id=token_id,
                name=row.name,
            )
        return row


def _address(address: str | None) -> str:
    return throttle.client_address(address)


def _record(
    session: Session,
    actor_id: str,
    action: str,
    subject: str,
    facts: dict[str, Any],
    now: datetime,
    **more: Any,
) -> None:
    record_identity_event(
        session,
        actor_id=actor_id,
        action=action,
        subject=subject,
        facts={**facts, **more},
        command_id=None,
        at=now,
    )
