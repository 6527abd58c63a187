"""The audit log's Ed25519 signing key: made by `rabrong keys init` in var/keys, never
committed; reading it never creates one (decision 0027)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.checkpoint import verifier_key
from storage.key_files import create_once, read_key_file

AUDIT_KEY = "audit signing key"


@dataclass(frozen=True)
class AuditSigner:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_pem(self) -> str:
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
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def signer_from_pem(pem: bytes, name: str, path: Path) -> AuditSigner:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return AuditSigner(name=name, private_key=key)


def load_signer(path: Path, name: str) -> AuditSigner:
    """The signer whose key is at `path`; MissingKey (naming the path) when there is none."""
    return signer_from_pem(read_key_file(AUDIT_KEY, path), name, path)


def load_or_create_signer(path: Path, name: str) -> AuditSigner:
    """For tests and benches that make a throwaway key; products go through `rabrong keys`."""
    create_once(path, new_signing_key())
    return load_signer(path, name)
