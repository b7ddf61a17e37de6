"""Label words: the lure vocabulary is not cut apart by the English unigram split."""

from __future__ import annotations

import pytest

from mercwatch.linkscore import LinkScorer, load
from mercwatch.linkscore.parse import parse_target, words


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("sys-wifi-cdn", ("wifi",)),
        ("covid19-vaccine", ("covid", "vaccine")),
        ("conference-invite", ("conference", "invite")),
        ("wifi2go", ("wifi", "go")),
    ],
)
def test_lure_words_in_whole_runs_stay_whole(label: str, expected: tuple[str, ...]) -> None:
    got = load().words(label)
    assert all(w in got for w in expected), got


@pytest.mark.parametrize("label", ["lu4cdn", "apk2kj", "193sso", "gannett-cdn", "otp-verify"])
def test_three_letter_lure_words_are_left_to_the_split(label: str) -> None:
    """``cdn``/``apk``/``sso`` are infrastructure abbreviations and chance hits in tokens."""
    assert load().words(label) == words(label)


def test_without_vocabulary_the_split_is_wordninjas() -> None:
    assert words("sys-wifi-cdn") == ("s", "ys", "wi", "fi", "cd", "n")


def test_an_operation_style_name_now_reads_as_lures() -> None:
    scorer = LinkScorer()
    names = {s.reason for s in scorer.signals(parse_target("sys-wifi-cdn.co"))}
    assert "lure words: connectivity" in names
    # lure words on .co (not a throwaway TLD) are one kind of evidence: the score ranks
    # it (the detectors weigh it with delivery), the name alone is not flagged
    assert scorer.score("sys-wifi-cdn.co").score >= 0.5
