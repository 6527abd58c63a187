"""The printed documents against a real database: made for who may read the agreement, the
receipt or the complaint (404 for anyone else), recorded as reads; the QR code on a page
decodes to the verification page, which says "matches" for the real record and "does not
match" for an altered hash, with the audit entries and their inclusion proofs."""

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
from activities.complaints import ComplaintActivities
from application import web_sessions
from application.decision_documents import (
    complaint_decision_pdf,
    receipt_pdf,
    verify_complaint_decision,
    verify_receipt,
)
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
            select(AuditEntry)
            .where(col(AuditEntry.action) == "document.made")
            .order_by(col(AuditEntry.seq))  # in the log's order (PostgreSQL promises no other)
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


def _pdf_text(pdf: bytes) -> str:
    import subprocess

    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8")


async def _signed_in_client(database: Database) -> tuple[httpx.AsyncClient, FastAPI]:
    session_id = web_sessions.sign_in(
        db=database, username="cmi.head", password="web-session-test", now=datetime.now(UTC)
    )
    assert session_id is not None
    app = FastAPI()
    install_web(app, database)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    http.cookies.set(SESSION, session_id)
    return http, app


async def test_a_decision_receipt_prints_its_entry_hash_and_checks_from_paper(
    database: Database, tmp_path: Path
) -> None:
    agreement_id = _record(database, tmp_path, f"rcpt-{uuid.uuid4().hex[:8]}")
    with database.reader() as session:
        entries = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.subject_id) == agreement_id)
            .order_by(col(AuditEntry.seq))
        ).all()
    approved = next(e for e in entries if e.action == "result.approved")
    signed = next(e for e in entries if e.action == "agreement.signed")
    assert receipt_pdf(db=database, actor=STRANGER, seq=approved.seq, site=SITE) is None
    assert receipt_pdf(db=database, actor=MAKER, seq=signed.seq, site=SITE) is None  # no decision
    made = receipt_pdf(db=database, actor=MAKER, seq=approved.seq, site=SITE)
    assert made is not None
    text = _pdf_text(made)
    assert "ใบรับรองการตัดสิน" in text
    assert "อนุมัติผลการดำเนินงานของตัวชี้วัด" in text
    assert "นายเจ้าของ ตัวชี้วัด" in text or "u-owner" in text
    assert approved.entry_hash in text and approved.leaf_hash in text
    url = _qr_url(made, "receipt-recorded")
    assert url == f"{SITE}/verify/receipts/{approved.seq}?hash={approved.entry_hash}"
    check = verify_receipt(db=database, actor=MAKER, seq=approved.seq, shown=approved.entry_hash)
    assert check is not None and check.matches and check.record_agrees_with_log
    assert [e.seq for e in check.entries] == [approved.seq] and check.entries[0].proof_holds
    altered = approved.entry_hash[:-1] + ("0" if approved.entry_hash[-1] != "0" else "1")
    check = verify_receipt(db=database, actor=MAKER, seq=approved.seq, shown=altered)
    assert check is not None and not check.matches
    assert verify_receipt(db=database, actor=STRANGER, seq=approved.seq, shown=altered) is None

    http, _app = await _signed_in_client(database)
    async with http:
        page = await http.get(f"/receipts/{approved.seq}")
        assert f'href="/receipts/{approved.seq}/receipt.pdf"' in page.text
        pdf = await http.get(f"/receipts/{approved.seq}/receipt.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        path = url.removeprefix(SITE)
        real = await http.get(path)
        assert real.status_code == 200
        assert "ตรงกัน" in real.text and "ไม่ตรงกัน" not in real.text
        assert "ใบรับรองการตัดสิน ลำดับที่" in real.text
        wrong = await http.get(path[:-4] + "0000")
        assert wrong.status_code == 200 and "ไม่ตรงกัน" in wrong.text
        await http.get("/lang/en")
        english = await http.get(path)
        assert "matches" in english.text and "does not match" not in english.text
        assert (await http.get(f"/verify/receipts/{signed.seq}?hash=00")).status_code == 404
        assert (await http.get("/receipts/x/receipt.pdf")).status_code == 404
    with database.reader() as session:
        made_entries = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.action) == "document.made")
            .order_by(col(AuditEntry.seq))  # in the log's order (PostgreSQL promises no other)
        ).all()
    assert [e.facts["seq"] for e in made_entries if e.facts.get("document") == "receipt"][-2:] == [
        approved.seq,
        approved.seq,
    ]


