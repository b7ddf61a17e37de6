"""A published run folder (``OUT/.runs/NNNNNN`` + ``current``) with real-shaped tables.

Built through the pipeline's own publisher and the run's own table writer, so the API
reads exactly what ``mercwatch run`` writes; small enough to build per test.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from mercwatch.api import Authenticator, new_api_key
from mercwatch.auth.keys import Role
from mercwatch.detectors.runner import SIGNALS_SCHEMA
from mercwatch.model import Evidence, Infrastructure, Notification, Operation, Phase
from mercwatch.pipeline.outputs import staged_outputs
from mercwatch.queries.run_tables import write_tables

TARGET = "tgt-8842-journalist"
LURE = f"https://apple-alert.site/invite/{TARGET}?ref=9"
OPERATOR = "acct-1"


def operations() -> list[Operation]:
    return [
        Operation(
            "op-a",
            0.95,
            (Phase.RECONNAISSANCE, Phase.EXPLOITATION),
            (OPERATOR, "acct-2"),
            (TARGET, "tgt-77"),
            Infrastructure(domains=("apple-alert.site",), urls=(LURE,)),
            datetime(2021, 11, 1),
            datetime(2021, 11, 9),
            evidence=(Evidence("recon.x", Phase.RECONNAISSANCE, TARGET, 0.9, f"saw {TARGET}"),),
            target_countries=(("EG", 2),),
        ),
        Operation(
            "op-b",
            0.6,
            (Phase.ENGAGEMENT,),
            ("acct-3",),
            ("tgt-9",),
            Infrastructure(domains=("lure-news.info",)),
            datetime(2021, 10, 1),
            datetime(2021, 12, 1),
        ),
    ]


def signals(extra: int = 0) -> pa.Table:
    rows = [
        ("recon.at_risk_search", "reconnaissance", "account", OPERATOR, 0.9, f"searched {TARGET}"),
        ("exploitation.link_delivery", "exploitation", "account", OPERATOR, 0.8, f"sent {LURE}"),
        ("engagement.fake_persona", "engagement", "account", "acct-3", 0.7, "claims 'editor'"),
        ("recon.targeted_watching", "reconnaissance", "account", TARGET, 0.5, "watched back"),
        ("exploitation.link_delivery", "exploitation", "url", LURE, 0.85, "lure link"),
        ("recon.co_watching", "reconnaissance", "ip", "192.0.2.7", 0.4, "watches 9 users"),
    ]
    rows += [
        ("engagement.coordination", "engagement", "account", f"bulk-{n:04d}", 0.3 - n / 1e5, "x")
        for n in range(extra)
    ]
    return pa.Table.from_pylist(
        [dict(zip(SIGNALS_SCHEMA.names, r, strict=True)) for r in rows], schema=SIGNALS_SCHEMA
    )


def notes() -> list[Notification]:
    return [
        Notification(TARGET, "op-a", Phase.EXPLOITATION, ("r",), ("op-a",), "en", ("en",)),
        Notification("tgt-9", "op-b", Phase.ENGAGEMENT, ("r",), ("op-b",), "en", ("en",)),
    ]


def publish_run(out: Path, extra: int = 0) -> Path:
    """Publish one run into ``out`` (a second call publishes the next version)."""
    ops = operations()
    with staged_outputs(out) as outputs:
        outputs.write_json("operations.json", {"operations": [o.to_dict() for o in ops]})
        outputs.write_jsonl("notifications.jsonl", (n.to_dict() for n in notes()))
        outputs.write_json("summary.json", {"operations": len(ops), "complete": True})
        write_tables(outputs.path, signals(extra), ops)
    return out


def keyring() -> tuple[dict[Role, str], Authenticator]:
    made = {role: new_api_key(f"k-{role.value}", role) for role in Role}
    return {r: t for r, (t, _) in made.items()}, Authenticator(k for _, k in made.values())


def dumps(body: object) -> str:
    return json.dumps(body)
