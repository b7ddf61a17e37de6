"""Write a built platform as a contract export (JSON Lines, CSV or Parquet) plus
``truth.json``.

Everything is written into a fresh sibling folder and moved into place at the end, so
a crash never leaves half an export behind, and a rerun replaces the previous export
whole. A folder that is not a previous export is never overwritten.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from mercwatch.altsim.config import WINDOW_START
from mercwatch.altsim.formats import FORMATS, write_table
from mercwatch.altsim.platform import Platform
from mercwatch.errors import ConfigError

TRUTH_SCHEMA_VERSION = 1


def rfc3339(seconds: float) -> str:
    return (WINDOW_START + timedelta(seconds=round(seconds))).strftime("%Y-%m-%dT%H:%M:%SZ")


def _account_row(a: Any) -> dict[str, Any]:
    row = {
        "account_id": a.account_id,
        "created_at": rfc3339(a.created_at),
        "display_name": a.display_name,
        "country": a.country,
        "bio": a.bio,
        "employer": a.employer,
        "photo_hash": a.photo_hash,
        "email_domain": a.email_domain,
        "phone_cc": a.phone_cc,
        "tags": list(a.tags),
    }
    return {k: v for k, v in row.items() if v not in ("", [])}


def truth_document(platform: Platform) -> dict[str, Any]:
    cfg = platform.config
    return {
        "schema_version": TRUTH_SCHEMA_VERSION,
        "generator": "altsim",
        "seed": cfg.seed,
        "variant": cfg.variant.value,
        "users": cfg.users,
        "operations": [op.to_truth() for op in platform.operations],
        "benign_groups": [g.to_truth() for g in platform.benign_groups],
    }


def write_export(platform: Platform, out: Path, fmt: str = "jsonl") -> dict[str, int]:
    """Write ``accounts``, ``friendships`` and ``events`` tables in ``fmt`` (jsonl, csv,
    parquet) and ``truth.json`` to ``out``; returns row counts per table."""
    out = Path(out)
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    if out.exists() and any(out.iterdir()) and not (out / "truth.json").exists():
        raise ConfigError(f"{out}: exists and is not a generated export; refusing to overwrite")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        counts = {
            "accounts": write_table(
                staging,
                "accounts",
                (_account_row(platform.accounts[k]) for k in sorted(platform.accounts)),
                fmt,
            ),
            "friendships": write_table(
                staging,
                "friendships",
                (
                    {"a": a, "b": b, "since": rfc3339(s)}
                    for (a, b), s in sorted(platform.friendships.items())
                ),
                fmt,
            ),
            "events": write_table(staging, "events", _event_rows(platform), fmt),
        }
        (staging / "truth.json").write_text(
            json.dumps(truth_document(platform), indent=1, ensure_ascii=False), "utf-8"
        )
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return counts


def _event_rows(platform: Platform) -> Any:
    for n, (ts, _, row) in enumerate(sorted(platform.events, key=lambda e: (e[0], e[1]))):
        yield {"event_id": f"ev{n:09d}", "ts": rfc3339(ts), **row}
