"""Key files in var/keys (mode 600), never committed: made by `rabrong keys init`, read by
every process that needs them. Reading never creates one (decision 0027)."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path


class MissingKey(Exception):
    """A key file that should exist does not; `path` is where it was looked for."""

    def __init__(self, what: str, path: Path) -> None:
        super().__init__(
            f"the {what} is missing: no file at {path.absolute()} "
            "(run `rabrong keys init` there, or point the settings at the existing key)"
        )
        self.what = what
        self.path = path


def create_once(path: Path, content: bytes) -> bool:
    """Create `path` holding `content` unless it exists; True when this call created it."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under a private name, then linked into place: a process starting at the
    # same moment sees either no key or the whole key, and the first link wins.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    try:
        os.link(draft, path)
        return True
    except FileExistsError:
        return False
    finally:
        draft.unlink()


def read_key_file(what: str, path: Path) -> bytes:
    """The file's bytes; MissingKey (naming the path) when there is none."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise MissingKey(what, path) from None


SESSION_KEY = "session key"


def new_session_key() -> bytes:
    """The HMAC key that signs access tokens (HS256): 32 random bytes, hex in the file."""
    return secrets.token_hex(32).encode("ascii")


def read_session_key(path: Path) -> bytes:
    return bytes.fromhex(read_key_file(SESSION_KEY, path).decode("ascii").strip())


def session_key_fingerprint(key: bytes) -> str:
    """Names the secret key without revealing it: a hash prefix, enough to tell two apart."""
    return "sha256:" + hashlib.sha256(key).hexdigest()[:16]


def load_or_create_session_key(path: Path) -> bytes:
    """For tests and tools that make a throwaway key; products go through `rabrong keys`."""
    create_once(path, new_session_key())
    return read_session_key(path)
