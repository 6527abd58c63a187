"""An upload as it arrives: spooled to disk and hashed in the same pass, never held whole in
memory. The object store reads it back once the SHA-256, and so the content address, is known."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import queue
import tempfile
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType

HEAD_BYTES = 8192


class TooLarge(Exception):
    def __init__(self, received: int, limit: int) -> None:
        super().__init__(f"received {received} bytes; the limit is {limit}")
        self.received, self.limit = received, limit


class Intake:
    """A body counted against its limit, hashed, and its first bytes kept for sniffing."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.head = b""
        self._digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(self.size, self.limit)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        self._digest.update(chunk)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


class IncomingFile(Intake):
    """An Intake that also spools the body to disk."""

    def __init__(self, *, limit: int, directory: Path | None = None) -> None:
        super().__init__(limit=limit)
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix="upload-", dir=directory)
        self.path = Path(name)
        self._file = os.fdopen(handle, "w+b")

    def write(self, chunk: bytes) -> None:
        super().write(chunk)
        self._file.write(chunk)

    def reader(self) -> io.BufferedRandom:
        """The spooled bytes from the start, for the object store to send."""
        self._file.flush()
        self._file.seek(0)
        return self._file

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> IncomingFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.discard()


def clear_spool(directory: Path) -> int:
    """Remove uploads a killed process left half-received; none of them was ever recorded."""
    directory.mkdir(parents=True, exist_ok=True)
    removed = 0
    for leftover in directory.glob("upload-*"):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


class FeedClosed(Exception):
    """The upload reading a PartFeed has ended; its own error says why."""


class PartFeed:
    """A blocking source the object store's upload thread takes a body from (streamed parts
    with `take`, or a part buffer with `readinto`), fed from the request as it arrives; a
    bounded queue keeps at most a few MiB in flight. Failing it makes the next read raise, so
    the store aborts its multipart upload: nothing shows."""

    def __init__(self, depth: int = 2) -> None:
        self._queue: queue.Queue[Sequence[bytes] | BaseException | None] = queue.Queue(
            maxsize=depth
        )
        self._pending: deque[memoryview] = deque()
        self._ended = False
        self._closed = threading.Event()

    def put(self, chunks: Sequence[bytes]) -> None:
        """Blocks while the store is behind; raises FeedClosed once nobody reads any more
        (the upload failed), so the sender stops instead of waiting for ever."""
        while True:
            try:
                self._queue.put(chunks, timeout=0.2)
                return
            except queue.Full:
                if self._closed.is_set():
                    raise FeedClosed from None

    def close(self) -> None:
        """The reading side is done, whether the upload succeeded or not."""
        self._closed.set()

    def finish(self) -> None:
        self._queue.put(None)

    def fail(self, error: BaseException) -> None:
        # The reader may be gone already (the upload failed first): never block on it.
        with contextlib.suppress(queue.Full):
            self._queue.put(error, timeout=0 if self._closed.is_set() else 5)

    def readinto(self, buffer: memoryview) -> int:
        """Copy what has arrived into the buffer, waiting for more until it is full; fewer
        bytes only at the end. Each byte is copied once, into the store's one part buffer."""
        filled = 0
        while filled < len(buffer) and self._next_ready():
            chunk = self._pending[0]
            taken = min(len(chunk), len(buffer) - filled)
            buffer[filled : filled + taken] = chunk[:taken]
            filled += taken
            if taken == len(chunk):
                self._pending.popleft()
            else:
                self._pending[0] = chunk[taken:]
        return filled

    def ended(self) -> None:
        """Wait for the sender's end: returns if it finished, raises what it failed with, and
        refuses bytes beyond what was declared."""
        if self._next_ready():
            raise ValueError("the body is longer than its declared size")

    def take(self, length: int) -> Iterator[memoryview]:
        """Exactly `length` bytes as they arrive, in the pieces they came in; the feed ending
        sooner is an error, so the part being sent fails and its upload is aborted."""
        left = length
        while left:
            if not self._next_ready():
                raise ValueError(f"the body ended {left} bytes short of its declared size")
            chunk = self._pending[0]
            if len(chunk) <= left:
                self._pending.popleft()
            else:
                chunk, self._pending[0] = chunk[:left], chunk[left:]
            left -= len(chunk)
            yield chunk

    def _next_ready(self) -> bool:
        while not self._pending and not self._ended:
            item = self._queue.get()
            if item is None:
                self._ended = True
            elif isinstance(item, BaseException):
                raise item
            else:
                self._pending.extend(memoryview(chunk) for chunk in item if chunk)
        return bool(self._pending)
