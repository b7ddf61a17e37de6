"""Who gets warned, at which level, and that warnings reveal nothing."""

from __future__ import annotations

from datetime import datetime

from mercwatch.model.records import Evidence, Infrastructure, Operation, Phase
from mercwatch.notify import REASONS, select_notifications

R, E, X = Phase.RECONNAISSANCE, Phase.ENGAGEMENT, Phase.EXPLOITATION


def _op(
    op_id: str,
    phases: tuple[Phase, ...],
    targets: tuple[str, ...],
    levels: tuple[tuple[str, Phase], ...] = (),
) -> Operation:
    return Operation(
        op_id,
        0.3,
        phases,
        ("persona-anna", "persona-bob"),
        targets,
        Infrastructure(
            domains=("secure-login-check.example",),
            urls=("https://secure-login-check.example/x",),
            ips=("203.0.113.9",),
        ),
        datetime(2021, 5, 1),
        datetime(2021, 6, 1),
        evidence=(Evidence("scraping-burst", R, "persona-anna", 0.9, "300 profile views/hour"),),
        target_levels=levels,
    )


def test_one_per_person_at_the_furthest_level_listing_every_operation() -> None:
    """Contract v2 (issue 13): t-1, targeted by two operations, is warned once. Fails on
    the v1 selection, which gave t-1 one notification per operation."""
    ops = [
        _op("op-2", (R, E, X), ("t-1", "t-2", "t-1"), ((("t-1", R)), ("t-1", X), ("t-2", E))),
        _op("op-1", (R, E), ("t-1", "t-3")),
        _op("op-3", (R, E), ("t-2",)),
    ]
    got = [
        (n.account_id, n.operation_id, n.operation_ids, n.level) for n in select_notifications(ops)
    ]
    assert got == [
        ("t-1", "op-2", ("op-1", "op-2"), X),
        ("t-2", "op-2", ("op-2", "op-3"), E),  # a tie at engagement: the smallest id leads
        ("t-3", "op-1", ("op-1",), E),
    ]


def test_language_from_country_with_the_fallback_chain_recorded() -> None:
    ops = [_op("op-1", (R,), ("t-mx", "t-br", "t-hu", "t-none", "t-fr"))]
    people = {
        "t-mx": (None, "MX"),
        "t-br": (None, "br"),
        "t-hu": (None, "HU"),
        "t-fr": ("fr_CA", "US"),
    }
    got = {n.account_id: (n.locale, n.locale_fallback) for n in select_notifications(ops, people)}
    assert got == {
        "t-mx": ("es", ("es-MX", "es")),
        "t-br": ("pt", ("pt-BR", "pt")),
        "t-hu": ("en", ("hu-HU", "hu", "en")),  # no Hungarian texts: said, not silent
        "t-none": ("en", ("en",)),
        "t-fr": ("fr", ("fr-CA", "fr")),
    }


def test_low_confidence_operations_still_warn() -> None:
    """Recall first for warnings: confidence 0.3 would never be a takedown."""
    [note] = select_notifications([_op("op-1", (R,), ("t-1",))])
    assert note.level is R and note.reasons == REASONS[R]


def test_operation_without_phases_warns_at_reconnaissance() -> None:
    [note] = select_notifications([_op("op-1", (), ("t-1",))])
    assert note.level is R


def test_reasons_reveal_no_accounts_infrastructure_targets_or_detection() -> None:
    op = _op("op-7", (R, E, X), ("t-1", "t-2"), (("t-1", X), ("t-2", R)))
    secrets = [
        *op.accounts,
        *op.targets,
        *op.infrastructure.domains,
        *op.infrastructure.urls,
        *op.infrastructure.ips,
        op.operation_id,
        "scraping-burst",
        "profile views",
        "detector",
        "score",
        "confidence",
        "cluster",
    ]
    for note in select_notifications([op]):
        text = " ".join(note.reasons).lower()
        for secret in secrets:
            assert secret.lower() not in text
        assert note.reasons == REASONS[note.level]


def test_an_account_of_a_reported_operation_is_never_warned() -> None:
    """Firms' personas befriend each other (sim tuning seed 10113): a persona another
    operation "targeted" is an operator's account, and a warning to it would reach the
    crew. Fails on a selection that warns every target."""
    ops = [_op("op-1", (R, E), ("t-1", "persona-bob"), (("persona-bob", E),))]
    assert [n.account_id for n in select_notifications(ops)] == ["t-1"]
