"""What a person may see of an agreement: the evaluated side sees a round's scores only once
the review chain is complete and the round is published."""

from __future__ import annotations

from domain.agreement import LEGACY_RULES, AgreementState, RoundStatus

_RELEASED = (RoundStatus.PUBLISHED, RoundStatus.ACKNOWLEDGED)


def as_seen_by(state: AgreementState, user_id: str) -> AgreementState:
    evaluated = {state.parties.maker, *state.parties.submitters}
    if user_id not in evaluated or state.rules == LEGACY_RULES:
        return state
    hidden = {n for n in state.rounds if state.round_state(n).status not in _RELEASED}
    hidden |= {n for n in state.round_scores if state.round_state(n).status not in _RELEASED}
    if not hidden:
        return state
    entries = {
        key: entry.model_copy(update={"score": None}) if entry.round in hidden else entry
        for key, entry in state.kpi_rounds.items()
    }
    scores = {n: s for n, s in state.round_scores.items() if n not in hidden}
    return state.model_copy(update={"kpi_rounds": entries, "round_scores": scores})
