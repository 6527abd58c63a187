"""A cascade: one template becomes an agreement for every unit below, each its own workflow.

The children are started with ABANDON, so they live their year whatever becomes of this
short workflow; each creates itself from the create command it is started with.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain.cascade_plan import CascadeRequest, plan
    from domain.commands import CreateAgreement
    from domain.errors import DomainError
    from domain.transition import AgreementWorkflowInput, AuditEvent
    from workflows.agreement import AgreementWorkflow, refusal


@workflow.defn
class CascadeWorkflow:
    @workflow.run
    async def run(self, request: CascadeRequest) -> list[str]:
        try:
            planned = plan(request)
        except DomainError as error:
            raise refusal(error) from error
        for item in planned:
            unit = item.unit
            create = CreateAgreement(
                command_id=f"{request.cascade_id}/{unit.agreement_id}",
                actor=request.actor,
                agreement_id=unit.agreement_id,
                title=unit.title,
                parties=unit.parties,
                parent_id=request.parent_id,
                policy=request.policy,
            )
            await workflow.start_child_workflow(
                AgreementWorkflow.run,
                AgreementWorkflowInput(
                    agreement_id=unit.agreement_id, definition=item.definition, create=create
                ),
                id=unit.agreement_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
            )
        children = [p.unit.agreement_id for p in planned]
        await workflow.execute_activity(
            "record_event",
            AuditEvent(
                command_id=request.cascade_id,
                at=workflow.now(),
                actor_id=request.actor.user_id,
                action="cascade.started",
                subject_type="cascade",
                subject_id=request.cascade_id,
                facts={
                    "template": f"{request.template.id}@{request.template.version}",
                    "template_hash": request.template.content_hash(),
                    "parent_id": request.parent_id,
                    "agreements": children,
                    "units": [p.unit.assignment.unit for p in planned],
                },
            ),
            start_to_close_timeout=timedelta(seconds=30),
        )
        return children
