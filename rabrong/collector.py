"""The garbage collector tuned for a long-running server (decision 0033, amendment "the
collector").

CPython's defaults (a young collection every 700 new container objects, an older one every tenth
of those) suit short scripts. One inbox request makes several thousand objects (a page of rows,
their dicts, the JSON), so the API ran a young collection several times per request and, every
few hundred requests, a full one over everything it had imported: FastAPI's routes, SQLAlchemy's
compiled statements, pydantic's schemas. Measured in bench/api.py: 3.24 ms of CPU per inbox
request with the defaults, 2.23 ms with this, and the p95 tail shorter.

- Everything alive once the app is built is moved out of the collector's sight (`gc.freeze`):
  it lives as long as the process and holds no cycle worth looking for.
- Young collections every 20,000 new objects: a few requests' garbage, well under a MiB, so the
  memory budget (150 MiB during a 1 GiB upload) is unaffected; bench/evidence.py measures it.
"""

from __future__ import annotations

import gc

YOUNG = 20_000
OLDER_EVERY = 20


def settle() -> None:
    """Call once, after the app is built and before it serves."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, OLDER_EVERY, OLDER_EVERY)
