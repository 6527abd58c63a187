"""Running agreements survive code changes: recorded histories replay on today's workflow code.

tests/histories/ holds histories recorded from earlier versions of the code (see
tests/histories/README.md); a change that breaks determinism fails here before it ships.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows import AgreementWorkflow, CascadeWorkflow
from workflows.converter import DATA_CONVERTER

HISTORIES = sorted((Path(__file__).parents[1] / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path) -> None:
    replayer = Replayer(
        workflows=[AgreementWorkflow, CascadeWorkflow], data_converter=DATA_CONVERTER
    )
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


def test_there_are_histories_to_replay() -> None:
    assert len(HISTORIES) >= 1
