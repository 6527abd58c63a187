"""The chain of checkpoint keys, from the one the auditor got out of band.

A key is rotated by a handover checkpoint: its text has a fifth line, `New-Key: <verifier
key>`, and it is signed by the key in force and by the new key. From the handover's tree size
on, only the new key is accepted; the old one speaks for checkpoints up to that size. A key
that no handover signed by a trusted key introduced is never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditverify.findings import Kind
from auditverify.note import (
    Checkpoint,
    KeyFormatError,
    NoteError,
    PublicKey,
    parse_checkpoint,
    parse_public_key,
    split_note,
    verify_note,
)


@dataclass
class _Link:
    key: PublicKey
    since: int  # the handover's tree size (0 for the key given)
    until: int | None = None  # the next handover's tree size; None while in force


class KeyChain:
    def __init__(self, first: PublicKey) -> None:
        self.links = [_Link(first, 0)]

    @property
    def handovers(self) -> int:
        return len(self.links) - 1

    def verify(self, note: str) -> Checkpoint:
        """Verify `note` with the key in force at its tree size, following a handover it
        makes; NoteError if it does not verify."""
        text, _ = split_note(note)
        size = parse_checkpoint(text).tree_size
        link = self._in_force(size)
        try:
            checkpoint = verify_note(note, link.key)
        except NoteError as error:
            if error.kind is Kind.CHECKPOINT_KEY_ID and (self.handovers or link.until is not None):
                reason = f"{error.reason}; no key vouched for by a handover is in force here"
                raise NoteError(error.kind, reason, size) from None
            if error.kind is Kind.CHECKPOINT_KEY_ID:
                reason = f"{error.reason}: a key that nothing vouches for"
                raise NoteError(error.kind, reason, size) from None
            raise
        if checkpoint.new_key is not None and not self._already_in_force(checkpoint.new_key):
            self._hand_over(note, checkpoint, link)
        return checkpoint

    def _already_in_force(self, new_key: str) -> bool:
        """The same handover seen again (a bundle's checkpoint may be its last handover)."""
        try:
            return parse_public_key(new_key).raw == self.links[-1].key.raw
        except KeyFormatError:
            return False

    def _in_force(self, size: int) -> _Link:
        """The newest key whose span holds `size` (a handover's size belongs to both keys)."""
        for link in reversed(self.links):
            if link.since <= size and (link.until is None or size <= link.until):
                return link
        return self.links[0]  # before the key given: verified against it, and refused

    def _hand_over(self, note: str, checkpoint: Checkpoint, by: _Link) -> None:
        size = checkpoint.tree_size
        if by is not self.links[-1]:
            reason = "a handover signed by a key already retired: its new key is not trusted"
            raise NoteError(Kind.KEY_HANDOVER, reason, size)
        try:
            new = parse_public_key(checkpoint.new_key or "")
        except KeyFormatError as error:
            reason = f"the handover's New-Key line is not a verifier key: {error}"
            raise NoteError(Kind.KEY_HANDOVER, reason, size) from error
        if new.name != checkpoint.origin:
            reason = f"the handover's new key is named {new.name!r}, not the origin"
            raise NoteError(Kind.KEY_HANDOVER, reason, size)
        try:
            verify_note(note, new)
        except NoteError as error:
            reason = f"the handover is not signed by the new key it introduces: {error.reason}"
            raise NoteError(Kind.KEY_HANDOVER, reason, size) from None
        by.until = size
        self.links.append(_Link(new, size))
