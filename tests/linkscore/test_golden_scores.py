"""The link engine's output on a fixed, varied host list, byte for byte (issue 15).

Speed work on the engine (caches, precomputed tables, fewer passes per host) must not
move one score, verdict or reason. ``tests/data/linkscore/golden_scores.jsonl`` was
written by ``bench/bench_linkscore_speed.py --write-golden`` with the engine as it was
before that work: the intel lists, hosting-platform pages, random tokens on cheap
TLDs, subdomain and URL forms, Unicode, IPs and invalid text. Each score is compared
as ``repr`` of the float, so a last-bit change fails too. Regenerate the file only
when the engine's output is meant to change (new knowledge, new rules).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mercwatch.linkscore import LinkScorer

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "linkscore" / "golden_scores.jsonl"


@pytest.fixture(scope="module")
def golden() -> list[list[object]]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]


def _row(value: str, scorer: LinkScorer) -> list[object]:
    s = scorer.score(value)
    return [s.value, repr(s.score), s.verdict, list(s.reasons), s.domain]


def test_golden_set_is_varied(golden: list[list[object]]) -> None:
    verdicts = {row[2] for row in golden}
    assert verdicts == {"benign", "suspicious", "malicious", "invalid"}
    assert len(golden) > 3000


def test_scores_match_the_golden_file(golden: list[list[object]]) -> None:
    scorer = LinkScorer()
    differ = [(row, new) for row in golden if (new := _row(str(row[0]), scorer)) != row]
    assert not differ[:5], f"{len(differ)} of {len(golden)} hosts score differently"


def test_order_of_scoring_does_not_matter(golden: list[list[object]]) -> None:
    """Caches filled by other hosts first give the same result (reversed order)."""
    scorer = LinkScorer()
    values = [str(row[0]) for row in golden][::-1]
    rows = [
        [s.value, repr(s.score), s.verdict, list(s.reasons), s.domain]
        for s in scorer.score_many(values)
    ]
    assert rows[::-1] == golden
