"""Thai first, English a click away: the strings of both languages live in message catalogues,
never in templates; a missing key fails the tests (both catalogues hold the same keys)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("th", "en")
DEFAULT = "th"
COOKIE = "rabrong_lang"
YEAR_SECONDS = 365 * 24 * 3600


@cache
def catalogue(lang: str) -> dict[str, str]:
    text = resources.files(__package__).joinpath(f"messages/{lang}.json").read_text("utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


def language(raw: str | None) -> str:
    return raw if raw in LANGUAGES else DEFAULT


def translate(lang: str, key: str, **values: object) -> str:
    """The message in the language, its {placeholders} filled in (the template escapes them)."""
    text = catalogue(lang)[key]
    return text.format(**values) if values else text
