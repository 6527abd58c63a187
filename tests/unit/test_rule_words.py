"""Every rule the server can name has a sentence in both languages, and pages put it first."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

from application.errors import Problem
from domain.agreement import Party
from domain.errors import InvalidTransition, violation
from web.i18n import catalogue
from web.refusals import field_errors, said, worded

ROOT = Path(__file__).resolve().parents[2]
# Calls whose second argument (or `rule=`) names a rule; _require_round takes it fourth.
RULE_AT = {"violation": 1, "Violation": 1, "error": 1, "warn": 1, "_violation": 1}
RULE_AT["_require_round"] = 3


def rules_named_in_code() -> set[str]:
    """Rule names written as literals where refusals are made, and those made from a party."""
    found = {f"is_{party.value}" for party in Party}  # domain.policies: f"is_{party.value}"
    for layer in ("domain", "application", "api", "web"):
        for path in (ROOT / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name not in RULE_AT:
                    continue
                at = RULE_AT[name]
                rule = node.args[at] if len(node.args) > at else None
                rule = rule or next((k.value for k in node.keywords if k.arg == "rule"), None)
                if isinstance(rule, ast.Constant) and isinstance(rule.value, str):
                    found.add(rule.value)
    return found


def test_every_rule_in_the_code_has_a_sentence_in_thai_and_in_english() -> None:
    rules = rules_named_in_code()
    assert {"separation_of_duties", "before_cutoff", "in_review", "is_recipient"} <= rules
    for lang in ("th", "en"):
        missing = sorted(r for r in rules if f"rule.{r}" not in catalogue(lang))
        assert not missing, f"messages/{lang}/rules.json lacks {missing}"


def test_the_thai_sentences_are_thai_and_nfc() -> None:
    for key, text in catalogue("th").items():
        if key.startswith("rule."):
            assert unicodedata.normalize("NFC", text) == text, key
            assert any("\u0e01" <= ch <= "\u0e5b" for ch in text), key


def test_a_refusal_reads_in_the_pages_language_with_the_servers_words_kept() -> None:
    refused = InvalidTransition(
        "nobody may review a result they submitted",
        [violation("actor", "separation_of_duties", "reviewer submitted this result")],
    )
    line = worded(refused, "th")
    assert line.startswith("ขัดหลักการแบ่งแยกหน้าที่")
    assert line.endswith(
        "(nobody may review a result they submitted; "
        "actor: reviewer submitted this result (separation_of_duties))"
    )
    assert worded(refused, "en").startswith("Separation of duties:")
    assert field_errors(refused, "th") == {
        "actor": "ขัดหลักการแบ่งแยกหน้าที่ (ผู้ทำ ผู้ตรวจ และผู้ลงนามต้องเป็นคนละคน) "
        "(reviewer submitted this result; separation_of_duties)"
    }


def test_a_rule_without_a_sentence_and_a_refusal_without_rules_keep_the_servers_words() -> None:
    assert said("th", "made_up_rule", "odd") == "odd (made_up_rule)"
    bare = Problem(409, "Conflict", "Conflict", "the round is not scored yet")
    assert worded(bare, "th") == "the round is not scored yet"
    assert field_errors(bare, "th") == {"": "the round is not scored yet"}
