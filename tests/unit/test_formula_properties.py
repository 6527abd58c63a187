"""Properties of computed values (issue 21, acceptance 3), over generated measures (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.commands import EnterResult
from domain.criteria import ResultInput
from domain.definition import AgreementDefinition
from domain.errors import ValidationFailed
from domain.formulas import Measure, Ratio
from domain.scoring import score_kpi
from rabrong.demo import demo_definition
from tests.support.definitions import definition, kpi
from tests.support.factories import STAFF
from tests.support.journeys import signed

counts = st.decimals(min_value=0, max_value=10**9, places=0, allow_nan=False)
positive = st.decimals(min_value=1, max_value=10**9, places=0, allow_nan=False)
bounds = st.lists(
    st.decimals(min_value=0, max_value=200, places=2, allow_nan=False),
    min_size=1,
    max_size=5,
    unique=True,
).map(sorted)

MEASURES = [
    {"name": "done", "name_th": "ดำเนินการแล้ว", "unit": "ราย"},
    {"name": "planned", "name_th": "ตามแผน", "unit": "ราย"},
]


def ratio(thresholds: list[Decimal]) -> AgreementDefinition:
    compute = {"shape": "ratio", "numerator": ["done"], "denominator": ["planned"]}
    criteria = {"method": "threshold_ladder", "thresholds": [{"value": str(t)} for t in thresholds]}
    formula = {"text": "done × 100 / planned", "compute": {**compute, "multiplier": "100"}}
    return definition([kpi(criteria=criteria, measures=MEASURES, formula=formula)])


def level(target: AgreementDefinition, done: Decimal, planned: Decimal) -> Decimal:
    result = ResultInput(measures={"done": done, "planned": planned})
    return score_kpi(target, "k", 1, result).score


@settings(max_examples=300, deadline=None)
@given(bounds, counts, counts, positive)
def test_a_larger_numerator_never_lowers_the_level_of_a_higher_is_better_ratio(
    thresholds: list[Decimal], a: Decimal, b: Decimal, planned: Decimal
) -> None:
    target = ratio(thresholds)
    smaller, larger = min(a, b), max(a, b)
    assert level(target, smaller, planned) <= level(target, larger, planned)


def _disbursement_as_measures() -> AgreementDefinition:
    """The demo with KPI 10 (disbursement) computed from two amounts that cannot exceed 100 %."""
    demo = demo_definition()
    money = [
        Measure(name="disbursed", name_th="ผลการเบิกจ่าย", unit="บาท"),
        Measure(name="allocated", name_th="งบที่ได้รับจัดสรร", unit="บาท"),
    ]
    kpis = []
    for each in demo.kpis:
        if each.code == "10":
            assert each.formula is not None
            compute = Ratio(
                numerator=["disbursed"],
                denominator=["allocated"],
                multiplier=Decimal(100),
                at_most=Decimal(100),
            )
            formula = each.formula.model_copy(update={"compute": compute})
            each = each.model_copy(update={"measures": money, "formula": formula})
        kpis.append(each)
    return demo.model_copy(update={"kpis": kpis})


implausible = st.one_of(
    st.tuples(st.decimals(min_value=-(10**6), max_value=-1, places=2), positive),
    st.tuples(positive, st.decimals(min_value=-(10**6), max_value=-1, places=2)),
    positive.flatmap(lambda allocated: st.tuples(st.just(allocated + 1), st.just(allocated))),
)


@settings(max_examples=100, deadline=None)
@given(implausible)
def test_a_refused_implausible_result_changes_nothing_stored(
    amounts: tuple[Decimal, Decimal],
) -> None:
    disbursed, allocated = amounts
    agreement = signed(_disbursement_as_measures())
    result = ResultInput(measures={"disbursed": disbursed, "allocated": allocated})
    rules = agreement.refused(
        ValidationFailed, EnterResult, STAFF, round=1, kpi_code="10", result=result
    )
    assert rules in (["measure_at_least"], ["plausible_at_most"])
    before = agreement.state
    fine = ResultInput(measures={"disbursed": Decimal(9), "allocated": Decimal(10)})
    agreement.do(EnterResult, STAFF, round=1, kpi_code="10", result=fine)
    assert agreement.state != before  # the same command with plausible amounts is kept
