"""The inbox's task rows as HTML, written here rather than in inbox.html.

The inbox is the page everyone opens first and comes back to, and its fifty rows were most of
its rendering: Jinja spent about 24 µs a row (36 attribute lookups through the environment,
five calls through its calling machinery, sixteen values escaped one by one), 1.2 ms of the
page's 1.45 ms. Here each row is one string, every stored or typed text in it escaped once
with `html.escape` (quotes too, as in attributes); the rest of the page stays a template
(decision 0033, amendment "the inbox page's rows").

The markup is the template's as it was: the same classes, attributes and words, so the browser
tests and the stylesheet see no difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from urllib.parse import quote

from markupsafe import Markup

from application.pages import Due, TaskView


def task_rows(
    tasks: Sequence[TaskView],
    *,
    lang: str,
    words: Mapping[str, str],
    titles: Mapping[str, str],
    names: Mapping[str, str],
    csrf: str,
) -> Markup:
    """The `<li>` of each task, in order, ready to sit inside `<ol class="tasks">`."""
    return Markup("".join(_row(task, lang, words, titles, names, csrf) for task in tasks))


def _row(
    task: TaskView,
    lang: str,
    words: Mapping[str, str],
    titles: Mapping[str, str],
    names: Mapping[str, str],
    csrf: str,
) -> str:
    late = " overdue" if task.due and task.due.overdue else ""
    group = task.claimable or task.claimed_by_me
    agreement = escape(task.agreement_id)
    return (
        f'<li class="task{late}" data-kind="{escape(task.kind)}">'
        f'<div class="what">{_what(task, words, names, group)}</div>'
        f'<div class="when">{_when(task.due, lang, words)}</div>'
        + (f'<p class="tasknote">{escape(task.note)}</p>' if task.note else "")
        + '<div class="do">'
        f'<a class="button primary" href="/agreements/{escape(quote(task.agreement_id))}">'
        f"{_action(task, lang, words)}</a> "
        f'<span class="agreement">{escape(titles.get(task.agreement_id, ""))} '
        f'<span class="id">({agreement})</span></span>'
        + (_claim_form(task, words, csrf) if group else "")
        + "</div></li>"
    )


def _what(task: TaskView, words: Mapping[str, str], names: Mapping[str, str], group: bool) -> str:
    parts = [f'<span class="kind">{escape(words["kind." + task.kind])}</span>']
    if task.kpi_code:
        parts.append(f"<span>{escape(words['inbox.kpi'].format(code=task.kpi_code))}</span>")
    if task.round:
        parts.append(f"<span>{escape(words['inbox.round'])} {task.round}</span>")
    if task.for_someone_else:
        name = names.get(task.for_someone_else, task.for_someone_else)
        parts.append(f'<span class="for">{escape(words["inbox.for"].format(name=name))}</span>')
    if group:
        parts.append(f'<span class="group">{escape(words["inbox.group"])}</span>')
    return " ".join(parts)


def _when(due: Due | None, lang: str, words: Mapping[str, str]) -> str:
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


def _action(task: TaskView, lang: str, words: Mapping[str, str]) -> str:
    if not task.actions:
        return escape(words["inbox.open_agreement"])
    return " / ".join(escape(th if lang == "th" else en) for th, en in task.actions)


def _claim_form(task: TaskView, words: Mapping[str, str], csrf: str) -> str:
    take, label = ("0", "inbox.release") if task.claimed_by_me else ("1", "inbox.claim")
    return (
        '<form method="post" action="/tasks/claim" class="inline">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<input type="hidden" name="task_id" value="{escape(task.id)}">'
        f'<input type="hidden" name="take" value="{take}">'
        f'<button type="submit">{escape(words[label])}</button>'
        "</form>"
    )
