"""What an auditor already holds: a trusted checkpoint the log must extend, and the key chain
from the key got out of band through handovers signed by the old and the new key."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditverify.bundle import verify_bundle
from auditverify.cli import main
from auditverify.export import verify_export
from auditverify.findings import Kind, Report
from auditverify.note import parse_public_key
from tests.support.auditbuild import (
    Export,
    Signer,
    body_of,
    build_bundle,
    build_export,
    chain,
    consistency_proof,
    handover,
    leaf,
    mth,
)


def leaves_of(export: Export) -> list[bytes]:
    return [leaf(body_of(line)) for line in export.entries]


def kinds(report: Report) -> list[Kind]:
    return [f.kind for f in report.findings]


# --- a trusted checkpoint -----------------------------------------------------------------


def test_an_export_that_extends_the_trusted_checkpoint_verifies() -> None:
    signer = Signer()
    export = build_export(signer, 50, (10, 37, 50))
    trusted = signer.checkpoint(37, mth(leaves_of(export)[:37]))
    report = verify_export(export.lines(), parse_public_key(signer.vkey), trusted)
    assert report.ok, [f.describe() for f in report.findings]


def test_an_export_cut_back_to_an_older_checkpoint_is_refused() -> None:
    """Cut back at the checkpoint of size 37 it verifies on its own, but not against the
    checkpoint of size 50 the auditor kept."""
    signer = Signer()
    full = build_export(signer, 50, (10, 37, 50))
    trusted = full.notes[-1]
    cut = Export(full.entries[:37], full.notes[:2])
    key = parse_public_key(signer.vkey)
    assert verify_export(cut.lines(), key).ok
    report = verify_export(cut.lines(), key, trusted)
    assert kinds(report) == [Kind.TRUSTED_CHECKPOINT]
    assert "tree size 50" in report.findings[0].message
    assert "holds only 37 entries" in report.findings[0].message


def test_a_rewritten_export_is_refused_against_the_trusted_checkpoint() -> None:
    """Rewritten and re-signed from entry 20 on (the key was stolen): every checkpoint in it
    holds, but the trusted one does not."""
    signer = Signer()
    original = build_export(signer, 50, (10, 37, 50))
    trusted = original.notes[1]
    rewritten = build_export(signer, 50, (10, 37, 50))
    body_of(rewritten.entries[19])["actor_id"] = "someone-else"
    entries = chain(body_of(line) for line in rewritten.entries)
    leaves = [leaf(body_of(line)) for line in entries]
    notes = [signer.checkpoint(size, mth(leaves[:size])) for size in (10, 37, 50)]
    forged = Export(entries, notes)
    key = parse_public_key(signer.vkey)
    assert verify_export(forged.lines(), key).ok
    report = verify_export(forged.lines(), key, trusted)
    assert kinds(report) == [Kind.TRUSTED_CHECKPOINT]
    assert report.findings[0].seq_range == (1, 37)


def test_a_bundle_extends_the_trusted_checkpoint_by_its_consistency_proof(
    tmp_path: Path,
) -> None:
    signer = Signer()
    export = build_export(signer, 50, (10, 37, 50))
    leaves = leaves_of(export)
    bundle = build_bundle(signer, export, [3, 40])
    proof = consistency_proof(37, leaves)
    bundle.manifest["consistency"] = [{"tree_size": 37, "proof": [p.hex() for p in proof]}]
    key = parse_public_key(signer.vkey)
    path = bundle.write(tmp_path / "b.zip")
    trusted = export.notes[1]
    assert verify_bundle(path, key, trusted).ok

    older = export.notes[0]  # size 10: the bundle carries no proof from there
    refused = verify_bundle(path, key, older)
    assert kinds(refused) == [Kind.TRUSTED_CHECKPOINT]
    assert "--consistency-from 10" in refused.findings[0].message

    # The same key signed another history of size 37 (a fork shown to someone else).
    forked = signer.checkpoint(37, mth([*leaves[:36], leaf({"forked": True})]))
    assert kinds(verify_bundle(path, key, forked)) == [Kind.TRUSTED_CHECKPOINT]


def test_a_bundle_older_than_the_trusted_checkpoint_is_refused(tmp_path: Path) -> None:
    signer = Signer()
    export = build_export(signer, 50, (10, 37, 50))
    cut = Export(export.entries[:37], export.notes[:2])
    path = build_bundle(signer, cut, [3]).write(tmp_path / "b.zip")
    key = parse_public_key(signer.vkey)
    assert verify_bundle(path, key).ok
    report = verify_bundle(path, key, export.notes[-1])
    assert kinds(report) == [Kind.TRUSTED_CHECKPOINT]
    assert "does not extend" in report.findings[0].message


def test_the_cli_takes_the_trusted_checkpoint_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signer = Signer()
    full = build_export(signer, 50, (10, 37, 50))
    kept = tmp_path / "00000000000000000050.note"
    kept.write_text(full.notes[-1], encoding="utf-8")
    cut = Export(full.entries[:37], full.notes[:2]).write(tmp_path / "cut.jsonl")
    whole = full.write(tmp_path / "whole.jsonl")
    args = ["--public-key", signer.vkey, "--trusted-checkpoint", str(kept)]
    assert main(["verify", str(whole), *args]) == 0
    assert main(["verify", str(cut), *args]) == 1
    assert "trusted checkpoint is at tree size 50" in capsys.readouterr().out
    assert main(["verify", str(cut), *args[:2], "--trusted-checkpoint", "/nonexistent"]) == 2


# --- key rotation -------------------------------------------------------------------------


def rotated_export(old: Signer, new: Signer, *, vouched: bool = True) -> Export:
    """60 entries; checkpoints at 10 and 30 by `old`, a handover at 30 (both keys), then 45
    and 60 by `new` alone. Unvouched: the handover is left out."""
    export = build_export(old, 60, (10,))
    leaves = leaves_of(export)
    notes = [old.checkpoint(10, mth(leaves[:10]))]
    if vouched:
        notes.append(handover([old, new], 30, mth(leaves[:30]), new))
    else:
        notes.append(old.checkpoint(30, mth(leaves[:30])))
    notes += [new.checkpoint(size, mth(leaves[:size])) for size in (45, 60)]
    return Export(export.entries, notes)


def test_a_log_whose_key_was_rotated_verifies_from_the_first_key() -> None:
    old, new = Signer(), Signer()
    report = verify_export(rotated_export(old, new).lines(), parse_public_key(old.vkey))
    assert report.ok, [f.describe() for f in report.findings]


def test_a_chain_of_two_rotations_verifies(tmp_path: Path) -> None:
    first, second, third = Signer(), Signer(), Signer()
    export = build_export(first, 60, ())
    leaves = leaves_of(export)
    export.notes = [
        first.checkpoint(10, mth(leaves[:10])),
        handover([first, second], 20, mth(leaves[:20]), second),
        second.checkpoint(30, mth(leaves[:30])),
        handover([second, third], 40, mth(leaves[:40]), third),
        third.checkpoint(60, mth(leaves)),
    ]
    key = parse_public_key(first.vkey)
    assert verify_export(export.lines(), key).ok
    # A bundle carries the handovers in its manifest, oldest first.
    bundle = build_bundle(third, export, [5, 55])
    bundle.manifest["key_handovers"] = [export.notes[1], export.notes[3]]
    assert verify_bundle(bundle.write(tmp_path / "b.zip"), key).ok
    bundle.manifest["key_handovers"] = [export.notes[3]]  # the first link missing
    assert not verify_bundle(bundle.write(tmp_path / "c.zip"), key).ok


def test_checkpoints_signed_by_an_unvouched_key_are_refused() -> None:
    old, new = Signer(), Signer()
    export = rotated_export(old, new, vouched=False)
    report = verify_export(export.lines(), parse_public_key(old.vkey))
    assert {(f.kind, f.tree_size) for f in report.findings} == {
        (Kind.CHECKPOINT_KEY_ID, 45),
        (Kind.CHECKPOINT_KEY_ID, 60),
        (Kind.UNSIGNED_TAIL, None),
    }
    assert "nothing vouches for" in report.findings[0].message
    tail = next(f for f in report.findings if f.kind is Kind.UNSIGNED_TAIL)
    assert tail.seq_range == (31, 60)


def test_a_handover_not_signed_by_the_new_key_introduces_nothing() -> None:
    old, new = Signer(), Signer()
    export = rotated_export(old, new)
    leaves = leaves_of(export)
    export.notes[1] = handover([old], 30, mth(leaves[:30]), new)
    report = verify_export(export.lines(), parse_public_key(old.vkey))
    assert Kind.KEY_HANDOVER in kinds(report)
    assert {f.tree_size for f in report.findings if f.kind is Kind.CHECKPOINT_KEY_ID} == {45, 60}


def test_a_handover_signed_only_by_the_new_key_is_refused() -> None:
    old, new = Signer(), Signer()
    export = rotated_export(old, new)
    leaves = leaves_of(export)
    export.notes[1] = handover([new], 30, mth(leaves[:30]), new)
    report = verify_export(export.lines(), parse_public_key(old.vkey))
    assert {f.tree_size for f in report.findings if f.kind is Kind.CHECKPOINT_KEY_ID} == {
        30,
        45,
        60,
    }


def test_the_retired_key_is_refused_after_its_handover() -> None:
    old, new = Signer(), Signer()
    export = rotated_export(old, new)
    leaves = leaves_of(export)
    export.notes[2] = old.checkpoint(45, mth(leaves[:45]))
    report = verify_export(export.lines(), parse_public_key(old.vkey))
    assert [(f.kind, f.tree_size) for f in report.findings] == [(Kind.CHECKPOINT_KEY_ID, 45)]


def test_a_bundle_signed_by_its_last_handover_verifies(tmp_path: Path) -> None:
    """Made right after a rotation: the bundle's checkpoint is the handover itself."""
    old, new = Signer(), Signer()
    export = build_export(old, 30, ())
    leaves = leaves_of(export)
    bundle = build_bundle(new, export, [7])
    bundle.manifest["checkpoint"] = handover([old, new], 30, mth(leaves), new)
    bundle.manifest["key_handovers"] = [bundle.manifest["checkpoint"]]
    path = bundle.write(tmp_path / "b.zip")
    report = verify_bundle(path, parse_public_key(old.vkey))
    assert report.ok, [f.describe() for f in report.findings]
