"""No exporter ever writes a target's id, display name or other target data.

The sample operations put target ids in a subdomain, a URL path and a query string,
and a display name in a URL; every byte of every format is searched for them, in
the forms a value can take there (as is, lower case, percent-encoded, defanged).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from _helpers.intel_samples import TARGET_IDS, TARGET_NAMES, fixed_clock

from mercwatch.intel.meta_csv import export_csv_2021, export_csv_2023
from mercwatch.intel.misp import export_misp
from mercwatch.intel.plain import export_plain
from mercwatch.intel.stix import export_stix


def _forms(term: str) -> set[str]:
    forms = {term, term.lower(), quote(term), quote(term.lower())}
    return forms | {f.replace(".", "[.]") for f in forms}


EXPORTERS = {
    "stix": lambda ops, names: export_stix(ops, clock=fixed_clock, sensitive=names).serialize(),
    "misp": lambda ops, names: json.dumps(
        [json.loads(e.to_json()) for e in export_misp(ops, sensitive=names)]
    ),
    "csv2021": lambda ops, names: export_csv_2021(ops, sensitive=names),
    "csv2023": lambda ops, names: export_csv_2023(ops, sensitive=names),
    "plain": lambda ops, names: export_plain(ops, sensitive=names),
    "plain-defanged": lambda ops, names: export_plain(ops, defanged=True, sensitive=names),
}


@pytest.mark.parametrize("name", sorted(EXPORTERS))
def test_no_target_data_in_any_export(name: str, operations) -> None:  # type: ignore[no-untyped-def]
    text = EXPORTERS[name](operations, TARGET_NAMES)
    for term in (*TARGET_IDS, *TARGET_NAMES):
        for form in _forms(term):
            assert form not in text, f"{name} leaks {form!r}"
    # the operations' own infrastructure is still there (the test can fail both ways)
    assert "evil-news" in text
    assert "profile-viewer" in text


@pytest.mark.parametrize("name", sorted(EXPORTERS))
def test_operation_accounts_devices_and_photos_stay_home(name: str, operations) -> None:  # type: ignore[no-untyped-def]
    text = EXPORTERS[name](operations, TARGET_NAMES)
    for private in ("acct-persona-1", "acct-scraper-9", "device-abc", "f0e1d2c3b4a59687"):
        assert private not in text
