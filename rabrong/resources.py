"""Building the real clients from settings: database, evidence store, Temporal."""

from __future__ import annotations

from temporalio.client import Client

from rabrong.keys import audit_signer
from rabrong.settings import Settings
from storage.checkpoints import Checkpointer
from storage.db import Database
from storage.evidence_store import EvidenceStore
from workflows.converter import DATA_CONVERTER


def database(settings: Settings) -> Database:
    return Database(settings.db_url)


def evidence_store(settings: Settings) -> EvidenceStore:
    access_key, secret_key = settings.s3_keys()
    return EvidenceStore(
        endpoint=settings.s3_endpoint,
        access_key=access_key,
        secret_key=secret_key,
        bucket=settings.s3_bucket,
        secure=settings.s3_secure,
        region=settings.s3_region,
        retention_days=settings.evidence_retention_days,
    )


def checkpointer(settings: Settings, db: Database, store: EvidenceStore | None) -> Checkpointer:
    return Checkpointer(db, audit_signer(settings), store, every=settings.audit_checkpoint_every)


async def temporal_client(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
    )
