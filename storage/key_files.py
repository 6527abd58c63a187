"""Keys generated at first run into var/keys (mode 600), never committed."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def create_once(path: Path, content: bytes) -> None:
    """Whichever process starts first creates the file; the others read the same one."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under a private name, then linked into place: a process starting at the
    # same moment sees either no key or the whole key, and the first link wins.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def load_or_create_session_key(path: Path) -> bytes:
    """The HMAC key that signs access tokens (HS256): 32 random bytes, hex in the file."""
    create_once(path, secrets.token_hex(32).encode("ascii"))
    return bytes.fromhex(path.read_text().strip())
