"""Thai first, English a click away: the strings of both languages live in message catalogues,
never in templates; a missing key fails the tests (both catalogues hold the same keys).

A language's catalogue is the union of its files, one per feature (`messages/th/inbox.json`
beside `messages/en/inbox.json`), so screens added side by side never edit the same file; a key
defined in two files is refused rather than one silently winning."""

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
    folder = resources.files(__package__).joinpath(f"messages/{lang}")
    merged: dict[str, str] = {}
    for part in sorted(folder.iterdir(), key=lambda p: p.name):
        if not part.name.endswith(".json"):
            continue
        loaded: dict[str, str] = json.loads(part.read_text("utf-8"))
        twice = merged.keys() & loaded.keys()
        if twice:
            raise ValueError(f"messages/{lang}/{part.name} repeats {sorted(twice)}")
        merged.update(loaded)
    return merged


def language(raw: str | None) -> str:
    return raw if raw in LANGUAGES else DEFAULT


def translate(lang: str, key: str, **values: object) -> str:
    """The message in the language, its {placeholders} filled in (the template escapes them)."""
    text = catalogue(lang)[key]
    return text.format(**values) if values else text
