"""Password hashing in tests: real argon2id, at the lowest cost argon2 accepts.

The production hasher (``lims.services.access.accounts._hasher``, argon2-cffi's RFC 9106 low-memory profile:
t = 3, m = 64 MiB, p = 4) takes about half a second per hash or verification on this machine, and the suite
creates and logs in users hundreds of times. Tests swap in the same algorithm with minimal cost: every hash is
still an ``$argon2id$`` hash that verifies only with its password, so a test of login or password changes keeps
its meaning. ``tests/services/test_accounts.py`` checks the production parameters themselves.
"""

from __future__ import annotations

import sys

from argon2 import PasswordHasher

from lims.services.access import accounts

# The application's own hasher, taken when tests/conftest.py first imports this module, before the swap.
PRODUCTION_HASHER = accounts._hasher

CHEAP_COST = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def cheap_hasher() -> PasswordHasher:
    return PasswordHasher(**CHEAP_COST)


# Prepended to ``python -c`` for commands run as real processes (their own interpreter, same swap).
CLI_PRELUDE = (
    "import argon2, lims.services.access.accounts as _accounts; "
    f"_accounts._hasher = argon2.PasswordHasher(**{CHEAP_COST!r}); "
)
LIMS_PROCESS = [sys.executable, "-c", CLI_PRELUDE + "from lims.cli import main; main()"]
