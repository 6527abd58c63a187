"""The inbox's task rows as HTML, written here rather than in inbox.html.

The inbox is the page everyone opens first and comes back to, and its fifty rows were most of
its rendering: Jinja spent about 24 µs a row (36 attribute lookups through the environment,
five calls through its calling machinery, sixteen values escaped one by one), 1.2 ms of the
page's 1.45 ms. Here each row is one string, every stored or typed text in it escaped once
with `html.escape` (quotes too, as in attributes), and the pieces that repeat from row to row
(a kind's words, a due date's) are kept once written; the rest of the page stays a template
(decision 0033, amendment "the inbox page's rows").

The markup is the template's as it was: the same classes, attributes and words, so the browser
tests and the stylesheet see no difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from html import escape
from urllib.parse import quote

from markupsafe import Markup

from application.pages import Due, TaskView
from web.i18n import catalogue


def task_rows(
    tasks: Sequence[TaskView],
    *,
    lang: str,
    titles: Mapping[str, str],
    names: Mapping[str, str],
    csrf: str,
) -> Markup:
    """The `<li>` of each task, in order, ready to sit inside `<ol class="tasks">`."""
    return Markup("".join(_row(task, lang, titles, names, csrf) for task in tasks))


def _row(
    task: TaskView, lang: str, titles: Mapping[str, str], names: Mapping[str, str], csrf: str
) -> str:
    late = " overdue" if task.due and task.due.overdue else ""
    group = task.claimable or task.claimed_by_me
    agreement = escape(task.agreement_id)
    someone = task.for_someone_else and names.get(task.for_someone_else, task.for_someone_else)
    what = _what(lang, task.kind, task.kpi_code, task.round, someone, group)
    return (
        f'<li class="task{late}" data-kind="{escape(task.kind)}">'
        f'<div class="what">{what}</div><div class="when">{_when(lang, task.due)}</div>'
        + (f'<p class="tasknote">{escape(task.note)}</p>' if task.note else "")
        + '<div class="do">'
        f'<a class="button primary" href="/agreements/{escape(quote(task.agreement_id))}">'
        f"{_action(lang, tuple(task.actions))}</a> "
        f'<span class="agreement">{escape(titles.get(task.agreement_id, ""))} '
        f'<span class="id">({agreement})</span></span>'
        + (_claim_form(task, lang, csrf) if group else "")
        + "</div></li>"
    )


# The pieces below are pure functions of few values that repeat from row to row and page to
# page (a kind, a KPI code, a due date, a language), each kept once written; bounded, and a
# few hundred bytes each: at most about 2 MiB when full, within the API's memory budget.
@lru_cache(maxsize=1024)
def _what(
    lang: str, kind: str, kpi_code: str | None, round: int | None, someone: str | None, group: bool
) -> str:
    words = catalogue(lang)
    parts = [f'<span class="kind">{escape(words["kind." + kind])}</span>']
    if kpi_code:
        parts.append(f"<span>{escape(words['inbox.kpi'].format(code=kpi_code))}</span>")
    if round:
        parts.append(f"<span>{escape(words['inbox.round'])} {round}</span>")
    if someone:
        parts.append(f'<span class="for">{escape(words["inbox.for"].format(name=someone))}</span>')
    if group:
        parts.append(f'<span class="group">{escape(words["inbox.group"])}</span>')
    return " ".join(parts)


@lru_cache(maxsize=512)
def _when(lang: str, due: Due | None) -> str:
    words = catalogue(lang)
    if due is None:
        return f"<span>{escape(words['inbox.no_due'])}</span>"
    shown = words["inbox.due"].format(date=due.thai if lang == "th" else due.iso)
    when = f'<time datetime="{escape(due.iso)}">{escape(shown)}</time> '
    if due.overdue:
        over = -due.working_days_left if due.working_days_left < 0 else 0
        return (
            when
            + f'<strong class="late">{escape(words["inbox.days_over"].format(n=over))}</strong>'
        )
    if due.working_days_left == 0:
        return when + f"<strong>{escape(words['inbox.due_today'])}</strong>"
    return when + f"<span>{escape(words['inbox.days_left'].format(n=due.working_days_left))}</span>"


@lru_cache(maxsize=256)
def _action(lang: str, actions: tuple[tuple[str, str], ...]) -> str:
    if not actions:
        return escape(catalogue(lang)["inbox.open_agreement"])
    return " / ".join(escape(th if lang == "th" else en) for th, en in actions)


def _claim_form(task: TaskView, lang: str, csrf: str) -> str:
    take, label = ("0", "inbox.release") if task.claimed_by_me else ("1", "inbox.claim")
    return (
        '<form method="post" action="/tasks/claim" class="inline">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<input type="hidden" name="task_id" value="{escape(task.id)}">'
        f'<input type="hidden" name="take" value="{take}">'
        f'<button type="submit">{escape(catalogue(lang)[label])}</button>'
        "</form>"
    )
