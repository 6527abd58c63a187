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


def parties(**changes: Any) -> Parties:
    """The usual four people; `changes` sets other Parties fields (validated)."""
    base = {"maker": MAKER, "recipient": RECIPIENT, "reviewers": [REVIEWER], "submitters": [STAFF]}
    return Parties.model_validate({**base, **changes})


def actor(user_id: str) -> Actor:
    return Actor(user_id=user_id, display_name=user_id)


def cmd(kind: type[Any], user_id: str, **fields: Any) -> Any:
    return cmd_at(kind, user_id, NOW, **fields)


def cmd_at(kind: type[Any], user_id: str, at: datetime, **fields: Any) -> Any:
    """A command as the workflow clock stamps it: at `at`."""
    return kind(command_id=f"c{next(_ids)}", actor=actor(user_id), at=at, **fields)


def evidence(name: str = "รายงาน.pdf", sha: str = "a" * 64, **fields: Any) -> EvidenceRef:
    return EvidenceRef(
        evidence_id=f"e{next(_ids)}",
        sha256=sha,
        size=10,
        media_type="application/pdf",
        original_name=name,
        object_key=f"sha256/{sha[:2]}/{sha}",
        version_id="v1",
        **fields,
    )


def created(
    definition: AgreementDefinition | None = None,
    *,
    with_parties: Parties | None = None,
    at: datetime = NOW,
    **create: Any,
) -> tuple[AgreementState, AgreementDefinition]:
    """A created agreement; `create` adds CreateAgreement fields (policy, rules, parent_id)."""
    definition = definition or demo_definition()
    command = cmd_at(
        CreateAgreement,
        ADMIN,
        at,
        agreement_id="a-1",
        title="ทดสอบ",
        parties=with_parties or parties(),
        **create,
    )
    return decide(None, definition, command).state, definition
