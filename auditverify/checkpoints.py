"""Checking an export's checkpoints against the entries read before them: signature, size, and
root against the Merkle root of the first `tree_size` entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditverify.findings import Finding, FindingSink, Kind
from auditverify.keychain import KeyChain
from auditverify.merkle import LeafStore
from auditverify.note import Checkpoint, NoteError, parse_checkpoint, split_note

GROUP = "checkpoints"


@dataclass(frozen=True)
class NoteLine:
    """A checkpoint line of the export: its line number and its note text."""

    line: int
    note: str


def _name(size: int | None, line: int) -> str:
    return f"checkpoint at tree size {size}" if size is not None else f"checkpoint on line {line}"


def check_checkpoints(
    notes: Sequence[NoteLine],
    leaves: LeafStore,
    keys: KeyChain,
    origin: str | None,
    sink: FindingSink,
) -> None:
    """Add a finding for every checkpoint that does not verify or does not match the entries,
    and for entries after the last good checkpoint, which no signature covers."""
    good: list[int] = []
    mismatched: list[tuple[int, int]] = []
    signed = 0  # the largest size any correctly signed checkpoint speaks for
    for item in notes:
        checkpoint = _check_one(item, leaves, keys, origin, sink)
        if checkpoint is None:
            continue
        size = checkpoint.tree_size
        signed = max(signed, size)
        if size > len(leaves):
            continue
        if leaves.root(size) == checkpoint.root:
            good.append(size)
        else:
            mismatched.append((size, item.line))
    # After the loop, so that a good checkpoint listed later still bounds the range.
    for size, line in mismatched:
        _root_mismatch(size, line, good, sink)
    # Entries past every signed checkpoint have nothing to be checked against; entries that a
    # signed checkpoint covers but does not match are reported above already.
    _unsigned_tail(signed, len(leaves), sink)


def _check_one(
    item: NoteLine, leaves: LeafStore, keys: KeyChain, origin: str | None, sink: FindingSink
) -> Checkpoint | None:
    """The checkpoint if its signature holds (reporting it if the entries do not reach it)."""
    try:
        checkpoint = keys.verify(item.note)
    except NoteError as error:
        message = f"{_name(error.tree_size, item.line)}: {error.reason}"
        sink.add(Finding(error.kind, message, tree_size=error.tree_size, line=item.line), GROUP)
        return None
    size = checkpoint.tree_size
    name = _name(size, item.line)
    if origin is not None and checkpoint.origin != origin:
        message = f"{name}: origin {checkpoint.origin!r} is not the export's {origin!r}"
        sink.add(Finding(Kind.CHECKPOINT_ORIGIN, message, tree_size=size, line=item.line), GROUP)
    if size > len(leaves):
        missing = len(leaves) + 1
        message = f"{name}: the export has only {len(leaves)} entries (seq {missing} missing)"
        finding = Finding(Kind.CHECKPOINT_SIZE, message, missing, size, (missing, size), item.line)
        sink.add(finding, GROUP)
    return checkpoint


def _root_mismatch(size: int, line: int, good: list[int], sink: FindingSink) -> None:
    name = _name(size, line)
    if size == 0:
        message = f"{name}: its root is not the hash of the empty tree"
        sink.add(Finding(Kind.CHECKPOINT_ROOT, message, tree_size=size, line=line), GROUP)
        return
    # The entries up to the previous good checkpoint are vouched for by it, so the change is
    # somewhere after it.
    first = max((g for g in good if g < size), default=0) + 1
    message = (
        f"{name}: its root is not the Merkle root of the first {size} entries; "
        f"an entry in seq {first}..{size} was changed, deleted, inserted or moved"
    )
    finding = Finding(Kind.CHECKPOINT_ROOT, message, None, size, (first, size), line)
    sink.add(finding, GROUP)


def _unsigned_tail(covered: int, count: int, sink: FindingSink) -> None:
    if covered >= count:
        return
    message = (
        f"no checkpoint signed by the key covers seq {covered + 1}..{count}: those entries "
        "are not vouched for by any signature"
    )
    sink.add(Finding(Kind.UNSIGNED_TAIL, message, seq_range=(covered + 1, count)), GROUP)


def claimed_size(note: str) -> int:
    """The tree size a note claims, unverified; NoteError if it cannot be read."""
    text, _ = split_note(note)
    return parse_checkpoint(text).tree_size


def check_trusted(trusted: str, leaves: LeafStore, keys: KeyChain, sink: FindingSink) -> None:
    """Does the log extend the checkpoint the auditor trusts? Its size (the log cannot be
    shorter: refused whoever signed it, since the auditor holds it already), its signature
    (by a key of the chain) and its root (the first `tree_size` entries must be the ones it
    signed: the export holds every leaf, so the consistency is checked by recomputing the
    root)."""
    try:
        size = claimed_size(trusted)
        if size > len(leaves):
            message = (
                f"the trusted checkpoint is at tree size {size} but this log holds only "
                f"{len(leaves)} entries: it does not extend what you already trust (cut back "
                "to an older checkpoint, or entries removed)"
            )
            sink.add(Finding(Kind.TRUSTED_CHECKPOINT, message, tree_size=size), GROUP)
            return
        checkpoint = keys.verify(trusted)
    except NoteError as error:
        message = f"the trusted checkpoint does not verify with the key: {error.reason}"
        sink.add(Finding(Kind.TRUSTED_CHECKPOINT, message, tree_size=error.tree_size), GROUP)
        return
    if leaves.root(size) != checkpoint.root:
        message = (
            f"the first {size} entries are not those of the trusted checkpoint: "
            "the log was rewritten since"
        )
        sink.add(Finding(Kind.TRUSTED_CHECKPOINT, message, None, size, (1, size)), GROUP)
