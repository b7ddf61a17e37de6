"""Nothing GPL-family in the runtime dependency closure of an Apache-2.0 package.

mercwatch is Apache-2.0 and is meant to be embedded in a platform's own systems; a
GPL, AGPL or LGPL package in what a base install pulls in would put terms on
everyone who ships it. The closure is walked over the installed distributions'
metadata (``importlib.metadata``), from the base requirements of pyproject.toml
(see ``_deps``), markers evaluated; extras are not part of the base install
(``postgres`` brings psycopg, LGPL, as an opt-in the operator chooses).

A licence is read from ``License-Expression``, the ``License ::`` classifiers and the
first line of the ``License`` field: that field sometimes holds the whole licence
text, whose later lines name bundled code's licences (SciPy's lists GCC's runtime
exception), while its first line is the licence's name or title. A distribution with
no licence metadata at all fails too, unless allowed below with a reason.
"""

from __future__ import annotations

import re
from email.message import Message

import pytest
from _deps import closure, runtime_requirements

COPYLEFT = re.compile(r"(?<![A-Za-z])(?:A|L)?GPL|General Public License", re.IGNORECASE)

# Distributions whose metadata states no licence, with what their source says.
NO_METADATA_ALLOWED = {
    # wordninja 2.0 ships no licence field or classifier; its repository's LICENSE
    # (github.com/keredson/wordninja) is MIT.
    "wordninja": "MIT (upstream LICENSE file)",
}


def declared_licences(meta: Message) -> list[str]:
    """The licence statements of one distribution's metadata."""
    found = []
    if expression := (meta.get("License-Expression") or "").strip():
        found.append(expression)
    found += [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    text = (meta.get("License") or "").strip()
    if text and text.upper() != "UNKNOWN":
        found.append(text.splitlines()[0])
    return found


def is_copyleft(statement: str) -> bool:
    """Whether a licence statement only allows GPL-family terms.

    An SPDX ``OR`` lets the user pick: ``MIT OR GPL-2.0`` is usable under MIT.
    """
    choices = re.split(r"\s+OR\s+", statement.strip("() "))
    return all(COPYLEFT.search(choice) for choice in choices)


def problems(meta: Message, name: str) -> list[str]:
    """Why ``name``'s licence is not acceptable at runtime (empty when it is)."""
    statements = declared_licences(meta)
    if not statements:
        return [] if name in NO_METADATA_ALLOWED else [f"{name}: no licence in its metadata"]
    return [f"{name}: {s}" for s in statements if is_copyleft(s)]


def test_runtime_closure_is_installed_and_has_no_copyleft_licence():
    found = closure(runtime_requirements())
    assert not found.missing, f"not installed, licence unknown: {found.missing}"
    bad = [
        f"{p} (pulled in by {found.via[name]})"
        for name, dist in sorted(found.found.items())
        for p in problems(dist.metadata, name)
    ]
    assert not bad, "GPL-family or unknown licences in the runtime closure:\n" + "\n".join(bad)
    # The closure is the real one, not an empty walk.
    assert {"numpy", "scipy", "graspologic-native", "fastapi"} <= set(found.found)


def _meta(**fields: str | list[str]) -> Message:
    meta = Message()
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            meta[key.replace("_", "-")] = one
    return meta


@pytest.mark.parametrize(
    "meta",
    [
        _meta(License="GNU General Public License (GPL)"),  # python-igraph 1.0
        _meta(License_Expression="GPL-2.0-or-later"),
        _meta(License_Expression="LGPL-3.0-only"),
        _meta(License_Expression="AGPL-3.0-or-later"),
        _meta(Classifier=["License :: OSI Approved :: GNU General Public License v2 (GPLv2)"]),
        _meta(Classifier=["License :: OSI Approved :: GNU Lesser General Public License v3"]),
        _meta(License="GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007"),
        _meta(License_Expression="GPL-2.0 OR LGPL-3.0"),
        _meta(),
    ],
)
def test_copyleft_or_unknown_licences_are_refused(meta):
    assert problems(meta, "somepackage")


@pytest.mark.parametrize(
    "meta",
    [
        _meta(License_Expression="BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0"),
        _meta(License_Expression="MIT OR GPL-2.0-or-later"),
        _meta(Classifier=["License :: OSI Approved :: MIT License"]),
        # SciPy: the licence text's first line; later lines name GCC's runtime (GPL
        # with exception) for the bundled Fortran runtime.
        _meta(License="Copyright (c) 2001-2002 Enthought, Inc.\n... GPL-3.0-with-GCC-exception"),
        _meta(License="MPL-2.0"),
    ],
)
def test_permissive_licences_pass(meta):
    assert not problems(meta, "somepackage")


def test_missing_metadata_is_allowed_only_with_a_reason():
    assert not problems(_meta(), "wordninja")
    assert all(reason for reason in NO_METADATA_ALLOWED.values())
