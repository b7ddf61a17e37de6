"""What kind of suffix a name is registered under: throwaway, established or other.

Both the hand-set context rules (:mod:`mercwatch.linkscore.context`) and the learned
model's features (:mod:`mercwatch.linkscore.learned`) read it. It lives here, below
both, because the learned model used to import ``context`` just for this function
while ``context`` (through :class:`~mercwatch.linkscore.knowledge.Knowledge`) sat
above the learned model: a cycle knowledge -> learned -> context -> knowledge.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Final

from mercwatch.linkscore.parse import Target

if TYPE_CHECKING:
    from mercwatch.linkscore.knowledge import Knowledge

ESTABLISHED: Final = "established"
THROWAWAY: Final = "throwaway"
OTHER: Final = "other"

#: TLD risk weight (``tlds.yaml``) from which a TLD counts as throwaway.
THROWAWAY_RISK: Final[float] = 0.2
_LEGACY: Final = frozenset({"com", "net", "org", "edu", "gov", "int", "mil"})


def suffix_kind(target: Target, k: Knowledge) -> str:
    """``throwaway``, ``established`` or ``other`` (an ordinary new gTLD).

    Throwaway: a cheap or free TLD (risk >= ``THROWAWAY_RISK``), a reseller suffix or
    any private (hosting, reseller) suffix. Established: .com/.net/.org, the
    restricted legacy TLDs and country TLDs that are not cheap.
    """
    return _kind_of_suffix(target.suffix, target.private_suffix, k)


@lru_cache(maxsize=4096)  # a few hundred suffixes carry nearly all domains
def _kind_of_suffix(suffix: str, private: bool, k: Knowledge) -> str:
    """:func:`suffix_kind` from the two fields of the target it reads."""
    if private or suffix in k.resellers:
        return THROWAWAY
    if k.tld_risk.get(suffix, k.tld_risk.get(suffix.rsplit(".", 1)[-1], 0.0)) >= THROWAWAY_RISK:
        return THROWAWAY
    last = suffix.rsplit(".", 1)[-1]
    return ESTABLISHED if suffix in _LEGACY or len(last) == 2 else OTHER
