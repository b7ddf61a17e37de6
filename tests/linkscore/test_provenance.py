"""The link engine's word and brand lists hold nothing that only an evaluation family uses.

Issue 11: 12 strong lure words and a dozen brands of the shipped lists occurred only in
Cytrox's domains, so figures "held out" on Cytrox were not. A token of a list that
occurs in exactly one published family's domains (and in no ordinary OpenDNS domain)
is allowed only when the list's documented independent source has it: for the lure
words and brands, x0rz/phishing_catcher's published keyword list
(``bench/data/phishing_catcher_suspicious.yaml``). A brand is independently sourced as
a whole when one of its names is in that source (Tutanota, and so its ``tuta.com``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mercwatch.linkscore import knowledge as kn
from mercwatch.linkscore import leakage as lk

ROOT = Path(__file__).resolve().parents[2]
INTEL = ROOT / "tests" / "data" / "intel"
SOURCE = ROOT / "bench" / "data" / "phishing_catcher_suspicious.yaml"


@pytest.fixture(scope="module")
def families() -> dict[str, list[str]]:
    return lk.evaluation_families(INTEL)


@pytest.fixture(scope="module")
def benign() -> list[str]:
    folder = INTEL / "benign_domains"
    return [
        ln.strip().lower()
        for name in ("opendns-top-domains.txt", "opendns-random-domains.txt")
        for ln in (folder / name).read_text(encoding="utf-8").splitlines()
        if ln.strip()
    ]


@pytest.fixture(scope="module")
def independent() -> set[str]:
    keywords = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))["keywords"]
    return {str(k).replace("-", "").lower() for k in keywords}


def test_every_family_is_loaded(families: dict[str, list[str]]) -> None:
    # 23 operator families: the 31 folders grouped, Pegasus and Meta's Cytrox folded in.
    assert len(families) == 23
    assert "bit-ly.org" in families["predator"]  # Meta's list
    assert "ecom-servicelogin.com" in families["belltrox_dark_basin"]  # Citizen Lab's CSV
    assert "1minto-start.com" in families["nso_pegasus"]  # Amnesty's 2018 CSV
    assert sum(len(v) for v in families.values()) > 5800


def test_misp_rows_give_hosts_not_shorteners(tmp_path: Path) -> None:
    # Citizen Lab's MISP CSV: domain rows are the operator's; URL rows (bit.ly links) are
    # not read, so a public shortener never becomes a family's "domain".
    (tmp_path / "iocs.csv").write_text(
        "uuid,event_id,category,type,value,comment,to_ids,date\n"
        'a,1,Network activity,domain,"SMSmensaje.mx","",1,20170626\n'
        'b,1,Payload delivery,url,"http://bit.ly/1WONumj","",1,20170626\n'
        'c,1,Network activity,ip-dst,"52.8.153.44","",1,20170626\n',
        encoding="utf-8",
    )
    assert lk.folder_hosts(tmp_path, "iocs.csv") == ["smsmensaje.mx"]


def test_non_commercial_folders_can_be_left_out() -> None:
    # The shipped model is fitted without CC BY-NC-SA data (bench/train_linkmodel.py).
    shippable = lk.evaluation_families(INTEL, exclude_licences=["CC-BY-NC-SA-4.0"])
    assert "belltrox_dark_basin" not in shippable
    assert "sms.webadv.co" not in shippable["nso_pegasus"]  # Citizen Lab's 2016 NSO report


def test_no_lure_word_comes_only_from_an_evaluation_family(
    families: dict[str, list[str]], benign: list[str], independent: set[str]
) -> None:
    lures, _ = kn.bundled_data()
    found = lk.family_only_tokens(lk.lure_words(lures), families, benign)
    leaked = {w: f for w, f in found.items() if w not in independent}
    assert leaked == {}


def test_no_brand_comes_only_from_an_evaluation_family(
    families: dict[str, list[str]], benign: list[str], independent: set[str]
) -> None:
    _, brands = kn.bundled_data()
    leaked = {}
    for brand, extra in brands:
        names = lk.brand_tokens(brand, extra)
        if names & independent:
            continue
        found = lk.family_only_tokens(names, families, benign)
        if found:
            leaked[brand.name] = found
    assert leaked == {}


def test_the_check_catches_a_cytrox_only_word(
    families: dict[str, list[str]], benign: list[str]
) -> None:
    # The words issue 11 found in the old list: the check must name them.
    found = lk.family_only_tokens(
        ["timestamp", "tinylinks", "sextape", "connectivitycheck", "news"], families, benign
    )
    assert found == {
        "timestamp": "predator",
        "tinylinks": "predator",
        "sextape": "predator",
        "connectivitycheck": "predator",
    }


def test_held_out_tokens_are_removed_and_shared_ones_kept() -> None:
    lures = {"update": {"strong": ["timestamp", "update"]}, "fillers": ["my"]}
    brands = [
        (kn.Brand("Zougla", "news", ("zougla.gr",)), []),
        (kn.Brand("Google", "tech", ("google.com", "chrome.com")), ["playstore"]),
    ]
    drop = lk.held_out_tokens(
        ["timestamp", "update", "zougla", "chrome", "playstore", "google"],
        held_out=["timestamp-update.xyz", "zougla-news.com", "chrome-playstore.net"],
        training=["update-now.top", "google-login.xyz"],
    )
    assert drop == {"timestamp", "zougla", "chrome", "playstore"}
    new_lures, new_brands = lk.without_tokens(lures, brands, drop)
    assert new_lures == {"update": {"strong": ["update"]}, "fillers": ["my"]}
    assert [(b.name, b.domains, extra) for b, extra in new_brands] == [
        ("Google", ("google.com",), [])
    ]
