"""RFC 9162 Merkle trees (domain.merkle) against published vectors and a naive model of the RFC.

Expected hashes come from tests/fixtures/merkle/rfc6962_vectors.json, transcribed from the
transparency-dev/merkle reference tests (each entry names its source file), or are computed here by
a naive model written straight from the recursive definitions of RFC 9162 section 2.1. The model
shares no code with domain.merkle: its own SHA-256 calls, its own split, plain recursion.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import merkle
from domain.errors import ValidationFailed
from domain.merkle import (
    EMPTY_ROOT,
    IndexOutOfRange,
    MalformedHash,
    ProofError,
    ProofSizeError,
    RootMismatch,
    consistency_proof,
    consistency_ranges,
    fold_right,
    hash_children,
    hash_leaf,
    inclusion_proof,
    inclusion_ranges,
    perfect_ranges,
    root_from_inclusion,
    root_of,
    split_point,
    verify_consistency,
    verify_inclusion,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "merkle" / "rfc6962_vectors.json"
VECTORS: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))

Range = tuple[int, int]
Outcome = type[ProofError] | None  # None: the proof must verify


def unhex(values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


# --- The naive model: RFC 9162 section 2.1, recursion as written ---------------------------------


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def naive_leaf(entry: bytes) -> bytes:
    return _sha256(b"\x00" + entry)


def naive_node(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right)


def naive_k(n: int) -> int:
    """The largest power of two smaller than n, found by doubling rather than bit tricks."""
    k = 1
    while 2 * k < n:
        k *= 2
    return k


def naive_mth(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over entries already leaf-hashed (MTH({d}) = HASH(0x00 || d) is applied)."""
    if not hashes:
        return _sha256(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = naive_k(len(hashes))
    return naive_node(naive_mth(hashes[:k]), naive_mth(hashes[k:]))


def naive_path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    if len(hashes) == 1:
        return []
    k = naive_k(len(hashes))
    if m < k:
        return [*naive_path(m, hashes[:k]), naive_mth(hashes[k:])]
    return [*naive_path(m - k, hashes[k:]), naive_mth(hashes[:k])]


def naive_subproof(m: int, hashes: Sequence[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b)."""
    if m == len(hashes):
        return [] if b else [naive_mth(hashes)]
    k = naive_k(len(hashes))
    if m <= k:
        return [*naive_subproof(m, hashes[:k], b), naive_mth(hashes[k:])]
    return [*naive_subproof(m - k, hashes[k:], False), naive_mth(hashes[:k])]


def naive_proof(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]); an empty old tree needs no proof, and PROOF(n, D[n]) is SUBPROOF's {}."""
    return [] if m == 0 else naive_subproof(m, hashes, True)


def naive_sides(m: int, n: int) -> list[str]:
    """The side each node of PATH(m, D[n]) joins the running hash on.

    Verification is fully determined by this sequence, so two (index, size) claims with the same
    sides accept exactly the same proofs.
    """
    if n == 1:
        return []
    k = naive_k(n)
    if m < k:
        return [*naive_sides(m, k), "right"]
    return [*naive_sides(m - k, n - k), "left"]


def rfc_ranges(lo: int, hi: int) -> Iterator[Range]:
    """Every range MTH(D[lo:hi])'s recursion visits."""
    yield lo, hi
    if hi - lo > 1:
        mid = lo + naive_k(hi - lo)
        yield from rfc_ranges(lo, mid)
        yield from rfc_ranges(mid, hi)


def is_aligned(lo: int, hi: int) -> bool:
    """lo is a multiple of the smallest power of two >= hi - lo, as in every RFC range."""
    return 0 <= lo < hi and lo % (1 << (hi - lo - 1).bit_length()) == 0


class Tree:
    """Leaf hashes with a naive, memoised subtree callback that records what it is asked."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.leaves = list(leaf_hashes)
        self.calls: list[Range] = []
        self._memo: dict[Range, bytes] = {}

    def subtree(self, lo: int, hi: int) -> bytes:
        assert is_aligned(lo, hi) and hi <= len(self.leaves), (lo, hi)
        self.calls.append((lo, hi))
        if (lo, hi) not in self._memo:
            self._memo[lo, hi] = naive_mth(self.leaves[lo:hi])
        return self._memo[lo, hi]


REF_LEAVES = unhex(VECTORS["leaves_hex"]["values"])
REF_HASHES = [naive_leaf(entry) for entry in REF_LEAVES]
REF_ROOTS = unhex(VECTORS["roots"]["values"])
NODE_HASHES = [unhex(level) for level in VECTORS["node_hashes"]["levels"]]

MAX_EXHAUSTIVE = 70
ENTRIES = REF_LEAVES + [b"rabrong entry %d" % i for i in range(len(REF_LEAVES), 2048)]
HASHES = [naive_leaf(entry) for entry in ENTRIES]
BIG_TREE = Tree(HASHES)
NOT_A_LEAF = naive_leaf(b"never appended")


def flip(digest: bytes, bit: int) -> bytes:
    return bytes([digest[0] ^ (1 << bit)]) + digest[1:]


def assert_outcome(expected: Outcome, check: Callable[[], None], what: str) -> None:
    if expected is None:
        check()
        return
    with pytest.raises(ProofError) as caught:
        check()
    assert type(caught.value) is expected, f"{what}: {caught.value!r}"


# --- Published vectors ----------------------------------------------------------------------------


def test_hashes_match_the_reference_hasher() -> None:
    vectors = VECTORS["hasher"]
    assert EMPTY_ROOT.hex() == vectors["empty_root"] == _sha256(b"").hex()
    for case in vectors["leaf"]:
        assert hash_leaf(bytes.fromhex(case["data_hex"])).hex() == case["hash"]
    for case in vectors["children"]:
        left, right = case["left_ascii"].encode(), case["right_ascii"].encode()
        assert hash_children(left, right).hex() == case["hash"]


def test_split_point_matches_the_reference_and_the_doubling_definition() -> None:
    for n, k in VECTORS["split_point"]["cases"]:
        assert split_point(n) == k
    for n in range(2, 5000):
        assert split_point(n) == naive_k(n), n
    for n in (-1, 0, 1):
        with pytest.raises(ValueError):
            split_point(n)


@pytest.mark.parametrize("size", range(9))
def test_roots_of_the_reference_tree(size: int) -> None:
    assert root_of(REF_HASHES[:size]) == REF_ROOTS[size]
    assert naive_mth(REF_HASHES[:size]) == REF_ROOTS[size], "the naive model itself is wrong"


def test_perfect_subtree_hashes_of_the_reference_tree() -> None:
    for level, hashes in enumerate(NODE_HASHES):
        for i, expected in enumerate(hashes):
            lo, hi = i << level, (i + 1) << level
            assert root_of(REF_HASHES[lo:hi]) == expected, (level, i)
            assert BIG_TREE.subtree(lo, hi) == expected, (level, i)


@pytest.mark.parametrize("size", range(9))
def test_compact_ranges_of_the_reference_tree(size: int) -> None:
    nodes = VECTORS["compact_trees"]["sizes"][size]
    assert perfect_ranges(0, size) == [(i << level, (i + 1) << level) for level, i in nodes]
    assert fold_right([NODE_HASHES[level][i] for level, i in nodes]) == REF_ROOTS[size]


@pytest.mark.parametrize(
    "case",
    VECTORS["inclusion_proofs"],
    ids=lambda case: f"{case['index']}-of-{case['size']}",
)
def test_reference_inclusion_proofs(case: dict[str, Any]) -> None:
    index, size, expected = case["index"], case["size"], unhex(case["proof"])
    tree = Tree(REF_HASHES[:size])
    assert inclusion_proof(index, size, tree.subtree) == expected
    assert tree.calls == inclusion_ranges(index, size)
    assert naive_path(index, REF_HASHES[:size]) == expected, "the naive model itself is wrong"
    assert root_from_inclusion(REF_HASHES[index], index, size, expected) == REF_ROOTS[size]
    verify_inclusion(REF_HASHES[index], index, size, expected, REF_ROOTS[size])
    assert_inclusion_resists_corruption(REF_HASHES[index], index, size, expected, REF_ROOTS[size])


@pytest.mark.parametrize(
    "case",
    VECTORS["consistency_proofs"],
    ids=lambda case: f"{case['old_size']}-to-{case['new_size']}",
)
def test_reference_consistency_proofs(case: dict[str, Any]) -> None:
    old, new, expected = case["old_size"], case["new_size"], unhex(case["proof"])
    tree = Tree(REF_HASHES[:new])
    assert consistency_proof(old, new, tree.subtree) == expected
    assert tree.calls == consistency_ranges(old, new)
    assert naive_proof(old, REF_HASHES[:new]) == expected, "the naive model itself is wrong"
    verify_consistency(old, new, REF_ROOTS[old], REF_ROOTS[new], expected)
    if expected:
        assert_consistency_resists_corruption(old, new, REF_ROOTS[old], REF_ROOTS[new], expected)


# --- The module against the naive model ----------------------------------------------------------


def test_root_of_matches_the_rfc_recursion() -> None:
    for n in range(MAX_EXHAUSTIVE + 1):
        expected = naive_mth(HASHES[:n])
        assert root_of(HASHES[:n]) == expected, n
        assert fold_right([BIG_TREE.subtree(*r) for r in perfect_ranges(0, n)]) == expected, n


def test_inclusion_proofs_match_the_rfc_recursion_for_every_leaf() -> None:
    for size in range(1, MAX_EXHAUSTIVE + 1):
        root = naive_mth(HASHES[:size])
        for index in range(size):
            BIG_TREE.calls.clear()
            proof = inclusion_proof(index, size, BIG_TREE.subtree)
            assert proof == naive_path(index, HASHES[:size]), (index, size)
            assert BIG_TREE.calls == inclusion_ranges(index, size)
            verify_inclusion(HASHES[index], index, size, proof, root)


def test_consistency_proofs_match_the_rfc_recursion_for_every_pair() -> None:
    roots = [naive_mth(HASHES[:n]) for n in range(MAX_EXHAUSTIVE + 1)]
    for new in range(MAX_EXHAUSTIVE + 1):
        for old in range(new + 1):
            BIG_TREE.calls.clear()
            proof = consistency_proof(old, new, BIG_TREE.subtree)
            assert proof == naive_proof(old, HASHES[:new]), (old, new)
            assert BIG_TREE.calls == consistency_ranges(old, new)
            verify_consistency(old, new, roots[old], roots[new], proof)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, len(HASHES)).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_inclusion_in_larger_trees_matches_the_rfc_recursion(claim: tuple[int, int]) -> None:
    index, size = claim
    proof = inclusion_proof(index, size, BIG_TREE.subtree)
    assert proof == naive_path(index, HASHES[:size])
    verify_inclusion(HASHES[index], index, size, proof, naive_mth(HASHES[:size]))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(HASHES)).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_consistency_in_larger_trees_matches_the_rfc_recursion(sizes: tuple[int, int]) -> None:
    old, new = sizes
    proof = consistency_proof(old, new, BIG_TREE.subtree)
    assert proof == naive_proof(old, HASHES[:new])
    verify_consistency(old, new, naive_mth(HASHES[:old]), naive_mth(HASHES[:new]), proof)


# --- perfect_ranges and fold_right ---------------------------------------------------------------


def test_perfect_ranges_fold_to_the_mth_of_every_rfc_range() -> None:
    for n in range(1, MAX_EXHAUSTIVE + 1):
        for lo, hi in rfc_ranges(0, n):
            pieces = perfect_ranges(lo, hi)
            sizes = [end - start for start, end in pieces]
            binary_digits = [
                1 << b for b in reversed(range((hi - lo).bit_length())) if (hi - lo) >> b & 1
            ]
            assert sizes == binary_digits, (lo, hi)
            folded = fold_right([BIG_TREE.subtree(start, end) for start, end in pieces])
            assert folded == naive_mth(HASHES[lo:hi]), (lo, hi)


@given(st.integers(0, 1 << 40), st.integers(0, 1 << 40))
def test_perfect_ranges_tile_any_range_with_maximal_aligned_subtrees(lo: int, length: int) -> None:
    hi = lo + length
    pieces = perfect_ranges(lo, hi)
    cursor = lo
    for start, end in pieces:
        assert start == cursor, "the pieces leave no gap and do not overlap"
        cursor = end
        size = end - start
        assert size & (size - 1) == 0 and start % size == 0, (start, end)
        # Maximal: the doubled subtree would be misaligned or stick out past hi.
        assert start % (2 * size) != 0 or start + 2 * size > hi, (start, end)
    assert cursor == hi
    assert len(pieces) <= 2 * length.bit_length()


def test_perfect_ranges_and_fold_right_edges() -> None:
    assert perfect_ranges(5, 5) == []
    assert perfect_ranges(3, 8) == [(3, 4), (4, 8)]
    assert fold_right([]) == EMPTY_ROOT
    assert fold_right([NOT_A_LEAF]) == NOT_A_LEAF
    a, b, c = HASHES[:3]
    assert fold_right([a, b, c]) == naive_node(a, naive_node(b, c))
    for lo, hi in ((-1, 3), (4, 3)):
        with pytest.raises(ValueError):
            perfect_ranges(lo, hi)


# --- Corruptions ---------------------------------------------------------------------------------


def inclusion_claim_outcome(true_claim: Range, claim: Range, proof_len: int) -> Outcome:
    """What verifying a proof of ``true_claim`` must do when offered as ``claim`` instead."""
    index, size = claim
    if not 0 <= index < size:
        return IndexOutOfRange
    sides = naive_sides(index, size)
    if len(sides) != proof_len:
        return ProofSizeError
    return None if sides == naive_sides(*true_claim) else RootMismatch


def assert_inclusion_resists_corruption(
    leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes
) -> None:
    def offer(
        leaf_: bytes = leaf, index_: int = index, size_: int = size, proof_: Sequence[bytes] = proof
    ) -> Callable[[], None]:
        return lambda: verify_inclusion(leaf_, index_, size_, proof_, root)

    wrong = flip(root, 5)
    cases: list[tuple[str, Outcome, Callable[[], None]]] = [
        ("wrong leaf", RootMismatch, offer(leaf_=NOT_A_LEAF)),
        ("wrong root", RootMismatch, lambda: verify_inclusion(leaf, index, size, proof, wrong)),
        ("extra node at the end", ProofSizeError, offer(proof_=[*proof, root])),
        ("extra node in front", ProofSizeError, offer(proof_=[NOT_A_LEAF, *proof])),
    ]
    if proof:
        cases.append(("last node dropped", ProofSizeError, offer(proof_=proof[:-1])))
        cases.append(("first node dropped", ProofSizeError, offer(proof_=proof[1:])))
    for i in range(len(proof)):
        for bit in (0, 3, 7):
            flipped = [*proof[:i], flip(proof[i], bit), *proof[i + 1 :]]
            cases.append((f"bit {bit} of proof[{i}]", RootMismatch, offer(proof_=flipped)))
    for claimed in (index - 1, index + 1, index ^ 2):
        outcome = inclusion_claim_outcome((index, size), (claimed, size), len(proof))
        assert outcome is not None, "another leaf of the same tree never has the same path"
        cases.append((f"index {claimed}", outcome, offer(index_=claimed)))
    # An inclusion proof does not bind the tree size (a signed tree head does): a neighbouring
    # size whose path has the same shape must verify, just as RFC 9162's algorithm does.
    for claimed in (size - 1, size + 1, size * 2, size // 2):
        outcome = inclusion_claim_outcome((index, size), (index, claimed), len(proof))
        cases.append((f"size {claimed}", outcome, offer(size_=claimed)))
    for what, expected, check in cases:
        assert_outcome(expected, check, f"{index} of {size}, {what}")


def assert_consistency_resists_corruption(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> None:
    def offer(
        old_: int = old,
        new_: int = new,
        old_root_: bytes = old_root,
        new_root_: bytes = new_root,
        proof_: Sequence[bytes] = proof,
    ) -> Callable[[], None]:
        return lambda: verify_consistency(old_, new_, old_root_, new_root_, proof_)

    cases: list[tuple[str, Outcome, Callable[[], None]]] = [
        ("swapped sizes", IndexOutOfRange, offer(old_=new, new_=old)),
        ("wrong old root", RootMismatch, offer(old_root_=flip(old_root, 4))),
        ("wrong new root", RootMismatch, offer(new_root_=flip(new_root, 4))),
        ("swapped roots", RootMismatch, offer(old_root_=new_root, new_root_=old_root)),
        ("empty proof", ProofSizeError, offer(proof_=[])),
        ("last node dropped", ProofSizeError, offer(proof_=proof[:-1])),
        ("first node dropped", ProofSizeError, offer(proof_=proof[1:])),
        ("old root appended", ProofSizeError, offer(proof_=[*proof, old_root])),
        ("new root appended", ProofSizeError, offer(proof_=[*proof, new_root])),
        ("proof[0] repeated in front", ProofSizeError, offer(proof_=[proof[0], *proof])),
    ]
    for i in range(len(proof)):
        flipped = [*proof[:i], flip(proof[i], 4), *proof[i + 1 :]]
        cases.append((f"bit 4 of proof[{i}]", RootMismatch, offer(proof_=flipped)))
    for what, expected, check in cases:
        assert_outcome(expected, check, f"{old} to {new}, {what}")


def test_every_inclusion_corruption_is_caught() -> None:
    for size in range(1, 34):
        root = naive_mth(HASHES[:size])
        for index in range(size):
            proof = naive_path(index, HASHES[:size])
            assert_inclusion_resists_corruption(HASHES[index], index, size, proof, root)


def test_a_neighbouring_size_with_the_same_path_shape_verifies() -> None:
    """Index 0 of 3 and of 4 both climb right twice, so the same proof proves both."""
    proof = naive_path(0, HASHES[:3])
    verify_inclusion(HASHES[0], 0, 4, proof, naive_mth(HASHES[:3]))


def test_every_consistency_corruption_is_caught() -> None:
    roots = [naive_mth(HASHES[:n]) for n in range(34)]
    for new in range(2, 34):
        for old in range(1, new):
            proof = naive_proof(old, HASHES[:new])
            assert_consistency_resists_corruption(old, new, roots[old], roots[new], proof)


# --- Edge cases and errors -----------------------------------------------------------------------


def test_a_single_leaf_tree_has_an_empty_inclusion_proof() -> None:
    leaf = hash_leaf(b"only")
    assert inclusion_proof(0, 1, Tree([leaf]).subtree) == []
    verify_inclusion(leaf, 0, 1, [], leaf)
    with pytest.raises(ProofSizeError):
        verify_inclusion(leaf, 0, 1, [leaf], leaf)
    with pytest.raises(RootMismatch):
        verify_inclusion(leaf, 0, 1, [], NOT_A_LEAF)


def test_equal_sizes_need_an_empty_proof_and_equal_roots() -> None:
    root = naive_mth(HASHES[:5])
    assert consistency_proof(5, 5, BIG_TREE.subtree) == []
    verify_consistency(5, 5, root, root, [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(RootMismatch):
        verify_consistency(5, 5, root, NOT_A_LEAF, [])
    with pytest.raises(ProofSizeError):
        verify_consistency(5, 5, root, root, [root])


def test_an_empty_old_tree_has_nothing_to_prove() -> None:
    tree = Tree(HASHES[:5])
    assert consistency_proof(0, 5, tree.subtree) == []
    assert tree.calls == []
    verify_consistency(0, 5, EMPTY_ROOT, naive_mth(HASHES[:5]), [])
    with pytest.raises(ProofSizeError):
        verify_consistency(0, 5, EMPTY_ROOT, naive_mth(HASHES[:5]), [EMPTY_ROOT])


REFUSALS = [
    pytest.param(
        lambda: inclusion_proof(3, 3, BIG_TREE.subtree),
        *(IndexOutOfRange, "index", "index_in_tree"),
        id="index = size",
    ),
    pytest.param(
        lambda: inclusion_ranges(-1, 3),
        *(IndexOutOfRange, "index", "index_in_tree"),
        id="negative index",
    ),
    pytest.param(
        lambda: verify_inclusion(NOT_A_LEAF, 0, 0, [], EMPTY_ROOT),
        *(IndexOutOfRange, "tree_size", "tree_not_empty"),
        id="empty tree",
    ),
    pytest.param(
        lambda: consistency_proof(3, 2, BIG_TREE.subtree),
        *(IndexOutOfRange, "old_size", "old_not_after_new"),
        id="old after new",
    ),
    pytest.param(
        lambda: consistency_ranges(-1, 2),
        *(IndexOutOfRange, "old_size", "size_not_negative"),
        id="negative old size",
    ),
    pytest.param(
        lambda: verify_inclusion(b"\x00" * 31, 0, 1, [], EMPTY_ROOT),
        *(MalformedHash, "leaf_hash", "sha256_digest"),
        id="short leaf hash",
    ),
    pytest.param(
        lambda: verify_inclusion(NOT_A_LEAF, 0, 1, [], b""),
        *(MalformedHash, "root", "sha256_digest"),
        id="empty root",
    ),
    pytest.param(
        lambda: verify_inclusion(NOT_A_LEAF, 0, 2, [b"x"], EMPTY_ROOT),
        *(MalformedHash, "proof[0]", "sha256_digest"),
        id="short proof node",
    ),
    pytest.param(
        lambda: verify_consistency(1, 2, b"\x00" * 33, EMPTY_ROOT, [EMPTY_ROOT]),
        *(MalformedHash, "old_root", "sha256_digest"),
        id="long old root",
    ),
    pytest.param(
        lambda: verify_consistency(1, 2, EMPTY_ROOT, EMPTY_ROOT, []),
        *(ProofSizeError, "proof", "proof_length"),
        id="empty consistency proof",
    ),
]


@pytest.mark.parametrize(("call", "kind", "field", "rule"), REFUSALS)
def test_refusals_name_the_field_and_rule(
    call: Callable[[], object], kind: type[ProofError], field: str, rule: str
) -> None:
    with pytest.raises(ProofError) as caught:
        call()
    error = caught.value
    assert type(error) is kind, repr(error)
    assert isinstance(error, ValidationFailed) and error.status == 422
    assert [(v.field, v.rule) for v in error.violations] == [(field, rule)]
    assert error.violations[0].message == error.message == str(error)


def test_a_root_mismatch_carries_both_roots_in_hex() -> None:
    proof = naive_path(2, HASHES[:5])
    with pytest.raises(RootMismatch) as caught:
        verify_inclusion(HASHES[2], 2, 5, proof, EMPTY_ROOT)
    error = caught.value
    assert error.expected == EMPTY_ROOT.hex()
    assert error.calculated == naive_mth(HASHES[:5]).hex()
    assert error.expected in error.message and error.calculated in error.message
    assert [(v.field, v.rule) for v in error.violations] == [("root", "root_matches_proof")]
    assert error.kind == "RootMismatch" and error.status == 422


# --- Purity and cost -----------------------------------------------------------------------------


class AuditLog:
    """Collects audit events (open, socket, subprocess, import...) while recording is on."""

    def __init__(self) -> None:
        self.events: list[str] | None = None
        self.installed = False

    def hook(self, event: str, args: tuple[object, ...]) -> None:
        if self.events is not None:
            self.events.append(event)


AUDIT = AuditLog()


def audit_events_of(action: Callable[[], None]) -> list[str]:
    if not AUDIT.installed:
        sys.addaudithook(AUDIT.hook)  # cannot be removed again, hence the on/off switch
        AUDIT.installed = True
    AUDIT.events = []
    try:
        action()
    finally:
        events, AUDIT.events = AUDIT.events, None
    return events


def calls_made_by(action: Callable[[], None]) -> tuple[set[str], set[str]]:
    """Python files entered and C functions called while ``action`` runs."""
    files: set[str] = set()
    c_functions: set[str] = set()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            files.add(frame.f_code.co_filename)
        elif event == "c_call":
            c_functions.add(getattr(arg, "__qualname__", repr(arg)))

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return files - {__file__}, c_functions - {"setprofile"}


# What verification may call besides domain.merkle's own functions: SHA-256 and plain builtins.
PURE_C_CALLS = {
    *("openssl_sha256", "HASH.digest"),
    *("len", "enumerate", "reversed", "int.bit_length", "list.append", "list.insert"),
}


def test_verification_only_hashes() -> None:
    size, old = 45, 21
    inclusion = naive_path(17, HASHES[:size])
    consistency = naive_proof(old, HASHES[:size])
    roots = naive_mth(HASHES[:old]), naive_mth(HASHES[:size])

    def verify_both() -> None:
        verify_inclusion(HASHES[17], 17, size, inclusion, roots[1])
        verify_consistency(old, size, roots[0], roots[1], consistency)

    files, c_functions = calls_made_by(verify_both)
    assert files == {merkle.__file__}
    assert c_functions <= PURE_C_CALLS, c_functions - PURE_C_CALLS
    assert audit_events_of(verify_both) == []


def test_verification_hashes_once_per_proof_node(monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[int] = []

    def counting(left: bytes, right: bytes) -> bytes:
        counted.append(1)
        return naive_node(left, right)

    monkeypatch.setattr(merkle, "hash_children", counting)
    proof = naive_path(17, HASHES[:45])
    verify_inclusion(HASHES[17], 17, 45, proof, naive_mth(HASHES[:45]))
    assert len(counted) == len(proof)
    counted.clear()
    proof = naive_proof(21, HASHES[:45])
    verify_consistency(21, 45, naive_mth(HASHES[:21]), naive_mth(HASHES[:45]), proof)
    assert len(counted) <= 2 * len(proof)


MILLION = 1_000_000
CALL_BUDGET = 2 * 20 + 2  # 2**20 > MILLION


@cache
def uniform_mth(n: int) -> bytes:
    """MTH of n copies of one entry: then a subtree's hash depends only on its size."""
    if n == 1:
        return naive_leaf(b"the same entry")
    k = naive_k(n)
    return naive_node(uniform_mth(k), uniform_mth(n - k))


class CountingStorage:
    """A million-leaf tree that answers subtree hashes without holding the leaves."""

    def __init__(self) -> None:
        self.calls: list[Range] = []

    def subtree(self, lo: int, hi: int) -> bytes:
        assert is_aligned(lo, hi) and hi <= MILLION, (lo, hi)
        self.calls.append((lo, hi))
        return uniform_mth(hi - lo)


@pytest.mark.parametrize("index", [0, 1, 2**19 - 1, 2**19, 123_456, MILLION - 1])
def test_inclusion_in_a_million_leaves_takes_logarithmic_calls(index: int) -> None:
    storage = CountingStorage()
    proof = inclusion_proof(index, MILLION, storage.subtree)
    assert len(storage.calls) == len(proof) <= CALL_BUDGET
    verify_inclusion(uniform_mth(1), index, MILLION, proof, uniform_mth(MILLION))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (1, MILLION),
        (2**19, MILLION),
        (500_000, MILLION),
        (123_456, 654_321),
        (MILLION - 1, MILLION),
    ],
)
def test_consistency_in_a_million_leaves_takes_logarithmic_calls(old: int, new: int) -> None:
    storage = CountingStorage()
    proof = consistency_proof(old, new, storage.subtree)
    assert len(storage.calls) == len(proof) <= CALL_BUDGET
    assert all(hi <= new for _, hi in storage.calls)
    verify_consistency(old, new, uniform_mth(old), uniform_mth(new), proof)
