"""Idempotency records: the first POST with a key marks it in progress, then keeps its response
so a retry gets the same answer instead of acting again."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete

from storage.db import Database
from storage.tables import IdempotencyRecord
from storage.unit_of_work import unit_of_work

# Longer than any request may take (an update waits 60 s, a large upload a few minutes): an
# older record still in progress belongs to an API that died, and the key is free again. The
# command behind it carries the same id, so the workflow still acts once.
STALE_AFTER = timedelta(minutes=15)


class InProgress(Exception):
    """Another request with the same key has not finished."""


def begin(
    db: Database, scope: str, key: str, *, method: str, path: str, now: datetime
) -> IdempotencyRecord | None:
    """None when this request goes ahead (the key is now held); else the finished record."""
    try:
        with unit_of_work(db) as session:
            found = session.get(IdempotencyRecord, (scope, key), with_for_update=True)
            if found is None:
                session.add(
                    IdempotencyRecord(
                        scope=scope, key=key, method=method, path=path, created_at=now
                    )
                )
                return None
            if found.completed_at is not None:
                session.expunge(found)
                return found
            if found.created_at > now - STALE_AFTER:
                raise InProgress(key)
            found.created_at = now  # taken over from a request that died
            session.add(found)
            return None
    except IntegrityError as exc:  # a concurrent first request inserted it
        raise InProgress(key) from exc


def finish(
    db: Database,
    scope: str,
    key: str,
    *,
    fingerprint: str | None,
    status_code: int,
    content_type: str | None,
    body: bytes | None,
    now: datetime,
) -> None:
    """body None: the response held credentials, so it is not kept and cannot be replayed."""
    with unit_of_work(db) as session:
        record = session.get(IdempotencyRecord, (scope, key))
        if record is None:
            return
        record.fingerprint, record.status_code = fingerprint, status_code
        record.content_type, record.body = content_type, body
        record.replayable, record.completed_at = body is not None, now
        session.add(record)


def release(db: Database, scope: str, key: str) -> None:
    """The request failed without acting (a 5xx): a retry with the key runs again."""
    with unit_of_work(db) as session:
        release_in(session, scope, key)


def release_in(session: Session, scope: str, key: str) -> None:
    session.exec(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key
        )
    )
