"""The workflows' states are internal but versioned: their shape (the JSON schema without
titles and descriptions) is pinned to their schema version, so a change of shape cannot pass
unnoticed; it bumps the version, and recorded histories must still replay (test_replay.py)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel

from domain.agreement import STATE_SCHEMA, AgreementState
from domain.complaints import COMPLAINT_STATE_SCHEMA, ComplaintState

# version -> sha256 of the shape; add a line when a version is bumped, never edit one.
AGREEMENT_SHAPES = {
    1: "8e2b6e460ac1b2b40e2013b895208780d8a77180e4fcc5fdfc76e21227690914",
    # 2: the holiday calendar pinned in the policy (issue 17) and derivations computed from
    # measures (issue 21); new fields with defaults, so version 1 payloads still decode.
    2: "07eb1e325c0a88a1dd65f7247244e44880cda6d767a83c52fca5a325dbf3221b",
}
COMPLAINT_SHAPES = {1: "e828b9da40cb63291e85b01212408719c03abc851501ba1bfef00a2a0465712c"}


def _shape(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items() if k not in ("title", "description")}
    if isinstance(node, list):
        return [_shape(v) for v in node]
    return node


def shape_hash(model: type[BaseModel]) -> str:
    text = json.dumps(_shape(model.model_json_schema()), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_agreement_state_has_the_shape_of_its_schema_version() -> None:
    assert AGREEMENT_SHAPES[STATE_SCHEMA] == shape_hash(AgreementState), (
        "AgreementState changed shape: bump STATE_SCHEMA in domain/agreement.py, keep old "
        "payloads decoding (defaults for new fields), and add the new hash here"
    )


def test_complaint_state_has_the_shape_of_its_schema_version() -> None:
    assert COMPLAINT_SHAPES[COMPLAINT_STATE_SCHEMA] == shape_hash(ComplaintState), (
        "ComplaintState changed shape: bump COMPLAINT_STATE_SCHEMA in domain/complaints.py"
    )


def test_the_shape_ignores_wording_but_not_fields() -> None:
    class Before(BaseModel):
        a: int

    class Reworded(BaseModel):
        """Same field, other words."""

        a: int

    class Renamed(BaseModel):
        b: int

    assert shape_hash(Before) != shape_hash(Renamed)
    assert (
        _shape(Before.model_json_schema())["properties"]
        == _shape(Reworded.model_json_schema())["properties"]
    )
