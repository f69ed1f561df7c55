"""The ledger page in a browser: a staff member opens the year's ledger, reads a status, enters
progress by hand with an evidence file, and sees the status change."""

from datetime import date
from decimal import Decimal

import pytest

from projectmgr.extensions import db
from projectmgr.models import Role
from projectmgr.services import ledger as service

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect


def test_ledger_page_progress_by_hand(make, open_session, app, tmp_path, screenshots):
    app.config["ATTACHMENT_DIR"] = str(tmp_path)
    try:
        staff = make.user(Role.staff)
        y = date.today().year
        t = service.create_target(staff, service.TargetInput(y, "推广示范项目", "个", Decimal(3), cumulative=False))
        service.create_target(
            staff, service.TargetInput(y, "专利申请", "件", Decimal(180), metric="patent_applications")
        )
        db.session.commit()
        s = open_session("en-US")
        page = s.page
        assert s.sign_in(staff.username).status == 302
        s.goto(f"/ledger?year={y}")
        row = page.locator(f"tr[data-target='{t.id}']")
        expect(row).to_have_attribute("data-status", "behind")
        expect(page.locator("#chart-ledger svg")).to_be_visible()
        row.locator("a").click()
        page.locator("summary", has_text="Enter progress").click()
        page.fill("#value", "3")
        page.fill("#note", "三个示范点已验收")
        evidence = tmp_path / "批复.pdf"
        evidence.write_bytes(b"%PDF-1.4 demo")
        page.set_input_files("#file", str(evidence))
        page.locator("form button.primary", has_text="Save").click()
        page.wait_for_load_state()
        expect(page.locator(".flash.success")).to_be_visible()
        expect(page.locator("a", has_text="批复.pdf")).to_be_visible()
        s.goto(f"/ledger?year={y}")
        expect(page.locator(f"tr[data-target='{t.id}']")).to_have_attribute("data-status", "on_track")
        expect(page.locator(f"tr[data-target='{t.id}'] td[data-value]")).to_have_text("3")
        page.screenshot(path=str(screenshots / "ledger.png"), full_page=True)
    finally:
        app.config.pop("ATTACHMENT_DIR", None)
