"""The application side's pages, driven through their forms: the owner applies with the
registration's budget and indicator rows, staff check, form the panel, rank and approve; experts
score on their reviews page; everyone reads the notice. Each page answers in Chinese too."""

from datetime import date, timedelta

import pytest

from projectmgr.extensions import db
from projectmgr.models import Application, ApplicationState, Panel

from ..test_applications import World

TODAY = date.today()


def html(r) -> str:
    return r.get_data(as_text=True)


@pytest.fixture
def world(make, api):
    return World(make, api)


def form_body(**over) -> dict:
    body = {
        "title": "页面申报的项目",
        "industry": "电子信息",
        "summary": "从页面申报。",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "special_funds": "100000",
        "self_raised_committed": "100000",
        "budget_rows-0-special": "100000",
        "budget_rows-0-self_raised": "100000",
        "indicator_rows-0-key": "sales",
        "indicator_rows-0-name": "销售收入",
        "indicator_rows-0-unit": "万元",
        "indicator_rows-0-target": "100",
    }
    body.update(over)
    return body


def test_owner_applies_through_the_shared_form(world, browser):
    owner = browser().login(world.owner)
    page = html(owner.get("/calls"))
    assert world.call["title"] in page and f"/calls/{world.call['id']}/apply" in page
    r = owner.post(f"/calls/{world.call['id']}/apply", data=form_body(**{"budget_rows-0-special": "90000"}))
    assert r.status_code == 422
    assert "90000.00" in html(r) or "90,000" in html(r) or "budget" in html(r).lower()
    assert db.session.query(Application).count() == 0
    r = owner.post(f"/calls/{world.call['id']}/apply", data=form_body())
    assert r.status_code == 302, html(r)[:2000]
    application = db.session.query(Application).one()
    page = html(owner.get(r.headers["Location"]))
    assert "页面申报的项目" in page and "submit" in page
    r = owner.post(f"/applications/{application.id}/transition", data={"trigger": "submit"})
    assert r.status_code == 302
    db.session.refresh(application)
    assert application.state == ApplicationState.submitted
    assert owner.get(f"/applications/{application.id}/edit").status_code == 403


def test_staff_pages_render(world, browser, make):
    a = world.to_publicized()
    staff = browser().login(world.staff)
    for url in (
        "/calls",
        f"/calls/{world.call['id']}",
        "/applications",
        "/applications?state=submitted",
        f"/applications/{a['id']}",
        "/notice",
        "/recommendations",
    ):
        r = staff.get(url)
        assert r.status_code == 200, (url, html(r)[:1000])
    r = staff.get(f"/calls/{world.call['id']}/export.xlsx")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    world.end_notice(a["id"])
    r = staff.post(f"/applications/{a['id']}/transition", data={"trigger": "approve", "code": "YM-1"})
    assert r.status_code == 302 and "/projects/" in r.headers["Location"]
    page = html(staff.get(r.headers["Location"]))
    assert "YM-1" in page and f"/applications/{a['id']}" in page  # the project links back


def test_expert_sees_approval_reviews_beside_acceptance(world, browser):
    a = world.to_checked()
    world.panel(a["id"])
    world.ok(world.as_staff, a["id"], "form_panel")
    expert = browser().login(world.experts[0])
    page = html(expert.get("/reviews"))
    assert f"/applications/{a['id']}/score" in page
    r = expert.get(f"/applications/{a['id']}/score")
    assert r.status_code == 200
    data = {
        "score_innovation": "20",
        "score_feasibility": "15",
        "score_team": "10",
        "score_benefit": "15",
        "score_budget": "8",
        "score_self_raised_support": "8",
        "recommendation": "pass",
        "comment": "好",
    }
    r = expert.post(f"/applications/{a['id']}/score", data=data)
    assert r.status_code == 302, html(r)[:2000]


def test_pages_refuse_other_roles(world, browser, make):
    a = world.apply()
    expert = browser().login(world.experts[0])
    assert expert.get(f"/applications/{a['id']}").status_code == 404
    assert expert.get(f"/calls/{world.call['id']}").status_code == 403
    assert expert.get("/recommendations").status_code == 403
    other = browser().login(world.other_owner)
    assert other.get(f"/applications/{a['id']}").status_code == 404
    assert other.post(f"/calls/{world.call['id']}/apply", data=form_body()).status_code == 302  # their own


def test_the_notice_page_takes_an_objection(world, browser):
    a = world.to_publicized()
    other = browser().login(world.other_owner)
    page = html(other.get("/notice"))
    assert "智能制造示范生产线" in page
    r = other.post(f"/applications/{a['id']}/objection", data={"text": "有异议"})
    assert r.status_code == 302
    staff_page = html(browser().login(world.staff).get(f"/applications/{a['id']}"))
    assert "有异议" in staff_page


def test_radar_shows_waiting_checks_and_late_scores(world, browser):
    a = world.apply()
    world.ok(world.as_owner, a["id"], "submit")
    application = db.session.get(Application, a["id"])
    application.submitted_on = TODAY - timedelta(days=14)
    b = world.to_checked()
    world.panel(b["id"])
    world.ok(world.as_staff, b["id"], "form_panel")

    panel = db.session.query(Panel).filter_by(application_id=b["id"]).one()
    panel.scoring_due = TODAY - timedelta(days=1)
    db.session.commit()
    page = html(browser().login(world.staff).get("/dashboard"))
    section = page[page.index('id="application-radar"') :]
    assert f"/applications/{a['id']}" in section and f"/applications/{b['id']}" in section
    owner_page = html(browser().login(world.owner).get("/projects"))
    assert 'id="open-calls"' in owner_page and world.call["title"] in owner_page


def test_only_staff_publish_a_call_from_the_calls_page(world, browser):
    from projectmgr.models import Call

    body = {
        "plan_id": str(world.plan.id),
        "title": "页面发布的指南",
        "opens_on": "2027-03-01",
        "closes_on": "2027-04-01",
    }
    before = db.session.query(Call).count()
    owner = browser().login(world.owner)
    page = html(owner.get("/calls"))
    assert "Publish a call" not in page and "发布" not in page.split("</table>")[1]
    assert owner.post("/calls", data=body).status_code == 403
    assert db.session.query(Call).count() == before
    staff = browser().login(world.staff)
    assert 'action="/calls"' in html(staff.get("/calls"))
    r = staff.post("/calls", data={**body, "title": ""})
    assert r.status_code == 422 and world.call["title"] in html(r)  # the list stands above the form
    assert db.session.query(Call).count() == before
    r = staff.post("/calls", data=body)
    assert r.status_code == 302, html(r)[:2000]
    assert db.session.query(Call).filter_by(title="页面发布的指南").one()
