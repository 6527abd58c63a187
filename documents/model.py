"""What a printed document shows, as plain records: the application layer fills them from the
agreement's state, the layout (documents.render) only draws them. Texts arrive ready to print
(Thai names, BE dates); numbers arrive as Decimal and the layout writes them in Thai digits."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Check:
    """What makes a printed page checkable: the hash it shows and where to check it."""

    label_th: str  # what the hash is of, e.g. "รหัสตรวจสอบเนื้อหาคำรับรอง"
    digest: str  # SHA-256, hex
    url: str  # the verification page; also in the QR code


@dataclass(frozen=True)
class KpiLine:
    code: str
    name_th: str
    unit: str
    mandatory: bool
    weights: list[Decimal | None]  # per round, in the order of AgreementDocument.rounds
    levels: list[list[str]]  # per round, the five criteria levels as the form words them


@dataclass(frozen=True)
class Signed:
    party_th: str  # ผู้รับคำรับรอง / ผู้ทำคำรับรอง
    signer: str
    on_behalf_of: str | None
    order_ref: str | None  # the order that lets the signer act (ปฏิบัติราชการแทน)
    signed_at: str  # Thai BE date and time
    version: int
    version_hash: str


@dataclass(frozen=True)
class AgreementDocument:
    agreement_id: str
    title: str
    fiscal_year_be: int
    period_th: str  # "๑ ตุลาคม ๒๕๖๔ ถึงวันที่ ๓๐ กันยายน ๒๕๖๕"
    maker: str  # ผู้ทำคำรับรอง
    recipient: str  # ผู้รับคำรับรอง
    unit: str | None
    version: int
    status_th: str
    rounds: list[str]  # round names
    kpis: list[KpiLine]
    signatures: list[Signed]
    made_at: str
    check: Check


@dataclass(frozen=True)
class ReportLine:
    code: str
    name_th: str
    weight: Decimal | None
    result_th: str  # the result as entered, in words
    score: Decimal | None  # the level reached, 1-5
    weighted: Decimal | None
    derivation_th: str
    reviewed_by: str | None
    reviewed_at: str | None


@dataclass(frozen=True)
class RoundReportDocument:
    agreement_id: str
    title: str
    fiscal_year_be: int
    round_number: int
    round_name: str
    status_th: str
    unit: str | None
    maker: str
    lines: list[ReportLine]
    weight_total: Decimal
    weighted_total: Decimal
    score: Decimal  # weighted mean on the 1-5 scale
    score_100: Decimal  # the same ×20
    explanation_th: str
    people: list[tuple[str, str]] = field(default_factory=list)  # (role and name, date)
    made_at: str = ""
    check: Check = field(default_factory=lambda: Check("", "", ""))


@dataclass(frozen=True)
class DecisionDocument:
    """A decision receipt or a complaint's decision: a titled table of what was decided, by whom
    and when, texts such as the reasons, and the log's hashes that prove it was recorded."""

    heading: str  # the page header
    title: str
    subtitle: str
    facts: list[tuple[str, str]]  # (label, value) rows
    texts: list[tuple[str, str]] = field(default_factory=list)  # (heading, paragraph)
    hashes: list[tuple[str, str]] = field(default_factory=list)  # (label, hex), printed small
    made_at: str = ""
    check: Check = field(default_factory=lambda: Check("", "", ""))
