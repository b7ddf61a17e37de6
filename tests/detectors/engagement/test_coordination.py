"""engagement.coordination: a coordinated ring vs co-workers behind an office NAT.

The ring shares a rented address and a rare mail domain and approaches the same
at-risk people; the co-workers share only a NAT used by twenty accounts and gmail.
A household sharing a tablet shares a device but approaches no one at risk.
"""

from __future__ import annotations

import pytest
from _helpers.scenes import Scene, background

from mercwatch.detectors.engagement.coordination import Coordination
from mercwatch.detectors.runner import run_detectors

OFFICE_IP = "198.51.100.1"
RING_IP = "203.0.113.7"


def _scene() -> Scene:
    s = Scene()
    users, risky, contacts = background(s)
    for u in users:  # a popular provider is no evidence of anything
        s.accounts[[a["account_id"] for a in s.accounts].index(u)]["email_domain"] = "gmail.com"
    targets = risky + contacts[:3]
    # Four accounts on one rented address and a rare mail domain approach the same people
    # within hours of each other.
    for i in range(4):
        s.account(f"k{i}", created_days=-40 - i, email_domain="mailbox-secure.io")
        s.event("login", f"k{i}", days=2.9, ip=RING_IP, device_id=f"dev-k{i}")
        for j, t in enumerate(targets[:5]):
            s.event("view_profile", f"k{i}", t, days=3 + j * 0.05 + i * 0.02, ip=RING_IP)
            s.request(f"k{i}", t, days=3.2 + j * 0.05 + i * 0.03, ip=RING_IP)
    # Twenty co-workers behind one office NAT; two of them look up the same new clients.
    for i in range(20):
        s.account(f"o{i}", created_days=-500 - i, email_domain="gmail.com")
        s.event("login", f"o{i}", days=1 + i * 0.01, ip=OFFICE_IP)
    for i in (0, 1):
        for j, t in enumerate(users[20:23]):
            s.event("view_profile", f"o{i}", t, days=4 + j * 0.1 + i * 0.05, ip=OFFICE_IP)
    # A couple on one tablet: a device shared by two accounts, ordinary activity.
    for i in (0, 1):
        s.account(f"h{i}", created_days=-700, email_domain="gmail.com")
        s.event("login", f"h{i}", days=1.5, ip=f"192.0.2.{30 + i}", device_id="tablet-1")
        s.request(f"h{i}", users[12 + i], days=2, accepted=True)
    # Two strangers who happen to view the same journalist on different days.
    for i, day in ((0, 2.0), (1, 9.0)):
        s.account(f"v{i}", created_days=-300)
        s.event("view_profile", f"v{i}", risky[0], days=day, ip=f"192.0.2.{10 + i}")
        s.event("view_profile", f"v{i}", risky[1], days=day + 0.1, ip=f"192.0.2.{10 + i}")
    return s


@pytest.fixture(scope="module")
def signals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    result = run_detectors(_scene().context(tmp_path_factory.mktemp("coord")), [Coordination])
    assert not result.failed, result.failed
    return {r["subject"]: r for r in result.signals.to_pylist()}


@pytest.mark.parametrize(
    ("account", "should_flag"),
    [
        ("k0", True),
        ("k1", True),
        ("k2", True),
        ("k3", True),
        ("o0", False),
        ("o1", False),
        ("o5", False),
        ("v0", False),
        ("v1", False),
        ("h0", False),
        ("h1", False),
        ("u00", False),
    ],
)
def test_coordinated_ring_vs_office_nat(
    signals: dict[str, dict], account: str, should_flag: bool
) -> None:
    score = signals[account]["score"] if account in signals else 0.0
    assert (score >= 0.5) is should_flag, {k: round(v["score"], 3) for k, v in signals.items()}


def test_evidence_names_partners_and_shared_infrastructure(signals: dict[str, dict]) -> None:
    detail = signals["k0"]["detail"]
    assert "with 3 accounts" in detail and "5 of the same people within the window" in detail
    assert "device" not in detail and "email domain, ip" in detail
