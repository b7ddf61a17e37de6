"""Render the threat report as HTML and Markdown with Jinja2, and write it for a run folder.

Escaping is on by default in both: the HTML environment autoescapes, and the Markdown
environment's ``finalize`` escapes every expression, so a template cannot forget to
escape a display name, a bio, a message or a domain. The HTML also carries a Content
Security Policy that forbids every script and remote load, as a second wall.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from mercwatch import __version__
from mercwatch.errors import InputError, MercwatchError
from mercwatch.intel.report.charts import MAX_ROWS, PHASE_COLORS, killchain_svg, timeline_svg
from mercwatch.intel.report.public import DEFAULT_K_FLOOR, build_public
from mercwatch.intel.report.summary import ReportSummary
from mercwatch.intel.report.view import PHASES, build_view
from mercwatch.intel.tlp import edition_tlp
from mercwatch.model import Action, Notification, Operation

_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#|~])")


@dataclass(frozen=True, slots=True)
class RunFiles:
    """What the report reads from a run folder; absent optional files are ``None``."""

    operations: tuple[Operation, ...]
    summary: ReportSummary | None
    notifications: tuple[Notification, ...] | None
    actions: tuple[Action, ...] | None


def render_html(
    operations: Sequence[Operation],
    summary: ReportSummary | Mapping[str, Any] | None = None,
    **options: Any,
) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no script).

    Args:
        operations: the run's operations.
        summary: run counts (a :class:`ReportSummary` or a ``summary.json`` mapping).
        **options: passed to :func:`~mercwatch.intel.report.view.build_view`
            (``notifications``, ``actions``, ``detector_descriptions``, ``title``,
            ``classification``, ``generated_at``).
    """
    view = build_view(operations, _summary(summary), **options)
    template = _html_env().get_template("report.html.j2")
    return template.render(
        r=view,
        killchain=killchain_svg(view.operations),
        timeline=timeline_svg(view.operations),
        phases=PHASES,
        colors={p.value: c for p, c in PHASE_COLORS.items()},
        max_rows=MAX_ROWS,
        version=__version__,
    )


def render_markdown(
    operations: Sequence[Operation],
    summary: ReportSummary | Mapping[str, Any] | None = None,
    **options: Any,
) -> str:
    """The same report as Markdown, for tickets, wikis and e-mail."""
    view = build_view(operations, _summary(summary), **options)
    template = _md_env().get_template("report.md.j2")
    return template.render(r=view, phases=PHASES, version=__version__)


def render_public_html(operations: Sequence[Operation], **options: Any) -> str:
    """The public edition (TLP:CLEAR) as one self-contained HTML page.

    ``options`` go to :func:`~mercwatch.intel.report.public.build_public`
    (``notifications``, ``actions``, ``identities``, ``floor``, ``generated_at`` ...).
    """
    report = build_public(operations, **options)
    return (
        _html_env()
        .get_template("public.html.j2")
        .render(r=report, phases=PHASES, version=__version__)
    )


def render_public_markdown(operations: Sequence[Operation], **options: Any) -> str:
    """The public edition as Markdown."""
    report = build_public(operations, **options)
    return (
        _md_env().get_template("public.md.j2").render(r=report, phases=PHASES, version=__version__)
    )


