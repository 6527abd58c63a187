"""Copies the screenshots the README shows from the browser tests' artefacts into
docs/screenshots/, so every picture in "Using Rabrong" is one a test took (run the browser
tests first: `make browser`, then `make readme-shots`). A picture missing from the artefacts
is an error, never a stale copy kept silently."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "var" / "test-artefacts" / "screenshots"
TARGET = ROOT / "docs" / "screenshots"
# (artefact, name in docs/screenshots): mostly the first screenful, as the user sees it on
# arrival; the committee's whole page, to show its forms.
CHOSEN = (
    ("inbox-cmi.staff-first-screen.png", "inbox-th.png"),
    ("work-grid-typing-first-screen.png", "round-grid-th.png"),
    ("evidence-after-upload-1280-first-screen.png", "evidence-upload-th.png"),
    ("work-review-open-first-screen.png", "review-th.png"),
    ("admin-cascade-finished-first-screen.png", "cascade-th.png"),
    ("complaint-filed-th-1280-first-screen.png", "complaint-filed-th.png"),
    ("complaint-decide-refused-en-1280.png", "complaint-decide-refused-en.png"),
    ("complaint-acknowledged-th-390-first-screen.png", "complaint-acknowledged-phone-th.png"),
    ("desk-search-th-1280-first-screen.png", "desk-search-th.png"),
    ("desk-as-of-th-1280-first-screen.png", "desk-as-of-th.png"),
)


def main() -> int:
    missing = [name for name, _ in CHOSEN if not (ARTEFACTS / name).is_file()]
    if missing:
        sys.stderr.write(f"not in {ARTEFACTS}: {', '.join(missing)}; run the browser tests\n")
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, kept in CHOSEN:
        shutil.copyfile(ARTEFACTS / name, TARGET / kept)
        sys.stdout.write(f"docs/screenshots/{kept}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
