"""Command-line options shared by the verbs that start an authenticated server.

``mercwatch serve`` and ``mercwatch taxii serve`` both read hashed API keys from a
file; one declaration keeps the flag, its environment variable and its help alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

KeysFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--keys-file",
        envvar="MERCWATCH_KEYS_FILE",
        help="JSON/YAML file of hashed API keys (`mercwatch keygen` writes it).",
    ),
]
