"""REST API and TAXII 2.1 server over the same stores, with API keys and roles.

    create_app(settings) -> FastAPI      /api/health, /api/operations[/{id}], /taxii2/...
    ApiSettings                          MERCWATCH_* settings (keys, run_dir, taxii_store)
    Role, ApiKey, Authenticator          reader < writer < admin; scrypt-hashed keys
"""

from mercwatch.api.app import create_app
from mercwatch.api.auth import ApiKey, Authenticator, Principal, Role, hash_secret, new_api_key
from mercwatch.api.settings import ApiKeyConfig, ApiSettings

__all__ = [
    "ApiKey",
    "ApiKeyConfig",
    "ApiSettings",
    "Authenticator",
    "Principal",
    "Role",
    "create_app",
    "hash_secret",
    "new_api_key",
]
