"""Who was targeted, in the API's operation view, follows ``Role.sees_targets`` as the
dashboard does: analyst and up (they read all and decide warnings), never a viewer."""

from __future__ import annotations

from mercwatch.api.operations import operation_out
from mercwatch.auth.keys import Principal, Role
from mercwatch.model import Evidence, Infrastructure, Operation, Phase

TARGET = "tgt-5521-journalist"
OP = Operation(
    operation_id="op-1",
    confidence=0.9,
    phases=(Phase.ENGAGEMENT,),
    accounts=("persona-1",),
    targets=(TARGET,),
    infrastructure=Infrastructure(urls=(f"https://lure.example/{TARGET}",)),
    first_seen=None,
    last_seen=None,
    evidence=(Evidence("fake-persona", Phase.ENGAGEMENT, TARGET, 0.8, f"wrote to {TARGET}"),),
)


def test_analyst_and_up_see_targets_and_a_viewer_never_does():
    for role in Role:
        view = operation_out(OP, Principal("k", role)).model_dump_json()
        assert (TARGET in view) is role.sees_targets, role
        assert role.sees_targets is role.allows(Role.ANALYST)
