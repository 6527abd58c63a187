"""`rabrong audit export|bundle|public-key|verify` as an auditor runs them: subprocesses, the
real database and SeaweedFS, and a verifier that is given nothing but the files and the key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from domain.thai import ce_year
from storage.db import Database
from tests.integration.test_vault_check import store_of, two_uploads
from tests.support.http import AUDIT_ORIGIN, DEMO_ID, FY, Api, parties
from tests.support.servers import S3Server


def rabrong(
    *args: str, db: Database, api: Api, s3: S3Server, var_dir: Path
) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "RABRONG_DATABASE_URL": str(db.engine.url),
        "RABRONG_S3_ENDPOINT": s3.endpoint,
        "RABRONG_S3_ACCESS_KEY": s3.access_key,
        "RABRONG_S3_SECRET_KEY": s3.secret_key,
        "RABRONG_S3_BUCKET": store_of(api).bucket,
        "RABRONG_VAR_DIR": str(var_dir),
        "RABRONG_AUDIT_ORIGIN": AUDIT_ORIGIN,
    }
    return subprocess.run(
        [sys.executable, "-m", "rabrong.cli", "audit", *args],
        env=env,
        capture_output=True,
        timeout=120,
    )


async def test_an_auditor_exports_bundles_and_verifies_without_the_server(
    vault: Api, own_database: Database, s3_server: S3Server, tmp_path: Path
) -> None:
    uploads = await two_uploads(vault)
    agreement_id = uploads[0]["agreement_id"]
    read = await vault.get("auditor", f"/v1/evidence/{uploads[0]['evidence_id']}/content")
    assert read.status_code == 200
    server = tmp_path / "server"

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return rabrong(*args, db=own_database, api=vault, s3=s3_server, var_dir=server)

    key = tmp_path / "auditor" / "rabrong.vkey"
    key.parent.mkdir()
    written = run("public-key", "--out", str(key))
    assert written.returncode == 0, written.stderr.decode()[-2000:]
    assert (server / "keys" / "audit-ed25519.pem").stat().st_mode & 0o777 == 0o600
    # What the command prints (both forms), saved as it is, is a key file too.
    shown = run("public-key")
    assert shown.returncode == 0, shown.stderr.decode()[-2000:]
    assert shown.stdout.decode().splitlines()[0] == key.read_text().strip()
    printed = tmp_path / "auditor" / "printed.txt"
    printed.write_bytes(shown.stdout)

    export = tmp_path / "auditor" / "log.jsonl"
    done = run("export", "--out", str(export))
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    actions = [json.loads(line)["body"]["action"] for line in export.read_text().splitlines()[1:-1]]
    assert "evidence.read" in actions and "agreement.created" in actions

    checked = run("verify", str(export), "--public-key", str(key), "--json")
    assert checked.returncode == 0, checked.stdout.decode()[-2000:]
    assert json.loads(checked.stdout)["ok"] is True
    assert run("verify", str(export), "--public-key", str(printed)).returncode == 0

    bundle = tmp_path / "auditor" / f"{agreement_id}.zip"
    done = run("bundle", "--agreement", agreement_id, "--out", str(bundle))
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        lines = archive.read("entries.jsonl").decode().splitlines()
    assert {f"evidence/{u['sha256']}" for u in uploads} <= names
    assert {json.loads(line)["body"]["action"] for line in lines} >= {"evidence.read"}
    assert run("verify", str(bundle), "--public-key", str(key)).returncode == 0

    forged = tmp_path / "auditor" / "forged.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(forged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == f"evidence/{uploads[1]['sha256']}":
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.writestr(item, data)
    refused = run("verify", str(forged), "--public-key", str(key))
    assert refused.returncode == 1
    assert uploads[1]["sha256"] in refused.stdout.decode()

    trimmed = tmp_path / "auditor" / "trimmed.zip"
    without_evidence(bundle, trimmed, uploads[0]["sha256"])
    missing = run("verify", str(trimmed), "--public-key", str(key))
    assert missing.returncode == 1
    assert uploads[0]["sha256"] in missing.stdout.decode()


async def test_a_bundle_holds_a_units_agreements_of_one_fiscal_year(
    vault: Api, own_database: Database, s3_server: S3Server, tmp_path: Path
) -> None:
    """--unit takes the unit's agreements and those of the units below it; --year is the
    fiscal year in Buddhist era (Thai digits too) or Common era."""
    uploads = await two_uploads(vault)
    chiang_mai = uploads[0]["agreement_id"]
    sa_kaeo = f"skw-{chiang_mai}"
    body = {"agreement_id": sa_kaeo, "definition_id": DEMO_ID, "parties": parties("skw")}
    await vault.ok(vault.post("admin", "/v1/agreements", f"{sa_kaeo}-create", json=body), 201)
    server, auditor = tmp_path / "server", tmp_path / "auditor"
    auditor.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return rabrong(*args, db=own_database, api=vault, s3=s3_server, var_dir=server)

    key = auditor / "rabrong.vkey"
    assert run("public-key", "--out", str(key)).returncode == 0

    def bundle(unit: str, year: str) -> tuple[dict[str, Any], set[str]]:
        out = auditor / f"{unit}-{year}.zip"
        done = run("bundle", "--unit", unit, "--year", year, "--out", str(out))
        assert done.returncode == 0, done.stderr.decode()[-2000:] + done.stdout.decode()
        assert run("verify", str(out), "--public-key", str(key)).returncode == 0
        with zipfile.ZipFile(out) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            lines = archive.read("entries.jsonl").decode().splitlines()
        subjects = {json.loads(line)["body"]["subject_id"] for line in lines}
        return manifest, subjects

    province, subjects = bundle("cmi", str(FY))
    assert province["scope"]["fiscal_year_be"] == FY
    assert chiang_mai in province["scope"]["agreement_ids"]
    assert sa_kaeo not in province["scope"]["agreement_ids"] and sa_kaeo not in subjects
    assert chiang_mai in subjects
    assert {u["sha256"] for u in uploads} <= set(province["evidence"])

    thai_digits = str(FY).translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    department, subjects = bundle("ops", thai_digits)
    assert {chiang_mai, sa_kaeo} <= set(department["scope"]["agreement_ids"])
    assert {chiang_mai, sa_kaeo} <= subjects

    common_era, _ = bundle("ops", str(ce_year(FY)))
    assert common_era["scope"] == department["scope"]

    earlier, subjects = bundle("ops", str(FY - 1))
    assert chiang_mai not in earlier["scope"]["agreement_ids"] and chiang_mai not in subjects

    unknown = run("bundle", "--unit", "nowhere", "--year", str(FY), "--out", str(auditor / "x.zip"))
    assert unknown.returncode == 2 and b"nowhere" in unknown.stdout + unknown.stderr
    no_year = run("bundle", "--unit", "cmi", "--out", str(auditor / "y.zip"))
    assert no_year.returncode == 2 and b"--year" in no_year.stdout + no_year.stderr


def without_evidence(bundle: Path, out: Path, sha256: str) -> None:
    """Drop one evidence file and its manifest line: the manifest is unsigned, so only the
    proven evidence.attached entry can tell that the file is missing."""
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename == f"evidence/{sha256}":
                continue
            data = source.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                del manifest["evidence"][sha256]
                data = json.dumps(manifest).encode()
            target.writestr(item, data)
