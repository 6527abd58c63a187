"""Verifier keys, C2SP signed notes and the Rabrong checkpoint text they carry.

A key is given either as a PEM Ed25519 public key (no name: the checkpoint's origin is taken
as the key name, as the format says the two are the same) or as the Go note verifier key
`<name>+<key id, 8 hex>+<base64(0x01 || public key)>`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from auditverify.findings import Kind

ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")
_KEY_ID_HEX = re.compile(r"[0-9a-fA-F]{8}")


class KeyFormatError(ValueError):
    """The public key text is neither a usable PEM Ed25519 key nor a verifier key string."""


class NoteError(ValueError):
    """A checkpoint note does not verify; `kind` says how, `tree_size` is the size it claims
    (unverified, for naming it) when that much could be read."""

    def __init__(self, kind: Kind, reason: str, tree_size: int | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.tree_size = tree_size


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 checkpoint key; `name` and `key_id` are known only from a verifier key."""

    name: str | None
    key_id: bytes | None
    raw: bytes


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint."""

    origin: str
    tree_size: int
    root: bytes
    time: str
    new_key: str | None = None  # a handover's `New-Key:` line: the verifier key it introduces


def key_id(name: str, raw: bytes) -> bytes:
    """First 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + raw).digest()[:4]


def valid_key_name(name: str) -> bool:
    """Key names are non-empty and hold no spaces and no '+'."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def _b64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _parse_pem(text: str) -> PublicKey:
    try:
        loaded = load_pem_public_key(text.encode("utf-8"))
    except (ValueError, UnsupportedAlgorithm) as error:
        raise KeyFormatError(f"not a PEM public key: {error}") from error
    if not isinstance(loaded, Ed25519PublicKey):
        raise KeyFormatError("the PEM public key is not an Ed25519 key")
    return PublicKey(None, None, loaded.public_bytes(Encoding.Raw, PublicFormat.Raw))


def _parse_vkey(text: str) -> PublicKey:
    name, _, rest = text.partition("+")
    hex_id, _, encoded = rest.partition("+")
    if not valid_key_name(name) or not _KEY_ID_HEX.fullmatch(hex_id):
        raise KeyFormatError("not a verifier key <name>+<8 hex digits>+<base64 key>")
    try:
        data = _b64(encoded)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise KeyFormatError("the verifier key's key data is not base64") from error
    if len(data) != 33 or data[0] != ED25519:
        raise KeyFormatError("the verifier key is not a 0x01 (Ed25519) 32-byte key")
    raw = data[1:]
    claimed = bytes.fromhex(hex_id)
    if key_id(name, raw) != claimed:
        raise KeyFormatError("the verifier key's key id does not match its name and key")
    return PublicKey(name, claimed, raw)


def parse_public_key(text: str) -> PublicKey:
    """A verifier key string, a PEM Ed25519 public key, or both (what `rabrong audit
    public-key` prints: the verifier key line, then the PEM block), which must agree."""
    text = text.strip()
    start = text.find("-----BEGIN")
    if start < 0:
        try:
            key = _parse_vkey(text)
        except KeyFormatError as error:
            raise KeyFormatError(
                f"neither a verifier key nor a PEM public key: {error}; expected "
                "<name>+<key id, 8 hex>+<base64 key> or -----BEGIN PUBLIC KEY-----"
            ) from error
    else:
        key = _parse_pem(text[start:])
        before = text[:start].strip()
        if before:
            named = _parse_vkey(before)
            if named.raw != key.raw:
                raise KeyFormatError("the verifier key and the PEM key given are different keys")
            key = named
    try:
        Ed25519PublicKey.from_public_bytes(key.raw)
    except ValueError as error:
        raise KeyFormatError("the key is not a valid Ed25519 public key") from error
    return key


@dataclass(frozen=True)
class _Signature:
    name: str
    key_id: bytes
    signature: bytes


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def split_note(note: str) -> tuple[str, list[_Signature]]:
    """The signed text and the signature lines, per c2sp.org/signed-note."""
    if any(ord(c) < 0x20 and c != "\n" for c in note) or not _is_utf8(note):
        raise NoteError(Kind.CHECKPOINT_MALFORMED, "the note is not UTF-8 text without controls")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError(Kind.CHECKPOINT_MALFORMED, "no blank line before the signatures")
    text, lines = note[: split + 1], note[split + 2 :].split("\n")[:-1]
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError(Kind.CHECKPOINT_MALFORMED, "no signature lines, or too many")
    return text, [_signature_line(line) for line in lines]


def _signature_line(line: str) -> _Signature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(Kind.CHECKPOINT_MALFORMED, "a signature line does not start with '— '")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    try:
        data = _b64(encoded)
    except (binascii.Error, UnicodeEncodeError):
        data = b""
    if not valid_key_name(name) or len(data) < 5:
        raise NoteError(Kind.CHECKPOINT_MALFORMED, "a signature line is malformed")
    return _Signature(name, data[:4], data[4:])


def _utc_time(text: str) -> bool:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return False
    return moment.utcoffset() == timedelta(0)


NEW_KEY = "New-Key: "


def parse_checkpoint(text: str) -> Checkpoint:
    """The four lines origin, tree size, base64 root, `Time: ...`, and on a key handover a
    fifth, `New-Key: <verifier key>` (unverified)."""
    lines = text.split("\n")
    if len(lines) not in (5, 6) or lines[-1] != "":
        raise NoteError(Kind.CHECKPOINT_MALFORMED, "the checkpoint text is not four lines")
    new_key = None
    if len(lines) == 6:
        if not lines[4].startswith(NEW_KEY):
            reason = "the checkpoint's fifth line is not 'New-Key: <verifier key>'"
            raise NoteError(Kind.CHECKPOINT_MALFORMED, reason)
        new_key = lines[4].removeprefix(NEW_KEY)
    origin, size_text, root_text, time_line = lines[:4]
    if not origin or not _TREE_SIZE.fullmatch(size_text):
        raise NoteError(Kind.CHECKPOINT_MALFORMED, "bad origin or tree size line")
    size = int(size_text)
    try:
        root = _b64(root_text)
    except (binascii.Error, UnicodeEncodeError):
        root = b""
    if len(root) != 32:
        raise NoteError(Kind.CHECKPOINT_MALFORMED, "the root is not a base64 32-byte hash", size)
    time = time_line.removeprefix("Time: ")
    if time == time_line or not _utc_time(time):
        raise NoteError(Kind.CHECKPOINT_MALFORMED, "no 'Time: <ISO 8601 UTC>' line", size)
    return Checkpoint(origin, size, root, time, new_key)


def verify_note(note: str, key: PublicKey) -> Checkpoint:
    """Parse a checkpoint note and verify its signature by `key`; raise NoteError if not."""
    text, signatures = split_note(note)
    checkpoint = parse_checkpoint(text)
    size = checkpoint.tree_size
    name = key.name if key.name is not None else checkpoint.origin
    if checkpoint.origin != name:
        reason = f"its origin {checkpoint.origin!r} is not the key name {name!r}"
        raise NoteError(Kind.CHECKPOINT_KEY_NAME, reason, size)
    expected_id = key.key_id if key.key_id is not None else key_id(name, key.raw)
    named = [s for s in signatures if s.name == name]
    if not named:
        raise NoteError(Kind.CHECKPOINT_KEY_NAME, f"no signature by key name {name!r}", size)
    mine = [s for s in named if s.key_id == expected_id]
    if not mine:
        found = ", ".join(sorted({s.key_id.hex() for s in named}))
        reason = f"signed by another key (key id {found}, expected {expected_id.hex()})"
        raise NoteError(Kind.CHECKPOINT_KEY_ID, reason, size)
    verifier = Ed25519PublicKey.from_public_bytes(key.raw)
    for signature in mine:
        # C2SP: every signature by a known key must verify, not just one of them.
        try:
            verifier.verify(signature.signature, text.encode("utf-8"))
        except InvalidSignature:
            reason = "the signature does not verify with the key (forged or altered)"
            raise NoteError(Kind.CHECKPOINT_SIGNATURE, reason, size) from None
    return checkpoint
