"""Persona claims: roles a fake persona says it holds, from a bundled vocabulary.

The vocabulary is data (``detectors/data/persona_claims.yaml``) so analysts can add
the roles a new operation uses without touching code. Matching is one regular
expression per run, evaluated by the engine over ``display_name``, ``bio`` and
``employer``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

import ibis
import ibis.expr.types as ir
import yaml

from mercwatch.errors import ConfigError

CLAIMS_FILE = "persona_claims.yaml"


@cache
def claim_roles() -> dict[str, tuple[str, ...]]:
    """Role name -> lower-case words and phrases that claim it."""
    path = files("mercwatch.detectors").joinpath("data", CLAIMS_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        roles = {
            str(role): tuple(str(w).lower() for w in words) for role, words in raw["roles"].items()
        }
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"persona claim vocabulary {CLAIMS_FILE} is unreadable: {exc}") from exc
    return roles


def claim_pattern(roles: dict[str, tuple[str, ...]] | None = None) -> str:
    """One word-bounded alternation of every phrase, longest first so phrases win."""
    words = sorted(
        {w for ws in (roles or claim_roles()).values() for w in ws}, key=lambda w: (-len(w), w)
    )
    return r"\b(" + "|".join(re.escape(w).replace(r"\ ", " ") for w in words) + r")\b"


def claimed_role_text(accounts: ir.Table) -> ir.StringValue:
    """The first claimed phrase in an account's name, bio or employer, else null."""
    text = (
        ibis.coalesce(accounts.display_name, "")
        + " | "
        + ibis.coalesce(accounts.employer, "")
        + " | "
        + ibis.coalesce(accounts.bio, "")
    )
    found = text.lower().re_extract(claim_pattern(), 1)
    return ibis.ifelse(found == "", ibis.null("string"), found)
