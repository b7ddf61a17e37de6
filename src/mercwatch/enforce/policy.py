"""The enforcement policy: a declarative YAML file, and the pure decision it drives.

Takedowns must be precise (DESIGN.md), so the decision is data a trust & safety team
can read and change without touching code: confidence thresholds, the phases an
operation must have reached, and which actions follow. :func:`decide` is pure and
deterministic; applying its result is :class:`mercwatch.enforce.enforcer.Enforcer`'s job.

Thresholds are probabilities. An operation's confidence is meant as the probability
that it is a real operation (the link stage makes none without corroboration, see
:mod:`mercwatch.link.corroboration`), so ``min_confidence: 0.6`` reads "act when at
least 6 in 10 such operations are real" and ``auto_apply_confidence: 0.9`` "apply
without a person only when at most 1 in 10 would be a wrongful takedown". How well
the confidences keep that promise is measured, not assumed (docs/benchmarks.md,
reliability tables and expected calibration error).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mercwatch.errors import ConfigError
from mercwatch.model.records import Action, ActionKind, ActionStatus, Operation, Phase

DEFAULT_POLICY = "default_policy.yaml"
_KIND_ORDER = {kind: i for i, kind in enumerate(ActionKind)}
_ACCOUNT_KINDS = frozenset({ActionKind.DISABLE_ACCOUNT, ActionKind.CHECKPOINT_ACCOUNT})


class RuleMode(StrEnum):
    """``auto``: applied at or above the auto-apply confidence, else pending_review.
    ``review``: always pending_review."""

    AUTO = "auto"
    REVIEW = "review"


class Rule(BaseModel):
    """When an operation matches, which actions follow."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    description: str = ""
    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    # Exclusive upper bound (1.0 means no bound): lets a rule cover a confidence band.
    max_confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    phases_any: tuple[Phase, ...] = ()
    phases_all: tuple[Phase, ...] = ()
    actions: tuple[ActionKind, ...] = Field(min_length=1)
    mode: RuleMode = RuleMode.AUTO

    def matches(self, op: Operation) -> bool:
        """True when ``op`` is confident enough and reached the required phases."""
        reached = set(op.phases)
        if op.confidence < self.min_confidence:
            return False
        if self.max_confidence < 1.0 and op.confidence >= self.max_confidence:
            return False
        if self.phases_any and not reached.intersection(self.phases_any):
            return False
        return reached.issuperset(self.phases_all)


