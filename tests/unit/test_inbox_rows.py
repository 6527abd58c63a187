"""The inbox's rows written in Python (web.inbox_rows): every stored or typed text escaped, the
words of the page's language, the claim form only on a group task and with the session's token.
The browser suite sees the same rows on the real page (tests/browser/test_web_app.py)."""

from __future__ import annotations

from html.parser import HTMLParser

from application.pages import Due, TaskView
from web.i18n import catalogue
from web.inbox_rows import task_rows

SCRIPT = '<script>alert("x")</script>'


def task(**changes: object) -> TaskView:
    fields: dict[str, object] = {
        "id": "task-1",
        "kind": "enter_result",
        "agreement_id": "ag-1",
        "round": 1,
        "kpi_code": "1.1",
        "due": Due("2027-03-31", "31 มี.ค. 2570", 3, False),
        "note": None,
        "actions": [("บันทึกผล", "Enter result")],
        "claimable": False,
        "claimed_by_me": False,
        "for_someone_else": None,
    }
    fields.update(changes)
    return TaskView(**fields)  # type: ignore[arg-type]


def rows(*tasks: TaskView, lang: str = "th", names: dict[str, str] | None = None) -> str:
    return str(
        task_rows(
            tasks,
            lang=lang,
            titles={"ag-1": SCRIPT, SCRIPT: SCRIPT},
            names=names or {},
            csrf="token-1",
        )
    )


class Texts(HTMLParser):
    """What a browser would show as text, and the elements it would build."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self.inputs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "input" and found.get("name"):
            self.inputs[str(found["name"])] = str(found.get("value"))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> Texts:
    texts = Texts()
    texts.feed(html)
    return texts


def test_every_stored_or_typed_text_is_shown_as_text() -> None:
    html = rows(
        task(note=SCRIPT, agreement_id=SCRIPT, kpi_code=SCRIPT, for_someone_else="u-2"),
        names={"u-2": SCRIPT},
    )
    page = parsed(html)
    assert "script" not in page.tags
    shown = "".join(page.text)
    assert shown.count(SCRIPT) == 5  # note, title, id, the KPI's words, the principal's name
    assert "%3Cscript%3E" in html  # the link to the agreement quotes the id


def test_the_words_are_the_pages_language() -> None:
    overdue = task(due=Due("2027-03-01", "1 มี.ค. 2570", -2, True))
    thai, english = (
        "".join(parsed(rows(overdue)).text),
        "".join(parsed(rows(overdue, lang="en")).text),
    )
    assert "ตัวชี้วัด 1.1" in thai and "บันทึกผล" in thai and "เกินกำหนด 2 วันทำการ" in thai
    assert "1 มี.ค. 2570" in thai
    assert "Enter result" in english and "2027-03-01" in english and "บันทึกผล" not in english


def test_a_task_without_a_due_date_or_an_action_says_so() -> None:
    shown = "".join(parsed(rows(task(due=None, actions=[]))).text)
    assert catalogue("th")["inbox.no_due"] in shown
    assert catalogue("th")["inbox.open_agreement"] in shown


def test_only_a_group_task_has_the_claim_form_with_the_sessions_token() -> None:
    assert "form" not in parsed(rows(task())).tags
    offered = parsed(rows(task(claimable=True)))
    assert offered.inputs == {"csrf": "token-1", "task_id": "task-1", "take": "1"}
    mine = parsed(rows(task(claimed_by_me=True)))
    assert mine.inputs["take"] == "0"
    assert catalogue("th")["inbox.release"] in "".join(mine.text)


def test_an_overdue_task_is_marked_for_the_stylesheet() -> None:
    late = rows(task(due=Due("2027-03-01", "1 มี.ค. 2570", -1, True)))
    assert late.startswith('<li class="task overdue"')
    assert rows(task()).startswith('<li class="task"')
