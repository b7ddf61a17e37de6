"""``taxii pull`` against hostile peers: endless ``more: true``, deep JSON, silence.

The peer is a small FastAPI app under a real uvicorn on 127.0.0.1 that speaks just
enough TAXII 2.1 for taxii2-client; it counts the pages it served.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import Response
from typer.testing import CliRunner

from mercwatch.cli import app as cli_app
from mercwatch.errors import InputError
from mercwatch.intel.taxii.client import PullLimitReached, PullLimits, pull_collection

MEDIA = "application/taxii+json;version=2.1"


def _indicator() -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2021-07-18T00:00:00.000Z",
        "modified": "2021-07-18T00:00:00.000Z",
        "pattern": "[domain-name:value = 'evil.example']",
        "pattern_type": "stix",
        "valid_from": "2021-07-18T00:00:00Z",
    }


def hostile_peer(kind: str) -> tuple[FastAPI, list[int]]:
    """A TAXII peer: ``endless`` always says more; ``deep`` nests its answer 100k deep;
    ``silent`` takes 5 s to answer the objects request; ``huge`` sends 4 MB pages."""
    app = FastAPI()
    served: list[int] = []

    def taxii(body: Any) -> Response:
        text = body if isinstance(body, str) else json.dumps(body)
        return Response(text, media_type=MEDIA)

    @app.get("/api1/")
    def root() -> Response:
        return taxii({"title": "peer", "versions": [MEDIA], "max_content_length": 10**6})

    @app.get("/api1/collections/")
    def collections() -> Response:
        coll = {"id": "c", "title": "c", "can_read": True, "can_write": False}
        return taxii({"collections": [{**coll, "media_types": [MEDIA]}]})

    @app.get("/api1/collections/c/objects/")
    async def objects(next: str = "0") -> Response:
        served.append(int(next))
        if kind == "deep":
            return taxii('{"more": false, "objects": [' + "[" * 100_000 + "]" * 100_000 + "]}")
        if kind == "silent":
            await asyncio.sleep(5)
        if kind == "huge":
            big = {**_indicator(), "description": "x" * 4_000_000}
            return taxii({"more": False, "objects": [big]})
        objs = [_indicator() for _ in range(10)]
        return taxii({"more": True, "next": str(int(next) + 1), "objects": objs})

    return app, served


def test_an_endless_peer_is_cut_off_at_max_pages(run_uvicorn: Any, tmp_path: Path) -> None:
    app, served = hostile_peer("endless")
    base = run_uvicorn(app)
    out = tmp_path / "pulled.json"
    with pytest.raises(PullLimitReached, match="5 pages and the peer still says more"):
        pull_collection(f"{base}/api1/", "c", out, limits=PullLimits(max_pages=5))
    assert len(served) == 5 and not out.exists()


def test_an_endless_peer_is_cut_off_at_max_objects(run_uvicorn: Any, tmp_path: Path) -> None:
    app, served = hostile_peer("endless")
    base = run_uvicorn(app)
    with pytest.raises(PullLimitReached, match="more than 25 objects"):
        pull_collection(
            f"{base}/api1/", "c", tmp_path / "o.json", limits=PullLimits(max_objects=25)
        )
    assert len(served) == 3


def test_an_endless_peer_is_cut_off_at_max_seconds(run_uvicorn: Any, tmp_path: Path) -> None:
    app, served = hostile_peer("endless")
    base = run_uvicorn(app)
    ticks = itertools.count(0.0, 1000.0)  # each look at the clock: 1000 s later
    with pytest.raises(PullLimitReached, match="3600 s"):
        pull_collection(
            f"{base}/api1/",
            "c",
            tmp_path / "o.json",
            limits=PullLimits(max_seconds=3600),
            clock=lambda: next(ticks),
        )
    assert len(served) == 4


def test_a_deep_json_answer_is_refused_not_a_crash(run_uvicorn: Any, tmp_path: Path) -> None:
    app, _ = hostile_peer("deep")
    base = run_uvicorn(app)
    with pytest.raises(PullLimitReached, match="nested deeper than 64"):
        pull_collection(f"{base}/api1/", "c", tmp_path / "o.json")


def test_a_silent_peer_times_out(run_uvicorn: Any, tmp_path: Path) -> None:
    app, _ = hostile_peer("silent")
    base = run_uvicorn(app)
    with pytest.raises(InputError, match="TAXII request failed"):
        pull_collection(
            f"{base}/api1/", "c", tmp_path / "o.json", limits=PullLimits(request_timeout=0.5)
        )


def test_the_cli_stops_with_exit_1_and_one_clear_line(run_uvicorn: Any, tmp_path: Path) -> None:
    app, served = hostile_peer("endless")
    base = run_uvicorn(app)
    out = tmp_path / "pulled.json"
    args = ["taxii", "pull", f"{base}/api1/", "--collection", "c", "--out", str(out)]
    result = CliRunner().invoke(cli_app, [*args, "--max-pages", "7"])
    assert result.exit_code == 1, result.output
    assert "--max-pages" in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output and not out.exists() and len(served) == 7


def test_a_huge_answer_is_cut_off_at_max_response_bytes(run_uvicorn: Any, tmp_path: Path) -> None:
    app, served = hostile_peer("huge")
    base = run_uvicorn(app)
    limits = PullLimits(max_response_bytes=1_000_000)
    with pytest.raises(PullLimitReached, match="over 1000000"):
        pull_collection(f"{base}/api1/", "c", tmp_path / "o.json", limits=limits)
    assert len(served) == 1 and not (tmp_path / "o.json").exists()
    pulled = pull_collection(f"{base}/api1/", "c", tmp_path / "o.json")
    assert pulled.objects == 1
