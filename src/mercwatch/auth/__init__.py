"""Who may call a mercwatch server, and the HTTP policy every server applies.

API keys and roles (:mod:`.keys`, :mod:`.keyfile`, ``mercwatch keygen`` in
:mod:`.keys_cli`), the request guard (:mod:`.authenticator`) with its failure budget
(:mod:`.throttle`), the servers' settings (:mod:`.settings`) and the one header/body
policy (:mod:`.http_policy`).

Why a package of its own: the REST API (:mod:`mercwatch.api`), the dashboard
(:mod:`mercwatch.web`) and the TAXII server (:mod:`mercwatch.intel.taxii.server`) all
need these, and the API also mounts the other two. While they lived in ``mercwatch.api``
the base and the top layer were one package, so the layers imported each other. Here
nothing imports upwards: this package depends on :mod:`mercwatch.errors` only.

Modules are imported by name (``from mercwatch.auth.keys import Role``), so
``mercwatch keygen`` runs without FastAPI importing.
"""
