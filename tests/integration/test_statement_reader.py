"""Database.statement_reader lends a pooled connection outside a transaction (no BEGIN and no
ROLLBACK round trip, decision 0033), and the pool's ordinary readers still get theirs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from storage.db import Database
from tests.integration.conftest import fresh_database

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
