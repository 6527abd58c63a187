"""The API's own HS256 tokens against PyJWT, an independent implementation: each reads what
the other writes, and every way a token can be bad is refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest

from api import jwt_hs256

KEY = b"k" * 32
NOW = 1_800_000_000.0
GOOD = {"iss": "rabrong", "sub": "u-1", "typ": "access", "iat": NOW - 60, "exp": NOW + 540}


def decoded(token: str, key: bytes = KEY, now: float = NOW) -> dict[str, Any] | None:
    return jwt_hs256.decode(token, key, issuer="rabrong", now=now, leeway=5)


def test_pyjwt_reads_ours_and_we_read_pyjwts() -> None:
    ours = jwt_hs256.encode(GOOD, KEY)
    unchecked = jwt.decode(  # NOW is not the real clock
        ours, KEY, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert unchecked == GOOD
    assert decoded(jwt.encode(GOOD, KEY, algorithm="HS256")) == GOOD


@pytest.mark.parametrize(
    ("why", "claims"),
    [
        ("expired", {**GOOD, "exp": NOW - 6}),
        ("issued in the future", {**GOOD, "iat": NOW + 3600}),
        ("not valid before later", {**GOOD, "nbf": NOW + 3600}),
        ("no expiry", {k: v for k, v in GOOD.items() if k != "exp"}),
        ("an expiry that is not a number", {**GOOD, "exp": "never"}),
        ("another issuer", {**GOOD, "iss": "elsewhere"}),
        ("no subject", {k: v for k, v in GOOD.items() if k != "sub"}),
    ],
)
def test_a_token_out_of_time_or_incomplete_is_refused(why: str, claims: dict[str, Any]) -> None:
    assert decoded(jwt.encode(claims, KEY, algorithm="HS256")) is None, why


def test_the_leeway_is_five_seconds_either_side() -> None:
    token = jwt.encode({**GOOD, "exp": NOW - 4, "nbf": NOW + 4}, KEY, algorithm="HS256")
    assert decoded(token) is not None
    assert decoded(token, now=NOW + 1.5) is None


def _part(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def test_a_forged_altered_or_unsigned_token_is_refused() -> None:
    token = jwt.encode(GOOD, KEY, algorithm="HS256")
    header, payload, signature = token.split(".")
    assert decoded(token, key=b"another key of thirty-two bytes!") is None
    assert decoded(f"{header}.{_part({**GOOD, 'sub': 'u-admin'})}.{signature}") is None
    assert decoded(f"{_part({'alg': 'none', 'typ': 'JWT'})}.{payload}.") is None
    assert decoded(jwt.encode(GOOD, KEY * 2, algorithm="HS512")) is None
    for broken in ("", "a.b", "a.b.c", f"{header}.{payload}", f"{header}.!!.{signature}"):
        assert decoded(broken) is None, broken
