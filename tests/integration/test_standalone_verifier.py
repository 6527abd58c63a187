"""The auditors' verifier on its own: `make verifier` builds a zipapp of auditverify, and a
Python whose only third-party package is `cryptography` (with what it needs itself: cffi,
pycparser), run isolated (`-I`), verifies an export and a bundle and refuses a tampered one."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

from tests.support.auditbuild import Signer, build_bundle, build_export

ROOT = Path(__file__).resolve().parents[2]
CRYPTOGRAPHY_AND_ITS_NEEDS = ("cryptography", "cffi", "pycparser")


def bare_python(folder: Path) -> Path:
    """A virtual environment without pip, holding links to cryptography's files only."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120
    )
    python = folder / "bin" / "python"
    site = subprocess.run(
        [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    for name in CRYPTOGRAPHY_AND_ITS_NEEDS:
        dist = importlib.metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or []} - {".."}
        for top in sorted(tops):
            source = Path(str(dist.locate_file(top)))
            if source.exists():
                (Path(site) / top).symlink_to(source)
    return python


def test_the_zipapp_runs_on_a_python_with_only_cryptography(tmp_path: Path) -> None:
    app = tmp_path / "auditverify.pyz"
    built = subprocess.run(
        ["make", "-s", "verifier", f"VERIFIER={app}", f"VERIFIER_BUILD={tmp_path / 'build'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    python = bare_python(tmp_path / "bare")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(python), "-I", *args], capture_output=True, text=True, timeout=120, check=False
        )

    # Isolated indeed: nothing of the server nor of the project's other dependencies.
    for module in ("rabrong", "storage", "domain", "sqlmodel", "pydantic", "auditverify"):
        assert run("-c", f"import {module}").returncode != 0, module
    found = run("-c", "import cryptography; print(cryptography.__file__)")
    assert found.returncode == 0 and found.stdout.startswith(str(tmp_path / "bare")), found

    signer = Signer()
    key = tmp_path / "rabrong.vkey"
    key.write_text(signer.vkey + "\n", encoding="utf-8")
    export = build_export(signer)
    good_export = export.write(tmp_path / "log.jsonl")
    bundle = build_bundle(signer, export, [3, 17, 40]).write(tmp_path / "bundle.zip")
    for path in (good_export, bundle):
        done = run(str(app), "verify", str(path), "--public-key", str(key), "--json")
        assert done.returncode == 0, (path, done.stdout[-2000:], done.stderr[-2000:])
        assert json.loads(done.stdout)["ok"] is True

    body = export.entries[16]["body"]
    assert isinstance(body, dict)
    body["actor_id"] = "someone-else"
    tampered = export.write(tmp_path / "tampered.jsonl")
    refused = run(str(app), "verify", str(tampered), "--public-key", str(key))
    assert refused.returncode == 1
    assert refused.stdout.startswith("FAILED: first bad entry position 17, seq 17")
