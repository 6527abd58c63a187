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

    def text(self) -> str:
        """The signed message: every line, the last one too, ends with a newline."""
        when = self.time.astimezone(UTC).isoformat()
        root = base64.b64encode(self.root).decode("ascii")
        return f"{self.origin}\n{self.tree_size}\n{root}\nTime: {when}\n"


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The `name+hash+key` form Go's sumdb/note tools read."""
    encoded = base64.b64encode(ED25519 + public_key).decode("ascii")
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def signed_note(body: CheckpointBody, public_key: bytes, signature: bytes) -> str:
    stamp = base64.b64encode(key_id(body.origin, public_key) + signature).decode("ascii")
    return f"{body.text()}\n— {body.origin} {stamp}\n"
