"""How an operation reuses its lures across personas: one URL per domain, or one wave.

Real operations send one lure page from several personas (personalised per target only
in a query string), or several pages of each look-alike domain, usually in a wave of
minutes to hours. An operation keeps every domain it made (collapsing them into one
would take away the look-alikes the link engine recognises, which is not what reuse
is about); what it reuses is each domain's page, or only the domain. Each operation
draws its habit here from its own random stream (the simulator's ``lures`` purpose),
so every other draw of the operation — who, whom, which domains, which words — is the
same as before lures were reused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mercwatch.sim.config import DAY_S, WINDOW_START_S

#: Reuse habits and how often an operation has each.
MODES = ("own", "same_url", "same_domain")
MODE_P = (0.25, 0.4, 0.35)
#: Span of one wave of deliveries, minutes: one URL goes out within the hour, pages of
#: one domain over a working day.
WAVE_MINUTES = {"same_url": (5, 55), "same_domain": (60, 8 * 60)}


@dataclass(frozen=True, slots=True)
class LurePlan:
    """One operation's reuse habit.

    Attributes:
        mode: ``own`` (every delivery its own URL and moment, as drawn), ``same_url``
            (each domain's first lure URL for everyone sent that domain) or
            ``same_domain`` (pages as drawn, several per domain, sent in waves).
        personalised: a per-target query parameter is added to each URL.
        wave_starts: epoch seconds each wave of deliveries starts at.
        wave_s: length of a wave, seconds.
    """

    mode: str
    personalised: bool
    wave_starts: tuple[int, ...]
    wave_s: int


def draw_plan(rng: np.random.Generator, start_day: float, days: int, tz: int) -> LurePlan:
    """An operation's habit; waves fall on working hours (operator's zone ``tz``) of
    days in the last half of its activity, as its deliveries did before."""
    mode = MODES[int(rng.choice(len(MODES), p=MODE_P))]
    personalised = bool(rng.random() < 0.5)
    starts = []
    for _ in range(int(rng.integers(1, 3))):
        day = int(min(max(start_day + days * rng.uniform(0.45, 0.9), 0), days - 1))
        local = int(rng.integers(9 * 3600, 16 * 3600))
        starts.append(WINDOW_START_S + day * DAY_S + (local - tz * 3600) % DAY_S)
    low, high = WAVE_MINUTES.get(mode, (0, 1))
    return LurePlan(mode, personalised, tuple(starts), int(rng.integers(low, high + 1)) * 60)


class LureReuse:
    """Turns an operation's drawn lure (URL, time) into the one its habit sends."""

    def __init__(self, plan: LurePlan, rng: np.random.Generator) -> None:
        self.plan, self.rng = plan, rng
        self.first_url: dict[str, str] = {}

    def deliver(self, url: str, domain: str, ts: int) -> tuple[str, int]:
        """The URL and moment of one delivery whose own draw was ``url`` on ``domain`` at ``ts``."""
        plan, rng = self.plan, self.rng
        if plan.mode == "own":
            return url, ts
        if plan.mode == "same_url":
            url = self.first_url.setdefault(domain, url)
        if plan.personalised:
            token = "".join(f"{int(b):02x}" for b in rng.integers(0, 256, 4))
            url += ("&" if "?" in url else "?") + f"r={token}"
        wave = plan.wave_starts[int(rng.integers(len(plan.wave_starts)))]
        return url, wave + int(rng.integers(0, plan.wave_s + 1))
