"""The evidence store against a real SeaweedFS S3 server with object lock."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import uuid

import pytest
from minio import Minio
from minio.error import S3Error

from rabrong.embedded import free_port
from storage.evidence_store import (
    PART_SIZE,
    STREAMED_PART_SIZE,
    EvidenceStore,
    StorageUnavailable,
)
from storage.incoming import FeedClosed, PartFeed
from tests.support.servers import S3Server


@pytest.fixture
def store(s3_server: S3Server) -> EvidenceStore:
    store = s3_server.store(f"evidence-{uuid.uuid4().hex[:8]}")
    store.ensure_bucket()
    return store


def test_bucket_has_versioning_and_compliance_lock(store: EvidenceStore) -> None:
    store.ensure_bucket()  # a second call changes nothing
    assert store.client.get_bucket_versioning(store.bucket).status == "Enabled"
    lock = store.client.get_object_lock_config(store.bucket)
    assert (lock.mode, lock.duration, lock.duration_unit) == ("COMPLIANCE", 3650, "Days")


def test_content_is_stored_under_its_hash_and_deduplicated(store: EvidenceStore) -> None:
    data = "รายงานผลการดำเนินงาน รอบ ๖ เดือน".encode() * 1000
    first = store.put_file(io.BytesIO(data), media_type="text/plain")
    again = store.put_file(io.BytesIO(data), media_type="text/plain")
    digest = hashlib.sha256(data).hexdigest()
    assert (first.sha256, first.size, first.deduplicated) == (digest, len(data), False)
    assert first.key.endswith(digest)
    assert (again.key, again.deduplicated, again.version_id) == (first.key, True, first.version_id)
    assert store.read(first.key) == data


def test_a_locked_object_version_cannot_be_deleted(store: EvidenceStore) -> None:
    stored = store.put_file(io.BytesIO(b"locked evidence"), media_type="text/plain")
    with pytest.raises(S3Error) as refused:
        store.client.remove_object(store.bucket, stored.key, version_id=stored.version_id)
    assert refused.value.code == "AccessDenied"
    assert store.read(stored.key) == b"locked evidence"


def test_wrong_credentials_are_refused(s3_server: S3Server, store: EvidenceStore) -> None:
    intruder = Minio(
        s3_server.endpoint, access_key=s3_server.access_key, secret_key="wrong", secure=False
    )
    with pytest.raises(S3Error):
        intruder.bucket_exists(store.bucket)


def test_a_store_that_is_not_there_is_unavailable_at_once() -> None:
    nowhere = EvidenceStore(
        endpoint=f"127.0.0.1:{free_port()}", access_key="a", secret_key="b", bucket="evidence"
    )
    with pytest.raises(StorageUnavailable):
        nowhere.ping()
    with pytest.raises(StorageUnavailable):
        nowhere.put_file(io.BytesIO(b"x"), media_type="text/plain")


def test_a_feed_whose_reader_is_gone_stops_its_sender() -> None:
    feed = PartFeed(depth=2)
    feed.put([b"a"])
    feed.put([b"b"])
    feed.close()  # the upload failed and will read no more
    with pytest.raises(FeedClosed):
        feed.put([b"c"])


def test_a_failed_feed_makes_the_reader_raise_and_the_upload_abort(store: EvidenceStore) -> None:
    feed = PartFeed()
    feed.put([b"%PDF-1.7\n", b"x" * 1000])
    feed.fail(RuntimeError("the body was not what its digest said"))
    with pytest.raises(RuntimeError, match="digest"):
        store.put_feed(feed, sha256="ab" * 32, media_type="application/pdf")
    assert list(store.versions()) == [] and store.incomplete_uploads() == []
    with pytest.raises(FeedClosed):
        for _ in range(10):
            feed.put([b"more"])


def _feed_in_thread(feed: PartFeed, data: bytes, chunk: int, fail_after: int | None = None) -> None:
    """The request side: odd-sized chunks, a few per put, as the API sends them."""

    def send() -> None:
        sent = 0
        while sent < len(data):
            if fail_after is not None and sent >= fail_after:
                feed.fail(RuntimeError("the body was not what its digest said"))
                return
            batch = [
                data[i : i + chunk] for i in range(sent, min(sent + 4 * chunk, len(data)), chunk)
            ]
            feed.put(batch)
            sent += sum(len(b) for b in batch)
        feed.finish()

    threading.Thread(target=send, daemon=True).start()


@pytest.mark.parametrize("size", [PART_SIZE, 2 * PART_SIZE + 12_345])
def test_parts_from_a_file_and_from_a_feed_store_the_same_bytes(
    store: EvidenceStore, size: int
) -> None:
    data = b"%PDF-1.7\n" + os.urandom(size - 9)
    digest = hashlib.sha256(data).hexdigest()
    from_file = store.put_file(io.BytesIO(data), media_type="application/pdf")
    assert from_file.sha256 == digest and store.read(from_file.key) == data
    other = b"%PDF-1.7\n" + os.urandom(size - 9)
    feed = PartFeed()
    _feed_in_thread(feed, other, chunk=65_537)
    fed = store.put_feed(
        feed, sha256=hashlib.sha256(other).hexdigest(), media_type="application/pdf"
    )
    assert store.read(fed.key) == other
    assert store.incomplete_uploads() == []


def test_a_feed_failing_after_a_part_was_sent_leaves_nothing(store: EvidenceStore) -> None:
    data = b"%PDF-1.7\n" + os.urandom(2 * PART_SIZE)
    feed = PartFeed()
    _feed_in_thread(feed, data, chunk=1 << 20, fail_after=PART_SIZE + (1 << 20))
    with pytest.raises(RuntimeError, match="digest"):
        store.put_feed(feed, sha256=hashlib.sha256(data).hexdigest(), media_type="application/pdf")
    assert list(store.versions()) == [] and store.incomplete_uploads() == []


@pytest.mark.parametrize("size", [1000, STREAMED_PART_SIZE + 12_345])
def test_a_body_of_known_size_streams_its_parts_as_it_arrives(
    store: EvidenceStore, size: int
) -> None:
    data = b"%PDF-1.7\n" + os.urandom(size - 9)
    feed = PartFeed()
    _feed_in_thread(feed, data, chunk=65_537)
    stored = store.put_feed(
        feed, sha256=hashlib.sha256(data).hexdigest(), media_type="application/pdf", size=size
    )
    assert store.read(stored.key) == data and stored.version_id is not None
    assert store.incomplete_uploads() == []


def test_a_streamed_body_is_not_completed_until_its_digest_is_checked(store: EvidenceStore) -> None:
    """Every byte has gone to S3 when the caller finds the digest wrong: still nothing shows."""
    data = b"%PDF-1.7\n" + os.urandom(3 * 65_537)
    feed = PartFeed()
    feed.put([data])
    failing = threading.Timer(
        0.5, feed.fail, [RuntimeError("the body was not what its digest said")]
    )
    failing.start()
    with pytest.raises(RuntimeError, match="digest"):
        store.put_feed(feed, sha256="ab" * 32, media_type="application/pdf", size=len(data))
    assert list(store.versions()) == [] and store.incomplete_uploads() == []


def test_a_body_shorter_than_its_declared_size_leaves_nothing(store: EvidenceStore) -> None:
    data = b"%PDF-1.7\n" + os.urandom(10_000)
    feed = PartFeed()
    feed.put([data])
    feed.finish()
    with pytest.raises(ValueError, match="short"):
        store.put_feed(feed, sha256="ab" * 32, media_type="application/pdf", size=len(data) + 1)
    assert list(store.versions()) == [] and store.incomplete_uploads() == []
