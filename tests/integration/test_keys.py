"""Keys never appear by accident: `rabrong keys init` makes them; in production every command
that needs one refuses, naming the path, and creates nothing. Run as an operator would: the
command line in an empty directory, where the default var dir (`var`) is relative."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PRODUCTION = {
    "RABRONG_ENVIRONMENT": "production",
    # Production refuses to start without these; nothing listens there, and nothing may be
    # contacted before the keys are found.
    "RABRONG_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/nothing",
    "RABRONG_S3_ACCESS_KEY": "unused",
    "RABRONG_S3_SECRET_KEY": "unused-secret",
}


def rabrong(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RABRONG_")}
    return subprocess.run(
        [sys.executable, "-m", "rabrong.cli", *args],
        cwd=cwd,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def files_under(root: Path) -> list[Path]:
    return sorted(path.relative_to(root) for path in root.rglob("*"))


def test_in_production_commands_that_need_a_key_refuse_and_create_nothing(
    tmp_path: Path,
) -> None:
    audit_key = tmp_path / "var" / "keys" / "audit-ed25519.pem"
    for command in (("audit", "public-key"), ("audit", "checkpoint"), ("api",), ("worker",)):
        done = rabrong(tmp_path, *command, **PRODUCTION)
        assert done.returncode != 0, command
        assert str(audit_key) in done.stderr, (command, done.stderr[-2000:])
        assert "rabrong keys init" in done.stderr
        assert files_under(tmp_path) == [], command


def test_keys_init_makes_the_keys_once_and_the_api_refuses_without_the_session_key(
    tmp_path: Path,
) -> None:
    made = rabrong(tmp_path, "keys", "init", **PRODUCTION)
    assert made.returncode == 0, made.stderr[-2000:]
    keys = tmp_path / "var" / "keys"
    audit_key, session_key = keys / "audit-ed25519.pem", keys / "session-hs256.key"
    assert audit_key.stat().st_mode & 0o777 == 0o600
    assert session_key.stat().st_mode & 0o777 == 0o600
    shown = rabrong(tmp_path, "audit", "public-key", **PRODUCTION)
    assert shown.returncode == 0, shown.stderr[-2000:]
    verifier_key = shown.stdout.splitlines()[0]
    # Announced with its fingerprint, the verifier key an auditor is given.
    assert "created audit signing key" in made.stdout and verifier_key in made.stdout
    assert "NEW KEY CREATED" in made.stdout

    again = rabrong(tmp_path, "keys", "init", **PRODUCTION)
    assert again.returncode == 0
    assert "created" not in again.stdout and verifier_key in again.stdout
    assert rabrong(tmp_path, "audit", "public-key", **PRODUCTION).stdout == shown.stdout

    session_key.unlink()
    before = files_under(tmp_path)
    refused = rabrong(tmp_path, "api", **PRODUCTION)
    assert refused.returncode != 0
    assert str(session_key) in refused.stderr, refused.stderr[-2000:]
    assert files_under(tmp_path) == before


def test_in_development_a_missing_key_is_made_and_announced_loudly(tmp_path: Path) -> None:
    shown = rabrong(tmp_path, "audit", "public-key", RABRONG_ENVIRONMENT="development")
    assert shown.returncode == 0, shown.stderr[-2000:]
    audit_key = tmp_path / "var" / "keys" / "audit-ed25519.pem"
    assert audit_key.exists()
    announced = [line for line in shown.stdout.splitlines() if "NEW KEY CREATED" in line]
    assert len(announced) == 1 and str(audit_key) in announced[0]
    verifier_key = next(line for line in shown.stdout.splitlines() if line.startswith("rabrong"))
    assert verifier_key in announced[0]
