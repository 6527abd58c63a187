"""The audit log: append, verify and proofs, each beside a baseline measured in the same run.

    .venv/bin/python bench/audit.py [--appends 3000] [--verify 200000] [--entries 1000000]

1. Append: entries through storage.audit_append.append_entry (canonical JSON, chain hash, leaf hash,
   subtree cache), one transaction each, against a raw INSERT of the same rows into an
   identical table, one transaction each, on the same SQLite file. Goal >= 0.5.
2. Verify: the offline verifier over an export of --verify entries against raw SHA-256 over
   the same bytes.
3. Proofs at --entries entries (default 1,000,000, bulk-loaded): inclusion and consistency
   proof sizes and the time to produce them from the database, each checked against the root.

Ends with `name: value` lines, the append ratio last as `ratio: X`.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from auditverify.export import verify_export
from auditverify.note import parse_public_key
from domain import merkle
from domain.canonical import canonical_json
from storage.audit import CACHED_LEVELS, GENESIS, entry_body, perfect_hash
from storage.audit_append import append_entry
from storage.audit_export import write_export
from storage.audit_keys import load_or_create_signer
from storage.audit_tree import AuditTree
from storage.checkpoints import Checkpointer
from storage.db import Database
from storage.migrate import upgrade
from storage.tables import AuditEntry, AuditNode
from storage.unit_of_work import unit_of_work

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def fresh_db(root: Path, name: str) -> Database:
    url = f"sqlite:///{root / name}"
    upgrade(url)
    return Database(url)


def event(n: int) -> dict[str, Any]:
    return {
        "command_id": f"cmd-{n}",
        "at": T0 + timedelta(seconds=n),
        "actor_id": f"user-{n % 97}",
        "action": "kpi.approved",
        "subject_type": "agreement",
        "subject_id": f"fy2569-{n % 77}",
        "facts": {"kpi": "1.1", "score": "4.25", "round": 1, "note": "ผ่านเกณฑ์ที่กำหนด"},
    }


def rows(count: int, start: int = 1) -> Iterator[dict[str, Any]]:
    """Finished rows as append_entry would write them, chain and leaf hashes included."""
    prev = GENESIS
    for seq in range(start, start + count):
        fields = event(seq)
        data = canonical_json(entry_body(seq=seq, **fields))
        digest = hashlib.sha256(prev.encode("ascii") + data).hexdigest()
        yield {
            **fields,
            "seq": seq,
            "prev_hash": prev,
            "entry_hash": digest,
            "leaf_hash": hashlib.sha256(b"\x00" + data).hexdigest(),
        }
        prev = digest


def bench_append(root: Path, count: int) -> tuple[float, float]:
    db = fresh_db(root, "append.db")
    with unit_of_work(db) as session:
        session.connection().exec_driver_sql(
            "CREATE TABLE raw_entry AS SELECT * FROM audit_entry WHERE 0"
        )
    prepared = list(rows(count))
    start = time.perf_counter()
    for row in prepared:
        with unit_of_work(db) as session:
            session.execute(text(_RAW_INSERT), {**row, "facts": canonical_json(row["facts"])})
    raw = count / (time.perf_counter() - start)
    start = time.perf_counter()
    for n in range(1, count + 1):
        with unit_of_work(db) as session:
            append_entry(session, **event(n))
    ours = count / (time.perf_counter() - start)
    db.dispose()
    return ours, raw


_RAW_INSERT = (
    "INSERT INTO raw_entry (seq, command_id, at, actor_id, action, subject_type, subject_id,"
    " facts, prev_hash, entry_hash, leaf_hash) VALUES (:seq, :command_id, :at, :actor_id,"
    " :action, :subject_type, :subject_id, :facts, :prev_hash, :entry_hash, :leaf_hash)"
)


def bulk_load(db: Database, count: int) -> None:
    """Load `count` entries fast, then the cached subtree hashes, as appends would leave them."""
    batch: list[dict[str, Any]] = []
    with unit_of_work(db) as session:
        for row in rows(count):
            batch.append(row)
            if len(batch) == 20_000:
                session.execute(insert(AuditEntry), batch)
                batch = []
        if batch:
            session.execute(insert(AuditEntry), batch)
        for level in CACHED_LEVELS:
            for idx in range(count >> level):
                node = perfect_hash(session, level, idx).hex()
                session.add(AuditNode(level=level, idx=idx, hash=node))
            session.flush()


def bench_verify(root: Path, count: int) -> tuple[float, float, int]:
    db = fresh_db(root, "verify.db")
    bulk_load(db, count)
    signer = load_or_create_signer(root / "audit.pem", "rabrong.bench/audit")
    Checkpointer(db, signer, None, every=0).checkpoint(datetime.now(UTC))
    out = io.BytesIO()
    with db.reader() as session:
        write_export(session, out, origin=signer.name)
    data = out.getvalue()
    db.dispose()
    start = time.perf_counter()
    report = verify_export(data.decode("utf-8").splitlines(), parse_public_key(signer.verifier_key))
    ours = len(data) / (time.perf_counter() - start)
    assert report.ok, report.findings[:3]
    start = time.perf_counter()
    hashlib.sha256(data).digest()
    raw = len(data) / (time.perf_counter() - start)
    return ours, raw, len(data)


def bench_proofs(root: Path, count: int, samples: int) -> dict[str, float]:
    db = fresh_db(root, "proofs.db")
    start = time.perf_counter()
    bulk_load(db, count)
    loaded = time.perf_counter() - start
    pick = random.Random(9162)
    inclusion_ms: list[float] = []
    consistency_ms: list[float] = []
    inclusion_size = consistency_size = 0
    with db.reader() as session:
        tree = AuditTree(session)
        root_hash = tree.root(count)
        for _ in range(samples):
            index = pick.randrange(count)
            start = time.perf_counter()
            proof = tree.inclusion_proof(index, count)
            leaf = tree.subtree(index, index + 1)
            inclusion_ms.append((time.perf_counter() - start) * 1000)
            merkle.verify_inclusion(leaf, index, count, proof, root_hash)
            inclusion_size = max(inclusion_size, 32 * len(proof))
            old = pick.randrange(1, count)
            start = time.perf_counter()
            proof = tree.consistency_proof(old, count)
            old_root = tree.root(old)
            consistency_ms.append((time.perf_counter() - start) * 1000)
            merkle.verify_consistency(old, count, old_root, root_hash, proof)
            consistency_size = max(consistency_size, 32 * len(proof))
    db.dispose()
    return {
        "proof_entries": count,
        "proof_load_s": round(loaded, 1),
        "inclusion_proof_bytes_max": inclusion_size,
        "inclusion_proof_ms_p50": round(statistics.median(inclusion_ms), 2),
        "inclusion_proof_ms_p95": round(_p95(inclusion_ms), 2),
        "consistency_proof_bytes_max": consistency_size,
        "consistency_proof_ms_p50": round(statistics.median(consistency_ms), 2),
        "consistency_proof_ms_p95": round(_p95(consistency_ms), 2),
    }


def _p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--appends", type=int, default=3000)
    parser.add_argument("--verify", type=int, default=200_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rabrong-bench-audit-") as tmp:
        root = Path(tmp)
        proofs = bench_proofs(root, args.entries, args.samples)
        verify_ours, verify_raw, export_bytes = bench_verify(root, args.verify)
        append_ours, append_raw = bench_append(root, args.appends)
    for name, value in proofs.items():
        print(f"{name}: {value}")
    print(f"verify_entries: {args.verify}")
    print(f"verify_export_mb: {export_bytes / 1e6:.1f}")
    print(f"verify_mb_per_s: {verify_ours / 1e6:.1f}")
    print(f"raw_sha256_mb_per_s: {verify_raw / 1e6:.1f}")
    print(f"verify_ratio: {verify_ours / verify_raw:.4f}")
    print(f"append_per_s: {append_ours:.0f}")
    print(f"raw_insert_per_s: {append_raw:.0f}")
    print(f"ratio: {append_ours / append_raw:.3f}")


if __name__ == "__main__":
    main()
