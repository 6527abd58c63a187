"""Evidence upload throughput and the API's memory, against a raw S3 PUT in the same run.

    .venv/bin/python bench/evidence.py [--reps 3]

Starts the whole product the way `make up` does (`rabrong up --demo`: Temporal dev server,
SeaweedFS, worker and API as separate processes) in a temporary directory on free loopback
ports. Then, for files of 1 MiB, 16 MiB and 256 MiB (fresh random bytes each time, so nothing
is deduplicated), it times three ways in turn:
  - raw:     minio `put_object` of the file into the same bucket, with the same part size;
  - spooled: POST of the file as a raw body to the API, which spools and hashes it, then stores
             it under its content address and attaches it through the workflow;
  - ours:    the same POST with the file's SHA-256 sent ahead (RFC 9530 Repr-Digest, computed
             by the client before the clock starts), so the API streams the body to S3 as it
             arrives, part by part, checking the hash on the way and completing the upload
             only if it matches (the path documented for large files).
Every POST carries the file's Content-Length, as browsers and curl send a file.
Last, one 1 GiB upload each way while /proc/<api pid>/status is sampled for the API's resident
memory. Ends with `name: value` lines: per-size and overall ratios against raw, the peak RSS
(goal < 150 MiB), and last the overall throughput ratio of `ours` (goal >= 0.8).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

from examples.walkthrough import Walkthrough
from rabrong.embedded import WEED_PORTS, free_port, free_port_block
from rabrong.resources import evidence_store
from rabrong.settings import Settings
from storage.evidence_store import PART_SIZE, EvidenceStore

MIB = 1024 * 1024
# raw: minio put_object; spooled: the API without a digest; ours: the API with Repr-Digest.
WAYS = ("raw", "spooled", "ours")
SIZES_MIB = (1, 16, 256)
BIG_MIB = 1024


def start_product(var_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    env = {
        **os.environ,
        "RABRONG_VAR_DIR": str(var_dir),
        "RABRONG_API_PORT": str(free_port()),
        "RABRONG_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "RABRONG_TEMPORAL_UI_PORT": str(free_port()),
        "RABRONG_S3_ENDPOINT": f"127.0.0.1:{free_port()}",
        "RABRONG_S3_INTERNAL_PORT_BASE": str(free_port_block(len(WEED_PORTS) + 1)),
        "RABRONG_EVIDENCE_MAX_BYTES": str(2 * BIG_MIB * MIB),
        "RABRONG_LOG_LEVEL": "info",
    }
    up = subprocess.Popen(
        [sys.executable, "-m", "rabrong.cli", "up", "--demo"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(var_dir / "up.log").open("wb"),
        start_new_session=True,
    )
    run_file = var_dir / "run" / "up.json"
    deadline = time.monotonic() + 240
    while not run_file.exists():
        if up.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"rabrong up failed: {(var_dir / 'up.log').read_text()[-3000:]}")
        time.sleep(0.5)
    return up, env


def stop_product(up: subprocess.Popen[bytes]) -> None:
    os.killpg(up.pid, signal.SIGINT)
    try:
        up.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(up.pid, signal.SIGKILL)
        up.wait()


def make_file(directory: Path, size_mib: int) -> Path:
    path = directory / f"evidence-{uuid.uuid4().hex}.pdf"
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        for _ in range(size_mib):
            out.write(os.urandom(MIB))
    return path


def read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(MIB):
            yield chunk


def digest_of(path: Path) -> str:
    """What a client computes before sending (RFC 9530 Repr-Digest); not part of the timing."""
    digest = hashlib.sha256()
    for chunk in read_chunks(path):
        digest.update(chunk)
    return f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"


def upload_api(
    http: httpx.Client, url: str, headers: dict[str, str], path: Path, *, ahead: bool
) -> float:
    """`ahead`: the digest goes first, so the API streams the body straight to S3."""
    if ahead:
        headers = {**headers, "Repr-Digest": digest_of(path)}
    started = time.perf_counter()
    with path.open("rb") as source:  # sent with its Content-Length, as browsers and curl do
        response = http.post(url, content=source, headers=headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise SystemExit(f"upload refused: {response.status_code} {response.text[:500]}")
    return elapsed


def upload_raw(store: EvidenceStore, path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as source:
        store.client.put_object(
            store.bucket,
            f"bench/raw-{uuid.uuid4().hex}",
            source,
            path.stat().st_size,
            content_type="application/pdf",
            part_size=PART_SIZE,
        )
    return time.perf_counter() - started


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss_mib(self.pid))
            time.sleep(0.02)


def main(reps: int) -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="rabrong-bench-evidence-"))
    files_dir = var_dir / "files"
    files_dir.mkdir()
    up, env = start_product(var_dir)
    try:
        os.environ.update({k: v for k, v in env.items() if k.startswith("RABRONG_")})
        settings = Settings()
        store = evidence_store(settings)
        api_pid = json.loads((var_dir / "run" / "up.json").read_text())["children"]["api"]
        password = (var_dir / "demo-password").read_text().strip()
        walk = Walkthrough(settings.api_url, password, lambda _: None)
        base, number = walk.start(f"bench-{uuid.uuid4().hex[:6]}")
        url = f"{settings.api_url}{base}/rounds/{number}/kpis/2/evidence?name=bench.pdf"
        headers = {**walk.login("skw.staff"), "Content-Type": "application/pdf"}
        http = httpx.Client(timeout=600)
        rss_idle = rss_mib(api_pid)
        for ahead in (False, True):  # warm every path once
            upload_api(http, url, headers, make_file(files_dir, 1), ahead=ahead)
        upload_raw(store, make_file(files_dir, 1))

        times: dict[str, dict[int, list[float]]] = {way: {} for way in WAYS}
        for size in SIZES_MIB:
            for _ in range(reps):
                for way in WAYS:
                    path = make_file(files_dir, size)
                    if way == "raw":
                        took = upload_raw(store, path)
                    else:
                        took = upload_api(http, url, headers, path, ahead=way == "ours")
                    times[way].setdefault(size, []).append(took)
                    path.unlink()

        peaks = {}
        for way in ("spooled", "ours"):
            big = make_file(files_dir, BIG_MIB)
            sampler = RssSampler(api_pid)
            sampler.start()
            upload_api(http, url, headers, big, ahead=way == "ours")
            sampler.done.set()
            sampler.join()
            big.unlink()
            peaks[way] = sampler.peak

        lines: list[tuple[str, str]] = [("uploads_per_size", str(reps))]
        total = dict.fromkeys(WAYS, 0.0)
        moved = 0.0
        for size in SIZES_MIB:
            for way in WAYS:
                median = statistics.median(times[way][size])
                lines.append((f"{way}_{size}mib_mib_per_s", f"{size / median:.1f}"))
                total[way] += sum(times[way][size])
            moved += size * reps
            raw = statistics.median(times["raw"][size])
            for way in ("spooled", "ours"):
                ratio = raw / statistics.median(times[way][size])
                lines.append((f"ratio_{way}_{size}mib", f"{ratio:.3f}"))
        lines += [(f"{way}_mib_per_s", f"{moved / total[way]:.1f}") for way in WAYS]
        lines += [
            ("ratio_spooled", f"{total['raw'] / total['spooled']:.3f}"),
            ("api_rss_idle_mib", f"{rss_idle:.1f}"),
            ("api_rss_peak_1gib_spooled_mib", f"{peaks['spooled']:.1f}"),
            ("api_rss_peak_1gib_mib", f"{peaks['ours']:.1f}"),
            ("ratio", f"{total['raw'] / total['ours']:.3f}"),
        ]
        sys.stdout.write("".join(f"{name}: {value}\n" for name, value in lines))
    finally:
        stop_product(up)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3, help="uploads per size and way")
    main(parser.parse_args().reps)
