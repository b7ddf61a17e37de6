"""Debian's Chromium for the browser tests: where it is and how it is started.

Both browser suites (report, dashboard) launch it the same way: no sandbox inside
the CI container, and nothing that would reach the network on its own.
"""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