def _complaint(
    database: Database, tmp_path: Path, decide: bool, outcome: str = "uphold"
) -> tuple[str, str]:
    """A complaint of Chiang Mai's head on KPI 5 of a published round, the committee one
    auditor; decided (upheld with a new score, or dismissed) when `decide`. Returns (agreement
    id, complaint id)."""
    from domain.complaint_filing import file_complaint
    from domain.complaint_handling import decide_complaint
    from domain.complaints import (
        ComplaintDecision,
        ComplaintPolicy,
        ComplaintRecord,
        DecideComplaint,
        FileComplaint,
    )
    from tests.integration.test_complaints import AUDITOR, KPI, command, stored_agreement

    def record(decision: ComplaintDecision, actor_id: str, command_id: str) -> Any:
        entry = ComplaintRecord(
            command_id=command_id,
            action=decision.action,
            actor_id=actor_id,
            at=NOW,
            facts=decision.facts,
            state=decision.state,
        )
        assert not recorder.record_complaint(entry).already_recorded
        return decision.state

    demo_users(database, tmp_path)
    suffix = uuid.uuid4().hex[:8]
    agreement_id, complaint_id = f"cd-{suffix}", f"c-{suffix}"
    stored_agreement(database, agreement_id, "u-cmi-head", "cmi")
    recorder = ComplaintActivities(database)
    score = recorder.published_score(agreement_id, 1, KPI)
    assert score is not None
    filing = command(
        FileComplaint,
        "u-cmi-head",
        complaint_id=complaint_id,
        agreement_id=agreement_id,
        round=1,
        kpi_code=KPI,
        reasons="คะแนนต่ำกว่าผลที่ทำได้จริง หลักฐานการประชุมครบถ้วนแล้ว",
    )
    filed = file_complaint(score, filing, [AUDITOR], ComplaintPolicy(), NOW)
    state = record(filed, "u-cmi-head", suffix)
    if decide:
        decided = command(
            DecideComplaint,
            AUDITOR,
            outcome=outcome,
            reasons="คณะกรรมการพิจารณาหลักฐานแล้ว เห็นว่าผลถึงเกณฑ์ระดับ ๕",
            new_score="5" if outcome == "uphold" else None,
        )
        record(decide_complaint(state, decided, NOW), AUDITOR, f"{outcome}-{suffix}")
    return agreement_id, complaint_id


