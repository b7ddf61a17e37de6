"""A watching crew too thin per persona is an operation by what it watches as a crew.

altsim ``baseline`` tuning seed 97503 (10k users): ``alt-op-97503-7``, 8 personas with no
signal at all, each viewing two of the crew's 16 people (15 at risk) from two phones and
two addresses only the crew uses, was lost whole. Here: four personas, each viewing two
of eight journalists from two phones only they use. The negatives are the benign scenes
the rule must leave alone: scrapers watching people who are not at risk (the guard
``test_operations.py::test_weak_ring_needs_approach_evidence``), a family's tablet, people
with friends, accounts that also post, two newcomers, and a crew that is partly found
already (the existing rules' to complete).
"""

from __future__ import annotations

from mercwatch.link import LinkConfig, build_operations
from mercwatch.link.context import open_context
from mercwatch.link.intel import as_intel_index
from mercwatch.link.watch_crews import watch_crews


def _scene(
    platform,
    *,
    tags=("journalist",),
    size: int = 4,
    family_on_phone: bool = False,
    rooted: bool = False,
    posts: bool = False,
):
    """``size`` personas on phones ``devW1`` (all but the last) and ``devW2`` (the last
    two), persona i viewing people 2i and 2i+1 of eight tagged ``tags``; a bystander with
    a weak signal keeps the signal table non-empty."""
    people = platform.benign("p", 2 * size, tags=list(tags))
    crew = [platform.account(f"w{i}") for i in range(size)]
    for i, account in enumerate(crew):
        phone = "devW2" if i >= size - 2 else "devW1"
        if i == size - 2:
            platform.event("login", account, device_id="devW1", ip="203.0.113.9")
        platform.event("login", account, device_id=phone, ip="203.0.113.9")
        for person in people[2 * i : 2 * i + 2]:
            platform.event("view_profile", account, person, device_id=phone, ip="203.0.113.9")
    if posts:
        platform.event("post", crew[0], None, device_id="devW1", text="hello world")
    if rooted:
        for account in crew:
            for friend in platform.benign(f"friend-of-{account}-", 3):
                platform.friends(account, friend)
    if family_on_phone:
        for relative in platform.benign("family", 2):
            platform.event("login", relative, device_id="devW1", ip="203.0.113.9")
            for friend in platform.benign(f"friend-of-{relative}-", 3):
                platform.friends(relative, friend)
    bystander = platform.account("bystander")
    platform.signal(bystander, 0.1)
    return crew, people


def test_thin_watchers_on_their_own_phones_are_one_operation(platform):
    """Checked: no operation before the watch crew (no member is a candidate)."""
    crew, people = _scene(platform)

    (op,) = build_operations(platform.connect(), platform.signal_table())

    assert op.accounts == tuple(crew)
    assert set(op.targets) == set(people)
    assert "devW1" in op.infrastructure.devices


def test_watchers_of_people_not_at_risk_are_no_crew(platform):
    """The guard's point: scrapers on a shared laptop watching ordinary people."""
    _scene(platform, tags=())

    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_a_phone_a_family_also_uses_joins_nobody(platform):
    """A tablet and a home address people with friends use are not the crew's: only
    ``devW2``'s two personas stay joined, under ``WATCH_CREW_MIN_MEMBERS``."""
    _scene(platform, family_on_phone=True)

    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_watchers_with_friends_are_people(platform):
    """A newsroom's researchers (friends from before the window) are no personas."""
    _scene(platform, rooted=True)

    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_an_account_that_also_posts_is_no_watcher(platform):
    """A member that posts has a life on the platform besides watching: the phone it
    shares is no crew's, and the rest are too few."""
    _scene(platform, posts=True)

    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_two_newcomers_are_too_few(platform):
    _scene(platform, size=2)

    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_a_crew_with_a_candidate_is_left_to_the_other_rules(platform):
    """A member already a candidate: the crew is not built here (the watch ring and the
    device take-ins judge it), so it cannot join a record the other rules made."""
    crew, _ = _scene(platform)
    con = platform.connect()
    ctx = open_context(con, platform.signal_table(), as_intel_index({}), LinkConfig())

    def nobody_settled(accounts):
        return []

    assert [c.senders for c in watch_crews(ctx, [], nobody_settled)] == [tuple(crew)]
    assert watch_crews(ctx, [crew[0]], nobody_settled) == []
