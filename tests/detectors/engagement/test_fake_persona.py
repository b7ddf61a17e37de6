"""engagement.fake_persona: a persona ring flagged; celebrity fans, real journalists not."""

from __future__ import annotations

import pytest
from _helpers.scenes import Scene, background

from mercwatch.detectors.engagement.fake_persona import FakePersona
from mercwatch.detectors.runner import run_detectors

RING_PHOTO = "c3a5f0e1b2d49876"
FAN_PHOTO = "0f1e2d3c4b5a6978"


def _flip(h: str, bits: int) -> str:
    """A near-duplicate hash: ``bits`` low bits flipped (a re-encoded copy)."""
    return f"{int(h, 16) ^ ((1 << bits) - 1):016x}"


def _scene() -> Scene:
    s = Scene()
    users, risky, contacts = background(s)
    # A ring of four personas created within two days, one photo re-encoded, claiming jobs.
    for i in range(4):
        s.account(
            f"p{i}",
            created_days=-5 + i * 0.5,
            display_name=f"Sara {i}",
            bio="Freelance journalist covering the region",
            photo_hash=_flip(RING_PHOTO, i),
        )
    targets = risky + contacts
    for i in range(4):
        for k, t in enumerate(targets[i::2][:4]):
            s.request(f"p{i}", t, days=3 + k * 0.2 + i * 0.01, accepted=(i == 0 and k == 0))
    s.event("report", risky[0], "p1", days=4)
    # Fans of a celebrity reuse one photo over three years; one also requests a journalist.
    for i in range(8):
        s.account(
            f"f{i}", created_days=-1100 + i * 140, photo_hash=FAN_PHOTO, display_name=f"Fan {i}"
        )
        s.request(f"f{i}", users[(3 * i) % len(users)], days=2 + i * 0.1, accepted=True)
    s.request("f2", risky[1], days=6)
    # A real journalist, long on the platform, befriends two colleagues who accept.
    s.account(
        "j0",
        created_days=-2000,
        display_name="Dana J",
        bio="Journalist at the Daily",
        tags=["journalist"],
    )
    s.friends("j0", users[0])
    for r in risky[:2]:
        s.request("j0", r, days=5, accepted=True)
    # A brand-new ordinary user sends requests to ordinary people only.
    s.account("n0", created_days=-2, display_name="New Person", bio="student")
    for u in users[:4]:
        s.request("n0", u, days=4, accepted=True)
    return s


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    ctx = _scene().context(tmp_path_factory.mktemp("persona"))
    result = run_detectors(ctx, [FakePersona])
    assert not result.failed, result.failed
    rows = result.signals.to_pylist()
    assert all(r["subject_type"] == "account" for r in rows)
    return {r["subject"]: r["score"] for r in rows}


@pytest.mark.parametrize(
    ("account", "should_flag"),
    [
        ("p0", True),
        ("p1", True),
        ("p2", True),
        ("p3", True),
        ("f0", False),
        ("f2", False),
        ("f7", False),
        ("j0", False),
        ("n0", False),
        ("u03", False),
    ],
)
def test_persona_ring_vs_fans(scores: dict[str, float], account: str, should_flag: bool) -> None:
    assert (scores.get(account, 0.0) >= 0.5) is should_flag, scores
