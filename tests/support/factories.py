"""Builders for domain objects used across the tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from domain.agreement import Actor, AgreementState, EvidenceRef, Parties
from domain.commands import CreateAgreement
from domain.definition import AgreementDefinition
from domain.lifecycle import decide
from rabrong.demo import demo_definition

MAKER, RECIPIENT, REVIEWER, STAFF, ADMIN = "maker", "recipient", "reviewer", "staff", "admin"
_ids = itertools.count(1)
NOW = datetime(2022, 1, 15, 9, 0, tzinfo=UTC)


def parties() -> Parties:
    return Parties(maker=MAKER, recipient=RECIPIENT, reviewers=[REVIEWER], submitters=[STAFF])


def actor(user_id: str) -> Actor:
    return Actor(user_id=user_id, display_name=user_id)


def cmd(kind: type[Any], user_id: str, **fields: Any) -> Any:
    return kind(command_id=f"c{next(_ids)}", actor=actor(user_id), at=NOW, **fields)


def evidence(name: str = "รายงาน.pdf", sha: str = "a" * 64) -> EvidenceRef:
    return EvidenceRef(
        evidence_id=f"e{next(_ids)}",
        sha256=sha,
        size=10,
        media_type="application/pdf",
        original_name=name,
        object_key=f"sha256/{sha[:2]}/{sha}",
        version_id="v1",
    )


def created(
    definition: AgreementDefinition | None = None,
) -> tuple[AgreementState, AgreementDefinition]:
    definition = definition or demo_definition()
    command = cmd(CreateAgreement, ADMIN, agreement_id="a-1", title="ทดสอบ", parties=parties())
    return decide(None, definition, command).state, definition
