"""The published OpenAPI document against the snapshot taken before the public models were
separated from the workflow's state (issue 18): every difference must be listed, as written by
tests/support/openapi_diff.py, in the decision record's "Differences from the snapshot"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from api.app import create_app
from api.services import Services
from tests.support.openapi_diff import differences

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "tests/fixtures/openapi/snapshot-2026-12-06.json"
RECORD = ROOT / "docs/decisions/0023-public-api-contract.md"
HEADING = "## Differences from the snapshot"
PROSE = "What the API is for, in words long enough to count as prose rather than a value."


def served() -> dict[str, Any]:
    document: dict[str, Any] = create_app(Services.__new__(Services)).openapi()
    # Through JSON, as a client receives it: tuples become lists, keys strings.
    loaded: dict[str, Any] = json.loads(json.dumps(document))
    return loaded


def listed() -> list[str]:
    """The backquoted bullet lines under the record's heading, up to the next heading."""
    text = RECORD.read_text(encoding="utf-8")
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    return sorted(re.findall(r"^- `(.+)`", section, flags=re.MULTILINE))


def test_every_difference_from_the_snapshot_is_listed_in_the_decision_record() -> None:
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    found = differences(snapshot, served())
    unlisted = [line for line in found if line not in listed()]
    stale = [line for line in listed() if line not in found]
    assert not unlisted and not stale, (
        "Differences from the snapshot not listed in the record:\n"
        + "\n".join(f"- `{line}`" for line in unlisted)
        + "\n\nListed but no longer different:\n"
        + "\n".join(f"- `{line}`" for line in stale)
    )


def test_the_differ_names_what_was_added_removed_and_changed() -> None:
    old = {
        "paths": {"/a": {"get": {"parameters": [{"in": "query", "name": "x", "required": True}]}}},
        "components": {"schemas": {"S": {"properties": {"p": {"type": "string"}}}}},
        "info": {"description": PROSE},
    }
    new = {
        "paths": {
            "/a": {"get": {"parameters": [{"in": "query", "name": "x", "required": False}]}},
            "/b/{id}": {"get": {}},
        },
        "components": {"schemas": {"S": {"properties": {}}}},
        "info": {"description": PROSE + " Now longer."},
    }
    assert differences(old, new) == [
        "added /paths/~1b~1{id}",
        "changed /info/description (text)",
        "changed /paths/~1a/get/parameters/query:x/required: true -> false",
        "removed /components/schemas/S/properties/p",
    ]
