"""One application from draft to an approved project in a real browser, in Chinese: the owner
applies on the call with the registration's budget and indicator rows and submits; staff pass the
formal check, choose the review panel and form it; five experts score on their reviews page; staff
conclude the review and publish the notice, which another owner reads; after the notice staff
approve and land on the new project. A screenshot of each page goes to tests/artifacts/."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from projectmgr.extensions import db
from projectmgr.models import Application, ApplicationState, Call, Level, Project, Role

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect


def shot(session, screenshots, name: str) -> None:
    session.page.screenshot(path=str(screenshots / f"application-{name}.png"), full_page=True)


def click_trigger(session, trigger: str, **fields) -> None:
    page = session.page
    form = page.locator("form.trigger", has=page.locator(f"input[name=trigger][value={trigger}]"))
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    with page.expect_navigation():
        form.locator("button").click()


def test_an_application_from_draft_to_an_approved_project(make, open_session, screenshots):
    today = date.today()
    plan = make.plan(Level.municipal)
    staff_user = make.user(Role.staff)
    owner_user = make.user(Role.owner)
    reader = make.user(Role.owner)
    experts = [make.user(Role.expert, finance=i < 2, fields=["装备制造"]) for i in range(5)]
    call = Call(
        plan_id=plan.id,
        title="市科技计划项目申报指南",
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=20),
        created_by_id=staff_user.id,
    )
    db.session.add(call)
    db.session.commit()

    # The owner applies and submits.
    owner = open_session()
    owner.sign_in(owner_user.username)
    expect(owner.page.locator("#open-calls")).to_contain_text("市科技计划项目申报指南")
    shot(owner, screenshots, "1-owner-start")
    owner.page.locator("#open-calls a.button").click()
    page = owner.page
    page.fill("[name=title]", "智能装备远程运维平台")
    page.fill("[name=industry]", "装备制造")
    page.fill("[name=start_date]", "2027-01-01")
    page.fill("[name=end_date]", "2028-06-30")
    page.fill("[name=summary]", "研制面向中小企业的远程运维平台。")
    page.fill("[name=special_funds]", "200000")
    page.fill("[name=self_raised_committed]", "200000")
    page.fill("[name='budget_rows-0-special']", "150000")
    page.fill("[name='budget_rows-0-self_raised']", "200000")
    page.fill("[name='budget_rows-6-special']", "50000")
    page.fill("[name='indicator_rows-0-key']", "sales")
    page.fill("[name='indicator_rows-0-name']", "销售收入")
    page.fill("[name='indicator_rows-0-unit']", "万元")
    page.fill("[name='indicator_rows-0-target']", "300")
    shot(owner, screenshots, "2-form")
    with page.expect_navigation():
        page.locator("form.register button.primary").click()
    expect(page.locator("header.project-head")).to_contain_text("草稿")
    click_trigger(owner, "submit")
    expect(page.locator("header.project-head")).to_contain_text("已提交")
    shot(owner, screenshots, "3-submitted")
    application = db.session.query(Application).one()
    application_id = application.id

    # Staff: the formal check queue, the check, the panel.
    staff = open_session()
    staff.sign_in(staff_user.username)
    staff.goto("/applications?state=submitted")
    expect(staff.page.locator("table.applications")).to_contain_text("智能装备远程运维平台")
    shot(staff, screenshots, "4-check-queue")
    staff.goto(f"/applications/{application_id}")
    click_trigger(staff, "pass_check")
    for e in experts:
        staff.page.check(f"input[name=expert_ids][value='{e.id}']")
    with staff.page.expect_navigation():
        staff.page.locator("button[name=action][value=choose]").click()
    click_trigger(staff, "form_panel")
    expect(staff.page.locator("header.project-head")).to_contain_text("专家评审中")
    shot(staff, screenshots, "5-panel-formed")

    # Five experts score on their reviews page.
    for n, e in enumerate(experts):
        s = open_session()
        s.sign_in(e.username)
        expect(s.page.locator("table.approval-reviews")).to_contain_text("智能装备远程运维平台")
        if n == 0:
            shot(s, screenshots, "6-expert-reviews")
        s.page.locator("table.approval-reviews a.button").click()
        for key, value in (
            ("innovation", "20"),
            ("feasibility", "16"),
            ("team", "12"),
            ("benefit", "16"),
            ("budget", "8"),
            ("self_raised_support", "8"),
        ):
            s.page.fill(f"[name=score_{key}]", value)
        s.page.select_option("[name=recommendation]", "pass")
        if n == 0:
            shot(s, screenshots, "7-scoresheet")
        with s.page.expect_navigation():
            s.page.locator("#scoresheet button.primary").click()
        expect(s.page.locator(".flash.success")).to_be_visible()
        s.close()

    # Staff conclude, rank and publish; another owner reads the notice.
    staff.goto(f"/applications/{application_id}")
    click_trigger(staff, "conclude_review")
    expect(staff.page.locator("header.project-head")).to_contain_text("80.00")
    staff.goto(f"/calls/{call.id}")
    expect(staff.page.locator("table.ranking")).to_contain_text("80.00")
    shot(staff, screenshots, "8-ranking")
    staff.goto(f"/applications/{application_id}")
    click_trigger(staff, "publicize")
    expect(staff.page.locator("header.project-head")).to_contain_text("公示中")
    other = open_session()
    other.sign_in(reader.username)
    other.goto("/notice")
    expect(other.page.locator("table.notice")).to_contain_text("智能装备远程运维平台")
    shot(other, screenshots, "9-notice")

    # After the notice, approval registers the project.
    db.session.expire_all()
    application = db.session.get(Application, application_id)
    application.notice_until = today - timedelta(days=1)
    db.session.commit()
    staff.goto(f"/applications/{application_id}")
    shot(staff, screenshots, "10-approve")
    click_trigger(staff, "approve", code="JYYB-2027-101", special_funds="180000")
    expect(staff.page.locator("h1")).to_contain_text("智能装备远程运维平台")
    shot(staff, screenshots, "11-project")
    db.session.expire_all()
    application = db.session.get(Application, application_id)
    assert application.state == ApplicationState.approved
    project = db.session.get(Project, application.project_id)
    assert project.code == "JYYB-2027-101" and project.special_funds == Decimal("180000.00")

    # The project's history begins with the application's rows, then the project's own.
    staff.goto(f"/projects/{project.id}")
    start = staff.page.locator("form.action", has=staff.page.locator("input[name=trigger][value=start]"))
    with staff.page.expect_navigation():
        start.locator("button").click()  # confirm() is accepted by the session
    history = staff.page.locator("#history")
    rows = history.locator("tbody[data-record=application] tr:not(.group)")
    expect(rows).to_have_count(6)
    expect(rows.first).to_contain_text("提交申报")
    expect(rows.last).to_contain_text("批准立项")
    expect(history.locator("tbody[data-record=application] tr.group a")).to_have_attribute(
        "href", f"/applications/{application_id}"
    )
    expect(history.locator("tbody[data-record=project] tr:not(.group)")).to_contain_text("启动实施")
    history.screenshot(path=str(screenshots / "application-12-project-history.png"))


def test_a_won_direct_recommendation_registers_its_project(make, open_session, screenshots):
    """Staff record a win with its grant on the recommendations page, follow "Register its project"
    to the registration form started from the recommendation, complete and save it, and land on the
    project page that links back to the recommendation."""
    plan = make.plan(Level.provincial)
    staff_user = make.user(Role.staff)
    owner_user = make.user(Role.owner)
    staff = open_session()
    staff.sign_in(staff_user.username)
    page = staff.page
    staff.goto("/recommendations")
    page.fill("[name=title]", "高端轴承材料直接推荐项目")
    page.select_option("[name=organization_id]", str(owner_user.organization_id))
    page.select_option("[name=level]", "provincial")
    page.fill("[name=programme]", "省重点研发专项")
    with page.expect_navigation():
        page.locator("section.card form button.primary").click()
    row = page.locator("table.recommendations tbody tr", has_text="高端轴承材料直接推荐项目")
    page.screenshot(path=str(screenshots / "recommendation-0-pending.png"), full_page=True)
    row.locator("[name=outcome]").select_option("won")
    row.locator("[name=document_no]").fill("豫科〔2026〕88号")
    row.locator("[name=special_funds]").fill("600000")
    with page.expect_navigation():
        row.locator("button").click()
    link = row.locator("a.button")
    expect(link).to_have_text("登记其项目")
    expect(row).to_contain_text("获批 600000.00 元")
    page.screenshot(path=str(screenshots / "recommendation-1-won.png"), full_page=True)
    with page.expect_navigation():
        link.click()
    expect(page.locator("#from-recommendation")).to_contain_text("豫科〔2026〕88号")
    expect(page.locator("[name=title]")).to_have_value("高端轴承材料直接推荐项目")
    expect(page.locator("[name=plan_id]")).to_have_value(str(plan.id))
    expect(page.locator("[name=organization_id]")).to_have_value(str(owner_user.organization_id))
    expect(page.locator("[name=special_funds]")).to_have_value("600000.00")
    page.fill("[name=code]", "SZD-2026-088")
    page.select_option("[name=owner_id]", str(owner_user.id))
    page.fill("[name=start_date]", "2027-01-01")
    page.fill("[name=end_date]", "2028-12-31")
    page.fill("[name=self_raised_committed]", "600000")
    page.fill("[name='budget_rows-0-special']", "600000")
    page.fill("[name='budget_rows-0-self_raised']", "600000")
    page.fill("[name='indicator_rows-0-key']", "sales")
    page.fill("[name='indicator_rows-0-name']", "销售收入")
    page.fill("[name='indicator_rows-0-unit']", "万元")
    page.fill("[name='indicator_rows-0-target']", "1500")
    page.screenshot(path=str(screenshots / "recommendation-2-register.png"), full_page=True)
    with page.expect_navigation():
        page.locator("form.register button.primary").click()
    expect(page.locator("h1")).to_contain_text("高端轴承材料直接推荐项目")
    expect(page.locator("#recommended-upward")).to_contain_text("向上推荐：省重点研发专项，文号 豫科〔2026〕88号")
    page.screenshot(path=str(screenshots / "recommendation-3-project.png"), full_page=True)
    db.session.expire_all()
    project = db.session.query(Project).filter_by(code="SZD-2026-088").one()
    assert project.plan_id == plan.id and project.special_funds == Decimal("600000.00")
    with page.expect_navigation():
        page.locator("#recommended-upward a").click()
    rec_row = page.locator("table.recommendations tbody tr", has_text="高端轴承材料直接推荐项目")
    expect(rec_row.locator(f"a[href='/projects/{project.id}']")).to_be_visible()
    expect(rec_row.locator("a.button")).to_have_count(0)
