"""Drive one agreement from draft to a round-1 score against a running `make up`, over HTTP.

    .venv/bin/python examples/walkthrough.py [--url http://127.0.0.1:8000] [--var-dir var]

Uses the demo logins (`rabrong up --demo`); the password is read from var/demo-password.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

DEFINITION_ID = "fy2565-provincial-social-development"
# A tiny but real PDF, named in Thai as the staff would name it.
EVIDENCE_NAME = "รายงานการเบิกจ่ายงบประมาณ GFMIS มี.ค. 2565.pdf"
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class Walkthrough:
    def __init__(self, base_url: str, password: str, say: Callable[[str], None]) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.password = password
        self.say = say
        self.tokens: dict[str, str] = {}

    def login(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            response = self.http.post(
                "/v1/auth/token", data={"username": username, "password": self.password}
            )
            self.tokens[username] = self.ok(response)["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def ok(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise SystemExit(f"{response.request.method} {response.request.url}: {response.text}")
        return response.json()

    def post(self, username: str, path: str, **kwargs: Any) -> Any:
        return self.ok(self.http.post(path, headers=self.login(username), **kwargs))

    def run(self, agreement_id: str) -> dict[str, Any]:
        base = f"/v1/agreements/{agreement_id}"
        kpi = f"{base}/rounds/1/kpis/10"
        created = self.post(
            "admin",
            "/v1/agreements",
            json={
                "agreement_id": agreement_id,
                "definition_id": DEFINITION_ID,
                "title": "คำรับรองการปฏิบัติราชการ พมจ.สระแก้ว ปีงบประมาณ พ.ศ. ๒๕๖๕",
                "parties": {
                    "maker": "u-skw-head",
                    "recipient": "u-permsec",
                    "reviewers": ["u-owner"],
                    "submitters": ["u-skw-staff"],
                },
            },
        )
        self.say(f"1. created {agreement_id}: {created['agreement']['status']}")
        for warning in created["warnings"]:
            self.say(f"   definition warning: {warning}")
        state = self.post("skw.head", f"{base}/sign", json={"party": "maker"})
        self.say(f"2. maker skw.head signed: {state['status']}")
        state = self.post("permsec", f"{base}/sign", json={"party": "recipient"})
        self.say(f"3. recipient permsec signed: {state['status']}")
        state = self.post("skw.staff", f"{kpi}/result", json={"value": "๕๒.๕"})
        entry = state["kpi_rounds"]["1:10"]
        self.say(
            f"4. staff entered KPI 10 round 1 = {entry['result']['value']} "
            f"(self-score {entry['self_score']})"
        )
        upload = self.post(
            "skw.staff",
            f"{kpi}/evidence",
            files={"file": (EVIDENCE_NAME, EVIDENCE_PDF, "application/pdf")},
        )
        self.say(f"5. evidence '{upload['original_name']}' stored, sha256 {upload['sha256'][:12]}…")
        state = self.post("kpi.owner", f"{kpi}/approve", json={"note": "หลักฐานครบถ้วน"})
        entry = state["kpi_rounds"]["1:10"]
        self.say(
            f"6. reviewer kpi.owner approved: level {entry['score']['score']} — "
            f"{entry['score']['derivation']['explanation_en']}"
        )
        score = self.ok(self.http.get(f"{base}/rounds/1/score", headers=self.login("auditor")))
        self.say(
            f"7. round-1 score: {score['score']} (x20 = {score['score_100']}); "
            f"{score['explanation_en']}"
        )
        return dict(score)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--var-dir", default="var", type=Path)
    parser.add_argument("--password", help="demo password (default: read from var/)")
    parser.add_argument("--agreement-id", default=f"walkthrough-{int(time.time())}")
    args = parser.parse_args()
    password = args.password or (args.var_dir / "demo-password").read_text().strip()
    Walkthrough(args.url, password, print).run(args.agreement_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
