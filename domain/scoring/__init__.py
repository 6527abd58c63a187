"""The scoring engine: a score for each KPI and a round score, each carrying its derivation.

Decimal throughout; rounding happens by the definition's policy, once per reported figure.
"""

from domain.scoring.aggregate import score_round
from domain.scoring.engine import criteria_for, score_kpi
from domain.scoring.model import Derivation, GroupScore, KpiScore, RoundScore, ScorePart
from domain.scoring.outcome import quantize

__all__ = [
    "Derivation",
    "GroupScore",
    "KpiScore",
    "RoundScore",
    "ScorePart",
    "criteria_for",
    "quantize",
    "score_kpi",
    "score_round",
]
