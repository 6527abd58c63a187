"""The pages, one module per screen or feature. Each reads through application/ and writes only
through it; nothing here calls the product's own HTTP API. A new screen adds its module to
SCREENS; the catch-all 404 page (`last`) stays after every route."""

from __future__ import annotations

from fastapi import APIRouter

from web.routes import (
    account,
    admin_cascades,
    admin_definitions,
    admin_delegations,
    admin_reassign,
    admin_units,
    admin_users,
    agreement,
    audit_desk,
    complaints,
    evidence,
    fallback,
    inbox,
    results,
    review,
    signin,
    signing,
    verify,
)

SCREENS: tuple[APIRouter, ...] = (
    signin.router,
    inbox.router,
    agreement.router,
    results.router,
    review.router,
    signing.router,
    evidence.router,
    complaints.router,
    audit_desk.router,
    verify.router,
    account.router,
    admin_units.router,
    admin_users.router,
    admin_delegations.router,
    admin_definitions.router,
    admin_cascades.router,
    admin_reassign.router,
)

# The screens, which web.app tries before the JSON API's routes for a page path, and the
# catch-all 404 page, after every route of both.
screens = APIRouter(include_in_schema=False)
for screen in SCREENS:
    screens.include_router(screen)
last = fallback.router
