"""Every version of an agreement's definition, and which one governs a round."""

from __future__ import annotations

from collections.abc import Iterable

from domain.agreement import AgreementState
from domain.deadlines import cutoff
from domain.definition import AgreementDefinition
from domain.errors import NotFound, violation


class DefinitionBook:
    """The versions a workflow holds; a round is scored with the version in force at its cut-off."""

    def __init__(self, definitions: Iterable[AgreementDefinition]) -> None:
        self.versions = {d.version: d for d in definitions}

    @classmethod
    def of(cls, definition: AgreementDefinition | DefinitionBook) -> DefinitionBook:
        return definition if isinstance(definition, DefinitionBook) else cls([definition])

    def add(self, definition: AgreementDefinition) -> DefinitionBook:
        return DefinitionBook([*self.versions.values(), definition])

    def get(self, version: int) -> AgreementDefinition:
        return self.versions[version]

    @property
    def latest(self) -> AgreementDefinition:
        return self.versions[max(self.versions)]

    def current(self, state: AgreementState | None) -> AgreementDefinition:
        if state is None or state.definition_version not in self.versions:
            return self.latest
        return self.versions[state.definition_version]

    def for_round(self, state: AgreementState, number: int) -> AgreementDefinition:
        current = self.current(state)
        if current.round(number) is None:
            raise NotFound(
                f"the definition has no round {number}",
                [violation("round", "round_exists", f"no round {number}")],
            )
        published = state.round_state(number).definition_version
        if published is not None and published in self.versions:
            return self.versions[published]  # a published round keeps the version it was scored by
        if not state.versions:
            return current
        closes = cutoff(current, state.policy, number)
        # Versions settled before the signatures were drafts: the one signed governs from the start.
        signed = state.activated_at
        in_force = [
            v.version
            for v in state.versions
            if v.in_force_from <= closes or signed is None or v.in_force_from <= signed
        ]
        version = max(in_force) if in_force else state.versions[0].version
        return self.versions.get(version, current)
