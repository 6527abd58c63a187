"""Idempotency-Key on every POST: the first request with a key acts and its response is kept;
a retry with the same key and the same request gets that response again without acting; the
same key on a different request is refused (422); one still running answers 409.

An ASGI middleware, so it covers every route, uploads included, without buffering bodies.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.identity import scope_for_bearer
from api.problems import (
    DATABASE_DOWN,
    PROBLEM_JSON,
    TYPE_BASE,
    database_unavailable,
    problem_response,
)
from api.services import Services
from storage.idempotency import InProgress, begin, finish, release

log = structlog.get_logger(__name__)

HEADER = "idempotency-key"
REPLAYED = "Idempotent-Replayed"
MAX_KEPT = 1024 * 1024  # POST answers are small documents; anything bigger is not replayed
ANONYMOUS = "-"


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not 0 < len(key) <= 100 or not key.isprintable():
            await _problem(send, scope, 400, "idempotency_key", "Bad Idempotency-Key", _KEY_RULE)
            return
        now = datetime.now(UTC)
        try:
            who = await run_in_threadpool(scope_for_bearer, self.services, _bearer(headers))
            owner = who or ANONYMOUS
            found = await run_in_threadpool(
                begin,
                self.services.db,
                owner,
                key,
                method="POST",
                path=scope["path"][:1000],
                now=now,
            )
        except InProgress:
            await _problem(send, scope, 409, "request_in_progress", "Request in progress", _BUSY)
            return
        except DATABASE_DOWN as exc:
            # Nothing was taken or done: the same key may be sent again once it is back.
            response = problem_response(database_unavailable(exc), Request(scope))
            await response(scope, receive, send)
            return
        digest = _Fingerprint(scope, headers)
        if found is not None:
            await digest.drain(receive)
            if found.path != scope["path"][:1000] or not digest.matches(found.fingerprint):
                await _problem(send, scope, 422, "idempotency_key_reused", "Key reused", _REUSED)
                return
            if not found.replayable or found.status_code is None:
                await _problem(send, scope, 409, "already_done", "Already done", _NOT_KEPT)
                return
            await _replay(send, found.status_code, found.content_type, found.body or b"")
            return
        await self._first(scope, receive, send, owner, key, digest)

    async def _first(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        owner: str,
        key: str,
        digest: _Fingerprint,
    ) -> None:
        kept = _Kept()

        async def hashing_receive() -> Message:
            message = await receive()
            digest.feed(message)
            return message

        async def keeping_send(message: Message) -> None:
            kept.see(message)
            await send(message)

        try:
            await self.app(scope, hashing_receive, keeping_send)
        except BaseException:
            await self._release(owner, key)
            raise
        if kept.status is None or kept.status >= 500:
            # Nothing was done (a dependency was down): the same key may try again.
            await self._release(owner, key)
            return
        await run_in_threadpool(
            finish,
            self.services.db,
            owner,
            key,
            fingerprint=digest.value(),
            status_code=kept.status,
            content_type=kept.content_type,
            body=kept.body(),
            now=datetime.now(UTC),
        )

    async def _release(self, owner: str, key: str) -> None:
        try:
            await run_in_threadpool(release, self.services.db, owner, key)
        except DATABASE_DOWN as exc:
            # The answer is already a 503; a key left held is taken over once it is stale.
            log.warning("idempotency key not released", key=key, error=str(exc)[:500])


_KEY_RULE = "Idempotency-Key must be 1 to 100 printable characters"
_BUSY = "a request with this Idempotency-Key is still being handled; retry shortly"
_REUSED = "this Idempotency-Key was used for a different request"
_NOT_KEPT = (
    "a request with this Idempotency-Key succeeded already; its answer held credentials and "
    "is not kept, so it cannot be sent again"
)


def _bearer(headers: Headers) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class _Fingerprint:
    """What makes two requests the same: path, query, media type and body. Multipart bodies
    carry a random boundary per sending, so only their part names and sizes cannot be compared;
    they are fingerprinted by path, query and length instead."""

    def __init__(self, scope: Scope, headers: Headers) -> None:
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        self.multipart = media.startswith("multipart/")
        self.hasher = hashlib.sha256()
        self.hasher.update(f"{scope['path']}?{scope.get('query_string', b'').decode()}\n".encode())
        self.hasher.update(f"{media}\n".encode())
        self.length = 0
        self.complete = False

    def feed(self, message: Message) -> None:
        if message["type"] != "http.request":
            return
        chunk = message.get("body", b"")
        self.length += len(chunk)
        if not self.multipart:
            self.hasher.update(chunk)
        if not message.get("more_body", False):
            self.complete = True

    async def drain(self, receive: Receive) -> None:
        while not self.complete:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            self.feed(message)

    def value(self) -> str | None:
        """None when the handler answered before reading the whole body: it cannot be compared."""
        if not self.complete:
            return None
        if self.multipart:
            self.hasher.update(f"multipart:{self.length}".encode())
        return self.hasher.hexdigest()

    def matches(self, recorded: str | None) -> bool:
        return recorded is None or recorded == self.value()


class _Kept:
    def __init__(self) -> None:
        self.status: int | None = None
        self.content_type: str | None = None
        self.no_store = False
        self.chunks: list[bytes] = []
        self.size = 0

    def see(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            headers = Headers(raw=message.get("headers", []))
            self.content_type = headers.get("content-type")
            self.no_store = "no-store" in headers.get("cache-control", "")
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            self.size += len(chunk)
            if self.size <= MAX_KEPT:
                self.chunks.append(chunk)

    def body(self) -> bytes | None:
        """None when it must not be replayed: credentials (Cache-Control: no-store), or too big."""
        if self.no_store or self.size > MAX_KEPT:
            return None
        return b"".join(self.chunks)


async def _replay(send: Send, status: int, content_type: str | None, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode()), (REPLAYED.lower().encode(), b"true")]
    if content_type:
        headers.append((b"content-type", content_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _problem(
    send: Send, scope: Scope, status: int, kind: str, title: str, detail: str
) -> None:
    document: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": scope["path"],
        "errors": [{"field": "Idempotency-Key", "rule": kind, "message": detail}],
    }
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 409:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
