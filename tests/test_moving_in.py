"""Moving in (API.md "Moving in"): a bureau's own workbooks through upload, mapping and preview,
and commit — projects at their states with opening balances, due items and a `migrate` history
row; organizations and owners matched or created; every bad input named at its cell, nothing
written."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import (
    CreditRecord,
    Disbursement,
    DueItem,
    DueKind,
    Expenditure,
    ImportWorkbook,
    Level,
    Organization,
    Plan,
    Project,
    Role,
    SelfRaisedArrival,
    State,
    TransitionRecord,
    User,
)
from tests.data import make_workbooks as books

AS_OF = "2025-06-30"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _upload(s, path_or_bytes, name=None):
    data = path_or_bytes.read_bytes() if hasattr(path_or_bytes, "read_bytes") else path_or_bytes
    name = name or path_or_bytes.name
    return s.post("/imports/workbooks", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _suggested(sheet: dict) -> dict:
    return {c["letter"]: c["suggested_field"] for c in sheet["columns"]}


def _map(s, workbook_id, sheet, columns, **extra):
    r = s.put(
        f"/imports/workbooks/{workbook_id}/mapping?as_of={AS_OF}", json={"sheet": sheet, "columns": columns, **extra}
    )
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _fixed_2024(tmp_path):
    """bureau_2024.xlsx with its bad amount corrected."""
    path = books.bureau_2024(tmp_path / "bureau_2024.xlsx")
    wb = load_workbook(path)
    ws = wb["2024年项目"]
    assert ws["J9"].value == "约50万"
    ws["J9"] = "50"
    assert ws["D6"].value == books.ORGS[0][0]
    ws["E6"] = None  # the organization's code left out on one of its rows: still one organization
    wb.save(path)
    return path


@pytest.fixture
def staff(make):
    make.plan(Level.municipal)
    return make.user(Role.staff)


def test_upload_finds_the_header_past_the_merged_title_and_suggests_the_fields(api, staff, tmp_path):
    r = _upload(api.as_(staff), books.bureau_2024(tmp_path / "b.xlsx"))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    first = body["sheets"][0]
    assert first["name"] == "2024年项目" and first["header_row"] == 2
    assert _suggested(first) == {
        "A": None,  # 序号
        "B": "code",
        "C": "title",
        "D": "organization",
        "E": "credit_code",
        "F": "owner",
        "G": "phone",
        "H": "plan",
        "I": "period",
        "J": "special_funds",
        "K": "self_raised_committed",
        "L": "special_disbursed",
        "M": "special_spent",
        "N": "state",
        "O": "note",
    }
    assert body["sheets"][1]["header_row"] is None  # 说明: a note, no table
    assert _count(Project) == 0


def test_the_bad_row_is_named_at_its_cell_and_the_commit_writes_nothing(api, staff, tmp_path):
    s = api.as_(staff)
    body = _upload(s, books.bureau_2024(tmp_path / "b.xlsx")).get_json()
    preview = _map(s, body["id"], "2024年项目", _suggested(body["sheets"][0]))
    assert [r["row"] for r in preview["rows"]] == list(range(3, 11))  # the 合计 row is not a project
    assert preview["errors"] == [
        {
            "sheet": "2024年项目",
            "row": 9,
            "column": "J",
            "header": "财政资金（万元）",
            "value": "约50万",
            "message": "Not an amount: write a number such as 50 or 1,200.50 (no words).",
        }
    ]
    first = preview["rows"][0]
    assert first["values"]["special_funds"] == "500000.00"  # 50 万元
    assert first["values"]["start_date"] == "2022-01-01" and first["values"]["end_date"] == "2023-12-31"
    assert first["state"] == "accepted"
    assert preview["would_create"]["projects"] == 8
    orgs_before = _count(Organization)
    r = s.post(f"/imports/workbooks/{body['id']}/commit?as_of={AS_OF}")
    assert r.status_code == 422
    assert r.get_json()["error"]["details"] == preview["errors"]
    assert _count(Project) == 0 and _count(Organization) == orgs_before and _count(TransitionRecord) == 0


def test_commit_enters_projects_at_their_states_with_balances_due_items_and_history(api, staff, tmp_path):
    s = api.as_(staff)
    path = _fixed_2024(tmp_path)
    body = _upload(s, path).get_json()
    preview = _map(s, body["id"], "2024年项目", _suggested(body["sheets"][0]))
    assert preview["errors"] == []
    assert {o["name"]: o["credit_code"] for o in preview["would_create"]["organizations"]} == {
        name: code for name, code in books.ORGS
    }
    r = s.post(f"/imports/workbooks/{body['id']}/commit?as_of={AS_OF}")
    assert r.status_code == 200, r.get_json()
    answer = r.get_json()
    assert len(answer["created"]["projects"]) == 8 and answer["skipped_existing"] == 0
    missing = [o["name"] for o in answer["created"]["organizations"] if o["credit_code"] is None]
    assert missing == ["安阳市农业科学院"]
    # 王建国 owns two projects of the same organization: one account.
    assert sorted(o["name"] for o in answer["created"]["owners"]) == [
        "刘洋",
        "孙涛",
        "张伟",
        "李秀英",
        "王建国",
        "赵磊",
        "陈静",
    ]

    states = dict(db.session.execute(select(Project.code, Project.state)).all())
    assert states == {
        "AYKJ2022-001": State.accepted,
        "AYKJ2022-007": State.in_progress,
        "AYKJ2023-003": State.in_progress,
        "AYKJ2023-011": State.acceptance_applied,
        "AYKJ2023-015": State.closed_out,
        "AYKJ2024-002": State.in_progress,
        "AYKJ2024-004": State.in_progress,
        "AYKJ2024-009": State.terminated,
    }
    p = db.session.scalar(select(Project).where(Project.code == "AYKJ2024-002"))
    assert p.special_funds == Decimal("12000000.00") and p.self_raised_committed == Decimal("15000000.00")
    assert [(b.category.value, b.special) for b in p.budget_lines] == [("other", Decimal("12000000.00"))]
    disbursed = db.session.scalars(select(Disbursement).where(Disbursement.project_id == p.id)).all()
    assert [(d.amount, d.opening_balance) for d in disbursed] == [(Decimal("6000000.00"), True)]
    spent = db.session.scalars(select(Expenditure).where(Expenditure.project_id == p.id)).all()
    assert [(e.amount, e.category.value, e.source.value, e.opening_balance) for e in spent] == [
        (Decimal("1500000.00"), "other", "special", True)
    ]
    assert _count(SelfRaisedArrival) == 0  # the sheet has no arrivals column

    history = db.session.scalars(select(TransitionRecord).where(TransitionRecord.project_id == p.id)).all()
    assert [(h.trigger, h.from_state, h.to_state, h.actor_id) for h in history] == [
        ("migrate", None, State.in_progress, staff.id)
    ]
    assert "bureau_2024.xlsx" in history[0].comment
    terminated = db.session.scalar(select(Project).where(Project.code == "AYKJ2024-009"))
    assert terminated.termination_reason == "企业经营困难，主动申请终止"

    owner = db.session.scalar(select(User).where(User.display_name == "王建国"))
    assert owner.role == Role.owner and not owner.active and not owner.check_password("")
    assert owner.organization.name == "安阳市清水源环保科技有限公司"

    # 2022.03–2024.02 and still in progress: the acceptance application was due 2024-05-29.
    late = db.session.scalar(select(Project).where(Project.code == "AYKJ2022-007"))
    items = db.session.scalars(select(DueItem).where(DueItem.project_id == late.id).order_by(DueItem.due_date)).all()
    assert [(i.kind, i.due_date.isoformat()) for i in items] == [
        (DueKind.acceptance_application, "2024-05-29"),
        (DueKind.annual_evaluation, "2025-11-30"),
    ]
    radar = s.get(f"/overdue?as_of={AS_OF}").get_json()
    assert [(i["code"], i["kind"], i["days_overdue"]) for i in radar["items"]] == [
        ("AYKJ2022-007", "acceptance_application", 397),
        ("AYKJ2024-004", "acceptance_application", 33),  # 2024.03-2025.02: due 2025-05-28
    ]
    accepted = db.session.scalar(select(Project).where(Project.code == "AYKJ2022-001"))
    assert accepted.concluded_on.isoformat() == "2023-12-31"
    assert db.session.scalar(select(func.count()).where(DueItem.project_id == accepted.id)) == 0


def test_the_same_file_twice_creates_nothing_and_says_so(api, staff, tmp_path):
    s = api.as_(staff)
    path = _fixed_2024(tmp_path)
    for _attempt in (1, 2):
        body = _upload(s, path).get_json()
        _map(s, body["id"], "2024年项目", _suggested(body["sheets"][0]))
        answer = s.post(f"/imports/workbooks/{body['id']}/commit?as_of={AS_OF}").get_json()
    assert body["imported_before"]["id"] == body["id"] - 1
    assert answer["created"] == {"projects": [], "organizations": [], "owners": []}
    assert answer["skipped_existing"] == 8
    assert answer["message"] == "All 8 projects of the file exist already: nothing was created."
    assert _count(Project) == 8 and _count(TransitionRecord) == 8


def test_two_row_headers_take_the_unit_from_the_group_heading(api, make, tmp_path):
    staff = make.user(Role.staff)
    make.plan(Level.provincial)
    s = api.as_(staff)
    body = _upload(s, books.bureau_two_rows(tmp_path / "t.xlsx")).get_json()
    sheet = body["sheets"][0]
    assert sheet["header_row"] == 2 and sheet["header_rows"] == 2
    assert _suggested(sheet) == {
        "A": "code",
        "B": "title",
        "C": "organization",
        "D": "owner",
        "E": "start_date",
        "F": "end_date",
        "G": "special_funds",
        "H": "special_disbursed",
        "I": "special_spent",
        "J": "self_raised_committed",
        "K": "self_raised_arrived",
        "L": "level",
        "M": "state",
    }
    preview = _map(s, body["id"], sheet["name"], _suggested(sheet))
    assert preview["errors"] == []
    rows = {r["values"]["code"]: r for r in preview["rows"]}
    assert rows["SKJ-2023-101"]["values"]["special_funds"] == "1500000.00"
    assert rows["SKJ-2023-101"]["values"]["special_spent"] == "425000.00"
    assert rows["SKJ-2023-102"]["state"] == "acceptance_applied"  # 待验收
    assert rows["SKJ-2023-102"]["values"]["end_date"] == "2024-12-31"  # 2024年12月, an end date
    assert rows["SKJ-2024-103"]["state"] == "in_progress"  # 在研
    r = s.post(f"/imports/workbooks/{body['id']}/commit?as_of={AS_OF}")
    assert r.status_code == 200, r.get_json()
    arrived = db.session.scalars(select(SelfRaisedArrival.amount).order_by(SelfRaisedArrival.amount)).all()
    assert arrived == [Decimal("100000.00"), Decimal("900000.00"), Decimal("2000000.00")]


def test_gb18030_csv_with_full_width_digits_serial_dates_and_a_known_organization(api, make, tmp_path):
    staff = make.user(Role.staff)
    make.plan(Level.municipal)
    known = make.organization("清水源（旧名）")
    path = books.bureau_csv(tmp_path / "c.csv")
    # The file names the organization by another name but with the known code: the code decides.
    path.write_bytes(path.read_bytes().decode("gb18030").replace(books.ORGS[0][1], known.credit_code).encode("gb18030"))
    s = api.as_(staff)
    body = _upload(s, path).get_json()
    sheet = body["sheets"][0]
    assert sheet["header_row"] == 1
    preview = _map(s, body["id"], sheet["name"], _suggested(sheet))
    assert preview["errors"] == []
    rows = {r["values"]["code"]: r["values"] for r in preview["rows"]}
    assert rows["AY-C-01"]["special_funds"] == "300000.00"  # ３００，０００
    assert (rows["AY-C-01"]["start_date"], rows["AY-C-01"]["end_date"]) == ("2024-01-05", "2025-12-31")
    assert (rows["AY-C-03"]["start_date"], rows["AY-C-03"]["end_date"]) == ("2023-03-15", "2024-12-14")
    assert [o["name"] for o in preview["would_create"]["organizations"]] == [
        "安阳市农业科学院",
        "林州市华盛铸造有限公司",
    ]
    assert s.post(f"/imports/workbooks/{body['id']}/commit?as_of={AS_OF}").status_code == 200
    moved = db.session.scalar(select(Project).where(Project.code == "AY-C-02"))
    assert moved.organization_id == known.id and moved.state == State.accepted


def test_staff_corrections_are_remembered_for_the_next_import(api, staff, tmp_path):
    s = api.as_(staff)
    path = books.bureau_2024(tmp_path / "b.xlsx")
    body = _upload(s, path).get_json()
    columns = _suggested(body["sheets"][0]) | {"O": None, "A": "note"}
    _map(s, body["id"], "2024年项目", columns)
    again = _upload(s, path).get_json()
    assert _suggested(again["sheets"][0]) == columns
    assert _count(ImportWorkbook) == 2 and _count(Project) == 0


@pytest.mark.parametrize(
    ("maker", "message"),
    [
        (books.corrupt, "The file is damaged or not an .xlsx workbook or .csv file."),
        (
            books.protected,
            "The file is password-protected (or an old .xls): remove the password or save it as .xlsx, then upload it again.",
        ),
    ],
)
def test_unreadable_files_are_refused_and_not_stored(api, staff, tmp_path, maker, message):
    path = maker(tmp_path / "x.xlsx")
    r = _upload(api.as_(staff), path)
    assert r.status_code == 422
    assert [d["message"] for d in r.get_json()["error"]["details"]] == [message]
    assert _count(ImportWorkbook) == 0


def test_a_sheet_without_a_header_is_named(api, staff, tmp_path):
    s = api.as_(staff)
    body = _upload(s, books.no_header(tmp_path / "n.xlsx")).get_json()
    assert body["sheets"][0]["header_row"] is None
    preview = _map(s, body["id"], "Sheet", {})
    assert [(e["sheet"], e["message"]) for e in preview["errors"]] == [("Sheet", "No header row found on this sheet.")]
    assert s.post(f"/imports/workbooks/{body['id']}/commit").status_code == 422


def test_bad_cells_are_each_named_and_nothing_is_written(api, staff, tmp_path):
    path = _fixed_2024(tmp_path)
    wb = load_workbook(path)
    ws = wb["2024年项目"]
    ws["I4"] = "2024.03-2022.02"  # start after end
    ws["B6"] = "AYKJ2022-001"  # the code of row 3 again
    ws["E5"] = "91410500MA3X00002"  # a wrong check digit
    wb.save(path)
    s = api.as_(staff)
    body = _upload(s, path).get_json()
    columns = _suggested(body["sheets"][0]) | {"A": "title"}  # 序号 and 项目名称 both as the title
    preview = _map(s, body["id"], "2024年项目", columns)
    assert [(e["row"], e["column"], e["header"]) for e in preview["errors"]] == [(2, "C", "项目名称")]
    assert "mapped to this field already" in preview["errors"][0]["message"]
    preview = _map(s, body["id"], "2024年项目", _suggested(body["sheets"][0]))
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in preview["errors"]] == [
        (4, "I", "2024.03-2022.02", "The start date is after the end date."),
        (5, "E", "91410500MA3X00002", "Not a valid unified social credit code (GB 32100-2015 check digit)."),
        (6, "B", "AYKJ2022-001", "Code AYKJ2022-001 appears twice in the file (row 3)."),
    ]
    assert s.post(f"/imports/workbooks/{body['id']}/commit?as_of={AS_OF}").status_code == 422
    assert _count(Project) == 0 and _count(User) == 1 and _count(CreditRecord) == 0


def test_only_staff_move_a_bureau_in(api, make, tmp_path):
    owner = make.user(Role.owner)
    r = _upload(api.as_(owner), books.bureau_2024(tmp_path / "b.xlsx"))
    assert r.status_code == 403


def test_a_utf8_csv_reads_the_same(api, staff, tmp_path):
    path = books.bureau_csv(tmp_path / "c.csv")
    path.write_bytes(path.read_bytes().decode("gb18030").encode("utf-8-sig"))
    s = api.as_(staff)
    body = _upload(s, path).get_json()
    preview = _map(s, body["id"], body["sheets"][0]["name"], _suggested(body["sheets"][0]))
    assert preview["errors"] == [] and [r["values"]["title"] for r in preview["rows"]][0] == "豫北地区设施农业节水技术"


def test_commit_before_a_mapping_and_an_unknown_workbook(api, staff, tmp_path):
    s = api.as_(staff)
    body = _upload(s, books.bureau_2024(tmp_path / "b.xlsx")).get_json()
    r = s.post(f"/imports/workbooks/{body['id']}/commit")
    assert r.status_code == 422 and r.get_json()["error"]["details"][0]["field"] == "mapping"
    assert s.put("/imports/workbooks/999/mapping", json={"sheet": "x", "columns": {}}).status_code == 404
    r = s.post("/imports/workbooks", data={"file": (io.BytesIO(b"x"), "list.docx")}, content_type="multipart/form-data")
    assert r.status_code == 422 and _count(ImportWorkbook) == 1


def test_a_default_plan_and_a_chosen_unit(api, make, tmp_path):
    staff = make.user(Role.staff)
    make.plan(Level.municipal)
    chosen = make.plan(Level.municipal)  # two municipal plans: the sheet's words alone cannot choose
    s = api.as_(staff)
    path = _fixed_2024(tmp_path)
    body = _upload(s, path).get_json()
    columns = _suggested(body["sheets"][0])
    preview = _map(s, body["id"], "2024年项目", columns)
    assert {e["column"] for e in preview["errors"]} == {"H"}  # 计划类别 names no single plan
    preview = _map(s, body["id"], "2024年项目", columns, defaults={"plan_id": chosen.id}, amount_unit="yuan")
    assert preview["errors"] == []
    assert preview["rows"][0]["values"]["special_funds"] == "50.00"  # staff said yuan
    assert preview["rows"][0]["values"]["plan"] == chosen.name
    assert s.post(f"/imports/workbooks/{body['id']}/commit?as_of={AS_OF}").status_code == 200
    assert {p.plan_id for p in db.session.scalars(select(Project))} == {chosen.id}


def test_budget_and_spending_by_category_where_the_sheet_has_them(api, staff, tmp_path):
    s = api.as_(staff)
    path = books.bureau_categories(tmp_path / "k.xlsx")
    body = _upload(s, path).get_json()
    sheet = body["sheets"][0]
    assert sheet["header_row"] == 2 and sheet["header_rows"] == 2
    columns = _suggested(sheet)
    assert [columns[c] for c in "GHIJKL"] == [
        "special_budget:equipment",
        "special_spent:equipment",
        "special_budget:materials",
        "special_spent:materials",
        "special_budget:labor",
        "special_spent:labor",
    ]
    assert _map(s, body["id"], sheet["name"], columns)["errors"][0]["message"] == (
        "No plan: map a plan or level column, or choose a default plan."
    )
    plan_id = db.session.scalar(select(Plan.id))
    preview = _map(s, body["id"], sheet["name"], columns, defaults={"plan_id": plan_id})
    # 40 + 20 + 0 万元 of categories against a grant of 50 万元.
    assert [(e["row"], e["column"], e["header"]) for e in preview["errors"]] == [(5, "F", "财政资金（万元）")]
    wb = load_workbook(path)
    wb["经费明细"]["F5"] = 60
    wb.save(path)
    body = _upload(s, path).get_json()
    assert _map(s, body["id"], sheet["name"], columns, defaults={"plan_id": plan_id})["errors"] == []
    assert s.post(f"/imports/workbooks/{body['id']}/commit?as_of={AS_OF}").status_code == 200
    p = db.session.scalar(select(Project).where(Project.code == "AYJF-001"))
    assert {b.category.value: b.special for b in p.budget_lines} == {
        "equipment": Decimal("600000.00"),
        "materials": Decimal("200000.00"),
        "labor": Decimal("100000.00"),
        "other": Decimal("100000.00"),  # the rest of the 100 万元 grant
    }
    spent = db.session.scalars(select(Expenditure).where(Expenditure.project_id == p.id)).all()
    assert sorted((e.category.value, e.amount) for e in spent) == [
        ("equipment", Decimal("300000.00")),
        ("labor", Decimal("50000.00")),
        ("materials", Decimal("100000.00")),
    ]
    assert all(e.opening_balance and e.source.value == "special" for e in spent)


def test_spending_by_category_needs_the_budget_by_category(api, staff, tmp_path):
    s = api.as_(staff)
    body = _upload(s, books.bureau_categories(tmp_path / "k.xlsx")).get_json()
    columns = _suggested(body["sheets"][0]) | {"G": None, "I": None, "K": None}
    preview = _map(s, body["id"], "经费明细", columns)
    assert [(e["column"], e["message"]) for e in preview["errors"]] == [
        ("H", "Spending by category needs the budget by category: map it too.")
    ]
