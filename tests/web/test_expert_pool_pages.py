"""The Experts page and the panel form's candidate figures (issue 15)."""

from projectmgr.extensions import db
from projectmgr.models import Panel, Role
from tests.test_panels import applied_project, experts, prior_panels


def test_experts_page_shows_the_figures_and_takes_an_expert_out(browser, make):
    staff = make.user(Role.staff)
    (expert,) = experts(make, 1, finance=1, title="高级会计师")
    prior_panels(make, expert, 3)
    client = browser().login(staff)

    page = client.get("/experts")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert expert.display_name in html and "高级会计师" in html and "3 / 10" in html

    r = client.post(f"/experts/{expert.id}/pool", data={"action": "deactivate", "reason": "长期出差"})
    assert r.status_code == 302
    db.session.expire_all()
    assert expert.expert.in_pool is False and expert.expert.pool_reason == "长期出差"
    r = client.post(f"/experts/{expert.id}/pool", data={"action": "reactivate", "reason": ""})
    assert r.status_code == 422
    db.session.expire_all()
    assert expert.expert.in_pool is False

    assert browser().login(make.user(Role.owner)).get("/experts").status_code == 403


def test_panel_form_shows_each_candidates_panels_and_the_rules_they_would_break(browser, make, api):
    case = applied_project(make, api)
    pool = experts(make, 6)
    prior_panels(make, pool[0], 10)  # at the cap: choosing them breaks the workload rule
    prior_panels(make, pool[1], 4)
    client = browser().login(case.staff)

    html = client.get(f"/projects/{case.pid}/panel").get_data(as_text=True)
    assert "10 / 10" in html and "4 / 10" in html
    row = html.split(f'data-expert="{pool[0].id}"')[1].split("</tr>")[0]
    assert 'data-breaks="workload"' in row

    # Checking a choice shows every rule it breaks, and saves nothing.
    r = client.post(
        f"/projects/{case.pid}/panel",
        data={"mode": "choose", "preview": "1", "choose-expert_ids": [str(e.id) for e in pool[:4]]},
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'data-check="workload"' in html and 'data-check="panel_size"' in html
    assert db.session.scalar(db.select(Panel).where(Panel.project_id == case.pid)) is None
