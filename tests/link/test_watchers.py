"""Signed-out watching rigs (link/watchers.py): the people an operation watched
without an account are its targets when the rig is tied to it; benign signed-out
visitors and a person's own browser are never rigs."""

from __future__ import annotations

import pytest

from mercwatch.link import build_operations
from mercwatch.link.watchers import tie_rigs
from mercwatch.model import Phase

from .test_operations import PHOTO_A


def _journalists(platform, n: int, prefix: str) -> list[str]:
    return [platform.account(f"{prefix}{i:03d}", tags=["journalist"]) for i in range(n)]


def _rig_views(platform, people, device: str | None, ip_base: str = "198.18.0.") -> None:
    """Signed-out views of ``people`` from one browser through rotating addresses."""
    for i, person in enumerate(people):
        platform.event("view_profile", None, person, device_id=device, ip=f"{ip_base}{i % 6}")


def _operation(platform, approached):
    return platform.persona_ring("op", 3, "devOP", PHOTO_A, targets=approached)


@pytest.mark.parametrize("keyed_by", ["device", "address"])
def test_people_a_tied_rig_watched_are_warned(platform, keyed_by):
    approached = _journalists(platform, 4, "a")
    watched_only = _journalists(platform, 8, "w")
    ring = _operation(platform, approached)
    device = "rig-browser" if keyed_by == "device" else None
    if keyed_by == "device":
        _rig_views(platform, approached + watched_only, device)
    else:  # one pool exit address, no browser id
        for person in approached + watched_only:
            platform.event("view_profile", None, person, ip="198.18.9.9")
    ops = build_operations(platform.connect(), platform.signal_table())
    assert [op.accounts for op in ops] == [tuple(sorted(ring))]
    assert set(ops[0].targets) == set(approached) | set(watched_only)
    levels = dict(ops[0].target_levels)
    assert all(levels[p] == Phase.RECONNAISSANCE for p in watched_only)


@pytest.mark.parametrize("case", ["signed_in_device", "not_at_risk", "unrelated", "few"])
def test_signed_out_views_that_are_no_rig_add_no_target(platform, case):
    approached = _journalists(platform, 4, "a")
    ring = _operation(platform, approached)
    if case == "not_at_risk":
        others = [platform.account(f"r{i:03d}") for i in range(16)]
    else:
        others = _journalists(platform, 8, "w")
    seen = (approached + others) if case != "unrelated" else others
    if case == "few":
        seen = approached[:2] + others[:2]
    _rig_views(platform, seen, "rig-browser")
    if case == "signed_in_device":  # a reader's own browser, also used signed in
        reader = platform.account("reader")
        platform.event("login", reader, device_id="rig-browser")
    ops = build_operations(platform.connect(), platform.signal_table())
    assert [op.accounts for op in ops] == [tuple(sorted(ring))]
    assert set(ops[0].targets) == set(approached)


def test_a_rig_goes_to_the_one_operation_it_overlaps_most():
    rig = {"device:x": ({"t1", "t2", "t3", "t4", "n1"}, {"t1", "t2", "t3", "t4", "n1"})}
    assert tie_rigs(rig, [{"t1", "t2", "t3"}, {"t1", "t2", "t3", "t4"}]) == {1: {"n1"}}
    assert tie_rigs(rig, [{"t1", "t2"}]) == {}
    assert tie_rigs(rig, []) == {}


def test_a_rig_that_also_studied_its_subjects_circles_is_tied(platform):
    """Low-and-slow: the rig watched the people the operation approached AND their
    circles (here two relatives per subject, not at risk); fewer than RIG_MIN_SHARE of
    its views were approached, but most of its subjects (the at-risk people it watched)
    were. Everyone it watched is warned."""
    approached = _journalists(platform, 4, "a")
    subjects = approached + _journalists(platform, 2, "w")
    circles = [platform.account(f"rel{i:03d}") for i in range(12)]
    ring = _operation(platform, approached)
    _rig_views(platform, subjects + circles, "rig-browser")
    ops = build_operations(platform.connect(), platform.signal_table())
    assert [op.accounts for op in ops] == [tuple(sorted(ring))]
    assert set(ops[0].targets) == set(subjects) | set(circles)


def test_a_reader_who_browsed_many_journalists_is_no_operations_rig(platform):
    """A signed-out reader who looked at sixteen journalists, three of them people the
    operation approached: a few of his subjects are the operation's, most are not."""
    approached = _journalists(platform, 4, "a")
    ring = _operation(platform, approached)
    _rig_views(platform, approached[:3] + _journalists(platform, 13, "w"), "reader-browser")
    ops = build_operations(platform.connect(), platform.signal_table())
    assert [op.accounts for op in ops] == [tuple(sorted(ring))]
    assert set(ops[0].targets) == set(approached)


def test_rig_subjects_decide_when_circles_dilute_the_views():
    subjects = {"t1", "t2", "t3", "s4"}
    viewed = subjects | {f"r{i}" for i in range(10)}
    rig = {"device:x": (viewed, subjects)}
    assert tie_rigs(rig, [{"t1", "t2", "t3"}]) == {0: viewed - {"t1", "t2", "t3"}}
    assert tie_rigs({"device:x": (viewed, set())}, [{"t1", "t2", "t3"}]) == {}
