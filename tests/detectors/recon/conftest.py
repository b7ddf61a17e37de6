"""Reach the synthetic-export builder beside these tests (tests/ has no package)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
