"""Reach the shared state-store fixtures in tests/_db.py (tests/ has no package)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _db import FakeClock, clock, state_url, store  # noqa: E402,F401
