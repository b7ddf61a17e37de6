"""The environment for a child ``python`` that must import this checkout's mercwatch."""

from __future__ import annotations

import os
from pathlib import Path

import mercwatch


def child_env() -> dict[str, str]:
    """``os.environ`` with the source tree of the imported mercwatch first on PYTHONPATH."""
    env = dict(os.environ)
    src = str(Path(mercwatch.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env
