"""The vendored Cytoscape.js: the file is the one PROVENANCE names, ships in the wheel,
and is served from this origin (the CSP allows no other)."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Any

from _dashboard import signed_in

from mercwatch.auth.keys import Role

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "src" / "mercwatch" / "web" / "static"
VENDOR = STATIC / "vendor"


def provenance() -> dict[str, str]:
    text = (VENDOR / "PROVENANCE").read_text(encoding="utf-8")
    return dict(re.findall(r"^(\w+):\s+(\S.*)$", text, re.M))


def test_vendored_file_is_the_one_provenance_names() -> None:
    facts = provenance()
    data = (VENDOR / "cytoscape.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == facts["sha256"]
    assert facts["name"] == "cytoscape" and facts["license"].startswith("MIT")
    assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", facts["integrity"])
    assert facts["version"] in facts["registry"]
    assert "The Cytoscape Consortium" in data[:300].decode()  # the library's own header
    assert "Permission is hereby granted" in (VENDOR / "cytoscape.LICENSE").read_text()


def test_every_static_file_is_package_data() -> None:
    """setuptools globs package-data relative to the package folder (src/mercwatch)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["mercwatch"]
    package = REPO / "src" / "mercwatch"
    shipped = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    static = {p for p in STATIC.rglob("*") if p.is_file()}
    assert VENDOR / "cytoscape.min.js" in static
    assert static - shipped == set()


def test_the_library_is_served_locally(run: Any) -> None:
    client = signed_in(run, run.tokens[Role.VIEWER])
    response = client.get("/static/vendor/cytoscape.min.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert response.content == (VENDOR / "cytoscape.min.js").read_bytes()
    page = client.get(f"/operations/{run.hostile_op}").text
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources == ["/static/vendor/cytoscape.min.js", "/static/operation-graph.js"]
