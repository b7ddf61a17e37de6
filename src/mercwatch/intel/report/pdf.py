"""Print a rendered report to PDF in headless Chromium (Debian's, driven by playwright).

Chromium was chosen over WeasyPrint (installable from PyPI, but a second layout engine
with its own CSS gaps): the screenshot tests already lay the report out in Chromium, so
the PDF is the page those tests checked. Nothing is downloaded: playwright is told the
system browser's path, the page is loaded from ``file://`` in an offline context, and
the report's Content Security Policy forbids scripts and remote loads anyway.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from mercwatch.errors import ConfigError, InputError

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str:
    """The browser to print with: ``MERCWATCH_CHROMIUM`` or ``chromium`` on PATH.

    Raises:
        ConfigError: none found (install Debian's ``chromium`` package).
    """
    path = os.environ.get("MERCWATCH_CHROMIUM") or shutil.which("chromium")
    if not path:
        raise ConfigError(
            "--pdf needs Chromium: install it (apt-get install chromium) "
            "or set MERCWATCH_CHROMIUM to its path"
        )
    return path


def html_to_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print ``html_path`` to ``pdf_path`` (A4, backgrounds on); written atomically.

    Raises:
        ConfigError: playwright or Chromium is missing.
        InputError: the PDF cannot be written.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise ConfigError("--pdf needs playwright: pip install 'mercwatch[pdf]'") from exc
    browser_path = chromium_path()
    fd, tmp = tempfile.mkstemp(dir=pdf_path.parent, prefix=f".{pdf_path.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, 0o644)  # a report to hand on, not a secret: like the HTML beside it
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=browser_path, args=list(CHROMIUM_ARGS))
            try:
                context = browser.new_context(offline=True)
                page = context.new_page()
                page.goto(html_path.resolve().as_uri(), wait_until="load")
                page.pdf(path=tmp, format="A4", print_background=True)
            finally:
                browser.close()
        os.replace(tmp, pdf_path)
    except OSError as exc:
        raise InputError(str(pdf_path), f"cannot write: {exc}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return pdf_path
