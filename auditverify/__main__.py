"""`python -m auditverify verify FILE --public-key KEY [--json]`."""

import sys

from auditverify.cli import main

sys.exit(main())
