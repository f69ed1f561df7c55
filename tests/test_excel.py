"""Excel in and out: localized headers, the export → import round trip, and an import refused with
every error's sheet, row and column and nothing written."""

import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from projectmgr.downloads import XLSX
from projectmgr.extensions import db
from projectmgr.models import DueItem, Flag, Level, Project, Role
from projectmgr.services import excel, settings
from projectmgr.services.excel import project_import as excel_project_import
from projectmgr.services.excel import workbook
from projectmgr.services.excel.workbook import ImportRefused, word
from projectmgr.services.projects import ProjectFilters


def _book(response) -> Workbook:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == XLSX
    return load_workbook(io.BytesIO(response.data))


def _people(make):
    staff = make.user(Role.staff)
    org = make.organization("清水源")
    owner = make.user(Role.owner, organization=org)
    plan = make.plan(Level.municipal)
    return staff, org, owner, plan


def _template_rows(plan, org, owner, staff, code="XL-001", **overrides):
    row = {
        "code": code,
        "title": "导入项目",
        "plan_id": plan.id,
        "organization_id": org.id,
        "owner_id": owner.id,
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "industry": "装备制造",
        "responsible_staff_id": staff.id,
        "flags": "major",
        "special_funds": 100000,
        "self_raised_committed": 50000,
    }
    row.update(overrides)
    return row


def _workbook(projects: list[dict], budget: list[list], indicators: list[list], lang="zh") -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = excel.SHEETS["projects"][0 if lang == "zh" else 1]
    ws.append([c[1] if lang == "zh" else c[2] for c in excel.PROJECT_COLUMNS])
    for p in projects:
        ws.append([p.get(c[0]) for c in excel.PROJECT_COLUMNS])
    ws = wb.create_sheet(excel.SHEETS["budget"][0 if lang == "zh" else 1])
    ws.append([c[1] if lang == "zh" else c[2] for c in excel.BUDGET_COLUMNS])
    for r in budget:
        ws.append(r)
    ws = wb.create_sheet(excel.SHEETS["indicators"][0 if lang == "zh" else 1])
    ws.append([c[1] if lang == "zh" else c[2] for c in excel.INDICATOR_COLUMNS])
    for r in indicators:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_template_headers_follow_the_language(make, api):
    staff = make.user(Role.staff)
    s = api.as_(staff)
    zh = _book(s.get("/imports/projects/template.xlsx?lang=zh"))
    assert zh.sheetnames == ["项目", "经费预算", "绩效指标", "填写说明"]
    assert [c.value for c in zh["项目"][1]][:3] == ["项目编号", "项目名称", "计划ID"]
    en = _book(
        s.client.get("/api/v1/imports/projects/template.xlsx", headers={**s._headers(), "Accept-Language": "en"})
    )
    assert en.sheetnames == ["Projects", "Budget", "Indicators", "How to fill in"]
    assert [c.value for c in en["Projects"][1]][:2] == ["Code", "Title"]
    assert api.as_(make.user(Role.owner)).get("/exports/projects.xlsx").status_code == 403


