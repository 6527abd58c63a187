"""Database.statement_reader lends a pooled connection outside a transaction (no BEGIN and no
ROLLBACK round trip, decision 0033), and the pool's ordinary readers still get theirs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from storage.db import RECENT_S, Database
from tests.integration.conftest import fresh_database
from tests.support.servers import PG_ADMIN_URL

# In a transaction opened by BEGIN, the transaction began before the statement did; a
# statement run on its own is its own transaction, begun with it.
ON_ITS_OWN = text("SELECT transaction_timestamp() = statement_timestamp()")


def driver(session: Session) -> Any:
    """The driver's own connection under the session (psycopg's or sqlite3's)."""
    connection = session.connection().connection.driver_connection
    assert connection is not None
    return connection


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[Database]:
    with fresh_database("postgresql", tmp_path) as db:
        yield db


def test_statements_run_on_their_own_and_readers_keep_their_transaction(
    postgres: Database,
) -> None:
    for _ in range(3):  # the same pooled connections, lent both ways in turn
        with postgres.statement_reader() as session:
            assert driver(session).autocommit is True
            assert session.execute(ON_ITS_OWN).scalar_one() is True
            assert session.execute(ON_ITS_OWN).scalar_one() is True
        with postgres.reader() as session:
            assert session.execute(ON_ITS_OWN).scalar_one() is False
            assert driver(session).autocommit is False


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_statement_reader_reads_what_the_reader_reads(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path) as db:
        query = text("SELECT count(*) FROM alembic_version")
        with db.reader() as session:
            expected = session.execute(query).scalar_one()
        with db.statement_reader() as session:
            assert session.execute(query).scalar_one() == expected == 1
        if kind == "sqlite":
            with db.statement_reader() as session:
                assert driver(session).in_transaction is False


def _terminate(session: Session) -> None:
    """Ends the server side of the session's connection, as a restart or an idle timeout would."""
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_lost_while_idle_is_replaced_before_it_is_lent(postgres: Database) -> None:
    with postgres.statement_reader() as session:
        _terminate(session)
    time.sleep(RECENT_S + 0.2)  # idle long enough to be pinged when lent again
    with postgres.statement_reader() as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1


def test_a_connection_lost_just_after_use_fails_once_then_the_pool_recovers(
    postgres: Database,
) -> None:
    """Lent again within RECENT_S, a connection is not pinged (decision 0033, amended): its
    loss shows at its next statement, and the pool replaces it for the one after."""
    with postgres.statement_reader() as session:
        _terminate(session)
    with pytest.raises(DBAPIError) as failed, postgres.statement_reader() as session:
        session.execute(text("SELECT 1"))
    assert failed.value.connection_invalidated
    with postgres.statement_reader() as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1
