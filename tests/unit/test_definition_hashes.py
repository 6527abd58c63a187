"""Signatures bind to a definition's content hash: every definition stored before a change to the
models must hash to the same value after it (issue 21, acceptance 5; docs/decisions 0026).

The expected values were computed by the code as it was before measures were added, and are
written here, not recomputed: a new field or a changed default that leaks into the hash fails.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from domain.canonical import content_hash
from domain.definition import AgreementDefinition

ROOT = Path(__file__).resolve().parents[2]

BEFORE_MEASURES = {
    "tests/fixtures/stored/seed000_fy2565_provincial.json": (
        "sha256:eeccf15e81864bd4e016d004ccbfb8b65678cebad508c94e71dfe1630b72a703"
    ),
    "tests/fixtures/stored/seed001_opdc_fy2563.json": (
        "sha256:7d9ea86515cd3276b3bc5239e057a15073a5c41a07af18bec8e8d2ac4f45b19c"
    ),
    "tests/fixtures/stored/seed002_standards_subset.json": (
        "sha256:481b1f25f0639d84335e4b8dc66e242a6c2bfcc5647313b05a848331a36b7a49"
    ),
    "tests/fixtures/stored/seed003_cdd_mou_fy2559_atsit.json": (
        "sha256:6b5466592fa5304596da636760e5fbb295f78103fc35f744bc295fcd8d476df0"
    ),
    "tests/fixtures/stored/seed003_cdd_mou_fy2559_saipirun.json": (
        "sha256:46b613d877f65c7bc8e7f189cb9fefdfd055ee2925a13a813312a671d7411e06"
    ),
    "tests/fixtures/stored/seed003_cdd_mou_fy2559_thawip.json": (
        "sha256:b906edb93fe4cc77956fc370c4e1f12137f6eb47ce4351d2e7267a26e88fd80c"
    ),
    "tests/fixtures/stored/seed004_sakaeo_round2_fy2567.json": (
        "sha256:5b6ada350be9424a56c5b5b3a7a0135e8bca69860521efa4b8941f8ac6738d92"
    ),
    "rabrong/demo/fy2565_provincial.json": (
        "sha256:82419d8ed584f3a414fafe8bba80882195f2de5cbbbca8778344e5e847ddfe3f"
    ),
}

# The definitions that recorded workflow histories carry, by history file and definition id.
IN_HISTORIES = {
    ("v1-slice-approved.json", "fy2565-provincial-social-development"): (
        "sha256:82419d8ed584f3a414fafe8bba80882195f2de5cbbbca8778344e5e847ddfe3f"
    ),
}


@pytest.mark.parametrize(("path", "expected"), sorted(BEFORE_MEASURES.items()))
def test_a_stored_definition_keeps_its_hash(path: str, expected: str) -> None:
    definition = AgreementDefinition.model_validate_json((ROOT / path).read_text("utf-8"))
    assert definition.content_hash() == expected


def _payloads(node: Any) -> list[Any]:
    if isinstance(node, dict):
        found = []
        encoding = node.get("metadata", {}).get("encoding", "") if "data" in node else ""
        if base64.b64decode(encoding) == b"json/plain":
            found.append(json.loads(base64.b64decode(node["data"])))
        return found + [p for value in node.values() for p in _payloads(value)]
    if isinstance(node, list):
        return [p for value in node for p in _payloads(value)]
    return []


def _definitions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        own = [node] if {"id", "kpis", "rounds", "scoring"} <= set(node) else []
        return own + [d for value in node.values() for d in _definitions(value)]
    if isinstance(node, list):
        return [d for value in node for d in _definitions(value)]
    return []


def _history_definitions() -> dict[tuple[str, str], list[dict[str, Any]]]:
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for path in sorted((ROOT / "tests" / "histories").glob("*.json")):
        history = json.loads(path.read_text("utf-8"))
        for stored in _definitions(_payloads(history)):
            found.setdefault((path.name, stored["id"]), []).append(stored)
    return found


def test_every_definition_in_a_recorded_history_keeps_its_hash() -> None:
    found = _history_definitions()
    assert set(found) == set(IN_HISTORIES)
    for key, stored_list in found.items():
        for stored in stored_list:
            loaded = AgreementDefinition.model_validate(stored)
            # Hashed as it was stored (the canonical JSON the signers saw) and as re-loaded.
            assert content_hash(stored) == IN_HISTORIES[key]
            assert loaded.content_hash() == IN_HISTORIES[key]
