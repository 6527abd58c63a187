"""The keys every process reads: the audit signing key and the session key.

They are made by one explicit step, `rabrong keys init` (run by `rabrong up` and by the
one-shot `keys` service of docker-compose.yml). In production a process that finds a key
missing refuses to start, naming the path it looked at; in development the key is made on
the spot and announced loudly, so a wrong var dir never goes unnoticed (decision 0027)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import structlog

from rabrong.settings import Settings
from storage.audit_keys import AUDIT_KEY, AuditSigner, load_signer, new_signing_key
from storage.key_files import (
    SESSION_KEY,
    create_once,
    new_session_key,
    read_session_key,
    session_key_fingerprint,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class KeyFile:
    what: str
    path: Path
    fingerprint: str  # the audit key's verifier key; a hash prefix of the secret session key
    created: bool

    def describe(self) -> str:
        done = "created" if self.created else "exists "
        return f"{done} {self.what:<17} {self.path.absolute()}  {self.fingerprint}"


def init_keys(settings: Settings) -> list[KeyFile]:
    """Create whichever key is missing; report both. Safe to run again: never replaces one."""
    return [_init_audit_key(settings), _init_session_key(settings)]


def _init_audit_key(settings: Settings) -> KeyFile:
    path = settings.audit_key_path
    created = create_once(path, new_signing_key())
    signer = load_signer(path, settings.audit_origin)
    return _announced(KeyFile(AUDIT_KEY, path, signer.verifier_key, created))


def _init_session_key(settings: Settings) -> KeyFile:
    path = settings.session_key_path
    created = create_once(path, new_session_key())
    key = read_session_key(path)
    return _announced(KeyFile(SESSION_KEY, path, session_key_fingerprint(key), created))


def _announced(key: KeyFile) -> KeyFile:
    if key.created:
        # Loud on purpose: a key made in the wrong place would sign, or log people in, alone.
        log.warning(
            "NEW KEY CREATED",
            key=key.what,
            path=str(key.path.absolute()),
            fingerprint=key.fingerprint,
        )
    return key


def audit_signer(settings: Settings) -> AuditSigner:
    """The signer; raises MissingKey in production when the key file is missing."""
    _made_in_development(settings, _init_audit_key, settings.audit_key_path)
    return load_signer(settings.audit_key_path, settings.audit_origin)


def session_key(settings: Settings) -> bytes:
    """The session key; raises MissingKey in production when the key file is missing."""
    _made_in_development(settings, _init_session_key, settings.session_key_path)
    return read_session_key(settings.session_key_path)


def _made_in_development(
    settings: Settings, init: Callable[[Settings], KeyFile], path: Path
) -> None:
    # Only when the file is missing: making (and fingerprinting) a key to throw away loads
    # `cryptography` into every process that starts, the API included (decision 0033).
    if settings.environment == "development" and not path.exists():
        init(settings)
