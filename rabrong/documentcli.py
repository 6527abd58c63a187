"""`rabrong document agreement ID --out FILE.pdf`, `rabrong document round-report ID --round N
--out FILE.pdf`, `rabrong document receipt SEQ --out FILE.pdf` and `rabrong document
complaint-decision ID --out FILE.pdf`: the printed documents from the command line, recorded in
the audit log as reads by `cli` like a download."""

from __future__ import annotations

import argparse
from pathlib import Path

from application.decision_documents import complaint_decision_pdf, receipt_pdf
from application.documents import agreement_pdf, operator, round_report_pdf
from application.errors import Problem
from rabrong.resources import database
from rabrong.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    document = commands.add_parser(
        "document", help="the agreement, a round's report or a decision as PDF"
    )
    kinds = document.add_subparsers(dest="document", required=True)
    agreement = kinds.add_parser("agreement", help="the agreement with its signatures")
    report = kinds.add_parser("round-report", help="a scored round's score report")
    report.add_argument("--round", type=int, required=True, choices=(1, 2))
    receipt = kinds.add_parser("receipt", help="the decision receipt of an audit entry")
    receipt.add_argument("seq", type=int, help="the decision's audit log entry")
    complaint = kinds.add_parser("complaint-decision", help="a decided complaint's decision")
    complaint.add_argument("complaint_id")
    for parser in (agreement, report):
        parser.add_argument("agreement_id")
    for parser in (agreement, report, receipt, complaint):
        parser.add_argument("--out", type=Path, required=True, help="the PDF file to write")
        parser.add_argument(
            "--site",
            help="the web app's address printed in the QR code (default: this API's address)",
        )


def run_document(settings: Settings, args: argparse.Namespace) -> tuple[int, str]:
    db = database(settings)
    site = args.site or f"http://{settings.api_host}:{settings.api_port}"
    try:
        actor = operator(db=db)
        if args.document == "receipt":
            made = receipt_pdf(db=db, actor=actor, seq=args.seq, site=site)
            missing = f"no decision receipt {args.seq}"
        elif args.document == "complaint-decision":
            made = complaint_decision_pdf(
                db=db, actor=actor, complaint_id=args.complaint_id, site=site
            )
            missing = f"no complaint {args.complaint_id}"
        elif args.document == "agreement":
            made = agreement_pdf(db=db, actor=actor, agreement_id=args.agreement_id, site=site)
            missing = f"no agreement {args.agreement_id}"
        else:
            made = round_report_pdf(
                db=db, actor=actor, agreement_id=args.agreement_id, number=args.round, site=site
            )
            missing = f"no agreement {args.agreement_id}"
    except Problem as refused:
        return 1, f"rabrong: {refused.detail}"
    finally:
        db.dispose()
    if made is None:
        return 1, f"rabrong: {missing}"
    args.out.write_bytes(made)
    return 0, f"{len(made)} bytes written to {args.out}"
