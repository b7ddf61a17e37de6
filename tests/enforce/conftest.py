"""Reach the shared state-store fixtures in tests/_db.py (tests/ has no package)."""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from _db import FakeClock, clock, state_url, store  # noqa: E402,F401
