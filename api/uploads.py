"""Receiving an upload from the request stream: a raw body, or one file part of a
multipart/form-data body parsed as it arrives. Neither is held whole in memory."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import re
import urllib.parse
from dataclasses import dataclass, field, replace

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from python_multipart.multipart import MultipartParser, parse_options_header

from api.problems import Problem
from domain.errors import violation
from domain.media import SNIFF_BYTES, MediaKind, sniff
from storage.evidence_store import EvidenceStore, StoredObject
from storage.incoming import FeedClosed, IncomingFile, Intake, PartFeed, TooLarge

FILE_FIELD = "file"
_FIELD_LIMIT = 4096  # small form fields beside the file; never the file itself


@dataclass
class Received:
    filename: str | None
    declared_type: str | None
    kind: MediaKind
    fields: dict[str, str] = field(default_factory=dict)


async def receive(request: Request, incoming: IncomingFile) -> Received:
    """Spool the body into `incoming`, refusing a disallowed type as soon as its first bytes
    are in (415) and a body over the limit as soon as it passes it (413)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > incoming.limit + _FIELD_LIMIT:
        raise too_large(int(declared), incoming.limit)
    content_type, options = parse_options_header(request.headers.get("content-type"))
    if content_type == b"multipart/form-data":
        return await _multipart(request, incoming, options.get(b"boundary", b""))
    return await _raw(request, incoming)


async def _raw(request: Request, incoming: IncomingFile) -> Received:
    sniffer = _Sniffer(incoming, request.query_params.get("name"))
    async for chunk in request.stream():
        _write(incoming, chunk)
        sniffer.check()
    filename = filename_from_disposition(request.headers.get("content-disposition"))
    return Received(
        filename=filename or request.query_params.get("name"),
        declared_type=request.headers.get("content-type"),
        kind=sniffer.finish(),
    )


