"""Who may open which page and post which form (DESIGN §11), per role: the pages ask the same
`can_<action>` predicates as the API; a refused user gets 403 and nothing is written. The menu and
the project page offer only what the predicates admit, and the blind-scoring rule holds on pages."""

from decimal import Decimal

import pytest

from projectmgr.extensions import db
from projectmgr.models import Role
from projectmgr.services import ledger
from tests.test_panels import applied_project, experts, formed_panel, score
from tests.test_permissions import row_counts

ROLES = list(Role)
STAFF = {Role.staff, Role.admin}
READERS = STAFF | {Role.leader}

FLAGGED = "人认为材料数据不真实"  # "… panel members flagged untruthful materials."

PAGES = [
    ("/dashboard", READERS),
    ("/evaluation", READERS),
    ("/ledger", READERS),
    ("/ledger/export.xlsx", READERS),
    ("/projects/export.xlsx", READERS),
    ("/overdue/export.xlsx", READERS),
    ("/evaluation/export.xlsx", READERS),
    ("/ledger/targets/new", STAFF),
    ("/accounts", STAFF | {Role.security_officer}),
    ("/accounts/new", STAFF),
    ("/security-settings", {Role.security_officer}),
    ("/organizations/new", STAFF),
    ("/projects/new", STAFF),
    ("/projects/import", STAFF),
    ("/projects/import/template.xlsx", STAFF),
    ("/reviews", {Role.expert}),
    ("/audit", {Role.auditor}),
    ("/experts", STAFF),
    ("/moving-in", STAFF),
]


@pytest.fixture
def people(make):
    return {role: make.user(role) for role in ROLES}


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize(("url", "admitted"), PAGES, ids=[u for u, _a in PAGES])
def test_each_page_admits_only_its_roles(people, browser, role, url, admitted):
    status = browser().login(people[role]).get(url).status_code
    assert status == (200 if role in admitted else 403), (role, url, status)


def test_signed_out_users_are_sent_to_sign_in(client):
    for url, _admitted in PAGES:
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


@pytest.fixture
def target(people):
    t = ledger.create_target(people[Role.staff], ledger.TargetInput(2026, "推广示范项目", "个", Decimal("3")))
    db.session.commit()
    return t


@pytest.mark.parametrize("role", sorted(set(ROLES) - STAFF, key=str), ids=str)
def test_staff_forms_refuse_other_roles_and_write_nothing(people, browser, make, target, role):
    project = make.project()
    b = browser().login(people[role])
    before = row_counts()
    posts = [
        ("/evaluation/run?year=2026", {}),
        (f"/ledger/targets/{target.id}", {"value": "2", "note": "x", "recorded_on": "2026-06-30"}),
        ("/ledger/targets/new", {"year": "2026", "title": "x", "unit": "个", "target_value": "1"}),
        ("/projects/new", {"code": "X-1", "title": "x"}),
        (f"/projects/{project.id}/panel", {}),
        ("/accounts/new", {"username": "newbie", "password": "password123", "role": "owner"}),
    ]
    for url, data in posts:
        status = b.post(url, data=data).status_code
        assert status in (403, 404), (role, url, status)
        if role != Role.owner and role != Role.expert:  # the project is visible to leaders
            assert status == 403, (role, url, status)
    assert row_counts() == before


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_the_menu_offers_what_the_role_may_do(people, browser, role):
    html = browser().login(people[role]).get("/notifications").get_data(as_text=True)
    assert ('href="/dashboard"' in html) is (role in READERS)
    assert ('href="/projects/new"' in html) is (role in STAFF)
    assert ('href="/accounts"' in html) is (role in STAFF | {Role.security_officer})
    assert ('href="/audit"' in html) is (role == Role.auditor)
    assert ('href="/reviews"' in html) is (role == Role.expert)
    # The security officer and the auditor see no project data (三员分立).
    assert ('href="/projects"' in html) is (role not in (Role.expert, Role.security_officer, Role.auditor))


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_the_landing_page_follows_the_role(people, browser, role):
    location = browser().login(people[role]).get("/").headers["Location"]
    expected = {Role.expert: "/reviews", Role.auditor: "/audit", Role.security_officer: "/accounts"}.get(
        role, "/dashboard" if role in READERS else "/projects"
    )
    assert location.endswith(expected), (role, location)


def test_the_project_page_offers_each_role_its_own_forms(make, browser):
    staff, leader = make.user(Role.staff), make.user(Role.leader)
    owner = make.user(Role.owner)
    project = make.project(owner=owner, staff=staff)
    url = f"/projects/{project.id}"
    forms = {
        "disbursement": f"/projects/{project.id}/disbursements",
        "expenditure": f"/projects/{project.id}/expenditures",
    }
    pages = {u: browser().login(u).get(url).get_data(as_text=True) for u in (staff, leader, owner)}
    assert forms["disbursement"] in pages[staff] and forms["expenditure"] not in pages[staff]
    assert forms["expenditure"] in pages[owner] and forms["disbursement"] not in pages[owner]
    assert all(f not in pages[leader] for f in forms.values())


def test_attachments_and_scoresheets_refuse_the_wrong_role(make, api, browser):
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    leader = make.user(Role.leader)
    before = row_counts()
    for user in (case.staff, leader):
        b = browser().login(user)
        assert b.get(f"/projects/{case.pid}/score").status_code == 403
        assert b.post(f"/projects/{case.pid}/conflict", data={"reason": "x"}).status_code == 403
        assert b.post(f"/projects/{case.pid}/attachments", data={}).status_code == 403
    # A member who stepped aside no longer scores.
    r = case.api.as_(members[1]).post(case.url("/panel/conflict"), json={"reason": "同一课题组"})
    assert r.status_code == 200, r.json
    before = row_counts()
    assert browser().login(members[1]).get(f"/projects/{case.pid}/score").status_code == 403
    assert row_counts() == before


def test_blind_scoring_on_the_project_page(make, api, browser):
    """Before the conclusion only staff see how many members flagged the materials and what each
    scored; a leader sees who sits on the panel but not their totals; the owner sees nothing."""
    case = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(case, members)
    assert score(case, members[0], 87, integrity_concern=True).status_code == 200
    leader = make.user(Role.leader)
    url = f"/projects/{case.pid}"
    staff_html = browser().login(case.staff).get(url).get_data(as_text=True)
    leader_html = browser().login(leader).get(url).get_data(as_text=True)
    owner_html = browser().login(case.owner).get(url).get_data(as_text=True)
    expert_html = browser().login(members[1]).get(url).get_data(as_text=True)
    assert FLAGGED in staff_html and "87.00" in staff_html
    assert members[0].display_name in leader_html  # who sits, for the bureau
    for html in (leader_html, owner_html, expert_html):
        assert FLAGGED not in html and "87.00" not in html
    assert members[0].display_name not in owner_html and members[0].display_name not in expert_html
