"""Persona crews (link/persona_crews.py): an operation imitating a crowd with no link
to deliver — personas made for the job, one paraphrased message each, own address and
device — is one operation through the signed-out rig that watched every recipient
first and the script they paraphrase; crowds that look alike are not."""

from __future__ import annotations

import pytest

from mercwatch.link import build_operations
from mercwatch.link.persona_crews import narrowest_rig, rig_parts

OPENERS = (  # paraphrases; a script core follows
    "quick question.",
    "sorry for the message out of the blue.",
    "hope you don't mind me writing.",
    "I follow your work.",
)
TOPICS = ("pension fund", "port contract", "police raid", "mining licence")
SMALL_TALK = (
    "miss you guys, see you at the weekend then",
    "congrats on the new job, we should celebrate soon",
    "hey are we still on for monday or shall we move it",
    "thanks for yesterday it was really lovely to catch up",
)


def _journalists(platform, n: int, prefix: str = "j") -> list[str]:
    return [platform.account(f"{prefix}{i:03d}", tags=["journalist"]) for i in range(n)]


def _rig(platform, people, device: str = "scraper") -> None:
    """Signed-out views of ``people`` from one automated browser over rotating exits."""
    for i, person in enumerate(people):
        platform.event("view_profile", None, person, device_id=device, ip=f"198.18.1.{i % 7}")


def _crew(platform, n: int, recipients, prefix: str = "p", script: bool = True) -> list[str]:
    """``n`` new accounts, each logging in once on its own device and address and
    sending one message to one recipient: a paraphrased script, or small talk."""
    members = []
    for i in range(n):
        name = platform.account(f"{prefix}{i:03d}")
        net = {"device_id": f"d-{name}", "ip": f"203.0.113.{i + 1}"}
        platform.event("login", name, **net)
        who = recipients[i % len(recipients)]
        text = (
            f"{OPENERS[i % 4]} Dear {who.upper()}, could you share a few details about the "
            f"{TOPICS[i % 3]} for my article?"
            if script
            else SMALL_TALK[i % 4]
        )
        platform.event("message", name, who, text=text, **net)
        members.append(name)
    return members


def test_one_message_personas_writing_to_a_rigs_subjects_are_one_operation(platform):
    watched = _journalists(platform, 12)
    crew = _crew(platform, 8, watched[:8])
    _rig(platform, watched)
    ops = build_operations(platform.connect(), platform.signal_table())
    assert [op.accounts for op in ops] == [tuple(sorted(crew))]
    # everyone the rig watched is warned, not only the people written to
    assert set(ops[0].targets) == set(watched)


@pytest.mark.parametrize(
    "case", ["settled", "no_rig", "small_talk", "not_all_watched", "second_act", "few"]
)
def test_crowds_that_look_like_a_crew_are_no_operation(platform, case):
    """Sources with friends, newcomers writing to people nobody watched, newcomers'
    small talk, a script half of whose recipients no rig watched, accounts that did
    something else too, four newcomers: none is a persona crew."""
    watched = _journalists(platform, 12)
    unwatched = _journalists(platform, 8, prefix="u")
    recipients = watched[:4] + unwatched[:4] if case == "not_all_watched" else watched[:8]
    crew = _crew(platform, 4 if case == "few" else 8, recipients, script=case != "small_talk")
    if case != "no_rig":
        _rig(platform, watched)
    if case == "settled":
        for member in crew:
            platform.account(f"old-{member}")
            platform.friends(member, f"old-{member}")
    if case == "second_act":
        for member in crew:
            platform.event("post", member, text="lovely weather today in the park")
    assert build_operations(platform.connect(), platform.signal_table()) == []


def test_the_crew_goes_to_the_narrowest_rig_that_watched_every_recipient():
    rigs = {
        "device:wide": (set("abcdefghij"), set("abcdefghij")),
        "device:narrow": (set("abcdxyz"), set("abcd")),
        "device:partial": (set("ab"), set("ab")),
    }
    assert narrowest_rig(set("abc"), rigs) == "device:narrow"
    assert narrowest_rig(set("abce"), rigs) == "device:wide"
    assert narrowest_rig(set("abq"), rigs) is None


def _rig_on(platform, people, name: str, net: int) -> None:
    """Signed-out views of ``people`` from browser ``name`` over its own exits."""
    for i, person in enumerate(people):
        platform.event("view_profile", None, person, device_id=name, ip=f"198.18.{net}.{i % 7}")


@pytest.mark.parametrize("second_part", [6, 4])
def test_a_script_split_between_two_rigs_is_one_crew_when_each_part_is_one(platform, second_part):
    """Two browsers scraped the people; one script's personas write to either's. Each
    rig's part of five or more is a crew by itself and the script makes them one
    operation (rig_parts); a part of four is a coincidence of newcomers, and the
    script covered by no single rig stays no operation."""
    watched = _journalists(platform, 16)
    first, second = watched[:8], watched[8:16]
    crew = _crew(platform, 6 + second_part, first[:6] + second[:second_part])
    _rig_on(platform, first, "scraperA", 1)
    _rig_on(platform, second, "scraperB", 2)
    ops = build_operations(platform.connect(), platform.signal_table())
    if second_part < 5:
        assert ops == []
        return
    assert [op.accounts for op in ops] == [tuple(sorted(crew))]
    assert set(ops[0].targets) == set(watched)


def test_rig_parts_gives_each_sender_to_the_narrower_rig_of_the_pair():
    rigs = {
        "device:a": (set("abcdefg"), set("abcdefg")),
        "device:b": (set("efghijklmn"), set("efghijklmn")),
    }
    recipient = {f"s{i:02d}": {p} for i, p in enumerate("abcdefghijklm")}
    senders = sorted(recipient)
    parts = rig_parts(recipient, senders, rigs)
    assert parts == {"device:a": senders[:7], "device:b": senders[7:]}
    # the second rig's own part (h..j) under five: no crew
    assert rig_parts({s: recipient[s] for s in senders[:10]}, senders[:10], rigs) == {}