async def _multipart(request: Request, incoming: IncomingFile, boundary: bytes) -> Received:
    if not boundary:
        raise Problem(400, "bad_body", "Malformed upload", "multipart body without a boundary")
    part = _Part()
    sniffer = _Sniffer(incoming, None)
    fields: dict[str, str] = {}
    found: dict[str, str | None] = {}

    def on_part_begin() -> None:
        part.reset()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part.header_name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part.header_value += data[start:end]

    def on_header_end() -> None:
        part.headers[part.header_name.decode("latin-1").lower()] = part.header_value
        part.header_name, part.header_value = b"", b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(part.headers.get("content-disposition", b""))
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        if part.name == FILE_FIELD and "filename" not in found:
            part.is_file = True
            raw_name = options.get(b"filename")
            found["filename"] = raw_name.decode("utf-8", "replace") if raw_name else None
            declared = part.headers.get("content-type")
            found["declared_type"] = declared.decode("latin-1") if declared else None
            sniffer.name = found["filename"]

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.is_file:
            _write(incoming, data[start:end])
        elif len(part.value) < _FIELD_LIMIT:
            part.value += data[start:end]

    def on_part_end() -> None:
        if not part.is_file and part.name:
            fields[part.name] = part.value[:_FIELD_LIMIT].decode("utf-8", "replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    async for chunk in request.stream():
        parser.write(chunk)
        sniffer.check()
    parser.finalize()
    if "filename" not in found:
        raise Problem(
            422,
            "ValidationFailed",
            "Validation failed",
            f"the form has no '{FILE_FIELD}' part",
            [violation(FILE_FIELD, "required", "no file part in the form")],
        )
    return Received(found["filename"], found.get("declared_type"), sniffer.finish(), fields)


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    value: bytes = b""
    header_name: bytes = b""
    header_value: bytes = b""
    headers: dict[str, bytes] = field(default_factory=dict)

    def reset(self) -> None:
        self.name, self.is_file, self.value, self.headers = "", False, b"", {}


class _Sniffer:
    """Decides the type once the first SNIFF_BYTES are in, so a wrong file is refused early."""

    def __init__(self, incoming: Intake, name: str | None) -> None:
        self.incoming, self.name = incoming, name
        self.kind: MediaKind | None = None

    def check(self) -> None:
        if self.kind is None and len(self.incoming.head) >= SNIFF_BYTES:
            self.kind = sniff(self.incoming.head, self.name or "")

    def finish(self) -> MediaKind:
        return self.kind or sniff(self.incoming.head, self.name or "")


def _write(incoming: Intake, chunk: bytes) -> None:
    try:
        incoming.write(chunk)
    except TooLarge as exc:
        raise too_large(exc.received, exc.limit) from exc


def too_large(size: int, limit: int) -> Problem:
    return Problem(
        413,
        "too_large",
        "Evidence too large / ไฟล์ใหญ่เกินกำหนด",
        f"the upload is at least {size} bytes; the limit is {limit}",
        [violation("file", "max_size", f"larger than {limit} bytes")],
    )


_EXTENDED = re.compile(r"filename\*\s*=\s*([^';]*)'[^']*'([^;\s]+)", re.IGNORECASE)


def filename_from_disposition(header: str | None) -> str | None:
    """RFC 6266: filename*=UTF-8''... (how a Thai name travels in a header) wins over filename."""
    if not header:
        return None
    extended = _EXTENDED.search(header)
    if extended:
        charset = extended.group(1) or "utf-8"
        return urllib.parse.unquote(extended.group(2), encoding=charset, errors="replace")
    _, options = parse_options_header(header)
    plain = options.get(b"filename")
    return plain.decode("utf-8", "replace") if plain else None


_DIGEST = re.compile(r"(?:^|,)\s*sha-256=:([A-Za-z0-9+/]+={0,2}):")


def declared_sha256(request: Request) -> str | None:
    """RFC 9530: a raw body's SHA-256 sent ahead in Repr-Digest (or Content-Digest, the same
    for an unencoded body). Multipart bodies are not the file, so their digests do not count."""
    content_type, _ = parse_options_header(request.headers.get("content-type"))
    if content_type == b"multipart/form-data":
        return None
    for header in ("repr-digest", "content-digest"):
        found = _DIGEST.search(request.headers.get(header, ""))
        if found:
            try:
                raw = base64.b64decode(found.group(1), validate=True)
            except binascii.Error:
                raw = b""
            if len(raw) != hashlib.sha256().digest_size:
                raise Problem(
                    400,
                    "bad_digest",
                    "Malformed digest",
                    f"{header} carries no SHA-256 of 32 bytes",
                    [violation(header, "sha256_digest", "not a base64 SHA-256")],
                )
            return raw.hex()
    return None


async def receive_declared(
    request: Request, store: EvidenceStore, sha256: str, limit: int
) -> tuple[Received, StoredObject]:
    """The fast way for a raw body whose digest came ahead: its content address is known, so
    parts go to S3 while the body still arrives, with no spool file. The bytes are hashed on
    the way; if they are not what was declared, the multipart upload is aborted."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(int(declared), limit)
    size = int(declared) if declared and declared.isdigit() else None
    existing = await run_in_threadpool(store.lookup, sha256)
    intake = Intake(limit=limit)
    sniffer = _Sniffer(intake, request.query_params.get("name"))
    feed = PartFeed()
    upload: asyncio.Future[StoredObject] | None = None

    def start(media_type: str) -> asyncio.Future[StoredObject]:
        # Started once the type is sniffed: the object is created with it.
        return asyncio.ensure_future(
            run_in_threadpool(store.put_feed, feed, sha256=sha256, media_type=media_type, size=size)
        )

    try:
        # Chunks go to the feed a MiB at a time (one thread hop each), never joined here.
        pending: list[bytes] = []
        pending_size = 0
        async for chunk in request.stream():
            _write(intake, chunk)
            sniffer.check()
            if existing is not None:
                continue  # stored before: hashed to prove it, not sent again
            pending.append(chunk)
            pending_size += len(chunk)
            if sniffer.kind is not None and pending_size >= FEED_CHUNK:
                upload = upload or start(sniffer.kind.media_type)
                await run_in_threadpool(feed.put, pending)
                pending, pending_size = [], 0
        kind = sniffer.finish()
        if intake.sha256 != sha256:
            raise Problem(
                400,
                "digest_mismatch",
                "Digest mismatch / ค่าแฮชไม่ตรงกับไฟล์",
                f"the body hashes to {intake.sha256}, not the declared {sha256}",
                [violation("repr-digest", "digest_matches", "body differs from its digest")],
            )
        if existing is None:
            upload = upload or start(kind.media_type)
            if pending:
                await run_in_threadpool(feed.put, pending)
            feed.finish()
            stored = await upload
        else:
            stored = existing
    except FeedClosed:
        assert upload is not None
        await upload  # the store's own error (StorageUnavailable: 503) is the answer
        raise
    except BaseException as exc:
        if upload is not None:
            feed.fail(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
            with contextlib.suppress(Exception):
                await upload
        raise
    filename = filename_from_disposition(request.headers.get("content-disposition"))
    received = Received(
        filename=filename or request.query_params.get("name"),
        declared_type=request.headers.get("content-type"),
        kind=kind,
    )
    return received, replace(stored, size=intake.size)


FEED_CHUNK = 1024 * 1024
