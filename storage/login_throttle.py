"""The failed-login counters (domain.login_throttle) as rows every API process shares.

Read for update inside the login's unit of work: on PostgreSQL the rows are locked, on SQLite
the transaction already holds the write lock, so two processes counting the same account one
after the other never both see the count from before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from domain.login_throttle import Counter
from storage.tables import LoginThrottle


def counters_for_update(
    session: Session, keys: Sequence[str], *, now: datetime
) -> dict[str, Counter]:
    """The counters for these keys, locked until the transaction ends; absent ones start now."""
    ordered = sorted(set(keys))  # one locking order, so two logins never wait on each other
    _insert_missing(session, ordered, now)
    rows = session.exec(
        select(LoginThrottle)
        .where(col(LoginThrottle.key).in_(ordered))
        .order_by(col(LoginThrottle.key))
        .with_for_update()
    )
    return {
        row.key: Counter(row.window_start, row.failures, row.blocks, row.blocked_until)
        for row in rows
    }


def save_counter(session: Session, key: str, counter: Counter) -> None:
    row = session.get(LoginThrottle, key)
    assert row is not None, "save_counter follows counters_for_update"
    row.window_start = counter.window_start
    row.failures = counter.failures
    row.blocks = counter.blocks
    row.blocked_until = counter.blocked_until
    session.add(row)


def forget_counter(session: Session, key: str) -> None:
    session.exec(delete(LoginThrottle).where(col(LoginThrottle.key) == key))


def _insert_missing(session: Session, keys: Sequence[str], now: datetime) -> None:
    """A fresh row per missing key; a row another process inserted first is left as it is."""
    values = [{"key": key, "window_start": now, "failures": 0, "blocks": 0} for key in keys]
    table = LoginThrottle.__table__  # type: ignore[attr-defined]
    dialect = session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(table).values(values).on_conflict_do_nothing(index_elements=["key"]))
