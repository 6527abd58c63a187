"""Signed checkpoints of the audit log, in the C2SP signed-note and tlog-checkpoint formats.

docs/audit-format.md is the contract; the offline verifier (auditverify/) reads the same text
with its own code.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

ED25519 = b"\x01"  # the signature type byte of the signed-note format


@dataclass(frozen=True)
class CheckpointBody:
    origin: str
    tree_size: int
    root: bytes
    time: datetime
    new_key: str | None = None  # a key handover: the verifier key that signs from here on

    def text(self) -> str:
        """The signed message: every line, the last one too, ends with a newline."""
        when = self.time.astimezone(UTC).isoformat()
        root = base64.b64encode(self.root).decode("ascii")
        handover = "" if self.new_key is None else f"New-Key: {self.new_key}\n"
        return f"{self.origin}\n{self.tree_size}\n{root}\nTime: {when}\n{handover}"


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The `name+hash+key` form Go's sumdb/note tools read."""
    encoded = base64.b64encode(ED25519 + public_key).decode("ascii")
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def signed_note(body: CheckpointBody, public_key: bytes, signature: bytes) -> str:
    return cosigned_note(body, [(public_key, signature)])


def cosigned_note(body: CheckpointBody, signatures: list[tuple[bytes, bytes]]) -> str:
    """One signature line per (public key, signature), in order: a key handover is signed by
    the key in force and by the new key (C2SP signed notes allow several lines)."""
    lines = []
    for public_key, signature in signatures:
        stamp = base64.b64encode(key_id(body.origin, public_key) + signature).decode("ascii")
        lines.append(f"— {body.origin} {stamp}\n")
    return f"{body.text()}\n{''.join(lines)}"
