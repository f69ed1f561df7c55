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
