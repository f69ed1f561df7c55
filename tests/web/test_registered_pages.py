"""The pages of projects the front of the lifecycle registers (issue 14 items 5 and 6): the project
page's history begins with the application's rows; a won direct recommendation offers "Register its
project", which opens the registration form started from the recommendation and links it on save."""

import re
from datetime import date

import pytest

from projectmgr.extensions import db
from projectmgr.models import Level, Outcome, Project, Role, UpwardRecommendation
from projectmgr.services import ledger

from ..test_applications import World
from ..test_permissions import row_counts
from ..test_recommendations import recommend

EN = {"Accept-Language": "en"}


def html(r) -> str:
    return r.get_data(as_text=True)


@pytest.fixture
def world(make, api):
    return World(make, api)


def test_the_project_page_history_begins_with_the_application(world, browser):
    a = world.to_publicized()
    world.end_notice(a["id"])
    project_id = world.ok(world.as_staff, a["id"], "approve", code="SJ-2027-200")["project_id"]
    world.as_staff.post(f"/projects/{project_id}/transitions", json={"trigger": "start"})
    page = html(browser().login(world.owner).get(f"/projects/{project_id}", headers=EN))
    history = page[page.index('id="history"') :]
    application, project = history.split('data-record="project"')
    assert f'Application · <a href="/applications/{a["id"]}">' in application
    # The application's rows oldest first, then the project's own.
    step = re.compile(r'<tr><td class="nowrap">[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>')
    assert [s[0] for s in step.findall(application)] == [
        "Submit application",
        "Pass the formal check",
        "Form review panel",
        "Conclude the review",
        "Publish for public notice",
        "Approve (register the project)",
    ]
    assert step.findall(application)[0][1:] == ("Draft", "Submitted")
    assert ">Project</th>" in project and step.findall(project) == [("Start", "Approved", "In progress")]
    zh = html(browser().login(world.owner).get(f"/projects/{project_id}"))
    zh_history = zh[zh.index('id="history"') :]
    assert ">申报 · <a" in zh_history and "<td>提交申报</td><td>草稿</td>" in zh_history and ">项目</th>" in zh_history


def test_a_project_without_an_application_has_no_application_rows(world, browser, make):
    project = make.project()
    page = html(browser().login(world.staff).get(f"/projects/{project.id}"))
    assert 'data-record="application"' not in page and 'data-record="project"' in page


def won_direct(world, make, granted: str | None = "800000.00") -> UpwardRecommendation:
    rec = recommend(world, title="页面直接推荐的项目", organization_id=world.owner.organization_id).json
    body = {"outcome": "won", "document_no": "豫科〔2026〕30号"}
    if granted:
        body["special_funds"] = granted
    r = world.as_staff.post(f"/recommendations/{rec['id']}/outcome", json=body)
    assert r.status_code == 200, r.json
    return db.session.get(UpwardRecommendation, rec["id"])


def registration_form(world, plan, **over) -> dict:
    data = {
        "code": "SK-2026-300",
        "title": "页面直接推荐的项目",
        "plan_id": str(plan.id),
        "organization_id": str(world.owner.organization_id),
        "owner_id": str(world.owner.id),
        "responsible_staff_id": str(world.staff.id),
        "start_date": "2027-01-01",
        "end_date": "2028-12-31",
        "special_funds": "800000.00",
        "self_raised_committed": "800000.00",
        "budget_rows-0-special": "800000",
        "budget_rows-0-self_raised": "800000",
        "indicator_rows-0-key": "sales",
        "indicator_rows-0-name": "销售收入",
        "indicator_rows-0-unit": "万元",
        "indicator_rows-0-target": "1000",
    }
    data.update(over)
    return data


