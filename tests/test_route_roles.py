"""The roles a route declares are enforced, before its body is read (issue 13 item 19): a role
outside the declaration gets 403 whatever it sends, and nothing is parsed or written."""

import re

import pytest

from projectmgr.api.core import ENDPOINTS
from projectmgr.models import Role
from projectmgr.permissions import Roles

from .test_permissions import assert_error, row_counts

DECLARED = [e for e in ENDPOINTS if isinstance(e.roles, Roles)]


def _url(rule: str) -> str:
    # Any id will do: the role is refused before the object is looked up.
    return re.sub(r"<(?:int:)?[a-z_]+>", "1", rule)


@pytest.mark.parametrize(
    ("endpoint", "role"),
    [(e, role) for e in DECLARED for role in Role if role not in e.roles.members],
    ids=lambda v: v.value if isinstance(v, Role) else f"{v.method} {v.rule}",
)
def test_every_declared_role_list_is_enforced(make, api, endpoint, role):
    caller = make.user(role, make.organization() if role == Role.owner else None)
    client = api.as_(caller)
    before = row_counts()
    method = getattr(client, endpoint.method.lower())
    response = method(_url(endpoint.rule), data="not json", content_type="application/json")
    assert_error(response, 403, "forbidden")
    assert response.get_json()["error"]["message"] == str(endpoint.roles.refusal)
    assert row_counts() == before


def test_the_staff_routes_are_declared_as_data():
    declared = {(e.method, e.rule) for e in DECLARED}
    for route in [("POST", "/projects"), ("POST", "/ledger/targets"), ("PUT", "/ledger/targets/<int:target_id>")]:
        assert route in declared


@pytest.mark.parametrize("role", [Role.leader, Role.owner, Role.expert])
@pytest.mark.parametrize(
    ("method", "url"), [("post", "/projects"), ("post", "/ledger/targets"), ("put", "/ledger/targets/{id}")]
)
def test_role_before_body(make, api, role, method, url):
    """An invalid body from a role that may not post here is 403, not a 422 listing the fields."""
    staff = make.user(Role.staff)
    target = api.as_(staff).post(
        "/ledger/targets", json={"year": 2026, "title": "专利申请", "unit": "件", "target_value": "10"}
    )
    assert target.status_code == 201, target.json
    caller = make.user(role, make.organization() if role == Role.owner else None)
    r = getattr(api.as_(caller), method)(url.format(id=target.json["id"]), json={"title": ""})
    assert_error(r, 403, "forbidden")
    # Staff sending the same body learn what is wrong with it.
    r = getattr(api.as_(staff), method)(url.format(id=target.json["id"]), json={"title": ""})
    assert_error(r, 422, "validation_error")


def test_the_openapi_document_names_the_roles(api):
    doc = api.get("/openapi.json").json
    assert doc["paths"]["/api/v1/projects"]["post"]["description"] == "Who: staff, admin."
    assert "owner" in doc["paths"]["/api/v1/projects/{project_id}/expenditures"]["post"]["description"]
