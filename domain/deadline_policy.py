"""How an agreement's deadlines behave: reminders, escalation, service levels, cut-off grace.

Every figure is configurable per agreement; the defaults follow the issue and the documents
(reminders 7 days and 1 day before; grievances answered within 15 days).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.calendar import WorkingCalendar


class DeadlinePolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    calendar: WorkingCalendar = WorkingCalendar()
    reminder_days: list[int] = Field(default_factory=lambda: [7, 1])
    reminders_in_working_days: bool = False
    reminder_hour: int = Field(default=9, ge=0, le=23)
    escalate: bool = True
    reassign_overdue: bool = Field(
        default=False, description="hand an overdue task to the assignee's superior"
    )
    monthly_reminder_day: int | None = Field(
        default=None, ge=1, le=28, description="remind units with open entries on this day"
    )
    submission_grace_working_days: int = Field(
        default=5, ge=0, description="working days after a round ends before submissions lock"
    )
    review_sla_working_days: int = Field(default=10, ge=1)
    resubmit_working_days: int = Field(default=5, ge=1)
    endorse_sla_working_days: int = Field(default=5, ge=1)
    acknowledge_working_days: int = Field(default=5, ge=1)
    complaint_window_working_days: int = Field(default=15, ge=0)
