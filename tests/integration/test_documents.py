"""The printed documents against a real database: made for who may read the agreement (404 for
anyone else), recorded as reads; the QR code on a page decodes to the verification page, which
says "matches" for the real record and "does not match" for an altered hash, with the audit
entries and their inclusion proofs."""

from __future__ import annotations

import io
import itertools
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from fastapi import FastAPI
from PIL import Image
from sqlmodel import col, select

from activities.agreements import AgreementActivities
from application import web_sessions
from application.documents import (
    agreement_pdf,
    round_report_pdf,
    verify_agreement,
    verify_round_report,
)
from application.errors import Problem
from domain.access import Principal
from domain.agreement import Party
from domain.book import DefinitionBook
from domain.commands import (
    ApproveResult,
    AttachEvidence,
    EnterResult,
    FireAlarms,
    Sign,
    SubmitRound,
)
from domain.lifecycle import decide
from domain.transition import TransitionRecord
from rabrong.demo import demo_parties
from storage.db import Database
from storage.tables import AuditEntry
from tests.integration.test_web_sessions import demo_users
from tests.support.factories import NOW, cmd_at, created, evidence
from tests.support.journeys import KPIS, RESULTS
from web.app import install_web
from web.cookies import SESSION

SITE = "http://127.0.0.1:8000"
ARTEFACTS = Path(__file__).parents[2] / "var" / "test-artefacts" / "documents"
MAKER = Principal(user_id="u-cmi-head", unit="cmi", grants=())
STRANGER = Principal(user_id="u-skw-head", unit="skw", grants=())


def _record(db: Database, tmp_path: Path, agreement_id: str) -> str:
    """The demo agreement of Chiang Mai, signed and its first round scored, every step recorded
    through the recording activity as the workflow records it."""
    demo_users(db, tmp_path)
    recorder = AgreementActivities(db)
    state, definition = created(with_parties=demo_parties("cmi"))
    state = state.model_copy(update={"agreement_id": agreement_id, "title": "คำรับรองเชียงใหม่"})
    ids = itertools.count()
    recorder.record_transition(
        TransitionRecord(
            command_id=f"{agreement_id}-{next(ids)}",
            agreement_id=agreement_id,
            action="agreement.created",
            actor_id="u-admin",
            at=state.created_at,
            facts={},
            state=state,
            definition=definition,
        )
    )
    book = DefinitionBook([definition])

    def do(kind: type[Any], user: str, **fields: Any) -> None:
        nonlocal state
        decision = decide(state, book, cmd_at(kind, user, NOW, **fields))
        state = decision.state
        recorder.record_transition(
            TransitionRecord(
                command_id=f"{agreement_id}-{next(ids)}",
                agreement_id=agreement_id,
                action=decision.action,
                actor_id=user,
                at=NOW,
                facts=decision.facts,
                state=state,
            )
        )

    do(Sign, "u-cmi-head", party=Party.MAKER)
    do(Sign, "u-permsec", party=Party.RECIPIENT)
    do(FireAlarms, "system", keys=["open:1"])
    for code in KPIS:
        do(EnterResult, "u-cmi-staff", round=1, kpi_code=code, result=RESULTS[1][code])
        do(AttachEvidence, "u-cmi-staff", round=1, kpi_code=code, evidence=evidence())
    do(SubmitRound, "u-cmi-staff", round=1)
    for code in KPIS:
        do(ApproveResult, "u-owner", round=1, kpi_code=code)
    assert 1 in state.round_scores
    return agreement_id


def _qr_url(pdf: bytes, name: str) -> str:
    import subprocess

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "110", "-png", "-singlefile", str(path), str(path.with_suffix(""))],
        check=True,
    )
    png = path.with_suffix(".png").read_bytes()
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert len(found) == 1
    return str(found[0].text)


