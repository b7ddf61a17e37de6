"""Lone signed-out rigs (link/lone_rigs.py): a rented-proxy browser watching at-risk
people that no operation explains is a recon-only record (no accounts, its people
warned); a rig an operation explains is never a second record; benign signed-out
crowds never become records."""

from __future__ import annotations

import _helpers.recon_world as rw

from mercwatch.detectors import DetectionContext, run_detectors
from mercwatch.detectors.recon.targeted_watching import TargetedWatching
from mercwatch.link import LinkConfig, build_operations
from mercwatch.link.calibration import shipped
from mercwatch.link.lone_rigs import explaining, recon_only_id
from mercwatch.model import Phase

from .test_operations import PHOTO_A

RIG = "rig-browser"


def _journalists(platform, n: int, prefix: str) -> list[str]:
    return [platform.account(f"{prefix}{i:03d}", tags=["journalist"]) for i in range(n)]


def _rig_views(platform, people, device: str | None, networks: int = 4, flag: bool = True):
    """Signed-out views of ``people`` from one browser through exits in ``networks`` ASNs;
    a recon detector flags the first exit (as automated collection does)."""
    for i, person in enumerate(people):
        net = i % networks
        platform.event(
            "view_profile",
            None,
            person,
            device_id=device,
            ip=f"198.18.{net}.{i % 3}",
            asn=64500 + net,
        )
    if flag:
        platform.signal(
            "198.18.0.0", 0.8, "automated_collection", "reconnaissance", subject_type="ip"
        )


def _lone(ops):
    return [op for op in ops if not op.accounts]


def test_a_lone_rig_is_a_recon_only_record_whose_people_are_warned(platform):
    watched = _journalists(platform, 8, "w") + [platform.account(f"kin{i}") for i in range(3)]
    _rig_views(platform, watched, RIG)
    ops = build_operations(platform.connect(), platform.signal_table())
    (op,) = ops
    assert op.accounts == ()
    assert op.operation_id == recon_only_id(f"device:{RIG}")
    assert set(op.targets) == set(watched)
    assert op.phases == (Phase.RECONNAISSANCE,)
    assert dict(op.target_levels) == {p: Phase.RECONNAISSANCE for p in watched}
    assert op.infrastructure.devices == (RIG,)
    assert op.infrastructure.ips == ()  # residential exits are not exported
    assert op.evidence and all(e.phase is Phase.RECONNAISSANCE for e in op.evidence)
    assert op.raw_confidence == 0.8
    assert op.to_dict()["accounts"] == []


def test_a_rig_watching_an_operations_targets_is_never_a_second_record(platform):
    """ops-as-crowds 52001: the rig's people were already a reported operation's
    targets; it belongs to that operation (its people join its targets)."""
    approached = _journalists(platform, 6, "a")
    extra = _journalists(platform, 2, "x")
    ring = platform.persona_ring("op", 3, "devOP", PHOTO_A, targets=tuple(approached))
    _rig_views(platform, approached + extra, RIG)
    ops = build_operations(platform.connect(), platform.signal_table())
    assert [op.accounts for op in ops] == [tuple(sorted(ring))]
    assert set(approached) | set(extra) <= set(ops[0].targets)


def test_explaining_needs_most_of_the_rigs_at_risk_people():
    subjects = {f"p{i}" for i in range(10)}
    assert explaining(subjects, [{"p1", "p2"}, {f"p{i}" for i in range(5)}]) == 1
    assert explaining(subjects, [{f"p{i}" for i in range(4)}]) is None
    assert explaining(set(), [subjects]) is None


def test_a_rig_from_fewer_than_three_networks_is_no_record(platform):
    """A household or a NAT's browser stays in one or two networks."""
    _rig_views(platform, _journalists(platform, 8, "w"), RIG, networks=2)
    assert _lone(build_operations(platform.connect(), platform.signal_table())) == []


def test_a_rig_no_detector_flagged_is_no_record(platform):
    _rig_views(platform, _journalists(platform, 8, "w"), RIG, flag=False)
    assert _lone(build_operations(platform.connect(), platform.signal_table())) == []


def test_a_browser_an_account_used_is_no_lone_rig(platform):
    """A reader's own browser, also used signed in, is a person's, not a rig."""
    reader = platform.account("reader")
    platform.event("login", reader, device_id=RIG, ip="203.0.113.5")
    _rig_views(platform, _journalists(platform, 8, "w"), RIG)
    assert _lone(build_operations(platform.connect(), platform.signal_table())) == []


def test_a_rig_watching_few_at_risk_people_is_no_record(platform):
    """Fans reading four journalists and many ordinary profiles through a VPN."""
    people = _journalists(platform, 4, "w") + [platform.account(f"r{i}") for i in range(6)]
    _rig_views(platform, people, RIG)
    assert _lone(build_operations(platform.connect(), platform.signal_table())) == []


