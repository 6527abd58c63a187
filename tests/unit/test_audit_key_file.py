"""The audit key is read without `cryptography` where it can be, and gives the same key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from storage.audit_keys import new_signing_key, signer_from_pem

PATH = Path("var/keys/audit.pem")


def test_the_plain_reading_and_cryptographys_agree() -> None:
    pem = new_signing_key()
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    signer = signer_from_pem(pem, "rabrong.test", PATH)
    expected = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert signer.public_key == expected
    key.public_key().verify(signer.sign(b"checkpoint"), b"checkpoint")


def test_a_key_file_with_anything_else_is_refused_when_read() -> None:
    rsa = generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    for pem in (rsa, b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"):
        with pytest.raises(ValueError, match="does not hold an Ed25519 private key"):
            signer_from_pem(pem, "rabrong.test", PATH)


def test_reading_the_key_loads_no_cryptography(tmp_path: Path) -> None:
    key = tmp_path / "audit.pem"
    key.write_bytes(new_signing_key())
    code = (
        "import sys; from storage.audit_keys import load_signer; "
        f"load_signer(__import__('pathlib').Path({str(key)!r}), 'n'); "
        "print(sorted(m for m in sys.modules if m.startswith('cryptography')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert loaded.stdout.strip() == b"[]", loaded.stdout


def test_the_api_process_loads_no_cryptography_until_it_signs() -> None:
    """What `rabrong up` starts as the API (rabrong.api_process), with its app and pages."""
    code = (
        "import sys; sys.modules.setdefault('rich', None); "
        "import rabrong.cli, api.app, web.app; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'cryptography', 'jwt'}))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert loaded.stdout.strip() == b"[]", loaded.stdout
