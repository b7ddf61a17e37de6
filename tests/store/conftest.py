"""The shared state-store fixtures of tests/_db.py, for this folder's tests."""

from _db import FakeClock, clock, state_url, store  # noqa: F401
