"""The agreement list decides scope in SQL (decision 0030): on a varied world, its answer for
every user equals domain.access's rule applied to every agreement, on SQLite and PostgreSQL;
and the columns it matches on (agreement.unit, agreement_person) follow the recorded states,
including the agreements recorded before migration 0008."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from domain.access import OrgTree, Principal, may_read_agreement, read_scope
from domain.agreement import AgreementState, Parties
from domain.delegation import standings
from storage.agreements import agreements_in_scope, save_state
from storage.callers import Reader, identity_of, reader_of
from storage.db import Database
from storage.migrate import upgrade
from storage.tables import AgreementPerson, AgreementRow, AppUser, DelegationRow, OrgUnit, RoleGrant
from storage.unit_of_work import unit_of_work
from storage.users import org_tree
from tests.support.factories import created
from tests.support.servers import postgres_available, postgres_database

TODAY = datetime.now(UTC).date()
BASE = created()[0]
AT = datetime(2026, 1, 5, tzinfo=UTC)

# ministry > two departments > provinces > groups; a unit "x" outside the tree, as an
# agreement's unit may name one no longer there.
UNITS = {
    "m": None,
    "d1": "m",
    "d2": "m",
    "p1": "d1",
    "p2": "d1",
    "p3": "d2",
    "g1": "p1",
    "g2": "p1",
    "g3": "p3",
}
# user: (home unit, roles at home)
USERS: dict[str, tuple[str, list[str]]] = {
    "top-auditor": ("m", ["auditor"]),
    "d1-admin": ("d1", ["administrator"]),
    "p1-reviewer": ("p1", ["reviewer"]),
    "p3-maker": ("p3", ["maker"]),
    "g1-maker": ("g1", ["maker", "staff"]),
    "g2-recipient": ("g2", ["recipient"]),
    "g1-staff": ("g1", ["staff"]),
    "g3-staff": ("g3", ["staff"]),
    "committee": ("d2", ["committee"]),
    "nobody": ("g2", []),
    "stand-in": ("g3", ["staff"]),
    "late-stand-in": ("g2", ["staff"]),
}
# Further grants: (user, role, unit)
GRANTS = [
    ("g3-staff", "reviewer", "g2"),  # a reviewer of a group beside their own
    ("committee", "committee", "m"),  # committee at the top still sees only its parts
    ("p3-maker", "staff", "p1"),  # staff elsewhere adds nothing
]


def _world(db: Database, rng: random.Random) -> list[AgreementState]:
    with unit_of_work(db) as session:
        for unit, parent in UNITS.items():
            session.add(OrgUnit(id=unit, parent_id=parent, kind="unit", name_th=f"หน่วย {unit}"))
        session.flush()
        for user, (unit, roles) in USERS.items():
            session.add(
                AppUser(
                    id=user,
                    username=user,
                    display_name=user,
                    unit_id=unit,
                    roles=roles,
                    password_hash="-",
                )
            )
        session.flush()
        for user, role, unit in GRANTS:
            session.add(
                RoleGrant(user_id=user, role=role, unit_id=unit, granted_by="t", granted_at=AT)
            )
        _delegate(session, "dl-1", "g1-maker", "stand-in", TODAY - timedelta(days=3), None)
        # Revoked from today: no longer in force, so no longer a way in.
        _delegate(session, "dl-2", "p1-reviewer", "late-stand-in", TODAY - timedelta(days=9), TODAY)
    people = sorted(USERS)
    states = []
    for n in range(60):
        maker = rng.choice(["g1-maker", "p3-maker", "g2-recipient", "nobody"])
        home = rng.choice([None, None, "g1", "g2", "g3", "p2", "d2", "x"])
        acting = {"recipient": [rng.choice(people)]} if rng.random() < 0.2 else {}
        parties = Parties(
            maker=maker,
            recipient=rng.choice(["g2-recipient", "p1-reviewer", "d1-admin"]),
            reviewers=[rng.choice(people)],
            submitters=[rng.choice(["g1-staff", "g3-staff", "nobody"])],
            group_head=rng.choice([None, None, rng.choice(people)]),
            review_chain=rng.sample(people, rng.choice([0, 0, 1, 2])),
            acting=acting,
            unit=home,
        )
        reassigned = {"t/1": rng.choice(people)} if rng.random() < 0.15 else {}
        # Parties as a snapshot holds them (creation's separation rules are not the point here).
        update = {"agreement_id": f"a-{n:03d}", "parties": parties, "reassigned": reassigned}
        states.append(BASE.model_copy(update=update))
    with unit_of_work(db) as session:
        for state in states:
            save_state(session, state)
    return states


def _delegate(
    session: Session, dl: str, principal: str, delegate: str, start: date, revoked: date | None
) -> None:
    session.add(
        DelegationRow(
            id=dl,
            principal=principal,
            delegate=delegate,
            kind="acting_for",
            order_ref=f"คำสั่ง ที่ {dl}/2569",
            order_date=start,
            valid_from=start,
            valid_to=start + timedelta(days=60),
            created_by="t",
            created_at=AT,
            revoked_on=revoked,
            revoked_by=None if revoked is None else "t",
        )
    )


def _principal(db: Database, user_id: str) -> Principal:
    with db.reader() as session:
        found = identity_of(session, user_id, TODAY)
        columns = reader_of(session, user_id, TODAY)
    assert found is not None
    # The read routes' caller, read as columns, is the same as the one read as ORM rows.
    assert columns == Reader(user_id, found.user.unit_id, found.grants, found.delegations)
    return Principal(
        user_id=user_id,
        unit=found.user.unit_id,
        grants=found.grants,
        acting_for=standings(list(found.delegations), user_id, TODAY),
    )


def _domain_answer(states: list[AgreementState], principal: Principal, tree: OrgTree) -> list[str]:
    def unit_of(state: AgreementState) -> str:
        return state.parties.unit or USERS[state.parties.maker][0]

    admitted = [s for s in states if may_read_agreement(s, principal, tree, unit_of(s))]
    return sorted(s.agreement_id for s in admitted)


def _sql_answer(db: Database, principal: Principal, tree: OrgTree) -> tuple[list[str], int]:
    scope = read_scope(principal, tree)
    with db.reader() as session:
        rows, count = agreements_in_scope(session, scope, offset=0, limit=200)
        pages = [
            agreements_in_scope(session, scope, offset=offset, limit=7)[0]
            for offset in range(0, count, 7)
        ]
    paged = [r["id"] for page in pages for r in page]
    assert paged == [r["id"] for r in rows], "pages of 7 give the same list in the same order"
    return [r["id"] for r in rows], count


def _check_everyone(db: Database, states: list[AgreementState]) -> dict[str, int]:
    with db.reader() as session:
        tree = org_tree(session)
    seen = {}
    for user in USERS:
        principal = _principal(db, user)
        expected = _domain_answer(states, principal, tree)
        ids, count = _sql_answer(db, principal, tree)
        assert ids == expected, user
        assert count == len(expected), user
        seen[user] = count
    return seen


def test_the_lists_sql_scope_equals_the_domain_rule(own_database: Database) -> None:
    states = _world(own_database, random.Random(19))
    seen = _check_everyone(own_database, states)
    # The world is varied enough to tell the rules apart.
    assert len(states) > seen["top-auditor"] >= len([s for s in states if s.parties.unit != "x"])
    assert 0 < seen["g1-staff"] < seen["d1-admin"] < seen["top-auditor"]
    assert 0 < seen["committee"] < seen["top-auditor"]
    assert len(set(seen.values())) >= 6

    # States change who takes part and where they belong: the columns follow, then again equal.
    rng = random.Random(2569)
    changed = []
    for state in states[::3]:
        parties = state.parties.model_copy(
            update={"acting": {}, "unit": rng.choice(["g3", "p1", None]), "group_head": "committee"}
        )
        update = {"version": state.version + 1, "parties": parties, "reassigned": {"t/2": "nobody"}}
        changed.append(state.model_copy(update=update))
    with unit_of_work(own_database) as session:
        for state in changed:
            save_state(session, state)
    latest = {s.agreement_id: s for s in [*states, *changed]}
    after = _check_everyone(own_database, list(latest.values()))
    assert after != seen


def test_a_stand_in_sees_the_agreements_of_whom_they_stand_in_for(own_database: Database) -> None:
    states = _world(own_database, random.Random(7))
    with own_database.reader() as session:
        tree = org_tree(session)
    stand_in, late = _principal(own_database, "stand-in"), _principal(own_database, "late-stand-in")
    assert [s.principal for s in stand_in.acting_for] == ["g1-maker"] and not late.acting_for
    ids, _ = _sql_answer(own_database, stand_in, tree)
    makers = [s.agreement_id for s in states if s.parties.maker == "g1-maker"]
    assert makers and set(makers) <= set(ids)


# The agreement table as revision 0007 left it (the model has the unit column since).
OLD_AGREEMENT = sa.table(
    "agreement",
    *(sa.column(c.name, c.type) for c in AgreementRow.__table__.columns if c.name != "unit"),  # type: ignore[attr-defined]
)
# app_user as 0007 left it: the columns later migrations added (0011's standing) are not there.
LATER_USER_COLUMNS = {"active", "must_change_password"}
OLD_APP_USER = sa.table(
    "app_user",
    *(
        sa.column(c.name, c.type)
        for c in AppUser.__table__.columns  # type: ignore[attr-defined]
        if c.name not in LATER_USER_COLUMNS
    ),
)


@contextmanager
def _database_at_0007(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'old.db'}"
        upgrade(url, "0007")
        yield url
        return
    reason = postgres_available()
    if reason is not None:
        pytest.skip(reason)
    with postgres_database() as url:
        upgrade(url, "0007")
        yield url


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migration_0008_fills_unit_and_people_of_agreements_recorded_before(
    kind: str, tmp_path: Path
) -> None:
    with _database_at_0007(kind, tmp_path) as url:
        engine = sa.create_engine(url)
        with_unit, without = created(with_parties=_parties("g2"))[0], created()[0]
        without = without.model_copy(
            update={"agreement_id": "a-2", "reassigned": {"t/1": "late-stand-in"}}
        )
        with engine.begin() as connection:
            for unit in ("g1", "g2"):
                connection.execute(sa.insert(OrgUnit), {"id": unit, "kind": "u", "name_th": unit})
            maker = {"username": "maker", "display_name": "m", "unit_id": "g1", "roles": []}
            connection.execute(
                sa.insert(OLD_APP_USER), {"id": "maker", "password_hash": "-", **maker}
            )
            for state in (with_unit, without):
                row = {
                    "title": "t",
                    "definition_id": "d",
                    "definition_version": 1,
                    "definition_hash": "h",
                    "maker_id": "maker",
                    "recipient_id": "recipient",
                    "status": "draft",
                    "state_version": 1,
                    "created_at": AT,
                    "updated_at": AT,
                }
                snapshot = state.model_dump(mode="json")
                values = {"id": state.agreement_id, "state": snapshot, **row}
                connection.execute(sa.insert(OLD_AGREEMENT), values)
        engine.dispose()
        upgrade(url)
        db = Database(url)
        with db.reader() as session:
            units = {r.id: r.unit for r in session.exec(sa.select(AgreementRow)).scalars()}  # type: ignore[call-overload]
            people = sorted(
                (p.agreement_id, p.user_id)
                for p in session.exec(sa.select(AgreementPerson)).scalars()  # type: ignore[call-overload]
            )
        db.dispose()
    assert units == {"a-1": "g2", "a-2": "g1"}  # the named unit, else the maker's
    expected = {"maker", "recipient", "reviewer", "staff"}
    assert people == sorted(
        [("a-1", p) for p in expected] + [("a-2", p) for p in {*expected, "late-stand-in"}]
    )


def _parties(unit: str) -> Parties:
    return Parties(
        maker="maker",
        recipient="recipient",
        reviewers=["reviewer"],
        submitters=["staff"],
        unit=unit,
    )
