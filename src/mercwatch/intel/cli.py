"""``mercwatch intel``: import peers' feeds and export our operations' indicators.

Thin verbs over :mod:`mercwatch.intel.feeds` and the exporters; they build options,
call the library and print. Bad input raises MercwatchError subclasses, which the
top-level ``main`` turns into one line and exit status 2.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mercwatch.cli_json import JsonOpt, echo_json
from mercwatch.errors import ConfigError, InputError
from mercwatch.intel.feeds import FORMATS, load_feed
from mercwatch.intel.lifetime import IndicatorLifetime
from mercwatch.intel.meta_csv import export_csv_2021, export_csv_2023
from mercwatch.intel.misp import export_misp, write_misp
from mercwatch.intel.plain import export_plain
from mercwatch.intel.records import Feed
from mercwatch.intel.stix import export_stix, write_stix
from mercwatch.intel.tlp import STIX_DEFAULT_TLP
from mercwatch.model import IndicatorType, Operation

app = typer.Typer(
    name="intel",
    help="Import indicator feeds; export operations' indicators.",
    no_args_is_help=True,
)


class ExportFormat(StrEnum):
    """Formats ``intel export`` writes."""

    STIX = "stix"
    MISP = "misp"
    CSV2021 = "csv2021"
    CSV2023 = "csv2023"
    PLAIN = "plain"


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"--now {text!r} is not an ISO 8601 time") from exc
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def _print_feed(feed: Feed, now: datetime | None, limit: int) -> None:
    info = feed.summary()
    kinds = ", ".join(f"{n} {k}" for k, n in info["by_type"].items()) or "none"
    typer.echo(
        f"{feed.source} ({feed.format}): {info['rows']} records -> "
        f"{info['indicators']} indicators ({kinds})"
    )
    typer.echo(f"  actors: {', '.join(feed.actors) or 'none named'}")
    expired = feed.expired(now)
    typer.echo(
        f"  rejected: {info['rejected']}  warnings: {info['warnings']}  "
        f"expired: {len(expired)}  revoked: {info['revoked']}"
    )
    for oddity in feed.oddities[:limit]:
        kind = "rejected" if oddity.rejected else "warning"
        hint = f" (did you mean {oddity.suggestion}?)" if oddity.suggestion else ""
        typer.echo(f"  {kind}: {oddity.where}: {oddity.value!r}: {oddity.reason}{hint}")
    if len(feed.oddities) > limit:
        typer.echo(f"  ... {len(feed.oddities) - limit} more (use --all)")
    for ind in expired[:limit]:
        typer.echo(
            f"  expired: {ind.type.value} {ind.value} "
            f"(valid until {ind.valid_until:%Y-%m-%dT%H:%M:%SZ})"
        )


@app.command("import")
def import_command(
    feeds: Annotated[
        list[Path],
        typer.Argument(help="Feed files: STIX 2.1/1.2, MISP JSON, Meta CSV/TSV/JSON, plain lists."),
    ],
    kind: Annotated[
        IndicatorType | None, typer.Option("--type", help="What every line of a plain list is.")
    ] = None,
    actor: Annotated[
        str | None, typer.Option(help="Actor for feeds whose rows do not name one.")
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", help=f"Force a format: {', '.join(FORMATS)}.")
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="Judge expiry at this ISO time (default: now).")
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="List every oddity, not the first 20.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per feed instead of text.")
    ] = False,
) -> None:
    """Read feeds and say what was read: indicators, actors, and every oddity."""
    when = _parse_time(now)
    for path in feeds:
        feed = load_feed(path, format=format, kind=kind, actor=actor)
        if as_json:
            body = {
                **feed.summary(),
                "expired": len(feed.expired(when)),
                "oddities": [o.to_dict() for o in feed.oddities],
            }
            typer.echo(json.dumps(body, sort_keys=True))
        else:
            _print_feed(feed, when, len(feed.oddities) if show_all else 20)


def read_operations(path: Path) -> list[Operation]:
    """Operations from ``operations.json`` (``{"operations": [...]}``, SCHEMA.md)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(str(path), "no such file") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), f"not readable JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("operations"), list):
        raise InputError(str(path), 'expected {"operations": [...]}')
    try:
        return [Operation.from_dict(item) for item in data["operations"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(str(path), f"an operation does not follow the contract: {exc!r}") from exc


def _read_terms(path: Path | None) -> tuple[str, ...]:
    if path is None:
        return ()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot be read: {exc}") from exc
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@app.command("export")
def export_command(
    operations_json: Annotated[
        Path, typer.Argument(help="operations.json written by mercwatch run.")
    ],
    format: Annotated[ExportFormat, typer.Option("--format", help="Output format.")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    publisher: Annotated[
        str, typer.Option(help="Publishing organisation (STIX identity, MISP Orgc).")
    ] = "mercwatch",
    tlp: Annotated[
        str, typer.Option(help="TLP 2.0 level: clear, green, amber, amber+strict, red.")
    ] = STIX_DEFAULT_TLP,
    previous: Annotated[
        Path | None,
        typer.Option(help="STIX bundle published last time; withdrawn indicators are revoked."),
    ] = None,
    defanged: Annotated[bool, typer.Option(help="Plain lists: write evil[.]com.")] = False,
    sensitive: Annotated[
        Path | None,
        typer.Option(
            help="File of strings identifying targets (display names, e-mails), one a line; "
            "values holding one are withheld."
        ),
    ] = None,
    valid_days: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="STIX: days unattributed indicators stay valid after last seen "
            "[default: 365]; see --no-expiry.",
        ),
    ] = None,
    named_actor_valid_days: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="STIX: days a named actor's indicators stay valid after last seen "
            "[default: no valid_until].",
        ),
    ] = None,
    no_expiry: Annotated[
        bool, typer.Option("--no-expiry", help="STIX: no valid_until on any indicator.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the operations' shareable indicators (never any target data)."""
    ops = read_operations(operations_json)
    if previous is not None and not previous.is_file():
        raise InputError(str(previous), "no such file")
    terms = _read_terms(sensitive)
    if format is ExportFormat.STIX:
        lifetime = IndicatorLifetime.from_days(
            named_actor=named_actor_valid_days,
            unattributed=None if no_expiry else 365 if valid_days is None else valid_days,
        )
        bundle = export_stix(
            ops,
            publisher=publisher,
            tlp=tlp,
            previous=previous,
            sensitive=terms,
            lifetime=lifetime,
        )
        write_stix(bundle, out)
    elif format is ExportFormat.MISP:
        write_misp(export_misp(ops, publisher=publisher, tlp=tlp, sensitive=terms), out)
    else:
        writers = {
            ExportFormat.CSV2021: lambda: export_csv_2021(ops, sensitive=terms),
            ExportFormat.CSV2023: lambda: export_csv_2023(ops, sensitive=terms),
            ExportFormat.PLAIN: lambda: export_plain(ops, defanged=defanged, sensitive=terms),
        }
        out.write_text(writers[format](), encoding="utf-8")
    if as_json:
        echo_json({"format": format.value, "operations": len(ops), "out": str(out)})
        return
    typer.echo(f"wrote {format.value} for {len(ops)} operation(s) to {out}")


def register(main: typer.Typer) -> None:
    """Attach ``intel import`` and ``intel export`` to the main command."""
    main.add_typer(app, name="intel")
