"""Evidence objects on S3 (SeaweedFS here, MinIO or any S3 with object lock in production).

Objects live under their content address, in a bucket with versioning and a COMPLIANCE
object-lock default, so nothing stored can be altered or deleted before its retention ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.credentials.credentials import Credentials
from minio.datatypes import Part
from minio.error import S3Error
from minio.helpers import DictType
from minio.objectlockconfig import DAYS, ObjectLockConfig

from storage.incoming import IncomingFile, PartFeed

# S3's smallest part: an upload holds one part in memory, so the smallest is the leanest.
PART_SIZE = 5 * 1024 * 1024
# A streamed part holds no memory, so larger parts only mean fewer round trips.
STREAMED_PART_SIZE = 64 * 1024 * 1024
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
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
        self.client = _StreamingMinio(
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

    def put_feed(
        self, feed: PartFeed, *, sha256: str, media_type: str, size: int | None = None
    ) -> StoredObject:
        """Store a body still arriving under the content address its sender declared; the
        caller fails the feed if the bytes do not hash to it, and the upload is aborted.
        With the body's size known, each part streams to S3 as it arrives (_stream)."""
        key = content_key(sha256)
        try:
            if size:
                version_id = self._stream(key, feed.take, size, media_type, ended=feed.ended)
            else:
                version_id = self._upload(key, feed, media_type)
            _, retain_until = self._stat(key, version_id) or (None, None)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        finally:
            feed.close()
        return StoredObject(key, sha256, -1, version_id, retain_until, False)

    def put_file(self, source: io.BufferedIOBase, *, media_type: str) -> StoredObject:
        """The same for a seekable file already at hand (the CLI, the tests)."""
        digest, size = _hash_stream(source)
        source.seek(0)
        return self._put(source, digest, size, media_type)

    def _put(
        self, source: io.BufferedIOBase, digest: str, size: int, media_type: str
    ) -> StoredObject:
        key = content_key(digest)
        try:
            existing = self._stat(key)
            if existing is not None:
                version, retain_until = existing
                return StoredObject(key, digest, size, version, retain_until, deduplicated=True)
            version_id = self._stream(key, lambda n: _read_exactly(source, n), size, media_type)
            _, retain_until = self._stat(key, version_id) or (None, None)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        return StoredObject(key, digest, size, version_id, retain_until, deduplicated=False)

    def _upload(self, key: str, source: PartFeed, media_type: str) -> str | None:
        """Send a body of unknown size (a chunked request) in parts from one reused buffer;
        its version id. A part must be full before it goes, since only then is it known not
        to be the last. (minio's put_object would build each part by joining what it reads
        and slicing off a look-ahead byte: several part-sized copies at once.)"""
        part = memoryview(bytearray(PART_SIZE))
        headers: DictType = {"Content-Type": media_type}
        size = source.readinto(part)
        if size < PART_SIZE:
            version: str | None = self.client._put_object(
                self.bucket, key, cast(bytes, part[:size]), headers
            ).version_id
            return version

        def refilled(size: int) -> Iterator[memoryview]:
            while size:
                yield part[:size]  # sent before the buffer is filled again
                size = source.readinto(part)

        return self._in_parts(key, headers, refilled(size))

    def _stream(
        self,
        key: str,
        take: Callable[[int], Iterator[bytes | memoryview]],
        size: int,
        media_type: str,
        *,
        ended: Callable[[], None] = lambda: None,
    ) -> str | None:
        """Send `size` bytes as parts whose bytes go out as `take` yields them; nothing is
        held but what the source holds. The upload completes only once `ended` returns (for
        a feed: the caller has checked the digest), so a body that is not what its digest
        said never becomes an object."""
        headers: DictType = {"Content-Type": media_type}
        bodies = (StreamedPart(take(n), n) for n in _part_lengths(size, STREAMED_PART_SIZE))
        return self._in_parts(key, headers, bodies, ended)

    def _in_parts(
        self,
        key: str,
        headers: DictType,
        bodies: Iterator[memoryview | StreamedPart],
        ended: Callable[[], None] = lambda: None,
    ) -> str | None:
        """One multipart upload of the bodies in order; its version id. Any failure aborts
        it, so nothing half-written ever shows."""
        upload_id = self.client._create_multipart_upload(self.bucket, key, headers)
        try:
            parts: list[Part] = []
            for number, body in enumerate(bodies, start=1):
                etag = self.client._upload_part(
                    self.bucket, key, cast(bytes, body), None, upload_id, number
                )
                parts.append(Part(number, etag))
            ended()
            done = self.client._complete_multipart_upload(self.bucket, key, upload_id, parts)
        except BaseException:
            with contextlib.suppress(Exception):
                self.client._abort_multipart_upload(self.bucket, key, upload_id)
            raise
        version: str | None = done.version_id
        return version

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


class StreamedPart:
    """A part's body of known length whose bytes are taken from their source as urllib3
    sends them, instead of a buffer that must be full (and hashed) before the first byte."""

    def __init__(self, pieces: Iterator[bytes | memoryview], length: int) -> None:
        self.pieces, self.length = pieces, length

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes | memoryview]:
        return self.pieces


def _read_exactly(source: io.BufferedIOBase, length: int) -> Iterator[bytes]:
    while length:
        piece = source.read(min(_CHUNK, length))
        if not piece:
            raise ValueError(f"the file ended {length} bytes short")
        length -= len(piece)
        yield piece


class _StreamingMinio(Minio):
    """minio signs each payload's SHA-256 over plain HTTP, which needs the whole part in
    hand first. For a StreamedPart the request is signed UNSIGNED-PAYLOAD (as minio does over
    HTTPS) with the part's length; the body's integrity is checked by the caller's SHA-256 of
    the whole upload before it is completed."""

    def _build_headers(
        self,
        host: str,
        headers: DictType | None = None,
        body: bytes | None = None,
        creds: Credentials | None = None,
    ) -> tuple[DictType, datetime]:
        if not isinstance(body, StreamedPart):
            return super()._build_headers(host, headers, body, creds)
        built, date = super()._build_headers(host, headers, None, creds)
        built["Content-Length"] = str(len(body))
        if creds:
            built["x-amz-content-sha256"] = UNSIGNED_PAYLOAD
        return built, date


def _part_lengths(size: int, part_size: int) -> list[int]:
    whole, rest = divmod(size, part_size)
    return [part_size] * whole + ([rest] if rest or not whole else [])


def content_key(sha256_hex: str) -> str:
    return f"{CONTENT_PREFIX}{sha256_hex[:2]}/{sha256_hex}"


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _hash_stream(source: io.BufferedIOBase) -> tuple[str, int]:
    source.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
