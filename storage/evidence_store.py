"""Evidence objects on S3 (SeaweedFS here, MinIO or any S3 with object lock in production).

Objects live under their content address, in a bucket with versioning and a COMPLIANCE
object-lock default, so nothing stored can be altered or deleted before its retention ends.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error
from minio.objectlockconfig import DAYS, ObjectLockConfig

PART_SIZE = 8 * 1024 * 1024
_CHUNK = 1024 * 1024


class StorageUnavailable(Exception):
    """The object store did not answer; the caller must not record anything."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    version_id: str | None
    deduplicated: bool


class EvidenceStore:
    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str = "us-east-1",
        retention_days: int = 3650,
    ) -> None:
        self.bucket = bucket
        self.retention_days = retention_days
        # No retries and short timeouts: a store that is down must surface as a 503 in seconds.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=3, read=60), retries=urllib3.Retry(total=0)
        )
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http,
        )

    def ensure_bucket(self) -> None:
        """Create the bucket with versioning and object lock, and set the compliance default."""
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket, object_lock=True)
            self.client.set_object_lock_config(
                self.bucket, ObjectLockConfig(COMPLIANCE, self.retention_days, DAYS)
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc

    def ping(self) -> None:
        try:
            self.client.bucket_exists(self.bucket)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc

    def put_file(self, source: BinaryIO, *, media_type: str) -> StoredObject:
        """Store a seekable file under its SHA-256; content stored before is referenced again."""
        digest, size = _hash_stream(source)
        key = content_key(digest)
        try:
            existing = self._stat(key)
            if existing is not None:
                return StoredObject(key, digest, size, existing, deduplicated=True)
            source.seek(0)
            written = self.client.put_object(
                self.bucket, key, source, size, content_type=media_type, part_size=PART_SIZE
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        return StoredObject(key, digest, size, written.version_id, deduplicated=False)

    def _stat(self, key: str) -> str | None:
        try:
            stat = self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return None
            raise
        return str(stat.version_id) if stat.version_id else ""

    def read(self, key: str) -> bytes:
        response = self.client.get_object(self.bucket, key)
        try:
            return bytes(response.read())
        finally:
            response.close()
            response.release_conn()


def content_key(sha256_hex: str) -> str:
    return f"sha256/{sha256_hex[:2]}/{sha256_hex}"


def _hash_stream(source: BinaryIO) -> tuple[str, int]:
    source.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
