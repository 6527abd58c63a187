"""Templates: one per screen, autoescaped (every user-supplied text is shown as text), the
language's messages bound as `t`."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from web.i18n import translate


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a name missing from the view fails, never renders empty
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates are package files that do not change under a running process: without
        # this, every page (and every include in it) stats its template files again.
        auto_reload=False,
    )


def page(name: str, lang: str, status: int = 200, **values: Any) -> HTMLResponse:
    def t(key: str, **more: object) -> str:
        return translate(lang, key, **more)

    values.setdefault("path", "/")  # where the language switch comes back to
    html = environment().get_template(name).render(lang=lang, t=t, **values)
    return HTMLResponse(html, status_code=status)
