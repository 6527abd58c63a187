"""The demo agreement's title names the fiscal year the demo runs in, not its source's."""

from __future__ import annotations

from datetime import date

from rabrong.demo import demo_definition, demo_definition_for


def test_the_demo_moved_to_a_later_year_names_that_year_in_both_languages() -> None:
    moved = demo_definition_for(date(2026, 12, 6))  # in FY2570
    assert moved.fiscal_year_be == 2570
    assert moved.title_th.endswith("พ.ศ. ๒๕๗๐") and "๒๕๖๕" not in moved.title_th
    assert moved.title_en is not None and moved.title_en.startswith("FY2570 ")


def test_the_source_year_is_left_as_written() -> None:
    source = demo_definition()
    assert demo_definition_for(date(2022, 1, 31)) == source  # in FY2565 itself
    assert source.title_th.endswith("พ.ศ. ๒๕๖๕")
