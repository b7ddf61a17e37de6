"""A recon-only record (a lone signed-out rig, link/lone_rigs.py: an operation with no
accounts, SCHEMA.md) through the outputs: nothing to enforce, each person warned once,
no target identity in exported intelligence, and the record survives a round trip."""

from __future__ import annotations

from datetime import datetime

from mercwatch.enforce.policy import decide, load_policy
from mercwatch.intel.indicators import select_indicators
from mercwatch.model import Infrastructure, Operation, Phase
from mercwatch.model.records import Evidence
from mercwatch.notify import select_notifications

R = Phase.RECONNAISSANCE


def _recon_only(op_id: str = "op-rig000000001", targets=("t-1", "t-2")) -> Operation:
    return Operation(
        op_id,
        0.99,
        (R,),
        (),
        targets,
        Infrastructure(devices=("rig-browser",)),
        datetime(2021, 5, 1),
        datetime(2021, 6, 1),
        evidence=(Evidence("automated_collection", R, "198.18.0.1", 0.8, "views/hour"),),
        target_levels=tuple((t, R) for t in targets),
    )


def test_nothing_to_enforce_against_a_record_without_accounts():
    assert decide([_recon_only()], {}, load_policy(None)) == []


def test_each_person_a_rig_watched_is_warned_once_at_reconnaissance():
    account_op = Operation(
        "op-acc", 0.9, (R, Phase.ENGAGEMENT), ("p1",), ("t-1",), Infrastructure(), None, None,
        target_levels=(("t-1", Phase.ENGAGEMENT),),
    )  # fmt: skip
    notes = select_notifications([_recon_only(), account_op])
    assert [(n.account_id, n.level) for n in notes] == [("t-1", Phase.ENGAGEMENT), ("t-2", R)]
    assert notes[0].operation_ids == ("op-acc", "op-rig000000001")


def test_no_indicator_and_no_target_identity_is_exported():
    selection = select_indicators(_recon_only())
    assert selection.indicators == ()
    assert "t-1" not in repr(selection)


def test_a_record_without_accounts_round_trips():
    op = _recon_only()
    data = op.to_dict()
    assert data["accounts"] == []
    assert Operation.from_dict(data).accounts == ()
    assert Operation.from_dict(data).targets == op.targets
