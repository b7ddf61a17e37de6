"""At-risk tags are matched whatever case, spacing or separator a platform writes them in."""

from __future__ import annotations

import ibis

from mercwatch.detectors.base import at_risk_tags
from mercwatch.store.engine import connect


def test_tags_are_folded_before_matching():
    t = ibis.memtable(
        {
            "tags": [
                ["Journalist", "premium"],
                [" human-rights defender ", "HUMAN_RIGHTS_DEFENDER"],
                ["verified", "journalists"],
                [],
                None,
            ]
        },
        schema={"tags": "array<string>"},
    )
    got = connect().execute(t.select(r=at_risk_tags(t.tags)))["r"].tolist()
    got = [None if v is None else list(v) for v in got]
    assert got == [
        ["journalist"],
        ["human_rights_defender", "human_rights_defender"],
        [],
        [],
        None,
    ]
