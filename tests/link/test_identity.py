"""Stable operation ids: an operation that continues into a later run keeps its id."""

from __future__ import annotations

import itertools

from mercwatch.link.build import operation_id
from mercwatch.link.identity import KnownOperation, stable_ids
from mercwatch.model import Infrastructure, Operation


def _op(accounts: list[str], domains: tuple[str, ...] = (), confidence: float = 0.9) -> Operation:
    return Operation(
        operation_id=operation_id(accounts),
        confidence=confidence,
        phases=(),
        accounts=tuple(sorted(accounts)),
        targets=(),
        infrastructure=Infrastructure(domains=domains),
        first_seen=None,
        last_seen=None,
    )


def _known(op: Operation) -> KnownOperation:
    return KnownOperation.from_payload(op.to_dict())


def _ids(ops: list[Operation]) -> dict[tuple[str, ...], str]:
    return {op.accounts: op.operation_id for op in ops}


def test_an_operation_that_gains_accounts_keeps_its_id():
    day1 = _op(["a", "b"])
    day2 = _op(["a", "b", "c"])
    assert day2.operation_id != day1.operation_id  # what the content hash alone does
    (kept,) = stable_ids([day2], [_known(day1)])
    assert kept.operation_id == day1.operation_id
    assert kept.accounts == ("a", "b", "c")


def test_a_new_operation_gets_its_own_id_and_a_rerun_renames_nothing():
    old = _op(["a", "b"])
    new = _op(["x", "y"])
    ops = stable_ids([old, new], [_known(old)])
    assert _ids(ops) == {("a", "b"): old.operation_id, ("x", "y"): new.operation_id}


def test_split_gives_the_old_id_to_the_larger_overlap_and_merge_keeps_one():
    old = _op(["a", "b", "c", "d"])
    split = stable_ids([_op(["a", "b", "c"]), _op(["d", "e"])], [_known(old)])
    assert _ids(split)[("a", "b", "c")] == old.operation_id
    assert _ids(split)[("d", "e")] == operation_id(["d", "e"])
    one, two = _op(["a", "b"]), _op(["c", "d", "e"])
    (merged,) = stable_ids([_op(["a", "b", "c", "d", "e"])], [_known(one), _known(two)])
    assert merged.operation_id == two.operation_id  # three shared accounts beat two


def test_shared_infrastructure_continues_an_operation_with_new_accounts():
    old = _op(["a", "b"], domains=("lure.example",))
    (cont,) = stable_ids([_op(["p", "q"], domains=("lure.example",))], [_known(old)])
    assert cont.operation_id == old.operation_id
    (other,) = stable_ids([_op(["p", "q"], domains=("elsewhere.example",))], [_known(old)])
    assert other.operation_id == operation_id(["p", "q"])


def test_an_old_id_is_given_once_and_the_result_is_order_independent():
    old = _op(["a", "b", "c"])
    ops = [_op(["a", "x"]), _op(["b", "c", "y"]), _op(["c", "z"], confidence=0.5)]
    results = {
        tuple(sorted(_ids(stable_ids(list(perm), [_known(old)])).items()))
        for perm in itertools.permutations(ops)
    }
    assert len(results) == 1
    ids = dict(next(iter(results)))
    assert ids[("b", "c", "y")] == old.operation_id
    assert list(ids.values()).count(old.operation_id) == 1
