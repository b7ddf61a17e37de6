"""Operations found on small hand-built platforms: what joins, what stays apart."""

from __future__ import annotations

from datetime import datetime

import pytest

from mercwatch.link import LinkConfig, build_operations

PHOTO_A = 0x0F0F_F0F0_1234_5678
PHOTO_B = 0xA5A5_5A5A_9ABC_DEF0
NAT = "198.51.100.7"


def accounts_of(ops) -> list[tuple[str, ...]]:
    return sorted(op.accounts for op in ops)


@pytest.mark.parametrize("office_users", [0, 30])
def test_two_operations_behind_one_nat_stay_separate(platform, office_users):
    """Two crews (own devices, photos and targets) on one address. Behind a NAT many
    people use, the address is nobody's infrastructure: two operations. When only the
    two crews' personas (no friends from before the window) ever use it, it is their
    rented address: one operation with two crews (issue 11, one operation one record;
    this case asserted two operations before ``persona_merge_ties``)."""
    targets = platform.benign("t", 4)
    crew_a = platform.persona_ring("opa", 4, "devA", PHOTO_A, targets=targets[:2], ip=NAT)
    crew_b = platform.persona_ring("opb", 4, "devB", PHOTO_B, targets=targets[2:], ip=NAT)
    for account in platform.benign("office", office_users):
        platform.event("login", account, ip=NAT)
    con, signals = platform.connect(), platform.signal_table()

    ops = build_operations(con, signals)

    if office_users:  # a NAT many people use is nobody's infrastructure
        assert accounts_of(ops) == [tuple(crew_a), tuple(crew_b)]
        assert all(NAT not in op.infrastructure.ips for op in ops)
    else:
        assert accounts_of(ops) == [tuple(sorted(crew_a + crew_b))]
        assert sorted(ops[0].groups) == [tuple(crew_a), tuple(crew_b)]
        apart = build_operations(con, signals, config=LinkConfig(persona_merge_ties=()))
        assert accounts_of(apart) == [tuple(crew_a), tuple(crew_b)]


@pytest.mark.parametrize(
    ("device", "photo", "infra_devices", "photos"),
    [
        ("devR", PHOTO_A, ("devR",), 5),  # both ties
        ("devR", None, ("devR",), 0),  # shared device only
        (None, PHOTO_A, (), 5),  # near-identical photos only (distance 2)
    ],
)
def test_persona_ring_forms_one_operation(platform, device, photo, infra_devices, photos):
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 5, device, photo, targets=targets)
    if device is None:  # photos are no strong tie (fans share them): a second family is
        platform.signal(ring[1], 0.6, detector="scraper", phase="reconnaissance")
    platform.benign("bystander", 5)

    ops = build_operations(platform.connect(), platform.signal_table())

    assert accounts_of(ops) == [tuple(ring)]
    (op,) = ops
    assert op.targets == tuple(targets)
    assert op.infrastructure.devices == infra_devices
    assert len(op.infrastructure.photo_hashes) == photos
    assert op.operation_id.startswith("op-")
    assert op.first_seen is not None and op.last_seen is not None
    assert op.first_seen <= op.last_seen


def test_photo_ring_with_one_evidence_family_is_no_operation(platform):
    """Corroboration: near-identical photos and engagement signals alone accuse nobody.

    Fans wear the same celebrity photo and write to the same star; without a second
    family (recon, a flagged link, flagged infrastructure) or a strong tie (a shared
    device, a domain only they send) the group stays out. Before the rule: one op.
    """
    targets = platform.benign("t", 3)
    platform.persona_ring("ring", 5, None, PHOTO_A, targets=targets)

    assert build_operations(platform.connect(), platform.signal_table()) == []


@pytest.mark.parametrize(
    ("expansion", "device_flag", "joins"),
    [
        (True, None, True),  # drives it from the crew's phone: taken in by device
        (False, 0.8, True),  # the device is flagged: candidate through infrastructure
        (False, None, False),  # neither: a clean old account stays out
    ],
)
def test_hijacked_old_account_joins_through_device(platform, expansion, device_flag, joins):
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 4, "devH", PHOTO_A, targets=targets)
    old = platform.account("old_reporter", created_at=datetime(2012, 3, 1))
    platform.event("login", old, device_id="dev-owner", ip="192.0.2.10")
    platform.event("login", old, device_id="devH")
    platform.event("message", old, targets[0], device_id="devH", text="Can we talk?")
    if device_flag is not None:
        platform.signal(
            "devH", device_flag, detector="device_farm", phase="engagement", subject_type="device"
        )
    config = LinkConfig(device_expansion=expansion)

    ops = build_operations(platform.connect(), platform.signal_table(), config=config)

    expected = sorted([*ring, old]) if joins else ring
    assert accounts_of(ops) == [tuple(expected)]
    assert "devH" in ops[0].infrastructure.devices
    assert "dev-owner" not in ops[0].infrastructure.devices


