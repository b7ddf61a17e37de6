"""Persona crews (link/persona_crews.py): an operation imitating a crowd with no link
to deliver — personas made for the job, one paraphrased message each, own address and
device — is one operation through the signed-out rig that watched every recipient
first and the script they paraphrase; crowds that look alike are not."""

from __future__ import annotations

import pytest

from mercwatch.link import build_operations
from mercwatch.link.config import LinkConfig
from mercwatch.link.persona_crews import narrowest_rig, rig_parts, rig_pools

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
    operation (rig_parts); a part of four is a coincidence of newcomers and stays out,
    while the first rig's six are its crew by themselves (the script cut by rig)."""
    watched = _journalists(platform, 16)
    first, second = watched[:8], watched[8:16]
    crew = _crew(platform, 6 + second_part, first[:6] + second[:second_part])
    _rig_on(platform, first, "scraperA", 1)
    _rig_on(platform, second, "scraperB", 2)
    ops = build_operations(platform.connect(), platform.signal_table())
    if second_part < 5:
        assert [op.accounts for op in ops] == [tuple(sorted(crew[:6]))]
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


PIECES = (  # one firm's script in three paraphrases: near-duplicates within a piece,
    # a fifth of their shingles shared across pieces (under CREW_TEXT_SIMILARITY 0.3)
    "quick question. Dear {w}, I would like your opinion on the port contract before we "
    "publish. details here",
    "quick question. Dear {w}, I would like your opinion on the port contract before we "
    "publish. details here please",
    "sorry for the message out of the blue. Dear {w}, I would like your opinion on the mining "
    "licence. see the file",
    "sorry for the message out of the blue. Dear {w}, I would like your opinion on the mining "
    "licence. see the file today",
    "I follow your work. Hello {w}, I would like your opinion on the police raid. details in "
    "the file",
)


def _writers(platform, texts, recipients, prefix: str) -> list[str]:
    """New accounts, each on its own device and address, sending one message each."""
    members = []
    for i, (text, who) in enumerate(zip(texts, recipients, strict=True)):
        name = platform.account(f"{prefix}{i:03d}")
        net = {"device_id": f"d-{name}", "ip": f"203.0.{len(prefix)}.{i + 1}"}
        platform.event("login", name, **net)
        platform.event("message", name, who, text=text.format(w=who.upper()), **net)
        members.append(name)
    return members


@pytest.mark.parametrize("watched_by_rig", [True, False])
def test_small_pieces_of_one_rigs_script_are_one_crew(platform, watched_by_rig):
    """Three pieces of one script (2 + 2 + 1 senders, no piece near-duplicate of another
    at CREW_TEXT_SIMILARITY) written to the people one rig watched are that rig's crew
    (rig_pools); the same five writing to people no rig watched stay out."""
    watched = _journalists(platform, 10)
    unwatched = _journalists(platform, 5, prefix="u")
    crew = _writers(platform, PIECES, watched[:5] if watched_by_rig else unwatched, "p")
    _rig(platform, watched)
    ops = build_operations(platform.connect(), platform.signal_table())
    if not watched_by_rig:
        assert ops == []
        return
    assert [op.accounts for op in ops] == [tuple(sorted(crew))]
    assert set(ops[0].targets) == set(watched)


def test_unrelated_words_to_a_rigs_people_are_no_crew():
    """Six newcomers writing once to people a rig watched, in pieces that share no words
    (two near-duplicate pairs of small talk and two lone questions): no script joins them."""
    pieces = [("device:r", ["a", "b"]), ("device:r", ["c", "d"]), ("device:r", ["e"])]
    pieces.append(("device:r", ["f"]))
    text = {
        "a": "miss you guys, see you at the weekend then ok",
        "b": "miss you guys, see you at the weekend then ok!",
        "c": "thanks for yesterday it was really lovely to catch up",
        "d": "thanks for yesterday it was really lovely to catch up :)",
        "e": "is the bakery on the corner still open on sundays do you know",
        "f": "congrats on the new job, we should celebrate soon with everyone",
    }
    assert rig_pools(pieces, text, LinkConfig()) == {}
    assert rig_pools([("device:r", list("abcdef"))], text, LinkConfig()) == {
        "device:r": set("abcdef")
    }


def test_a_script_bridged_across_three_rigs_is_split_by_rig(platform):
    """Three firms' scripts in one near-duplicate component, bridged by one message of
    each of two firms that borrows the next firm's words; no rig or pair of rigs watched
    every recipient. The component is cut by rig (cut_by_rig): each firm's personas
    are the crew of the rig that watched their recipients, three operations, not one and
    not none."""
    scripts = (
        "hope you don't mind me writing. {w}, this story about the dam project is about you, "
        "read it here",
        "a friend suggested I reach out. Hello {w}, our community is organising around the "
        "school closures, will you join us",
        "I follow your work. Dear {w}, urgent: a document about the arms shipment mentions you, "
        "see the document",
    )
    crews = []
    for firm, script in enumerate(scripts):
        people = _journalists(platform, 8, prefix=f"f{firm}j")
        _rig_on(platform, people, f"scraper{firm}", firm + 1)
        texts = [script] * 6
        if firm < 2:  # the bridge: one persona's message also carries the next script
            texts[-1] = f"{script} {scripts[firm + 1]}"
        crews.append(_writers(platform, texts, people[:6], f"f{firm}p"))
    ops = build_operations(platform.connect(), platform.signal_table())
    assert sorted(op.accounts for op in ops) == sorted(tuple(sorted(c)) for c in crews)
