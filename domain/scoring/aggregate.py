"""Round scores from KPI scores: weighted means (optionally by weight group) or plain means."""

from __future__ import annotations

from decimal import Decimal

from domain.definition import MEAN_FACTOR, PMS_FACTOR, AgreementDefinition, Kpi, RoundingPolicy
from domain.scoring.methods import band_text, find_band
from domain.scoring.model import GroupScore, KpiScore, RoundScore, ScorePart
from domain.scoring.outcome import quantize, show


def score_round(
    definition: AgreementDefinition, round_number: int, kpi_scores: list[KpiScore]
) -> RoundScore:
    kpis = {k.code: k for k in definition.scored_kpis(round_number)}
    scored = sorted(
        (s for s in kpi_scores if s.round == round_number and s.kpi_code in kpis),
        key=lambda s: _order(definition, s.kpi_code),
    )
    if definition.aggregation.method == "mean":
        return _mean(definition, round_number, kpis, scored)
    return _weighted(definition, round_number, kpis, scored)


def _order(definition: AgreementDefinition, code: str) -> int:
    return next(i for i, k in enumerate(definition.kpis) if k.code == code)


def _weighted(
    definition: AgreementDefinition, rnd: int, kpis: dict[str, Kpi], scored: list[KpiScore]
) -> RoundScore:
    rounding = definition.rounding
    parts = [_part(kpis[s.kpi_code], rnd, s) for s in scored]
    weighted = [p for p in parts if p.weight is not None]
    blank = [p.kpi_code for p in parts if p.weight is None and rnd in kpis[p.kpi_code].weights]
    unweighted = [p.kpi_code for p in parts if rnd not in kpis[p.kpi_code].weights]
    total = sum((k.weights.get(rnd) or Decimal(0) for k in kpis.values()), Decimal(0))
    groups = definition.aggregation.weight_groups
    if groups:
        group_scores = [_group_mean(g.code, g.share, weighted, rounding) for g in groups]
        present = [g for g in group_scores if g.kpis_scored]
        shares = sum((g.share or Decimal(0) for g in present), Decimal(0))
        raw = (
            sum((g.score * (g.share or 0) for g in present), Decimal(0)) / shares
            if present
            else Decimal(0)
        )
        formula = " + ".join(f"{show(g.score)}×{show(g.share or Decimal(0))}" for g in present)
        formula = f"({formula or '0'}) / {show(shares)}"
    else:
        group_scores = []
        weight_scored = sum((p.weight or Decimal(0) for p in weighted), Decimal(0))
        products = sum((p.weighted or Decimal(0) for p in weighted), Decimal(0))
        raw = products / weight_scored if weight_scored else Decimal(0)
        terms = " + ".join(f"{show(p.score)}×{show(p.weight or Decimal(0))}" for p in weighted)
        formula = f"({terms or '0'}) / {show(weight_scored)}"
    score = quantize(raw, rounding)
    factor = definition.aggregation.scale_100_factor or PMS_FACTOR
    return _round_score(
        definition,
        rnd,
        method="weighted_mean",
        score=score,
        score_100=quantize(score * factor, rounding),  # re-derivable from the shown score
        parts=parts,
        groups=group_scores,
        total_kpis=len(kpis),
        weight_total=total,
        formula=formula,
        notes=_left_out(blank, unweighted),
    )


def _part(kpi: Kpi, rnd: int, score: KpiScore) -> ScorePart:
    weight = kpi.weights.get(rnd)
    return ScorePart(
        kpi_code=score.kpi_code,
        weight=weight,
        score=score.score,
        weighted=None if weight is None else score.score * weight,
        weight_group=kpi.weight_group,
    )


def _group_mean(
    code: str, share: Decimal, parts: list[ScorePart], rounding: RoundingPolicy
) -> GroupScore:
    """A weight group's mean, rounded as shown: the total is combined from what is shown."""
    members = [p for p in parts if p.weight_group == code]
    weights = sum((p.weight or Decimal(0) for p in members), Decimal(0))
    products = sum((p.weighted or Decimal(0) for p in members), Decimal(0))
    mean = quantize(products / weights, rounding) if weights else Decimal(0)
    return GroupScore(group=code, path=[code], score=mean, kpis_scored=len(members), share=share)


