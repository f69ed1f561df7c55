"""Moving in through a browser, in Chinese: a bureau's own workbook (title row merged across the
columns, 万元, a period column, Chinese states, one bad row) is uploaded, mapped and previewed (the
bad cell named), corrected, committed; the moved-in projects show their history and the radar."""

import pytest
from openpyxl import load_workbook

from projectmgr.models import Level, Role
from tests.data import make_workbooks as books

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect


def test_moving_in_walk(make, open_session, tmp_path, screenshots):
    make.plan(Level.municipal)
    staff = make.user(Role.staff)
    bad = books.bureau_2024(tmp_path / "2024年度项目汇总表.xlsx")
    s = open_session("zh-CN")
    page = s.page
    assert s.sign_in(staff.username).status == 302

    s.goto("/moving-in")
    expect(page.locator("h1")).to_have_text("从本局台账迁入")
    page.set_input_files("input[type=file]", str(bad))
    page.screenshot(path=str(screenshots / "moving_in_1_upload.png"), full_page=True)
    page.locator("form button.primary").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("列对应与预览")
    expect(page.locator("select[name=col_I]")).to_have_value("period")
    expect(page.locator("select[name=col_J]")).to_have_value("special_funds")
    page.screenshot(path=str(screenshots / "moving_in_2_mapping.png"), full_page=True)

    page.locator("form.mapping button.primary").click()
    page.wait_for_load_state()
    errors = page.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("约50万")
    expect(errors.first).to_contain_text("财政资金（万元）")
    expect(page.locator("section.preview button.primary")).to_be_disabled()
    page.screenshot(path=str(screenshots / "moving_in_3_preview_error.png"), full_page=True)

    # The officer corrects the cell in Excel and uploads the file again.
    wb = load_workbook(bad)
    wb["2024年项目"]["J9"] = "50"
    wb.save(bad)
    s.goto("/moving-in")
    page.set_input_files("input[type=file]", str(bad))
    page.locator("form button.primary").click()
    page.wait_for_load_state()
    page.locator("form.mapping button.primary").click()
    page.wait_for_load_state()
    expect(page.locator("table.import-errors")).to_have_count(0)
    expect(page.locator("table.preview-rows tbody tr")).to_have_count(8)
    page.screenshot(path=str(screenshots / "moving_in_4_preview.png"), full_page=True)
    page.locator("section.preview button.primary").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("迁入完成")
    expect(page.locator("body")).to_contain_text("安阳市农业科学院")
    expect(page.locator("body")).to_contain_text("缺失：请补填")
    page.screenshot(path=str(screenshots / "moving_in_5_done.png"), full_page=True)

    page.locator("a.button", has_text="逾期").first.click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("AYKJ2022-007")
    page.screenshot(path=str(screenshots / "moving_in_6_radar.png"), full_page=True)

    page.locator("a", has_text="AYKJ2022-007").first.click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("从台账迁入")
    page.screenshot(path=str(screenshots / "moving_in_7_project.png"), full_page=True)

    # Moved in without indicators: staff enter them from the task book before the acceptance.
    expect(page.locator("#no-indicators")).to_be_visible()
    page.locator("#set-indicators").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("设置绩效指标")
    for n, (key, name, unit, target) in enumerate(
        (("yield", "亩产", "公斤", "650"), ("varieties", "新品种", "个", "2"))
    ):
        page.fill(f"#indicator_rows-{n}-key", key)
        page.fill(f"#indicator_rows-{n}-name", name)
        page.fill(f"#indicator_rows-{n}-unit", unit)
        page.fill(f"#indicator_rows-{n}-target", target)
    page.fill("#comment", "按任务书补录绩效指标")
    page.screenshot(path=str(screenshots / "moving_in_8_indicators.png"), full_page=True)
    page.locator("button.primary", has_text="保存绩效指标").click()
    page.wait_for_load_state()
    expect(page.locator("#indicators")).to_contain_text("亩产")
    expect(page.locator("#indicators")).to_contain_text("新品种")
    expect(page.locator("#history")).to_contain_text("按任务书补录绩效指标")
    page.locator("#indicators").screenshot(path=str(screenshots / "moving_in_9_indicators_set.png"))
