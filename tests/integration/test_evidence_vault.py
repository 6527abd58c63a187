"""The evidence vault over HTTP on the real app: SeaweedFS with object lock, a real worker on
the Temporal dev server, SQLite. Uploads, dedup, refusals, downloads (audited), withdrawal and
the three times evidence carries."""

from __future__ import annotations

import base64
import hashlib
import os
import unicodedata
import urllib.parse
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from domain.thai import fiscal_year_bounds
from rabrong.embedded import free_port
from storage.db import Database
from storage.evidence_store import EvidenceStore
from storage.tables import AuditEntry, EvidenceRow
from tests.support.http import (
    FY,
    RESULTS,
    VAULT_LIMIT,
    Api,
    R,
    open_round,
    problem,
)

THAI_NAME = "รายงานผลการดำเนินงาน ไตรมาส ๑.pdf"


def pdf(marker: str = "") -> bytes:
    """A small PDF whose bytes differ per marker (random unless given)."""
    body = (marker or uuid.uuid4().hex).encode()
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n% " + body + b"\n%%EOF\n"


def services_of(api: Api) -> Any:
    assert api.services is not None
    return api.services


async def kpi_2(api: Api) -> str:
    return await open_round(api, "ev") + "/kpis/2"


async def upload(
    api: Api, kpi: str, data: bytes, name: str = THAI_NAME, **params: Any
) -> httpx.Response:
    files = {"file": (name, data, "application/pdf")}
    return await api.post("cmi.staff", f"{kpi}/evidence", files=files, params=params)


def rows(db: Database) -> list[EvidenceRow]:
    with db.reader() as session:
        return list(session.exec(select(EvidenceRow).order_by(col(EvidenceRow.uploaded_at))))


def reads_of(db: Database, evidence_id: str) -> list[AuditEntry]:
    with db.reader() as session:
        statement = select(AuditEntry).where(
            AuditEntry.subject_id == evidence_id, AuditEntry.action == "evidence.read"
        )
        return list(session.exec(statement.order_by(col(AuditEntry.seq))))


def versions(store: EvidenceStore) -> list[tuple[str, str | None]]:
    return [(v.key, v.version_id) for v in store.versions()]


