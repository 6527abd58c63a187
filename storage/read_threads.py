"""A thread pool of its own for the reads that run whole on one thread: the inbox and the
agreement list in the JSON API, the inbox page in the web app. One pool for both, so they queue
for the GIL together rather than in two crowds. Starlette's `run_in_threadpool` goes through
anyio's worker threads, whose queue, condition and capacity limiter cost more Python per
request than these pages' own work; a `ThreadPoolExecutor` hands the call over through a C
queue (decision 0033). The request's context (its request id in the logs) goes along."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Two: one runs Python while the other waits for the database. Only one thread holds the GIL
# at a time, and each more thread queueing for it delays every request unevenly: in
# bench/api.py under 20 clients the inbox's p95 was 3.5 times its p50 with twelve threads,
# about 4 times with four (200-240 ms), 1.2 times with two (78 ms), at a higher throughput
# (308 against 264 requests/s); one thread alone left the database idle while it ran (237/s).
# The executor's queue is FIFO, so requests are served in the order they came (decision 0033).
_READERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rabrong-read")


async def on_read_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    context = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_READERS, lambda: context.run(function, *args, **kwargs))
