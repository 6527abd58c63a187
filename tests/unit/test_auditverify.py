"""The offline audit verifier (auditverify/) against exports and bundles written by an
independent test-side builder (tests/support/auditbuild.py) from docs/audit-format.md."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from auditverify.bundle import verify_bundle
from auditverify.canonical import CanonicalError, JsonError, canonical_json, parse_json
from auditverify.cli import main
from auditverify.export import verify_export
from auditverify.findings import Kind, Report, UnusableInput
from auditverify.merkle import (
    LeafStore,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from auditverify.note import (
    KeyFormatError,
    NoteError,
    PublicKey,
    parse_public_key,
    verify_note,
)
from tests.support.auditbuild import (
    TIME,
    ZERO,
    Body,
    Bundle,
    Export,
    Line,
    Signer,
    body_of,
    build_bundle,
    build_export,
    canonical,
    chain,
    checkpoint_text,
    consistency_proof,
    entry_hash_of,
    inclusion_path,
    leaf,
    mth,
    sample_body,
)

# --- RFC 6962 / RFC 9162 reference vectors ------------------------------------------------

REFERENCE_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
REFERENCE_ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
REFERENCE_PATHS = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
REFERENCE_PROOF_6_8 = [
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
]


def reference_leaves() -> list[bytes]:
    return [leaf_hash(bytes.fromhex(data)) for data in REFERENCE_LEAVES]


def some_leaves(n: int) -> list[bytes]:
    return [leaf_hash(str(i).encode()) for i in range(n)]


def test_the_rfc_6962_reference_roots() -> None:
    leaves = reference_leaves()
    for size, expected in REFERENCE_ROOTS.items():
        assert root_of(leaves[:size]).hex() == expected
    store = LeafStore(keep_from=1)
    for item in leaves:
        store.append(item)
    assert {size: store.root(size).hex() for size in REFERENCE_ROOTS} == REFERENCE_ROOTS


def test_the_rfc_6962_reference_proofs() -> None:
    leaves = reference_leaves()
    root = bytes.fromhex(REFERENCE_ROOTS[8])
    for (index, size), path in REFERENCE_PATHS.items():
        proof = [bytes.fromhex(p) for p in path]
        assert verify_inclusion(leaves[index], index, size, proof, root)
    proof = [bytes.fromhex(p) for p in REFERENCE_PROOF_6_8]
    assert verify_consistency(6, 8, bytes.fromhex(REFERENCE_ROOTS[6]), root, proof)


@pytest.mark.parametrize("keep_from", [0, 1, 2, 3, 8])
def test_the_leaf_store_gives_every_prefix_root(keep_from: int) -> None:
    leaves = some_leaves(70)
    store = LeafStore(keep_from=keep_from)
    for item in leaves:
        store.append(item)
    for size in range(len(leaves) + 1):
        assert store.root(size) == mth(leaves[:size]), size
    with pytest.raises(ValueError):
        store.root(71)


def test_inclusion_proofs_verify_and_altered_ones_do_not() -> None:
    leaves = some_leaves(20)
    for n in range(1, 21):
        root = mth(leaves[:n])
        for m in range(n):
            path = inclusion_path(m, leaves[:n])
            assert verify_inclusion(leaves[m], m, n, path, root)
            assert not verify_inclusion(leaves[m], m, n, path, leaves[m] if n > 1 else ZERO_B)
            assert not verify_inclusion(leaves[m], m, n, [*path, root], root)
            assert not verify_inclusion(leaves[m], n, n, path, root)
            if path:
                assert not verify_inclusion(leaves[m], m, n, path[:-1], root)
                assert not verify_inclusion(leaves[m], m, n, [flip(path[0]), *path[1:]], root)
            if n > 1:
                other = (m + 1) % n
                assert not verify_inclusion(leaves[m], other, n, path, root)


ZERO_B = bytes(32)


def flip(digest: bytes) -> bytes:
    return bytes([digest[0] ^ 1]) + digest[1:]


def test_consistency_proofs_verify_and_altered_ones_do_not() -> None:
    leaves = some_leaves(20)
    for n in range(1, 21):
        second = mth(leaves[:n])
        assert verify_consistency(0, n, mth([]), second, [])
        for m in range(1, n + 1):
            first = mth(leaves[:m])
            proof = consistency_proof(m, leaves[:n])
            assert verify_consistency(m, n, first, second, proof), (m, n)
            assert not verify_consistency(m, n, flip(first), second, proof)
            assert not verify_consistency(m, n, first, flip(second), proof)
            if proof:
                assert not verify_consistency(m, n, first, second, [flip(proof[0]), *proof[1:]])
                assert not verify_consistency(m, n, first, second, proof[:-1])
            assert not verify_consistency(n, m - 1, second, first, proof)


# --- canonical JSON -----------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_is_what_the_document_says_python_writes(value: object) -> None:
    assert canonical_json(value) == canonical(value)


def test_canonical_json_escapes_and_orders_as_documented() -> None:
    value = {"ข": 1, "b": [True, None], "a": 'ตัวชี้วัด "\\\n\r\t\b\f\x00\x1f\x7f'}
    expected = '{"a":"ตัวชี้วัด \\"\\\\\\n\\r\\t\\b\\f\\u0000\\u001f\x7f","b":[true,null],"ข":1}'
    assert canonical_json(value) == expected.encode()


@pytest.mark.parametrize("value", [1.5, {"x": [2.0]}, {1: "a"}, "\ud800", b"bytes"])
def test_values_without_a_canonical_form_are_refused(value: object) -> None:
    with pytest.raises(CanonicalError):
        canonical_json(value)


@pytest.mark.parametrize("text", ['{"a":1,"a":2}', '{"a":NaN}', "[Infinity]", "{", '"\\x"'])
def test_strict_json_refuses_what_could_mislead(text: str) -> None:
    with pytest.raises(JsonError):
        parse_json(text)


# --- keys and signed notes ----------------------------------------------------------------


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture(scope="module")
def stranger() -> Signer:
    return Signer()


def vkey(signer: Signer) -> PublicKey:
    return parse_public_key(signer.vkey)


def test_both_key_forms_give_the_same_key(signer: Signer) -> None:
    from_vkey, from_pem = parse_public_key(signer.vkey), parse_public_key(signer.pem)
    assert from_vkey == PublicKey(signer.name, signer.key_id, signer.raw)
    assert from_pem == PublicKey(None, None, signer.raw)
    assert parse_public_key(f"  {signer.vkey}\n").raw == signer.raw


def test_what_rabrong_audit_public_key_prints_is_a_key_file(
    signer: Signer, stranger: Signer
) -> None:
    """The verifier key line, then the PEM block: saved as it is, it reads as the named key;
    two forms of different keys are refused."""
    both = parse_public_key(f"{signer.vkey}\n{signer.pem}")
    assert both == PublicKey(signer.name, signer.key_id, signer.raw)
    with pytest.raises(KeyFormatError, match="different keys"):
        parse_public_key(f"{signer.vkey}\n{stranger.pem}")


def test_a_key_in_neither_form_is_named_as_such() -> None:
    with pytest.raises(KeyFormatError, match="neither a verifier key nor a PEM public key"):
        parse_public_key("rabrong.local/audit abcdef")


def test_unusable_keys_are_refused(signer: Signer, stranger: Signer) -> None:
    name, hex_id, encoded = signer.vkey.split("+", 2)
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    ed448_style = base64.b64encode(bytes([2]) + signer.raw).decode()
    bad = [
        "not a key",
        f"{name}+{stranger.key_id.hex()}+{encoded}",
        f"{name}+{hex_id}+{ed448_style}",
        f"{name}+{hex_id}+!!!",
        f"+{hex_id}+{encoded}",
        ec_pem.decode(),
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    ]
    for text in bad:
        with pytest.raises(KeyFormatError):
            parse_public_key(text)


def test_a_checkpoint_note_verifies(signer: Signer) -> None:
    root = hashlib.sha256(b"root").digest()
    note = signer.checkpoint(37, root)
    expected = (signer.name, 37, root, TIME)
    for key in (vkey(signer), parse_public_key(signer.pem)):
        found = verify_note(note, key)
        assert (found.origin, found.tree_size, found.root, found.time) == expected


def test_a_cosignature_by_an_unknown_key_is_ignored(signer: Signer) -> None:
    witness = Signer("witness.example/w1")
    note = signer.checkpoint(5, bytes(32))
    cosigned = note + witness.sign(checkpoint_text(signer.name, 5, bytes(32))).split("\n\n")[1]
    assert verify_note(cosigned, vkey(signer)).tree_size == 5


def rewrite_note(note: str, old: str, new: str) -> str:
    text, signatures = note.split("\n\n")
    return text.replace(old, new, 1) + "\n\n" + signatures


def test_forged_and_altered_notes_are_refused(signer: Signer, stranger: Signer) -> None:
    root = hashlib.sha256(b"root").digest()
    note = signer.checkpoint(37, root)
    old_root = base64.b64encode(root).decode()
    new_root = base64.b64encode(hashlib.sha256(b"other").digest()).decode()

    def signed(size: str = "37", root: str = new_root, time: str = f"Time: {TIME}\n") -> str:
        return signer.sign(f"{signer.name}\n{size}\n{root}\n{time}")

    malformed, bad_signature = Kind.CHECKPOINT_MALFORMED, Kind.CHECKPOINT_SIGNATURE
    cases: list[tuple[str, Kind, int | None]] = [
        (stranger.checkpoint(37, root), Kind.CHECKPOINT_KEY_ID, 37),
        (Signer("evil.example/log").checkpoint(37, root), Kind.CHECKPOINT_KEY_NAME, 37),
        (rewrite_note(note, "\n37\n", "\n36\n"), bad_signature, 36),
        (rewrite_note(note, old_root, new_root), bad_signature, 37),
        (rewrite_note(note, "Time: 2026", "Time: 2027"), bad_signature, 37),
        (note.replace("\u2014 ", "- "), malformed, None),
        (note.replace("\n\n", "\n"), malformed, None),
        (note + "trailing", malformed, None),
        (note.replace("\n", "\r\n"), malformed, None),
        (signed(size="037"), malformed, None),
        (signed(time=""), malformed, None),
        (signed(root="AAAA"), malformed, 37),
        (signed(time="Time: yesterday\n"), malformed, 37),
        (signed(time="Time: 2026-11-21T10:04:05+07:00\n"), malformed, 37),
        (signed(time=f"Time: {TIME}\nextension\n"), malformed, None),
    ]
    for forged, kind, size in cases:
        with pytest.raises(NoteError) as caught:
            verify_note(forged, vkey(signer))
        assert (caught.value.kind, caught.value.tree_size) == (kind, size), forged


def test_a_pem_key_takes_the_origin_as_key_name(signer: Signer) -> None:
    renamed = Signer("evil.example/log", signer.private)
    note = renamed.checkpoint(3, bytes(32))
    # The same key under another name: fine for the PEM form, not for the named vkey form.
    assert verify_note(note, parse_public_key(signer.pem)).origin == "evil.example/log"
    with pytest.raises(NoteError) as caught:
        verify_note(note, vkey(signer))
    assert caught.value.kind is Kind.CHECKPOINT_KEY_NAME


# --- exports ------------------------------------------------------------------------------


@pytest.fixture
def export(signer: Signer) -> Export:
    return build_export(signer)


def verify(export: Export, signer: Signer) -> Report:
    return verify_export(export.lines(), vkey(signer))


def assert_first_bad(report: Report, seq: int) -> None:
    assert not report.ok
    assert report.first_bad == seq, [f.describe() for f in report.findings]
    assert report.findings[0].seq == seq
    assert report.findings[0].leaf_index == seq - 1


def test_an_untouched_export_verifies(export: Export, signer: Signer, tmp_path: Path) -> None:
    for key in (vkey(signer), parse_public_key(signer.pem)):
        report = verify_export(export.lines(), key)
        assert report.ok, [f.describe() for f in report.findings]
        assert (report.entries_checked, report.checkpoints_checked) == (50, 3)
        assert report.first_bad is None and report.findings == []
    data = export.write(tmp_path / "export.jsonl").read_bytes()
    streamed = verify_export(iter(data.splitlines(keepends=True)), vkey(signer))
    assert streamed.ok
    assert streamed.summary() == "OK: export verifies: 50 entries, 3 checkpoints"


def test_the_sample_covers_the_optional_members() -> None:
    bodies = [sample_body(seq) for seq in range(1, 51)]
    assert {("on_behalf_of" in b, "request_id" in b) for b in bodies} == {
        (False, False),
        (False, True),
        (True, False),
        (True, True),
    }
    assert any(b["command_id"] is None for b in bodies)


def set_member(name: str, value: object) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        body[name] = value

    return change


def toggle(name: str) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        if name in body:
            del body[name]
        else:
            body[name] = "ผู้อื่น"

    return change


def seq_by(delta: int) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        body["seq"] = int(str(body["seq"])) + delta

    return change


def change_facts(body: Body) -> None:
    facts = copy.deepcopy(body["facts"])
    assert isinstance(facts, dict)
    facts["change"]["notes"][0] = "แก้ไขแล้ว"
    body["facts"] = facts


BODY_CHANGES: dict[str, Callable[[Body], None]] = {
    "seq+1": seq_by(1),
    "seq-1": seq_by(-1),
    "seq+1000": seq_by(1000),
    "command_id": set_member("command_id", "forged-command"),
    "command_id-null": set_member("command_id", None),
    "at": set_member("at", "2026-11-21T09:09:09.000000+00:00"),
    "actor_id": set_member("actor_id", "intruder"),
    "on_behalf_of": set_member("on_behalf_of", "somebody-else"),
    "on_behalf_of-toggled": toggle("on_behalf_of"),
    "action": set_member("action", "agreement.withdraw"),
    "subject_type": set_member("subject_type", "evidence"),
    "subject_id": set_member("subject_id", "fy2569-bkk"),
    "facts": change_facts,
    "request_id": set_member("request_id", "req-forged"),
    "request_id-toggled": toggle("request_id"),
}
SEQS = [1, 10, 24, 37, 50]


@pytest.mark.parametrize("k", SEQS)
@pytest.mark.parametrize("field", sorted(BODY_CHANGES))
def test_a_changed_body_field_is_found_at_its_entry(
    export: Export, signer: Signer, field: str, k: int
) -> None:
    body = copy.deepcopy(body_of(export.entries[k - 1]))
    before = canonical(body)
    BODY_CHANGES[field](body)
    assert canonical(body) != before, "each change must alter the entry it is applied to"
    export.entries[k - 1] = {**export.entries[k - 1], "body": body}
    assert_first_bad(verify(export, signer), k)


@pytest.mark.parametrize("k", SEQS)
@pytest.mark.parametrize("member", ["prev_hash", "entry_hash"])
def test_a_changed_hash_is_found_at_its_entry(
    export: Export, signer: Signer, member: str, k: int
) -> None:
    export.entries[k - 1] = {**export.entries[k - 1], member: "ab" * 32}
    report = verify(export, signer)
    assert_first_bad(report, k)
    kind = Kind.PREV_HASH if member == "prev_hash" else Kind.ENTRY_HASH
    assert report.findings[0].kind is kind


def test_the_summary_names_the_first_bad_entry(export: Export, signer: Signer) -> None:
    body = {**body_of(export.entries[16]), "actor_id": "intruder"}
    export.entries[16] = {**export.entries[16], "body": body}
    report = verify(export, signer)
    assert report.summary() == (
        "FAILED: first bad entry position 17, seq 17 (leaf index 16): "
        "entry_hash does not match its body"
    )
    # Checkpoints 37 and 50 no longer match either; entry 17 explains them, so it comes first.
    kinds = [(f.kind, f.seq, f.seq_range) for f in report.findings]
    assert kinds == [
        (Kind.ENTRY_HASH, 17, None),
        (Kind.CHECKPOINT_ROOT, None, (11, 37)),
        (Kind.CHECKPOINT_ROOT, None, (11, 50)),
    ]


def delete(entries: list[Line], k: int) -> None:
    del entries[k - 1]


def swap_lines(entries: list[Line], k: int) -> None:
    entries[k - 1], entries[k + 4] = entries[k + 4], entries[k - 1]


def swap_seqs(entries: list[Line], k: int) -> None:
    """Swap the two entries and renumber them, as an UPDATE of the seq column would."""
    swap_lines(entries, k)
    for position in (k, k + 5):
        line = entries[position - 1]
        entries[position - 1] = {**line, "body": {**body_of(line), "seq": position}}


def insert_forged(entries: list[Line], k: int) -> None:
    """A careful forgery: the right seq, prev_hash and entry_hash for its place."""
    prev = ZERO if k == 1 else str(entries[k - 2]["entry_hash"])
    body = {**sample_body(k), "actor_id": "intruder"}
    entries.insert(k - 1, chain([body], prev)[0])


def insert_naive(entries: list[Line], k: int) -> None:
    entries.insert(k - 1, {**entries[k - 1], "body": {**body_of(entries[k - 1]), "facts": {}}})


@pytest.mark.parametrize("k", [1, 10, 25, 45])
@pytest.mark.parametrize(
    "change",
    [delete, swap_lines, swap_seqs, insert_forged, insert_naive],
    ids=lambda c: c.__name__,
)
def test_a_deleted_moved_or_inserted_entry_is_found_where_it_happened(
    export: Export, signer: Signer, change: Callable[[list[Line], int], None], k: int
) -> None:
    change(export.entries, k)
    assert_first_bad(verify(export, signer), k)


def test_a_reordered_entry_is_named_by_position_and_seq_in_every_finding(
    export: Export, signer: Signer
) -> None:
    export.entries[9], export.entries[14] = export.entries[14], export.entries[9]
    report = verify(export, signer)
    about_entries = [f for f in report.findings if f.seq is not None]
    assert about_entries and all(f.position is not None for f in about_entries)
    where = {(f.kind, f.position, f.entry_seq) for f in about_entries}
    assert {(Kind.SEQ, 10, 15), (Kind.SEQ, 15, 10)} <= where
    moved = [f for f in about_entries if f.kind is Kind.SEQ]
    assert [f.describe().split(":")[0] for f in moved] == [
        "position 10, seq 15 (leaf index 9)",
        "position 15, seq 10 (the log goes wrong from position 10, leaf index 9)",
    ]
    assert report.findings[0].to_dict()["position"] == 10
    assert report.findings[0].to_dict()["entry_seq"] == 15


@pytest.mark.parametrize("change", [delete, insert_forged], ids=lambda c: c.__name__)
def test_changes_at_the_end_are_found(
    export: Export, signer: Signer, change: Callable[[list[Line], int], None]
) -> None:
    k = 51 if change is insert_forged else 50
    change(export.entries, k)
    export.tree_size = 50  # the header as it was
    assert_first_bad(verify(export, signer), k)


def test_an_appended_entry_with_a_matching_header_is_not_vouched_for(
    export: Export, signer: Signer
) -> None:
    insert_forged(export.entries, 51)
    report = verify(export, signer)
    assert [(f.kind, f.seq_range) for f in report.findings] == [(Kind.UNSIGNED_TAIL, (51, 51))]
    assert report.first_bad == 51


def rewrite_from(export: Export, k: int) -> None:
    """Change entry k and recompute the chain from there: only the signed roots can tell."""
    bodies = [body_of(line) for line in export.entries[k - 1 :]]
    bodies[0] = {**bodies[0], "actor_id": "intruder"}
    prev = ZERO if k == 1 else str(export.entries[k - 2]["entry_hash"])
    export.entries[k - 1 :] = chain(bodies, prev)


@pytest.mark.parametrize(
    ("k", "ranges"),
    [(20, [(11, 37), (11, 50)]), (45, [(38, 50)]), (1, [(1, 10), (1, 37), (1, 50)])],
)
def test_a_rewrite_with_a_recomputed_chain_is_caught_by_the_checkpoints(
    export: Export, signer: Signer, k: int, ranges: list[tuple[int, int]]
) -> None:
    rewrite_from(export, k)
    report = verify(export, signer)
    assert not report.ok
    assert [(f.kind, f.seq_range) for f in report.findings] == [
        (Kind.CHECKPOINT_ROOT, r) for r in ranges
    ]
    first_range = report.findings[0].seq_range
    assert first_range is not None and first_range[0] <= k <= first_range[1]
    assert report.first_bad == first_range[0]
    assert report.findings[0].tree_size == first_range[1]
    assert f"seq {first_range[0]}..{first_range[1]}" in report.summary()


def test_a_checkpoint_signed_by_another_key_is_reported(
    export: Export, signer: Signer, stranger: Signer
) -> None:
    leaves = [leaf(body_of(line)) for line in export.entries]
    export.notes[1] = stranger.checkpoint(37, mth(leaves[:37]))
    for key in (vkey(signer), parse_public_key(signer.pem)):
        report = verify_export(export.lines(), key)
        assert [(f.kind, f.tree_size, f.seq) for f in report.findings] == [
            (Kind.CHECKPOINT_KEY_ID, 37, None)
        ]
        assert report.first_bad is None
        assert report.summary().startswith("FAILED: checkpoint at tree size 37: signed by another")


@pytest.mark.parametrize(
    ("old", "new", "size"),
    [("\n37\n", "\n36\n", 36), ("\n37\n", "\n38\n", 38), ("Time: 2026", "Time: 2025", 37)],
)
def test_an_altered_checkpoint_is_reported(
    export: Export, signer: Signer, old: str, new: str, size: int
) -> None:
    export.notes[1] = rewrite_note(export.notes[1], old, new)
    report = verify(export, signer)
    assert [(f.kind, f.tree_size) for f in report.findings] == [(Kind.CHECKPOINT_SIGNATURE, size)]


def test_a_checkpoint_with_an_altered_root_is_reported(export: Export, signer: Signer) -> None:
    note = export.notes[1]
    root_line = note.split("\n")[2]
    forged_root = base64.b64encode(hashlib.sha256(b"forged").digest()).decode()
    export.notes[1] = rewrite_note(note, root_line, forged_root)
    report = verify(export, signer)
    assert [(f.kind, f.tree_size) for f in report.findings] == [(Kind.CHECKPOINT_SIGNATURE, 37)]


def test_a_signed_root_that_is_not_the_entries_root_names_the_range(
    export: Export, signer: Signer
) -> None:
    export.notes[1] = signer.checkpoint(37, hashlib.sha256(b"split view").digest())
    report = verify(export, signer)
    assert [(f.kind, f.seq_range) for f in report.findings] == [(Kind.CHECKPOINT_ROOT, (11, 37))]
    assert report.first_bad == 11


def test_a_checkpoint_beyond_the_entries_is_reported(export: Export, signer: Signer) -> None:
    del export.entries[45:]  # and the header updated to match
    report = verify(export, signer)
    assert [(f.kind, f.seq, f.tree_size) for f in report.findings] == [
        (Kind.CHECKPOINT_SIZE, 46, 50)
    ]
    assert_first_bad(report, 46)


def test_a_truncated_export_is_reported(export: Export, signer: Signer) -> None:
    del export.entries[45:]
    export.tree_size = 50
    report = verify(export, signer)
    assert_first_bad(report, 46)
    assert {f.kind for f in report.findings if f.seq == 46} == {
        Kind.MISSING_ENTRIES,
        Kind.CHECKPOINT_SIZE,
    }


def test_entries_after_the_last_checkpoint_are_reported(signer: Signer) -> None:
    export = build_export(signer, sizes=(10, 37))
    report = verify(export, signer)
    assert [(f.kind, f.seq_range) for f in report.findings] == [(Kind.UNSIGNED_TAIL, (38, 50))]
    assert verify(build_export(signer, sizes=()), signer).findings[0].seq_range == (1, 50)


def test_an_empty_log_verifies(signer: Signer) -> None:
    assert verify(build_export(signer, n=0, sizes=(0,)), signer).ok
    assert not verify_export([], vkey(signer)).ok


def test_unreadable_lines_are_named_by_position(export: Export, signer: Signer) -> None:
    lines = export.lines()
    lines[17] = lines[17][:40]  # line 18 holds entry 17
    report = verify_export(lines, vkey(signer))
    assert_first_bad(report, 17)
    assert report.findings[0].kind is Kind.MALFORMED
    assert report.findings[0].line == 18
    raw = [line.encode() for line in export.lines()]
    raw[5] = b"\xff\xfe" + raw[5]
    assert_first_bad(verify_export(raw, vkey(signer)), 5)


def test_a_duplicated_member_is_refused(export: Export, signer: Signer) -> None:
    lines = export.lines()
    lines[24] = lines[24].replace('"actor_id": ', '"actor_id": "intruder", "actor_id": ', 1)
    report = verify_export(lines, vkey(signer))
    assert_first_bad(report, 24)


@pytest.mark.parametrize(
    ("member", "value"),
    [("on_behalf_of", None), ("request_id", ""), ("extra", 1), ("at", "2026-11-21 03:00")],
)
def test_a_body_off_the_format_is_reported(signer: Signer, member: str, value: object) -> None:
    bodies = [sample_body(seq) for seq in range(1, 21)]
    bodies[6][member] = value
    entries = chain(bodies)
    export = Export(entries, [signer.checkpoint(20, mth([leaf(b) for b in bodies]))])
    report = verify(export, signer)
    assert [(f.kind, f.seq) for f in report.findings] == [(Kind.BODY, 7)]


def test_a_missing_or_wrong_header_is_reported(export: Export, signer: Signer) -> None:
    lines = export.lines()
    report = verify_export(lines[1:], vkey(signer))
    assert [f.kind for f in report.findings] == [Kind.HEADER]
    lines[0] = lines[0].replace("rabrong-audit-export/1", "rabrong-audit-export/2")
    assert [f.kind for f in verify_export(lines, vkey(signer)).findings] == [Kind.HEADER]


def test_a_long_log_streams(signer: Signer) -> None:
    export = build_export(signer, n=3000, sizes=(1000, 2000, 2999, 3000))
    report = verify(export, signer)
    assert report.ok and report.entries_checked == 3000


def test_findings_are_capped(signer: Signer) -> None:
    export = build_export(signer, n=1200, sizes=(1200,))
    for line in export.entries:
        line["entry_hash"] = "ab" * 32
    report = verify(export, signer)
    assert report.omitted > 0 and len(report.findings) <= 1001
    assert report.first_bad == 1


# --- bundles ------------------------------------------------------------------------------

BUNDLE_SEQS = [3, 4, 5, 17, 37, 50]


@pytest.fixture
def bundle(signer: Signer, export: Export) -> Bundle:
    return build_bundle(signer, export, BUNDLE_SEQS)


def bundle_report(bundle: Bundle, signer: Signer, tmp_path: Path) -> Report:
    return verify_bundle(bundle.write(tmp_path / "bundle.zip"), vkey(signer))


def test_a_good_bundle_verifies(bundle: Bundle, signer: Signer, tmp_path: Path) -> None:
    report = bundle_report(bundle, signer, tmp_path)
    assert report.ok, [f.describe() for f in report.findings]
    assert (report.entries_checked, report.checkpoints_checked) == (len(BUNDLE_SEQS), 1)


def test_an_altered_evidence_file_is_found(bundle: Bundle, signer: Signer, tmp_path: Path) -> None:
    name = sorted(bundle.evidence)[0]
    bundle.evidence[name] = bundle.evidence[name] + b"!"
    report = bundle_report(bundle, signer, tmp_path)
    assert [f.kind for f in report.findings] == [Kind.EVIDENCE_HASH]
    assert name in report.findings[0].message


def test_a_missing_or_unlisted_evidence_file_is_found(
    bundle: Bundle, signer: Signer, tmp_path: Path
) -> None:
    name = sorted(bundle.evidence)[0]
    content = bundle.evidence.pop(name)
    report = bundle_report(bundle, signer, tmp_path)
    assert [f.kind for f in report.findings] == [Kind.EVIDENCE_MISSING]
    bundle.evidence[name] = content
    extra = b"not listed"
    bundle.evidence[f"evidence/{hashlib.sha256(extra).hexdigest()}"] = extra
    report = verify_bundle(bundle.write(tmp_path / "other.zip"), vkey(signer))
    assert [f.kind for f in report.findings] == [Kind.EVIDENCE_UNLISTED]


def test_an_altered_entry_is_found(bundle: Bundle, signer: Signer, tmp_path: Path) -> None:
    line = bundle.entries[3]
    bundle.entries[3] = {**line, "body": {**body_of(line), "actor_id": "intruder"}}
    report = bundle_report(bundle, signer, tmp_path)
    assert [(f.kind, f.seq) for f in report.findings] == [
        (Kind.ENTRY_HASH, 17),
        (Kind.INCLUSION, 17),
    ]
    assert report.first_bad == 17


def test_an_altered_entry_with_a_recomputed_hash_fails_its_proof(
    bundle: Bundle, signer: Signer, tmp_path: Path
) -> None:
    line = bundle.entries[3]
    changed: Line = {**line, "body": {**body_of(line), "actor_id": "intruder"}}
    changed["entry_hash"] = entry_hash_of(changed)
    bundle.entries[3] = changed
    report = bundle_report(bundle, signer, tmp_path)
    assert [(f.kind, f.seq) for f in report.findings] == [(Kind.INCLUSION, 17)]


def test_a_broken_inclusion_proof_is_found(bundle: Bundle, signer: Signer, tmp_path: Path) -> None:
    line = bundle.entries[4]
    inclusion = line["inclusion"]
    assert isinstance(inclusion, list)
    path = [str(p) for p in inclusion]
    path[1] = ("0" if path[1][0] != "0" else "1") + path[1][1:]
    bundle.entries[4] = {**line, "inclusion": path}
    report = bundle_report(bundle, signer, tmp_path)
    assert [(f.kind, f.seq) for f in report.findings] == [(Kind.INCLUSION, 37)]


def test_a_broken_chain_between_consecutive_entries_is_found(
    bundle: Bundle, signer: Signer, tmp_path: Path
) -> None:
    line = bundle.entries[1]
    changed: Line = {**line, "prev_hash": "ab" * 32}
    changed["entry_hash"] = entry_hash_of(changed)
    bundle.entries[1] = changed
    report = bundle_report(bundle, signer, tmp_path)
    assert (report.findings[0].kind, report.first_bad) == (Kind.PREV_HASH, 4)


def test_a_bundle_with_a_forged_checkpoint_is_refused(
    bundle: Bundle, signer: Signer, stranger: Signer, tmp_path: Path
) -> None:
    note = str(bundle.manifest["checkpoint"])
    root = base64.b64decode(note.split("\n")[2])
    bundle.manifest["checkpoint"] = stranger.checkpoint(50, root)
    report = bundle_report(bundle, signer, tmp_path)
    assert [(f.kind, f.tree_size) for f in report.findings] == [(Kind.CHECKPOINT_KEY_ID, 50)]


def test_a_bundle_checkpoint_for_another_size_is_reported(
    bundle: Bundle, signer: Signer, export: Export, tmp_path: Path
) -> None:
    leaves = [leaf(body_of(line)) for line in export.entries]
    bundle.manifest["checkpoint"] = signer.checkpoint(49, mth(leaves[:49]))
    report = bundle_report(bundle, signer, tmp_path)
    kinds = [(f.kind, f.seq) for f in report.findings]
    assert (Kind.MANIFEST, None) in kinds and (Kind.INCLUSION, 50) in kinds


def test_a_bundle_layout_problem_is_reported(
    bundle: Bundle, signer: Signer, tmp_path: Path
) -> None:
    path = bundle.write(tmp_path / "bundle.zip")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("notes.txt", "unvouched text")
    report = verify_bundle(path, vkey(signer))
    assert [f.kind for f in report.findings] == [Kind.LAYOUT]


def test_a_file_that_is_not_a_zip_is_unusable(signer: Signer, tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(b"PK\x03\x04 but not really")
    with pytest.raises(UnusableInput):
        verify_bundle(path, vkey(signer))


# --- the command line ---------------------------------------------------------------------


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def test_the_cli_verifies_an_export_with_either_key_form(
    export: Export, signer: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = str(export.write(tmp_path / "export.jsonl"))
    pem = tmp_path / "audit.pem"
    pem.write_text(signer.pem)
    vkey_file = tmp_path / "audit.vkey"
    vkey_file.write_text(signer.vkey + "\n")
    for key in (signer.vkey, str(pem), str(vkey_file)):
        code, out = run(["verify", file, "--public-key", key], capsys)
        assert (code, out) == (0, "OK: export verifies: 50 entries, 3 checkpoints\n")
    assert run([file, "--public-key", signer.vkey], capsys)[0] == 0
    assert run(["--json", "--public-key", signer.vkey, "verify", file], capsys)[0] == 0


def test_the_cli_reports_findings(
    export: Export, signer: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export.entries[16] = {**export.entries[16], "entry_hash": "cd" * 32}
    file = str(export.write(tmp_path / "export.jsonl"))
    code, out = run(["verify", file, "--public-key", signer.vkey], capsys)
    assert code == 1
    assert out.splitlines()[0] == (
        "FAILED: first bad entry position 17, seq 17 (leaf index 16): "
        "entry_hash does not match its body"
    )
    code, out = run(["verify", file, "--public-key", signer.vkey, "--json"], capsys)
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert (report["first_bad"], report["first_bad_leaf_index"]) == (17, 16)
    assert report["findings"][0]["kind"] == "entry_hash"
    assert report["findings"][0]["leaf_index"] == 16


def test_the_cli_refuses_checkpoints_signed_by_another_key(
    export: Export, stranger: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = str(export.write(tmp_path / "export.jsonl"))
    code, out = run(["verify", file, "--public-key", stranger.vkey], capsys)
    assert code == 1 and "signed by another key" in out


def test_the_cli_verifies_bundles(
    bundle: Bundle, signer: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = str(bundle.write(tmp_path / "bundle.zip"))
    code, out = run(["verify", file, "--public-key", signer.vkey, "--json"], capsys)
    assert code == 0 and json.loads(out)["source"] == "bundle"
    name = sorted(bundle.evidence)[0]
    bundle.evidence[name] = b"swapped"
    file = str(bundle.write(tmp_path / "altered.zip"))
    assert run(["verify", file, "--public-key", signer.vkey], capsys)[0] == 1


def test_the_cli_says_when_it_cannot_verify(
    export: Export, signer: Signer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = str(export.write(tmp_path / "export.jsonl"))
    missing = str(tmp_path / "missing.jsonl")
    assert run(["verify", missing, "--public-key", signer.vkey], capsys)[0] == 2
    assert run(["verify", file, "--public-key", "not-a-key"], capsys)[0] == 2
    assert run(["verify", file], capsys)[0] == 2
    assert run(["verify", file, file, "--public-key", signer.vkey], capsys)[0] == 2
    code, out = run(["--help"], capsys)
    assert code == 0 and "--public-key" in out
    assert run(["verify", str(tmp_path), "--public-key", signer.vkey], capsys)[0] == 2
    code, out = run(["verify", missing, "--public-key", signer.vkey, "--json"], capsys)
    assert code == 2 and json.loads(out)["ok"] is False
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04garbage")
    assert run(["verify", str(broken), "--public-key", signer.vkey], capsys)[0] == 2