async def test_a_thai_named_file_round_trips_and_every_read_is_audited(
    vault: Api, own_database: Database
) -> None:
    kpi = await kpi_2(vault)
    data = pdf()
    decomposed = unicodedata.normalize("NFD", "ไฟล์/../" + THAI_NAME)
    start, _ = fiscal_year_bounds(FY)
    response = await upload(
        vault, kpi, data, decomposed, effective_from=f"๑/{start.month}/{start.year + 543}"
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["original_name"] == unicodedata.normalize("NFC", THAI_NAME)
    assert (made["sha256"], made["size"]) == (hashlib.sha256(data).hexdigest(), len(data))
    assert made["media_type"] == "application/pdf" and made["deduplicated"] is False
    assert made["effective_from"] == start.isoformat()
    assert made["uploaded_by"] == "u-cmi-staff" and made["retain_until"] is not None
    retain_until = datetime.fromisoformat(made["retain_until"])
    assert retain_until > datetime.now(UTC) + timedelta(days=3649)

    evidence_id = made["evidence_id"]
    record = await vault.ok(vault.get("kpi.owner", f"/v1/evidence/{evidence_id}"))
    assert record["sha256"] == made["sha256"] and record["version_id"] == made["version_id"]

    content = await vault.get("kpi.owner", f"/v1/evidence/{evidence_id}/content")
    assert content.status_code == 200 and content.content == data
    assert content.headers["content-type"] == "application/pdf"
    disposition = content.headers["content-disposition"]
    quoted = disposition.split("filename*=UTF-8''", 1)[1]
    assert urllib.parse.unquote(quoted) == made["original_name"]
    assert disposition.split('filename="', 1)[1].split('"', 1)[0].isascii()

    link = await vault.ok(vault.get("cmi.head", f"/v1/evidence/{evidence_id}/url"))
    assert datetime.fromisoformat(link["expires_at"]) <= datetime.now(UTC) + timedelta(minutes=5)
    async with httpx.AsyncClient() as s3:
        fetched = await s3.get(link["url"])
    assert fetched.status_code == 200 and fetched.content == data

    reads = reads_of(own_database, evidence_id)
    assert [(r.actor_id, r.facts["via"]) for r in reads] == [
        ("u-owner", "stream"),
        ("u-cmi-head", "presigned_url"),
    ]
    assert all(r.facts["sha256"] == made["sha256"] for r in reads)

    # The same file as a raw body, its Thai name in Content-Disposition (RFC 6266).
    headers = await vault.headers("cmi.staff")
    headers["Content-Type"] = "application/octet-stream"
    headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + urllib.parse.quote(
        "ภาพกิจกรรม.pdf"
    )
    raw = await vault.http.post(f"{kpi}/evidence", content=pdf(), headers=headers)
    assert raw.status_code == 201, raw.text
    assert raw.json()["original_name"] == "ภาพกิจกรรม.pdf"
    assert len(rows(own_database)) == 2


async def test_the_same_content_twice_is_stored_once_and_referenced_twice(
    vault: Api, own_database: Database
) -> None:
    kpi = await kpi_2(vault)
    data = pdf()
    first = await vault.ok(upload(vault, kpi, data, "ฉบับแรก.pdf"), 201)
    second = await vault.ok(upload(vault, kpi, data, "ฉบับสำเนา.pdf"), 201)
    assert (first["deduplicated"], second["deduplicated"]) == (False, True)
    assert first["evidence_id"] != second["evidence_id"]
    assert (second["sha256"], second["version_id"]) == (first["sha256"], first["version_id"])
    stored = versions(services_of(vault).store)
    assert [key for key, _ in stored].count(f"sha256/{first['sha256'][:2]}/{first['sha256']}") == 1
    assert [r.original_name for r in rows(own_database)] == ["ฉบับแรก.pdf", "ฉบับสำเนา.pdf"]


async def test_oversize_and_disguised_files_are_refused_and_leave_nothing(
    vault: Api, own_database: Database, tmp_path: Path
) -> None:
    kpi = await kpi_2(vault)
    too_big = pdf() + os.urandom(VAULT_LIMIT)
    refused = problem(await upload(vault, kpi, too_big), 413, "too_large")
    assert [(e["field"], e["rule"]) for e in refused["errors"]] == [("file", "max_size")]

    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + os.urandom(4000)
    disguised = problem(await upload(vault, kpi, exe, "ผลงาน.pdf"), 415, "UnsupportedMedia")
    assert [(e["field"], e["rule"]) for e in disguised["errors"]] == [("file", "allowed_type")]
    assert "executable" in disguised["detail"]

    # A bad effective period is refused before a byte is read.
    period = {"effective_from": "2026-03-01", "effective_to": "2026-02-01"}
    backwards = problem(await upload(vault, kpi, pdf(), **period), 422, "ValidationFailed")
    assert backwards["errors"][0]["field"] == "effective_to"

    assert rows(own_database) == []
    assert versions(services_of(vault).store) == []
    assert list((tmp_path / "incoming").iterdir()) == []


async def test_a_store_that_is_down_gives_503_and_records_nothing(
    vault: Api, own_database: Database
) -> None:
    kpi = await kpi_2(vault)
    services = services_of(vault)
    working = services.store
    services.store = EvidenceStore(
        endpoint=f"127.0.0.1:{free_port()}", access_key="a", secret_key="b", bucket="evidence"
    )
    try:
        down = problem(await upload(vault, kpi, pdf()), 503, "unavailable")
        assert "s3" in down["detail"] or "s3" in str(down)
    finally:
        services.store = working
    assert rows(own_database) == []
    with own_database.reader() as session:
        attached = session.exec(
            select(AuditEntry).where(AuditEntry.action == "evidence.attached")
        ).all()
    assert attached == []


async def test_withdrawn_and_replaced_evidence_is_kept_and_stops_counting(
    vault: Api, own_database: Database
) -> None:
    kpi = await kpi_2(vault)
    first = await vault.ok(upload(vault, kpi, pdf(), "ร่าง.pdf"), 201)
    second = await vault.ok(
        upload(vault, kpi, pdf(), "ฉบับแก้ไข.pdf", supersedes=first["evidence_id"]), 201
    )
    path = f"{kpi}/evidence/{second['evidence_id']}/withdraw"
    state = await vault.ok(vault.post("cmi.staff", path, json={"reason": "แนบผิดตัวชี้วัด"}))
    files = state["kpi_rounds"][f"{R}:2"]["evidence"]
    assert [(f["evidence_id"], f["superseded_at"] is not None) for f in files] == [
        (first["evidence_id"], True),
        (second["evidence_id"], True),
    ]
    again = problem(
        await vault.post("cmi.staff", path, json={"reason": "ซ้ำ"}), 409, "InvalidTransition"
    )
    assert again["errors"][0]["rule"] == "evidence_active"

    aid = kpi.split("/")[3]
    listed = await vault.ok(vault.get("cmi.staff", "/v1/evidence", params={"agreement_id": aid}))
    assert listed["count"] == 0
    everything = await vault.ok(
        vault.get("cmi.staff", "/v1/evidence", params={"agreement_id": aid, "status": "all"})
    )
    by_id = {r["evidence_id"]: r for r in everything["data"]}
    assert by_id[first["evidence_id"]]["superseded_by"] == second["evidence_id"]
    assert by_id[second["evidence_id"]]["withdrawal_reason"] == "แนบผิดตัวชี้วัด"
    assert len(rows(own_database)) == 2  # nothing deleted


async def test_upload_effective_and_review_times_are_all_queryable(vault: Api) -> None:
    kpi = await kpi_2(vault)
    base, aid = kpi.rsplit("/rounds/", 1)[0], kpi.split("/")[3]
    start, end = fiscal_year_bounds(FY)
    quarter_end = date(start.year, 12, 31)
    for code, result in RESULTS.items():
        path = f"{base}/rounds/{R}/kpis/{code}"
        await vault.ok(vault.post("cmi.staff", f"{path}/result", json=result))
        period = {"effective_from": start.isoformat(), "effective_to": quarter_end.isoformat()}
        await vault.ok(upload(vault, path, pdf(), f"kpi{code}.pdf", **period), 201)
    # The workflow stamps uploads and reviews on its own clock, which a run as of another day
    # moves (tests/support/today.py): the bounds come from what it recorded, not from ours.
    listed = await vault.ok(vault.get("auditor", "/v1/evidence", params={"agreement_id": aid}))
    last_upload = max(datetime.fromisoformat(r["uploaded_at"]) for r in listed["data"])
    before_review = last_upload + timedelta(microseconds=1)
    await vault.ok(vault.post("cmi.staff", f"{base}/rounds/{R}/submit"))
    await vault.ok(vault.post("kpi.owner", f"{kpi}/approve", json={"note": "ครบ"}))

    async def search(**params: Any) -> list[str]:
        found = await vault.ok(
            vault.get("auditor", "/v1/evidence", params={"agreement_id": aid, **params})
        )
        return sorted(r["kpi_code"] for r in found["data"])

    every = sorted(RESULTS)
    assert await search(effective_on=quarter_end.isoformat()) == every
    assert await search(effective_on=end.isoformat()) == []
    assert await search(uploaded_to=before_review.isoformat()) == every
    assert await search(uploaded_from=before_review.isoformat()) == []
    assert await search(reviewed_from=before_review.isoformat()) == ["2"]
    reviewed = await vault.ok(
        vault.get("auditor", "/v1/evidence", params={"agreement_id": aid, "kpi_code": "2"})
    )
    assert reviewed["data"][0]["reviewed_by"] == "u-owner"


async def test_evidence_outside_ones_agreements_is_not_found(vault: Api) -> None:
    kpi = await kpi_2(vault)
    made = await vault.ok(upload(vault, kpi, pdf()), 201)
    evidence_id, aid = made["evidence_id"], kpi.split("/")[3]
    for path in ("", "/content", "/url"):
        problem(await vault.get("skw.staff", f"/v1/evidence/{evidence_id}{path}"), 404, "NotFound")
    outsider = await vault.get("skw.staff", "/v1/evidence", params={"agreement_id": aid})
    problem(outsider, 404, "NotFound")
    problem(await vault.get("skw.staff", "/v1/evidence"), 422, "ValidationFailed")
    audited = await vault.ok(vault.get("auditor", "/v1/evidence"))
    assert evidence_id in {r["evidence_id"] for r in audited["data"]}


def repr_digest(data: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"


async def test_a_body_whose_digest_comes_ahead_goes_straight_to_s3(
    vault: Api, own_database: Database, tmp_path: Path
) -> None:
    kpi = await kpi_2(vault)
    services = services_of(vault)
    services.evidence_max_bytes = 32 * 1024 * 1024  # several S3 parts, no spool file
    data = pdf() + os.urandom(20 * 1024 * 1024)
    headers = await vault.headers("cmi.staff")
    headers |= {"Content-Type": "application/pdf", "Repr-Digest": repr_digest(data)}
    url = f"{kpi}/evidence"

    lying = {**headers, "Repr-Digest": repr_digest(data + b"!")}
    refused = problem(
        await vault.http.post(url, content=data, headers=lying), 400, "digest_mismatch"
    )
    assert [(e["field"], e["rule"]) for e in refused["errors"]] == [
        ("repr-digest", "digest_matches")
    ]
    assert versions(services.store) == [] and services.store.incomplete_uploads() == []

    made = await vault.ok(
        vault.http.post(url, content=data, headers=headers, params={"name": "ภาพ.pdf"}), 201
    )
    assert (made["sha256"], made["size"]) == (hashlib.sha256(data).hexdigest(), len(data))
    assert made["original_name"] == "ภาพ.pdf" and made["deduplicated"] is False
    assert services.store.read(f"sha256/{made['sha256'][:2]}/{made['sha256']}") == data
    assert not (tmp_path / "incoming").exists() or list((tmp_path / "incoming").iterdir()) == []

    again = await vault.ok(vault.http.post(url, content=data, headers=headers), 201)
    assert again["deduplicated"] is True and again["version_id"] == made["version_id"]
    assert len(versions(services.store)) == 1 and len(rows(own_database)) == 2

    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + os.urandom(4000)
    disguised = {**headers, "Repr-Digest": repr_digest(exe)}
    problem(await vault.http.post(url, content=exe, headers=disguised), 415, "UnsupportedMedia")
    assert len(rows(own_database)) == 2


async def test_a_retried_upload_with_the_same_key_attaches_once(
    vault: Api, own_database: Database
) -> None:
    kpi = await kpi_2(vault)
    data = pdf()
    files = {"file": ("รายงาน.pdf", data, "application/pdf")}
    key = f"upload-{uuid.uuid4().hex}"
    first = await vault.ok(vault.post("cmi.staff", f"{kpi}/evidence", key, files=files), 201)
    retry = await vault.ok(vault.post("cmi.staff", f"{kpi}/evidence", key, files=files), 201)
    assert retry["evidence_id"] == first["evidence_id"]
    assert [r.id for r in rows(own_database)] == [first["evidence_id"]]
    attached = retry["agreement"]["kpi_rounds"][f"{R}:2"]["evidence"]
    assert [e["evidence_id"] for e in attached] == [first["evidence_id"]]