def _newsroom(platform, real_op_targets: bool) -> list[str]:
    """Colleagues on one office IP and a rare company domain, co-viewing sources."""
    staff = platform.benign("planet", 6, email_domain="dailyplanet.example", tags=["journalist"])
    sources = platform.benign("source", 5)
    for account in staff:
        platform.signal(account, 0.6, detector="bulk_profile_views", phase="reconnaissance")
        for other in [*staff, *sources]:
            if other != account:
                platform.event("view_profile", account, other, ip="203.0.113.80")
    return staff


def _marketers(platform) -> list[str]:
    team = platform.benign("mkt", 5, email_domain="acme-marketing.example")
    for account in team:
        platform.signal(account, 0.55, detector="mass_friending", phase="engagement")
        platform.event("login", account, ip="203.0.113.99")
    return team


def _fans(platform) -> list[str]:
    fans = platform.benign("fan", 20, photo_hash=f"{PHOTO_B:016x}")
    for account in fans[:3]:
        platform.signal(account, 0.6, detector="fake_persona")
    return fans


def test_benign_hubs_form_no_operation(platform):
    staff = _newsroom(platform, real_op_targets=True)
    hubs = [*staff, *_marketers(platform), *_fans(platform)]
    ring = platform.persona_ring("ring", 4, "devX", PHOTO_A, targets=staff[:3])
    con, signals = platform.connect(), platform.signal_table()

    ops = build_operations(con, signals)

    assert accounts_of(ops) == [tuple(ring)]
    assert ops[0].targets == tuple(staff[:3])
    # the hubs are tied tightly enough to be groups, and two rules keep them out:
    # the strong member (lowered here) and corroboration (each hub shows one family)
    loose = build_operations(con, signals, config=LinkConfig(strong_threshold=0.5))
    assert not {a for op in loose for a in op.accounts} & set(hubs)


RECRUITER = (
    "Hello {name}, I am a senior recruiter at Northwind Talent and we have a remote "
    "analyst position that matches your profile perfectly, may I send you the details"
)


@pytest.mark.parametrize("same_template", [True, False])
def test_near_duplicate_messages_tie_personas(platform, same_template):
    targets = platform.benign("t", 4)
    lead = platform.account("lead")
    helper = platform.account("helper")
    platform.signal(lead, 0.95)
    platform.signal(lead, 0.6, detector="scraper", phase="reconnaissance")
    platform.signal(helper, 0.55)
    for i, target in enumerate(targets[:2]):
        platform.event("message", lead, target, device_id="d1", text=RECRUITER.format(name=target))
        text = (
            RECRUITER.format(name=targets[i + 2])
            if same_template
            else (f"Are you coming to the football match on Saturday {i}, bring snacks and chairs")
        )
        platform.event("message", helper, targets[i + 2], device_id="d2", text=text)

    ops = build_operations(platform.connect(), platform.signal_table())

    assert accounts_of(ops) == ([(helper, lead)] if same_template else [(lead,)])


def test_cotargeting_and_rare_link_domain_tie_accounts(platform):
    targets = platform.benign("t", 6)
    scout = platform.account("scout")
    baiter = platform.account("baiter")
    courier = platform.account("courier")
    platform.signal(scout, 0.92, detector="scraper", phase="reconnaissance")
    platform.signal(baiter, 0.55)
    platform.signal(courier, 0.55)
    for target in targets:
        platform.event("view_profile", scout, target, device_id="s")
    for target in targets[:4]:
        platform.event("friend_request", baiter, target, device_id="b")
    platform.event("share_link", baiter, None, url="https://news.quiet-briefing.example/a")
    platform.event("share_link", courier, None, url="http://quiet-briefing.example/b")

    ops = build_operations(platform.connect(), platform.signal_table())

    assert accounts_of(ops) == [(baiter, courier, scout)]


@pytest.mark.parametrize(
    ("score", "second_family", "kept"),
    [(0.95, True, True), (0.8, True, False), (0.95, False, False), (0.999, False, False)],
)
def test_lone_account_needs_strong_corroborated_evidence(platform, score, second_family, kept):
    """A lone account has no tie to corroborate it: it needs 0.9 and two families."""
    target = platform.account("t")
    loner = platform.account("loner")
    platform.signal(loner, score, detector="scraper", phase="reconnaissance")
    if second_family:
        platform.signal(loner, 0.4, detector="fake_persona", phase="engagement")
    platform.event("view_profile", loner, target)

    ops = build_operations(platform.connect(), platform.signal_table())

    assert accounts_of(ops) == ([(loner,)] if kept else [])


