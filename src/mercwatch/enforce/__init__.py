"""Enforcement: operations -> actions under a declarative policy; review queue;
reversal on appeal; every change in a hash-chained, append-only audit log."""

from mercwatch.enforce.audit import (
    Anchor,
    AuditEntry,
    AuditHead,
    audit_head,
    audit_head_hash,
    read_audit,
    verify_audit,
)
from mercwatch.enforce.enforcer import Enforcer, StoredAction
from mercwatch.enforce.policy import Policy, Rule, RuleMode, decide, load_policy

__all__ = [
    "Anchor",
    "AuditEntry",
    "AuditHead",
    "Enforcer",
    "Policy",
    "Rule",
    "RuleMode",
    "StoredAction",
    "audit_head",
    "audit_head_hash",
    "decide",
    "load_policy",
    "read_audit",
    "verify_audit",
]
