"""Fixtures for the intel tests: real feeds on disk and sample operations.

The sample operations' targets have distinctive ids and display names so the privacy
tests can search every exported byte for them.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from _helpers.intel_samples import TARGET_IDS, fixed_clock

from mercwatch.model import Attribution, Infrastructure, Operation, Phase


@pytest.fixture
def clock():
    return fixed_clock


@pytest.fixture
def operations() -> list[Operation]:
    """Two operations: one attributed with full infrastructure, one unattributed."""
    cytrox = Operation(
        operation_id="op-0001",
        confidence=0.92,
        phases=(Phase.RECONNAISSANCE, Phase.ENGAGEMENT, Phase.EXPLOITATION),
        accounts=("acct-persona-1", "acct-persona-2"),
        targets=TARGET_IDS,
        infrastructure=Infrastructure(
            domains=(
                "Evil-News.XYZ.",
                "not a domain",
                "login.evil-news.xyz",
                f"{TARGET_IDS[0]}.evil-news.xyz",
            ),
            urls=(
                f"https://login.evil-news.xyz/verify?user={TARGET_IDS[0]}",
                f"https://evil-news.xyz/p/{TARGET_IDS[1]}/doc",
                "http://track.evil-news.xyz/a'p\\c",
                "https://evil-news.xyz/hello/Zebediah%20Quillfeather",
            ),
            ips=("203.0.113.7", "2001:DB8:0:0::7"),
            devices=("device-abc",),
            photo_hashes=("f0e1d2c3b4a59687",),
            email_domains=("gmail.com", "evil-hr-recruit.com"),
        ),
        first_seen=datetime(2021, 10, 1, 8, 0),
        last_seen=datetime(2021, 12, 1, 18, 30),
        attribution=Attribution(actor="Cytrox", source="meta.csv", matched=("evil-news.xyz",)),
    )
    unknown = Operation(
        operation_id="op-0002",
        confidence=0.55,
        phases=(Phase.RECONNAISSANCE,),
        accounts=("acct-scraper-9",),
        targets=(TARGET_IDS[1],),
        infrastructure=Infrastructure(
            ips=("198.51.100.23",), domains=("profile-viewer.example.net",)
        ),
        first_seen=datetime(2021, 11, 5),
        last_seen=datetime(2021, 11, 20),
    )
    return [cytrox, unknown]
