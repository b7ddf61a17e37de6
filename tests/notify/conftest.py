"""This folder's fixtures: the state store of tests/_db.py and the sinks of tests/_sinks.py."""

from _db import FakeClock, clock, state_url, store  # noqa: F401
from _sinks import smtp_sink, webhook_sink  # noqa: F401
