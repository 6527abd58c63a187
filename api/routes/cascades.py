"""Cascades: an administrator turns a template into one agreement per unit below, all or none."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CurrentUser, IdempotencyKey, ServicesDep, actor_of
from api.parties import with_unit
from api.problems import Problem
from api.schemas import CascadeCreate, CascadePublic
from application.cascades import run_cascade
from domain.cascade_plan import CascadeRequest, plan
from domain.policies import require_may_cascade
from storage.agreements import get_definition

router = APIRouter(prefix="/v1/cascades", tags=["cascades"])


@router.post("", status_code=201)
async def cascade(
    body: CascadeCreate, user: CurrentUser, services: ServicesDep, key: IdempotencyKey
) -> CascadePublic:
    with services.db.reader() as session:
        template = get_definition(session, body.template_id, body.template_version)
        units = [
            u.model_copy(update={"parties": with_unit(session, u.parties, f"units[{i}].parties")})
            for i, u in enumerate(body.units)
        ]
    require_may_cascade(user.principal, user.tree, [u.parties.unit for u in units])
    if template is None:
        raise Problem(404, "NotFound", "Not found", f"no template {body.template_id}")
    request = CascadeRequest(
        cascade_id=body.cascade_id or key or str(uuid.uuid4()),
        template=template,
        level=body.level,
        parent_id=body.parent_id,
        units=units,
        policy=body.policy,
        actor=actor_of(user),
    )
    # Every unit is checked before anything starts: a bad one is a 422 naming units[i].
    plan(request)
    agreements = await run_cascade(db=services.db, temporal=services.temporal, request=request)
    return CascadePublic(cascade_id=request.cascade_id, agreements=agreements)