class Policy(BaseModel):
    """A whole policy file; ``version`` is written into every audit entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    version: str = Field(min_length=1)
    auto_apply_confidence: float = Field(default=0.9, ge=0.0, le=1.0)
    long_standing_account_days: int = Field(default=365, ge=0)
    unknown_account_age_action: Literal[
        ActionKind.CHECKPOINT_ACCOUNT, ActionKind.DISABLE_ACCOUNT
    ] = ActionKind.CHECKPOINT_ACCOUNT
    protected_domains: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = Field(min_length=1)

    def is_protected(self, domain: str) -> bool:
        """True for a protected registered domain or any subdomain of one."""
        name = domain.lower().rstrip(".")
        return any(name == p or name.endswith("." + p) for p in self.protected_domains)


def load_policy(path: str | Path | None = None) -> Policy:
    """Read a policy file, or the shipped default when ``path`` is None.

    Raises:
        ConfigError: the file is missing, not YAML, or breaks the policy schema.
    """
    if path is None:
        source = "default policy"
        text = files("mercwatch.enforce").joinpath(DEFAULT_POLICY).read_text(encoding="utf-8")
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"policy {source}: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"policy {source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"policy {source}: expected a mapping at the top level")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise ConfigError(f"policy {source}: {where}: {first['msg']}") from exc


def _account_kind(
    account: str, op: Operation, created: Mapping[str, datetime], policy: Policy
) -> tuple[ActionKind, str]:
    """disable_account unless the account looks like a hijacked long-standing one."""
    born = created.get(account)
    if born is None or op.first_seen is None:
        return policy.unknown_account_age_action, "account age unknown"
    age_days = (op.first_seen.replace(tzinfo=None) - born.replace(tzinfo=None)).days
    if age_days >= policy.long_standing_account_days:
        return ActionKind.CHECKPOINT_ACCOUNT, (
            f"account {age_days} days old at the operation's first activity: "
            "likely hijacked, checkpoint instead of disable"
        )
    return ActionKind.DISABLE_ACCOUNT, ""


def _subjects(
    kind: ActionKind, op: Operation, created: Mapping[str, datetime], policy: Policy
) -> Iterator[tuple[ActionKind, str, str]]:
    """(final kind, subject, note) for each subject ``kind`` applies to in ``op``."""
    if kind is ActionKind.DISABLE_ACCOUNT:
        for account in op.accounts:
            final, note = _account_kind(account, op, created, policy)
            yield final, account, note
    elif kind is ActionKind.CHECKPOINT_ACCOUNT:
        yield from ((kind, account, "") for account in op.accounts)
    elif kind is ActionKind.BLOCK_DOMAIN:
        yield from ((kind, d, "") for d in op.infrastructure.domains if not policy.is_protected(d))
    else:
        yield from ((kind, url, "") for url in op.infrastructure.urls)


def _status_and_reason(rule: Rule, op: Operation, policy: Policy) -> tuple[ActionStatus, str]:
    phases = ", ".join(p.value for p in sorted(op.phases, key=lambda p: p.rank)) or "none"
    reason = f"{rule.id}: operation confidence {op.confidence:.2f}, phases reached: {phases}"
    if rule.mode is RuleMode.REVIEW:
        return ActionStatus.PENDING_REVIEW, reason + "; rule requires human review"
    if op.confidence < policy.auto_apply_confidence:
        return ActionStatus.PENDING_REVIEW, (
            reason + f"; below auto-apply confidence {policy.auto_apply_confidence:.2f}"
        )
    return ActionStatus.APPLIED, reason


def _membership_review(
    kind: ActionKind, subject: str, op: Operation, status: ActionStatus, note: str
) -> tuple[ActionStatus, str]:
    """An account whose membership is not corroborated is never acted on without review.

    The link stage keeps such a member (a persona held to the operation by context
    ties only: an address, targets or a phrase in common, mercwatch.link.membership)
    in ``op.uncorroborated_accounts``; the operation's confidence says the operation
    is real, not that this account belongs to it, so an analyst decides.
    """
    if kind not in _ACCOUNT_KINDS or subject not in op.uncorroborated_accounts:
        return status, note
    why = "membership not corroborated (context ties only): review"
    return ActionStatus.PENDING_REVIEW, f"{note}; {why}" if note else why


def _decide_one(
    op: Operation, created: Mapping[str, datetime], policy: Policy
) -> dict[tuple[ActionKind, str], Action]:
    chosen: dict[tuple[ActionKind, str], Action] = {}
    for rule in policy.rules:
        if not rule.matches(op):
            continue
        status, reason = _status_and_reason(rule, op, policy)
        for requested in rule.actions:
            for kind, subject, note in _subjects(requested, op, created, policy):
                final, note = _membership_review(kind, subject, op, status, note)
                key = (kind, subject)
                previous = chosen.get(key)
                # The strongest decision wins: applied beats pending_review; the first
                # matching rule gives the reason, so rule order is priority order.
                upgrade = final is ActionStatus.APPLIED
                if previous is None or (upgrade and previous.status is ActionStatus.PENDING_REVIEW):
                    text = f"{reason}; {note}" if note else reason
                    chosen[key] = Action(kind, subject, op.operation_id, final, text)
    return chosen


def decide(
    operations: Sequence[Operation], account_created: Mapping[str, datetime], policy: Policy
) -> list[Action]:
    """The actions ``policy`` calls for, one per (action, subject, operation).

    Pure: reads nothing, writes nothing, and returns the same list for the same input,
    sorted by operation id, action kind and subject.

    Args:
        operations: operations found by the link stage.
        account_created: account id -> creation time, to tell fresh fake accounts
            from long-standing ones an operation probably hijacked.
        policy: the loaded policy.
    """
    result: list[Action] = []
    for op in operations:
        result.extend(_decide_one(op, account_created, policy).values())
    result.sort(key=lambda a: (a.operation_id, _KIND_ORDER[a.action], a.subject))
    return result


__all__ = ["Policy", "Rule", "RuleMode", "decide", "load_policy"]
