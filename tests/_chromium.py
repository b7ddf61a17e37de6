"""Debian's Chromium for the browser tests: where it is and how it is started.

Both browser suites (report, dashboard) launch it the same way: no sandbox inside
the CI container, and nothing that would reach the network on its own.
"""

from __future__ import annotations

import shutil

from mercwatch.intel.report.pdf import CHROMIUM_ARGS

CHROMIUM = shutil.which("chromium")
#: The same flags the PDF renderer starts it with (no network of its own).
ARGS = list(CHROMIUM_ARGS)
