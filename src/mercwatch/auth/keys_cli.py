"""``mercwatch keygen`` (also ``mercwatch taxii keygen``): one key, ready to use.

The verb adds the key's hashed record to the keys file and prints exactly one
credential, ``id.secret``, on stdout (so ``CRED=$(mercwatch keygen ...)`` works); how
to present it goes to stderr. The same credential signs in to the dashboard, is a
``Bearer`` token or ``X-API-Key`` for the REST API, and is the Basic-auth password
(user: the key id) for TAXII clients.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mercwatch.auth.keyfile import add_key
from mercwatch.auth.keys import Role
from mercwatch.cli_json import JsonOpt, echo_json
from mercwatch.errors import ConfigError

_ROLES = "viewer, analyst, reviewer or admin (old names: reader = viewer, writer = reviewer)"


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r}: use {_ROLES}") from exc


def keygen_command(
    key_id: Annotated[str, typer.Argument(help="Public key id (the Basic-auth user name).")],
    keys_file: Annotated[
        Path | None,
        typer.Option(
            "--keys-file",
            envvar="MERCWATCH_KEYS_FILE",
            help="Keys file to create or add to (JSON, or YAML if it ends .yaml/.yml).",
        ),
    ] = None,
    role: Annotated[
        Role, typer.Option(parser=_role, metavar="ROLE", help=f"One of {_ROLES}.")
    ] = Role.VIEWER,
    label: Annotated[str, typer.Option(help="Who or what the key is for.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Make an API key, add it to the keys file and print its credential once.

    The credential (stdout) is not stored anywhere: only its scrypt hash goes into the
    keys file. Servers started with that file admit it at once (running ones re-read
    the file when it changes).
    """
    if keys_file is None:
        raise ConfigError("keygen: give --keys-file (or set MERCWATCH_KEYS_FILE)")
    token, key = add_key(keys_file, key_id, role, label)
    if as_json:
        echo_json(
            {
                "id": key.key_id,
                "role": key.role.value,
                "keys_file": str(keys_file),
                "credential": token,
            }
        )
        return
    typer.echo(
        f"added key {key.key_id!r} (role {key.role.value}) to {keys_file}.\n"
        "Its credential is printed once below; it is not stored. Use it as given:\n"
        "  dashboard sign-in: paste it into the API key field\n"
        "  REST API:          Authorization: Bearer <credential>  (or X-API-Key: <credential>)\n"
        f"  TAXII Basic auth:  user {key.key_id}, password <credential>",
        err=True,
    )
    typer.echo(token)


def register(app: typer.Typer) -> None:
    """Attach ``keygen`` to the main command."""
    app.command("keygen")(keygen_command)
