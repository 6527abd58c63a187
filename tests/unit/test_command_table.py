"""Every agreement command has its step, Update, route and audit action, and application's
command table names them truly: checked against the real workflow class, the real FastAPI app,
domain's steps, the histories recorded in tests/histories and the actions the steps write."""

from __future__ import annotations

import inspect
import json
import re
import typing
from pathlib import Path
from typing import Any

from temporalio import workflow

from api.app import create_app
from api.services import Services
from application.commands import BY_COMMAND, COMMAND_TABLE, CommandEntry, update_for
from domain import lifecycle
from domain.commands import Command, FireAlarms
from domain.lifecycle import drafting
from workflows.agreement import AgreementWorkflow

ROOT = Path(__file__).resolve().parents[2]
HISTORIES = sorted((ROOT / "tests/histories").glob("*.json"))
JOURNEY_ACTIONS = ROOT / "tests/fixtures/audit/fiscal-year-actions.json"
LIFECYCLE = ROOT / "domain/lifecycle"
# Only the deadline clock's command is decided without an Update or a route: the workflow
# fires its alarms itself.
DECIDED_BY_THE_WORKFLOW = {FireAlarms}
# An audit action is the second argument of the Decision a step returns.
ACTION = re.compile(r'Decision\([^"]*"([a-z_]+\.[a-z_]+)"')


def command_classes() -> set[type[Any]]:
    union = typing.get_args(Command)[0]
    return set(typing.get_args(union))


def workflow_updates() -> dict[str, Any]:
    """Update name (as recorded in histories) -> its handler on the real workflow class."""
    definition = workflow._Definition.must_from_class(AgreementWorkflow)
    return {str(name): update.fn for name, update in definition.updates.items()}


def update_name(entry: CommandEntry) -> str:
    names = [name for name, fn in workflow_updates().items() if fn is entry.update]
    assert len(names) == 1, f"{entry.command.__name__}: its update is not one of the workflow's"
    return names[0]


def served_routes() -> set[tuple[str, str]]:
    """(method, path) of every operation the real app publishes."""
    paths = create_app(Services.__new__(Services)).openapi()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def recorded_update_names() -> set[str]:
    names: set[str] = set()
    for path in HISTORIES:
        for event in json.loads(path.read_text(encoding="utf-8"))["events"]:
            accepted = event.get("workflowExecutionUpdateAcceptedEventAttributes")
            if accepted:
                names.add(accepted["acceptedRequest"]["input"]["name"])
    return names


def actions_written_by(step: Any) -> set[str]:
    return set(ACTION.findall(inspect.getsource(step)))


def test_every_command_has_one_row() -> None:
    rows = [entry.command for entry in COMMAND_TABLE]
    assert len(rows) == len(set(rows)), "a command has two rows"
    missing = command_classes() - set(rows)
    assert not missing, f"commands without a row in application/commands.py: {missing}"
    assert set(rows) <= command_classes(), "a row names a class that is not a command"


def test_every_command_a_person_sends_has_its_update_and_route() -> None:
    routes = served_routes()
    updates = workflow_updates()
    for entry in COMMAND_TABLE:
        name = entry.command.__name__
        if entry.command in DECIDED_BY_THE_WORKFLOW:
            assert entry.update is None and entry.route is None, name
            continue
        assert entry.update is not None, f"{name} has no Update"
        assert entry.route is not None, f"{name} has no route"
        assert (entry.route.method, entry.route.path) in routes, f"{name}: no such route served"
        update = update_name(entry)
        hints = typing.get_type_hints(updates[update])
        assert hints["command"] is entry.command, f"Update {update} takes another command"
        assert update_for(entry.command.model_construct()) is entry.update


def test_every_update_of_the_workflow_carries_a_command_of_the_table() -> None:
    carried = {update_name(entry) for entry in COMMAND_TABLE if entry.update is not None}
    assert set(workflow_updates()) == carried


def test_update_names_recorded_in_histories_still_exist() -> None:
    recorded = recorded_update_names()
    assert recorded, "the recorded histories hold no updates: this test would prove nothing"
    assert recorded <= set(workflow_updates())


def test_every_command_has_the_step_domain_decides_it_with() -> None:
    for entry in COMMAND_TABLE:
        expected = drafting.create if entry.command.__name__ == "CreateAgreement" else None
        assert entry.step is (expected or lifecycle.STEPS[entry.command]), entry.command.__name__


def test_every_command_writes_the_audit_actions_named_for_it() -> None:
    for entry in COMMAND_TABLE:
        assert entry.actions, f"{entry.command.__name__} has no audit action"
        assert set(entry.actions) == actions_written_by(entry.step), entry.command.__name__


def test_every_action_the_lifecycle_writes_belongs_to_a_command() -> None:
    named = {action for entry in COMMAND_TABLE for action in entry.actions}
    written = {
        action
        for path in LIFECYCLE.glob("*.py")
        for action in ACTION.findall(path.read_text(encoding="utf-8"))
    }
    assert written, "no Decision(...) found in domain/lifecycle: the pattern is stale"
    assert written <= named, written - named
    journey = set(json.loads(JOURNEY_ACTIONS.read_text(encoding="utf-8")))
    assert journey <= named, journey - named
    assert set(BY_COMMAND) == {entry.command for entry in COMMAND_TABLE}
