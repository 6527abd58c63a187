"""The audit log's Ed25519 signing key: made by `rabrong keys init` in var/keys, never
committed; reading it never creates one (decision 0027).

The key is read and checked when a process starts, but `cryptography` is imported only when
the key is first used: its bindings cost a process about 9 MiB, and the API, which must stay
under 150 MiB during large uploads, signs only when an auditor asks for a bundle or the public
key (decision 0033, amended)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from domain.checkpoint import verifier_key
from storage.key_files import create_once, read_key_file

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

AUDIT_KEY = "audit signing key"
# PKCS#8 (RFC 8410) of an Ed25519 private key, as `cryptography` and OpenSSL write it: this
# prefix, then the 32-byte seed.
_PKCS8_ED25519 = bytes.fromhex("302e020100300506032b657004220420")
_PEM_LABEL = "PRIVATE KEY"


@dataclass(frozen=True)
class AuditSigner:
    name: str
    seed: bytes = field(repr=False)

    @cached_property
    def private_key(self) -> Ed25519PrivateKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public_key(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        public = self.private_key.public_key()
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.name, self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


def new_signing_key() -> bytes:
    """A fresh Ed25519 private key, PEM (PKCS#8)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def signer_from_pem(pem: bytes, name: str, path: Path) -> AuditSigner:
    """The signer of a PKCS#8 PEM; a file holding anything but an Ed25519 key is refused."""
    seed = _plain_seed(pem)
    return AuditSigner(name=name, seed=seed if seed is not None else _parsed_seed(pem, path))


def _plain_seed(pem: bytes) -> bytes | None:
    """The seed of the common 48-byte encoding, read without `cryptography`."""
    lines = pem.decode("ascii", errors="replace").strip().splitlines()
    if len(lines) < 3 or lines[0] != f"-----BEGIN {_PEM_LABEL}-----":
        return None
    if lines[-1] != f"-----END {_PEM_LABEL}-----":
        return None
    try:
        der = base64.b64decode("".join(lines[1:-1]), validate=True)
    except binascii.Error:
        return None
    if len(der) != len(_PKCS8_ED25519) + 32 or not der.startswith(_PKCS8_ED25519):
        return None
    return der[len(_PKCS8_ED25519) :]


def _parsed_seed(pem: bytes, path: Path) -> bytes:
    """Any other encoding (with the public key attached, say), through `cryptography`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as bad:
        raise ValueError(f"{path} does not hold an Ed25519 private key") from bad
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def load_signer(path: Path, name: str) -> AuditSigner:
    """The signer whose key is at `path`; MissingKey (naming the path) when there is none."""
    return signer_from_pem(read_key_file(AUDIT_KEY, path), name, path)


def load_or_create_signer(path: Path, name: str) -> AuditSigner:
    """For tests and benches that make a throwaway key; products go through `rabrong keys`."""
    create_once(path, new_signing_key())
    return load_signer(path, name)
