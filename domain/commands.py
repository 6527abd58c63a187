"""Commands: what a person asks of an agreement. Named imperatively; one model each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.agreement import Actor, EvidenceRef, Parties, Party
from domain.criteria import ResultInput


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str = Field(min_length=1, max_length=100)
    actor: Actor
    at: datetime | None = None  # set by the workflow clock, never by the caller


class CreateAgreement(_Command):
    kind: Literal["create_agreement"] = "create_agreement"
    agreement_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    title: str = Field(min_length=1, max_length=500)
    parties: Parties


class Sign(_Command):
    kind: Literal["sign"] = "sign"
    party: Party


class EnterResult(_Command):
    kind: Literal["enter_result"] = "enter_result"
    round: int
    kpi_code: str
    result: ResultInput


class AttachEvidence(_Command):
    kind: Literal["attach_evidence"] = "attach_evidence"
    round: int
    kpi_code: str
    evidence: EvidenceRef


class ApproveResult(_Command):
    kind: Literal["approve_result"] = "approve_result"
    round: int
    kpi_code: str
    note: str | None = Field(default=None, max_length=2000)


class ReturnResult(_Command):
    kind: Literal["return_result"] = "return_result"
    round: int
    kpi_code: str
    reason: str = Field(min_length=1, max_length=2000)


Command = Annotated[
    CreateAgreement | Sign | EnterResult | AttachEvidence | ApproveResult | ReturnResult,
    Field(discriminator="kind"),
]
