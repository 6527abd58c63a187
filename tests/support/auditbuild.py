"""A test-side writer of audit exports and bundles, from docs/audit-format.md.

It shares no code with the server (no domain/storage imports) nor with auditverify: canonical
JSON is `json.dumps` as the document states, and the Merkle tree, inclusion paths and
consistency proofs follow the RFC 9162 definitions literally, so the verifier is checked
against an independent reading of the same text.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ORIGIN = "rabrong.local/audit"
ZERO = "0" * 64
TIME = "2026-11-21T03:04:05.123456+00:00"

Body = dict[str, object]
Line = dict[str, object]


def canonical(body: object) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf(body: Body) -> bytes:
    return sha256(b"\x00" + canonical(body))


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes, literally as RFC 9162 defines it."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def inclusion_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    if len(leaves) <= 1:
        return []
    k = _k(len(leaves))
    if m < k:
        return [*inclusion_path(m, leaves[:k]), mth(leaves[k:])]
    return [*inclusion_path(m - k, leaves[k:]), mth(leaves[:k])]


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def consistency_proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) for 0 < m <= n."""
    return _subproof(m, leaves, True)


def sample_body(seq: int) -> Body:
    """A varied body: Thai text (NFC), nested facts, and the optional members present on
    some entries and absent on others."""
    body: Body = {
        "seq": seq,
        "command_id": None if seq % 7 == 0 else f"cmd-{seq:04d}",
        "at": f"2026-11-21T03:{seq // 60 % 60:02d}:{seq % 60:02d}.123456+00:00",
        "actor_id": f"user-{seq % 5}",
        "action": "evidence.read" if seq % 4 == 0 else "agreement.sign",
        "subject_type": "agreement",
        "subject_id": f"fy2569-{seq % 3}",
        "facts": {
            "indicator": unicodedata.normalize("NFC", f"ตัวชี้วัดที่ {seq}"),
            "score": f"{seq % 5}.{seq % 100:02d}",
            "change": {
                "before": hashlib.sha256(f"b{seq}".encode()).hexdigest(),
                "after": hashlib.sha256(f"a{seq}".encode()).hexdigest(),
                "notes": ["หมายเหตุ", 'quote " and \\ and tab\t', None, True, seq],
            },
        },
    }
    if seq % 3 == 0:
        body["on_behalf_of"] = "หัวหน้าหน่วยงาน"
    if seq % 2 == 0:
        body["request_id"] = f"req-{seq}"
    return body


def chain(bodies: Iterable[Body], prev: str = ZERO) -> list[Line]:
    """Entry lines with prev_hash and entry_hash computed from `prev` on."""
    lines: list[Line] = []
    for body in bodies:
        entry_hash = hashlib.sha256(prev.encode() + canonical(body)).hexdigest()
        lines.append({"type": "entry", "body": body, "prev_hash": prev, "entry_hash": entry_hash})
        prev = entry_hash
    return lines


def entry_hash_of(line: Line) -> str:
    return hashlib.sha256(str(line["prev_hash"]).encode() + canonical(line["body"])).hexdigest()


def body_of(line: Line) -> Body:
    body = line["body"]
    assert isinstance(body, dict)
    return body


@dataclass
class Signer:
    """An Ed25519 checkpoint key with its C2SP name."""

    name: str = ORIGIN
    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def raw(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return sha256(self.name.encode() + b"\n\x01" + self.raw)[:4]

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(b"\x01" + self.raw).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @property
    def pem(self) -> str:
        public = self.private.public_key()
        return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()

    def sign(self, text: str) -> str:
        """The signed note of `text`."""
        signature = self.key_id + self.private.sign(text.encode())
        return f"{text}\n\u2014 {self.name} {base64.b64encode(signature).decode()}\n"

    def checkpoint(self, size: int, root: bytes, origin: str | None = None) -> str:
        return self.sign(checkpoint_text(origin or self.name, size, root))


def checkpoint_text(origin: str, size: int, root: bytes, time: str = TIME) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\nTime: {time}\n"


def handover(signers: Sequence[Signer], size: int, root: bytes, new: Signer) -> str:
    """A key handover: the checkpoint text with a `New-Key:` line, one signature line per
    signer (C2SP signed notes allow several)."""
    text = checkpoint_text(new.name, size, root) + f"New-Key: {new.vkey}\n"
    lines = []
    for signer in signers:
        signature = signer.key_id + signer.private.sign(text.encode())
        lines.append(f"\u2014 {signer.name} {base64.b64encode(signature).decode()}\n")
    return f"{text}\n{''.join(lines)}"


@dataclass
class Export:
    """An export's parts, to be tampered with and then rendered as lines."""

    entries: list[Line]
    notes: list[str]
    origin: str = ORIGIN
    tree_size: int | None = None

    def lines(self) -> list[str]:
        size = len(self.entries) if self.tree_size is None else self.tree_size
        header = {
            "type": "header",
            "format": "rabrong-audit-export/1",
            "origin": self.origin,
            "tree_size": size,
            "exported_at": TIME,
        }
        lines = [header, *self.entries, *({"type": "checkpoint", "note": n} for n in self.notes)]
        return [json.dumps(line, ensure_ascii=False) for line in lines]

    def write(self, path: Path) -> Path:
        path.write_text("".join(f"{line}\n" for line in self.lines()), encoding="utf-8")
        return path


def build_export(signer: Signer, n: int = 50, sizes: Sequence[int] = (10, 37, 50)) -> Export:
    entries = chain(sample_body(seq) for seq in range(1, n + 1))
    leaves = [leaf(body_of(line)) for line in entries]
    notes = [signer.checkpoint(size, mth(leaves[:size])) for size in sizes]
    return Export(entries, notes)


@dataclass
class Bundle:
    """A bundle's parts: the manifest, the entry lines (with inclusion) and evidence files."""

    manifest: dict[str, object]
    entries: list[Line]
    evidence: dict[str, bytes]

    def write(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(self.manifest, ensure_ascii=False))
            text = io.StringIO()
            for line in self.entries:
                text.write(json.dumps(line, ensure_ascii=False) + "\n")
            archive.writestr("entries.jsonl", text.getvalue())
            for name, content in self.evidence.items():
                archive.writestr(name, content)
        return path


def build_bundle(signer: Signer, export: Export, seqs: Sequence[int]) -> Bundle:
    """A bundle of the entries `seqs` of `export`, with one evidence file per entry."""
    leaves = [leaf(body_of(line)) for line in export.entries]
    size = len(leaves)
    files = {f"evidence-{seq}: รายงานผลการดำเนินงาน".encode() * 100: seq for seq in seqs}
    evidence = {hashlib.sha256(content).hexdigest(): content for content in files}
    entries = []
    for seq in seqs:
        path = inclusion_path(seq - 1, leaves)
        entries.append({**export.entries[seq - 1], "inclusion": [p.hex() for p in path]})
    manifest: dict[str, object] = {
        "format": "rabrong-audit-bundle/1",
        "origin": signer.name,
        "scope": {"agreement": "fy2569-1"},
        "tree_size": size,
        "checkpoint": signer.checkpoint(size, mth(leaves)),
        "evidence": {digest: f"evidence/{digest}" for digest in evidence},
    }
    named = {f"evidence/{digest}": content for digest, content in evidence.items()}
    return Bundle(manifest, entries, named)
