"""The API's access tokens: JSON Web Tokens (RFC 7519) in JWS compact form (RFC 7515), signed
and checked with HMAC-SHA256 only.

The API issues and checks its own tokens with one shared key and one algorithm, which needs
hmac, hashlib and base64 only. PyJWT did the same but imports `cryptography`'s X.509 and key
serialisation modules for the algorithms it also offers, about 9 MiB of the API process's
150 MiB budget during large uploads (decision 0033, amended). The tests forge tokens with PyJWT,
an implementation independent of this one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any, TypeGuard

ALGORITHM = "HS256"
_HEADER = {"alg": ALGORITHM, "typ": "JWT"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, signed: str) -> bytes:
    return hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest()


def encode(claims: dict[str, Any], key: bytes) -> str:
    header = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signed = f"{header}.{payload}"
    return f"{signed}.{_b64(_signature(key, signed))}"


def decode(
    token: str, key: bytes, *, issuer: str, now: float, leeway: float
) -> dict[str, Any] | None:
    """The token's claims if it is well formed, signed with `key` by HS256, from `issuer`,
    carries `exp` and `sub`, and is valid at `now` give or take `leeway` seconds (`exp` not
    passed, `nbf` and `iat` not in the future); otherwise None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header_b64, payload_b64, signature_b64 = parts
    try:
        header = json.loads(_unb64(header_b64))
        claims = json.loads(_unb64(payload_b64))
        signature = _unb64(signature_b64)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        return None
    if not hmac.compare_digest(signature, _signature(key, f"{header_b64}.{payload_b64}")):
        return None
    if not isinstance(claims, dict) or claims.get("iss") != issuer or "sub" not in claims:
        return None
    return claims if _in_time(claims, now, leeway) else None


def _in_time(claims: dict[str, Any], now: float, leeway: float) -> bool:
    expires, not_before, issued = (claims.get(name) for name in ("exp", "nbf", "iat"))
    if not _number(expires) or not all(v is None or _number(v) for v in (not_before, issued)):
        return False
    if now >= expires + leeway:
        return False
    return all(v is None or v <= now + leeway for v in (not_before, issued))


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
