"""Issue 13 item 7: the admin changes an account's role or organization (page and API, never one's
own, nobody else), each change a security event with the old and new values, written in the same
transaction; a refused or invalid change writes nothing."""

import pytest
from sqlalchemy import select

from projectmgr.extensions import db
from projectmgr.models import Role, User
from tests.test_permissions import row_counts
from tests.web.test_accounts_security import events


def test_the_admin_moves_an_owner_to_another_organization_on_the_page(make, browser):
    admin = make.user(Role.admin)
    first, second = make.organization("甲单位"), make.organization("乙单位")
    owner = make.user(Role.owner, first)
    b = browser().login(admin)
    listing = b.get(f"/accounts?q={owner.username}").get_data(as_text=True)
    assert f'href="/accounts/{owner.id}/edit"' in listing
    page = b.get(f"/accounts/{owner.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{first.id}">' in page or f'value="{first.id}" selected' in page
    r = b.post(f"/accounts/{owner.id}/edit", data={"role": "owner", "organization_id": str(second.id)})
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    db.session.refresh(owner)
    assert owner.organization_id == second.id and owner.role == Role.owner
    [change] = events("account.organization_change")
    assert change.actor_id == admin.id and change.target == f"user:{owner.username}"
    assert change.details["old"] == {"id": first.id, "name": "甲单位"}
    assert change.details["new"] == {"id": second.id, "name": "乙单位"}
    assert events("account.role_change") == []


def test_a_new_role_through_the_api_is_recorded_and_ends_the_accounts_tokens(make, api):
    admin = api.as_(make.user(Role.admin))
    leader = make.user(Role.leader)
    leader_api = api.as_(leader)
    assert leader_api.get("/me").status_code == 200
    r = admin.patch(f"/users/{leader.id}", json={"role": "staff"})
    assert r.status_code == 200, r.json
    assert r.json["role"] == "staff"
    [change] = events("account.role_change")
    assert (change.details["old"], change.details["new"], change.details["tokens_revoked"]) == ("leader", "staff", 1)
    assert leader_api.get("/me").status_code == 401  # the old token no longer works
    assert events("account.organization_change") == []
    # organization_id: null takes a (non-owner) account out of its organization.
    org = make.organization()
    assert admin.patch(f"/users/{leader.id}", json={"organization_id": org.id}).json["organization_id"] == org.id
    assert admin.patch(f"/users/{leader.id}", json={"organization_id": None}).json["organization_id"] is None
    assert [e.details["new"] for e in events("account.organization_change")] == [
        {"id": org.id, "name": org.name},
        None,
    ]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"role": "owner"}, ["organization_id"]),  # an owner belongs to an organization
        ({"organization_id": 999999}, ["organization_id"]),
        ({"role": "expert"}, ["role"]),  # into or out of expert: another account
        ({"role": "chief"}, ["role"]),
        ({"nickname": "x"}, ["nickname"]),
    ],
)
def test_invalid_changes_are_named_and_write_nothing(make, api, body, fields):
    admin = api.as_(make.user(Role.admin))
    staff = make.user(Role.staff)
    before = row_counts()
    r = admin.patch(f"/users/{staff.id}", json=body)
    assert r.status_code == 422, r.json
    assert [d["field"] for d in r.json["error"]["details"]] == fields
    assert row_counts() == before


def test_an_owner_named_on_a_project_keeps_the_role(make, api):
    admin = api.as_(make.user(Role.admin))
    project = make.project()
    r = admin.patch(f"/users/{project.owner_id}", json={"role": "leader"})
    assert r.status_code == 422 and [d["field"] for d in r.json["error"]["details"]] == ["role"]
    assert db.session.get(User, project.owner_id).role == Role.owner


@pytest.mark.parametrize("role", [r for r in Role if r != Role.admin], ids=str)
def test_only_the_admin_changes_roles(make, api, browser, role):
    caller = make.user(role)
    target = make.user(Role.leader)
    caller_api = api.as_(caller)
    before = row_counts()
    assert caller_api.patch(f"/users/{target.id}", json={"role": "staff"}).status_code == 403
    b = browser().login(caller)
    assert b.get(f"/accounts/{target.id}/edit").status_code == 403
    assert b.post(f"/accounts/{target.id}/edit", data={"role": "staff", "organization_id": ""}).status_code == 403
    assert db.session.get(User, target.id).role == Role.leader
    assert events("account.role_change") == []
    assert row_counts() == before


def test_the_admin_cannot_change_their_own_role(make, api, browser):
    admin = make.user(Role.admin)
    assert api.as_(admin).patch(f"/users/{admin.id}", json={"role": "security_officer"}).status_code == 403
    b = browser().login(admin)
    assert b.post(f"/accounts/{admin.id}/edit", data={"role": "auditor", "organization_id": ""}).status_code == 403
    assert db.session.scalar(select(User.role).where(User.id == admin.id)) == Role.admin


def test_the_page_names_the_field_of_an_invalid_change(make, browser):
    admin = make.user(Role.admin)
    staff = make.user(Role.staff)
    r = browser().login(admin).post(f"/accounts/{staff.id}/edit", data={"role": "owner", "organization_id": ""})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="organization_id-error"' in html
    assert db.session.get(User, staff.id).role == Role.staff and events("account.role_change") == []
