"""The roles a route declares are enforced, before its body is read (issue 13 item 19): a role
outside the declaration gets 403 whatever it sends, and nothing is parsed or written."""

import re

import pytest
from sqlalchemy import select

from projectmgr.api.core import ENDPOINTS
from projectmgr.extensions import db
from projectmgr.models import Role, SecurityEvent
from projectmgr.permissions import Roles

from .test_permissions import assert_error, row_counts
from .web.conftest import Browser


@pytest.fixture
def browser(app):
    return lambda: Browser(app.test_client())


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
    # The refusal is in the security log, in its own transaction.
    refusal = db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id.desc()).limit(1)).one()
    assert (refusal.event, refusal.outcome, refusal.actor_id) == ("forbidden", "refused", caller.id)


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


# --- the two roles of separation of duties (issue 13 item 6), on the pages and the API ----------

# page → the roles that open it (200); every other role gets 403.
PAGES = {
    "/audit": {Role.auditor},
    "/audit/history": {Role.auditor},
    "/audit/events.xlsx": {Role.auditor},
    "/accounts": {Role.staff, Role.admin, Role.security_officer},
    "/accounts/new": {Role.staff, Role.admin},
    "/security-settings": {Role.security_officer},
    "/dashboard": {Role.staff, Role.admin, Role.leader},
    "/ledger": {Role.staff, Role.admin, Role.leader},
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("url", list(PAGES))
def test_pages_by_role(make, browser, role, url):
    user = make.user(role, make.organization() if role == Role.owner else None)
    response = browser().login(user).get(url)
    assert response.status_code == (200 if role in PAGES[url] else 403), (url, role, response.status_code)


# The security settings and the account change (issue 13 items 6, 7): the role that may, and only it.
ADMITTED = [
    ("get", "/security-settings", None, Role.security_officer),
    ("put", "/security-settings", "settings", Role.security_officer),
    ("patch", "/users/{id}", {"role": "staff"}, Role.admin),
]


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize(("method", "url", "body", "admitted"), ADMITTED, ids=lambda v: str(v))
def test_the_settings_and_account_change_endpoints_by_role(make, api, role, method, url, body, admitted):
    from projectmgr.services.account_settings import configured_values

    caller = make.user(role, make.organization() if role == Role.owner else None)
    target = make.user(Role.leader)
    kwargs = {} if body is None else {"json": configured_values() if body == "settings" else body}
    r = getattr(api.as_(caller), method)(url.format(id=target.id), **kwargs)
    assert r.status_code == (200 if role == admitted else 403), (role, url, r.get_json())


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_account_change_page_by_role(make, browser, role):
    user = make.user(role, make.organization() if role == Role.owner else None)
    target = make.user(Role.leader)
    response = browser().login(user).get(f"/accounts/{target.id}/edit")
    assert response.status_code == (200 if role == Role.admin else 403), (role, response.status_code)


@pytest.mark.parametrize("role", [Role.auditor, Role.security_officer], ids=lambda r: r.value)
def test_the_new_roles_see_no_project_data(make, api, browser, role):
    project = make.project()
    user = make.user(role)
    assert api.as_(user).get("/projects").json["items"] == []
    assert api.as_(user).get(f"/projects/{project.id}").status_code in (403, 404)
    assert browser().login(user).get(f"/projects/{project.id}").status_code in (403, 404)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.auditor], ids=lambda r: r.value)
def test_only_the_auditor_reads_the_audit_api(make, api, role):
    user = make.user(role, make.organization() if role == Role.owner else None)
    assert_error(api.as_(user).get("/audit/events"), 403, "forbidden")


def test_the_auditor_reads_the_audit_api(make, api):
    auditor = make.user(Role.auditor)
    r = api.as_(auditor).get("/audit/events")
    assert r.status_code == 200, r.json
    assert {e["event"] for e in r.json["items"]} >= {"account.create", "token.issue"}
