"""The demo organisation, its users and the FY2565 provincial agreement (seed 000), moved to
the fiscal year the demo runs in."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from domain.agreement import Parties
from domain.definition import AgreementDefinition
from domain.rollover import copy_for_year
from domain.thai import fiscal_year_be
from storage.agreements import save_definition
from storage.db import Database
from storage.tables import AppUser, OrgUnit
from storage.unit_of_work import unit_of_work
from storage.users import hash_password, upsert_unit, upsert_user, user_by_username


def demo_agreement_id(today: date) -> str:
    return f"fy{fiscal_year_be(today)}-cmi"


UNITS = [
    OrgUnit(
        id="msdhs",
        kind="ministry",
        name_th="กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์",
        name_en="Ministry of Social Development and Human Security",
    ),
    OrgUnit(
        id="ops",
        parent_id="msdhs",
        kind="department",
        name_th="สำนักงานปลัดกระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์",
        name_en="Office of the Permanent Secretary",
    ),
    OrgUnit(
        id="cmi",
        parent_id="ops",
        kind="province",
        name_th="สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดเชียงใหม่",
        name_en="Chiang Mai provincial office",
    ),
    OrgUnit(
        id="cmi-policy",
        parent_id="cmi",
        kind="group",
        name_th="กลุ่มนโยบายและวิชาการ",
        name_en="Policy and academic group",
    ),
    OrgUnit(
        id="skw",
        parent_id="ops",
        kind="province",
        name_th="สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดสระแก้ว",
        name_en="Sa Kaeo provincial office",
    ),
    OrgUnit(
        id="skw-policy",
        parent_id="skw",
        kind="group",
        name_th="กลุ่มนโยบายและวิชาการ",
        name_en="Policy and academic group",
    ),
]

# (id, username, Thai name, position, unit, roles)
USERS = [
    ("u-admin", "admin", "ผู้ดูแลระบบ", "ผู้ดูแลระบบ", "msdhs", ["administrator"]),
    ("u-permsec", "permsec", "นางสาวปลัด ตัวอย่าง", "ปลัดกระทรวง", "ops", ["recipient"]),
    ("u-owner", "kpi.owner", "นายเจ้าของ ตัวชี้วัด", "ผู้อำนวยการกองคลัง", "ops", ["reviewer"]),
    ("u-cmi-head", "cmi.head", "นายเชียงใหม่ หัวหน้า", "พมจ.เชียงใหม่", "cmi", ["maker"]),
    ("u-cmi-staff", "cmi.staff", "นางสาวเจ้าหน้าที่ เชียงใหม่", "นักพัฒนาสังคม", "cmi-policy", ["staff"]),
    ("u-skw-head", "skw.head", "นายสระแก้ว หัวหน้า", "พมจ.สระแก้ว", "skw", ["maker"]),
    ("u-skw-staff", "skw.staff", "นายเจ้าหน้าที่ สระแก้ว", "นักพัฒนาสังคม", "skw-policy", ["staff"]),
    ("u-auditor", "auditor", "นางผู้ตรวจ สอบ", "ผู้ตรวจราชการ", "msdhs", ["auditor"]),
    ("u-committee-1", "committee1", "นายกรรมการ อิสระ", "นิติกรชำนาญการพิเศษ", "ops", ["committee"]),
    ("u-committee-2", "committee2", "นางสาวกรรมการ ยุติธรรม", "นิติกร", "msdhs", ["committee"]),
]


@dataclass(frozen=True)
class DemoLoad:
    password: str
    usernames: list[str]
    definition: AgreementDefinition


def demo_definition() -> AgreementDefinition:
    text = resources.files(__package__).joinpath("fy2565_provincial.json").read_text("utf-8")
    return AgreementDefinition.model_validate(json.loads(text))


def demo_definition_for(today: date) -> AgreementDefinition:
    """The FY2565 demo KPIs moved to the fiscal year that contains today, so rounds are open."""
    source = demo_definition()
    year = fiscal_year_be(today)
    if year <= source.fiscal_year_be:
        return source
    copied = copy_for_year(source, year, new_id=f"fy{year}-provincial-social-development")
    # The rollover keeps a title as written; the demo's names its year, so it names the new one.
    data = copied.model_dump()
    data["title_th"] = _renamed_year(copied.title_th, source.fiscal_year_be, year)
    data["title_en"] = _renamed_year(copied.title_en, source.fiscal_year_be, year)
    return AgreementDefinition.model_validate(data)


_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def _renamed_year(title: str | None, old: int, new: int) -> str | None:
    """The year as the title writes it, in Thai or Arabic digits, replaced by the new year."""
    if title is None:
        return None
    for digits in (str.maketrans({}), _THAI_DIGITS):
        title = title.replace(str(old).translate(digits), str(new).translate(digits))
    return title


def demo_password(var_dir: Path) -> str:
    """One password for every demo login, generated at first run and kept in var/."""
    path = var_dir / "demo-password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(9))
        os.chmod(path, 0o600)
    return path.read_text().strip()


def load_demo(db: Database, var_dir: Path, today: date | None = None) -> DemoLoad:
    password = demo_password(var_dir)
    definition = demo_definition_for(today or datetime.now(UTC).date())
    with unit_of_work(db) as session:
        for unit in UNITS:
            upsert_unit(session, unit)
        session.flush()
        for user_id, username, name, position, unit_id, roles in USERS:
            existing = user_by_username(session, username)
            upsert_user(
                session,
                AppUser(
                    id=user_id,
                    username=username,
                    display_name=name,
                    position=position,
                    unit_id=unit_id,
                    roles=roles,
                    password_hash=existing.password_hash if existing else hash_password(password),
                ),
            )
        save_definition(session, definition)
    return DemoLoad(password, [u[1] for u in USERS], definition)


def demo_parties(province: str) -> Parties:
    return Parties(
        maker=f"u-{province}-head",
        recipient="u-permsec",
        reviewers=["u-owner"],
        submitters=[f"u-{province}-staff"],
    )


# Round results the staff enter: KPI 2 reaches level 3, the others level 4 (3.625 weighted).
DEMO_RESULTS: dict[str, dict[str, Any]] = {
    "2": {"steps_done": [1, 2, 3]},
    "5": {"value": "55"},
    "8": {
        "steps": [
            {"achieved": "1"},
            {"achieved": "1"},
            {"achieved": "1"},
            {"achieved": "1"},
            {"achieved": "0", "target": "6"},
        ]
    },
    "10": {"value": "๕๒.๕"},
}

# The same levels in round 2 (April to September), whose criteria differ: KPI 2 is a ladder
# 60..100 (80 reaches level 3), KPI 5 a ladder 70..100 with level 5 above 100 (100 reaches
# level 4), KPI 8 the same five steps, KPI 10 a ladder 92..100 (98.5 reaches level 4). The
# weights are the same, so the round score is 3.625 as in round 1.
DEMO_ROUND_RESULTS: dict[int, dict[str, dict[str, Any]]] = {
    1: DEMO_RESULTS,
    2: {
        "2": {"value": "80"},
        "5": {"value": "100"},
        "8": DEMO_RESULTS["8"],
        "10": {"value": "๙๘.๕"},
    },
}