def load_run(out_dir: Path) -> RunFiles:
    """Read ``operations.json`` (required) and, when present, ``summary.json``,
    ``notifications.jsonl`` and ``enforcement.jsonl`` from a run folder.

    Raises:
        InputError: a file is missing (operations.json) or unreadable.
    """
    data = _read_json(out_dir / "operations.json")
    try:
        operations = tuple(Operation.from_dict(o) for o in data["operations"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            str(out_dir / "operations.json"), f"not an operations file: {exc!r}"
        ) from exc
    summary_path = out_dir / "summary.json"
    summary = ReportSummary.from_dict(_read_json(summary_path)) if summary_path.exists() else None
    notifications = _read_jsonl(out_dir / "notifications.jsonl", Notification.from_dict)
    actions = _read_jsonl(out_dir / "enforcement.jsonl", Action.from_dict)
    return RunFiles(operations, summary, notifications, actions)


def report_paths(out_dir: Path, edition: str = "internal") -> tuple[Path, Path, Path]:
    """(html, md, pdf) of an edition: ``report.*`` internal, ``report.public.*`` public."""
    edition_tlp(edition)  # raises ConfigError on an unknown edition
    stem = "report" if edition == "internal" else f"report.{edition}"
    return out_dir / f"{stem}.html", out_dir / f"{stem}.md", out_dir / f"{stem}.pdf"


def write_report(
    out_dir: Path,
    *,
    generated_at: datetime | None = None,
    edition: str = "internal",
    floor: int = DEFAULT_K_FLOOR,
    identities: Sequence[str] = (),
) -> tuple[Path, Path]:
    """Re-render one edition's HTML and Markdown in a run folder from its JSON files.

    Raises:
        ConfigError: unknown edition.
        InputError: a run file is missing or unreadable.
    """
    html_path, md_path, _ = report_paths(out_dir, edition)
    run = load_run(out_dir)
    options: dict[str, Any] = {
        "notifications": run.notifications,
        "actions": run.actions,
        "detector_descriptions": _detector_descriptions(),
        "generated_at": generated_at,
        "identities": tuple(identities),
    }
    if edition == "public":
        _atomic_text(html_path, render_public_html(run.operations, floor=floor, **options))
        _atomic_text(md_path, render_public_markdown(run.operations, floor=floor, **options))
    else:
        _atomic_text(html_path, render_html(run.operations, run.summary, **options))
        _atomic_text(md_path, render_markdown(run.operations, run.summary, **options))
    return html_path, md_path


def md_escape(value: Any) -> Any:
    """Escape text for Markdown: no HTML, no emphasis/link/table syntax, one line."""
    if value is None:
        return ""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    text = _NEWLINES.sub(" ", value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _common_filters(env: Environment) -> Environment:
    env.filters["ts"] = lambda d: f"{d:%Y-%m-%d %H:%M} UTC" if d else "unknown"
    env.filters["day"] = lambda d: f"{d:%Y-%m-%d}" if d else "unknown"
    env.filters["pct"] = lambda x: f"{x:.0%}"
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["secs"] = lambda s: f"{s:.2f} s"
    env.filters["plural"] = lambda n, word: f"{n:,} {word}{'' if n == 1 else 's'}"
    return env


def _html_env() -> Environment:
    return _common_filters(
        Environment(
            loader=PackageLoader("mercwatch.intel.report", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    )


def _md_env() -> Environment:
    return _common_filters(
        Environment(
            loader=PackageLoader("mercwatch.intel.report", "templates"),
            autoescape=False,
            finalize=md_escape,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    )


def _summary(summary: ReportSummary | Mapping[str, Any] | None) -> ReportSummary | None:
    if summary is None or isinstance(summary, ReportSummary):
        return summary
    return ReportSummary.from_dict(summary)


def _detector_descriptions() -> dict[str, str]:
    """Detector id -> one-line description, to label evidence; empty if unavailable."""
    try:
        from mercwatch.detectors.registry import all_detectors

        return {d.id: d.description for d in all_detectors()}
    except (ImportError, MercwatchError, AttributeError):
        return {}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(str(path), "missing") from exc
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"unreadable JSON: {exc}") from exc


def _read_jsonl(path: Path, parse: Any) -> tuple[Any, ...] | None:
    if not path.exists():
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return tuple(parse(json.loads(line)) for line in lines if line.strip())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(str(path), f"unreadable: {exc!r}") from exc


def _atomic_text(path: Path, text: str) -> None:
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise InputError(str(path), f"cannot write: {exc}") from exc
