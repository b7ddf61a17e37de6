"""Evidence of one operation may name a person another operation targeted.

Found by the dashboard's end-to-end test (session 6): a persona's coordination evidence
named its strongest partner on a shared address, who was a target of a second
operation; the page redacted only the first operation's own targets, so a viewer read
the id. Redaction now hides the targets of every operation of the run.
"""

from __future__ import annotations

from mercwatch.api.operations import operation_out, run_targets
from mercwatch.auth.keys import Principal, Role
from mercwatch.model import Evidence, Infrastructure, Operation, Phase

DETAIL = "shares infrastructure with 3 accounts; strongest with u222 (shared ip)"


def _ops() -> tuple[Operation, Operation]:
    evidence = (Evidence("engagement.coordination", Phase.ENGAGEMENT, "p1", 0.7, DETAIL),)
    first = Operation("op-1", 0.9, (), ("p1",), ("u111",), Infrastructure(), None, None,
                      evidence=evidence)  # fmt: skip
    second = Operation("op-2", 0.9, (), ("p2",), ("u222",), Infrastructure(), None, None)
    return first, second


def test_a_viewer_never_reads_another_operations_target_in_evidence() -> None:
    first, second = _ops()
    viewer = Principal("k1", Role.VIEWER)
    shown = operation_out(first, viewer, run_targets((first, second)))
    assert "u222" not in shown.evidence[0].detail
    assert "[target]" in shown.evidence[0].detail
    # Without the run's other targets, the old behaviour: the id shows.
    assert "u222" in operation_out(first, viewer).evidence[0].detail


def test_analysts_read_evidence_as_written() -> None:
    first, second = _ops()
    analyst = Principal("k2", Role.ANALYST)
    assert operation_out(first, analyst, run_targets((first, second))).evidence[0].detail == DETAIL
