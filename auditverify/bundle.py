"""Verifying a ZIP bundle (`rabrong audit bundle`): the manifest's checkpoint, each entry's
hash and inclusion proof against that checkpoint, and each evidence file against its name.

Files are read from the archive as streams; nothing is extracted to disk.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from auditverify.canonical import ZERO_HASH, JsonError, is_hex_hash, parse_json
from auditverify.checkpoints import claimed_size
from auditverify.entries import EntryLine, read_entry
from auditverify.findings import Finding, FindingSink, Kind, Report, UnusableInput
from auditverify.keychain import KeyChain
from auditverify.merkle import verify_consistency, verify_inclusion
from auditverify.note import Checkpoint, NoteError, PublicKey

FORMAT = "rabrong-audit-bundle/1"
MANIFEST = "manifest.json"
ENTRIES = "entries.jsonl"
EVIDENCE = "evidence/"
MAX_MANIFEST = 64 << 20
_READ_ERRORS = (OSError, zipfile.BadZipFile, zlib.error, EOFError)


@dataclass
class _Manifest:
    origin: str | None = None
    tree_size: int | None = None
    note: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)
    handovers: list[str] = field(default_factory=list)
    consistency: dict[int, list[bytes]] = field(default_factory=dict)  # from size -> proof


def verify_bundle(path: Path, key: PublicKey, trusted: str | None = None) -> Report:
    """Verify the bundle at `path`, and, given the note of a checkpoint the auditor trusts,
    that the bundle's checkpoint extends it (by the manifest's consistency proof); raise
    UnusableInput if it is not a readable ZIP archive."""
    try:
        archive = zipfile.ZipFile(path)
    except (*_READ_ERRORS, ValueError) as error:
        raise UnusableInput(f"cannot read {path} as a ZIP archive: {error}") from error
    with archive:
        return _BundleCheck(archive, key, trusted).run()


class _BundleCheck:
    def __init__(self, archive: zipfile.ZipFile, key: PublicKey, trusted: str | None) -> None:
        self.archive = archive
        self.keys = KeyChain(key)
        self.trusted = trusted
        self.sink = FindingSink()
        self.names = [info.filename for info in archive.infolist()]
        self.entries_checked = 0
        self.attached: dict[str, int] = {}

    def add(self, finding: Finding, group: str = "bundle") -> None:
        self.sink.add(finding, group)

    def run(self) -> Report:
        self.layout()
        manifest = self.manifest()
        checkpoint = self.checkpoint(manifest)
        if self.trusted is not None:
            self.extends_trusted(self.trusted, checkpoint, manifest)
        self.entries(checkpoint)
        self.evidence(manifest)
        return Report(
            source="bundle",
            findings=self.sink.findings,
            entries_checked=self.entries_checked,
            checkpoints_checked=0 if manifest.note is None else 1,
            omitted=self.sink.omitted,
            origin=manifest.origin,
            tree_size=manifest.tree_size,
        )

    def layout(self) -> None:
        # Two members with one name would let a reader and the verifier see different files.
        for name, count in sorted(Counter(self.names).items()):
            if count > 1:
                self.add(Finding(Kind.LAYOUT, f"the archive holds {name!r} {count} times"))
        for name in sorted(set(self.names)):
            if name not in (MANIFEST, ENTRIES) and not name.startswith(EVIDENCE):
                self.add(Finding(Kind.LAYOUT, f"unexpected file {name!r} in the bundle"))

    def manifest(self) -> _Manifest:
        result = _Manifest()
        if MANIFEST not in self.names:
            self.add(Finding(Kind.MANIFEST, "the bundle has no manifest.json"))
            return result
        try:
            with self.archive.open(MANIFEST) as stream:
                data = parse_json(stream.read(MAX_MANIFEST).decode("utf-8"))
        except (*_READ_ERRORS, UnicodeDecodeError, JsonError) as error:
            self.add(Finding(Kind.MANIFEST, f"manifest.json cannot be read: {error}"))
            return result
        if not isinstance(data, dict):
            self.add(Finding(Kind.MANIFEST, "manifest.json is not a JSON object"))
            return result
        for problem in _manifest_problems(data, result):
            self.add(Finding(Kind.MANIFEST, f"manifest.json: {problem}"))
        return result

    def checkpoint(self, manifest: _Manifest) -> Checkpoint | None:
        for note in manifest.handovers:
            # Each introduces the next key, signed by the one before: the chain from the key
            # the auditor was given to the key that signed the bundle's checkpoint.
            try:
                self.keys.verify(note)
            except NoteError as error:
                message = f"a key handover in the manifest (tree size {error.tree_size}): "
                finding = Finding(error.kind, message + error.reason, tree_size=error.tree_size)
                self.add(finding)
        if manifest.note is None:
            return None
        try:
            checkpoint = self.keys.verify(manifest.note)
        except NoteError as error:
            size = error.tree_size
            message = f"the manifest's checkpoint (tree size {size}): {error.reason}"
            self.add(Finding(error.kind, message, tree_size=size))
            return None
        if manifest.tree_size is not None and checkpoint.tree_size != manifest.tree_size:
            message = (
                f"the manifest says tree size {manifest.tree_size} but its checkpoint "
                f"is signed for {checkpoint.tree_size}"
            )
            self.add(Finding(Kind.MANIFEST, message, tree_size=checkpoint.tree_size))
        if manifest.origin is not None and checkpoint.origin != manifest.origin:
            message = f"the checkpoint's origin {checkpoint.origin!r} is not the manifest's"
            self.add(Finding(Kind.CHECKPOINT_ORIGIN, message, tree_size=checkpoint.tree_size))
        return checkpoint

    def extends_trusted(
        self, trusted: str, checkpoint: Checkpoint | None, manifest: _Manifest
    ) -> None:
        def refuse(message: str, size: int | None) -> None:
            self.add(Finding(Kind.TRUSTED_CHECKPOINT, message, tree_size=size))

        try:
            size = claimed_size(trusted)
            if checkpoint is not None and size > checkpoint.tree_size:
                # Refused whoever signed it: the auditor holds it already.
                refuse(
                    f"the trusted checkpoint is at tree size {size} but the bundle's only at "
                    f"{checkpoint.tree_size}: it does not extend what you already trust",
                    size,
                )
                return
            old = self.keys.verify(trusted)
        except NoteError as error:
            refuse(f"the trusted checkpoint does not verify: {error.reason}", error.tree_size)
            return
        if checkpoint is None:
            refuse("the bundle has no verified checkpoint to compare with the trusted one", size)
        elif size == checkpoint.tree_size:
            if old.root != checkpoint.root:
                refuse(f"two different roots signed for tree size {size}: the log forked", size)
        elif size not in manifest.consistency:
            refuse(
                f"the bundle carries no consistency proof from tree size {size}; ask for one "
                f"made with `rabrong audit bundle ... --consistency-from {size}`",
                size,
            )
        elif not verify_consistency(
            size, checkpoint.tree_size, old.root, checkpoint.root, manifest.consistency[size]
        ):
            refuse(
                f"the consistency proof from tree size {size} to {checkpoint.tree_size} does "
                "not hold: the log was rewritten since the trusted checkpoint",
                size,
            )

    def entries(self, checkpoint: Checkpoint | None) -> None:
        if ENTRIES not in self.names:
            self.add(Finding(Kind.LAYOUT, "the bundle has no entries.jsonl"))
            return
        chain = _EntryChecks(checkpoint, self.sink)
        self.attached = chain.attached
        try:
            with self.archive.open(ENTRIES) as stream:
                for number, raw in enumerate(stream, start=1):
                    self.entries_checked += chain.line(number, raw)
        except _READ_ERRORS as error:
            self.add(Finding(Kind.LAYOUT, f"entries.jsonl cannot be read to its end: {error}"))

    def evidence(self, manifest: _Manifest) -> None:
        present = {n for n in self.names if n.startswith(EVIDENCE) and not n.endswith("/")}
        for digest, seq in sorted(self.attached.items()):
            if f"{EVIDENCE}{digest}" not in present:
                message = f"evidence {digest} attached at seq {seq} is not in the bundle"
                self.add(Finding(Kind.EVIDENCE_MISSING, message, seq=seq), "evidence")
        for digest, name in sorted(manifest.evidence.items()):
            if name not in present:
                message = f"evidence {digest} is listed in the manifest but {name!r} is missing"
                self.add(Finding(Kind.EVIDENCE_MISSING, message), "evidence")
        listed = set(manifest.evidence.values())
        for name in sorted(present):
            self.evidence_file(name, listed)

    def evidence_file(self, name: str, listed: set[str]) -> None:
        expected = name.removeprefix(EVIDENCE)
        if not is_hex_hash(expected):
            message = f"{name!r} is not named evidence/<sha256 in lower-case hex>"
            self.add(Finding(Kind.LAYOUT, message), "evidence")
            return
        if name not in listed:
            message = f"{name!r} is in the bundle but not listed in the manifest"
            self.add(Finding(Kind.EVIDENCE_UNLISTED, message), "evidence")
        digest = hashlib.sha256()
        try:
            with self.archive.open(name) as stream:
                while chunk := stream.read(1 << 20):
                    digest.update(chunk)
        except _READ_ERRORS as error:
            self.add(Finding(Kind.EVIDENCE_HASH, f"{name!r} cannot be read: {error}"), "evidence")
            return
        if digest.hexdigest() != expected:
            message = f"the SHA-256 of {name!r} is {digest.hexdigest()}, not its name"
            self.add(Finding(Kind.EVIDENCE_HASH, message), "evidence")


def _manifest_problems(data: dict[str, object], result: _Manifest) -> list[str]:
    """Fill `result` from the manifest and say what is wrong with it."""
    problems: list[str] = []
    if data.get("format") != FORMAT:
        problems.append(f"format is not {FORMAT!r}")
    origin, size, note = data.get("origin"), data.get("tree_size"), data.get("checkpoint")
    evidence, scope = data.get("evidence"), data.get("scope")
    if isinstance(origin, str) and origin:
        result.origin = origin
    else:
        problems.append("origin is missing")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        result.tree_size = size
    else:
        problems.append("tree_size is not an integer >= 0")
    if isinstance(note, str):
        result.note = note
    else:
        problems.append("checkpoint is missing: nothing vouches for the entries")
    if not isinstance(scope, dict):
        problems.append("scope is not an object")
    problems += _optional_members(data, result)
    if not isinstance(evidence, dict):
        problems.append("evidence is not an object")
        return problems
    for digest, name in evidence.items():
        if is_hex_hash(digest) and name == f"{EVIDENCE}{digest}":
            result.evidence[digest] = name
        else:
            problems.append(f"evidence member {digest!r} is not <sha256>: evidence/<sha256>")
    return problems


class _EntryChecks:
    """Per-line checks of entries.jsonl. The entries are a subset of the log, so the chain is
    checked only between entries that are consecutive in the log."""

    def __init__(self, checkpoint: Checkpoint | None, sink: FindingSink) -> None:
        self.checkpoint = checkpoint
        self.sink = sink
        self.seen: set[int] = set()
        self.prev: EntryLine | None = None
        self.attached: dict[str, int] = {}  # evidence sha256 -> seq of a proven attachment

    def add(self, kind: Kind, message: str, seq: int | None, line: int) -> None:
        self.sink.add(Finding(kind, message, seq=seq, line=line, entry_seq=seq))

    def line(self, number: int, raw: bytes) -> int:
        """Check one line; the number of entries it holds (0 or 1)."""
        if not raw.strip():
            return 0
        try:
            data = parse_json(raw.decode("utf-8"))
        except (UnicodeDecodeError, JsonError) as error:
            self.add(Kind.MALFORMED, f"line {number} is not JSON: {error}", None, number)
            return 0
        if not isinstance(data, dict) or data.get("type") != "entry":
            self.add(Kind.MALFORMED, f"line {number} is not an entry line", None, number)
            return 0
        entry = read_entry(data, extra=frozenset({"inclusion"}))
        self.entry(number, entry, data.get("inclusion"))
        return 1

    def entry(self, number: int, entry: EntryLine, inclusion: object) -> None:
        seq = entry.seq
        for reason in entry.malformed:
            self.add(Kind.MALFORMED, reason, seq, number)
        if entry.shape:
            self.add(
                Kind.BODY, "body does not follow the format: " + "; ".join(entry.shape), seq, number
            )
        if seq is not None and seq in self.seen:
            self.add(Kind.DUPLICATE_SEQ, f"seq {seq} appears more than once", seq, number)
        if seq is not None:
            self.seen.add(seq)
        if self.breaks_chain(entry):
            self.add(
                Kind.PREV_HASH, "prev_hash is not the previous entry's entry_hash", seq, number
            )
        if entry.own_hash_ok is False:
            self.add(Kind.ENTRY_HASH, "entry_hash does not match its body", seq, number)
        self.inclusion(number, entry, inclusion)
        self.prev = entry

    def breaks_chain(self, entry: EntryLine) -> bool:
        if entry.seq == 1:
            return entry.prev_hash not in (None, ZERO_HASH)
        prev = self.prev
        if prev is None or prev.seq is None or entry.seq != prev.seq + 1:
            return False
        known = prev.entry_hash is not None and entry.prev_hash is not None
        return known and entry.prev_hash != prev.entry_hash

    def inclusion(self, number: int, entry: EntryLine, inclusion: object) -> None:
        seq, leaf, checkpoint = entry.seq, entry.leaf, self.checkpoint
        path = _hashes(inclusion)
        if path is None:
            self.add(Kind.MALFORMED, "inclusion is not a list of hex hashes", seq, number)
            return
        if checkpoint is None or seq is None or leaf is None:
            return  # nothing to prove it against, or nothing to prove
        if seq > checkpoint.tree_size:
            message = f"seq {seq} is beyond the checkpoint's tree size {checkpoint.tree_size}"
            self.add(Kind.INCLUSION, message, seq, number)
        elif not verify_inclusion(leaf, seq - 1, checkpoint.tree_size, path, checkpoint.root):
            message = "the inclusion proof does not lead to the checkpoint's root"
            self.add(Kind.INCLUSION, message, seq, number)
        else:
            self.note_attachment(entry)

    def note_attachment(self, entry: EntryLine) -> None:
        """A proven `evidence.attached` entry names a file the bundle must hold: the manifest
        is not signed, so it cannot be trusted to say which files belong."""
        body = entry.body or {}
        facts = body.get("facts")
        if body.get("action") != "evidence.attached" or not isinstance(facts, dict):
            return
        digest = facts.get("sha256")
        if isinstance(digest, str) and entry.seq is not None:
            self.attached.setdefault(digest, entry.seq)


def _optional_members(data: dict[str, object], result: _Manifest) -> list[str]:
    """`key_handovers` (notes, oldest first) and `consistency` (proofs from earlier sizes)."""
    problems: list[str] = []
    handovers = data.get("key_handovers", [])
    if isinstance(handovers, list) and all(isinstance(note, str) for note in handovers):
        result.handovers = [str(note) for note in handovers]
    else:
        problems.append("key_handovers is not a list of checkpoint notes")
    consistency = data.get("consistency", [])
    if not isinstance(consistency, list):
        return [*problems, "consistency is not a list"]
    for item in consistency:
        size = item.get("tree_size") if isinstance(item, dict) else None
        proof = _hashes(item.get("proof")) if isinstance(item, dict) else None
        if isinstance(size, int) and not isinstance(size, bool) and proof is not None:
            result.consistency[size] = proof
        else:
            problems.append("a consistency member is not {tree_size, proof: [hex, ...]}")
    return problems


def _hashes(value: object) -> list[bytes] | None:
    if not isinstance(value, list) or not all(is_hex_hash(item) for item in value):
        return None
    return [bytes.fromhex(str(item)) for item in value]
