"""What evidence an export cannot show, said next to the results rather than left silent.

SCHEMA.md makes most fields optional, and platforms export what they have. A run over
an export with no at-risk tags, no addresses or no links still succeeds, but whole
families of detectors then have nothing to read: "0 operations" would mean "could
not see", not "none there". :func:`evidence_gaps` names each missing kind of
evidence and what it blinds, so the run summary, the CLI and the report say so.
"""

from __future__ import annotations

from ibis.backends import BaseBackend

from mercwatch.detectors.base import at_risk_tags
from mercwatch.detectors.exploitation._links import LINK_TYPES
from mercwatch.model import AT_RISK_TAGS

TEXT_TYPES = ("message", "post", "search")


def evidence_gaps(con: BaseBackend) -> list[str]:
    """Sentences naming the evidence this export lacks and what cannot be seen without it.

    Args:
        con: the engine holding the ingested ``accounts``, ``friendships``, ``events``.

    Returns:
        One sentence per gap, in a fixed order; empty when every kind is present.
    """
    present = _present(con)
    return [sentence for key, sentence in _GAPS if not present[key]]


def _present(con: BaseBackend) -> dict[str, bool]:
    """Which kinds of evidence have at least one row, in one pass over each table."""
    accounts = con.table("accounts")
    at_risk = at_risk_tags(accounts.tags).length() > 0
    profile = (
        accounts.photo_hash.notnull()
        | accounts.bio.notnull()
        | accounts.employer.notnull()
        | accounts.display_name.notnull()
    )
    acc = accounts.aggregate(
        tags=at_risk.fill_null(False).any(), profile=profile.any()
    ).to_pyarrow()
    events = con.table("events")
    linkish = events.type.isin(LINK_TYPES)
    ev = events.aggregate(
        network=(events.ip.notnull() | events.device_id.notnull()).any(),
        links=(linkish & events.url.notnull()).any(),
        text=(events.type.isin(TEXT_TYPES) & events.text.notnull()).any(),
    ).to_pyarrow()
    friendships = con.table("friendships").count().to_pyarrow().as_py()
    row = {**acc.to_pylist()[0], **ev.to_pylist()[0]}
    present = {key: bool(value) for key, value in row.items()}  # an empty table gives null
    present["friendships"] = friendships > 0
    return present


_GAPS = (
    (
        "tags",
        "No account carries an at-risk tag (accounts.tags: "
        + ", ".join(AT_RISK_TAGS)
        + "): detectors that measure the targeting of at-risk people and their contacts "
        "have no one to measure it for, so operations can only be found from links and "
        "shared infrastructure.",
    ),
    (
        "network",
        "No event carries an ip or device_id: accounts sharing infrastructure and "
        "logged-out collection cannot be seen, and operations are linked by behaviour only.",
    ),
    (
        "links",
        "No message, post or share carries a url: phishing links (the exploitation phase) "
        "cannot be seen.",
    ),
    (
        "text",
        "No message, post or search carries text: scripted outreach and searches for "
        "at-risk people's names cannot be seen.",
    ),
    (
        "profile",
        "No account has a photo_hash, bio, employer or display_name: fake personas are "
        "judged on account age and behaviour only.",
    ),
    (
        "friendships",
        "No friendships table: connections made before the export are unknown, so every "
        "first contact counts as a stranger's.",
    ),
)
