"""Make the scene builder in synth.py importable (tests/ has no package)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
