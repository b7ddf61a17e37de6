"""A recon-only record (a lone signed-out rig: an operation with no accounts, SCHEMA.md)
in the API's operation view: it serialises with an empty account list, and who it would
warn follows ``Role.sees_targets`` exactly as for an account operation — an account-less
record is no loophole for a viewer to read target identities."""

from __future__ import annotations

import json
from datetime import datetime

from mercwatch.api.operations import operation_out
from mercwatch.auth.keys import Principal, Role
from mercwatch.model import Evidence, Infrastructure, Operation, Phase

TARGET = "tgt-3310-lawyer"
RIG = Operation(
    operation_id="op-rig0000000a1",
    confidence=0.97,
    phases=(Phase.RECONNAISSANCE,),
    accounts=(),
    targets=(TARGET, "tgt-3311"),
    infrastructure=Infrastructure(devices=("dev-rig-browser",)),
    first_seen=datetime(2021, 5, 1),
    last_seen=datetime(2021, 6, 1),
    evidence=(
        Evidence("recon.targeted_watching", Phase.RECONNAISSANCE, "198.18.0.7", 0.9, "watched"),
    ),
    target_levels=((TARGET, Phase.RECONNAISSANCE), ("tgt-3311", Phase.RECONNAISSANCE)),
)


def test_an_account_less_record_shows_no_accounts_and_targets_only_to_those_who_see_them():
    for role in Role:
        view = json.loads(operation_out(RIG, Principal("k", role)).model_dump_json())
        assert view["accounts"] == []
        assert view["operation_id"] == RIG.operation_id
        assert (TARGET in json.dumps(view)) is role.sees_targets, role