def test_template_lists_the_ids_to_fill_in_and_imports_once_filled(make, api):
    """The instructions sheet names the plans, organizations, owners and staff by id; a downloaded
    template filled in with those ids imports (the instructions sheet is ignored)."""
    staff, org, owner, plan = _people(make)
    other = make.user(Role.owner, organization=make.organization("中原特钢"))
    other.active = False  # a deactivated owner is not offered
    db.session.commit()
    s = api.as_(staff)
    wb = _book(s.get("/imports/projects/template.xlsx?lang=zh"))
    rows = []
    for r in wb["填写说明"].iter_rows(values_only=True):  # rows are padded to the widest: trim them
        r = list(r)
        while r and r[-1] is None:
            r.pop()
        rows.append(tuple(r))
    assert (plan.id, plan.name, "市级", plan.year) in rows
    assert (org.id, org.name, org.credit_code) in rows
    assert (owner.id, owner.display_name, owner.username, org.id) in rows
    assert (staff.id, staff.display_name, staff.username) in rows
    assert not any(r and r[0] == other.id and other.username in r for r in rows)
    assert ("设备费", "equipment") in rows
    values = _template_rows(plan, org, owner, staff, "XL-T1")
    wb["项目"].append([values[c[0]] for c in excel.PROJECT_COLUMNS])
    wb["经费预算"].append(["XL-T1", "设备费", 100000, 50000])
    wb["绩效指标"].append(["XL-T1", "patents", "专利申请", "件", 3, 1])
    f = io.BytesIO()
    wb.save(f)
    f.seek(0)
    r = s.post("/imports/projects", data={"file": (f, "t.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    assert r.json["created"] == ["XL-T1"]


def test_good_import_registers_every_project_through_the_rules(make, api):
    staff, org, owner, plan = _people(make)
    f = _workbook(
        [_template_rows(plan, org, owner, staff), _template_rows(plan, org, owner, staff, "XL-002", flags=None)],
        [
            ["XL-001", "equipment", 60000, 50000],
            ["XL-001", "材料费", "40000.00", 0],
            ["XL-002", "equipment", 100000, 50000],
        ],
        [["XL-001", "patents", "专利申请", "件", 5, 1], ["XL-002", "sales", "销售收入", "万元", "120.5", None]],
    )
    r = api.as_(staff).post(
        "/imports/projects", data={"file": (f, "projects.xlsx")}, content_type="multipart/form-data"
    )
    assert r.status_code == 201, r.json
    assert r.json["created"] == ["XL-001", "XL-002"]
    p = db.session.query(Project).filter_by(code="XL-001").one()
    assert p.flags == ["major"] and p.industry == "装备制造"
    assert sorted((b.category.value, b.special) for b in p.budget_lines) == [
        ("equipment", Decimal("60000.00")),
        ("materials", Decimal("40000.00")),
    ]
    # Registration's side effects happened: the due items are open.
    assert db.session.query(DueItem).filter_by(project_id=p.id).count() >= 2


def test_broken_import_reports_every_error_with_its_position_and_writes_nothing(make, api):
    staff, org, owner, plan = _people(make)
    make.project(code="TAKEN-1", plan=plan, owner=owner, staff=staff)
    before = db.session.query(Project).count()
    f = _workbook(
        [
            _template_rows(plan, org, owner, staff, "XL-OK"),  # row 2: valid on its own
            _template_rows(plan, org, owner, staff, "XL-BAD", start_date="2026-13-01", special_funds="12.345"),  # 3
            _template_rows(plan, org, owner, staff, "XL-SUM"),  # row 4: budget does not add up
            _template_rows(plan, org, owner, staff, "TAKEN-1"),  # row 5: code exists already
            _template_rows(plan, org, owner, staff, "XL-NOPLAN", plan_id=99999),  # row 6
        ],
        [
            ["XL-OK", "equipment", 100000, 50000],  # budget row 2
            ["XL-BAD", "equipment", 100000, 50000],  # 3
            ["XL-SUM", "equipment", 90000, 50000],  # 4
            ["TAKEN-1", "equipment", 100000, 50000],  # 5
            ["XL-NOPLAN", "equipment", 100000, 50000],  # 6
            ["XL-OK", "rockets", 0, 0],  # 7: unknown category
            ["GHOST", "equipment", 1, 1],  # 8: no such project on the first sheet
        ],
        [
            ["XL-OK", "Bad Key", "名称", "件", 0, 1],  # indicator row 2: key pattern and target
            *[[code, "sales", "销售收入", "万元", 100, 1] for code in ("XL-BAD", "XL-SUM", "TAKEN-1", "XL-NOPLAN")],
        ],
    )
    r = api.as_(staff).post("/imports/projects", data={"file": (f, "bad.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 422, r.json
    assert r.json["error"]["code"] == "validation_error"
    got = {(d["sheet"], d["row"], d["column"]) for d in r.json["error"]["details"]}
    expected = {
        ("项目", 3, "F"),  # start_date
        ("项目", 3, "K"),  # special_funds: more than two decimals
        ("项目", 4, "K"),  # special lines sum to 90,000, not 100,000
        ("项目", 5, "A"),  # duplicate code
        ("项目", 6, "C"),  # no such plan
        ("经费预算", 7, "B"),  # unknown category
        ("经费预算", 8, "A"),  # unknown project code
        ("绩效指标", 2, "B"),  # key pattern
        ("绩效指标", 2, "E"),  # target must be > 0
    }
    assert got == expected, r.json["error"]["details"]
    for d in r.json["error"]["details"]:
        assert d["message"] and d["header"]
    assert db.session.query(Project).count() == before
    assert db.session.query(Project).filter(Project.code.like("XL-%")).count() == 0


def test_export_round_trip_into_an_empty_database(make, api, app):
    staff, org, owner, plan = _people(make)
    other_plan = make.plan(Level.provincial)
    make.project(
        code="RT-1",
        plan=plan,
        owner=owner,
        staff=staff,
        flags=["major", "seasonal"],
        industry="生物科技",
        indicators=(("sales", "销售收入", "万元", "100.25"), ("patents", "专利", "件", "3")),
    )
    make.project(code="RT-2", plan=other_plan, owner=owner, staff=staff, special="0.00", self_raised="10.50")
    s = api.as_(staff)

    def snapshot():
        out = {}
        for p in db.session.query(Project).order_by(Project.code):
            out[p.code] = (
                p.title,
                p.plan_id,
                p.organization_id,
                p.owner_id,
                p.start_date,
                p.end_date,
                p.industry,
                p.responsible_staff_id,
                p.flags,
                p.special_funds,
                p.self_raised_committed,
                sorted((b.category.value, b.special, b.self_raised) for b in p.budget_lines),
                sorted((i.key, i.name, i.unit, i.target, i.weight) for i in p.indicators),
            )
        return out

    before = snapshot()
    r = s.get("/exports/projects.xlsx?lang=en")
    data = r.data
    assert len(_book(r)["Projects"]["A"]) == 3
    # Empty the projects (and what hangs on them); plans, organizations and people stay.
    with db.engine.begin() as conn:
        for table in ("due_item", "transition_record", "budget_line", "indicator", "credit_record", "project"):
            conn.execute(text(f'DELETE FROM "{table}"'))
    db.session.expire_all()
    assert db.session.query(Project).count() == 0
    r = s.post("/imports/projects", data={"file": (io.BytesIO(data), "p.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    db.session.expire_all()
    assert snapshot() == before


def test_export_applies_the_filters(make, app):
    staff, org, owner, plan = _people(make)
    make.project(code="F-1", plan=plan, owner=owner, staff=staff, flags=["major"])
    make.project(code="F-2", plan=plan, owner=owner, staff=staff)
    with app.test_request_context():
        with excel.export_projects(staff, ProjectFilters(flag=Flag.major), "zh") as stream:
            ws = load_workbook(stream)["项目"]
        assert [row[0] for row in ws.iter_rows(min_row=2, values_only=True)] == ["F-1"]


def test_overdue_evaluation_and_ledger_exports(make, api):
    staff, org, owner, plan = _people(make)
    p = make.project(plan=plan, owner=owner, staff=staff, start=date(2024, 1, 1), end=date(2024, 6, 30))
    s = api.as_(staff)
    ws = _book(s.get("/exports/overdue.xlsx?as_of=2025-01-01&lang=zh")).active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert ws.cell(1, 1).value == "项目编号"
    assert {(r[0], r[3]) for r in rows} == {(p.code, "年终考评"), (p.code, "验收申请")}
    assert s.post("/evaluations/run?as_of=2024-12-31", json={"year": 2024}).status_code == 200
    ws = _book(s.get("/exports/evaluation.xlsx?year=2024&lang=en")).active
    assert ws.cell(1, 9).value == "Proposed grade" and ws.cell(2, 1).value == p.code
    s.post("/ledger/targets", json={"year": 2024, "title": "专利", "unit": "件", "target_value": "10"})
    ws = _book(s.get("/exports/ledger.xlsx?year=2024&lang=zh")).active
    assert ws.cell(2, 4).value == "专利" and ws.cell(1, 14).value == "状态"


def test_not_a_workbook_is_refused(make, api):
    staff = make.user(Role.staff)
    r = api.as_(staff).post(
        "/imports/projects", data={"file": (io.BytesIO(b"hello"), "x.xlsx")}, content_type="multipart/form-data"
    )
    assert r.status_code == 422 and "xlsx" in r.json["error"]["details"][0]["message"]
    r = api.as_(staff).post("/imports/projects", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and r.json["error"]["details"][0]["field"] == "file"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_web_import_page_lists_errors(make, client, lang):
    staff, org, owner, plan = _people(make)
    client.post("/login", data={"username": staff.username, "password": "password123"})
    f = _workbook(
        [_template_rows(plan, org, owner, staff, "W-1", owner_id=None)], [["W-1", "equipment", 100000, 50000]], [], lang
    )
    r = client.post("/projects/import", data={"file": (f, "w.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "E" in page and ">3<" not in page and ">2<" in page
    assert db.session.query(Project).count() == 0


@pytest.mark.parametrize("typed", [date(2026, 1, 2), datetime(2026, 1, 2, 8, 30), time(1, 2)])
def test_a_date_in_an_id_column_is_an_error_in_that_cell(make, api, typed):
    """计划ID typed as 1-2 becomes an Excel date: an error beside the cell, not a server error."""
    staff, org, owner, plan = _people(make)
    f = _workbook(
        [_template_rows(plan, org, owner, staff, "XL-DATE", plan_id=typed)],
        [["XL-DATE", "equipment", 100000, 50000]],
        [["XL-DATE", "patents", "专利申请", "件", 5, 1]],
    )
    r = api.as_(staff).post("/imports/projects", data={"file": (f, "d.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 422, r.data[:300]
    assert {(d["sheet"], d["row"], d["column"]) for d in r.json["error"]["details"]} == {("项目", 2, "C")}, r.json
    assert db.session.query(Project).count() == 0


def _damaged(f: io.BytesIO) -> io.BytesIO:
    """The workbook with its first sheet's XML cut in half: the zip and the workbook part still read."""
    source = zipfile.ZipFile(f)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            z.writestr(info, data)
    out.seek(0)
    return out


@pytest.mark.parametrize("what", ["projects", "ledger"])
def test_a_damaged_sheet_is_refused_not_a_server_error(make, api, what):
    staff, org, owner, plan = _people(make)
    f = _workbook([_template_rows(plan, org, owner, staff)], [["XL-001", "equipment", 100000, 50000]], [])
    load_workbook(_damaged(f), read_only=True)  # the damage is only found while reading the rows
    f.seek(0)
    r = api.as_(staff).post(
        f"/imports/{what}", data={"file": (_damaged(f), "x.xlsx")}, content_type="multipart/form-data"
    )
    assert r.status_code == 422, r.data[:300]
    assert "xlsx" in r.json["error"]["details"][0]["message"]
    assert db.session.query(Project).count() == 0


def test_import_errors_name_the_accepted_words_in_the_readers_language(make, api):
    staff, org, owner, plan = _people(make)
    f = _workbook(
        [_template_rows(plan, org, owner, staff, "XL-W1"), _template_rows(plan, org, owner, staff, "XL-W2")],
        [["XL-W1", "吃饭费", 100000, 50000], ["XL-W2", "设备费", 100000, 50000]],
        [["XL-W1", "patents", "专利申请", "件", 5, 1]],  # XL-W2 has no indicator
    )
    s = api.as_(staff)
    r = s.client.post(
        "/api/v1/imports/projects",
        data={"file": (f, "p.xlsx")},
        content_type="multipart/form-data",
        headers={**s._headers(), "Accept-Language": "zh-CN"},
    )
    assert r.status_code == 422
    found = {(d["sheet"], d["row"], d["column"]): d["message"] for d in r.json["error"]["details"]}
    assert found[("经费预算", 2, "B")].startswith("不是有效的预算科目，请填写：设备费、材料费")
    assert found[("项目", 3, "A")] == "至少需要一项绩效指标。"
    assert db.session.query(Project).count() == 0


def test_in_english_the_category_error_names_the_keys(make, api):
    staff, org, owner, plan = _people(make)
    f = _workbook(
        [_template_rows(plan, org, owner, staff, "XL-E1")],
        [["XL-E1", "food", 100000, 50000]],
        [["XL-E1", "patents", "专利申请", "件", 5, 1]],
    )
    r = api.as_(staff).post("/imports/projects", data={"file": (f, "p.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 422
    message = {(d["sheet"], d["row"], d["column"]): d["message"] for d in r.json["error"]["details"]}[
        ("经费预算", 2, "B")
    ]
    assert message.startswith("Not a budget category: use one of equipment, materials, testing")


# The words the Chinese exports wrote from their own dictionaries before they read the labels' catalog.
EXPORT_WORDS_ZH = {
    "state": {
        "approved": "已立项",
        "in_progress": "实施中",
        "mid_year_survey": "半年调研中",
        "survey_submitted": "调研报告已提交",
        "acceptance_applied": "已申请验收",
        "under_review": "专家评审中",
        "rectifying": "整改中",
        "accepted": "通过验收",
        "closed_out": "结题",
        "failed": "不通过验收",
        "evaluated": "已考评",
        "terminated": "已终止",
    },
    "level": {"national": "国家级", "provincial": "省级", "municipal": "市级"},
    "grade": {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"},
    "ledger_status": {"on_track": "正常", "at_risk": "有风险", "behind": "滞后"},
    "due": {
        "survey_report": "调研报告",
        "acceptance_application": "验收申请",
        "rectification": "整改",
        "expert_scores": "专家评分",
        "annual_evaluation": "年终考评",
    },
}


@pytest.mark.parametrize("kind", sorted(EXPORT_WORDS_ZH))
def test_chinese_exports_write_the_catalogs_words(app, kind):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert {key: word(kind, key, "zh") for key in EXPORT_WORDS_ZH[kind]} == EXPORT_WORDS_ZH[kind]
        assert word(kind, "approved", "en") == "approved"  # an English export keeps the keys


def test_chinese_project_export_names_level_and_state(make, app):
    staff, org, owner, plan = _people(make)
    make.project(code="XL-ZH", plan=plan, owner=owner, staff=staff)
    with app.test_request_context(), excel.export_projects(staff, ProjectFilters(), "zh") as stream:
        row = list(load_workbook(stream)["项目"].iter_rows(min_row=2, values_only=True))[0]
    assert row[0] == "XL-ZH" and row[12] == "市级" and row[15] == "已立项"


def test_a_category_word_in_another_column_stays_as_written(make, api):
    """Only the budget-category column reads 劳务费 as labor; an industry of that name stays."""
    staff, org, owner, plan = _people(make)
    f = _workbook(
        [_template_rows(plan, org, owner, staff, "XL-CAT", industry="劳务费")],
        [["XL-CAT", "劳务费", 100000, 50000]],
        [["XL-CAT", "patents", "专利申请", "件", 5, 1]],
    )
    r = api.as_(staff).post("/imports/projects", data={"file": (f, "c.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    p = db.session.query(Project).filter_by(code="XL-CAT").one()
    assert p.industry == "劳务费"
    assert [b.category.value for b in p.budget_lines] == ["labor"]


def _spy_on_close(monkeypatch) -> list:
    closed = []
    real = workbook.load_workbook

    def load(*args, **kwargs):
        wb = real(*args, **kwargs)
        close = wb.close
        wb.close = lambda: (closed.append(wb), close())
        return wb

    monkeypatch.setattr(workbook, "load_workbook", load)
    return closed


def test_an_uploaded_workbook_is_closed_and_other_errors_propagate(app, monkeypatch):
    closed = _spy_on_close(monkeypatch)
    with app.test_request_context():
        with workbook.uploaded_workbook(_workbook([], [], [])) as wb:
            assert wb.sheetnames[0] == "项目"
        assert len(closed) == 1
        with pytest.raises(LookupError), workbook.uploaded_workbook(_workbook([], [], [])) as wb:
            wb["no such sheet"]  # a bug inside the block is a bug, not "not an .xlsx file"
        assert len(closed) == 2


def test_a_damaged_sheet_is_refused_and_its_workbook_closed(make, app, monkeypatch):
    closed = _spy_on_close(monkeypatch)
    staff, org, owner, plan = _people(make)
    f = _workbook([_template_rows(plan, org, owner, staff)], [["XL-001", "equipment", 100000, 50000]], [])
    with app.test_request_context(), pytest.raises(ImportRefused) as refused:
        excel.import_projects(staff, _damaged(f), settings(), date(2026, 1, 1))
    assert "xlsx" in refused.value.details[0]["message"]
    assert len(closed) == 1
    with app.test_request_context(), pytest.raises(ImportRefused):
        excel.import_projects(staff, io.BytesIO(b"not a zip"), settings(), date(2026, 1, 1))


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_unbalanced_budget_totals_are_placed_by_their_field(make, api, lang):
    """Each budget total is reported beside the project-row amount it misses (K: special, L: self-raised)."""
    staff, org, owner, plan = _people(make)
    f = _workbook(
        [_template_rows(plan, org, owner, staff, "XL-SUMS")],
        [["XL-SUMS", "equipment", 90000, 40000]],
        [["XL-SUMS", "patents", "专利申请", "件", 5, 1]],
    )
    s = api.as_(staff)
    r = s.client.post(
        "/api/v1/imports/projects",
        data={"file": (f, "p.xlsx")},
        content_type="multipart/form-data",
        headers={**s._headers(), "Accept-Language": lang},
    )
    assert r.status_code == 422, r.json
    assert sorted(d["column"] for d in r.json["error"]["details"]) == ["K", "L"], r.json


def test_a_service_error_is_placed_by_its_field_path_whatever_its_message(app):
    """Two errors with the same words (as any translation may give) still land on their own cells."""
    row = excel_project_import.SheetRow(
        "项目", 2, {}, {"special_funds": ("K", "专项资金（元）"), "self_raised_committed": ("L", "自筹资金承诺（元）")}
    )
    pending = excel_project_import.Pending(row)
    cells = [
        excel_project_import.place_service_error(pending, {"field": path, "message": "预算合计不符。"})["column"]
        for path in ("budget.special", "budget.self_raised")
    ]
    assert cells == ["K", "L"]