def test_a_won_direct_recommendation_registers_its_project_through_the_form(world, browser, make):
    plan = make.plan(Level.provincial)
    other_level = make.plan(Level.national)
    row = won_direct(world, make)
    pending = recommend(world, title="未决推荐", organization_id=world.owner.organization_id).json
    staff = browser().login(world.staff)
    listing = html(staff.get("/recommendations", headers=EN))
    assert listing.count("Register its project") == 1
    assert f'href="/projects/new?recommendation={row.id}"' in listing
    assert f"/projects/new?recommendation={pending['id']}" not in listing
    assert "granted 800000.00 yuan" in listing

    form = html(staff.get(f"/projects/new?recommendation={row.id}", headers=EN))
    assert 'id="from-recommendation"' in form and "豫科〔2026〕30号" in form
    assert 'value="页面直接推荐的项目"' in form and 'value="800000.00"' in form
    assert re.search(rf'<option selected value="{plan.id}">|<option value="{plan.id}" selected>', form)
    assert f'value="{other_level.id}"' not in form  # plans of the recommendation's level only
    assert f'action="/projects/new?recommendation={row.id}"' in form

    r = staff.post(f"/projects/new?recommendation={row.id}", data=registration_form(world, plan))
    assert r.status_code == 302, html(r)[:3000]
    project = db.session.query(Project).filter_by(code="SK-2026-300").one()
    db.session.refresh(row)
    assert row.project_id == project.id and project.plan_id == plan.id
    assert r.headers["Location"].endswith(f"/projects/{project.id}")
    page = html(staff.get(f"/projects/{project.id}", headers=EN))
    assert (
        'id="recommended-upward"' in page
        and "Recommended upward: 省重点研发计划, document no. 豫科〔2026〕30号" in page
    )
    assert f"/recommendations?year={row.year}#recommendation-{row.id}" in page
    owner_page = html(browser().login(world.owner).get(f"/projects/{project.id}", headers=EN))
    assert "Recommended upward" in owner_page and "#recommendation-" not in owner_page  # no link for owners
    listing = html(staff.get("/recommendations", headers=EN))
    assert "Register its project" not in listing and f'href="/projects/{project.id}"' in listing
    # The won recommendation and the project it registered count once.
    assert ledger.METRICS["national_provincial_won"].compute(row.year, date.today()) == 1
    # Registered already: the form is not offered again.
    again = staff.get(f"/projects/new?recommendation={row.id}")
    assert again.status_code == 302 and "/recommendations" in again.headers["Location"]


@pytest.mark.parametrize(
    ("over", "message"),
    [
        pytest.param({"budget_rows-0-special": "700000"}, "800000.00", id="budget-does-not-balance"),
        pytest.param({"code": ""}, "", id="no-code"),
        pytest.param({"plan_id": "NATIONAL"}, "", id="plan-of-another-level"),
        pytest.param({"organization_id": "OTHER"}, "", id="another-organization"),
    ],
)
def test_a_bad_registration_from_a_recommendation_writes_nothing(world, browser, make, over, message):
    plan = make.plan(Level.provincial)
    national = make.plan(Level.national)
    other = make.user(Role.owner)
    row = won_direct(world, make)
    staff = browser().login(world.staff)
    values = {
        k: str(national.id) if v == "NATIONAL" else str(other.organization_id) if v == "OTHER" else v
        for k, v in over.items()
    }
    before = row_counts()
    r = staff.post(f"/projects/new?recommendation={row.id}", data=registration_form(world, plan, **values))
    assert r.status_code == 422, html(r)[:2000]
    assert message in html(r) and 'class="error"' in html(r)
    assert row_counts() == before
    db.session.refresh(row)
    assert row.project_id is None


def test_the_registration_is_offered_only_for_a_won_direct_recommendation(world, browser, make):
    make.plan(Level.provincial)
    pending = recommend(world, title="未决推荐", organization_id=world.owner.organization_id).json
    staff = browser().login(world.staff)
    r = staff.get(f"/projects/new?recommendation={pending['id']}")
    assert r.status_code == 302 and "/recommendations" in r.headers["Location"]
    assert staff.get("/projects/new?recommendation=999999").status_code == 404
    row = won_direct(world, make)
    assert browser().login(world.owner).get(f"/projects/new?recommendation={row.id}").status_code == 403
    assert browser().login(make.user(Role.leader)).get(f"/projects/new?recommendation={row.id}").status_code == 403


def test_the_outcome_form_records_the_grant(world, browser, make):
    rec = recommend(world, title="页面推荐", organization_id=world.owner.organization_id).json
    staff = browser().login(world.staff)
    r = staff.post(
        f"/recommendations/{rec['id']}/outcome",
        data={
            "outcome": "won",
            "document_no": "豫科〔2026〕31号",
            "plan_id": "",
            "code": "",
            "special_funds": "450000",
        },
    )
    assert r.status_code == 302
    row = db.session.get(UpwardRecommendation, rec["id"])
    db.session.refresh(row)
    assert row.outcome == Outcome.won and str(row.granted_funds) == "450000.00"
    assert "Register its project" in html(staff.get("/recommendations", headers=EN))
