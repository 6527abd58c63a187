"""Access tokens verified once are remembered (decision 0033, amended), yet an expired one is
refused from memory as on first sight, and a token is only remembered under its own key."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

import jwt

from api.identity import ALGORITHM, ISSUER, jwt_user

KEY = secrets.token_bytes(32)


def _token(key: bytes, expires: datetime, **claims: object) -> str:
    body = {"iss": ISSUER, "sub": "u-1", "typ": "access", "exp": int(expires.timestamp())}
    return jwt.encode({**body, **claims}, key, algorithm=ALGORITHM)


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    # Expired 4 s ago: still inside the 5 s leeway, so accepted now; refused within 2 s.
    token = _token(KEY, datetime.now(UTC) - timedelta(seconds=4))
    assert jwt_user(KEY, token) == "u-1"
    assert jwt_user(KEY, token) == "u-1"  # from memory
    time.sleep(2.1)
    assert jwt_user(KEY, token) is None


def test_a_token_is_remembered_only_under_the_key_that_signed_it() -> None:
    token = _token(KEY, datetime.now(UTC) + timedelta(minutes=5))
    assert jwt_user(KEY, token) == "u-1"
    assert jwt_user(secrets.token_bytes(32), token) is None


def test_refused_tokens_are_not_remembered_as_good() -> None:
    later = datetime.now(UTC) + timedelta(minutes=5)
    for token in (
        _token(KEY, later, typ="refresh"),
        _token(KEY, datetime.now(UTC) - timedelta(minutes=1)),
        _token(secrets.token_bytes(32), later),
    ):
        assert jwt_user(KEY, token) is None
        assert jwt_user(KEY, token) is None
