"""The Experts page, the panel form's candidate figures and the project page's document links, in
Chinese in a real browser (screenshots into tests/artifacts/ or docs/screenshots/)."""

import pytest

from projectmgr.extensions import db
from projectmgr.models import Role, User
from tests.test_applications import World
from tests.test_conclusion_api import run_conclusion
from tests.test_panels import applied_project, experts, formed_panel, prior_panels

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect


def test_experts_page_and_document_links(make, api, open_session, screenshots):
    case = applied_project(make, api)
    members = experts(make, 5)
    names = ["王建国", "李秀英", "张伟", "刘洋", "陈静"]
    for m, name in zip(members, names, strict=True):
        m.display_name = name
        m.expert.title = "教授级高工" if not m.expert.finance else "高级会计师"
    db.session.commit()
    formed_panel(case, members)
    assert run_conclusion(case, members, [92, 85, 88, 79, 90]).json["state"] == "accepted"
    prior_panels(make, members[2], 9)
    spare = make.user(Role.expert, finance=False, fields=["新材料"], title="研究员")

    s = open_session("zh-CN")
    assert s.sign_in(case.staff.username).status == 302
    s.goto("/experts")
    page = s.page
    expect(page.locator("h1")).to_contain_text("专家")
    row = page.locator(f"tr[data-expert='{members[2].username}']")
    expect(row.locator("[data-load]")).to_have_text("10 / 10")
    expect(page.locator(f"tr[data-expert='{members[0].username}'] [data-leniency]")).to_have_text("+5.20")
    page.screenshot(path=str(screenshots / "experts.png"), full_page=True)

    # Take the spare expert out of the pool, with a reason.
    spare_row = page.locator(f"tr[data-expert='{spare.username}']")
    spare_row.locator("input[name=reason]").fill("长期出国")
    spare_row.locator("form.pool-form button").click()
    page.wait_for_load_state()
    expect(page.locator(f"tr[data-expert='{spare.username}']")).to_contain_text("已出库")
    expect(page.locator(f"tr[data-expert='{spare.username}']")).to_contain_text("长期出国")
    db.session.expire_all()
    assert db.session.get(User, spare.id).expert.in_pool is False

    # The project page links the documents; the certificate link serves a PDF.
    s.goto(f"/projects/{case.pid}")
    docs = page.locator("nav#documents a")
    expect(docs).to_have_count(3)
    expect(docs.first).to_have_text("验收证书")
    page.locator("nav#documents").screenshot(path=str(screenshots / "project-documents.png"))
    href = docs.first.get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")

    # The owner sees their certificate and their copy of the opinion only.
    o = open_session("zh-CN")
    assert o.sign_in(case.owner.username).status == 302
    o.goto(f"/projects/{case.pid}")
    expect(o.page.locator("nav#documents a")).to_have_count(2)


def test_panel_form_shows_candidates_workload(make, api, open_session, screenshots):
    case = applied_project(make, api)
    pool = experts(make, 7)
    prior_panels(make, pool[0], 10)
    prior_panels(make, pool[1], 3)
    s = open_session("zh-CN")
    assert s.sign_in(case.staff.username).status == 302
    s.goto(f"/projects/{case.pid}/panel")
    page = s.page
    expect(page.locator(f"tr[data-expert='{pool[0].id}']")).to_contain_text("已达年度上限")
    expect(page.locator(f"tr[data-expert='{pool[1].id}']")).to_contain_text("3 / 10")
    for e in pool[:3]:
        page.check(f"#expert-{e.id}")
    page.locator("button[name=preview]").click()
    page.wait_for_load_state()
    expect(page.locator("#problems")).to_contain_text("未保存")
    page.screenshot(path=str(screenshots / "panel-candidates.png"), full_page=True)


def test_experts_page_lists_an_approval_review_seat(make, api, open_session, screenshots):
    """Issue 15 item 4 with issue 14: a seat on an application's review panel is listed beside the
    acceptance seats, links to the application, shows the member's total, and counts this year."""
    world = World(make, api)
    names = ["周明", "吴芳", "郑强", "孙丽", "钱进"]
    for expert, name in zip(world.experts, names, strict=True):
        expert.display_name = name
    db.session.commit()
    a = world.to_publicized()

    s = open_session("zh-CN")
    assert s.sign_in(world.staff.username).status == 302
    s.goto("/experts")
    page = s.page
    row = page.locator(f"tr[data-expert='{world.experts[0].username}']")
    expect(row.locator("[data-load]")).to_have_text("1 / 10")
    seats = page.locator(f"#expert-{world.experts[0].id} + tr.seats")
    seats.locator("details summary").click()
    seat = seats.locator("ul.seat-list li").first
    expect(seat).to_contain_text("立项评审")
    expect(seat).to_contain_text(a["title"])
    expect(seat).to_contain_text("总分 80")
    assert seat.locator("a").get_attribute("href") == f"/applications/{a['id']}"
    page.locator("table").first.screenshot(path=str(screenshots / "experts-approval-seat.png"))

    e = open_session("en")
    assert e.sign_in(world.staff.username).status == 302
    e.goto("/experts")
    en_seats = e.page.locator(f"#expert-{world.experts[0].id} + tr.seats")
    en_seats.locator("details summary").click()
    expect(en_seats.locator("ul.seat-list li").first).to_contain_text("Approval review")
    e.page.locator("table").first.screenshot(path=str(screenshots / "experts-approval-seat-en.png"))
