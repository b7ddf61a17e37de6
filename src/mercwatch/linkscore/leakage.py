"""Keep evaluation families out of the link engine's word and brand lists.

A lure word or brand that occurs in one published family's domains and nowhere else
(no other family, no ordinary domain) is that family's spelling, not general
knowledge: a list holding it was, knowingly or not, written from the family, and a
figure measured on that family with it is not held out (issue 11: 12 of 136 strong
lure words occurred only in Cytrox's domains). Two uses:

- :func:`family_only_tokens` finds such tokens in the shipped lists (a test keeps
  the result empty);
- :func:`held_out_tokens` + :func:`without_tokens` rebuild the lists for a
  leave-one-family-out run: every token found in the held-out family's domains and
  in no training family's is dropped, whatever its source, so the rules that score a
  family could have been written without it (a lower bound for the rules).

Occurrence is a substring of the host with hyphens removed: generous on purpose,
so a token hidden inside a longer name (``tinylinks`` in ``tinylinks.co``) counts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from mercwatch.iocs import extractor as _extractor
from mercwatch.linkscore.knowledge import Brand

#: Keys of ``lures.yaml`` that are flat word lists, not lure families with tiers.
FLAT_LISTS = ("fillers", "sign_in")
#: The one domain Meta's CSV splits over two rows (85-86), joined again on load.
META_SPLIT_ROW = "fbc8213450838f7ae251d4"
#: Meta's Cytrox list (``meta_threat_research/``), folded into ``predator``.
META_CSV = "2021_12_taking_action_against_surveillance_for_hire.csv"


def lure_words(lure_data: Mapping[str, Any]) -> set[str]:
    """Every word of ``lures.yaml`` (both tiers of every family, fillers, sign-in)."""
    out: set[str] = set()
    for key, value in lure_data.items():
        if key in FLAT_LISTS:
            out |= {str(w).lower() for w in value or []}
        else:
            for tier in ("strong", "weak"):
                out |= {str(w).lower() for w in (value or {}).get(tier, [])}
    return out


def brand_tokens(brand: Brand, extra: Iterable[str]) -> set[str]:
    """The names a brand is recognised by: its domains' labels and its extra tokens."""
    names = {_extractor()(d).domain for d in brand.domains}
    names |= {t for t in extra if t != "__s__"}
    return {n.replace("-", "").lower() for n in names if n}


def _haystack(hosts: Iterable[str]) -> str:
    return "\n".join(h.replace("-", "").lower() for h in hosts)


def family_only_tokens(
    tokens: Iterable[str],
    families: Mapping[str, Iterable[str]],
    benign: Iterable[str],
    min_len: int = 4,
) -> dict[str, str]:
    """Tokens that occur in exactly one family's domains and in no benign domain.

    Args:
        tokens: the words of a list.
        families: family name -> its domains.
        benign: ordinary domains (any occurrence there is independent evidence).
        min_len: shorter tokens are skipped (3 letters occur by chance everywhere).

    Returns:
        token -> the one family it occurs in.
    """
    stacks = {name: _haystack(hosts) for name, hosts in families.items()}
    ordinary = _haystack(benign)
    out: dict[str, str] = {}
    for token in sorted(set(tokens)):
        if len(token) < min_len or token in ordinary:
            continue
        found = [name for name, stack in stacks.items() if token in stack]
        if len(found) == 1:
            out[token] = found[0]
    return out


def held_out_tokens(
    tokens: Iterable[str], held_out: Iterable[str], training: Iterable[str]
) -> set[str]:
    """Tokens found in the held-out family's domains and in no training family's."""
    test, train = _haystack(held_out), _haystack(training)
    return {t for t in set(tokens) if t and t in test and t not in train}


