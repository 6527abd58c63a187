"""Administration, definitions: load one from its JSON file; every error is listed by its path
in the file (kpis[2].weight: ...), and nothing is stored until the file is right."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from application import admin_views, administration
from application.web_sessions import SignedIn, same_token
from domain.errors import DomainError
from web.refusals import field_errors, said
from web.routes.admin_common import admin_page, shown_as
from web.routes.context import db_of, error_page, lang_of, signed_in, to_sign_in

router = APIRouter(include_in_schema=False)
# A definition is a few hundred KPIs at most; anything far larger is not one.
MAX_FILE = 2 * 1024 * 1024


def _page(
    request: Request,
    who: SignedIn,
    status: int = 200,
    errors: list[tuple[str, str]] | None = None,
    filename: str = "",
) -> Response:
    return shown_as(
        request,
        who,
        "admin_definitions.html",
        status,
        definitions=admin_views.definitions(db=db_of(request)),
        file_errors=errors or [],
        filename=filename,
        done=request.query_params.get("done", ""),
    )


@router.get("/admin/definitions")
def definitions_page(request: Request) -> Response:
    who = admin_page(request)
    if isinstance(who, Response):
        return who
    return _page(request, who)


@router.post("/admin/definitions")
async def load(request: Request) -> Response:
    # A multipart form: the CSRF token is checked here rather than by signed_form, which reads
    # urlencoded fields only.
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    form = await request.form()
    token = form.get("csrf")
    if not isinstance(token, str) or not same_token(token, who.csrf_token):
        return error_page(request, 403)
    if not administration.is_administrator(who.principal):
        return error_page(request, 404)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _page(
            request, who, 422, [("file", said(lang_of(request), "required", "choose a JSON file"))]
        )
    raw = await upload.read(MAX_FILE + 1)
    if len(raw) > MAX_FILE:
        too_big = said(lang_of(request), "max_size", "2 MB")
        return _page(request, who, 413, [("file", too_big)], upload.filename)
    try:
        definition = administration.load_definition(db=db_of(request), actor=who.principal, raw=raw)
    except DomainError as refused:
        lang = lang_of(request)
        listed = [(v.field, said(lang, v.rule, v.message)) for v in refused.violations]
        listed = listed or list(field_errors(refused, lang).items())
        return _page(request, who, refused.status, listed, upload.filename)
    done = f"{definition.id}@{definition.version}"
    return RedirectResponse(f"/admin/definitions?done={done}", status_code=303)
