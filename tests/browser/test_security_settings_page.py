"""The security officer, signed in with a password that follows the production rules and a real
TOTP code, opens *Password and lockout settings*, is refused a value out of bounds beside its field,
saves a stricter minimum, and sees it in force; in Chinese and in English (screenshots)."""

import pyotp
import pytest
from sqlalchemy import select

from projectmgr.extensions import db
from projectmgr.models import Role, SecurityEvent
from projectmgr.services.account_settings import account_settings
from tests.conftest import STRONG_PASSWORD

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect


def sign_in_with_totp(s, username: str) -> None:
    """The password, then the enrolment the role requires, with a real code from the server's secret."""
    page = s.page
    s.sign_in(username, STRONG_PASSWORD)
    assert "/login/enrol" in page.url
    secret = page.locator("#totp-secret").inner_text()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.locator("form button").last.click()
    page.wait_for_load_state()
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    page.locator("a.button.primary").click()  # 继续 / Continue
    page.wait_for_load_state()
    assert "/accounts" in page.url  # the security officer's landing page


@pytest.mark.parametrize(
    ("locale", "texts"),
    [
        ("zh-CN", {"h1": "密码与锁定设置", "min": "密码最短长度", "between": "须在 8 至 64 之间", "saved": "已保存"}),
        (
            "en-US",
            {
                "h1": "Password and lockout settings",
                "min": "Minimum password length",
                "between": "Must be between 8 and 64.",
                "saved": "Saved.",
            },
        ),
    ],
)
def test_the_officer_changes_the_settings_on_the_page(make, open_session, screenshots, locale, texts):
    officer = make.user(Role.security_officer, password=STRONG_PASSWORD, username=f"so.{locale[:2]}")
    s = open_session(locale)
    page = s.page
    sign_in_with_totp(s, officer.username)
    s.goto("/accounts")
    page.screenshot(path=str(screenshots / f"accounts-officer-{locale[:2]}.png"), full_page=True)
    page.locator("a[href='/security-settings']").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text(texts["h1"])
    row = page.locator("tr[data-setting=password_min_length]")
    expect(row).to_contain_text(texts["min"])
    expect(row.locator("input")).to_have_value("10")
    page.screenshot(path=str(screenshots / f"security-settings-{locale[:2]}.png"), full_page=True)

    row.locator("input").fill("70")  # past the bound: named beside the field, nothing saved
    page.locator("form.security-settings button.primary").click()
    page.wait_for_load_state()
    expect(page.locator("#password_min_length-error")).to_contain_text(texts["between"])
    page.screenshot(path=str(screenshots / f"security-settings-error-{locale[:2]}.png"), full_page=True)
    assert account_settings().password_min_length == 10

    page.locator("tr[data-setting=password_min_length] input").fill("14")
    page.locator("tr[data-setting=lockout_threshold] input").fill("3")
    page.locator("form.security-settings button.primary").click()
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_contain_text(texts["saved"])
    expect(page.locator("tr[data-setting=password_min_length] input")).to_have_value("14")
    expect(page.locator("p.hint").first).to_contain_text(officer.username)
    page.screenshot(path=str(screenshots / f"security-settings-saved-{locale[:2]}.png"), full_page=True)
    db.session.rollback()  # a new transaction: the server's commit and its data version
    cfg = account_settings()
    assert (cfg.password_min_length, cfg.lockout_threshold) == (14, 3)
    change = db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == "settings.change")).one()
    assert change.actor_id == officer.id and sorted(change.details["changed"]) == [
        "lockout_threshold",
        "password_min_length",
    ]


@pytest.mark.parametrize(("locale", "heading"), [("zh-CN", "修改角色或单位"), ("en-US", "Change role or organization")])
def test_the_admin_changes_an_accounts_organization_on_the_page(make, open_session, screenshots, locale, heading):
    admin = make.user(Role.admin)  # the factory's demo-like account: no second factor
    first, second = make.organization("甲科技有限公司"), make.organization("乙研究院")
    owner = make.user(Role.owner, first, username=f"owner.{locale[:2]}")
    s = open_session(locale)
    page = s.page
    s.sign_in(admin.username)
    s.goto(f"/accounts?q={owner.username}")
    page.locator("a[data-action=edit]").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text(heading)
    page.select_option("select[name=organization_id]", str(second.id))
    page.screenshot(path=str(screenshots / f"account-edit-{locale[:2]}.png"), full_page=True)
    page.locator("form.card button.primary").click()
    page.wait_for_load_state()
    expect(page.locator(f"tr[data-username='{owner.username}']")).to_contain_text("乙研究院")
    db.session.rollback()
    change = db.session.scalars(select(SecurityEvent).where(SecurityEvent.event == "account.organization_change")).one()
    assert change.details["old"]["name"] == "甲科技有限公司" and change.details["new"]["name"] == "乙研究院"
