"""The one command-line option that names the operational state store: ``--state``.

Every verb that opens the store (``run``, ``watch``, ``serve``, ``review``, ``appeal``,
``audit``, ``outbox``, ``deliver``, ``enforcement``, ``state check``) takes it from here,
so they all accept the same thing: a SQLite file path (``mystate.db``) or a database
URL (``postgresql+psycopg://...``), with ``MERCWATCH_STATE_URL`` as the default. The
value is turned into a URL by the one resolver,
:func:`mercwatch.store.state_url.resolve_state_url`. ``--state-url``, the name some
verbs used, is kept as an alias so existing scripts keep working.
"""

from __future__ import annotations

from typing import Annotated

import typer

STATE_ENV = "MERCWATCH_STATE_URL"

StateOpt = Annotated[
    str | None,
    typer.Option(
        "--state",
        "--state-url",
        envvar=STATE_ENV,
        help="State store: a SQLite file or a database URL (default: $MERCWATCH_STATE_URL, "
        "else OUT/state.db for verbs that have OUT). --state-url is an older name.",
        show_envvar=False,
    ),
]
