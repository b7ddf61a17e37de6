"""What one altsim platform looks like: size, seed, variant, and the per-seed knobs.

Every knob that shapes the platform is drawn from the seed (``Knobs.draw``), so two
seeds give two platforms that differ in more than noise: heavier or lighter activity
tails, denser or sparser friendship communities, bigger or smaller crowds, and
operations of other sizes and reach. A detector tuned on one seed's shape should not
find the next seed's shape already fitted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

WINDOW_START = datetime(2021, 10, 4, tzinfo=UTC)
"""The export window starts here (a Monday); the generator never reads the clock."""


class Variant(StrEnum):
    """Adversarial variants (issue 11, item 6b). ``baseline`` has none."""

    BASELINE = "baseline"
    OPS_AS_CROWDS = "ops-as-crowds"
    """Operations imitate crowds: many accounts, one message each, residential IPs,
    no shared devices or photos, paraphrased lures."""
    CROWDS_AS_SCRIPTS = "crowds-as-scripts"
    """Crowds imitate scripts: one template sent verbatim, in a burst of minutes."""
    HOSTED_INFRA = "hosted-infra"
    """Operations put their lures on shared hosting and public shorteners, where
    benign users also have pages and links."""
    LOW_AND_SLOW = "low-and-slow"
    """Reconnaissance spread thin over the whole window, logged out, from residential
    proxies; few actions per persona per day."""
    ALL = "all"
    """Every variant above at once."""

    def has(self, other: Variant) -> bool:
        return self is other or (self is Variant.ALL and other is not Variant.BASELINE)


@dataclass(frozen=True, slots=True)
class AltSimConfig:
    """Inputs of one generated platform; same config, same bytes."""

    users: int
    seed: int = 0
    days: int = 30
    variant: Variant = Variant.BASELINE

    def rng(self, stream: str) -> random.Random:
        """An independent random stream per concern, so adding draws in one module
        never shifts another module's output. The variant is NOT part of the stream:
        a variant is the same platform (people, friendships, everyday life, which firms
        and whom they target) with only the variant's behaviour changed, so variant
        rows compare like with like. String seeds are hashed with SHA-512 by
        :mod:`random`, so this is stable across processes and Python builds."""
        return random.Random(f"altsim:{self.seed}:{stream}")


@dataclass(frozen=True, slots=True)
class Knobs:
    """Per-seed shape of the platform (drawn once from the seed, never from the size)."""

    activity_alpha: float  # Pareto tail of events per user: lower = heavier tail
    activity_scale: float  # median-ish events per user over the window
    communities: int  # friendship communities per 1,000 users
    mean_degree: float
    closure: float  # probability a new tie closes a triangle
    at_risk_share: float  # share of users with an at-risk tag
    crowd_scale: float  # multiplies every crowd's size
    nat_share: float  # share of users behind carrier NAT
    operations: int  # how many operations run on this platform
    op_size_scale: float

    @staticmethod
    def draw(config: AltSimConfig) -> Knobs:
        r = random.Random(f"altsim-knobs:{config.seed}")
        return Knobs(
            activity_alpha=r.uniform(1.15, 1.9),
            activity_scale=r.uniform(10.0, 22.0),
            communities=r.randint(3, 12),
            mean_degree=r.uniform(6.0, 18.0),
            closure=r.uniform(0.2, 0.6),
            at_risk_share=r.uniform(0.015, 0.04),
            crowd_scale=r.uniform(0.6, 1.6),
            nat_share=r.uniform(0.05, 0.25),
            operations=r.randint(4, 7),
            op_size_scale=r.uniform(0.7, 1.5),
        )