def test_no_signals_no_operations(platform):
    platform.persona_ring("ring", 3, "dev", PHOTO_A)
    platform.signals.clear()
    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_owner_of_a_copied_photo_is_not_a_member(platform):
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devP", None, targets=targets)
    owner = platform.account(
        "owner", created_at=datetime(2015, 1, 1), photo_hash=platform.accounts[3]["photo_hash"]
    )  # ring0's photo
    platform.signal(owner, 0.6, detector="engagement.coordination")  # a candidate, weakly
    con, signals = platform.connect(), platform.signal_table()

    assert accounts_of(build_operations(con, signals)) == [tuple(ring)]
    # Counting the photo tie for the older account is not enough either: a
    # long-standing member must be seen driven by the operation (its devices or
    # addresses, its links) to count as hijacked rather than a bystander ...
    wider = LinkConfig(photo_owner_days=100_000)
    assert accounts_of(build_operations(con, signals, config=wider)) == [tuple(ring)]
    # ... as it is once the ring's own device logs into it.
    platform.event("login", owner, device_id="devP")
    con, signals = platform.connect(), platform.signal_table()
    both = build_operations(con, signals, config=wider)
    assert accounts_of(both) == [tuple(sorted([*ring, owner]))]


@pytest.mark.parametrize(
    ("tie_detectors", "forms"), [(("engagement.coordination",), False), ((), True)]
)
def test_tie_detector_signals_are_not_own_evidence(platform, tie_detectors, forms):
    crew = platform.benign("shared", 3)
    for account in crew:
        platform.signal(account, 0.95, detector="engagement.coordination")
        platform.event("login", account, device_id="family-laptop")
    config = LinkConfig(tie_detectors=tie_detectors)

    ops = build_operations(platform.connect(), platform.signal_table(), config=config)

    assert accounts_of(ops) == ([tuple(crew)] if forms else [])


def test_weak_ties_do_not_add_up_and_hangers_on_are_pruned(platform):
    targets = platform.benign("t", 8)
    ring = platform.persona_ring("ring", 3, "devQ", PHOTO_A, targets=targets[:4])
    for account in platform.benign("carrier", 40):
        platform.event("login", account, ip="100.64.0.1")
    chatty = platform.account("chatty")
    platform.signal(chatty, 0.6, detector="mass_friending")
    # carrier NAT and a popular site in common with a persona: weak, even together
    for account in (chatty, ring[1]):
        platform.event("login", account, ip="100.64.0.1")
    for account in platform.benign("reader", 30):
        platform.event("share_link", account, None, url="https://popular.example/x")
    platform.event("share_link", chatty, None, url="https://popular.example/a")
    platform.event("share_link", ring[1], None, url="https://popular.example/b")
    # two of its four targets shared with one persona (Jaccard 0.25): a soft tie
    for target in targets[4:6]:
        platform.event("friend_request", ring[1], target)
    bystander = platform.account("bystander")
    platform.signal(bystander, 0.6, detector="mass_friending")
    for target in targets[4:8]:
        platform.event("friend_request", bystander, target)
    con, signals = platform.connect(), platform.signal_table()

    assert accounts_of(build_operations(con, signals)) == [tuple(ring)]
    (clingy,) = build_operations(con, signals, config=LinkConfig(min_attachment=0.4))
    assert bystander in clingy.accounts
    (unpruned,) = build_operations(con, signals, config=LinkConfig(min_attachment=0.0))
    assert chatty not in unpruned.accounts


@pytest.mark.parametrize(("device", "found"), [("devR", True), (None, False)])
def test_weak_persona_ring_needs_shared_devices(platform, device, found):
    """No persona is damning alone (0.45 each); one device driving all of them is."""
    targets = platform.benign("t", 3)
    ring = platform.persona_ring(
        "ring", 3, device, None, strong=0.45, weak=0.45, targets=targets, ip="198.51.100.9"
    )
    for account in ring:  # what makes them candidates: they share infrastructure
        platform.signal(account, 0.3, detector="engagement.coordination")

    ops = build_operations(platform.connect(), platform.signal_table())

    assert accounts_of(ops) == ([tuple(ring)] if found else [])


def test_weak_ring_needs_approach_evidence(platform):
    """Watching alone (a recon signal) on shared laptops is not a persona ring."""
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devR", None, strong=0.0, weak=0.0, targets=targets)
    for account in ring:
        platform.signal(account, 0.45, detector="automated_collection", phase="reconnaissance")
        platform.signal(account, 0.3, detector="engagement.coordination")

    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_weak_ring_brings_in_silent_members_on_its_devices(platform):
    """A ring member no detector noticed is found: it acts from the ring's phone."""
    targets = platform.benign("t", 3)
    ring = platform.persona_ring("ring", 3, "devR", None, strong=0.45, weak=0.45, targets=targets)
    for account in ring:
        platform.signal(account, 0.3, detector="engagement.coordination")
    silent = platform.account("silent")
    platform.event("friend_request", silent, targets[0], device_id="devR")

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert op.accounts == tuple(sorted([*ring, silent]))


