"""The organisation tree a read route uses (storage.users.current_org_tree) is kept between
requests on PostgreSQL and read again when the unit table changes, whoever changes it: here a
connection of its own, as another process would (decision 0033, amended)."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from domain.access import OrgTree
from storage.db import Database
from storage.users import current_org_tree, org_tree


def _fresh(db: Database) -> tuple[OrgTree, OrgTree]:
    with db.statement_reader() as session:
        return current_org_tree(session), org_tree(session)


def _write(db: Database, statement: str, **parameters: str | None) -> None:
    with db.engine.begin() as connection:  # not through the reading session, as elsewhere
        connection.execute(text(statement), parameters)


def test_the_tree_is_read_again_after_every_kind_of_change(database: Database) -> None:
    top, child = f"t-{uuid.uuid4().hex[:8]}", f"c-{uuid.uuid4().hex[:8]}"
    insert = "INSERT INTO org_unit (id, parent_id, kind, name_th) VALUES (:id, :parent, 'x', 'x')"
    kept, now = _fresh(database)
    assert kept == now
    if database.url.startswith("postgresql"):  # SQLite reads the tree each time
        assert _fresh(database)[0] is kept, "unchanged: the tree read before serves"
    try:
        _write(database, insert, id=top, parent=None)
        _write(database, insert, id=child, parent=top)
        kept, now = _fresh(database)
        assert kept == now
        assert kept.parents[child] == top
        _write(database, "UPDATE org_unit SET parent_id = NULL WHERE id = :id", id=child)
        kept, now = _fresh(database)
        assert kept == now
        assert kept.parents[child] is None
    finally:
        _write(database, "DELETE FROM org_unit WHERE id = :id", id=child)
        _write(database, "DELETE FROM org_unit WHERE id = :id", id=top)
    kept, now = _fresh(database)
    assert kept == now
    assert top not in kept.parents
