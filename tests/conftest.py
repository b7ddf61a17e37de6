"""Settings shared by every test.

Hypothesis draws its examples from a fixed seed per test (``derandomize``): the suite
must give the same verdict on every run, in CI and on a laptop, so a property test
either always finds a counter-example or never does, and a failure can be replayed
by running the test again. Timing checks are off (``deadline``, the "too slow" health
check): CI machines and developers' laptops run the suite on 2 busy cores, and speed
is measured by ``bench/``, never asserted by a test.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "mercwatch",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("mercwatch")
