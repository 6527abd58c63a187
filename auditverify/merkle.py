"""RFC 9162 (section 2.1) Merkle tree hashes, inclusion and consistency proof verification,
and a leaf store that gives the root of any prefix of a long log cheaply."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
HASH_SIZE = 32


def leaf_hash(leaf_input: bytes) -> bytes:
    """SHA-256(0x00 || leaf input)."""
    return hashlib.sha256(b"\x00" + leaf_input).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) computed straight from the definition, from the leaves' hashes."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: does `path` prove leaf hash `leaf` at `index` under `root`?"""
    if index < 0 or index >= tree_size:
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: does `proof` show the tree of size `first` is a prefix of the
    tree of size `second`? Equal sizes need an empty proof and equal roots; any tree extends
    the empty tree."""
    if first < 0 or second < first:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


class LeafStore:
    """The leaf hashes of a log, appended in order, and the root of any prefix.

    Leaves are kept packed (32 bytes each). Nodes of subtrees of `2 ** keep_from` leaves and
    larger are kept as they complete, so a prefix root costs at most `2 ** keep_from` hashes
    however long the log; that matters because checkpoints arrive after all the entries.
    """

    def __init__(self, keep_from: int = 8) -> None:
        self._keep_from = keep_from
        self._leaves = bytearray()
        # _levels[j] packs the complete nodes of height keep_from + j, left to right.
        self._levels: list[bytearray] = []

    def __len__(self) -> int:
        return len(self._leaves) // HASH_SIZE

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        self._leaves += leaf
        block = 1 << self._keep_from
        count = len(self)
        if count % block == 0:
            self._push(0, self._computed(self._keep_from, count // block - 1))

    def _push(self, level: int, node: bytes) -> None:
        while True:
            if level == len(self._levels):
                self._levels.append(bytearray())
            packed = self._levels[level]
            packed += node
            if (len(packed) // HASH_SIZE) % 2:
                return
            node = node_hash(bytes(packed[-2 * HASH_SIZE : -HASH_SIZE]), bytes(packed[-HASH_SIZE:]))
            level += 1

    def _leaf(self, index: int) -> bytes:
        return bytes(self._leaves[index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def _computed(self, height: int, index: int) -> bytes:
        """The perfect subtree of height `height`, `index`-th from the left, from its leaves."""
        if height == 0:
            return self._leaf(index)
        return node_hash(
            self._computed(height - 1, 2 * index), self._computed(height - 1, 2 * index + 1)
        )

    def _perfect(self, height: int, index: int) -> bytes:
        if height < self._keep_from:
            return self._computed(height, index)
        packed = self._levels[height - self._keep_from]
        return bytes(packed[index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def root(self, size: int) -> bytes:
        """MTH of the first `size` leaves."""
        if not 0 <= size <= len(self):
            raise ValueError(f"the store holds {len(self)} leaves, not {size}")
        if size == 0:
            return EMPTY_ROOT
        # MTH splits at the largest power of two, so a prefix is its perfect subtrees, one per
        # set bit of `size` from the largest, folded together from the right.
        parts: list[bytes] = []
        start = 0
        for height in reversed(range(size.bit_length())):
            if size >> height & 1:
                parts.append(self._perfect(height, start >> height))
                start += 1 << height
        root = parts.pop()
        while parts:
            root = node_hash(parts.pop(), root)
        return root
