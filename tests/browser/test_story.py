"""The whole story of a municipal project in a real browser, in Chinese (the default language):
staff register it, the owner records funds and the mid-year survey, staff accept the survey, the
owner applies for acceptance, staff draw the panel, five experts score, staff conclude and the
owner reads the result; then the owner switches to English. The screenshots in docs/screenshots/
(shown in the README) are taken along the way.

The factory only creates the people, the plan and the organization (and a few old projects so that
the overdue radar has something to show); every step of the story is a form filled in and submitted
or a button clicked."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from projectmgr.extensions import db
from projectmgr.models import Flag, Panel, Project, Role, State

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect

ROOT = Path(__file__).resolve().parents[2]

# --- Chinese texts --------------------------------------------------------------------------------
# The pages say what the Chinese catalog (translations/zh) says. While that catalog is not compiled
# (no messages.mo), Flask-Babel shows the English msgids even in Chinese; the glossary assertions
# below then check the English msgid instead, so the story still runs end to end. Once the catalog
# is compiled (`make test` compiles it) the glossary's Chinese terms are required. Set
# ZH_TEXTS_REQUIRED = True to insist on the Chinese terms regardless.
ZH_TEXTS_REQUIRED = False


def zh_catalog_compiled() -> bool:
    return (ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.mo").is_file()


def glossary_text(chinese: str, english: str) -> str:
    """The text a Chinese page shows for a glossary term (GLOSSARY.md)."""
    return chinese if ZH_TEXTS_REQUIRED or zh_catalog_compiled() else english


def expect_glossary_text(locator, chinese: str, english: str) -> None:
    """The glossary assertions of the story: `chinese` once the catalog is compiled."""
    expect(locator).to_contain_text(glossary_text(chinese, english))


# --- page helpers ---------------------------------------------------------------------------------


def fire(session, trigger: str, **fields) -> None:
    """Click a lifecycle action on the project page (the confirm() dialog is accepted) and land on
    the project page again with the success message."""
    page = session.page
    form = page.locator("form.action", has=page.locator(f"input[name=trigger][value={trigger}]"))
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    asked = len(session.dialogs)
    with page.expect_navigation():
        form.get_by_role("button").click()
    assert len(session.dialogs) == asked + 1, "a lifecycle action asks for confirmation"
    expect(page.locator(".flash.success")).to_be_visible()


def open_details(page, form_action: str):
    """The funds forms sit in <details>: open the one posting to form_action, return its form."""
    form = page.locator(f"form[action$='{form_action}']")
    details = page.locator("details", has=form)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return form


def submit(page, form) -> None:
    with page.expect_navigation():
        form.get_by_role("button").click()


def state_badge(page):
    return page.locator("header.project-head .badge").first


def d(day: date) -> str:
    return day.isoformat()


# --- the story ------------------------------------------------------------------------------------

SCORES = {  # out of 20, 20, 10, 20, 10, 10, 10 (the default scoresheet): 90 points
    "task_content": "18",
    "technical_indicators": "18",
    "economic_indicators": "9",
    "deliverables": "18",
    "funds_in_place": "9",
    "fund_usage": "9",
    "management": "9",
}


def _overdue_projects(make, staff):
    """Old projects whose acceptance application is long overdue, so the radar is not empty."""
    today = date.today()
    for n, (years, flags) in enumerate([(3, [Flag.major]), (2, [Flag.major, Flag.problematic]), (1, [])]):
        make.project(
            staff=staff,
            code=f"SZ-{today.year - years}-{n + 1:03d}",
            title=["智能装备关键技术研发", "新型功能材料中试", "智慧农业示范应用"][n],
            start=today - timedelta(days=365 * years + 400),
            end=today - timedelta(days=365 * years),
            flags=flags,
            responsible_staff_id=staff.id,
        )


def test_municipal_project_story_in_the_browser(make, open_session, screenshots):
    today = date.today()
    staff = make.user(Role.staff)
    org = make.organization("郑州智造科技有限公司")
    owner = make.user(Role.owner, organization=org)
    plan = make.plan()
    experts = [make.user(Role.expert, finance=i < 2, fields=["装备制造"]) for i in range(5)]
    _overdue_projects(make, staff)

    # --- staff sign in (Chinese by the browser's language) and register the project -------------
    s = open_session("zh-CN")
    page = s.page
    assert s.sign_in(staff.username).status == 302
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("table.radar tr[data-kind=acceptance_application]")).to_have_count(3)
    expect_glossary_text(page.locator("h1"), "逾期", "Overdue")
    page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)

    s.goto("/projects/new")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.fill("#code", "SZ-2026-042")
    page.fill("#title", "工业机器人视觉检测系统研发")
    page.select_option("#plan_id", str(plan.id))
    page.select_option("#organization_id", str(org.id))
    page.select_option("#owner_id", str(owner.id))
    page.check("input[name=flags][value=major]")
    start, end = today - timedelta(days=300), today + timedelta(days=60)
    page.fill("#start_date", d(start))
    page.fill("#end_date", d(end))
    page.fill("#special_funds", "500000.00")
    page.fill("#self_raised_committed", "600000.00")
    page.fill("#budget_rows-0-special", "300000")  # equipment
    page.fill("#budget_rows-0-self_raised", "400000")
    page.fill("#budget_rows-1-special", "200000")  # materials
    page.fill("#budget_rows-1-self_raised", "200000")
    page.fill("#indicator_rows-0-key", "sales")
    page.fill("#indicator_rows-0-name", "新增销售收入")
    page.fill("#indicator_rows-0-unit", "万元")
    page.fill("#indicator_rows-0-target", "800")
    submit(page, page.locator("form.register"))
    expect(page).to_have_url(re.compile(r"/projects/\d+$"))
    project_url = page.url
    expect(page.locator("header.project-head h1")).to_contain_text("工业机器人视觉检测系统研发")
    expect(page.locator("header.project-head .badge.state-approved")).to_be_visible()

    fire(s, "start")
    expect(page.locator("header.project-head .badge.state-in_progress")).to_be_visible()
    fire(s, "open_survey", due_date=d(today + timedelta(days=14)))
    expect(page.locator("header.project-head .badge.state-mid_year_survey")).to_be_visible()
    form = open_details(page, "/disbursements")
    form.locator("[name=date]").fill(d(today - timedelta(days=30)))
    form.locator("[name=amount]").fill("500000")
    submit(page, form)
    expect(page.locator("#funds .totals")).to_contain_text("500000.00")

    # --- the owner records funds and writes the survey report -----------------------------------
    o = open_session("zh-CN")
    assert o.sign_in(owner.username).status == 302
    op = o.page
    expect(op).to_have_url(re.compile(r"/projects$"))
    op.get_by_role("link", name="SZ-2026-042").click()
    expect(op).to_have_url(project_url)
    form = open_details(op, "/self-raised")
    form.locator("[name=date]").fill(d(today - timedelta(days=20)))
    form.locator("[name=amount]").fill("600000")
    form.locator("[name=note]").fill("企业自筹到位")
    submit(op, form)
    form = open_details(op, "/expenditures")
    form.locator("[name=date]").fill(d(today - timedelta(days=10)))
    form.locator("[name=category]").select_option("equipment")
    form.locator("[name=source]").select_option("special")
    form.locator("[name=amount]").fill("280000")
    form.locator("[name=voucher]").fill("记-2026-118")
    submit(op, form)
    expect(op.locator("#funds .totals")).to_contain_text("280000.00")

    op.locator("a[href$='/reports/survey']").click()
    op.fill("textarea[name=summary]", "样机完成装配，视觉算法通过内部测试。")
    op.locator("input[name^=ind_]").fill("350")
    submit(op, op.locator("main form"))
    expect(op).to_have_url(project_url)
    expect(op.locator("#indicators")).to_contain_text("350")
    fire(o, "submit_survey")
    expect(op.locator("header.project-head .badge.state-survey_submitted")).to_be_visible()

    # --- staff accept the survey ---------------------------------------------------------------
    page.reload()
    fire(s, "accept_survey")
    expect(page.locator("header.project-head .badge.state-in_progress")).to_be_visible()

    # --- the owner writes the acceptance report and applies ------------------------------------
    op.reload()
    op.locator("a[href$='/reports/acceptance']").click()
    op.fill("textarea[name=summary]", "全面完成任务书约定的研发内容和考核指标。")
    op.locator("input[name^=ind_]").fill("860")
    op.check("input[name=separate_account]")
    submit(op, op.locator("main form"))
    fire(o, "apply_acceptance")
    expect(op.locator("header.project-head .badge.state-acceptance_applied")).to_be_visible()
    expect_glossary_text(state_badge(op), "申请验收", "Applied for acceptance")

    # --- staff draw the panel and form it ------------------------------------------------------
    page.reload()
    page.locator("#panel a.button").click()
    expect(page).to_have_url(re.compile(r"/panel$"))
    draw = page.locator("#draw form")
    draw.locator("[name=draw-size]").fill("5")
    draw.locator("[name=draw-seed]").fill("audit-2026-042")
    submit(page, draw)
    expect(page.locator("[data-seed]")).to_have_text("audit-2026-042")
    assert page.locator("#current-panel tbody tr").count() == 5
    page.goto(project_url)
    fire(s, "form_panel")
    expect(page.locator("header.project-head .badge.state-under_review")).to_be_visible()

    # --- five experts score --------------------------------------------------------------------
    for n, expert in enumerate(experts):
        e = open_session("zh-CN")
        assert e.sign_in(expert.username).status == 302
        ep = e.page
        expect(ep).to_have_url(re.compile(r"/reviews$"))
        row = ep.locator("table.reviews tbody tr", has_text="SZ-2026-042")
        row.get_by_role("link").click()
        expect(ep).to_have_url(re.compile(r"/score$"))
        expect(ep.locator("#score-total")).to_have_text("0.00")
        running = 0
        for key, value in SCORES.items():
            ep.locator(f"input[data-criterion={key}]").fill(value)
            running += int(value)
            expect(ep.locator("#score-total")).to_have_text(f"{running:.2f}")  # the live total
        ep.select_option("select[name=recommendation]", "pass")
        ep.fill("textarea[name=comment]", f"专家{n + 1}：资料齐全，指标完成良好。")
        if n == 0:
            ep.screenshot(path=str(screenshots / "scoresheet.png"), full_page=True)
        submit(ep, ep.locator("#scoresheet form"))
        expect(ep.locator(".flash.success")).to_be_visible()
        expect(ep.locator("#score-total")).to_have_text("90.00")
        e.close()

    # --- staff conclude ------------------------------------------------------------------------
    page.reload()
    expect(page.locator("#panel .panel-members tbody tr")).to_have_count(5)
    fire(s, "conclude")
    expect(page.locator("header.project-head .badge.state-accepted")).to_be_visible()
    expect_glossary_text(state_badge(page), "通过验收", "Accepted")
    expect(page.locator("#panel")).to_contain_text("90.00")
    page.reload()  # without the "Saved." message
    page.screenshot(path=str(screenshots / "project.png"), full_page=True)

    db.session.expire_all()
    project = db.session.scalar(select(Project).where(Project.code == "SZ-2026-042"))
    assert project.state == State.accepted
    panel = db.session.scalar(select(Panel).where(Panel.project_id == project.id))
    assert panel.seed == "audit-2026-042"
    assert sorted(m.expert_id for m in panel.members) == sorted(e.id for e in experts)

    # --- the owner sees the result, then reads the page in English -----------------------------
    op.reload()
    expect(op.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(op.locator("header.project-head .badge.state-accepted")).to_be_visible()
    expect_glossary_text(state_badge(op), "通过验收", "Accepted")
    assessment = op.locator("#panel")
    expect(assessment.locator("[data-aggregate]")).to_have_text("90.00")
    expect_glossary_text(assessment, "优秀", "Excellent")
    expect(assessment).not_to_contain_text(experts[0].display_name)  # anonymous to the owner

    with op.expect_navigation():
        op.locator("form.lang button[value=en]").click()
    expect(op).to_have_url(project_url)
    expect(op.locator("html")).to_have_attribute("lang", "en")
    expect(state_badge(op)).to_have_text("Accepted")
    expect(op.locator("#panel")).to_contain_text("Excellent")
    expect(op.locator("#history")).to_contain_text("Conclude acceptance")
