"""Warning messages in the user's language, from Jinja2 templates with autoescaping.

English texts live in ``messages/en.yaml``, every other language in a gettext catalog
(``catalogs/<tag>.po``, see :mod:`mercwatch.notify.catalogs`), and the layout in
``templates/email.{html,txt}.j2``, so a translator edits catalogs and never code. HTML
is autoescaped: anything that could come from a user (a display name) is escaped
wherever it is shown.

Links: a warning links only to addresses the platform configured (its security
check-up page, a help line), never to a default of ours and never to anything from the
run, so a forged or tampered notification cannot point a person at risk anywhere else.
What the warning says about enforcement is passed in at send time (``enforcement``):
"we removed accounts" only once the removal is applied, "we are reviewing" while it
waits for review, nothing otherwise.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic_settings import BaseSettings, SettingsConfigDict

from mercwatch.errors import ConfigError
from mercwatch.model.records import Phase
from mercwatch.notify.catalogs import catalog_locales
from mercwatch.notify.catalogs import texts as catalog_texts

DEFAULT_LOCALE = "en"
ACCESS_NOW_HELPLINE = "https://www.accessnow.org/help/"  # a suggestion for the config
ENFORCEMENT_STATES = ("removed", "under_review", "none")


class NotifySettings(BaseSettings):
    """Links a warning may carry, from ``MERCWATCH_NOTIFY_CHECKUP_URL`` / ``_HELP_URL``."""

    model_config = SettingsConfigDict(env_prefix="MERCWATCH_NOTIFY_", extra="ignore")

    checkup_url: str | None = None
    help_url: str | None = None


def checked_link(url: str | None, what: str) -> str | None:
    """An https address with a host and no credentials, or a clear configuration error."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise ConfigError(f"{what} must be an https:// address with a host, got {url!r}")
    if any(c in url for c in "\r\n\"'<> "):
        raise ConfigError(f"{what} contains characters not allowed in a link: {url!r}")
    return url


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One warning, ready for any channel."""

    locale: str
    subject: str
    text: str
    html: str
    direction: str = "ltr"


@functools.cache
def available_locales() -> tuple[str, ...]:
    """English plus every language with a catalog (``catalogs/<tag>.po``), sorted."""
    return tuple(sorted({DEFAULT_LOCALE, *catalog_locales()}))


def pick_locale(requested: str | None) -> str:
    """``es-MX`` -> ``es`` when Spanish exists; anything unknown -> English."""
    if not requested:
        return DEFAULT_LOCALE
    language = requested.replace("_", "-").split("-")[0].strip().lower()
    return language if language in available_locales() else DEFAULT_LOCALE


def _texts(locale: str) -> dict[str, Any]:
    return catalog_texts(locale)


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("mercwatch.notify", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


class MessageRenderer:
    """Renders warnings; identical inputs give identical output (safe to cache).

    Args:
        checkup_url: the platform's security check-up page, linked when given.
        help_url: where at-risk people get help, linked when given (no default: the
            platform chooses, e.g. Access Now's helpline, ``ACCESS_NOW_HELPLINE``).

    Raises:
        ConfigError: a link that is not a plain https address.
    """

    def __init__(self, checkup_url: str | None = None, help_url: str | None = None) -> None:
        self.checkup_url = checked_link(checkup_url, "the check-up link")
        self.help_url = checked_link(help_url, "the help link")
        self._cached = functools.lru_cache(maxsize=256)(self._render)

    @classmethod
    def from_settings(
        cls, checkup_url: str | None = None, help_url: str | None = None
    ) -> MessageRenderer:
        """Explicit links first, then the environment (``NotifySettings``)."""
        settings = NotifySettings()
        return cls(checkup_url or settings.checkup_url, help_url or settings.help_url)

    def render(
        self,
        level: Phase,
        locale: str | None = None,
        display_name: str | None = None,
        enforcement: str = "none",
    ) -> RenderedMessage:
        """The warning for ``level`` in the best language for ``locale``."""
        if enforcement not in ENFORCEMENT_STATES:
            raise ValueError(f"unknown enforcement state {enforcement!r}")
        return self._cached(Phase(level), pick_locale(locale), display_name, enforcement)

    def _render(
        self, level: Phase, locale: str, display_name: str | None, enforcement: str
    ) -> RenderedMessage:
        texts = _texts(locale)
        context = {
            "enforcement": enforcement,
            "t": texts,
            "level": level.value,
            "locale": locale,
            "display_name": display_name,
            "subject": texts["subject"][level.value],
            "checkup_url": self.checkup_url,
            "help_url": self.help_url,
        }
        env = _environment()
        return RenderedMessage(
            locale=locale,
            subject=context["subject"],
            text=env.get_template("email.txt.j2").render(context),
            html=env.get_template("email.html.j2").render(context),
            direction=texts.get("dir", "ltr"),
        )