def _mean(
    definition: AgreementDefinition, rnd: int, kpis: dict[str, Kpi], scored: list[KpiScore]
) -> RoundScore:
    rounding = definition.rounding
    bands = definition.aggregation.pass_bands
    parts = [_part(kpis[s.kpi_code], rnd, s) for s in scored]
    raw = sum((p.score for p in parts), Decimal(0)) / len(parts) if parts else Decimal(0)
    paths: dict[tuple[str, ...], list[Decimal]] = {}
    for s in scored:
        groups = kpis[s.kpi_code].groups
        for depth in range(1, len(groups) + 1):
            paths.setdefault(tuple(groups[:depth]), []).append(s.score)
    group_scores = []
    for path, values in paths.items():
        mean = quantize(sum(values, Decimal(0)) / len(values), rounding)
        band = find_band(bands, mean, "aggregation.pass_bands") if bands else None
        group_scores.append(
            GroupScore(
                group=" / ".join(path),
                path=list(path),
                score=mean,
                kpis_scored=len(values),
                band_th=band.label_th if band else None,
                band_en=band.label_en if band else None,
                band_rule=band_text(band) if band else None,
            )
        )
    score = quantize(raw, rounding)
    formula = f"({' + '.join(show(p.score) for p in parts) or '0'}) / {len(parts)}"
    factor = definition.aggregation.scale_100_factor or MEAN_FACTOR
    return _round_score(
        definition,
        rnd,
        method="mean",
        score=score,
        score_100=quantize(score * factor, rounding),  # re-derivable from the shown score
        parts=parts,
        groups=group_scores,
        total_kpis=len(kpis),
        weight_total=Decimal(len(kpis)),
        formula=formula,
        notes=[],
    )


def _left_out(blank: list[str], unweighted: list[str]) -> list[tuple[str, str]]:
    """Why some scored KPIs are not in a weighted total, in Thai and English."""
    notes = []
    if blank:
        codes = ", ".join(blank)
        notes.append(
            (
                f"น้ำหนักว่างในต้นฉบับ ไม่นำมารวม: {codes}",
                f"weight blank in the source, left out: {codes}",
            )
        )
    if unweighted:
        codes = ", ".join(unweighted)
        notes.append(
            (f"ไม่มีน้ำหนักในรอบนี้ ไม่นำมารวม: {codes}", f"no weight in this round, left out: {codes}")
        )
    return notes


def _round_score(
    definition: AgreementDefinition,
    rnd: int,
    *,
    method: str,
    score: Decimal,
    score_100: Decimal,
    parts: list[ScorePart],
    groups: list[GroupScore],
    total_kpis: int,
    weight_total: Decimal,
    formula: str,
    notes: list[tuple[str, str]],
) -> RoundScore:
    complete = len(parts) == total_kpis
    band = None
    if definition.aggregation.pass_bands and parts:
        band = find_band(definition.aggregation.pass_bands, score, "aggregation.pass_bands")
    th = f"{formula} = {show(score)}"
    en = th
    if not complete:
        th += f" (ประเมินแล้ว {len(parts)} จาก {total_kpis} ตัวชี้วัด)"
        en += f" (provisional: {len(parts)} of {total_kpis} KPIs scored)"
    for note_th, note_en in notes:
        th += f"; {note_th}"
        en += f"; {note_en}"
    weight_scored = sum((p.weight or Decimal(0) for p in parts), Decimal(0))
    return RoundScore(
        round=rnd,
        method=method,
        score=score,
        score_100=score_100,
        band_th=band.label_th if band else None,
        band_en=band.label_en if band else None,
        band_rule=band_text(band) if band else None,
        weight_scored=weight_scored if method == "weighted_mean" else Decimal(len(parts)),
        weight_total=weight_total,
        kpis_scored=len(parts),
        kpis_total=total_kpis,
        complete=complete,
        parts=parts,
        groups=groups,
        explanation_th=th,
        explanation_en=en,
    )
