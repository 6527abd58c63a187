"""Every request gets an id (X-Request-ID, or a new one) bound into its logs and audit entries
and echoed in the response. Plain ASGI: a BaseHTTPMiddleware would add a task and a stream per
request, on every page view (decision 0030)."""

from __future__ import annotations

import uuid

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Bounded: it goes into audit entries (100 characters) and logs.
        request_id = (Headers(scope=scope).get("X-Request-ID") or str(uuid.uuid4()))[:100]
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
