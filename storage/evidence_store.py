"""Evidence objects on S3 (SeaweedFS here, MinIO or any S3 with object lock in production).

Objects live under their content address, in a bucket with versioning and a COMPLIANCE
object-lock default, so nothing stored can be altered or deleted before its retention ends.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO, cast

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error
from minio.objectlockconfig import DAYS, ObjectLockConfig

from storage.incoming import IncomingFile, PartFeed

PART_SIZE = 8 * 1024 * 1024
_CHUNK = 1024 * 1024
CONTENT_PREFIX = "sha256/"
MISSING = ("NoSuchKey", "NoSuchObject", "ResourceNotFound", "NoSuchVersion")


class StorageUnavailable(Exception):
    """The object store did not answer; the caller must not record anything."""


class Unreadable(Exception):
    """The store answered but could not return the object's bytes intact (or at all)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code

    @property
    def missing(self) -> bool:
        return self.code in MISSING


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    version_id: str | None
    retain_until: datetime | None
    deduplicated: bool


@dataclass(frozen=True)
class ObjectVersion:
    key: str
    version_id: str | None
    last_modified: datetime | None
    is_latest: bool


@dataclass(frozen=True)
class PendingUpload:
    """A multipart upload begun and never completed: invisible, but holding parts."""

    key: str
    upload_id: str
    initiated: datetime | None


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

    def put_small(self, key: str, data: bytes, *, media_type: str) -> str | None:
        """Store a small object (a signed checkpoint) under the bucket's lock; its version id."""
        try:
            result = self.client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), content_type=media_type
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        version: str | None = result.version_id
        return version

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in MISSING:
                return False
            raise
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        return True

    def put_incoming(self, incoming: IncomingFile, *, media_type: str) -> StoredObject:
        """Store a received upload under its SHA-256 unless that content is stored already."""
        return self._put(incoming.reader(), incoming.sha256, incoming.size, media_type)

    def lookup(self, sha256: str) -> StoredObject | None:
        """What is stored under this content address already, if anything."""
        try:
            found = self._stat(content_key(sha256))
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        if found is None:
            return None
        version, retain_until = found
        return StoredObject(content_key(sha256), sha256, -1, version, retain_until, True)

    def put_feed(self, feed: PartFeed, *, sha256: str, media_type: str) -> StoredObject:
        """Store a body still arriving under the content address its sender declared; the
        caller fails the feed if the bytes do not hash to it, and the upload is aborted."""
        key = content_key(sha256)
        try:
            written = self.client.put_object(
                self.bucket,
                key,
                cast(BinaryIO, feed),  # minio only calls read(n)
                -1,
                content_type=media_type,
                part_size=PART_SIZE,
            )
            _, retain_until = self._stat(key, written.version_id) or (None, None)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        finally:
            feed.close()
        return StoredObject(key, sha256, -1, written.version_id, retain_until, False)

    def put_file(self, source: BinaryIO, *, media_type: str) -> StoredObject:
        """The same for a seekable file already at hand (the CLI, the tests)."""
        digest, size = _hash_stream(source)
        source.seek(0)
        return self._put(source, digest, size, media_type)

    def _put(self, source: BinaryIO, digest: str, size: int, media_type: str) -> StoredObject:
        key = content_key(digest)
        try:
            existing = self._stat(key)
            if existing is not None:
                version, retain_until = existing
                return StoredObject(key, digest, size, version, retain_until, deduplicated=True)
            # minio aborts its multipart upload if any part fails, so nothing half-written shows.
            written = self.client.put_object(
                self.bucket, key, source, size, content_type=media_type, part_size=PART_SIZE
            )
            _, retain_until = self._stat(key, written.version_id) or (None, None)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        return StoredObject(key, digest, size, written.version_id, retain_until, deduplicated=False)

    def _stat(
        self, key: str, version_id: str | None = None
    ) -> tuple[str | None, datetime | None] | None:
        try:
            stat = self.client.stat_object(self.bucket, key, version_id=version_id)
        except S3Error as exc:
            if exc.code in MISSING:
                return None
            raise
        header = (stat.metadata or {}).get("x-amz-object-lock-retain-until-date")
        retain_until = _parse_time(str(header)) if header else None
        return (str(stat.version_id) if stat.version_id else None), retain_until

    def stream(self, key: str, version_id: str | None, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        """The object's bytes in chunks; the request is made before the first chunk is asked
        for, so a store that is down fails here, before any response has begun."""
        try:
            response = self.client.get_object(self.bucket, key, version_id=version_id)
        except S3Error as exc:
            raise Unreadable(exc.code or "S3Error", str(exc.message)) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc

        def chunks() -> Iterator[bytes]:
            try:
                yield from response.stream(chunk_size)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise Unreadable("broken_stream", str(exc)) from exc
            finally:
                response.close()
                response.release_conn()

        return chunks()

    def read(self, key: str, version_id: str | None = None) -> bytes:
        return b"".join(self.stream(key, version_id))

    def presigned_get(
        self,
        key: str,
        version_id: str | None,
        *,
        expires: timedelta,
        download_name: str,
        media_type: str,
    ) -> str:
        """A short-lived URL for one object version; the region is configured, so no request."""
        return self.client.presigned_get_object(
            self.bucket,
            key,
            expires=expires,
            version_id=version_id,
            response_headers={
                "response-content-disposition": download_name,
                "response-content-type": media_type,
            },
        )

    def hash_version(self, key: str, version_id: str | None) -> str | None:
        """The SHA-256 of what is stored now, re-read in full; None if it is gone. Unreadable
        if the store answers but cannot give the bytes back intact (its checksums failed)."""
        digest = hashlib.sha256()
        try:
            for chunk in self.stream(key, version_id):
                digest.update(chunk)
        except Unreadable as exc:
            if exc.missing:
                return None
            raise
        return digest.hexdigest()

    def latest_version(self, key: str) -> str | None:
        found = self._stat(key)
        return None if found is None else found[0]

    def versions(self, prefix: str = CONTENT_PREFIX) -> Iterator[ObjectVersion]:
        try:
            for item in self.client.list_objects(
                self.bucket, prefix=prefix, recursive=True, include_version=True
            ):
                yield ObjectVersion(
                    key=str(item.object_name),
                    version_id=item.version_id,
                    last_modified=item.last_modified,
                    is_latest=str(item.is_latest).lower() == "true",
                )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc

    def incomplete_uploads(self) -> list[PendingUpload]:
        # minio-py keeps ListMultipartUploads private; it is the documented S3 call.
        result = self.client._list_multipart_uploads(self.bucket, max_uploads=1000)
        return [
            PendingUpload(str(u.object_name), str(u.upload_id), u.initiated_time)
            for u in result.uploads
        ]

    def abort_upload(self, upload: PendingUpload) -> None:
        self.client._abort_multipart_upload(self.bucket, upload.key, upload.upload_id)


def content_key(sha256_hex: str) -> str:
    return f"{CONTENT_PREFIX}{sha256_hex[:2]}/{sha256_hex}"


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _hash_stream(source: BinaryIO) -> tuple[str, int]:
    source.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