def test_an_address_only_rig_is_no_lone_record(platform):
    """Signed-out views with no browser id from one address: a NAT's crowd."""
    for person in _journalists(platform, 8, "w"):
        platform.event("view_profile", None, person, ip="198.18.9.9", asn=64500)
    platform.signal("198.18.9.9", 0.8, "automated_collection", "reconnaissance", subject_type="ip")
    assert _lone(build_operations(platform.connect(), platform.signal_table())) == []


def test_recon_only_records_are_calibrated_like_any_operation(platform):
    _rig_views(platform, _journalists(platform, 8, "w"), RIG)
    con, signals = platform.connect(), platform.signal_table()
    (op,) = build_operations(con, signals)
    (raw,) = build_operations(con, signals, config=LinkConfig(calibrated=False))
    assert raw.confidence == raw.raw_confidence == op.raw_confidence == 0.8
    assert op.confidence == shipped()(0.8)


def test_two_browsers_watching_the_same_people_are_one_record(platform):
    """A watcher that rotated its fingerprint: rigs tied to one another, one record."""
    people = _journalists(platform, 10, "w")
    _rig_views(platform, people, RIG)
    _rig_views(platform, people[:8] + [platform.account("kin0")], "rig-browser-2")
    (op,) = build_operations(platform.connect(), platform.signal_table())
    assert op.accounts == ()
    assert op.infrastructure.devices == (RIG, "rig-browser-2")
    assert op.operation_id == recon_only_id(f"device:{RIG}")
    assert set(op.targets) == set(people) | {"kin0"}


def test_two_watchers_of_different_people_are_two_records(platform):
    _rig_views(platform, _journalists(platform, 8, "w"), RIG)
    _rig_views(platform, _journalists(platform, 8, "v"), "rig-browser-2")
    ops = build_operations(platform.connect(), platform.signal_table())
    assert sorted(op.infrastructure.devices for op in ops) == [(RIG,), ("rig-browser-2",)]


def test_a_weak_signal_on_the_browser_itself_is_its_evidence(platform):
    """altsim low-and-slow 85302: targeted_watching scores the rig's browser 0.28 (focus
    is measured against a platform whose ordinary attention is 66 % on protected
    people), under the 0.6 at which a key is flagged; the browser's own signal is still
    a detector's evidence for a lone rig (no record on the old code)."""
    watched = _journalists(platform, 8, "w")
    _rig_views(platform, watched, RIG, flag=False)
    platform.signal(RIG, 0.28, "recon.targeted_watching", "reconnaissance", subject_type="device")
    (op,) = build_operations(platform.connect(), platform.signal_table())
    assert op.accounts == () and set(op.targets) == set(watched)
    assert [e.detector for e in op.evidence] == ["recon.targeted_watching"]
    assert op.raw_confidence == 0.28


def test_a_weak_signal_on_an_exit_is_no_evidence(platform):
    """A residential exit real people share needs the flag threshold, as any address."""
    _rig_views(platform, _journalists(platform, 8, "w"), RIG, flag=False)
    platform.signal("198.18.0.0", 0.28, "recon.targeted_watching", "reconnaissance", "ip")
    assert _lone(build_operations(platform.connect(), platform.signal_table())) == []


def test_a_weak_browser_signal_never_makes_a_one_network_browser_a_record(platform):
    """A library or kiosk browser stays in one network: a weak signal on it is no record."""
    _rig_views(platform, _journalists(platform, 8, "w"), RIG, networks=1, flag=False)
    platform.signal(RIG, 0.3, "recon.targeted_watching", "reconnaissance", subject_type="device")
    assert _lone(build_operations(platform.connect(), platform.signal_table())) == []


def test_a_browser_over_rotating_exits_becomes_a_record_from_the_detector_alone(tmp_path):
    """End to end: the rig's views are spread over a rented pool, so no address crosses
    any bar; ``recon.targeted_watching`` judges the browser itself, and the lone-rig
    rules make it a recon-only record whose people are warned (nothing on the old code:
    the detector had no browser viewer)."""
    w = rw.World()
    rw.population(w, 160)
    extra = [w.account(f"jx{i}", f"Reporter {i}", ("journalist",)) for i in range(4)]
    watched = [*rw.circles(w, ("j2", "j3", "j4")), *extra]
    rw.rotating_browser(w, "rig-7", watched)
    con = w.load(tmp_path)
    signals = run_detectors(DetectionContext(con), [TargetedWatching]).signals
    lone = _lone(build_operations(con, signals))
    assert [op.infrastructure.devices for op in lone] == [("rig-7",)]
    assert set(lone[0].targets) == set(watched)
    assert lone[0].evidence[0].detector == "recon.targeted_watching"
    assert "a signed-out browser seen from 4 network(s)" in lone[0].evidence[0].detail
