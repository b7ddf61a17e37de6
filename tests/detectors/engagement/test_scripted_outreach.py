"""engagement.scripted_outreach: a scripted lure to at-risk strangers vs a recruiter's template."""

from __future__ import annotations

import pytest
from _helpers.scenes import Scene, background

from mercwatch.detectors.engagement.scripted_outreach import ScriptedOutreach
from mercwatch.detectors.engagement.templates import find_templates, masked_tokens
from mercwatch.detectors.runner import run_detectors

LURE = (
    "Hello {name}, I am a producer at {outlet} preparing a documentary about press freedom "
    "in {city}. "
    "Would you be willing to talk with us for a short interview next week?"
)
RECRUIT = (
    "Hi {name}, I came across your profile and think you would be a great fit for a senior role "
    "at {company}. Are you open to a quick chat this week?"
)
NAMES = [
    "Amira",
    "John Carter",
    "Li",
    "Sofia",
    "Marek",
    "Ines",
    "Tomas",
    "Yara",
    "Kofi",
    "Elena",
    "Ravi",
    "Nadia",
]
CITIES = ["Cairo", "Mexico City", "Manila", "Baku", "Minsk", "Lagos"]
CHATTER = [
    "did you see the game last night, it was wild",
    "is the bakery on the corner still open on sundays",
    "thanks for adding me, we met at the climbing gym",
    "are you selling the blue bike you posted about",
    "sorry wrong person, i was looking for my cousin",
    "your photos from the lake trip are amazing honestly",
]


def _scene() -> Scene:
    s = Scene()
    users, risky, contacts = background(s)
    targets = risky + contacts
    for i in range(3):  # three personas, one script, names and places swapped
        s.account(f"p{i}", created_days=-10, display_name=f"Persona {i}")
        for k in range(2):
            t = targets[2 * i + k]
            text = LURE.format(
                name=NAMES[2 * i + k],
                outlet=["Channel Nine", "DocuWorks", "NewsHub"][i],
                city=CITIES[2 * i + k],
            )
            s.event("message", f"p{i}", t, days=2 + i + k * 0.1, text=text)
    s.account(
        "rec0", created_days=-600, display_name="Talent Partner", employer="Recruiter at Hirely"
    )
    for k, t in enumerate(users[:11] + contacts[-1:]):
        s.event(
            "message",
            "rec0",
            t,
            days=1 + k * 0.2,
            text=RECRUIT.format(
                name=NAMES[k % len(NAMES)], company=["Acme", "Globex", "Initech"][k % 3]
            ),
        )
    for k, text in enumerate(CHATTER):  # ordinary strangers' messages, some to at-risk people
        s.event("message", users[k + 10], (risky + users)[k * 3], days=3 + k * 0.3, text=text)
    s.account("reader", created_days=-400, display_name="A Reader")
    s.event(
        "message",
        "reader",
        risky[0],
        days=4,
        text="Loved your article about the elections, keep up the good work",
    )
    for k in range(5):  # friends chat with the same words: not strangers
        s.event(
            "message",
            users[k],
            users[k + 1],
            days=5 + k * 0.1,
            text=LURE.format(name="X", outlet="Y", city="Z"),
        )
    return s


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    result = run_detectors(_scene().context(tmp_path_factory.mktemp("scripts")), [ScriptedOutreach])
    assert not result.failed, result.failed
    return {r["subject"]: r["score"] for r in result.signals.to_pylist()}


@pytest.mark.parametrize(
    ("account", "should_flag"),
    [
        ("p0", True),
        ("p1", True),
        ("p2", True),
        ("rec0", False),
        ("reader", False),
        ("u00", False),
        ("u10", False),
    ],
)
def test_scripted_lure_vs_recruiter_template(
    scores: dict[str, float], account: str, should_flag: bool
) -> None:
    assert (scores.get(account, 0.0) >= 0.5) is should_flag, scores


def test_masking_makes_swapped_names_and_places_one_script() -> None:
    a = LURE.format(name="Amira", outlet="Channel Nine", city="Cairo")
    b = LURE.format(name="John Carter", outlet="DocuWorks", city="Mexico City")
    assert masked_tokens(a) == masked_tokens(b)
    assert masked_tokens("Call me at 555 0199 or see https://x.example/a?b=1") == [
        "<name>",
        "me",
        "at",
        "<num>",
        "<num>",
        "or",
        "see",
        "<url>",
    ]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (
            LURE.format(name="A", outlet="B", city="C"),
            LURE.format(name="Dmitri", outlet="Kanal", city="Kyiv").replace(
                "next week", "this month"
            ),
            True,
        ),
        (LURE.format(name="A", outlet="B", city="C"), RECRUIT.format(name="A", company="B"), False),
        (CHATTER[0], CHATTER[1], False),
    ],
)
def test_template_grouping(first: str, second: str, same: bool) -> None:
    groups = find_templates([first, second])
    assert (len(groups) == 1) is same


def test_short_greetings_are_never_scripts() -> None:
    assert find_templates(["hi!", "Hi there", "thanks :)"]) == []


CROWD_PHRASE = (
    "Thank you for your brave reporting on the port strike, please keep going, we stand with you"
)


@pytest.fixture(scope="module")
def crowd_scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    """The scene above plus a crowd: 30 readers, one viral phrase, one message each."""
    s = _scene()
    risky = [f"r{k}" for k in range(3)]
    for k in range(30):
        s.account(f"crowd{k:02d}", created_days=-300 - k, display_name=f"Reader {k}")
        s.event("message", f"crowd{k:02d}", risky[k % 3], days=1 + k * 0.05, text=CROWD_PHRASE)
    ctx = s.context(tmp_path_factory.mktemp("crowd"))
    result = run_detectors(ctx, [ScriptedOutreach])
    assert not result.failed, result.failed
    return {r["subject"]: r["score"] for r in result.signals.to_pylist()}


def test_a_crowd_writing_once_each_is_no_script(crowd_scores: dict[str, float]) -> None:
    """Many independent senders each writing once to at-risk people: fan-out 1, no script.

    Before fan-out (version 1) each reader scored 0.47 here (many recipients, many
    senders, all at-risk): the crowd's size read as a script's reach.
    """
    crowd = {a: v for a, v in crowd_scores.items() if a.startswith("crowd")}
    assert max(crowd.values(), default=0.0) < 0.1, crowd
    assert all(crowd_scores.get(p, 0.0) >= 0.5 for p in ("p0", "p1", "p2")), crowd_scores
