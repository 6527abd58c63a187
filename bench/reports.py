"""Printed documents: how fast the agreement PDF and a round's report are made, and how much
memory the process making them takes, against serialising the same data to JSON.

    env -u PYTHONPATH PATH=/usr/bin:/bin .venv/bin/python bench/reports.py [--documents 20]

The agreement is seed 000's full FY2565 provincial agreement (15 KPIs, two rounds, both parties
signed); the report is the demo agreement's first round, scored. The document records are built
once (application.documents, from decided states, no database); the loop times only the layout
and PDF writing, best of --repeats runs in CPU seconds. The baseline, measured in the same run,
is json.dumps of the same agreement record. Ends with `name: value` lines; `ratio` last is the
agreement PDF's time over the JSON time (how many times dearer a PDF is than the JSON answer).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from application.documents import _agreement_document, _report_document
from domain.agreement import Actor, AgreementState, Parties, Party
from domain.book import DefinitionBook
from domain.commands import (
    ApproveResult,
    AttachEvidence,
    CreateAgreement,
    EnterResult,
    FireAlarms,
    Sign,
    SubmitRound,
)
from domain.criteria import ResultInput
from domain.definition import AgreementDefinition
from domain.lifecycle import decide
from rabrong.demo import DEMO_RESULTS, demo_definition

SEED000 = Path(__file__).parents[1] / "tests" / "fixtures" / "seed000_fy2565_provincial.json"
AT = datetime(2022, 1, 15, 2, 0, tzinfo=UTC)
PARTIES = Parties(
    maker="maker", recipient="recipient", reviewers=["reviewer"], submitters=["staff"]
)
NAMES = {"maker": "นายเชียงใหม่ หัวหน้า", "recipient": "นางสาวปลัด ตัวอย่าง", "reviewer": "นายผู้ประเมิน"}
UNIT = "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดเชียงใหม่"
SITE = "http://127.0.0.1:8000"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Journey:
    def __init__(self, definition: AgreementDefinition) -> None:
        self.book = DefinitionBook([definition])
        self.count = 0
        self.state: AgreementState | None = None
        self.do(CreateAgreement, "admin", agreement_id="bench-1", title="คำรับรอง", parties=PARTIES)

    def do(self, kind: type[Any], user: str, **fields: Any) -> None:
        self.count += 1
        actor = Actor(user_id=user, display_name=user)
        command = kind(command_id=f"c{self.count}", actor=actor, at=AT, **fields)
        self.state = decide(self.state, self.book, command).state


def signed(definition: AgreementDefinition) -> Journey:
    journey = Journey(definition)
    journey.do(Sign, "maker", party=Party.MAKER)
    journey.do(Sign, "recipient", party=Party.RECIPIENT)
    return journey


def scored() -> Journey:
    journey = signed(demo_definition())
    journey.do(FireAlarms, "system", keys=["open:1"])
    for code, result in DEMO_RESULTS.items():
        journey.do(EnterResult, "staff", round=1, kpi_code=code, result=ResultInput(**result))
        journey.do(AttachEvidence, "staff", round=1, kpi_code=code, evidence=_evidence(code))
    journey.do(SubmitRound, "staff", round=1)
    for code in DEMO_RESULTS:
        journey.do(ApproveResult, "reviewer", round=1, kpi_code=code)
    return journey


def _evidence(code: str) -> Any:
    from domain.agreement import EvidenceRef

    sha = f"{int(code):064x}"
    return EvidenceRef(
        evidence_id=f"e{code}",
        sha256=sha,
        size=10,
        media_type="application/pdf",
        original_name="รายงาน.pdf",
        object_key=f"sha256/{sha}",
    )


def best(run: Callable[[], object], count: int, repeats: int) -> float:
    """The best of `repeats` runs of `count` calls, CPU seconds per call."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(count):
            run()
        times.append((time.process_time() - start) / count)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    definition = AgreementDefinition.model_validate_json(SEED000.read_text(encoding="utf-8"))
    agreement = signed(definition)
    assert agreement.state is not None
    record = _agreement_document(agreement.state, definition, NAMES, UNIT, {}, SITE)
    report_journey = scored()
    state = report_journey.state
    assert state is not None
    report = _report_document(
        state, report_journey.book.current(state), 1, NAMES, UNIT, "0" * 64, SITE
    )
    rss_before = rss_mib()

    def as_json() -> bytes:
        return json.dumps(dataclasses.asdict(record), default=str, ensure_ascii=False).encode()

    from documents.render import agreement_pdf, round_report_pdf

    rss_imported = rss_mib()
    pdf_bytes = len(agreement_pdf(record))
    json_time = best(as_json, args.documents * 50, args.repeats)
    agreement_time = best(lambda: agreement_pdf(record), args.documents, args.repeats)
    report_time = best(lambda: round_report_pdf(report), args.documents, args.repeats)
    lines = [
        ("agreement_kpis", str(len(record.kpis))),
        ("agreement_pdf_bytes", str(pdf_bytes)),
        ("json_bytes", str(len(as_json()))),
        ("agreement_pdfs_per_s", f"{1 / agreement_time:.1f}"),
        ("report_pdfs_per_s", f"{1 / report_time:.1f}"),
        ("json_per_s", f"{1 / json_time:.0f}"),
        ("rss_before_pdf_import_mib", f"{rss_before:.1f}"),
        ("rss_after_pdf_import_mib", f"{rss_imported:.1f}"),
        ("peak_rss_mib", f"{peak_mib():.1f}"),
        ("ratio", f"{agreement_time / json_time:.1f}"),
    ]
    for name, value in lines:
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
