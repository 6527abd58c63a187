"""Canonical JSON, strict JSON parsing and the entry hash chain (docs/audit-format.md).

Canonical JSON is written here by hand rather than with `json.dumps`, so that the verifier
checks the document's rules and not merely agrees with the server's library call.
"""

from __future__ import annotations

import hashlib
import json
import re

ZERO_HASH = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MUST_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SHORT_ESCAPES.update({"\b": "\\b", "\f": "\\f"})


class CanonicalError(ValueError):
    """The value has no canonical form (a float, a non-string key, a lone surrogate...)."""


class JsonError(ValueError):
    """A line is not strict JSON (syntax error, duplicate member, NaN...)."""


def is_hex_hash(value: object) -> bool:
    """True for a hash written as 64 lower-case hexadecimal characters."""
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _string(text: str) -> str:
    return '"' + _MUST_ESCAPE.sub(_escape, text) + '"'


def _write(value: object, out: list[str]) -> None:
    # bool before int: True is an int in Python but `true` in JSON.
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, list):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        _write_object(value, out)
    elif isinstance(value, float):
        raise CanonicalError(f"number {value!r} is not an integer (decimals must be strings)")
    else:
        raise CanonicalError(f"{type(value).__name__} has no JSON form")


def _write_object(value: dict[object, object], out: list[str]) -> None:
    keys = list(value)
    if not all(isinstance(key, str) for key in keys):
        raise CanonicalError("object member names must be strings")
    out.append("{")
    # Python orders str by code point, which is the order the document asks for.
    for index, key in enumerate(sorted(keys, key=str)):
        if index:
            out.append(",")
        out.append(_string(str(key)))
        out.append(":")
        _write(value[key], out)
    out.append("}")


def canonical_json(value: object) -> bytes:
    """The canonical UTF-8 bytes of `value`."""
    out: list[str] = []
    try:
        _write(value, out)
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as error:
        raise CanonicalError("a string holds a lone surrogate, which is not UTF-8") from error
    except RecursionError as error:
        raise CanonicalError("the value is nested too deeply") from error


def _unique_members(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # A duplicated member would let a reader see one value while the hash covers another.
    result: dict[str, object] = {}
    for key, item in pairs:
        if key in result:
            raise JsonError(f"member {key!r} appears twice")
        result[key] = item
    return result


def _no_constants(name: str) -> object:
    raise JsonError(f"{name} is not JSON")


def parse_json(text: str) -> object:
    """Parse one JSON text strictly: no duplicate members, no NaN or Infinity."""
    try:
        return json.loads(text, object_pairs_hook=_unique_members, parse_constant=_no_constants)
    except JsonError:
        raise
    except (ValueError, RecursionError) as error:
        # ValueError covers syntax errors and integers too long to convert.
        raise JsonError(str(error).splitlines()[0] if str(error) else "invalid JSON") from error


def chain_hash(prev_hash: str, canonical_body: bytes) -> str:
    """entry_hash = SHA-256(ASCII(prev_hash) || canonical(body)), as lower-case hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_body).hexdigest()
