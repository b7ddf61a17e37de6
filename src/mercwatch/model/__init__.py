"""The data model shared by every stage: frozen dataclasses and enums."""

from mercwatch.model.records import (
    AT_RISK_TAGS,
    Action,
    ActionKind,
    ActionStatus,
    Attribution,
    Evidence,
    Indicator,
    IndicatorType,
    Infrastructure,
    Notification,
    Operation,
    Phase,
    Signal,
    SubjectType,
)

__all__ = [
    "AT_RISK_TAGS",
    "Action",
    "ActionKind",
    "ActionStatus",
    "Attribution",
    "Evidence",
    "Indicator",
    "IndicatorType",
    "Infrastructure",
    "Notification",
    "Operation",
    "Phase",
    "Signal",
    "SubjectType",
]
