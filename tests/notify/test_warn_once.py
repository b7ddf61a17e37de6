"""One warning per person across runs (issue 13 item 1), the v1 -> v2 migration, and
addresses/languages supplied after ``run`` (item 4)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from _sinks import SmtpSink
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.model.records import Notification, Phase
from mercwatch.notify import REASONS, FollowUpPolicy, Outbox, SmtpAdapter, idempotency_key
from mercwatch.store.migrations import upgrade
from mercwatch.store.state import StateStore, notification_outbox

R, E, X = Phase.RECONNAISSANCE, Phase.ENGAGEMENT, Phase.EXPLOITATION


def _note(person: str, op: str, level: Phase) -> Notification:
    return Notification(person, op, level, REASONS[level], operation_ids=(op,))


def _rows(store: StateStore) -> list[tuple[str, int, str, list[str], str]]:
    t = notification_outbox
    with store.engine.connect() as conn:
        return [
            (r.account_id, r.ordinal, r.level, sorted(r.operation_ids), r.status)
            for r in conn.execute(select(t).order_by(t.c.account_id, t.c.ordinal))
        ]


def _send_all(outbox: Outbox, port: int) -> None:
    adapter = SmtpAdapter(
        "127.0.0.1", port, sender="security@p.example", recipient_template="{account_id}@u.example"
    )
    outbox.deliver(adapter)


def test_operations_fold_into_one_warning_per_person(store: StateStore, clock) -> None:  # noqa: ANN001
    """A v1 file (one record per person and operation) still queues one per person; on
    the v1 outbox this queued 3 rows for 2 people."""
    outbox = Outbox(store, clock)
    notes = [_note("t-1", "op-1", R), _note("t-1", "op-2", X), _note("t-2", "op-1", E)]
    assert outbox.enqueue(notes) == 2
    assert _rows(store) == [
        ("t-1", 1, "exploitation", ["op-1", "op-2"], "pending"),
        ("t-2", 1, "engagement", ["op-1"], "pending"),
    ]
    assert outbox.enqueue(notes) == 0  # a rerun


def test_a_queued_warning_takes_the_furthest_phase_before_it_is_sent(
    store: StateStore,
    clock,  # noqa: ANN001
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    sink, port = smtp_sink
    outbox = Outbox(store, clock)
    outbox.enqueue([_note("t-1", "op-1", R)])
    report = outbox.enqueue_report([_note("t-1", "op-2", E)])  # a later run, not yet sent
    assert (report.queued, report.follow_ups, report.updated) == (0, 0, 1)
    assert _rows(store) == [("t-1", 1, "engagement", ["op-1", "op-2"], "pending")]
    _send_all(outbox, port)
    assert sink.attempts == 1


def test_once_warned_only_a_further_phase_the_policy_names_warrants_one_follow_up(
    store: StateStore,
    clock,  # noqa: ANN001
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    sink, port = smtp_sink
    outbox = Outbox(store, clock, follow_up=FollowUpPolicy(warrants=frozenset({X})))
    outbox.enqueue([_note("t-1", "op-1", R), _note("t-2", "op-1", R)])
    _send_all(outbox, port)
    # t-1 now reached at engagement: not enough for a follow-up; t-2 at exploitation: one.
    report = outbox.enqueue_report([_note("t-1", "op-1", E), _note("t-2", "op-3", X)])
    assert (report.queued, report.follow_ups, report.already_warned) == (0, 1, 1)
    _send_all(outbox, port)
    # Nothing more, ever: same phase again, or already at the limit of two warnings.
    again = outbox.enqueue_report([_note("t-1", "op-1", X), _note("t-2", "op-4", X)])
    assert (again.follow_ups, again.already_warned) == (1, 1)  # t-1's one follow-up
    _send_all(outbox, port)
    assert outbox.enqueue([_note("t-1", "op-9", X), _note("t-2", "op-9", X)]) == 0
    status = outbox.status()
    assert (status.people, status.people_warned, status.follow_ups, status.sent) == (2, 2, 2, 4)
    keys = {str(m["X-Mercwatch-Idempotency-Key"]).strip() for m in sink.delivered.values()}
    assert keys == {idempotency_key(p, n) for p in ("t-1", "t-2") for n in (1, 2)}
    assert sink.attempts == 4


def test_migration_from_v1_keeps_delivery_history(state_url: str) -> None:
    """v1 rows (one per person and operation, some sent) survive the upgrade; a v2
    enqueue of the same people then adds nothing and resends nothing."""
    upgrade(state_url, "0001_initial")
    engine = create_engine(state_url)
    insert = text(
        "INSERT INTO notification_outbox (idempotency_key, account_id, operation_id, level, "
        "reasons, locale, status, attempts, next_attempt_at, created_at) VALUES "
        "(:k, :a, :o, :lvl, '[]', 'en', :s, 1, :t, :t)"
    )
    now = datetime(2021, 1, 1)
    with engine.begin() as conn:
        for key, person, op, level, status in [
            ("k1", "t-1", "op-1", "engagement", "sent"),
            ("k2", "t-1", "op-2", "reconnaissance", "sent"),
            ("k3", "t-2", "op-1", "engagement", "pending"),
        ]:
            conn.execute(insert, dict(k=key, a=person, o=op, lvl=level, s=status, t=now))
    engine.dispose()
    store = StateStore.open(state_url)
    try:
        assert _rows(store) == [
            ("t-1", 1, "engagement", ["op-1"], "sent"),
            ("t-1", 2, "reconnaissance", ["op-2"], "sent"),
            ("t-2", 1, "engagement", ["op-1"], "pending"),
        ]
        outbox = Outbox(store)
        assert outbox.enqueue([_note("t-1", "op-1", E), _note("t-2", "op-1", E)]) == 0
    finally:
        store.dispose()


def test_addresses_and_languages_given_after_run_are_used(
    tmp_path: Path, smtp_sink: tuple[SmtpSink, int]
) -> None:
    """Issue 13: `outbox enqueue --locales --recipients` after `run` queued 0 and the
    warnings went out in English to no address. Now the queue follows."""
    sink, port = smtp_sink
    state = str(tmp_path / "state.db")
    notes = tmp_path / "notifications.jsonl"
    notes.write_text(
        "".join(json.dumps(_note(f"t-{i}", "op-1", E).to_dict()) + "\n" for i in range(2)),
        encoding="utf-8",
    )
    runner = CliRunner()
    first = runner.invoke(app, ["outbox", "enqueue", str(notes), "--state", state])  # as `run`
    assert "2 people queued" in first.output, first.output
    (tmp_path / "loc.json").write_text(json.dumps({"t-1": "es-MX"}), encoding="utf-8")
    (tmp_path / "to.json").write_text(json.dumps({"t-1": "old@example.org"}), encoding="utf-8")
    runner.invoke(
        app,
        ["outbox", "enqueue", "--recipients", str(tmp_path / "to.json")]
        + [
            "--state",
            state,
        ],
    )
    (tmp_path / "to.json").write_text(json.dumps({"t-1": "uno@example.org"}), encoding="utf-8")
    later = runner.invoke(
        app,
        ["outbox", "enqueue", "--locales", str(tmp_path / "loc.json")]
        + ["--recipients", str(tmp_path / "to.json"), "--state", state],
    )
    assert later.exit_code == 0, later.output
    assert "0 people queued" in later.output and "contacts recorded for 1 people" in later.output
    sent = runner.invoke(
        app,
        ["outbox", "deliver", "--smtp", f"127.0.0.1:{port}"]
        + ["--recipient-template", "{account_id}@u.example", "--state", state],
    )
    assert sent.exit_code == 0 and "sent 2" in sent.output, sent.output
    by_to = {str(m["To"]): m for m in sink.delivered.values()}
    assert set(by_to) == {"uno@example.org", "t-0@u.example"}
    assert by_to["uno@example.org"]["Content-Language"] == "es"
    assert by_to["t-0@u.example"]["Content-Language"] == "en"
    status = json.loads(runner.invoke(app, ["outbox", "status", "--json", "--state", state]).output)
    assert status["people_warned"] == 2
    assert status["sent_by_channel_locale"] == [
        {"channel": "email", "locale": "en", "sent": 1},
        {"channel": "email", "locale": "es", "sent": 1},
    ]


def test_outbox_locales_lists_one_tag_a_line() -> None:
    result = CliRunner().invoke(app, ["outbox", "locales"])
    assert result.exit_code == 0
    tags = result.output.splitlines()
    assert len(tags) >= 20 and {"en", "es", "pt", "fa", "zh", "sw", "km"} <= set(tags)
    review = CliRunner().invoke(app, ["outbox", "locales", "--review"]).output.splitlines()
    assert "fa\trtl\t26 texts need native review" in review
    assert "en\tltr\t0 texts need native review" in review


def test_a_new_address_requeues_a_warning_that_failed_for_good(
    store: StateStore,
    clock,  # noqa: ANN001
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    sink, port = smtp_sink
    sink.rcpt_replies["t-1@u.example"] = "550 5.1.1 no such user"
    outbox = Outbox(store, clock)
    outbox.enqueue([_note("t-1", "op-1", E)])
    _send_all(outbox, port)
    assert outbox.status().failed == 1
    outbox.set_contacts(locales={"t-1": "fr"})  # a language alone is no new chance
    assert outbox.status().failed == 1
    outbox.set_contacts(recipients={"t-1": "right@example.org"})
    _send_all(outbox, port)
    status = outbox.status()
    assert (status.failed, status.people_warned) == (0, 1)
    assert [str(m["To"]) for m in sink.delivered.values()] == ["right@example.org"]
