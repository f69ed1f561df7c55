import re

from projectmgr.models import Role


def test_owner_sees_project_page_with_lifecycle_and_indicators(make, browser):
    owner = make.user(Role.owner)
    project = make.project(owner=owner)
    page = browser().login(owner).get(f"/projects/{project.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and 'data-state="approved"' in html and "node current" in html
    assert project.code in html


def test_other_organizations_owner_gets_404(make, browser):
    project = make.project()
    stranger = make.user(Role.owner)
    assert browser().login(stranger).get(f"/projects/{project.id}").status_code == 404


def test_the_conclusion_reason_reads_in_the_users_language(make, api, browser):
    """The stored reason is English; the page rebuilds it from the decision's figures."""
    from tests.test_panels import applied_project, experts, formed_panel, score

    case = applied_project(make, api, arrived="99999.99")  # self-raised short by one cent: rule 4
    members = experts(make, 5)
    formed_panel(case, members)
    for expert in members:
        assert score(case, expert, 90).status_code == 200
    assert case.fire("conclude").json["state"] == "rectifying"
    b = browser().login(case.owner)
    zh = b.get(f"/projects/{case.pid}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "规则四：需要整改" in zh and "自筹资金到位" in zh
    b.post("/lang", data={"lang": "en"})
    en = b.get(f"/projects/{case.pid}").get_data(as_text=True)
    assert "Rule 4: rectification needed" in en and "Self-raised funds in place" in en


def _rectifying(make, api):
    from tests.test_panels import applied_project, experts, formed_panel, score

    case = applied_project(make, api, arrived="90000.00")  # self-raised short: rule 4, rectifying
    members = experts(make, 5)
    formed_panel(case, members)
    for expert in members:
        assert score(case, expert, 85).status_code == 200
    assert case.fire("conclude").json["state"] == "rectifying"
    return case


def test_owner_sees_why_reapply_waits_and_only_the_reports_that_can_be_written(make, api, browser):
    case = _rectifying(make, api)
    b = browser().login(case.owner)
    html = b.get(f"/projects/{case.pid}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # reapply is greyed out, with the check that refuses it; no enabled form for it.
    assert re.search(r'<li data-trigger="reapply"><button type="button" disabled>', html)
    assert "Not possible now: Submit a new acceptance report after the rectification began." in html
    assert 'name="trigger" value="reapply"' not in html
    # Rectifying: an acceptance report can be written, a survey report cannot.
    assert f"/projects/{case.pid}/reports/acceptance" in html
    assert f"/projects/{case.pid}/reports/survey" not in html
    r = b.get(f"/projects/{case.pid}/reports/survey", headers={"Accept-Language": "en"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/projects/{case.pid}")
    page = b.get(f"/projects/{case.pid}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "A survey report is written while the survey window is open; the project is Rectifying." in page
    # After the new acceptance report, reapply is an action.
    r = case.o.post(
        case.url("/reports"),
        json={"kind": "acceptance", "summary": "整改完成", "indicators": [{"key": "sales", "achieved": "100"}]},
    )
    assert r.status_code == 201, r.json
    html = b.get(f"/projects/{case.pid}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'name="trigger" value="reapply"' in html and 'data-trigger="reapply"' not in html


def test_staff_see_conclude_waiting_for_scores_but_no_greyed_action_of_another_level(make, api, browser):
    from tests.test_panels import applied_project, experts, formed_panel

    case = applied_project(make, api)
    formed_panel(case, experts(make, 5))
    html = browser().login(case.staff).get(f"/projects/{case.pid}", headers={"Accept-Language": "en"})
    html = html.get_data(as_text=True)
    assert 'data-trigger="conclude"' in html and "Every panel member must have scored." in html
    # record_conclusion is for national and provincial projects: never offered here, not even greyed.
    assert 'data-trigger="record_conclusion"' not in html and 'value="record_conclusion"' not in html


def test_form_panel_waits_naming_the_panel_rule(make, api, browser):
    from tests.test_panels import applied_project

    case = applied_project(make, api)
    html = browser().login(case.staff).get(f"/projects/{case.pid}", headers={"Accept-Language": "en"})
    hint = re.search(
        r'<li data-trigger="form_panel">.*?<span class="hint">([^<]*)</span>', html.get_data(as_text=True), re.S
    )
    assert hint and hint.group(1) == (
        "Not possible now: The acceptance panel is missing or breaks a panel rule. No panel has been put together yet."
    )


def test_a_report_posted_after_its_window_closed_saves_nothing(make, api, browser):
    from projectmgr.extensions import db
    from projectmgr.models import Report

    case = _rectifying(make, api)
    before = db.session.query(Report).count()
    r = (
        browser()
        .login(case.owner)
        .post(
            f"/projects/{case.pid}/reports/survey",
            data={"summary": "迟到的调研报告"},
            headers={"Accept-Language": "zh-CN"},
        )
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/projects/{case.pid}")
    assert db.session.query(Report).count() == before
