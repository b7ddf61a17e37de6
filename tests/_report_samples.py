"""Operations for the report tests: realistic shapes, plus hostile text in every field."""

from __future__ import annotations

from datetime import datetime

from mercwatch.model import (
    Action,
    ActionKind,
    ActionStatus,
    Attribution,
    Evidence,
    Infrastructure,
    Notification,
    Operation,
    Phase,
)

XSS = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
R, E, X = Phase.RECONNAISSANCE, Phase.ENGAGEMENT, Phase.EXPLOITATION


def operations() -> list[Operation]:
    """Three operations: a full kill chain, a hostile-text one, a recon-only one."""
    full = Operation(
        operation_id="op-0001",
        confidence=0.97,
        phases=(R, E, X),
        accounts=tuple(f"acct-{i:03d}" for i in range(30)),
        targets=("victim-17", "victim-18", "victim-2"),
        infrastructure=Infrastructure(
            domains=("fb-security-check.com", "mail-verify.net"),
            urls=("https://fb-security-check.com/login?next=/home",),
            ips=("185.220.101.4",),
            devices=("dev-a", "dev-b"),
            photo_hashes=("c3a1f0e2d4b59687",),
            email_domains=("protonmail.com",),
        ),
        first_seen=datetime(2021, 9, 2, 8, 0),
        last_seen=datetime(2021, 11, 20, 17, 30),
        attribution=Attribution("Cytrox", "meta-2021-12.csv", ("fb-security-check.com",)),
        evidence=(
            Evidence(
                "recon.at_risk_search",
                R,
                "acct-001",
                0.91,
                "searched the names of 14 journalists, including victim-17, in 2 hours",
            ),
            Evidence(
                "recon.profile_scrape",
                R,
                "185.220.101.4",
                0.84,
                "viewed 420 profiles logged out from one address",
            ),
            Evidence(
                "engagement.fake_persona",
                E,
                "acct-002",
                0.88,
                "claims to work at Reuters; photo reused by 4 accounts",
            ),
            Evidence(
                "engagement.fake_persona",
                E,
                "victim-2",
                0.5,
                "received unanswered messages from 3 new accounts",
            ),
            Evidence(
                "exploitation.lure_link",
                X,
                "fb-security-check.com",
                0.95,
                "lookalike of facebook.com sent to 3 targets",
            ),
        ),
        target_countries=(("EG", 2), ("AM", 1)),
    )
    hostile = Operation(
        operation_id=f"op-{XSS}",
        confidence=0.72,
        phases=(R, E),
        accounts=(f"acct-{IMG}",),
        targets=("victim-99",),
        infrastructure=Infrastructure(
            domains=(f"{XSS}.example",), urls=(f"http://x.test/{IMG}",), email_domains=(IMG,)
        ),
        first_seen=datetime(2021, 10, 1, 0, 0),
        last_seen=datetime(2021, 10, 30, 0, 0),
        attribution=Attribution(f"Actor {XSS}", f"feed {IMG}", (f"{XSS}.example",)),
        evidence=(
            Evidence(f"det-{XSS}", R, "victim-99", 0.6, f"bio says {XSS} and {IMG}"),
            Evidence(
                "engagement.fake_persona",
                E,
                f"acct-{IMG}",
                0.7,
                f"display name {XSS}; message: [click](javascript:alert(1)) | *x* `y`",
            ),
        ),
        target_countries=((f"{XSS}", 1),),
    )
    recon_only = Operation(
        operation_id="op-0003",
        confidence=0.55,
        phases=(R,),
        accounts=("acct-900", "acct-901"),
        targets=("victim-5",),
        infrastructure=Infrastructure(ips=("203.0.113.9",)),
        first_seen=datetime(2021, 11, 5, 12, 0),
        last_seen=datetime(2021, 11, 12, 9, 0),
        evidence=(
            Evidence(
                "recon.profile_scrape",
                R,
                "203.0.113.9",
                0.61,
                "viewed victim-5 and 80 of their friends",
            ),
        ),
    )
    return [full, hostile, recon_only]


def notifications() -> list[Notification]:
    return [
        Notification("victim-17", "op-0001", X, ("lure link",)),
        Notification("victim-18", "op-0001", E, ("contacted",)),
        Notification("victim-2", "op-0001", E, ("contacted",)),
        Notification("victim-99", f"op-{XSS}", R, ("profiled",)),
    ]


def actions() -> list[Action]:
    return [
        Action(
            ActionKind.DISABLE_ACCOUNT,
            f"acct-{i:03d}",
            "op-0001",
            ActionStatus.APPLIED,
            "operation account",
        )
        for i in range(28)
    ] + [
        Action(
            ActionKind.DISABLE_ACCOUNT,
            "acct-900",
            "op-0003",
            ActionStatus.PENDING_REVIEW,
            "below auto-apply",
        ),
    ]


SUMMARY = {
    "schema_version": 1,
    "export": "platform-export-2021-11",
    "rows_read": 1_204_331,
    "rows_rejected": 212,
    "reject_reasons": {"unknown event type": 180, f"bad {XSS}": 32},
    "detectors": [
        {
            "detector": "recon.at_risk_search",
            "phase": "reconnaissance",
            "version": 1,
            "status": "ok",
            "signals": 40,
            "seconds": 0.8,
            "error": None,
        },
        {
            "detector": "engagement.fake_persona",
            "phase": "engagement",
            "version": 1,
            "status": "failed",
            "signals": 0,
            "seconds": 0.1,
            "error": f"boom {XSS}",
        },
    ],
    "detectors_run": 2,
    "detectors_failed": ["engagement.fake_persona"],
    "signals": 40,
    "operations": 3,
    "actions": 29,
    "notifications": 4,
    "indicators": 6,
    "dry_run": False,
    "stage_seconds": {"ingest": 12.5, "detect": 4.25, "link": 1.5, "write": 0.3},
}
