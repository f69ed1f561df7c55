"""What a person sees in the browser when the app says no: a refused registration form, a page they
may not open (403), and the sign-in limit (429). In English (the browser asks for it), so the
messages can be read as written."""

import re

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import Project, Role

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect


def test_refused_registration_shows_the_error_beside_the_budget_and_keeps_the_values(make, open_session):
    staff = make.user(Role.staff)
    org = make.organization("洛阳精密轴承有限公司")
    owner = make.user(Role.owner, organization=org)
    plan = make.plan()
    s = open_session("en-US")
    page = s.page
    assert s.sign_in(staff.username).status == 302
    s.goto("/projects/new")
    page.fill("#code", "LY-2026-007")
    page.fill("#title", "高速精密轴承研发")
    page.select_option("#plan_id", str(plan.id))
    page.select_option("#organization_id", str(org.id))
    page.select_option("#owner_id", str(owner.id))
    page.fill("#start_date", "2026-03-01")
    page.fill("#end_date", "2027-02-28")
    page.fill("#special_funds", "500000")
    page.fill("#self_raised_committed", "500000")
    page.fill("#budget_rows-0-special", "300000")  # 200,000.00 short of the grant
    page.fill("#budget_rows-0-self_raised", "500000")
    page.fill("#indicator_rows-0-key", "output")
    page.fill("#indicator_rows-0-name", "年产量")
    page.fill("#indicator_rows-0-unit", "万套")
    page.fill("#indicator_rows-0-target", "12")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("form.register button.primary").click()
    page.wait_for_load_state()
    assert posted.value.status == 422

    expect(page).to_have_url(re.compile(r"/projects/new$"))
    expect(page.locator("[role=alert]").first).to_contain_text("The project was not registered")
    # The message sits in the budget section, beside the amounts it is about.
    budget_error = page.locator("#budget .error")
    expect(budget_error).to_have_count(1)
    expect(budget_error).to_contain_text("Special budget lines sum to 300000.00, not the special grant 500000.00.")
    expect(page.locator("#budget .field.has-error")).to_be_visible()
    # Everything typed is still there.
    expect(page.locator("#code")).to_have_value("LY-2026-007")
    expect(page.locator("#title")).to_have_value("高速精密轴承研发")
    expect(page.locator("#plan_id")).to_have_value(str(plan.id))
    expect(page.locator("#owner_id")).to_have_value(str(owner.id))
    expect(page.locator("#start_date")).to_have_value("2026-03-01")
    expect(page.locator("#special_funds")).to_have_value("500000")
    expect(page.locator("#budget_rows-0-special")).to_have_value("300000")
    expect(page.locator("#budget_rows-0-self_raised")).to_have_value("500000")
    expect(page.locator("#indicator_rows-0-name")).to_have_value("年产量")
    # Nothing was saved.
    assert db.session.scalar(select(func.count(Project.id))) == 0

    # Corrected, the same form goes through.
    page.fill("#budget_rows-1-special", "200000")
    with page.expect_navigation():
        page.locator("form.register button.primary").click()
    expect(page).to_have_url(re.compile(r"/projects/\d+$"))
    expect(page.locator(".flash.success")).to_have_text("Saved.")
    assert db.session.scalar(select(func.count(Project.id))) == 1


def test_owner_opening_the_dashboard_sees_the_403_page(make, open_session):
    owner = make.user(Role.owner)
    s = open_session("en-US")
    assert s.sign_in(owner.username).status == 302
    expect(s.page).to_have_url(re.compile(r"/projects$"))
    response = s.goto("/dashboard")
    assert response.status == 403
    page = s.page
    expect(page.locator("h1")).to_have_text("403 · Forbidden")
    expect(page.locator(".error-page")).to_contain_text("You may not see or do this.")
    # The owner's navigation has no link to the radar either.
    expect(page.locator("header.top nav a[href='/dashboard']")).to_have_count(0)


@pytest.fixture
def _limiter_only(app):
    """The address limiter alone: the account lockout (5 failures) is set aside here."""
    before = app.config["LOCKOUT_THRESHOLD"]
    app.config["LOCKOUT_THRESHOLD"] = 1000
    yield
    app.config["LOCKOUT_THRESHOLD"] = before


def test_the_eleventh_sign_in_after_ten_wrong_passwords_shows_the_429_page(make, open_session, _limiter_only):
    user = make.user(Role.staff)
    s = open_session("en-US")
    page = s.page
    for attempt in range(10):
        response = s.sign_in(user.username, "wrong-password")
        assert response.status == 401, attempt
        expect(page.locator("#password-error")).to_have_text("Wrong username or password.")
        expect(page.locator("#username")).to_have_value(user.username)
    # The 11th attempt is refused before the password is even looked at: the right one too.
    response = s.sign_in(user.username)
    assert response.status == 429
    expect(page.locator("h1")).to_have_text("429 · Too many attempts")
    expect(page.locator(".error-page")).to_contain_text("Too many failed sign-ins. Try again in 15 minutes.")
    s.goto("/dashboard")  # not signed in
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdashboard$"))
    # Another person at the same address, with their own username, is not locked out.
    other = make.user(Role.staff)
    assert open_session("en-US").sign_in(other.username).status == 302
