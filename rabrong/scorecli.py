"""`rabrong score DEFINITION RESULTS` and `rabrong schema`: the scoring engine from a terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from domain.definition import AgreementDefinition
from domain.errors import DefinitionRefused, DomainError
from domain.results import ResultsDocument, ScoreReport, score_document


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def run_score(
    definition_path: Path, results_path: Path, *, round_number: int | None, as_json: bool, lang: str
) -> tuple[int, str]:
    """Exit code and the text to print: the report, or the errors that refused the input."""
    try:
        definition = AgreementDefinition.model_validate(load_json(definition_path))
        document = ResultsDocument.model_validate(load_json(results_path))
        report = score_document(definition, document, round_number)
    except ValidationError as exc:
        return 2, "\n".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    except DomainError as exc:
        lines = [exc.message] + [f"  {v.field}: {v.rule}: {v.message}" for v in exc.violations]
        if isinstance(exc, DefinitionRefused):
            lines += [f"! {w.field}: {w.rule}: {w.message}" for w in exc.warnings]
        return 2, "\n".join(lines)
    if as_json:
        return 0, report.model_dump_json(indent=2)
    return 0, render(report, lang)


def render(report: ScoreReport, lang: str) -> str:
    thai = lang == "th"
    lines = [
        f"{report.definition_id} v{report.definition_version} ({report.definition_hash[:19]}…)"
    ]
    if report.unit:
        lines.append(f"{'หน่วยงาน' if thai else 'unit'}: {report.unit}")
    for warning in report.warnings:
        lines.append(f"! {warning['field']}: {warning['rule']}: {warning['message']}")
    for rnd in report.rounds:
        lines.append("")
        lines.append(f"{'รอบการประเมินที่' if thai else 'Round'} {rnd.round}")
        header = ("ตัวชี้วัด", "น้ำหนัก", "คะแนน", "ประเมินตนเอง") if thai else (
            "KPI", "weight", "score", "self")  # fmt: skip
        lines.append(f"  {header[0]:<10}{header[1]:>8}{header[2]:>10}{header[3]:>14}")
        for line in rnd.kpis:
            score = str(line.score.score) if line.score else "-"
            own = str(line.self_score.score) if line.self_score else "-"
            lines.append(f"  {line.kpi_code:<10}{line.weight or '-':>8}{score:>10}{own:>14}")
            if line.score:
                why = line.score.derivation
                lines.append(f"      {why.explanation_th if thai else why.explanation_en}")
        total = rnd.total
        state = "" if total.complete else (" (ยังไม่ครบ)" if thai else " (provisional)")
        band = total.band_th if thai else total.band_en
        lines.append(
            f"  {'รวม' if thai else 'total'} {total.score} (x100: {total.score_100})"
            f"{f' {band}' if band else ''}{state}"
        )
        lines.append(f"      {total.explanation_th if thai else total.explanation_en}")
        for group in total.groups:
            label = group.band_th if thai else group.band_en
            lines.append(f"    {group.group}: {group.score}{f' {label}' if label else ''}")
        if rnd.self_total:
            lines.append(
                f"  {'รวม (ประเมินตนเอง)' if thai else 'self total'} {rnd.self_total.score}"
            )
    return "\n".join(lines)


def agreement_schema() -> str:
    schema = AgreementDefinition.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Rabrong agreement definition"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
