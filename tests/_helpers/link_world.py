"""Shared values of the link tests' small platforms (tests/link/conftest.py builds them)."""

from __future__ import annotations

from datetime import datetime

#: The platforms' clock start: every row is placed relative to it.
T0 = datetime(2021, 11, 1, 9, 0, 0)
