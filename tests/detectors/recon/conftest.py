"""Fixtures of the reconnaissance detectors' tests: one busy synthetic platform.

The export holds every behaviour the detectors must tell apart: ordinary browsing, a
busy journalist's legitimate audience, a fan, an office NAT, a search-engine crawler,
a logged-in scraper, a logged-out focused scraper and three converging watchers.
"""

import _helpers.recon_world as rw
import pytest
from _helpers.detector_output import flagged

from mercwatch.detectors.base import DetectionContext


@pytest.fixture(scope="session")
def busy_con(tmp_path_factory):
    w = rw.World()
    people = rw.population(w)
    rw.audience(w, people)
    rw.office_nat(w, people)
    rw.crawler(w)
    rw.scraper_account(w)
    rw.focused_scraper(w)
    rw.watchers(w)
    rw.fan(w)
    return w.load(tmp_path_factory.mktemp("busy"))


@pytest.fixture()
def busy(busy_con):
    """A fresh detection context over the busy platform."""
    return DetectionContext(busy_con)


@pytest.fixture(scope="session")
def busy_found(busy_con):
    """``busy_found(DetectorClass)``: its flagged subjects on the busy platform, run once."""
    cache: dict[str, dict] = {}

    def run(cls):
        if cls.id not in cache:
            cache[cls.id] = flagged(cls().detect(DetectionContext(busy_con)))
        return cache[cls.id]

    return run
