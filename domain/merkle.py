"""RFC 9162 (Certificate Transparency v2) Merkle trees: hashes, proofs and their verification.

Section 2.1 of RFC 9162 defines the Merkle Tree Hash MTH(D[n]) of an ordered list of entries, the
inclusion proof PATH(m, D[n]), the consistency proof PROOF(m, D[n]) and the algorithms a verifier
runs on them. This module is those definitions and nothing else: SHA-256 is the only thing it
computes and it does no I/O.

Proof generation does not own the tree. It asks a caller-supplied ``subtree(lo, hi)`` for
MTH(D[lo:hi]) and only for the ranges the RFC recursion reaches, so storage can answer from cached
perfect-subtree hashes (see :func:`perfect_ranges` and :func:`fold_right`) in O(log n) calls.

Ranges are half-open ``(lo, hi)`` pairs of leaf indexes. Every range the RFC recursion visits is
aligned: ``lo`` is a multiple of the smallest power of two that is at least ``hi - lo``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from domain.errors import ValidationFailed, violation

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

# Domain separation (RFC 9162 2.1.1): a leaf can never be passed off as an interior node.
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

Range = tuple[int, int]
SubtreeHash = Callable[[int, int], bytes]
"""Returns MTH(D[lo:hi]) for an aligned range; supplied by storage."""


class ProofError(ValidationFailed):
    """A Merkle proof that does not prove what it is offered for."""

    title = "Merkle proof rejected"


class IndexOutOfRange(ProofError):
    """A leaf index or pair of tree sizes for which no proof can exist."""


class ProofSizeError(ProofError):
    """A proof with the wrong number of nodes for its index and tree sizes."""


class MalformedHash(ProofError):
    """A leaf hash, root or proof node that is not a SHA-256 digest."""


@dataclass
class RootMismatch(ProofError):
    """The root rebuilt from a proof is not the root it was checked against."""

    expected: str = ""
    calculated: str = ""


def hash_leaf(data: bytes) -> bytes:
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """RFC 9162's k: the largest power of two strictly less than ``n`` (``n >= 2``)."""
    if n < 2:
        raise ValueError(f"split_point needs n >= 2, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes in O(n) hashing, without recursion; EMPTY_ROOT for no leaves."""
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        # Pairing from the left and lifting an unpaired last node unchanged gives the RFC tree,
        # whose left subtree is always the largest perfect one.
        paired = [hash_children(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = paired + level[2 * len(paired) :]
    return level[0]


def perfect_ranges(lo: int, hi: int) -> list[Range]:
    """Split ``[lo, hi)`` into maximal aligned perfect subtrees, left to right.

    For an aligned range (every range the RFC recursion visits) the sizes are the binary digits
    of ``hi - lo`` in decreasing order, and ``fold_right`` of the pieces' hashes is MTH(D[lo:hi]).
    """
    if not 0 <= lo <= hi:
        raise ValueError(f"not a range of leaves: [{lo}, {hi})")
    ranges: list[Range] = []
    while lo < hi:
        size = 1 << ((hi - lo).bit_length() - 1)
        if lo:
            # A perfect subtree starts at a multiple of its own size.
            size = min(size, lo & -lo)
        ranges.append((lo, lo + size))
        lo += size
    return ranges


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """``h0`` if alone, else ``hash_children(h0, fold_right(rest))``; EMPTY_ROOT for none.

    Applied to the hashes of ``perfect_ranges(lo, hi)`` of an aligned range this is MTH(D[lo:hi]):
    the RFC puts the largest perfect subtree on the left and recurses into the rest.
    """
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = hash_children(left, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes form PATH(index, D[size]), in RFC order (leaf's sibling first)."""
    _require_index(index, size)
    lo, hi = 0, size
    siblings: list[Range] = []
    while hi - lo > 1:
        mid = lo + split_point(hi - lo)
        if index < mid:
            siblings.append((mid, hi))
            hi = mid
        else:
            siblings.append((lo, mid))
            lo = mid
    # Walking down meets the root's children first; the RFC lists the deepest sibling first.
    return siblings[::-1]


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """The subtrees whose hashes form PROOF(old_size, D[new_size]), in RFC order.

    Empty when ``old_size`` is 0 (nothing to prove) or equals ``new_size``.
    """
    _require_sizes(old_size, new_size)
    if old_size in (0, new_size):
        return []
    lo, hi = 0, new_size
    nodes: list[Range] = []
    while hi != old_size:
        mid = lo + split_point(hi - lo)
        if old_size <= mid:
            nodes.append((mid, hi))
            hi = mid
        else:
            nodes.append((lo, mid))
            lo = mid
    if lo > 0:
        # SUBPROOF's b is false: D[lo:hi] is only the tail of the old tree, so the verifier does
        # not hold its hash. When lo is 0 it is the old tree itself and its root is already known.
        nodes.append((lo, hi))
    return nodes[::-1]


def inclusion_proof(index: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(index, D[size]): one ``subtree`` call per proof node."""
    return [subtree(lo, hi) for lo, hi in inclusion_ranges(index, size)]


def consistency_proof(old_size: int, new_size: int, subtree: SubtreeHash) -> list[bytes]:
    """RFC 9162 2.1.4.1 PROOF(old_size, D[new_size]): one ``subtree`` call per proof node."""
    return [subtree(lo, hi) for lo, hi in consistency_ranges(old_size, new_size)]


def root_from_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` places ``leaf_hash`` under at ``index`` (RFC 9162 2.1.3.2)."""
    _require_index(index, size)
    _require_digest("leaf_hash", leaf_hash)
    _require_proof(proof, len(inclusion_ranges(index, size)))
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise _proof_size("the proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            fn, sn = _skip_lonely_levels(fn, sn)
        else:
            r = hash_children(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise _proof_size("the proof stops below the root")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise a ProofError unless ``proof`` shows ``leaf_hash`` at ``index`` of the tree ``root``."""
    calculated = root_from_inclusion(leaf_hash, index, size, proof)
    _require_digest("root", root)
    if calculated != root:
        raise _root_mismatch("root", root, calculated)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise a ProofError unless ``proof`` shows the new tree extends the old (RFC 9162 2.1.4.2)."""
    _require_sizes(old_size, new_size)
    _require_digest("old_root", old_root)
    _require_digest("new_root", new_root)
    _require_proof(proof, len(consistency_ranges(old_size, new_size)))
    if old_size == new_size:
        if old_root != new_root:
            raise _root_mismatch("new_root", old_root, new_root)
        return
    if old_size == 0:
        return
    old_calculated, new_calculated = _roots_from_consistency(old_size, new_size, old_root, proof)
    if old_calculated != old_root:
        raise _root_mismatch("old_root", old_root, old_calculated)
    if new_calculated != new_root:
        raise _root_mismatch("new_root", new_root, new_calculated)


def _roots_from_consistency(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """RFC 9162 2.1.4.2 steps 2-6: the old and new roots the proof implies (fr, sr)."""
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # The old tree is a perfect subtree of the new one, so the proof leaves its root out.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise _proof_size("the proof is longer than the path to the new root")
        if fn & 1 or fn == sn:
            fr, sr = hash_children(c, fr), hash_children(c, sr)
            fn, sn = _skip_lonely_levels(fn, sn)
        else:
            sr = hash_children(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise _proof_size("the proof stops below the new root")
    return fr, sr


def _skip_lonely_levels(fn: int, sn: int) -> tuple[int, int]:
    """Climb while the node is a left child with no right sibling: those levels add no hash."""
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def _require_index(index: int, size: int) -> None:
    if size < 1:
        raise _out_of_range("tree_size", "tree_not_empty", f"a tree of size {size} has no leaves")
    if not 0 <= index < size:
        message = f"leaf index {index} is outside a tree of size {size}"
        raise _out_of_range("index", "index_in_tree", message)


def _require_sizes(old_size: int, new_size: int) -> None:
    if old_size < 0:
        raise _out_of_range("old_size", "size_not_negative", f"tree size {old_size} is negative")
    if old_size > new_size:
        message = f"old tree size {old_size} is larger than new tree size {new_size}"
        raise _out_of_range("old_size", "old_not_after_new", message)


def _require_proof(proof: Sequence[bytes], expected: int) -> None:
    if len(proof) != expected:
        raise _proof_size(f"the proof has {len(proof)} nodes; these sizes need {expected}")
    for position, node in enumerate(proof):
        _require_digest(f"proof[{position}]", node)


def _require_digest(field: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        message = f"{field} is {len(value)} bytes, not a {HASH_SIZE}-byte SHA-256 digest"
        raise MalformedHash(message, [violation(field, "sha256_digest", message)])


def _out_of_range(field: str, rule: str, message: str) -> IndexOutOfRange:
    return IndexOutOfRange(message, [violation(field, rule, message)])


def _proof_size(message: str) -> ProofSizeError:
    return ProofSizeError(message, [violation("proof", "proof_length", message)])


def _root_mismatch(field: str, expected: bytes, calculated: bytes) -> RootMismatch:
    message = f"{field} mismatch: expected {expected.hex()}, calculated {calculated.hex()}"
    violations = [violation(field, "root_matches_proof", message)]
    return RootMismatch(message, violations, expected.hex(), calculated.hex())
