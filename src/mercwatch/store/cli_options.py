"""The one command-line option that names the operational state store: ``--state``.

Every verb that opens the store (``run``, ``watch``, ``serve``, ``review``, ``appeal``,
``audit``, ``outbox``, ``deliver``, ``enforcement``, ``state check``) takes it from here,
so they all accept the same thing: a SQLite file path (``mystate.db``) or a database
URL (``postgresql+psycopg://...``), with ``MERCWATCH_STATE_URL`` as the default. The
value is turned into a URL by the one resolver,
:func:`mercwatch.store.state_url.resolve_state_url`. ``--state-url``, the name some
verbs used, is kept as a hidden alias so existing scripts keep working: Click cannot
hide one name of an option, so :func:`canonical_state_args` rewrites it to ``--state``
before the command line is parsed (``mercwatch.cli``), and help shows one name.
"""

from __future__ import annotations

from typing import Annotated

import typer

STATE_ENV = "MERCWATCH_STATE_URL"
STATE_ALIAS = "--state-url"

StateOpt = Annotated[
    str | None,
    typer.Option(
        "--state",
        envvar=STATE_ENV,
        help="State store: a SQLite file or a database URL (default: $MERCWATCH_STATE_URL, "
        "else OUT/state.db for verbs that have OUT).",
        show_envvar=False,
    ),
]


def canonical_state_args(args: list[str]) -> list[str]:
    """``args`` with the old ``--state-url`` (also ``--state-url=X``) spelled ``--state``.

    Tokens after ``--`` are operands, never options, and are left alone.
    """
    out: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            return out + args[i:]
        if arg == STATE_ALIAS:
            arg = "--state"
        elif arg.startswith(STATE_ALIAS + "="):
            arg = "--state=" + arg[len(STATE_ALIAS) + 1 :]
        out.append(arg)
    return out
