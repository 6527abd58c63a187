"""The API process as `rabrong up` starts it: `rabrong api`, less one library it never uses.

structlog imports rich when it is installed, for pretty tracebacks; these logs are JSON lines
and never use it, and rich is there only because the development tools (import-linter,
schemathesis) bring it into the same environment. Refusing it here, before anything imports
structlog, keeps 3 MiB of the API's 150 MiB budget during large uploads (decision 0033). Only
this process: a test run or a CLI command that imports structlog beside schemathesis keeps it.
"""

from __future__ import annotations

import sys

sys.modules.setdefault("rich", None)  # type: ignore[arg-type]  # `import rich` now fails

from rabrong.cli import main  # noqa: E402  (after the refusal above, on purpose)

if __name__ == "__main__":
    raise SystemExit(main(["api", *sys.argv[1:]]))
