"""``mercwatch taxii``: serve collections, publish bundles into them, pull a peer's, make keys.

Thin verbs: each builds settings or a store and calls one library function.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mercwatch.auth.cli_options import KeysFileOpt
from mercwatch.auth.keys_cli import keygen_command
from mercwatch.errors import InputError
from mercwatch.intel.taxii.client import PullLimitReached, PullLimits, pull_collection
from mercwatch.intel.taxii.store import CollectionStore

_DEFAULTS = PullLimits()
taxii_app = typer.Typer(
    help="TAXII 2.1: serve indicator collections and pull peers'.", no_args_is_help=True
)

StoreOpt = Annotated[
    Path,
    typer.Option(
        "--store", envvar="MERCWATCH_TAXII_STORE", help="Folder of the TAXII collection store."
    ),
]


def register(app: typer.Typer) -> None:
    """Attach ``mercwatch taxii ...`` to the main command."""
    app.add_typer(taxii_app, name="taxii")


@taxii_app.command("serve")
def serve(
    store: StoreOpt,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8021,
    keys_file: KeysFileOpt = None,
) -> None:
    """Serve the store's collections over TAXII 2.1 at http://HOST:PORT/taxii2/."""
    # The server extra (FastAPI, uvicorn) is needed only here.
    import uvicorn

    from mercwatch.auth.settings import load_settings
    from mercwatch.intel.taxii.server import create_taxii_server

    settings = load_settings(taxii_store=store, keys_file=keys_file)
    root = create_taxii_server(settings)
    typer.echo(f"TAXII 2.1 discovery at http://{host}:{port}/taxii2/", err=True)
    uvicorn.run(root, host=host, port=port, log_level="info", proxy_headers=True)


@taxii_app.command("publish")
def publish(
    bundle: Annotated[Path, typer.Argument(help="STIX 2.1 bundle file to add.")],
    store: StoreOpt,
    collection: Annotated[
        str,
        typer.Option(
            "--collection", help="Collection id or alias; created (with this alias) if missing."
        ),
    ],
    title: Annotated[str | None, typer.Option(help="Title for a new collection.")] = None,
) -> None:
    """Add a STIX bundle's objects to a collection of the store (idempotent)."""
    try:
        text = bundle.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(bundle), f"cannot read: {exc}") from exc
    cs = CollectionStore(store)
    if _exists(cs, collection):
        info = cs.collection(collection)
    else:
        info = cs.create_collection(title or collection, alias=collection)
    outcomes = cs.add_bundle(info.id, text)
    failed = [o for o in outcomes if not o.ok]
    typer.echo(
        json.dumps(
            {
                "collection": info.id,
                "alias": info.alias,
                "objects": len(outcomes) - len(failed),
                "failed": len(failed),
                "failures": [f"{o.id}: {o.message}" for o in failed[:5]],
            }
        )
    )


@taxii_app.command("pull")
def pull(
    url: Annotated[str, typer.Argument(help="API root URL (or discovery URL ending /taxii2/).")],
    collection: Annotated[str, typer.Option("--collection", help="Collection id, alias or title.")],
    out: Annotated[Path, typer.Option("--out", help="STIX 2.1 bundle file to write.")],
    added_after: Annotated[
        str | None,
        typer.Option(
            "--added-after", help="Only objects added after this time (e.g. 2021-12-16T00:00:00Z)."
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option(envvar="MERCWATCH_TAXII_USER", help="Basic-auth user (key id).")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(envvar="MERCWATCH_TAXII_PASSWORD", help="Basic-auth password (key secret)."),
    ] = None,
    page_size: Annotated[int, typer.Option(min=1, help="Objects asked for per request.")] = 500,
    all_versions: Annotated[bool, typer.Option(help="Every version, not just the latest.")] = False,
    max_pages: Annotated[
        int, typer.Option(min=1, help="Stop (exit 1) after this many pages.")
    ] = _DEFAULTS.max_pages,
    max_objects: Annotated[
        int, typer.Option(min=1, help="Stop (exit 1) after this many objects.")
    ] = _DEFAULTS.max_objects,
    max_seconds: Annotated[
        float, typer.Option(min=1, help="Stop (exit 1) after this many seconds.")
    ] = _DEFAULTS.max_seconds,
    timeout: Annotated[
        float, typer.Option(min=1, help="Seconds to wait for the peer on each request.")
    ] = _DEFAULTS.request_timeout,
) -> None:
    """Pull every page of a peer's collection into one STIX 2.1 bundle file.

    A peer that never stops answering "more" is cut off at --max-pages, --max-objects
    or --max-seconds: nothing is written and the exit code is 1.
    """
    limits = PullLimits(max_pages, max_objects, max_seconds, timeout)
    try:
        result = pull_collection(
            url,
            collection,
            out,
            added_after=added_after,
            user=user,
            password=password,
            per_request=page_size,
            all_versions=all_versions,
            limits=limits,
        )
    except PullLimitReached as exc:
        typer.echo(f"taxii pull: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        json.dumps(
            {
                "out": str(result.path),
                "objects": result.objects,
                "skipped": result.skipped,
                "pages": result.pages,
                "date_added_last": result.date_added_last,
                "skip_reasons": list(result.skip_reasons),
            }
        )
    )


taxii_app.command("keygen")(keygen_command)  # the same verb as ``mercwatch keygen``


def _exists(store: CollectionStore, collection: str) -> bool:
    return any(collection in (i.id, i.alias) for i in store.collections())
