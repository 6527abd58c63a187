"""What the README promises about lifetimes, checked on what is signed rather than on what the
server reports beside it: a presigned evidence URL carries `X-Amz-Expires=300` and SeaweedFS
refuses it once that has passed; an access token's `exp - iat` is the configured lifetime, and a
token that has expired or is not yet valid is refused with 401."""

from __future__ import annotations

import asyncio
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from api.identity import ALGORITHM, ISSUER
from tests.integration.test_evidence_vault import kpi_2, pdf, services_of, upload
from tests.support.http import Api, problem

AMZ_DATE = "%Y%m%dT%H%M%SZ"


async def presigned_link(api: Api) -> dict[str, Any]:
    kpi = await kpi_2(api)
    made = await api.ok(upload(api, kpi, pdf()), 201)
    link: dict[str, Any] = await api.ok(
        api.get("cmi.head", f"/v1/evidence/{made['evidence_id']}/url")
    )
    return link


def signed_query(url: str) -> dict[str, str]:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return {name: values[0] for name, values in query.items()}


def signed_until(url: str) -> datetime:
    query = signed_query(url)
    signed_at = datetime.strptime(query["X-Amz-Date"], AMZ_DATE).replace(tzinfo=UTC)
    return signed_at + timedelta(seconds=int(query["X-Amz-Expires"]))


async def test_a_presigned_evidence_url_is_signed_for_five_minutes(vault: Api) -> None:
    link = await presigned_link(vault)
    assert signed_query(link["url"])["X-Amz-Expires"] == "300"
    # The reported expiry is the signed one (to the second the signature was made in).
    reported = datetime.fromisoformat(link["expires_at"])
    assert abs(reported - signed_until(link["url"])) <= timedelta(seconds=2)


async def test_seaweedfs_refuses_a_presigned_url_once_it_has_expired(vault: Api) -> None:
    services_of(vault).download_ttl = timedelta(seconds=3)
    link = await presigned_link(vault)
    assert signed_query(link["url"])["X-Amz-Expires"] == "3"  # the signed value follows the setting
    async with httpx.AsyncClient() as s3:
        fresh = await s3.get(link["url"])
        assert fresh.status_code == 200, fresh.text
        # Wait until the signed lifetime has passed by a margin, then try again.
        while datetime.now(UTC) <= signed_until(link["url"]) + timedelta(seconds=2):
            await asyncio.sleep(0.5)
        stale = await s3.get(link["url"])
    assert stale.status_code == 403, stale.text
    assert b"AccessDenied" in stale.content or b"Expired" in stale.content, stale.text


def claims_of(token: str, api: Api) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token, services_of(api).session_key, algorithms=[ALGORITHM], issuer=ISSUER
    )
    return claims


def forged(api: Api, user_id: str, **times: datetime) -> str:
    """An access token signed with the server's own key, with the times given."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": user_id,
        "typ": "access",
        "jti": uuid.uuid4().hex,
    }
    claims |= {name: int(moment.timestamp()) for name, moment in times.items()}
    return jwt.encode(claims, services_of(api).session_key, algorithm=ALGORITHM)


async def me_with(api: Api, token: str) -> httpx.Response:
    return await api.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


async def test_an_access_token_lives_as_long_as_configured(vault: Api) -> None:
    response = await vault.http.post(
        "/v1/auth/token", data={"username": "cmi.staff", "password": vault.password}
    )
    body = response.json()
    claims = claims_of(body["access_token"], vault)
    configured = services_of(vault).token_ttl
    assert configured == timedelta(minutes=10)  # what running_api configures
    assert claims["exp"] - claims["iat"] == 600
    assert body["expires_in"] == 600


async def test_expired_and_not_yet_valid_tokens_are_refused(vault: Api) -> None:
    now = datetime.now(UTC)
    user_id = "u-cmi-staff"
    # The control: a token forged the same way with sound times is accepted, so the refusals
    # below are about the times alone.
    sound = forged(vault, user_id, iat=now, exp=now + timedelta(minutes=10))
    accepted = await me_with(vault, sound)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["id"] == user_id

    refused = {
        "expired a minute ago": forged(
            vault, user_id, iat=now - timedelta(minutes=11), exp=now - timedelta(minutes=1)
        ),
        "issued an hour from now": forged(
            vault, user_id, iat=now + timedelta(hours=1), exp=now + timedelta(hours=2)
        ),
        "not before an hour from now": forged(
            vault,
            user_id,
            iat=now,
            nbf=now + timedelta(hours=1),
            exp=now + timedelta(hours=2),
        ),
        "without an expiry": forged(vault, user_id, iat=now),
    }
    for case, token in refused.items():
        response = await me_with(vault, token)
        assert response.status_code == 401, case
        problem(response, 401, "unauthenticated")