def test_crews_sharing_their_own_domain_are_one_operation_with_groups(platform):
    """One operation, one record: two crews (own phones, photos, targets) that send the
    same domain nobody else sends are sub-groups of one operation, not two operations
    (checked: two operations before). Without the shared domain they stay apart."""
    targets = platform.benign("t", 4)
    crew_a = platform.persona_ring("opa", 4, "devA", PHOTO_A, targets=targets[:2])
    crew_b = platform.persona_ring("opb", 4, "devB", PHOTO_B, targets=targets[2:])
    apart = build_operations(platform.connect(), platform.signal_table())
    assert accounts_of(apart) == [tuple(crew_a), tuple(crew_b)]
    platform.event("message", crew_a[1], targets[0], url="https://secure-login-verify.example/a")
    platform.event("message", crew_b[2], targets[2], url="https://secure-login-verify.example/b")

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert op.accounts == tuple(sorted(crew_a + crew_b))
    assert op.groups == (tuple(crew_a), tuple(crew_b))
    assert op.to_dict()["groups"] == [crew_a, crew_b]
    assert "secure-login-verify.example" in op.infrastructure.domains


@pytest.mark.parametrize("shared_device", [False, True])
def test_families_add_up_within_an_account_or_through_a_strong_tie(platform, shared_device):
    """An office: one colleague watches at-risk people (recon), another writes to them
    (engagement), from one address and towards the same people. The two families sit on
    different people joined only by weak ties, so they do not corroborate each other
    (checked: one operation before). The same two accounts on one phone do."""
    targets = platform.benign("t", 4)
    watcher, writer = platform.account("watcher"), platform.account("writer")
    platform.signal(watcher, 0.9, detector="scraper", phase="reconnaissance")
    platform.signal(writer, 0.6, detector="fake_persona", phase="engagement")
    for account in (watcher, writer):
        device = "devShared" if shared_device else f"dev-{account}"
        for target in targets:
            platform.event("view_profile", account, target, ip="203.0.113.40", device_id=device)
    for target in targets:
        platform.event("message", writer, target, ip="203.0.113.40", text="Hello there")

    ops = build_operations(platform.connect(), platform.signal_table())

    assert accounts_of(ops) == ([(watcher, writer)] if shared_device else [])


@pytest.mark.parametrize("established", [False, True])
@pytest.mark.parametrize("group", ["office", "family"])
def test_a_community_of_established_accounts_is_not_an_operation(platform, group, established):
    """An office team (one address) or a family (one tablet) whose members each had
    friends long before the window: two of them look up and write to the same at-risk
    people, giving reconnaissance and engagement evidence and a shared device. Made
    for the job (no friends before the window) they are an operation; established,
    they are a community, which only a malicious delivery or a domain of its own
    would make one (checked: an operation either way before ``standing``)."""
    targets = platform.benign("t", 4)
    friends = platform.benign("f", 8)
    members = [platform.account(f"{group}{i}") for i in range(3)]
    for i, member in enumerate(members):
        platform.signal(member, 0.9, detector="scraper", phase="reconnaissance")
        platform.signal(member, 0.5, detector="fake_persona", phase="engagement")
        if established:
            for friend in friends[2 * i : 2 * i + 3]:
                platform.friends(member, friend)
        where = {"ip": "203.0.113.9"} if group == "office" else {"device_id": "tablet"}
        for target in targets:
            platform.event("view_profile", member, target, **where)
            platform.event("message", member, target, text=f"hello {target}", **where)

    ops = build_operations(platform.connect(), platform.signal_table())

    assert (ops == []) is established, accounts_of(ops)


def test_an_established_community_delivering_a_malicious_link_is_kept(platform):
    targets = platform.benign("t", 3)
    friends = platform.benign("f", 4)
    members = [platform.account(f"m{i}") for i in range(2)]
    platform.signal(
        "evil-login.top", 0.95, detector="linkscore", phase="exploitation", subject_type="domain"
    )
    for member in members:
        platform.signal(member, 0.9, detector="scraper", phase="reconnaissance")
        for friend in friends:
            platform.friends(member, friend)
        for target in targets:
            platform.event(
                "message",
                member,
                target,
                device_id="tablet",
                url="https://evil-login.top/x",
                text="look",
            )

    ops = build_operations(platform.connect(), platform.signal_table())

    assert accounts_of(ops) == [tuple(members)]
