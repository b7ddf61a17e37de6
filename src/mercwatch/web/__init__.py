"""The analyst dashboard: server-rendered pages over the same stores as the REST API.

    create_dashboard(settings, auth, web) -> FastAPI   mounted at ``/`` by create_app
    WebSettings, load_web_settings                     state store, export, session secret

Pages: sign-in with an API key, overview, operations, one operation, review queue
(approve / reject, writer role), audit log with chain verification, outbox status.
"""

from mercwatch.web.app import create_dashboard
from mercwatch.web.settings import WebSettings, load_web_settings

__all__ = ["WebSettings", "create_dashboard", "load_web_settings"]
