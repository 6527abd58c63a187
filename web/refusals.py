"""A refusal as the pages show it: the rule in the page's language, then the server's own words.

Rules are decided in domain/ (and a few in the application layer) with an English message for
the API's problem documents. A page says each rule first as the catalogue says it
(`messages/<lang>/rules.json`, key `rule.<name>`), then the server's words and the rule's name
in brackets: those carry the figures (a cut-off date, a bound) and are what an officer quotes
when asking for help. A rule the catalogue does not know keeps the server's words alone."""

from __future__ import annotations

from collections.abc import Sequence

from application.errors import Problem
from domain.errors import DomainError, Violation
from web.i18n import catalogue


def said(lang: str, rule: str, words: str) -> str:
    """One broken rule: its sentence in `lang`, then (the server's words; the rule)."""
    sentence = catalogue(lang).get(f"rule.{rule}")
    return f"{sentence} ({words}; {rule})" if sentence else f"{words} ({rule})"


def violations_of(refused: DomainError | Problem) -> Sequence[Violation]:
    return refused.errors if isinstance(refused, Problem) else refused.violations


def lead_of(refused: DomainError | Problem) -> str:
    return refused.detail if isinstance(refused, Problem) else refused.message


def worded(refused: DomainError | Problem, lang: str) -> str:
    """The whole refusal in one line: each rule's sentence, then the message and every rule it
    names (field: message (rule)) as the API's problem document carries them."""
    violations = violations_of(refused)
    detail = lead_of(refused) + "".join(f"; {v.field}: {v.message} ({v.rule})" for v in violations)
    known = catalogue(lang)
    sentences = dict.fromkeys(known[k] for v in violations if (k := f"rule.{v.rule}") in known)
    return f"{' '.join(sentences)} ({detail})" if sentences else detail


def field_errors(refused: DomainError | Problem, lang: str) -> dict[str, str]:
    """Field -> its rule in words; a refusal naming no field goes at the top of the form ("")."""
    found: dict[str, str] = {}
    for v in violations_of(refused):
        found.setdefault(v.field, said(lang, v.rule, v.message))
    if not found:
        found[""] = lead_of(refused)
    return found
