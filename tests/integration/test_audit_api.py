"""The auditor's API over a real agreement's history: entries, timeline, proofs, checkpoints.

Proofs are checked with the offline verifier's own RFC 9162 code (auditverify.merkle), which
shares nothing with the server's, and with the server's domain.merkle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from auditverify import merkle as independent
from auditverify.note import parse_public_key, verify_note
from domain import merkle
from storage.checkpoints import Checkpointer, object_key
from storage.db import Database
from tests.support.http import Api, open_round, problem, running_api
from tests.support.servers import S3Server


async def test_an_auditor_follows_an_agreement_through_the_log_and_proves_it(
    sqlite_db: Database, s3_server: S3Server, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with running_api(sqlite_db, s3_server, temporal_dev, tmp_path, max_bytes=1024) as api:
        path = await open_round(api, "audit")
        agreement_id = path.split("/")[3]
        timeline = await api.ok(api.get("cmi.head", f"/v1/agreements/{agreement_id}/timeline"))
        actions = [e["body"]["action"] for e in timeline["data"]]
        assert actions[0] == "agreement.created" and "agreement.signed" in actions
        created = timeline["data"][0]["body"]
        assert created["actor_id"] == "u-admin" and created["request_id"]

        await _others_are_kept_out(api, agreement_id)
        services = api.services
        assert services is not None and services.audit_signer is not None
        checkpoint = Checkpointer(sqlite_db, services.audit_signer, services.store, every=0)
        signed = checkpoint.checkpoint(datetime.now(UTC))
        assert signed is not None
        assert services.store.exists(object_key(signed.tree_size))

        key = (await api.ok(api.http.get("/v1/audit/public-key")))["verifier_key"]
        latest = await api.ok(api.get("auditor", "/v1/audit/checkpoints/latest"))
        proven = verify_note(latest["note"], parse_public_key(key))
        assert proven.tree_size == signed.tree_size
        for entry in timeline["data"]:
            await _included(api, entry, proven.tree_size, proven.root)
        await _consistent(api, proven.tree_size, proven.root)


async def _others_are_kept_out(api: Api, agreement_id: str) -> None:
    outsider = await api.get("skw.head", f"/v1/agreements/{agreement_id}/timeline")
    problem(outsider, 404, "NotFound")
    problem(await api.get("cmi.head", "/v1/audit/entries"), 403, "NotAuthorized")
    listed = await api.ok(
        api.get("auditor", "/v1/audit/entries", params={"subject_id": agreement_id, "limit": 2})
    )
    assert len(listed["data"]) == 2 and listed["count"] > 2
    assert all(e["body"]["subject_id"] == agreement_id for e in listed["data"])
    beyond = await api.get(
        "auditor", "/v1/audit/proofs/inclusion", params={"index": 10**6, "tree_size": 1}
    )
    assert problem(beyond, 422, "ValidationFailed")["errors"][0]["field"] == "index"
    too_big = await api.get(
        "auditor", "/v1/audit/proofs/inclusion", params={"index": 0, "tree_size": 10**6}
    )
    assert problem(too_big, 422, "ValidationFailed")["errors"][0]["field"] == "tree_size"
    huge = await api.get("auditor", f"/v1/audit/entries/{2**70}")
    assert huge.status_code == 422
    backwards = await api.get(
        "auditor", "/v1/audit/proofs/consistency", params={"first": 3, "second": 2}
    )
    assert problem(backwards, 422, "ValidationFailed")["errors"][0]["field"] == "first"


async def _included(api: Api, entry: dict[str, object], size: int, root: bytes) -> None:
    answer = await api.ok(
        api.get(
            "auditor",
            "/v1/audit/proofs/inclusion",
            params={"index": entry["index"], "tree_size": size},
        )
    )
    proof = [bytes.fromhex(node) for node in answer["proof"]]
    leaf = bytes.fromhex(answer["leaf_hash"])
    assert answer["leaf_hash"] == entry["leaf_hash"]
    assert bytes.fromhex(answer["root_hash"]) == root
    assert independent.verify_inclusion(leaf, answer["index"], size, proof, root)
    merkle.verify_inclusion(leaf, answer["index"], size, proof, root)


async def _consistent(api: Api, size: int, root: bytes) -> None:
    for first in range(1, size + 1):
        answer = await api.ok(
            api.get(
                "auditor", "/v1/audit/proofs/consistency", params={"first": first, "second": size}
            )
        )
        proof = [bytes.fromhex(node) for node in answer["proof"]]
        first_root = bytes.fromhex(answer["first_root"])
        assert bytes.fromhex(answer["second_root"]) == root
        assert independent.verify_consistency(first, size, first_root, root, proof)
        merkle.verify_consistency(first, size, first_root, root, proof)
