"""Drive one agreement from draft to the score of the round open today, against a running
`make up`, over HTTP.

    .venv/bin/python examples/walkthrough.py [--url http://127.0.0.1:8000] [--var-dir var]

Uses the demo logins (`rabrong up --demo`); the password is read from var/demo-password.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from domain.deadlines import round_on
from domain.definition import AgreementDefinition
from rabrong.demo import DEMO_ROUND_RESULTS

DEFINITION_ID = "fy2565-provincial-social-development"
# A tiny but real PDF, named in Thai as the staff would name it.
EVIDENCE_NAME = "รายงานการเบิกจ่ายงบประมาณ GFMIS มี.ค. 2565.pdf"
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class Walkthrough:
    def __init__(
        self,
        base_url: str,
        password: str,
        say: Callable[[str], None],
        today: date | None = None,
    ) -> None:
        """`today`: the day whose round the walkthrough enters (by default the real one; the
        e2e test run as of another day passes that day, decision 0034)."""
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.today = today
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

    def get(self, username: str, path: str) -> Any:
        return self.ok(self.http.get(path, headers=self.login(username)))

    def start(self, agreement_id: str) -> tuple[str, int]:
        """Create an agreement from this year's definition and have both parties sign it."""
        base = f"/v1/agreements/{agreement_id}"
        definitions = self.get("admin", "/v1/definitions")["data"]
        definition = max(definitions, key=lambda d: (d["fiscal_year_be"], d["version"]))
        created = self.post(
            "admin",
            "/v1/agreements",
            json={
                "agreement_id": agreement_id,
                "definition_id": definition["id"],
                "title": "คำรับรองการปฏิบัติราชการ พมจ.สระแก้ว "
                f"ปีงบประมาณ พ.ศ. {definition['fiscal_year_be']}",
                "parties": {
                    "maker": "u-skw-head",
                    "recipient": "u-permsec",
                    "reviewers": ["u-owner"],
                    "submitters": ["u-skw-staff"],
                },
            },
        )
        self.say(
            f"1. created {agreement_id} from {definition['id']}: {created['agreement']['status']}"
        )
        for warning in created["warnings"]:
            self.say(f"   definition warning: {warning}")
        state = self.post("skw.head", f"{base}/sign", json={"party": "maker"})
        self.say(f"2. maker skw.head signed: {state['status']}")
        state = self.post("permsec", f"{base}/sign", json={"party": "recipient"})
        self.say(f"3. recipient permsec signed: {state['status']}")
        # The round that holds today, by the same rule the server uses (domain.deadlines).
        full = AgreementDefinition.model_validate(
            self.get("admin", f"/v1/definitions/{definition['id']}")
        )
        return base, round_on(full, self.today or date.today())

    def run(self, agreement_id: str) -> dict[str, Any]:
        base, number = self.start(agreement_id)
        results = DEMO_ROUND_RESULTS[number]
        for code, result in results.items():
            kpi = f"{base}/rounds/{number}/kpis/{code}"
            state = self.post("skw.staff", f"{kpi}/result", json=result)
            self.post(
                "skw.staff",
                f"{kpi}/evidence",
                files={"file": (f"{code} {EVIDENCE_NAME}", EVIDENCE_PDF, "application/pdf")},
            )
        entry = state["kpi_rounds"][f"{number}:10"]
        self.say(
            f"4. staff entered {len(results)} KPIs of round {number} with evidence; "
            f"KPI 10 = {entry['result']['value']} (self-score {entry['self_score']})"
        )
        state = self.post("skw.staff", f"{base}/rounds/{number}/submit")
        self.say(f"5. staff submitted round {number}: {state['rounds'][str(number)]['status']}")
        for code in results:
            kpi = f"{base}/rounds/{number}/kpis/{code}"
            state = self.post("kpi.owner", f"{kpi}/approve", json={"note": "หลักฐานครบถ้วน"})
        entry = state["kpi_rounds"][f"{number}:10"]
        status = state["rounds"][str(number)]["status"]
        why = entry["score"]["derivation"]["explanation_en"]
        self.say(
            f"6. reviewer kpi.owner approved every KPI: round {status}; "
            f"KPI 10 level {entry['score']['score']} — {why}"
        )
        score = self.get("auditor", f"{base}/rounds/{number}/score")
        self.say(
            f"7. round-{number} score: {score['score']} (x20 = {score['score_100']}); "
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
