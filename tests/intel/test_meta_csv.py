"""Meta's 2021 and 2023 layouts: the real 2021 files in every container, and our exports."""

from __future__ import annotations

import csv
import io

import pytest
from _helpers.intel_samples import META, META_2021

from mercwatch.intel.feeds import load_feed, parse_feed
from mercwatch.intel.meta_csv import (
    HEADER_2021,
    HEADER_2023,
    actor_from_comment,
    export_csv_2021,
    export_csv_2023,
)
from mercwatch.model import IndicatorType, Phase

SPLIT = "fbc8213450838f7ae251d4519c195138.xyz"


@pytest.fixture(scope="module", params=["csv", "tsv", "json", "xml"])
def meta_feed(request):  # type: ignore[no-untyped-def]
    return load_feed(META / f"{META_2021}.{request.param}")


def test_every_row_is_accounted_for(meta_feed) -> None:  # type: ignore[no-untyped-def]
    assert meta_feed.rows == 313
    assert len(meta_feed.indicators) == 310
    assert len(meta_feed.rejects) == 3
    assert len(meta_feed.indicators) + len(meta_feed.rejects) == meta_feed.rows
    assert meta_feed.actors == ("Cytrox",)
    assert {i.type for i in meta_feed.indicators} == {IndicatorType.DOMAIN}


def test_split_domain_rows_are_both_reported(meta_feed) -> None:  # type: ignore[no-untyped-def]
    split = [o for o in meta_feed.rejects if o.suggestion == SPLIT]
    assert [o.value for o in split] == ["fbc8213450838f7ae251d4", "519c195138.xyz"]
    values = {i.value for i in meta_feed.indicators}
    assert "519c195138.xyz" not in values and SPLIT not in values
    if meta_feed.format == "meta-csv-2021":
        assert [o.where.rsplit(":", 1)[1] for o in split] == ["85", "86"]


def test_a_name_under_a_private_tld_is_reported(meta_feed) -> None:  # type: ignore[no-untyped-def]
    (lab,) = [o for o in meta_feed.rejects if o.value == "amazing.lab"]
    assert lab.reason == "no public suffix" and lab.suggestion is None
    assert "ancienthistory.xyz" in {i.value for i in meta_feed.indicators}


def test_all_containers_agree() -> None:
    sets = [
        {i.value for i in load_feed(META / f"{META_2021}.{ext}").indicators}
        for ext in ("csv", "tsv", "json", "xml")
    ]
    assert sets[0] == sets[1] == sets[2] == sets[3]


@pytest.mark.parametrize(
    ("comment", "actor"),
    [
        ("Cytrox Domain", "Cytrox"),
        ("Iran: Tortoiseshell related Domain", "Tortoiseshell"),
        ("CallShowLite", None),
    ],
)
def test_actor_from_comment(comment: str, actor: str | None) -> None:
    assert actor_from_comment(comment) == actor


META_2023_SAMPLE = """Tactic ,Technique,Procedure,Indicator,Notes
0. Acquiring assets,0.6 Acquiring domains,"0.6.1 Acquiring domains to host, deploy, and support malware campaigns",toolkitapi[.]xyz,PJobRAT
0 Acquiring Assets,0.8 Acquiring apps,0.8.1 Creating apps,https://play.google[.]com/store/apps/details?id=com.securesafe,
0 Acquiring Assets,0.7 Acquiring malware,0.7.1 Developing custom malware, e63f7718c84c3b325c7da61a58dea7f8cb5b4eaa27b78eb7d78b4771400d3bc5,CryptChat (Panther)
,,,,
1. Disguising assets,1.2 Posing as non-existent person,1.2.1 Posing as person seeking romance,Posing as women seeking romance,
8. Compromising assets,8.1 Social engineering,8.1.1 Socially engineering targets to deliver malware,evil-apk[.]in,
"""  # noqa: E501 (rows in the layout of Meta's 2023 CSV, kept verbatim)


def test_meta_2023_layout() -> None:
    feed = parse_feed(META_2023_SAMPLE, "q4_2023.csv", actor="Example APT")
    assert feed.format == "meta-csv-2023"
    found = {i.value: i for i in feed.indicators}
    assert set(found) == {
        "toolkitapi.xyz",
        "https://play.google.com/store/apps/details?id=com.securesafe",
        "e63f7718c84c3b325c7da61a58dea7f8cb5b4eaa27b78eb7d78b4771400d3bc5",
        "evil-apk.in",
    }
    assert found["toolkitapi.xyz"].comment == "PJobRAT"
    assert found["evil-apk.in"].phases == (Phase.EXPLOITATION,)
    assert feed.actors == ("Example APT",)
    (prose,) = feed.rejects
    assert prose.value == "Posing as women seeking romance" and prose.where == "q4_2023.csv:6"


def test_export_2021_layout_round_trips(operations) -> None:  # type: ignore[no-untyped-def]
    text = export_csv_2021(operations)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER_2021
    assert ["domain_name", "evil-news.xyz", "Cytrox Domain", "2021-12-01"] in rows
    assert ["ip_address", "198.51.100.23", "mercwatch operation op-0002", "2021-11-20"] in rows
    feed = parse_feed(text, "ours.csv")
    assert feed.format == "meta-csv-2021" and feed.rejects == ()
    assert {i.value: i.actor for i in feed.indicators}["evil-news.xyz"] == "Cytrox"
    assert len(feed.indicators) == len(rows) - 1


def test_export_2023_layout_is_defanged_and_round_trips(operations) -> None:  # type: ignore[no-untyped-def]
    text = export_csv_2023(operations)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER_2023
    assert [
        "0. Acquiring assets",
        "0.6 Acquiring domains",
        "0.6.1 Acquiring domains to host, deploy, and support malware campaigns",
        "evil-news[.]xyz",
        "Cytrox",
    ] in rows
    assert all("http" not in r[3] for r in rows[1:])
    feed = parse_feed(text, "ours-2023.csv")
    assert feed.rejects == ()
    assert "https://login.evil-news.xyz/verify" in {i.value for i in feed.indicators}
