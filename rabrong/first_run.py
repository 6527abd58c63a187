"""The first administrator: created when nobody can administer, with a generated password
kept in var/admin-password (mode 600) for whoever installed the system."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import structlog
from sqlmodel import select

from domain.access import ADMINISTRATOR
from storage.db import Database
from storage.tables import AppUser, OrgUnit, RoleGrant
from storage.unit_of_work import unit_of_work
from storage.users import hash_password, upsert_unit, users_with_role

log = structlog.get_logger(__name__)

ROOT_UNIT = OrgUnit(id="root", kind="organisation", name_th="หน่วยงาน", name_en="Organisation")


def ensure_first_administrator(db: Database, var_dir: Path) -> Path | None:
    """The password file when an administrator was created now; None when one existed."""
    with unit_of_work(db) as session:
        granted = session.exec(select(RoleGrant).where(RoleGrant.role == ADMINISTRATOR)).first()
        if users_with_role(session, ADMINISTRATOR) or granted is not None:
            return None
        top = session.exec(select(OrgUnit).where(OrgUnit.parent_id == None)).first()  # noqa: E711
        if top is None:
            upsert_unit(session, ROOT_UNIT)
            session.flush()  # the user refers to it
            top = ROOT_UNIT
        password = secrets.token_urlsafe(12)
        session.add(
            AppUser(
                id="u-admin",
                username="admin",
                display_name="ผู้ดูแลระบบ",
                position="ผู้ดูแลระบบ",
                unit_id=top.id,
                roles=[ADMINISTRATOR],
                password_hash=hash_password(password),
            )
        )
    path = var_dir / "admin-password"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(password + "\n")
    log.warning("first administrator created", username="admin", password_file=str(path))
    return path
