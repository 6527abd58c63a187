"""A thread pool of its own for the read routes that run whole on one thread (the inbox, the
agreement list). Starlette's `run_in_threadpool` goes through anyio's worker threads, whose
queue, condition and capacity limiter cost more Python per request than these pages' own
work; a `ThreadPoolExecutor` hands the call over through a C queue (decision 0033). The
request's context (its request id in the logs) goes along."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Enough to keep the database busy while one thread holds the GIL; no more threads than the
# connection pool lends (storage.db: 20 and 10 more).
_READERS = ThreadPoolExecutor(max_workers=12, thread_name_prefix="rabrong-read")


async def on_read_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    context = contextvars.copy_context()
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_READERS, lambda: context.run(function, *args, **kwargs))