def without_tokens(
    lure_data: Mapping[str, Any],
    brand_entries: list[tuple[Brand, list[str]]],
    drop: set[str],
) -> tuple[dict[str, Any], list[tuple[Brand, list[str]]]]:
    """The lists with ``drop`` removed.

    Lure words are deleted. A brand loses the extra tokens and the owned domains
    named by a dropped token (Google without ``chrome.com`` and ``playstore``), and
    goes whole when its main (first) domain is named by one: a list written without
    the family would not know that brand at all.
    """
    lures: dict[str, Any] = {}
    for key, value in lure_data.items():
        if key in FLAT_LISTS:
            lures[key] = [w for w in value or [] if str(w).lower() not in drop]
        else:
            lures[key] = {
                tier: [w for w in words or [] if str(w).lower() not in drop]
                for tier, words in (value or {}).items()
            }
    brands: list[tuple[Brand, list[str]]] = []
    for brand, extra in brand_entries:
        domains = tuple(
            d for d in brand.domains if _extractor()(d).domain.replace("-", "") not in drop
        )
        if domains and domains[0] == brand.domains[0]:  # its main domain names it
            kept = [t for t in extra if t.replace("-", "") not in drop]
            brands.append((replace(brand, domains=domains), kept))
    return lures, brands


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return list(dict.fromkeys(ln.strip().lower() for ln in text.splitlines() if ln.strip()))


def meta_cytrox(csv_path: Path) -> list[str]:
    """Meta's Cytrox domains (Dec 2021), the one split domain joined again."""
    with csv_path.open(encoding="utf-8") as fh:
        values = [row["indicator_value"].strip().lower() for row in csv.DictReader(fh)]
    if META_SPLIT_ROW in values:
        i = values.index(META_SPLIT_ROW)
        values[i : i + 2] = [values[i] + values[i + 1]]
    return list(dict.fromkeys(values))


#: MISP CSV rows (Citizen Lab's ``iocs.csv``) whose value names the operator's own host.
#: URL rows are left out: beyond hosts already listed as domains they name public
#: shorteners and file-sharing services the operator used (``bit.ly``, ``goo.gl``).
MISP_HOST_TYPES = ("domain", "hostname")


def folder_hosts(folder: Path, file: str = "domains.txt") -> list[str]:
    """The hosts one family folder lists, from the file its index entry names.

    ``domains.txt``: one host a line. A CSV with ``type`` and ``value`` columns (MISP's
    export, Citizen Lab): the ``domain``/``hostname`` rows. A CSV with a
    ``domain_name`` column (Amnesty's 2018 NSO ``indicators.csv``): that column.
    """
    path = folder / file
    if path.suffix != ".csv":
        return _lines(path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "domain_name" in rows[0]:
        values = [row["domain_name"] for row in rows]
    else:
        values = [row["value"] for row in rows if row.get("type") in MISP_HOST_TYPES]
    return list(dict.fromkeys(v.strip().lower() for v in values if v and v.strip()))


def _index(intel_dir: Path) -> dict[str, dict[str, Any]]:
    text = (intel_dir / "families" / "families.yaml").read_text("utf-8")
    folders: dict[str, dict[str, Any]] = yaml.safe_load(text)["folders"]
    return folders


def evaluation_families(
    intel_dir: Path, exclude_licences: Iterable[str] = ()
) -> dict[str, list[str]]:
    """Every published family in an intel directory: family name -> its domains.

    Reads ``families/families.yaml`` (folders grouped by operator family), adds
    ``amnesty_pegasus/domains.txt`` to ``nso_pegasus`` and Meta's Cytrox CSV to
    ``predator``; domains deduplicated within a family, in file order.

    Args:
        intel_dir: the ``tests/data/intel`` directory.
        exclude_licences: folders under these licences (``families.yaml``'s
            ``licence``) are left out: the shipped model is fitted only on data whose
            licence allows shipping what is derived from it (not CC BY-NC-SA).
    """
    skip = set(exclude_licences)
    out: dict[str, list[str]] = {}
    for folder, meta in _index(intel_dir).items():
        if meta.get("licence") in skip:
            continue
        hosts = folder_hosts(intel_dir / "families" / folder, meta.get("file", "domains.txt"))
        out.setdefault(meta["family"], []).extend(hosts)
    out.setdefault("nso_pegasus", []).extend(_lines(intel_dir / "amnesty_pegasus" / "domains.txt"))
    meta_csv = intel_dir / "meta_threat_research" / META_CSV
    out.setdefault("predator", []).extend(meta_cytrox(meta_csv))
    return {name: list(dict.fromkeys(hosts)) for name, hosts in sorted(out.items())}


def family_kinds(intel_dir: Path) -> dict[str, str]:
    """Family name -> ``mercenary`` or ``phishing`` (from ``families.yaml``)."""
    return {m["family"]: m["kind"] for m in _index(intel_dir).values()}
