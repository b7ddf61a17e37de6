"""The four roles: order, the first release's names, who sees targets, who adds indicators."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from mercwatch.api import ApiSettings, Authenticator, create_app, new_api_key
from mercwatch.auth.keys import Role
from mercwatch.auth.settings import ApiKeyConfig
from mercwatch.intel.taxii.store import CollectionStore

TAXII = {"Accept": "application/taxii+json;version=2.1"}


def test_roles_are_ordered_and_old_names_still_load() -> None:
    assert [r.value for r in Role] == ["viewer", "analyst", "reviewer", "admin"]
    assert Role("reader") is Role.VIEWER and Role("writer") is Role.REVIEWER
    record = ApiKeyConfig.model_validate({"id": "k", "role": "writer", "hash": "scrypt$x"})
    assert record.role is Role.REVIEWER
    assert [r.sees_targets for r in Role] == [False, True, True, True]
    assert Role.REVIEWER.allows(Role.ANALYST) and not Role.ANALYST.allows(Role.REVIEWER)


def test_analysts_may_add_taxii_objects_viewers_may_not(tmp_path: Path) -> None:
    CollectionStore(tmp_path / "taxii").create_collection("Shared", alias="shared")
    made = {role: new_api_key(role.value, role) for role in Role}
    app = create_app(
        ApiSettings(taxii_store=tmp_path / "taxii"),
        authenticator=Authenticator(key for _, key in made.values()),
    )
    client = TestClient(app)
    url = "/taxii2/mercwatch/collections/"
    for role, can_write in [(Role.VIEWER, False), (Role.ANALYST, True), (Role.REVIEWER, True)]:
        headers = {**TAXII, "X-API-Key": made[role][0]}
        (collection,) = client.get(url, headers=headers).json()["collections"]
        assert collection["can_write"] is can_write, role
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2021-12-16T00:00:00.000Z",
        "modified": "2021-12-16T00:00:00.000Z",
        "pattern": "[domain-name:value = 'apple-alert.site']",
        "pattern_type": "stix",
        "valid_from": "2021-12-16T00:00:00Z",
    }
    post = f"{url}shared/objects/"
    body = {"objects": [indicator]}
    taxii_post = {**TAXII, "Content-Type": "application/taxii+json;version=2.1"}
    viewer = client.post(post, json=body, headers={**taxii_post, "X-API-Key": made[Role.VIEWER][0]})
    assert viewer.status_code == 403
    analyst = {**taxii_post, "X-API-Key": made[Role.ANALYST][0]}
    assert client.post(post, json=body, headers=analyst).status_code == 202
