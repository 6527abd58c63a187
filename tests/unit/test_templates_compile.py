"""Every template compiles and every screen's own stylesheet reaches the page: base.html must
define the head block that screens fill (two merged branches once left it defined twice, then
not at all, and every screen lost its styles without a test noticing)."""

from __future__ import annotations

from importlib import resources

from jinja2 import nodes

from web.render import environment


def test_every_template_compiles() -> None:
    env = environment()
    names = env.list_templates(extensions=["html"])
    assert "base.html" in names
    for name in names:
        env.get_template(name)


def test_base_defines_the_head_block_once_inside_head() -> None:
    env = environment()
    source = resources.files("web").joinpath("templates/base.html").read_text("utf-8")
    blocks = [b.name for b in env.parse(source).find_all(nodes.Block)]
    assert blocks.count("head") == 1
    head = source[source.index("<head>") : source.index("</head>")]
    assert "{% block head %}" in head


def test_a_screen_with_its_own_stylesheet_renders_it() -> None:
    screen = environment().from_string(
        '{% extends "base.html" %}{% block head %}<link rel="stylesheet" href="/static/x.css">'
        "{% endblock %}{% block main %}body{% endblock %}"
    )
    html = screen.render(lang="th", t=lambda key, **_: key, me=None, path="/")
    head = html[html.index("<head>") : html.index("</head>")]
    assert '<link rel="stylesheet" href="/static/app.css">' in head
    assert '<link rel="stylesheet" href="/static/x.css">' in head


def test_an_order_reference_is_cited_with_the_word_order_once() -> None:
    from application.web_sessions import IdentityView, StandingView
    from web.i18n import translate

    def bar(order_ref: str) -> str:
        me = IdentityView(
            "นางสาวสมใจ", None, "พมจ.เชียงใหม่", None,
            [StandingView("acting_for", "u-permsec", "นายปลัด", order_ref)],
        )  # fmt: skip
        html = (
            environment()
            .get_template("base.html")
            .render(
                lang="th", t=lambda key, **v: translate("th", key, **v), me=me, csrf="x", path="/"
            )
        )
        return html[html.index('class="standing"') :].split("</span>")[0]

    assert bar("คำสั่ง สป.พม. ที่ ๑๒๓/๒๕๖๙").count("คำสั่ง") == 1
    assert "(คำสั่ง สป.พม. ที่ ๑๒๓/๒๕๖๙)" in bar("สป.พม. ที่ ๑๒๓/๒๕๖๙")
