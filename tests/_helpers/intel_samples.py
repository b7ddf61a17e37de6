"""Intel test data: the real feeds on disk and the sample targets' identities.

The sample operations' targets have distinctive ids and display names so the privacy
tests can search every exported byte for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "intel"
META = DATA / "meta_threat_research"
AMNESTY = DATA / "amnesty_pegasus"
META_2021 = "2021_12_taking_action_against_surveillance_for_hire"

TARGET_IDS = ("tgt-QX7-journalist-4411", "tgt-QX7-activist-9921")
TARGET_NAMES = ("Zebediah Quillfeather", "Ottoline Marchbanks")


def fixed_clock() -> datetime:
    """The only time exports may read, so golden comparisons hold."""
    return datetime(2022, 3, 1, 12, 0, tzinfo=UTC)
