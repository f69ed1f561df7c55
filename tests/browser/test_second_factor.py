"""A staff member whose account follows the production rules signs in, is sent to enrolment, scans
(reads) the server-drawn QR code, types a real TOTP code, sees the ten recovery codes and goes on;
the next sign-in asks for the code. Screenshots in Chinese."""

import time

import pyotp
import pytest

from projectmgr.models import Role
from tests.conftest import STRONG_PASSWORD

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect


def test_enrolment_walk_with_the_qr_page(make, open_session, screenshots):
    staff = make.user(Role.staff, password=STRONG_PASSWORD, username="chen.totp")
    s = open_session("zh-CN")
    page = s.page
    s.sign_in("chen.totp", STRONG_PASSWORD)
    assert "/login/enrol" in page.url
    qr = page.locator("#totp-qr")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.naturalWidth") > 0  # the browser drew the QR image (CSP allows data:)
    expect(page.locator("h1")).to_have_text("绑定第二因素")
    page.screenshot(path=str(screenshots / "totp-enrol.png"), full_page=True)
    secret = page.locator("#totp-secret").inner_text()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.locator("form button").last.click()
    page.wait_for_load_state()
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    page.screenshot(path=str(screenshots / "totp-recovery-codes.png"), full_page=True)
    page.get_by_role("link", name="继续").click()
    page.wait_for_load_state()
    assert "/dashboard" in page.url
    assert staff.id

    again = open_session("zh-CN")
    again.sign_in("chen.totp", STRONG_PASSWORD)
    assert "/login/verify" in again.page.url
    again.page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    again.page.screenshot(path=str(screenshots / "totp-verify.png"), full_page=True)
    again.page.locator("form button").last.click()
    again.page.wait_for_load_state()
    assert "/dashboard" in again.page.url
