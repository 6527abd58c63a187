"""The list pages are read as plain columns and written straight to JSON (decision 0030): the
columns they read are exactly their response models' fields, so the OpenAPI document they
declare stays true."""

from __future__ import annotations

from api.routes.inbox import TaskPublic
from application.public.agreements import AgreementSummary
from storage.agreements import SUMMARY_COLUMNS
from storage.inbox import TASK_COLUMNS


def test_the_inbox_page_reads_the_fields_of_taskpublic_and_adds_its_actions() -> None:
    assert [*TASK_COLUMNS, "actions"] == list(TaskPublic.model_fields)


def test_the_agreement_list_reads_the_fields_of_agreementsummary() -> None:
    assert list(SUMMARY_COLUMNS) == list(AgreementSummary.model_fields)