def test_documents_decode_to_a_verification_that_matches(
    database: Database, tmp_path: Path
) -> None:
    agreement_id = _record(database, tmp_path, f"doc-{uuid.uuid4().hex[:8]}")
    assert agreement_pdf(db=database, actor=STRANGER, agreement_id=agreement_id, site=SITE) is None
    made = agreement_pdf(db=database, actor=MAKER, agreement_id=agreement_id, site=SITE)
    assert made is not None and made.startswith(b"%PDF")
    url = _qr_url(made, "agreement-recorded")
    found = re.fullmatch(rf"{SITE}/verify/agreements/{agreement_id}\?hash=([0-9a-f]{{64}})", url)
    assert found, url
    digest = found.group(1)
    check = verify_agreement(db=database, actor=MAKER, agreement_id=agreement_id, shown=digest)
    assert check is not None and check.matches and check.record_agrees_with_log
    assert {e.action for e in check.entries} >= {"agreement.created", "agreement.signed"}
    assert all(e.proof_holds for e in check.entries)
    altered = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    check = verify_agreement(db=database, actor=MAKER, agreement_id=agreement_id, shown=altered)
    assert check is not None and not check.matches
    assert (
        verify_agreement(db=database, actor=STRANGER, agreement_id=agreement_id, shown=digest)
        is None
    )

    report = round_report_pdf(
        db=database, actor=MAKER, agreement_id=agreement_id, number=1, site=SITE
    )
    assert report is not None
    url = _qr_url(report, "round-report-recorded")
    found = re.fullmatch(
        rf"{SITE}/verify/agreements/{agreement_id}/rounds/1\?hash=([0-9a-f]{{64}})", url
    )
    assert found, url
    check = verify_round_report(
        db=database, actor=MAKER, agreement_id=agreement_id, number=1, shown=found.group(1)
    )
    assert check is not None and check.matches and check.record_agrees_with_log
    assert [e.action for e in check.entries] == ["result.approved"] * len(KPIS)
    assert all(e.proof_holds for e in check.entries)
    with pytest.raises(Problem) as refused:
        round_report_pdf(db=database, actor=MAKER, agreement_id=agreement_id, number=2, site=SITE)
    assert refused.value.status == 409
    with database.reader() as session:
        made_entries = session.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "document.made")
        ).all()
    assert [e.facts["document"] for e in made_entries if e.subject_id == agreement_id] == [
        "agreement",
        "round_report",
    ]


async def test_the_verification_page_says_matches_or_does_not_match(
    database: Database, tmp_path: Path
) -> None:
    agreement_id = _record(database, tmp_path, f"page-{uuid.uuid4().hex[:8]}")
    made = agreement_pdf(db=database, actor=MAKER, agreement_id=agreement_id, site=SITE)
    assert made is not None
    url = _qr_url(made, "agreement-for-page")
    path = url.removeprefix(SITE)
    session_id = web_sessions.sign_in(
        db=database, username="cmi.head", password="web-session-test", now=datetime.now(UTC)
    )
    assert session_id is not None
    app = FastAPI()
    install_web(app, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        http.cookies.set(SESSION, session_id)
        real = await http.get(path)
        assert real.status_code == 200
        assert "ตรงกัน" in real.text and "ไม่ตรงกัน" not in real.text
        altered = await http.get(path[:-4] + "0000")
        assert altered.status_code == 200 and "ไม่ตรงกัน" in altered.text
        await http.get("/lang/en")
        english = await http.get(path)
        assert "matches" in english.text and "does not match" not in english.text
        page = await http.get(f"/agreements/{agreement_id}")
        assert f"/agreements/{agreement_id}/agreement.pdf" in page.text
        assert f"/agreements/{agreement_id}/rounds/1/report.pdf" in page.text
        pdf = await http.get(f"/agreements/{agreement_id}/rounds/1/report.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert (await http.get("/verify/agreements/no-such?hash=00")).status_code == 404


def test_the_command_line_writes_both_documents(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from rabrong.cli import main

    agreement_id = _record(sqlite_db, tmp_path, "cli-1")
    monkeypatch.setenv("RABRONG_DATABASE_URL", str(sqlite_db.engine.url))
    monkeypatch.setenv("RABRONG_VAR_DIR", str(tmp_path))
    out = tmp_path / "agreement.pdf"
    assert main(["document", "agreement", agreement_id, "--out", str(out)]) == 0
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "คำรับรองการปฏิบัติราชการ" in text and "นายเชียงใหม่ หัวหน้า" in text
    report = tmp_path / "report.pdf"
    args = ["document", "round-report", agreement_id, "--round", "1", "--out", str(report)]
    assert main(args) == 0
    assert report.read_bytes().startswith(b"%PDF")
    assert main([*args[:3], "--round", "2", "--out", str(report)]) == 1
    assert main(["document", "agreement", "no-such", "--out", str(out)]) == 1
