"""Write the run's output files all-or-nothing.

Files are written into a staging folder inside OUT and moved into place only when
every stage has succeeded, so a crash never leaves a half-written output set and a
rerun on the same input replaces the files with identical content.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class OutputSet:
    """A staging folder whose files are published together by :func:`staged_outputs`."""

    def __init__(self, staging: Path) -> None:
        self.staging = staging
        self.names: list[str] = []

    def path(self, name: str) -> Path:
        """Where to write output ``name`` while staging."""
        self.names.append(name)
        return self.staging / name

    def write_json(self, name: str, data: Any) -> None:
        self.path(name).write_text(
            json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n", "utf-8"
        )

    def write_jsonl(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        with self.path(name).open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    def write_text(self, name: str, text: str) -> None:
        self.path(name).write_text(text, "utf-8")


@contextmanager
def staged_outputs(out: Path) -> Iterator[OutputSet]:
    """Stage outputs in ``OUT/.staging-*``; publish them only if the block succeeds."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    outputs = OutputSet(staging)
    try:
        yield outputs
        for name in outputs.names:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
