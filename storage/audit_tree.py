"""Roots and RFC 9162 proofs over the stored audit log, from its cached subtree hashes."""

from __future__ import annotations

from sqlmodel import Session

from domain import merkle
from storage.audit import leaf_hashes, perfect_hash


class AuditTree:
    """The Merkle tree of one database's audit log, read inside one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def subtree(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for the ranges RFC 9162's recursion visits."""
        if hi - lo == 1:
            return leaf_hashes(self.session, lo, hi)[0]
        parts = [self._perfect(start, end) for start, end in merkle.perfect_ranges(lo, hi)]
        return merkle.fold_right(parts)

    def _perfect(self, start: int, end: int) -> bytes:
        width = end - start
        level = width.bit_length() - 1
        if level == 0:
            return leaf_hashes(self.session, start, end)[0]
        return perfect_hash(self.session, level, start // width)

    def root(self, size: int) -> bytes:
        return merkle.EMPTY_ROOT if size == 0 else self.subtree(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return merkle.inclusion_proof(index, size, self.subtree)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return merkle.consistency_proof(old_size, new_size, self.subtree)
