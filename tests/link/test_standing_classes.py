"""Benign classes the link stage must not accuse, told apart by social standing.

Found on altsim tuning seeds 52001-52003 (issue 11, third round):

* an **office team** (newsroom/NGO) whose staff are each other's friends: most of a
  colleague's friends are colleagues, who are candidates too once the office looks
  people up together, so counting only friends outside the candidates left a third of
  the staff "not established" and the office an operation (15-18 accounts reported);
* a **marketing agency** on one shared laptop with a junior who has two friends: the
  shared device corroborated the group (3 accounts reported).

Standing now spreads through established candidates, and a group is a community when
every member has a friend from before the window and most are established. Personas
made for the job have none, and befriending each other does not give them any.
"""

from __future__ import annotations

from mercwatch.link import build_operations


def _office(platform, staff: int = 6, outside: tuple[int, ...] = (3, 3, 3, 3, 1, 1)) -> list:
    """Colleagues (all friends of each other) who search and watch the same at-risk
    people from one office address; ``outside[i]``: friends of staff i elsewhere."""
    targets = platform.benign("t", 5)
    members = [platform.account(f"staff{i}") for i in range(staff)]
    for i, a in enumerate(members):
        platform.signal(a, 0.9, detector="at_risk_search", phase="reconnaissance")
        platform.signal(a, 0.4, detector="fake_persona", phase="engagement")
        for target in targets:
            platform.event("view_profile", a, target, ip="203.0.113.9", device_id=f"d{i}")
        for b in members[i + 1 :]:
            platform.friends(a, b)
        for friend in platform.benign(f"f{i}_", outside[i]):
            platform.friends(a, friend)
    return members


def test_an_office_whose_staff_are_friends_is_no_operation(platform):
    _office(platform)
    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_personas_befriending_each_other_gain_no_standing(platform):
    """The same office conduct from accounts whose only friends are each other."""
    _office(platform, outside=(0, 0, 0, 0, 0, 0))
    ops = build_operations(platform.connect(), platform.signal_table())
    assert [len(op.accounts) for op in ops] == [6]


def _agency(platform, junior_friends: int) -> None:
    """Three staff on one shared laptop sending a client's template to many people."""
    people = platform.benign("p", 8)
    for i, friends in enumerate((4, 4, junior_friends)):
        a = platform.account(f"agency{i}")
        platform.signal(a, 0.9 if i == 0 else 0.6, detector="scripted_outreach")
        for person in people:
            platform.event("message", a, person, device_id="laptop-1", text="our new offer")
        for friend in platform.benign(f"g{i}_", friends):
            platform.friends(a, friend)


def test_an_agency_with_a_junior_on_a_shared_laptop_is_no_operation(platform):
    _agency(platform, junior_friends=2)
    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_one_persona_on_the_shared_device_makes_it_an_operation(platform):
    """An account with no history at all is what a community never has."""
    _agency(platform, junior_friends=0)
    ops = build_operations(platform.connect(), platform.signal_table())
    assert [len(op.accounts) for op in ops] == [3]
