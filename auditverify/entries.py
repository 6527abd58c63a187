"""One entry line, as exports and bundles write it: its body's shape, its canonical bytes, and
whether its own `entry_hash` matches its `prev_hash` and body."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from auditverify.canonical import CanonicalError, canonical_json, chain_hash, is_hex_hash
from auditverify.merkle import leaf_hash

ENTRY_MEMBERS = frozenset({"type", "body", "prev_hash", "entry_hash"})
_STRING_MEMBERS = ("at", "actor_id", "action", "subject_type", "subject_id")
_OPTIONAL_MEMBERS = ("on_behalf_of", "request_id")
BODY_MEMBERS = frozenset(
    {"seq", "command_id", "facts", *_STRING_MEMBERS, *_OPTIONAL_MEMBERS},
)


@dataclass
class EntryLine:
    """What could be read from one entry line; None where a member is missing or invalid."""

    body: dict[str, object] | None = None
    seq: int | None = None
    prev_hash: str | None = None
    entry_hash: str | None = None
    canonical: bytes | None = None
    malformed: list[str] = field(default_factory=list)
    shape: list[str] = field(default_factory=list)

    @property
    def leaf(self) -> bytes | None:
        """The Merkle leaf hash SHA-256(0x00 || canonical(body))."""
        return None if self.canonical is None else leaf_hash(self.canonical)

    @property
    def own_hash_ok(self) -> bool | None:
        """Does entry_hash = SHA-256(prev_hash || canonical(body))? None if it cannot be told."""
        if self.canonical is None or self.prev_hash is None or self.entry_hash is None:
            return None
        return chain_hash(self.prev_hash, self.canonical) == self.entry_hash


def _is_utc(text: str) -> bool:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return False
    return moment.utcoffset() == timedelta(0)


def body_problems(body: dict[str, object]) -> list[str]:
    """How `body` departs from the member table of the format (empty when it does not)."""
    problems = [f"unknown member {name!r}" for name in sorted(set(body) - BODY_MEMBERS)]
    seq = body.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        problems.append("seq is not an integer >= 1")
    if "command_id" not in body or not isinstance(body["command_id"], str | None):
        problems.append("command_id is not a string or null")
    for name in _STRING_MEMBERS:
        if not isinstance(body.get(name), str):
            problems.append(f"{name} is missing or not a string")
    if not isinstance(body.get("facts"), dict):
        problems.append("facts is missing or not an object")
    for name in _OPTIONAL_MEMBERS:
        # Omitted when empty: absent, never null or "".
        if name in body and (not isinstance(body[name], str) or not body[name]):
            problems.append(f"{name} is present but not a non-empty string")
    at = body.get("at")
    if isinstance(at, str) and not _is_utc(at):
        problems.append("at is not an ISO 8601 time in UTC")
    return problems


def read_entry(line: dict[str, object], extra: frozenset[str] = frozenset()) -> EntryLine:
    """Read an entry line object (`type` already known to be "entry")."""
    entry = EntryLine()
    unknown = sorted(set(line) - ENTRY_MEMBERS - extra)
    entry.malformed.extend(f"unknown member {name!r} in the entry line" for name in unknown)
    for name in ("prev_hash", "entry_hash"):
        value = line.get(name)
        if is_hex_hash(value):
            setattr(entry, name, value)
        else:
            entry.malformed.append(f"{name} is missing or not 64 lower-case hex digits")
    body = line.get("body")
    if not isinstance(body, dict):
        entry.malformed.append("body is missing or not an object")
        return entry
    entry.body = body
    entry.shape = body_problems(body)
    seq = body.get("seq")
    if isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1:
        entry.seq = seq
    try:
        entry.canonical = canonical_json(body)
    except CanonicalError as error:
        entry.malformed.append(f"body has no canonical form: {error}")
    return entry
