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

# Few: one thread holds the GIL at a time, and each more thread in the queue for it adds to
# every request's wait without adding throughput. Twelve gave the inbox a p95 3.5 times its p50
# under 20 clients in bench/api.py; three or four keep the database busy and requests in the
# order they came (the executor's queue is FIFO) (decision 0033).
_READERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rabrong-read")


async def on_read_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    context = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_READERS, lambda: context.run(function, *args, **kwargs))
