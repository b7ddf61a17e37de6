"""REST API and TAXII 2.1 server over the same stores, with API keys and roles.

    create_app(settings) -> FastAPI      /api/health, /api/operations[/{id}], /taxii2/...
    ApiSettings, load_settings           MERCWATCH_* settings (keys, run_dir, taxii_store)
    Role, ApiKey, Authenticator          reader < writer < admin; scrypt-hashed keys

Names are imported on first use, so ``mercwatch.auth.keys`` (used by the CLI's
``keygen``) works without the ``server`` extra (FastAPI, uvicorn) installed.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "create_app": "mercwatch.api.app",
    "ApiKey": "mercwatch.auth.keys",
    "Principal": "mercwatch.auth.keys",
    "Role": "mercwatch.auth.keys",
    "hash_secret": "mercwatch.auth.keys",
    "new_api_key": "mercwatch.auth.keys",
    "Authenticator": "mercwatch.auth.authenticator",
    "ApiKeyConfig": "mercwatch.auth.settings",
    "ApiSettings": "mercwatch.auth.settings",
    "load_settings": "mercwatch.auth.settings",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mercwatch.api' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
