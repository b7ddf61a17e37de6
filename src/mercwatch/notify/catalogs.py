"""Warning texts per language as gettext catalogs (Babel), with English as the source.

``messages/en.yaml`` holds the English texts, arranged as the templates use them. Every
other language is a gettext catalog ``catalogs/<tag>.po``: one entry per English text,
its ``msgctxt`` the text's place (``what_to_do.engagement.1``), so translators work in
the usual tools (Poedit, Weblate) and plural rules and writing direction come from CLDR
through Babel. Entries written without a native speaker carry the ``needs-review`` flag;
``mercwatch outbox locales --review`` lists how many each catalog still has.

Regenerate the template and bring every catalog up to date after editing en.yaml:

    python -m mercwatch.notify.catalogs
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from babel.core import UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from mercwatch.errors import ConfigError

SOURCE_LOCALE = "en"
REVIEW_FLAG = "needs-review"
DOMAIN = "mercwatch-notify"
_NOT_TRANSLATED = ("language", "dir")  # from CLDR, not from translators


def _folder() -> Any:
    return files("mercwatch.notify").joinpath("catalogs")


@functools.cache
def source_texts() -> dict[str, Any]:
    """The English texts (``messages/en.yaml``)."""
    path = files("mercwatch.notify").joinpath("messages").joinpath("en.yaml")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"notification messages en.yaml: {exc}") from exc


def leaves(data: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(place, English text) of every translatable text, in file order."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not prefix and key in _NOT_TRANSLATED:
                continue
            yield from leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, f"{prefix}.{index}")
    elif isinstance(data, str) and data:
        yield prefix, data


@functools.cache
def catalog_locales() -> tuple[str, ...]:
    """Locales with a catalog, sorted."""
    return tuple(
        sorted(p.name.removesuffix(".po") for p in _folder().iterdir() if p.name.endswith(".po"))
    )


@functools.cache
def load_catalog(locale: str) -> Catalog:
    """The parsed catalog of ``locale``.

    Raises:
        ConfigError: missing or unreadable catalog.
    """
    try:
        raw = _folder().joinpath(f"{locale}.po").read_bytes()
        return read_po(io.BytesIO(raw), locale=locale.replace("-", "_"), domain=DOMAIN)
    except (OSError, ValueError, UnknownLocaleError) as exc:
        raise ConfigError(f"notification catalog {locale!r}: {exc}") from exc


def direction(locale: str) -> str:
    """``rtl`` or ``ltr``, from CLDR."""
    try:
        order = Locale.parse(locale.replace("-", "_")).character_order
    except (ValueError, UnknownLocaleError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


def language_name(locale: str) -> str:
    """The language's own name for itself (``Português``), from CLDR."""
    try:
        return str(Locale.parse(locale.replace("-", "_")).display_name or locale)
    except (ValueError, UnknownLocaleError):
        return locale


def _translated(data: Any, catalog: Catalog, prefix: str = "") -> Any:
    if isinstance(data, dict):
        return {
            k: _translated(v, catalog, f"{prefix}.{k}" if prefix else str(k))
            for k, v in data.items()
            if prefix or k not in _NOT_TRANSLATED
        }
    if isinstance(data, list):
        return [_translated(v, catalog, f"{prefix}.{i}") for i, v in enumerate(data)]
    if isinstance(data, str) and data:
        message = catalog.get(data, context=prefix)
        return message.string if message is not None and message.string else data
    return data


@functools.cache
def texts(locale: str) -> dict[str, Any]:
    """The texts of ``locale`` arranged like en.yaml, plus ``language`` and ``dir``."""
    source = source_texts()
    data = dict(source) if locale == SOURCE_LOCALE else _translated(source, load_catalog(locale))
    data["language"] = language_name(locale)
    data["dir"] = direction(locale)
    return data


def missing(locale: str) -> list[str]:
    """Places whose text ``locale``'s catalog does not translate (empty = complete)."""
    catalog = load_catalog(locale)
    out = []
    for place, english in leaves(source_texts()):
        message = catalog.get(english, context=place)
        if message is None or not message.string:
            out.append(place)
    return out


def needing_review(locale: str) -> int:
    """How many entries of ``locale`` no native speaker has reviewed yet."""
    return sum(1 for m in load_catalog(locale) if m.id and REVIEW_FLAG in m.flags)


def template() -> Catalog:
    """The ``.pot`` template: every English text with its place as context."""
    catalog = Catalog(domain=DOMAIN, project="mercwatch", charset="utf-8")
    for place, english in leaves(source_texts()):
        catalog.add(english, context=place)
    return catalog


def update_catalogs(folder: Path) -> list[str]:
    """Write ``<folder>/mercwatch-notify.pot`` and merge it into every ``.po`` there."""
    pot = template()
    with (folder / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, pot, sort_output=False, omit_header=False)
    updated = []
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=path.stem.replace("-", "_"), domain=DOMAIN)
        catalog.update(pot, no_fuzzy_matching=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=False, ignore_obsolete=True)
        updated.append(path.stem)
    return updated


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    print(" ".join(update_catalogs(Path(__file__).with_name("catalogs"))))
