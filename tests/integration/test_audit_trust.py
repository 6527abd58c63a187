"""An auditor who already holds something: the key got out of band, and the latest checkpoint
they kept. The server rotates its key (`rabrong keys rotate`); exports and bundles made after
it verify from the first key and extend the kept checkpoint; a cut-back export and a key
nothing vouches for are refused. Subprocesses, the real database and SeaweedFS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from storage.db import Database
from tests.integration.test_vault_check import store_of, two_uploads
from tests.support.http import AUDIT_ORIGIN, Api
from tests.support.servers import S3Server


class Operator:
    """Runs `rabrong ...` against the test's database, bucket and server var dir."""

    def __init__(self, db: Database, api: Api, s3: S3Server, var_dir: Path) -> None:
        self.env = {
            **os.environ,
            "RABRONG_DATABASE_URL": str(db.engine.url),
            "RABRONG_S3_ENDPOINT": s3.endpoint,
            "RABRONG_S3_ACCESS_KEY": s3.access_key,
            "RABRONG_S3_SECRET_KEY": s3.secret_key,
            "RABRONG_S3_BUCKET": store_of(api).bucket,
            "RABRONG_VAR_DIR": str(var_dir),
            "RABRONG_AUDIT_ORIGIN": AUDIT_ORIGIN,
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rabrong.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout


def last_checkpoint(export: Path) -> str:
    lines = [json.loads(line) for line in export.read_text(encoding="utf-8").split("\n") if line]
    note = [line["note"] for line in lines if line["type"] == "checkpoint"][-1]
    assert isinstance(note, str)
    return note


def tree_size(note: str) -> int:
    return int(note.split("\n")[1])


async def test_a_rotated_key_and_a_kept_checkpoint(
    vault: Api, own_database: Database, s3_server: S3Server, tmp_path: Path
) -> None:
    operator = Operator(own_database, vault, s3_server, tmp_path / "server")
    uploads = await two_uploads(vault)
    auditor = tmp_path / "auditor"
    auditor.mkdir()
    operator.ok("keys", "init")
    first_key = auditor / "first.vkey"
    operator.ok("audit", "public-key", "--out", str(first_key))

    before = auditor / "before.jsonl"
    operator.ok("audit", "export", "--out", str(before))
    kept = auditor / "kept.note"
    kept.write_text(last_checkpoint(before), encoding="utf-8")

    rotated = operator.ok("keys", "rotate")
    assert "audit key rotated" in rotated
    retired = list((tmp_path / "server" / "keys").glob("audit-ed25519.pem.retired-*"))
    assert len(retired) == 1
    new_key = auditor / "new.vkey"
    operator.ok("audit", "public-key", "--out", str(new_key))
    assert new_key.read_text() != first_key.read_text()

    # More history, signed by the new key only.
    read = await vault.get("auditor", f"/v1/evidence/{uploads[0]['evidence_id']}/content")
    assert read.status_code == 200
    after = auditor / "after.jsonl"
    operator.ok("audit", "export", "--out", str(after))
    notes = [
        json.loads(line)["note"]
        for line in after.read_text(encoding="utf-8").split("\n")
        if line and json.loads(line)["type"] == "checkpoint"
    ]
    handover = [n for n in notes if "\nNew-Key: " in n]
    assert len(handover) == 1 and handover[0].count("\n\u2014 ") == 2  # signed by both keys
    assert tree_size(notes[-1]) > tree_size(handover[0]) > tree_size(kept.read_text())

    def verify(path: Path, key: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return operator.run("audit", "verify", str(path), "--public-key", str(key), *extra)

    # The whole log verifies from the first key, through the handover, and extends the kept
    # checkpoint; the rotation itself is an entry of the log.
    trusted = ("--trusted-checkpoint", str(kept))
    done = verify(after, first_key, *trusted, "--json")
    assert done.returncode == 0, done.stdout[-3000:]
    actions = [
        json.loads(line)["body"]["action"]
        for line in after.read_text(encoding="utf-8").split("\n")
        if line and json.loads(line)["type"] == "entry"
    ]
    assert "audit.key_rotated" in actions

    # A bundle made after the rotation: the handover in its manifest, a consistency proof
    # from the kept checkpoint on request.
    agreement = uploads[0]["agreement_id"]
    bundle = auditor / "bundle.zip"
    since = str(tree_size(kept.read_text()))
    operator.ok(
        "audit", "bundle", "--agreement", agreement, "--out", str(bundle),
        "--consistency-from", since,
    )  # fmt: skip
    assert verify(bundle, first_key, *trusted).returncode == 0
    plain = auditor / "plain.zip"
    operator.ok("audit", "bundle", "--agreement", agreement, "--out", str(plain))
    refused = verify(plain, first_key, *trusted)
    assert refused.returncode == 1 and f"--consistency-from {since}" in refused.stdout

    # What the auditor kept now is the latest checkpoint; the older export, cut back to an
    # older checkpoint, verifies on its own but not against it.
    latest = auditor / "latest.note"
    latest.write_text(notes[-1], encoding="utf-8")
    assert verify(before, first_key).returncode == 0
    cut_back = verify(before, first_key, "--trusted-checkpoint", str(latest))
    assert cut_back.returncode == 1
    assert "does not extend what you already trust" in cut_back.stdout

    # Without the handover nothing vouches for the new key: its checkpoints are refused.
    unvouched = auditor / "unvouched.jsonl"
    unvouched.write_text(
        "".join(
            f"{line}\n"
            for line in after.read_text(encoding="utf-8").split("\n")
            if line and "New-Key: " not in line
        ),
        encoding="utf-8",
    )
    refused = verify(unvouched, first_key, "--json")
    assert refused.returncode == 1
    report = json.loads(refused.stdout)
    kinds = {finding["kind"] for finding in report["findings"]}
    assert {"checkpoint_key_id", "unsigned_tail"} <= kinds

    # The retired key cannot sign any more: the server refuses rather than write a checkpoint
    # every verifier would refuse.
    key_file = tmp_path / "server" / "keys" / "audit-ed25519.pem"
    key_file.write_bytes(retired[0].read_bytes())
    await vault.get("auditor", f"/v1/evidence/{uploads[1]['evidence_id']}/content")
    stale = operator.run("audit", "checkpoint")
    assert stale.returncode == 2 and "was handed over" in stale.stderr
    assert "Traceback" not in stale.stderr
