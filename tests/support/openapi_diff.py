"""Every difference between two OpenAPI documents, one line each, so that a change to the
published contract is seen and has to be named.

A line reads `added PATH`, `removed PATH` or `changed PATH: OLD -> NEW` (`changed PATH (text)`
for long prose), where PATH is a JSON pointer into the document (RFC 6901). A subtree that
appears or goes whole is one line; lists of parameters are matched by (in, name), other lists
are compared whole."""

from __future__ import annotations

import json
from typing import Any


def differences(old: Any, new: Any) -> list[str]:
    found: list[str] = []
    _walk(old, new, "", found)
    return sorted(found)


def _walk(old: Any, new: Any, path: str, found: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            where = f"{path}/{_escape(key)}"
            if key not in new:
                found.append(f"removed {where}")
            elif key not in old:
                found.append(f"added {where}")
            else:
                _walk(old[key], new[key], where, found)
    elif _parameter_list(old) and _parameter_list(new):
        _walk(_by_name(old), _by_name(new), path, found)
    elif old != new and _prose(old) and _prose(new):
        found.append(f"changed {path} (text)")  # the old and new prose are in the documents
    elif old != new:
        found.append(f"changed {path}: {_short(old)} -> {_short(new)}")


def _parameter_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and "name" in v and "in" in v for v in value)
    )


def _by_name(parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {f"{p['in']}:{p['name']}": p for p in parameters}


def _prose(value: Any) -> bool:
    return isinstance(value, str) and len(value) > 60


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."
