"""`mercwatch outbox enqueue | deliver | status` through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _sinks import SmtpSink
from typer.testing import CliRunner

from mercwatch.cli import app
from mercwatch.model.records import Notification, Phase
from mercwatch.notify import REASONS

runner = CliRunner()


def _files(tmp_path: Path) -> tuple[Path, Path]:
    notes = tmp_path / "notifications.jsonl"
    notes.write_text(
        "".join(
            json.dumps(
                Notification(
                    f"t-{i}", "op-1", Phase.ENGAGEMENT, REASONS[Phase.ENGAGEMENT]
                ).to_dict()
            )
            + "\n"
            for i in range(3)
        ),
        encoding="utf-8",
    )
    locales = tmp_path / "locales.json"
    locales.write_text(json.dumps({"t-0": "fr-FR"}), encoding="utf-8")
    return notes, locales


def test_enqueue_deliver_status(tmp_path: Path, smtp_sink: tuple[SmtpSink, int]) -> None:
    sink, port = smtp_sink
    notes, locales = _files(tmp_path)
    state = str(tmp_path / "state.db")
    result = runner.invoke(
        app, ["outbox", "enqueue", str(notes), "--locales", str(locales), "--state", state]
    )
    assert result.exit_code == 0 and "3 people queued" in result.output
    again = runner.invoke(app, ["outbox", "enqueue", str(notes), "--state", state])
    assert "0 people queued" in again.output and "3 already warned" not in again.output
    result = runner.invoke(
        app,
        [
            "outbox",
            "deliver",
            "--smtp",
            f"127.0.0.1:{port}",
            "--recipient-template",
            "{account_id}@u.example",
            "--state",
            state,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "sent 3" in result.output
    status = json.loads(runner.invoke(app, ["outbox", "status", "--json", "--state", state]).output)
    assert (status["sent"], status["pending"], status["by_level"]) == (3, 0, {"engagement": 3})
    assert len(sink.delivered) == 3
    french = [m for m in sink.delivered.values() if m["To"] == "t-0@u.example"]
    assert french[0]["Content-Language"] == "fr"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["outbox", "deliver"], "choose one channel"),
        (["outbox", "deliver", "--smtp", "nohostport"], "HOST:PORT"),
        (["outbox", "deliver", "--webhook", "http://127.0.0.1:9/x"], "MERCWATCH_WEBHOOK_SECRET"),
    ],
)
def test_delivery_options_are_checked(
    tmp_path: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MERCWATCH_WEBHOOK_SECRET", raising=False)
    result = runner.invoke(app, [*args, "--state", str(tmp_path / "s.db")])
    assert result.exit_code == 2
    assert message in result.output


def test_bad_notification_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "n.jsonl"
    bad.write_text('{"account_id": "t-1"}\n', encoding="utf-8")
    result = runner.invoke(app, ["outbox", "enqueue", str(bad), "--state", str(tmp_path / "s.db")])
    assert result.exit_code == 2
    assert "n.jsonl:1" in result.output
