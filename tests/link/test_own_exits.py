"""People viewed signed out from an operation's own addresses are its targets.

altsim ``crowds-as-scripts`` tuning seed 97501 (10k users): ``46.76.0.4`` is used signed
in only by one operation's six personas; signed-out views from it reached 17 people, all
that operation's targets, some of them touched by no member signed in, and nobody warned
them. Here: a persona ring on one address, and a person viewed only signed out from it.
An address anyone else used signed in, or only one member used, gives nothing.
"""

from __future__ import annotations

from mercwatch.link import build_operations

from .test_operations import PHOTO_A

EXIT = "198.51.100.7"


def _operation(platform):
    targets = platform.benign("t", 3, tags=["journalist"])
    ring = platform.persona_ring("op", 3, "devO", PHOTO_A, targets=targets, ip=EXIT)
    scraped = platform.account("scraped", tags=["journalist"])
    return ring, targets, scraped


def test_a_person_viewed_signed_out_from_the_operations_exit_is_its_target(platform):
    """Checked: not a target before the own-exit rule."""
    ring, targets, scraped = _operation(platform)
    platform.event("view_profile", None, scraped, ip=EXIT)

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert op.accounts == tuple(ring)
    assert set(op.targets) == {*targets, scraped}


def test_an_exit_shared_with_a_stranger_gives_nothing(platform):
    """A NAT, an office or a second firm on the same address: its signed-out views may
    be anyone's."""
    ring, targets, scraped = _operation(platform)
    stranger = platform.account("stranger")
    platform.event("login", stranger, ip=EXIT)
    platform.event("view_profile", None, scraped, ip=EXIT)

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert op.accounts == tuple(ring)
    assert set(op.targets) == set(targets)


def test_one_members_address_is_no_exit(platform):
    """An address one member alone used is a home, not a crew's exit."""
    ring, targets, scraped = _operation(platform)
    platform.event("login", ring[0], ip="198.51.100.99")
    platform.event("view_profile", None, scraped, ip="198.51.100.99")

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert set(op.targets) == set(targets)


def test_a_one_off_view_from_an_ordinary_address_gives_nothing(platform):
    """Nobody used the address signed in: ordinary signed-out traffic (or a rig's, which
    needs many profiles)."""
    ring, targets, scraped = _operation(platform)
    platform.event("view_profile", None, scraped, ip="192.0.2.44")

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert set(op.targets) == set(targets)
