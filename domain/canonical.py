"""Canonical JSON and content hashes: what a signature or approval is bound to."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same facts always give the same bytes."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def content_hash(data: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(data)).hexdigest()