async def test_a_complaints_decision_prints_its_entry_hash_and_checks_from_paper(
    database: Database, tmp_path: Path
) -> None:
    _agreement, open_one = _complaint(database, tmp_path, decide=False)
    with pytest.raises(Problem) as refused:
        complaint_decision_pdf(db=database, actor=MAKER, complaint_id=open_one, site=SITE)
    assert refused.value.status == 409
    pending = verify_complaint_decision(db=database, actor=MAKER, complaint_id=open_one, shown="0")
    assert pending is not None and not pending.matches

    agreement_id, complaint_id = _complaint(database, tmp_path, decide=True)
    assert (
        complaint_decision_pdf(db=database, actor=STRANGER, complaint_id=complaint_id, site=SITE)
        is None
    )
    made = complaint_decision_pdf(db=database, actor=MAKER, complaint_id=complaint_id, site=SITE)
    assert made is not None
    with database.reader() as session:
        decision = session.exec(
            select(AuditEntry).where(
                col(AuditEntry.subject_id) == complaint_id,
                col(AuditEntry.action) == "complaint.upheld",
            )
        ).one()
    text = _pdf_text(made)
    for said in (
        "คำวินิจฉัยข้อร้องเรียนผลการประเมิน",
        "รับฟังข้อร้องเรียน ปรับคะแนน",
        "คะแนนต่ำกว่าผลที่ทำได้จริง หลักฐานการประชุมครบถ้วนแล้ว",
        "คณะกรรมการพิจารณาหลักฐานแล้ว เห็นว่าผลถึงเกณฑ์ระดับ ๕",
        "นายเชียงใหม่ หัวหน้า",
        decision.entry_hash,
    ):
        assert said in text, said
    url = _qr_url(made, "complaint-decision-recorded")
    assert url == f"{SITE}/verify/complaints/{complaint_id}?hash={decision.entry_hash}"
    check = verify_complaint_decision(
        db=database, actor=MAKER, complaint_id=complaint_id, shown=decision.entry_hash
    )
    assert check is not None and check.matches and check.record_agrees_with_log
    assert [e.action for e in check.entries] == ["complaint.filed", "complaint.upheld"]
    assert all(e.proof_holds for e in check.entries)
    assert check.agreement_id == agreement_id
    altered = "f" * 64
    check = verify_complaint_decision(
        db=database, actor=MAKER, complaint_id=complaint_id, shown=altered
    )
    assert check is not None and not check.matches
    assert (
        verify_complaint_decision(
            db=database, actor=STRANGER, complaint_id=complaint_id, shown=altered
        )
        is None
    )

    http, _app = await _signed_in_client(database)
    async with http:
        page = await http.get(f"/complaints/{complaint_id}")
        assert f'href="/complaints/{complaint_id}/decision.pdf"' in page.text
        undecided = await http.get(f"/complaints/{open_one}")
        assert "decision.pdf" not in undecided.text
        assert (await http.get(f"/complaints/{open_one}/decision.pdf")).status_code == 409
        pdf = await http.get(f"/complaints/{complaint_id}/decision.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        path = url.removeprefix(SITE)
        real = await http.get(path)
        assert real.status_code == 200
        assert "ตรงกัน" in real.text and "ไม่ตรงกัน" not in real.text
        assert f"คำวินิจฉัยข้อร้องเรียน {complaint_id}" in real.text
        wrong = await http.get(path[:-4] + "0000")
        assert "ไม่ตรงกัน" in wrong.text
        assert (await http.get("/verify/complaints/no-such?hash=00")).status_code == 404


def test_a_dismissal_prints_the_score_kept_and_checks_from_paper(
    sqlite_db: Database, tmp_path: Path
) -> None:
    _agreement, complaint_id = _complaint(sqlite_db, tmp_path, decide=True, outcome="dismiss")
    made = complaint_decision_pdf(db=sqlite_db, actor=MAKER, complaint_id=complaint_id, site=SITE)
    assert made is not None
    text = _pdf_text(made)
    assert "ยกข้อร้องเรียน คงคะแนนเดิม" in text and "ที่มาของคะแนนใหม่" not in text
    url = _qr_url(made, "complaint-dismissed")
    digest = url.rpartition("hash=")[2]
    check = verify_complaint_decision(
        db=sqlite_db, actor=MAKER, complaint_id=complaint_id, shown=digest
    )
    assert check is not None and check.matches and check.record_agrees_with_log
    assert [e.action for e in check.entries] == ["complaint.filed", "complaint.dismissed"]


def test_the_command_line_writes_a_receipt_and_a_complaints_decision(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rabrong.cli import main

    _agreement, complaint_id = _complaint(sqlite_db, tmp_path, decide=True)
    with sqlite_db.reader() as session:
        decision = session.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "complaint.upheld")
        ).one()
    monkeypatch.setenv("RABRONG_DATABASE_URL", str(sqlite_db.engine.url))
    monkeypatch.setenv("RABRONG_VAR_DIR", str(tmp_path))
    out = tmp_path / "decision.pdf"
    assert main(["document", "complaint-decision", complaint_id, "--out", str(out)]) == 0
    assert decision.entry_hash in _pdf_text(out.read_bytes())
    receipt = tmp_path / "receipt.pdf"
    assert main(["document", "receipt", str(decision.seq), "--out", str(receipt)]) == 0
    assert "ใบรับรองการตัดสิน" in _pdf_text(receipt.read_bytes())
    assert main(["document", "receipt", "1", "--out", str(receipt)]) == 1  # not a decision
    assert main(["document", "complaint-decision", "no-such", "--out", str(out)]) == 1
