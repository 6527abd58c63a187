"""Engines and read sessions. Created by the composition root, never at import time.

Sessions that write are opened by storage.unit_of_work, which only the application layer,
activities and the composition root may import (decision 0024)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # The API serves up to 40 requests at once on its thread pool; connections are opened lazily.
    engine = create_engine(url, pool_size=20, max_overflow=10)
    event.listen(engine, "checkin", _returned)
    event.listen(engine, "checkout", _ping_if_idle(engine.dialect))
    return engine


# A connection back in the pool for less than this is lent without a ping (decision 0033,
# amended): under load each is lent again within milliseconds, and a "SELECT 1" round trip
# before every request cost the inbox one of its four. One idle longer is pinged first, as
# pool_pre_ping did for all: a server restarted, or a connection closed while idle, is found
# there and replaced. A connection lost in the second after its last use fails its next
# statement instead; SQLAlchemy then discards it and every older one in the pool.
RECENT_S = 1.0


def _returned(_dbapi_connection: Any, record: Any) -> None:
    record.info["returned"] = time.monotonic()


def _ping_if_idle(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    def ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned")
        if returned is not None and time.monotonic() - returned < RECENT_S:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the connection failed its ping") from error
        if not alive:
            raise DisconnectionError("the connection failed its ping")

    return ping


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the worker writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        # SQLite has one writer at a time. Queueing this process's writers on a lock hands the
        # write over the moment it is free; left to busy_timeout, a waiting writer sleeps in
        # growing steps (up to 100 ms) and a burst of commands mostly waits for nothing.
        # Reentrant, so a transaction opened inside another still meets SQLite's own timeout.
        self.writer_lock = threading.RLock() if url.startswith("sqlite") else None
        # The same pool, its connections lent without a transaction (decision 0033).
        self._statements = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def reader(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def statement_reader(self) -> Iterator[Session]:
        """A read session whose statements each run on their own, outside a transaction: no
        BEGIN and no ROLLBACK round trip around a request's few reads. Each statement of a
        READ COMMITTED transaction sees its own snapshot anyway (PostgreSQL's default), and
        SQLite opens no transaction for a SELECT, so the answers are the same. Never for writes:
        each would commit at once."""
        with Session(self._statements, expire_on_commit=False) as session:
            yield session

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
