"""The write side: a unit of work, the only way to a session that commits.

Importable only by application/, activities/, storage/ itself and the composition root's first
run and demo loader (import contracts in pyproject.toml, decision 0024): API routes and pages
reach writes through the application layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from storage.db import Database


@contextmanager
def unit_of_work(db: Database) -> Iterator[Session]:
    """Commits when the block ends, rolls back if it raises."""
    if db.writer_lock is None:
        with _transaction(db) as session:
            yield session
        return
    with db.writer_lock, _transaction(db) as session:
        yield session


@contextmanager
def _transaction(db: Database) -> Iterator[Session]:
    with Session(db.engine, expire_on_commit=False) as session:
        if db.url.startswith("sqlite"):
            # Take the write lock first: writers then queue on busy_timeout instead of
            # failing when a read snapshot turns stale, which SQLite cannot upgrade.
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
